package dynamostore

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Open returns a store on the named table through a DynamoDB client built
// from cfg (see package awsconfig): how every function opens the table.
// optFns adjust the client: the local runner's endpoint, tests' faults.
func Open(cfg aws.Config, table string, log *slog.Logger, optFns ...func(*dynamodb.Options)) *Store {
	c := dynamodb.NewFromConfig(cfg, optFns...)
	return New(operations{c.GetItem, c.BatchGetItem, c.PutItem, c.UpdateItem, c.Query, c.TransactWriteItems}, table, log)
}

// operations is the SDK client's operations that API names, held as method
// values. Holding the client itself in an interface would keep all its
// sixty operations in any binary that also executes templates (web,
// mailer): text/template looks methods up by name, so the linker then keeps
// every exported method of every type an interface may hold, and of the
// types inside them. Function values have no methods; the web and mailer
// binaries are about 4 MB smaller for it.
type operations struct {
	getItem            func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	batchGetItem       func(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	putItem            func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	updateItem         func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	query              func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	transactWriteItems func(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

func (o operations) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return o.getItem(ctx, in, opts...)
}

func (o operations) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return o.batchGetItem(ctx, in, opts...)
}

func (o operations) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return o.putItem(ctx, in, opts...)
}

func (o operations) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return o.updateItem(ctx, in, opts...)
}

func (o operations) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return o.query(ctx, in, opts...)
}

func (o operations) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return o.transactWriteItems(ctx, in, opts...)
}
