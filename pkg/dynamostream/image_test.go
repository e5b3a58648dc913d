package dynamostream_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/dynamostream"
)

func TestFromImage(t *testing.T) {
	// As Lambda delivers it: every DynamoDB type, nested.
	raw := `{"pk":{"S":"p#1"},"sk":{"S":"s"},"capacity":{"N":"12"},"online":{"BOOL":false},
	"blob":{"B":"aGk="},"none":{"NULL":true},"tags":{"SS":["a","b"]},"nums":{"NS":["1","2"]},"bins":{"BS":["aGk="]},
	"members":{"L":[{"M":{"name":{"S":"Ana"},"role":{"S":"superintendent"}}}]},"empty":{"M":{}}}`
	var img map[string]events.DynamoDBAttributeValue
	if err := json.Unmarshal([]byte(raw), &img); err != nil {
		t.Fatal(err)
	}
	got, err := dynamostream.FromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]types.AttributeValue{
		"pk":       &types.AttributeValueMemberS{Value: "p#1"},
		"sk":       &types.AttributeValueMemberS{Value: "s"},
		"capacity": &types.AttributeValueMemberN{Value: "12"},
		"online":   &types.AttributeValueMemberBOOL{Value: false},
		"blob":     &types.AttributeValueMemberB{Value: []byte("hi")},
		"none":     &types.AttributeValueMemberNULL{Value: true},
		"tags":     &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"nums":     &types.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"bins":     &types.AttributeValueMemberBS{Value: [][]byte{[]byte("hi")}},
		"members": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"name": &types.AttributeValueMemberS{Value: "Ana"}, "role": &types.AttributeValueMemberS{Value: "superintendent"}}}}},
		"empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s: got %#v, want %#v", k, got[k], w)
		}
	}
	back, err := dynamostream.FromImage(dynamostream.ToImage(got))
	if err != nil || !reflect.DeepEqual(back, got) {
		t.Errorf("ToImage does not invert FromImage: %v", err)
	}
}
