package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// noticeRecords returns the table's notices as the stream's INSERT records
// would carry them to the mailer, oldest first.
func noticeRecords(ctx context.Context, db *dynamodb.Client, table string) ([]events.DynamoDBEventRecord, error) {
	var recs []events.DynamoDBEventRecord
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", table, err)
		}
		for _, m := range out.Items {
			if sk, _ := m["sk"].(*types.AttributeValueMemberS); sk == nil || sk.Value != "NOTICE" {
				continue
			}
			img := streamImage(m)
			recs = append(recs, events.DynamoDBEventRecord{
				EventID: img["id"].String(), EventName: "INSERT", EventSource: "aws:dynamodb", EventVersion: "1.1",
				AWSRegion: "us-west-2",
				Change: events.DynamoDBStreamRecord{
					Keys:           map[string]events.DynamoDBAttributeValue{"pk": img["pk"], "sk": img["sk"]},
					NewImage:       img,
					SequenceNumber: img["id"].String(),
					StreamViewType: "NEW_AND_OLD_IMAGES",
				},
			})
		}
	}
	sort.Slice(recs, func(i, j int) bool {
		return recs[i].Change.NewImage["createdAt"].String()+recs[i].EventID < recs[j].Change.NewImage["createdAt"].String()+recs[j].EventID
	})
	return recs, nil
}

// streamImage converts an item to the attribute values of a stream record.
func streamImage(m map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = streamValue(v)
	}
	return out
}

func streamValue(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, x := range v.Value {
			l[i] = streamValue(x)
		}
		return events.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(streamImage(v.Value))
	}
	return events.NewNullAttribute()
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
