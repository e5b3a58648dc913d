package conflicts

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"
)

// The answers DynamoDB sends for a conflict, as DynamoDB Local sends its
// other errors (the same JSON 1.0 error shape: __type with the service's
// namespace, status 400). The reason's message is the one the API
// reference gives for TransactionConflict.
const (
	namespace       = "com.amazonaws.dynamodb.v20120810#"
	codeCanceled    = "TransactionCanceledException"
	codeConflict    = "TransactionConflictException"
	reasonConflict  = "TransactionConflict"
	messageConflict = "Transaction is ongoing for the item"
)

// answer is an error answer's body.
type answer struct {
	Type    string   `json:"__type"`
	Reasons []reason `json:"CancellationReasons,omitempty"`
	Message string   `json:"Message,omitempty"`
	// TransactionConflictException's member is "message", lower case, in
	// the service model.
	LowerMessage string `json:"message,omitempty"`
}

type reason struct {
	Code    string `json:"Code"`
	Message string `json:"Message,omitempty"`
}

// cancelledAnswer is the TransactionCanceledException of a transaction
// whose items conflicting[i] are held by another transaction: reason
// TransactionConflict for those, None for the others, and the summary
// message DynamoDB writes.
func cancelledAnswer(conflicting []bool) answer {
	a := answer{Type: namespace + codeCanceled}
	codes := make([]string, len(conflicting))
	for i, c := range conflicting {
		r := reason{Code: "None"}
		if c {
			r = reason{Code: reasonConflict, Message: messageConflict}
		}
		a.Reasons = append(a.Reasons, r)
		codes[i] = r.Code
	}
	a.Message = "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"
	return a
}

// conflictAnswer is the TransactionConflictException of a plain write to
// an item a transaction holds.
func conflictAnswer() answer {
	return answer{Type: namespace + codeConflict, LowerMessage: messageConflict}
}

// writeAnswer sends a as DynamoDB does: 400, JSON 1.0, a request id, and
// the CRC32 of the body that the SDK checks.
func writeAnswer(w http.ResponseWriter, a answer) {
	body, err := json.Marshal(a)
	if err != nil {
		http.Error(w, "conflicts: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amzn-Requestid", requestID())
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(body)
}

// errorType is the __type of an error answer's body, or "".
func errorType(body []byte) string {
	var a struct {
		Type string `json:"__type"`
	}
	_ = json.Unmarshal(body, &a)
	return a.Type
}

// requestID is a random id in DynamoDB's request id format (52 upper-case
// characters; hex here).
func requestID() string {
	b := make([]byte, 26)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}
