package deploy

// The table's physical schema: what the CDK app creates and package
// dynamostore reads and writes (dynamostore.CreateTableInput builds the
// same table from these names). Only the sort keys the stream triggers
// filter on are here; every other key format belongs to dynamostore.
const (
	AttrPK     = "pk"
	AttrSK     = "sk"
	IndexGSI1  = "gsi1"
	AttrGSI1PK = "gsi1pk"
	AttrGSI1SK = "gsi1sk"
	// The second index groups what belongs to one team or organization:
	// a registration's notices and audit records, an organization's
	// registrations across events.
	IndexGSI2  = "gsi2"
	AttrGSI2PK = "gsi2pk"
	AttrGSI2SK = "gsi2sk"
	// AttrExpiresAt holds the epoch second after which DynamoDB's TTL may
	// delete the item (idempotency records, sent notices).
	AttrExpiresAt = "expiresAt"

	// SortKeyEvent is the sort key of an event's item (with its counters).
	SortKeyEvent = "EVENT"
	// SortKeyNotice is the sort key of a notice: an email owed to a team.
	SortKeyNotice = "NOTICE"
	// SortKeyQueuePrefix begins the sort key of a registration in line at
	// a queued event (its place in line).
	SortKeyQueuePrefix = "QUEUE#"
)
