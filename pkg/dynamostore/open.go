package dynamostore

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Open returns a store on the named table through a DynamoDB client built
// from cfg (see package awsconfig): how every function opens the table.
// optFns adjust the client: the local runner's endpoint, tests' faults.
func Open(cfg aws.Config, table string, log *slog.Logger, optFns ...func(*dynamodb.Options)) *Store {
	return New(dynamodb.NewFromConfig(cfg, optFns...), table, log)
}
