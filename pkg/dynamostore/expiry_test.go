package dynamostore

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/storetest"
)

// TestPeoplesRecordsExpire: a roster import's uncertain rows (names and
// addresses as uploaded) and staff's exemptions (a person's name) carry
// the TTL that deletes them, and a decided row keeps it.
func TestPeoplesRecordsExpire(t *testing.T) {
	store, client := newFaultStore(t, nil)
	ctx := context.Background()
	staff := convening.StaffActor("staff-1", "staff@lmi.example.org")
	ev := storetest.Event("ev", 40, convening.PolicyStrict)
	if _, err := convening.NewEventService(convening.NewBasics(nil), store).CreateEvent(ctx, staff, ev); err != nil {
		t.Fatal(err)
	}
	expiresAt := func(pk, sk string) int64 {
		t.Helper()
		out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(store.table), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
		if err != nil || out.Item == nil {
			t.Fatalf("%s / %s: %v", pk, sk, err)
		}
		av, ok := out.Item[deploy.AttrExpiresAt].(*types.AttributeValueMemberN)
		if !ok {
			return 0
		}
		n, _ := strconv.ParseInt(av.Value, 10, 64)
		return n
	}

	x := convening.Exemption{EventID: "ev", PersonKey: convening.PersonKey("ana@example.org"), Name: "Ana Ruiz", Reason: "new to the role",
		By: staff, At: time.Now(), ExpiresAt: ev.EndsAt.Add(convening.RetainAfterEvent)}
	if err := store.PutExemption(ctx, x, convening.AuditRecord{ID: "a1", EventID: "ev", Kind: convening.AuditEligibilityExempted, Actor: staff, At: x.At}); err != nil {
		t.Fatal(err)
	}
	if got, want := expiresAt(eventPrefix+"ev", exemptPrefix+x.PersonKey), x.ExpiresAt.Unix(); got != want {
		t.Errorf("exemption expires at %d, want %d", got, want)
	}

	imp := convening.RosterImport{ID: "imp1", FileName: "r.csv", By: staff, At: time.Now().UTC().Truncate(time.Second)}
	row := convening.PendingRow{ImportID: "imp1", Row: convening.RosterRow{Line: 2}, EventID: "ev"}
	if err := store.PutImport(ctx, imp, []convening.PendingRow{row}, convening.AuditRecord{ID: "a2", Kind: convening.AuditRosterImported, Actor: staff, At: imp.At}); err != nil {
		t.Fatal(err)
	}
	want := imp.At.Add(convening.RetainImportRows).Unix()
	if got := expiresAt(importPrefix+"imp1", rowKey(2)); got != want {
		t.Errorf("import row expires at %d, want %d", got, want)
	}
}
