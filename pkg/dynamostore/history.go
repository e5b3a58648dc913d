package dynamostore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// People and their history (docs/architecture.md lists every item):
//
//	EVENT#<id>   / PERSON#<person key>   a person's place at the event (one person, one seat)
//	EVENT#<id>   / ATTEND#<fact id>      an attendance fact (gsi1: PERSON#<person key> / <date>#<event>#<fact id>;
//	                                     gsi2: ORG#<org key> / ATTEND#<date>#<event>#<fact id>)
//	EVENT#<id>   / ATTENDED              the event as the history lists it (gsi1: ATTENDED / <date>#<event>)
//	ORGP#<key>   / PARTICIPATION         an organization's count of facts and opt-out (gsi1: PARTICIPANTS / <county>#<key>)
const (
	personClaimPrefix   = "PERSON#"
	factPrefix          = "ATTEND#"
	personIndexPrefix   = "PERSON#"
	participationPrefix = "ORGP#"
	skParticipation     = "PARTICIPATION"
	gsiParticipants     = "PARTICIPANTS"
	skAttended          = "ATTENDED"
	gsiAttended         = "ATTENDED"
)

// registrantsCond is the condition that the event admits the
// registration as decided: an individual where individuals register; a
// team claiming its members' places only where individuals register too
// (both), a team without claims only where teams alone register.
func registrantsCond(reg convening.Registration) expression.ConditionBuilder {
	name := expression.Name("registrants")
	switch {
	case reg.Individual():
		return expression.Or(name.Equal(expression.Value(string(convening.RegistrantsIndividuals))),
			name.Equal(expression.Value(string(convening.RegistrantsBoth))))
	case reg.PersonClaims:
		return name.Equal(expression.Value(string(convening.RegistrantsBoth)))
	}
	return expression.Or(name.AttributeNotExists(), name.Equal(expression.Value("")),
		name.Equal(expression.Value(string(convening.RegistrantsTeams))))
}

// eligibilityVersionIs is the condition that the event's eligibility rule
// is at the version the arrival was checked against.
func eligibilityVersionIs(v int) expression.ConditionBuilder {
	name := expression.Name("eligibilityVersion")
	if v == 0 {
		return expression.Or(name.AttributeNotExists(), name.Equal(expression.Value(0)))
	}
	return name.Equal(expression.Value(v))
}

type personClaimItem struct {
	PK             string `json:"pk"`
	SK             string `json:"sk"`
	RegistrationID string `json:"registrationId"`
	Registrant     string `json:"registrant,omitempty"`
	Organization   string `json:"organization,omitempty"`
}

// personClaims are the people's claims a transaction puts, by item index,
// with the field and name each is answered by if it is taken.
type personClaims struct {
	idx    []int
	fields []string
	names  []string
}

// failed answers the first claim that was taken, or nil.
func (p personClaims) failed(c cancellation) error {
	for i, ix := range p.idx {
		if !c.failed(ix) {
			continue
		}
		var held personClaimItem
		if img := c.item(ix); img != nil {
			_ = unmarshal(img, &held)
		}
		return convening.ErrPersonTaken(p.fields[i], p.names[i], convening.PersonClaim{RegistrationID: held.RegistrationID,
			Registrant: convening.RegistrantKind(held.Registrant), Organization: held.Organization})
	}
	return nil
}

// addPersonClaims moves the registration's people's claims from before
// (as read; a zero Registration for a new one) to after: each new one put
// if nobody holds it, each given up deleted if this registration holds it.
func (s *Store) addPersonClaims(tx *items, before, after convening.Registration) (personClaims, error) {
	var out personClaims
	held, now := before.PersonKeys(), after.PersonKeys()
	for _, k := range held {
		if slices.Contains(now, k) {
			continue
		}
		tx.add(types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(eventPrefix+before.EventID, personClaimPrefix+k),
			ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #reg = :reg"),
			ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#reg": "registrationId"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":reg": str(before.ID)},
		}}, false)
	}
	for i, m := range after.Members {
		k := convening.PersonKey(m.Email)
		if k == "" || !slices.Contains(now, k) || slices.Contains(held, k) {
			continue
		}
		now = slices.DeleteFunc(now, func(x string) bool { return x == k }) // a duplicate address claims once
		av, err := marshal(personClaimItem{PK: eventPrefix + after.EventID, SK: personClaimPrefix + k, RegistrationID: after.ID,
			Registrant: string(after.Registrant), Organization: after.Organization.Name})
		if err != nil {
			return out, err
		}
		p := putIfAbsent(s.table, av)
		p.Put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
		field := fmt.Sprintf("members[%d].email", i)
		if after.Individual() {
			field = "person.email"
		}
		out.idx = append(out.idx, tx.add(p, false))
		out.fields, out.names = append(out.fields, field), append(out.names, m.Name)
	}
	return out, nil
}

