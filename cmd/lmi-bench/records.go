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

	"github.com/calmi/convenings/pkg/streamapi"
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
			img := streamapi.ToStreamImage(m)
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

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
