package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// query is one key-condition query: on the table, or on an index (which
// can only be read eventually consistent).
type query struct {
	op         string // names the query in errors
	index      string
	key        expression.KeyConditionBuilder
	consistent bool
	pageSize   int32
	// backward reads the sort key in descending order.
	backward bool
	// startKey continues after an item (ExclusiveStartKey).
	startKey map[string]types.AttributeValue
}

// queryEach runs q page by page, decoding every item into a T and handing
// it to each, which returns false to stop reading.
func queryEach[T any](ctx context.Context, s *Store, q query, each func(T) bool) error {
	expr, err := expression.NewBuilder().WithKeyCondition(q.key).Build()
	if err != nil {
		return fmt.Errorf("%s: %w", q.op, err)
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), KeyConditionExpression: expr.KeyCondition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}
	if q.index != "" {
		in.IndexName = aws.String(q.index)
	} else {
		in.ConsistentRead = aws.Bool(q.consistent)
	}
	if q.pageSize > 0 {
		in.Limit = aws.Int32(q.pageSize)
	}
	in.ExclusiveStartKey = q.startKey
	if q.backward {
		in.ScanIndexForward = aws.Bool(false)
	}
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return failure(q.op, err)
		}
		for _, m := range out.Items {
			var v T
			if err := unmarshal(m, &v); err != nil {
				return fmt.Errorf("%s: decode: %w", q.op, err)
			}
			if !each(v) {
				return nil
			}
		}
	}
	return nil
}
