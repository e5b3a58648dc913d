package dynamostore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/staffauth"
)

// The console's sign-in sessions (staffauth.SessionStore), one item each:
//
//	SESSION#<id> / SESSION   the staff member, the sealed refresh token, when it ends
//
// The id is the hash of the cookie's secret, and the refresh token is
// sealed by the console, so the table holds nothing that signs anyone in.
// DynamoDB's TTL (expiresAt) removes an ended session some time after
// its end; the console checks the end itself.
const (
	sessionPrefix = "SESSION#"
	skSession     = "SESSION"
)

var _ staffauth.SessionStore = (*Store)(nil)

type sessionItem struct {
	PK string `json:"pk"`
	SK string `json:"sk"`

	Sub          string   `json:"sub"`
	Username     string   `json:"username"`
	Email        string   `json:"email,omitempty"`
	Groups       []string `json:"groups,omitempty"`
	RefreshToken string   `json:"refreshToken"`
	CreatedAt    string   `json:"createdAt"`
	EndsAt       string   `json:"endsAt"`
	RefreshAt    string   `json:"refreshAt"`
	// ExpiresAt is the TTL attribute (epoch seconds): the session's end.
	ExpiresAt int64 `json:"expiresAt"`
}

func newSessionItem(s staffauth.Session) sessionItem {
	return sessionItem{PK: sessionPrefix + s.ID, SK: skSession,
		Sub: s.Staff.Sub, Username: s.Staff.Username, Email: s.Staff.Email, Groups: s.Staff.Groups,
		RefreshToken: s.RefreshToken, CreatedAt: fmtTime(s.CreatedAt), EndsAt: fmtTime(s.ExpiresAt),
		RefreshAt: fmtTime(s.RefreshAt), ExpiresAt: s.ExpiresAt.Unix()}
}

func (it sessionItem) session(id string) staffauth.Session {
	return staffauth.Session{ID: id,
		Staff:        staffauth.Staff{Sub: it.Sub, Username: it.Username, Email: it.Email, Groups: it.Groups},
		RefreshToken: it.RefreshToken, CreatedAt: parseTime(it.CreatedAt), ExpiresAt: parseTime(it.EndsAt),
		RefreshAt: parseTime(it.RefreshAt)}
}

// CreateSession stores a new session.
//
// Errors: an internal error if a session with its ID exists.
func (s *Store) CreateSession(ctx context.Context, sess staffauth.Session) error {
	item, err := marshal(newSessionItem(sess))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	}); err != nil {
		return failure("create session", err)
	}
	return nil
}

// Session returns the session with the given ID (a strongly consistent
// read: a session signed out a moment ago must not sign anyone in).
//
// Errors: staffauth.ErrNoSession if there is none.
func (s *Store) Session(ctx context.Context, id string) (staffauth.Session, error) {
	var it sessionItem
	found, err := s.getItem(ctx, sessionPrefix+id, skSession, &it)
	if err != nil {
		return staffauth.Session{}, err
	}
	if !found {
		return staffauth.Session{}, staffauth.ErrNoSession
	}
	return it.session(id), nil
}

// UpdateSession replaces the session's staff member and RefreshAt, on the
// condition that it is still there: a refresh racing a sign-out must not
// bring the session back.
//
// Errors: staffauth.ErrNoSession if it is gone.
func (s *Store) UpdateSession(ctx context.Context, sess staffauth.Session) error {
	groups, err := marshal(struct {
		G []string `json:"g"`
	}{sess.Staff.Groups})
	if err != nil {
		return fmt.Errorf("update session: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(sessionPrefix+sess.ID, skSession),
		UpdateExpression:    aws.String("SET #sub = :sub, #username = :username, #email = :email, #groups = :groups, #refreshAt = :refreshAt"),
		ConditionExpression: aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#sub": "sub", "#username": "username", "#email": "email",
			"#groups": "groups", "#refreshAt": "refreshAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sub": &types.AttributeValueMemberS{Value: sess.Staff.Sub}, ":username": &types.AttributeValueMemberS{Value: sess.Staff.Username},
			":email": &types.AttributeValueMemberS{Value: sess.Staff.Email}, ":groups": groups["g"],
			":refreshAt": &types.AttributeValueMemberS{Value: fmtTime(sess.RefreshAt)},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return staffauth.ErrNoSession
	}
	if err != nil {
		return failure("update session", err)
	}
	return nil
}

// DeleteSession removes a session, if it is there. The store's client
// offers no DeleteItem (see API); a one-item transaction deletes as well,
// and sign-outs are rare.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{
		Delete: &types.Delete{TableName: aws.String(s.table), Key: key(sessionPrefix+id, skSession)},
	}}})
	if err != nil {
		return failure("delete session", err)
	}
	return nil
}
