package localrun

import (
	"context"
	"log/slog"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/tokensecret"
)

// Sample adds sample data to a running System, after its sample events
// (SystemOptions.Seed), for a newcomer to try what a capability does. Each
// capability keeps its samples in a file of its own (sample_*.go); each
// must skip what it finds made already (a System started on kept data).
type Sample func(ctx context.Context, s *System, o SystemOptions) error

// sampleServices are the domain's services over the System's table, on a
// clock of their own: samples set it to make what happened in the past.
type sampleServices struct {
	now     time.Time
	store   *dynamostore.Store
	tokens  *convening.ManageTokens
	log     *slog.Logger
	basics  convening.Basics
	events  *convening.EventService
	regs    *convening.RegistrationService
	staff   *convening.StaffService
	fees    *convening.FeeService
	billing *convening.BillingService
}

func newSampleServices(s *System, o SystemOptions) (*sampleServices, error) {
	secret, err := tokensecret.New([]byte(o.TokenSecret))
	if err != nil {
		return nil, err
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	ss := &sampleServices{now: time.Now().UTC(), store: dynamostore.New(s.Client, s.Table, log), tokens: secret.Tokens, log: log}
	ss.basics = convening.Basics{Clock: func() time.Time { return ss.now }, NewID: convening.NewID, Log: log}
	payee := convening.PayeeFrom(o.PayeeName, o.PayeeAddress, o.PayeeTaxID, o.PaymentInstructions)
	ss.events = convening.NewEventService(ss.basics, ss.store)
	ss.regs = convening.NewRegistrationService(ss.basics, ss.store, ss.tokens)
	ss.staff = convening.NewStaffService(ss.basics, ss.store)
	ss.fees = convening.NewFeeService(ss.basics, ss.store, payee)
	ss.billing = convening.NewBillingService(ss.basics, ss.store, ss.tokens, payee)
	return ss, nil
}

// sampleStaff is who the samples act as.
var sampleStaff = convening.StaffActor("sample-data", "sample data (make run)")

// runSamples adds each sample in turn.
func (s *System) runSamples(ctx context.Context, o SystemOptions) error {
	for _, sample := range o.Samples {
		if err := sample(ctx, s, o); err != nil {
			return err
		}
	}
	return nil
}
