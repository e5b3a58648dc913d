package dynamostream_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/dynamostream"
)

// FuzzStreamImage: any image Lambda could deliver converts without
// panicking, back and forth to the same value, and the store's decoders
// take it without panicking.
func FuzzStreamImage(f *testing.F) {
	f.Add(`{"pk":{"S":"EVENT#cv"},"sk":{"S":"EVENT"},"capacity":{"N":"12"},"online":{"BOOL":false}}`)
	f.Add(`{"pk":{"S":"NOTICE#1"},"sk":{"S":"NOTICE"},"id":{"S":"1"},"members":{"L":[{"M":{"name":{"S":"Ana"}}}]}}`)
	f.Add(`{"b":{"B":"aGk="},"n":{"NULL":true},"ss":{"SS":["a"]},"ns":{"NS":["1"]},"bs":{"BS":["aGk="]},"m":{"M":{}}}`)
	f.Add(`{"capacity":{"N":"not a number"},"pk":{"S":"EVENT#x"},"sk":{"S":"EVENT"}}`)
	f.Fuzz(func(t *testing.T, raw string) {
		var img map[string]events.DynamoDBAttributeValue
		if json.Unmarshal([]byte(raw), &img) != nil {
			return
		}
		got, err := dynamostream.FromImage(img)
		if err != nil {
			return
		}
		back, err := dynamostream.FromImage(dynamostream.ToImage(got))
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Fatalf("round trip: %v\n%#v\n%#v", err, got, back)
		}
		switch dynamostore.KindOf(got) {
		case dynamostore.KindEvent:
			_, _ = dynamostore.EventFromImage(got)
		}
	})
}
