package dynamostore

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/storetest"
)

// fileUnderLegacyKey rewrites a registration as the store wrote it before
// organization keys resisted look-alikes: the registration, its index
// entry and its organization's claim under the legacy key.
func fileUnderLegacyKey(t *testing.T, s *Store, client *dynamodb.Client, reg convening.Registration) {
	t.Helper()
	ctx := context.Background()
	legacy := reg.Organization.LegacyKey()
	if legacy == reg.Organization.Key() {
		t.Fatalf("%q has one key: the test needs a spelling whose key changed", reg.Organization.Name)
	}
	_, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: key(regPrefix+reg.ID, skReg),
		UpdateExpression:          aws.String("SET orgKey = :k, gsi2pk = :g"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": str(legacy), ":g": str(orgPrefix + legacy)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table),
		Key: key(eventPrefix+reg.EventID, orgPrefix+reg.Organization.Key())}); err != nil {
		t.Fatal(err)
	}
	claim, err := marshal(orgItem{PK: eventPrefix + reg.EventID, SK: orgPrefix + legacy, RegistrationID: reg.ID, Organization: reg.Organization.Name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: claim}); err != nil {
		t.Fatal(err)
	}
}

// TestLegacyKeysStayReadable: a registration stored under an
// organization's key as it was made before (an accented name, whose key
// now drops the accent) keeps its place: the same organization cannot
// register again beside it, under either spelling; staff's changes keep it
// under its key, so cancelling releases its claim; and the organization's
// history finds it beside what is stored under today's key.
func TestLegacyKeysStayReadable(t *testing.T) {
	store, client := newFaultStore(t, nil)
	svc := newTeamService(t, store, "ev", 40)
	ctx := context.Background()
	team := storetest.Team(1, 2)
	team.Organization = convening.Organization{Name: "La Cañada Unified School District", Type: convening.OrgDistrict, County: "Los Angeles"}
	old, token, _, err := svc.Register(ctx, "ev", team, nil)
	if err != nil {
		t.Fatal(err)
	}
	fileUnderLegacyKey(t, store, client, old)

	// The same spelling cannot register beside it: the claim is checked
	// under every key of the organization.
	again := storetest.Team(2, 2)
	again.Organization = old.Organization
	if _, _, _, err := svc.Register(ctx, "ev", again, nil); convening.ErrorReason(err) != convening.ReasonOrganizationRegistered {
		t.Errorf("registering beside its legacy registration: %v, want %s", err, convening.ReasonOrganizationRegistered)
	}
	// Its history reads the record under the legacy key.
	hist, err := svc.History(ctx, old.Organization)
	if err != nil || len(hist.Registrations) != 1 || hist.Registrations[0].ID != old.ID {
		t.Fatalf("history: %+v, %v; want the legacy registration", hist.Registrations, err)
	}

	// Staff change its members: its claim stays under its key, and its
	// index entry moves to today's key.
	staff := convening.StaffActor("staff-1", "staff@lmi.example.org")
	members := append(old.Members, convening.Member{Name: "Added Member", Email: "added@lacanada.example.org", Role: convening.RoleOther})
	if _, err := svc.ChangeMembers(ctx, staff, old.ID, members, "One more"); err != nil {
		t.Fatal(err)
	}
	var it registrationItem
	if _, err := store.getItem(ctx, regPrefix+old.ID, skReg, &it); err != nil || it.OrgKey != old.Organization.LegacyKey() ||
		it.GSI2PK != orgPrefix+old.Organization.Key() {
		t.Fatalf("after a change the registration claims under %q and is indexed under %q (%v)", it.OrgKey, it.GSI2PK, err)
	}
	// So any spelling of the organization reads it now.
	hist, err = svc.History(ctx, convening.Organization{Name: "La Canada Unified School District", County: "Los Angeles"})
	if err != nil || len(hist.Registrations) != 1 || hist.Registrations[0].ID != old.ID {
		t.Fatalf("history of the unaccented spelling: %+v, %v; want the legacy registration", hist.Registrations, err)
	}

	// Cancelled, it releases its claim: the organization registers anew,
	// under today's key, and the history holds both.
	if _, err := svc.Cancel(ctx, old.ID, token); err != nil {
		t.Fatalf("cancel the legacy registration: %v", err)
	}
	again = storetest.Team(3, 2)
	again.Organization = convening.Organization{Name: "La Canada Unified School District", Type: convening.OrgDistrict, County: "Los Angeles"}
	reg, _, _, err := svc.Register(ctx, "ev", again, nil)
	if err != nil {
		t.Fatalf("register after the legacy one cancelled: %v", err)
	}
	hist, err = svc.History(ctx, convening.Organization{Name: "La Cañada Unified School District", County: "Los Angeles"})
	if err != nil || len(hist.Registrations) != 2 {
		t.Fatalf("history: %d registrations, %v; want both spellings' (%s, %s)", len(hist.Registrations), err, old.ID, reg.ID)
	}
}

// TestLongOrganizationNames: a name whose compatibility form is very long
// (U+FDFA is eighteen letters) registers, submits no 500, and its history
// and a merge read and write under a key DynamoDB takes.
func TestLongOrganizationNames(t *testing.T) {
	store, _ := newFaultStore(t, nil)
	svc := newTeamService(t, store, "ev", 40)
	ctx := context.Background()
	long := convening.Organization{Name: strings.Repeat("\ufdfa", 200), Type: convening.OrgDistrict, County: "Kern"}
	team := storetest.Team(1, 2)
	team.Organization = long
	reg, _, _, err := svc.Register(ctx, "ev", team, nil)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	again := storetest.Team(2, 2)
	again.Organization = long
	if _, _, _, err := svc.Register(ctx, "ev", again, nil); convening.ErrorReason(err) != convening.ReasonOrganizationRegistered {
		t.Errorf("the same long name again: %v, want %s", err, convening.ReasonOrganizationRegistered)
	}
	hist, err := svc.History(ctx, long)
	if err != nil || len(hist.Registrations) != 1 || hist.Registrations[0].ID != reg.ID {
		t.Fatalf("history: %v", err)
	}
	other := storetest.Team(3, 2)
	other.Organization = convening.Organization{Name: strings.Repeat("\ufdfa", 199) + "x", Type: convening.OrgDistrict, County: "Kern"}
	if _, _, _, err := svc.Register(ctx, "ev", other, nil); err != nil {
		t.Fatalf("register another long name: %v", err)
	}
	staff := convening.StaffActor("staff-1", "staff@lmi.example.org")
	if _, err := svc.MergeOrganizations(ctx, staff, other.Organization, long, "One district"); err != nil {
		t.Fatalf("merge: %v", err)
	}
	if hist, err = svc.History(ctx, long); err != nil || len(hist.Registrations) != 2 {
		t.Fatalf("history after the merge: %d registrations, %v", len(hist.Registrations), err)
	}
}
