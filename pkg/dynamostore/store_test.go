package dynamostore_test

import (
	"context"
	"os"
	"testing"

	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/storetest"
)

func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }

// TestContract runs the store contract against DynamoDB Local, a fresh
// table for each test.
func TestContract(t *testing.T) {
	endpoint, _ := localaws.Endpoints(t)
	client, err := localaws.NewDynamoDBClient(context.Background(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t testing.TB) storetest.Store {
		table := localaws.NewTestTable(t, client, dynamostore.CreateTableInput)
		return dynamostore.New(client, table, nil)
	})
}
