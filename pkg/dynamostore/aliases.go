package dynamostore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// An organization merged into another is ALIAS#<its key> / ALIAS, filed
// in gsi2 under the organization it was merged into (ORG#<key> /
// ALIAS#<its key>), next to that organization's records.
const (
	aliasPrefix = "ALIAS#"
	skAlias     = "ALIAS"
)

type aliasItem struct {
	PK     string `json:"pk"`
	SK     string `json:"sk"`
	GSI2PK string `json:"gsi2pk"`
	GSI2SK string `json:"gsi2sk"`

	From   convening.Organization `json:"from"`
	Into   convening.Organization `json:"into"`
	Reason string                 `json:"reason"`
	By     convening.Actor        `json:"by"`
	At     string                 `json:"at"`
}

func (it aliasItem) alias() convening.OrganizationAlias {
	return convening.OrganizationAlias{From: it.From, Into: it.Into, Reason: it.Reason, By: it.By, At: parseTime(it.At)}
}

// PutAlias stores an alias unless its organization already has one.
func (s *Store) PutAlias(ctx context.Context, a convening.OrganizationAlias) error {
	from := a.From.Key()
	av, err := marshal(aliasItem{PK: aliasPrefix + from, SK: skAlias, GSI2PK: orgPrefix + a.Into.Key(), GSI2SK: aliasPrefix + from,
		From: a.From, Into: a.Into, Reason: a.Reason, By: a.By, At: fmtTime(a.At)})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK}})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return convening.NewError(convening.ECONFLICT, convening.ReasonAlreadyMerged, "%s was already merged into another organization.", a.From.Name)
	}
	if err != nil {
		return failure("put alias", err)
	}
	return nil
}

// AliasOf returns the alias of an organization key, if it has one.
func (s *Store) AliasOf(ctx context.Context, fromKey string) (convening.OrganizationAlias, bool, error) {
	var it aliasItem
	found, err := s.getItem(ctx, aliasPrefix+fromKey, skAlias, &it)
	if err != nil {
		return convening.OrganizationAlias{}, false, fmt.Errorf("alias: %w", err)
	}
	return it.alias(), found, nil
}

// AliasesInto returns the aliases merged into an organization key (gsi2).
func (s *Store) AliasesInto(ctx context.Context, intoKey string) ([]convening.OrganizationAlias, error) {
	var out []convening.OrganizationAlias
	err := queryEach(ctx, s, query{op: "aliases of an organization", index: IndexGSI2,
		key: expression.Key(AttrGSI2PK).Equal(expression.Value(orgPrefix + intoKey)).
			And(expression.Key(AttrGSI2SK).BeginsWith(aliasPrefix))},
		func(it aliasItem) bool { out = append(out, it.alias()); return true })
	return out, err
}