type factItem struct {
	PK     string                   `json:"pk"`
	SK     string                   `json:"sk"`
	GSI1PK string                   `json:"gsi1pk,omitempty"`
	GSI1SK string                   `json:"gsi1sk,omitempty"`
	GSI2PK string                   `json:"gsi2pk,omitempty"`
	GSI2SK string                   `json:"gsi2sk,omitempty"`
	Fact   convening.AttendanceFact `json:"fact"`
}

func newFactItem(f convening.AttendanceFact) factItem {
	id := f.ID()
	it := factItem{PK: eventPrefix + f.EventID, SK: factPrefix + id, Fact: f}
	if f.PersonKey != "" {
		it.GSI1PK, it.GSI1SK = personIndexPrefix+f.PersonKey, f.Date+"#"+f.EventID+"#"+id
	}
	if k := f.OrgKey(); k != "" {
		it.GSI2PK, it.GSI2SK = orgPrefix+k, factPrefix+f.Date+"#"+f.EventID+"#"+id
	}
	return it
}

// participationItem is an organization's count of facts and opt-out.
type participationItem struct {
	Organization convening.Organization `json:"organization"`
	Facts        int                    `json:"facts"`
	OptOut       bool                   `json:"optOut"`
	OptOutReason string                 `json:"optOutReason,omitempty"`
}

// attendedItem is an event as the history lists it.
type attendedItem struct {
	EventID string `json:"eventId"`
	Title   string `json:"title"`
	Kind    string `json:"kind"`
	Date    string `json:"date"`
}

// addFacts adds fact changes to a transaction: each put conditioned on the
// fact being new, each removal on it existing, with the organizations'
// counts changed by as much (one update per organization) and the events
// with new facts listed (one per event). It returns the facts' indexes.
func (s *Store) addFacts(tx *items, changes []convening.FactChange) error {
	_, err := s.addFactItems(tx, changes)
	return err
}

func (s *Store) addFactItems(tx *items, changes []convening.FactChange) ([]int, error) {
	type orgDelta struct {
		org   convening.Organization
		delta int
	}
	deltas := map[string]*orgDelta{}
	var orgOrder []string
	events := map[string]convening.AttendanceFact{}
	var eventOrder []string
	var idx []int
	for _, c := range changes {
		f := c.Fact
		it := newFactItem(f)
		if c.Remove {
			idx = append(idx, tx.add(types.TransactWriteItem{Delete: &types.Delete{
				TableName: aws.String(s.table), Key: key(it.PK, it.SK),
				ConditionExpression: aws.String("attribute_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
			}}, false))
		} else {
			av, err := marshal(it)
			if err != nil {
				return nil, err
			}
			idx = append(idx, tx.add(putIfAbsent(s.table, av), false))
			if _, ok := events[f.EventID]; !ok {
				events[f.EventID] = f
				eventOrder = append(eventOrder, f.EventID)
			}
		}
		if k := f.OrgKey(); k != "" {
			d, ok := deltas[k]
			if !ok {
				d = &orgDelta{org: f.Organization}
				deltas[k] = d
				orgOrder = append(orgOrder, k)
			}
			if c.Remove {
				d.delta--
			} else {
				d.delta++
			}
		}
	}
	for _, k := range orgOrder {
		d := deltas[k]
		upd := expression.Add(expression.Name("facts"), expression.Value(d.delta)).
			Set(expression.Name("organization"), expression.Value(d.org)).
			Set(expression.Name(AttrGSI1PK), expression.Value(gsiParticipants)).
			Set(expression.Name(AttrGSI1SK), expression.Value(d.org.County+"#"+k))
		expr, err := expression.NewBuilder().WithUpdate(upd).Build()
		if err != nil {
			return nil, err
		}
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(participationPrefix+k, skParticipation),
			UpdateExpression: expr.Update(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}}, false)
	}
	for _, id := range eventOrder {
		f := events[id]
		upd := expression.Set(expression.Name("eventId"), expression.Value(f.EventID)).
			Set(expression.Name("title"), expression.Value(f.EventTitle)).
			Set(expression.Name("kind"), expression.Value(string(f.EventKind))).
			Set(expression.Name("date"), expression.Value(f.Date)).
			Set(expression.Name(AttrGSI1PK), expression.Value(gsiAttended)).
			Set(expression.Name(AttrGSI1SK), expression.Value(f.Date+"#"+f.EventID))
		expr, err := expression.NewBuilder().WithUpdate(upd).Build()
		if err != nil {
			return nil, err
		}
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(eventPrefix+id, skAttended),
			UpdateExpression: expr.Update(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}}, false)
	}
	return idx, nil
}

