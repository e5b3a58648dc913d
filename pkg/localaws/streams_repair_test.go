package localaws

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestRepairEmptyMaps(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			name: "nested and top-level empty maps",
			in:   `{"Records":[{"dynamodb":{"ApproximateCreationDateTime":1795431120.000,"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"top":{},"m":{"M":{"e":{},"s":{"S":"y"},"l":{"L":[{},{"N":"1"}]}}}}}}]}`,
			want: `{"Records":[{"dynamodb":{"ApproximateCreationDateTime":1795431120.000,"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"top":{"M":{}},"m":{"M":{"e":{"M":{}},"s":{"S":"y"},"l":{"L":[{"M":{}},{"N":"1"}]}}}}}}]}`,
		},
		{
			name: "old image",
			in:   `{"Records":[{"dynamodb":{"OldImage":{"x":{}}}}]}`,
			want: `{"Records":[{"dynamodb":{"OldImage":{"x":{"M":{}}}}}]}`,
		},
		{
			name: "nothing to mend",
			in:   `{"Records":[{"dynamodb":{"NewImage":{"m":{"M":{}}}}}],"NextShardIterator":"it"}`,
			want: `{"Records":[{"dynamodb":{"NewImage":{"m":{"M":{}}}}}],"NextShardIterator":"it"}`,
		},
		{name: "not JSON", in: `<html>`, want: `<html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := repairEmptyMaps([]byte(tt.in))
			if !json.Valid([]byte(tt.want)) {
				if string(got) != tt.want {
					t.Errorf("got %s, want it untouched", got)
				}
				return
			}
			var gotDoc, wantDoc any
			if err := json.Unmarshal(got, &gotDoc); err != nil {
				t.Fatalf("result is not JSON: %s", got)
			}
			_ = json.Unmarshal([]byte(tt.want), &wantDoc)
			if !reflect.DeepEqual(gotDoc, wantDoc) {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
