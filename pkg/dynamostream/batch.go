package dynamostream

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// Batch reads a payload as Lambda invokes a function that both a
// DynamoDB Stream and an EventBridge schedule trigger: ok says it is a
// stream batch (it has Records); anything else is the schedule's.
func Batch(payload json.RawMessage) (ev events.DynamoDBEvent, ok bool, err error) {
	var probe struct {
		Records []json.RawMessage `json:"Records"`
	}
	if json.Unmarshal(payload, &probe) != nil || probe.Records == nil {
		return ev, false, nil
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		return ev, true, fmt.Errorf("decode stream batch: %w", err)
	}
	return ev, true, nil
}