// EventAttendance returns an event's facts (a strongly consistent read).
func (s *Store) EventAttendance(ctx context.Context, eventID string) ([]convening.AttendanceFact, error) {
	out := []convening.AttendanceFact{}
	err := queryEach(ctx, s, query{op: "attendance of an event", consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).And(expression.Key(AttrSK).BeginsWith(factPrefix))},
		func(it factItem) bool { out = append(out, it.Fact); return true })
	return out, err
}

// PersonAttendance returns a person's facts, oldest event first (gsi1).
func (s *Store) PersonAttendance(ctx context.Context, personKey string) ([]convening.AttendanceFact, error) {
	out := []convening.AttendanceFact{}
	if personKey == "" {
		return out, nil
	}
	err := queryEach(ctx, s, query{op: "attendance of a person", index: IndexGSI1,
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(personIndexPrefix + personKey))},
		func(it factItem) bool { out = append(out, it.Fact); return true })
	return out, err
}

// OrganizationAttendance returns one organization key's facts, oldest
// event first (gsi2, beside the organization's registrations).
func (s *Store) OrganizationAttendance(ctx context.Context, orgKey string) ([]convening.AttendanceFact, error) {
	out := []convening.AttendanceFact{}
	if orgKey == "" {
		return out, nil
	}
	err := queryEach(ctx, s, query{op: "attendance of an organization", index: IndexGSI2,
		key: expression.Key(AttrGSI2PK).Equal(expression.Value(orgPrefix + orgKey)).And(expression.Key(AttrGSI2SK).BeginsWith(factPrefix))},
		func(it factItem) bool { out = append(out, it.Fact); return true })
	return out, err
}

// AttendedEvents lists the events with attendance dated before before
// (gsi1, by date).
func (s *Store) AttendedEvents(ctx context.Context, before string) ([]convening.AttendedEvent, error) {
	out := []convening.AttendedEvent{}
	err := queryEach(ctx, s, query{op: "attended events", index: IndexGSI1,
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiAttended)).And(expression.Key(AttrGSI1SK).LessThan(expression.Value(before)))},
		func(it attendedItem) bool {
			out = append(out, convening.AttendedEvent{EventID: it.EventID, Title: it.Title, Kind: convening.Kind(it.Kind), Date: it.Date})
			return true
		})
	return out, err
}

// factChunk bounds the facts of one transaction: with their
// organizations' counts and events, well inside DynamoDB's 100 items.
const factChunk = 30

// WriteFacts writes facts in transactions of factChunk; a fact on record
// already is left out (and not counted), and its transaction tried again
// without it.
func (s *Store) WriteFacts(ctx context.Context, changes []convening.FactChange) (int, error) {
	written := 0
	for start := 0; start < len(changes); start += factChunk {
		pending := slices.Clone(changes[start:min(start+factChunk, len(changes))])
		err := s.transact(ctx, "write facts", func(context.Context) (*write, error) {
			if len(pending) == 0 {
				return nil, nil
			}
			var tx items
			idx, err := s.addFactItems(&tx, pending)
			if err != nil {
				return nil, err
			}
			w := tx.write()
			w.answer = func(c cancellation) error {
				keep := pending[:0]
				for i, ix := range idx {
					if !c.failed(ix) {
						keep = append(keep, pending[i])
					}
				}
				if len(keep) == len(pending) {
					return nil
				}
				pending = keep
				return errLearned
			}
			return w, nil
		})
		if err != nil {
			return written, err
		}
		written += len(pending)
	}
	return written, nil
}

// Participants lists every organization with facts or an opt-out (gsi1).
func (s *Store) Participants(ctx context.Context) ([]convening.OrganizationParticipation, error) {
	out := []convening.OrganizationParticipation{}
	err := queryEach(ctx, s, query{op: "participants", index: IndexGSI1,
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiParticipants))},
		func(it participationItem) bool {
			if it.Facts > 0 || it.OptOut {
				out = append(out, convening.OrganizationParticipation{Organization: it.Organization, Facts: it.Facts, OptOut: it.OptOut, OptOutReason: it.OptOutReason})
			}
			return true
		})
	return out, err
}

