package conflicts

import (
	"context"
	"errors"
	"testing"
)

// keys is a key schema without DynamoDB Local: every table is keyed by pk
// and sk, except "missing", which does not exist.
func keys(_ context.Context, table string) ([]string, error) {
	if table == "missing" {
		return nil, errors.New("no such table")
	}
	return []string{"pk", "sk"}, nil
}

func TestItemsOf(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
		err        bool
	}{
		{"transaction: a Put by its key attributes, an Update by its key",
			`{"TransactItems":[{"Put":{"TableName":"t","Item":{"sk":{"S":"b"},"pk":{"S":"a"},"x":{"N":"1"}}}},{"Update":{"TableName":"t","Key":{"pk":{"S":"e"},"sk":{"S":"E"}},"UpdateExpression":"ADD n :one"}}]}`,
			[]string{"t\x00pk={\"S\":\"a\"}\x00sk={\"S\":\"b\"}", "t\x00pk={\"S\":\"e\"}\x00sk={\"S\":\"E\"}"}, false},
		{"the same item however the JSON is spaced",
			`{"TableName":"t","Key":{ "sk" : { "S" : "b" }, "pk": {"S":"a"} }}`,
			[]string{"t\x00pk={\"S\":\"a\"}\x00sk={\"S\":\"b\"}"}, false},
		{"PutItem", `{"TableName":"t","Item":{"pk":{"S":"a"},"sk":{"S":"b"},"note":{"S":"x"}}}`,
			[]string{"t\x00pk={\"S\":\"a\"}\x00sk={\"S\":\"b\"}"}, false},
		{"Delete and ConditionCheck and Get", `{"TransactItems":[{"Delete":{"TableName":"t","Key":{"pk":{"S":"a"},"sk":{"S":"b"}}}},{"ConditionCheck":{"TableName":"u","Key":{"pk":{"N":"1"},"sk":{"B":"AA=="}}}},{"Get":{"TableName":"t","Key":{"pk":{"S":"c"},"sk":{"S":"d"}}}}]}`,
			[]string{"t\x00pk={\"S\":\"a\"}\x00sk={\"S\":\"b\"}", "u\x00pk={\"N\":\"1\"}\x00sk={\"B\":\"AA==\"}", "t\x00pk={\"S\":\"c\"}\x00sk={\"S\":\"d\"}"}, false},
		{"Put without a key attribute", `{"TableName":"t","Item":{"pk":{"S":"a"}}}`, nil, true},
		{"Put in a table that does not exist", `{"TableName":"missing","Item":{"pk":{"S":"a"},"sk":{"S":"b"}}}`, nil, true},
		{"no table", `{"Key":{"pk":{"S":"a"}}}`, nil, true},
		{"an empty action", `{"TransactItems":[{}]}`, nil, true},
		{"not JSON", `{"TableName":`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := itemsOf(t.Context(), []byte(tc.body), keys)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("items %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("item %d = %q, want %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// FuzzItemsOf reads request bodies as a client may send them: it must not
// panic, and an item it names has a table.
func FuzzItemsOf(f *testing.F) {
	for _, s := range []string{
		`{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"sk":{"S":"b"}}}},{"Update":{"TableName":"t","Key":{"pk":{"S":"e"},"sk":{"S":"E"}}}}]}`,
		`{"TableName":"t","Key":{"pk":{"S":"a"},"sk":{"S":"b"}}}`,
		`{"TableName":"t","Item":{"pk":{"N":"1"},"sk":{"S":"b"}}}`,
		`{"TransactItems":[{"Get":{"TableName":"t","Key":{"pk":{"S":"a"}}}}]}`,
		`{"TransactItems":null}`, `[]`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := itemsOf(context.Background(), body, keys)
		if err != nil {
			return
		}
		for _, it := range items {
			if it == "" || it[0] == 0 {
				t.Errorf("item %q has no table", it)
			}
		}
	})
}
