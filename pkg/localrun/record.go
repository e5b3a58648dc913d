package localrun

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/calmi/convenings/pkg/dynamostream"
)

// eventRecord converts a record from GetRecords into the record Lambda
// puts in a DynamoDBEvent. It fails only on an attribute type newer than
// the SDK, which no function could decode either.
func eventRecord(r types.Record, streamARN, region string) (events.DynamoDBEventRecord, error) {
	e := events.DynamoDBEventRecord{
		AWSRegion:      region,
		EventID:        aws.ToString(r.EventID),
		EventName:      string(r.EventName),
		EventSource:    "aws:dynamodb",
		EventVersion:   "1.1",
		EventSourceArn: streamARN,
	}
	if id := r.UserIdentity; id != nil {
		// Set for deletions by TTL: {"type":"Service","principalId":"dynamodb.amazonaws.com"}.
		e.UserIdentity = &events.DynamoDBUserIdentity{Type: aws.ToString(id.Type), PrincipalID: aws.ToString(id.PrincipalId)}
	}
	if d := r.Dynamodb; d != nil {
		var images [3]map[string]events.DynamoDBAttributeValue
		for i, m := range []map[string]types.AttributeValue{d.Keys, d.NewImage, d.OldImage} {
			var err error
			if images[i], err = image(m); err != nil {
				return e, fmt.Errorf("stream record %s: %w", e.EventID, err)
			}
		}
		e.Change = events.DynamoDBStreamRecord{
			Keys:           images[0],
			NewImage:       images[1],
			OldImage:       images[2],
			SequenceNumber: aws.ToString(d.SequenceNumber),
			SizeBytes:      aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			e.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return e, nil
}

// image converts keys or an item image with dynamostream's converter, the
// one the functions' own tests check; nil stays nil so that an absent image
// stays absent from the JSON.
func image(m map[string]types.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if m == nil {
		return nil, nil
	}
	av, err := attributevalue.FromDynamoDBStreamsMap(m)
	if err != nil {
		return nil, err
	}
	return dynamostream.ToImage(av), nil
}
