package dynamostore

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/deploy"
)

// The table's physical schema, as pkg/deploy describes it for the CDK app
// (which must not link this package) and the stream triggers.
const (
	AttrPK     = deploy.AttrPK
	AttrSK     = deploy.AttrSK
	IndexGSI1  = deploy.IndexGSI1
	AttrGSI1PK = deploy.AttrGSI1PK
	AttrGSI1SK = deploy.AttrGSI1SK
	IndexGSI2  = deploy.IndexGSI2
	AttrGSI2PK = deploy.AttrGSI2PK
	AttrGSI2SK = deploy.AttrGSI2SK
	// AttrExpiresAt holds the epoch second after which DynamoDB's TTL may
	// delete the item (idempotency records, sent notices).
	AttrExpiresAt = deploy.AttrExpiresAt
)

// CreateTableInput is the table as tests and the local runner create it:
// on-demand, two overloaded GSIs, a stream with new and old images.
func CreateTableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrPK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrSK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrGSI1PK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrGSI1SK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrGSI2PK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrGSI2SK), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(IndexGSI1),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(AttrGSI1PK), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(AttrGSI1SK), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}, {
			IndexName: aws.String(IndexGSI2),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(AttrGSI2PK), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(AttrGSI2SK), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewTypeNewAndOldImages,
		},
	}
}
