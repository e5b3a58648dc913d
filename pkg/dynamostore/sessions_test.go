package dynamostore_test

import (
	"testing"

	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/staffauth"
	"github.com/calmi/convenings/pkg/storetest"
)

// TestSessionsContract runs the session store's contract on DynamoDB
// Local, one table for all its tests (each uses its own session ids).
func TestSessionsContract(t *testing.T) {
	endpoint, _ := localaws.Endpoints(t)
	client, err := localaws.NewDynamoDBClient(t.Context(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	table := localaws.NewTestTable(t, client, dynamostore.CreateTableInput)
	storetest.RunSessions(t, func(testing.TB) staffauth.SessionStore { return dynamostore.New(client, table, nil) })
}
