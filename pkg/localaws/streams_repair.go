package localaws

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// DynamoDB Local 3.x writes an empty map inside a stream record's image as
// {} instead of {"M":{}}, and the SDK decodes that shapeless union as the
// value of some other attribute. repairEmptyMaps mends GetRecords answers
// before the SDK reads them, so stream consumers see what AWS would send.
func addEmptyMapRepair(stack *middleware.Stack) error {
	return stack.Deserialize.Add(emptyMapRepair{}, middleware.After)
}

type emptyMapRepair struct{}

func (emptyMapRepair) ID() string { return "localaws.EmptyMapRepair" }

// HandleDeserialize runs next to the transport: it rewrites the raw body
// that the SDK's deserializer, earlier in the stack, then decodes.
func (emptyMapRepair) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil || middleware.GetOperationName(ctx) != "GetRecords" {
		return out, md, err
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp.StatusCode != 200 {
		return out, md, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return out, md, fmt.Errorf("read GetRecords response: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(repairEmptyMaps(body)))
	return out, md, nil
}

// repairEmptyMaps returns body with every {} attribute value in the
// records' Keys, NewImage and OldImage written as {"M":{}}. Anything it
// cannot parse goes through untouched, for the SDK to report.
func repairEmptyMaps(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep ApproximateCreationDateTime exactly as sent
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return body
	}
	records, _ := doc["Records"].([]any)
	changed := false
	for _, r := range records {
		rec, _ := r.(map[string]any)
		change, _ := rec["dynamodb"].(map[string]any)
		for _, field := range []string{"Keys", "NewImage", "OldImage"} {
			if attrs, ok := change[field].(map[string]any); ok && repairAttributes(attrs) {
				changed = true
			}
		}
	}
	if !changed {
		return body
	}
	fixed, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return fixed
}

// repairAttributes mends a map of attribute values in place.
func repairAttributes(attrs map[string]any) bool {
	changed := false
	for name, v := range attrs {
		if fixed, ok := repairValue(v); ok {
			attrs[name] = fixed
			changed = true
		}
	}
	return changed
}

// repairValue returns the mended attribute value and whether it changed.
func repairValue(v any) (any, bool) {
	av, ok := v.(map[string]any)
	if !ok {
		return v, false
	}
	if len(av) == 0 {
		return map[string]any{"M": map[string]any{}}, true
	}
	changed := false
	if m, ok := av["M"].(map[string]any); ok {
		changed = repairAttributes(m)
	}
	if l, ok := av["L"].([]any); ok {
		for i, item := range l {
			if fixed, ok := repairValue(item); ok {
				l[i] = fixed
				changed = true
			}
		}
	}
	return av, changed
}
