package dynamostore

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// ItemKind is what a stream image is, by its sort key.
type ItemKind int

const (
	KindOther ItemKind = iota
	KindEvent
	KindNotice
)

// KindOf tells which item a stream image is.
func KindOf(image map[string]types.AttributeValue) ItemKind {
	sk, _ := image[AttrSK].(*types.AttributeValueMemberS)
	pk, _ := image[AttrPK].(*types.AttributeValueMemberS)
	switch {
	case sk == nil || pk == nil:
		return KindOther
	case sk.Value == skEvent && strings.HasPrefix(pk.Value, eventPrefix):
		return KindEvent
	case sk.Value == skNotice && strings.HasPrefix(pk.Value, noticePrefix):
		return KindNotice
	}
	return KindOther
}

// EventFromImage decodes an event item from a stream image.
func EventFromImage(image map[string]types.AttributeValue) (convening.Event, error) {
	var it eventItem
	if err := unmarshal(image, &it); err != nil {
		return convening.Event{}, err
	}
	return it.event(), nil
}
