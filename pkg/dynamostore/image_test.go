package dynamostore_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/dynamostream"
)

// TestEventFromStreamImage decodes an event item as the stream delivers it
// (moved here from dynamostream's image test, which no longer knows keys).
func TestEventFromStreamImage(t *testing.T) {
	raw := `{"pk":{"S":"EVENT#cv"},"sk":{"S":"EVENT"},"capacity":{"N":"12"},"online":{"BOOL":false}}`
	var img map[string]events.DynamoDBAttributeValue
	if err := json.Unmarshal([]byte(raw), &img); err != nil {
		t.Fatal(err)
	}
	got, err := dynamostream.FromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if dynamostore.KindOf(got) != dynamostore.KindEvent {
		t.Errorf("event image not recognised")
	}
	e, err := dynamostore.EventFromImage(got)
	if err != nil || e.Capacity != 12 {
		t.Errorf("decode: %v %+v", err, e)
	}
}

func TestKindOf(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	for _, tt := range []struct {
		pk, sk string
		want   dynamostore.ItemKind
	}{
		{"EVENT#x", "EVENT", dynamostore.KindEvent},
		{"NOTICE#1", "NOTICE", dynamostore.KindNotice},
		{"EVENT#x", "WAIT#0000000000000000001", dynamostore.KindOther},
		{"REG#1", "REG", dynamostore.KindOther},
		{"NOTICE#1", "EVENT", dynamostore.KindOther},
	} {
		if got := dynamostore.KindOf(map[string]types.AttributeValue{"pk": s(tt.pk), "sk": s(tt.sk)}); got != tt.want {
			t.Errorf("%s/%s: %v, want %v", tt.pk, tt.sk, got, tt.want)
		}
	}
}