// SetOptOut takes an organization off the public list, or puts it back,
// with the audit record, in one transaction.
func (s *Store) SetOptOut(ctx context.Context, org convening.Organization, optOut bool, reason string, audit convening.AuditRecord) error {
	k := org.Key()
	upd := expression.Set(expression.Name("optOut"), expression.Value(optOut)).
		Set(expression.Name("organization"), expression.Value(org)).
		Set(expression.Name("facts"), expression.IfNotExists(expression.Name("facts"), expression.Value(0))).
		Set(expression.Name(AttrGSI1PK), expression.Value(gsiParticipants)).
		Set(expression.Name(AttrGSI1SK), expression.Value(org.County+"#"+k))
	if optOut {
		upd = upd.Set(expression.Name("optOutReason"), expression.Value(reason))
	} else {
		upd = upd.Remove(expression.Name("optOutReason"))
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return err
	}
	a, err := s.auditPut(audit)
	if err != nil {
		return err
	}
	return s.transact(ctx, "set opt-out", func(context.Context) (*write, error) {
		var tx items
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(participationPrefix+k, skParticipation),
			UpdateExpression: expr.Update(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}}, false)
		tx.add(a, false)
		return tx.write(), nil
	})
}

// RootsOf returns the aliases of the keys merged into another, read in
// batches.
func (s *Store) RootsOf(ctx context.Context, keys []string) (map[string]convening.OrganizationAlias, error) {
	out := map[string]convening.OrganizationAlias{}
	var all []map[string]types.AttributeValue
	seen := map[string]bool{}
	for _, k := range keys {
		if !seen[k] && k != "" {
			seen[k] = true
			all = append(all, key(aliasPrefix+k, skAlias))
		}
	}
	err := s.batchGet(ctx, "aliases", all, "", func(m map[string]types.AttributeValue) error {
		var it aliasItem
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		out[strings.TrimPrefix(it.PK, aliasPrefix)] = it.alias()
		return nil
	})
	return out, err
}

// anonChunk bounds the facts anonymized in one transaction (a delete and
// a put each).
const anonChunk = 40

// AnonymizeFacts rewrites facts without their person: each deleted (if it
// is still there, with its person) and put again under an anonymous id.
// The organizations' counts do not change.
func (s *Store) AnonymizeFacts(ctx context.Context, facts []convening.AttendanceFact, anon func() string, audit *convening.AuditRecord) (int, error) {
	done := 0
	for start := 0; start < len(facts) || (start == 0 && audit != nil); start += anonChunk {
		pending := slices.Clone(facts[start:min(start+anonChunk, len(facts))])
		for i := range pending {
			pending[i].AnonymousID = anon()
		}
		first := start == 0
		err := s.transact(ctx, "anonymize facts", func(context.Context) (*write, error) {
			var tx items
			var idx []int
			for _, f := range pending {
				old := newFactItem(f)
				idx = append(idx, tx.add(types.TransactWriteItem{Delete: &types.Delete{
					TableName: aws.String(s.table), Key: key(old.PK, old.SK),
					ConditionExpression:      aws.String("attribute_exists(#pk) AND attribute_exists(#f.#p)"),
					ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#f": "fact", "#p": "personKey"},
				}}, false))
				a := f
				a.PersonKey, a.PersonName, a.PersonEmail = "", "", ""
				av, err := marshal(newFactItem(a))
				if err != nil {
					return nil, err
				}
				tx.add(putIfAbsent(s.table, av), false)
			}
			if first && audit != nil {
				a, err := s.auditPut(*audit)
				if err != nil {
					return nil, err
				}
				tx.add(a, false)
			}
			if len(tx.list) == 0 {
				return nil, nil
			}
			w := tx.write()
			w.answer = func(c cancellation) error {
				keep := pending[:0]
				for i, ix := range idx {
					if !c.failed(ix) {
						keep = append(keep, pending[i])
					}
				}
				if len(keep) == len(pending) {
					return nil
				}
				pending = keep
				return errLearned
			}
			return w, nil
		})
		if err != nil {
			return done, err
		}
		done += len(pending)
		if len(facts) == 0 {
			break
		}
	}
	return done, nil
}
