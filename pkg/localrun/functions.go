package localrun

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/console"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/mailer"
	"github.com/calmi/convenings/pkg/promoter"
	"github.com/calmi/convenings/pkg/retention"
	"github.com/calmi/convenings/pkg/sequencer"
	"github.com/calmi/convenings/pkg/sesevents"
	"github.com/calmi/convenings/pkg/tokensecret"
	"github.com/calmi/convenings/pkg/web"
)

// FunctionConfig is what the local runner gives the functions: the values
// the CDK app puts in their environment, and the local services' endpoints
// (which the SDK would read from AWS_ENDPOINT_URL_DYNAMODB and
// AWS_ENDPOINT_URL_SESV2 in a function's own process).
type FunctionConfig struct {
	deploy.Config
	DynamoDBEndpoint, SESEndpoint string
	// SecretsManagerEndpoint is where the token rotation finds Secrets
	// Manager (a stand-in, secretstest, in tests; the local runner never
	// rotates).
	SecretsManagerEndpoint string
	// Log is the functions' logger; nil means c.Logger(os.Stderr).
	Log *slog.Logger
	// DynamoDBOptions adjust the functions' DynamoDB client (tests inject
	// faults, the benchmark counts calls).
	DynamoDBOptions []func(*dynamodb.Options)
}

// build assembles one function's handler as its main does
// (functions/<name>/main.go), from the parts the main builds.
type build func(ctx context.Context, p *parts) (any, error)

// registry is every function by name: the only place a function is found
// by its name. Each entry wires what functions/<name>/main.go wires.
var registry = map[string]build{
	deploy.Events: func(_ context.Context, p *parts) (any, error) {
		b := p.basics()
		return frontdoor.Lambda(httpapi.Events(convening.NewEventService(b, p.store), convening.NewHistoryService(b, p.store), p.log)), nil
	},
	deploy.Register: func(ctx context.Context, p *parts) (any, error) {
		s, err := p.secret(ctx)
		if err != nil {
			return nil, err
		}
		b := p.basics()
		return frontdoor.Lambda(httpapi.Register(convening.NewRegistrationService(b.WithContact(p.contact), p.store, s.Tokens), convening.NewEligibilityService(b, p.store), p.log)), nil
	},
	deploy.Registration: func(ctx context.Context, p *parts) (any, error) {
		s, err := p.secret(ctx)
		if err != nil {
			return nil, err
		}
		return frontdoor.Lambda(httpapi.Registration(convening.NewRegistrationService(p.basics().WithContact(p.contact), p.store, s.Tokens),
			convening.NewLinksService(p.basics(), p.store), convening.NewBillingService(p.basics(), p.store, s.Tokens, p.payee()), p.log)), nil
	},
	deploy.Statements: func(ctx context.Context, p *parts) (any, error) {
		s, err := p.secret(ctx)
		if err != nil {
			return nil, err
		}
		return frontdoor.Lambda(httpapi.Statements(convening.NewStatementService(p.basics().WithContact(p.contact), p.store, s.Tokens), p.log)), nil
	},
	deploy.Admin: func(_ context.Context, p *parts) (any, error) {
		b := p.basics()
		return frontdoor.Lambda(httpapi.Admin(convening.NewEventService(b, p.store), convening.NewStaffService(b, p.store), convening.NewReviewService(b, p.store),
			convening.NewNoticeService(b, p.store), convening.NewOrganizationService(b, p.store), convening.NewPrivacyService(b, p.store),
			convening.NewFeeService(b, p.store, p.payee()),
			convening.NewSurveyService(b, p.store, convening.ByFormat{InPerson: convening.CheckIns{Store: p.store}, Online: convening.OnlineAttendees{Store: p.store}}),
			convening.NewAnnouncementService(b, p.store), httpapi.NewPeople(b, p.store), p.log)), nil
	},
	deploy.Surveys: func(ctx context.Context, p *parts) (any, error) {
		s, err := p.secret(ctx)
		if err != nil {
			return nil, err
		}
		return frontdoor.Lambda(httpapi.Surveys(convening.NewSurveyAnswerService(p.basics(), p.store, s.Tokens), p.log)), nil
	},
	deploy.Web: func(ctx context.Context, p *parts) (any, error) {
		s, err := p.secret(ctx)
		if err != nil {
			return nil, err
		}
		b := p.basics().WithContact(p.contact)
		services := web.Services{EventService: convening.NewEventService(b, p.store),
			RegistrationService: convening.NewRegistrationService(b, p.store, s.Tokens), StatementService: convening.NewStatementService(b, p.store, s.Tokens),
			LinksService: convening.NewLinksService(b, p.store), BillingService: convening.NewBillingService(b, p.store, s.Tokens, p.payee()),
			SurveyAnswerService: convening.NewSurveyAnswerService(b, p.store, s.Tokens), DuplicateService: convening.NewDuplicateService(b, p.store),
			EligibilityService: convening.NewEligibilityService(b, p.store), JoinService: convening.NewJoinService(b, p.store, s.Tokens),
			HistoryService: convening.NewHistoryService(b, p.store)}
		site, err := web.New(services, web.Options{CSRFKey: s.Derive(web.CSRFKeyLabel), CSRFPreviousKeys: s.DerivePrevious(web.CSRFKeyLabel), Log: p.log, Contact: p.contact})
		if err != nil {
			return nil, err
		}
		return frontdoor.Lambda(site), nil
	},
	deploy.Console: func(ctx context.Context, p *parts) (any, error) {
		s, err := p.secret(ctx)
		if err != nil {
			return nil, err
		}
		pool := cognito.Pool{Issuer: p.c.CognitoIssuer, ClientID: p.c.CognitoClientID, LoginURL: p.c.CognitoLoginURL}
		b := p.basics().WithContact(p.contact)
		services := console.Services{EventService: convening.NewEventService(b, p.store), StaffService: convening.NewStaffService(b, p.store),
			ReviewService: convening.NewReviewService(b, p.store), NoticeService: convening.NewNoticeService(b, p.store),
			OrganizationService: convening.NewOrganizationService(b, p.store), PrivacyService: convening.NewPrivacyService(b, p.store),
			FeeService:          convening.NewFeeService(b, p.store, p.payee()),
			SurveyService:       convening.NewSurveyService(b, p.store, convening.ByFormat{InPerson: convening.CheckIns{Store: p.store}, Online: convening.OnlineAttendees{Store: p.store}}),
			DuplicateService:    convening.NewDuplicateService(b, p.store),
			AnnouncementService: convening.NewAnnouncementService(b, p.store),
			EligibilityService:  convening.NewEligibilityService(b, p.store), AttendanceService: convening.NewAttendanceService(b, p.store),
			HistoryService: convening.NewHistoryService(b, p.store), NetworkService: convening.NewNetworkService(b, p.store)}
		h, err := console.New(ctx, services, p.store, console.Options{Pool: pool, PublicURL: p.c.PublicURL,
			Key:          s.Derive(console.KeyLabel),
			PreviousKeys: s.DerivePrevious(console.KeyLabel), Log: p.log, Contact: p.contact})
		if err != nil {
			return nil, err
		}
		return frontdoor.Lambda(h), nil
	},
	deploy.Promoter: func(_ context.Context, p *parts) (any, error) {
		b := p.basics()
		return (&promoter.Handler{Promotion: convening.NewPromotionService(b, p.store), Holds: convening.NewHoldService(b, p.store),
			Surveys: convening.NewSurveyService(b, p.store, convening.ByFormat{InPerson: convening.CheckIns{Store: p.store}, Online: convening.OnlineAttendees{Store: p.store}}), Log: p.log}).Invoke, nil
	},
	deploy.Sequencer: func(_ context.Context, p *parts) (any, error) {
		return (&sequencer.Handler{Queue: convening.NewQueueService(p.basics(), p.store), Log: p.log}).Invoke, nil
	},
	deploy.Retention: func(_ context.Context, p *parts) (any, error) {
		b := p.basics()
		return (&retention.Handler{Privacy: convening.NewPrivacyService(b, p.store), History: convening.NewHistoryService(b, p.store), Log: p.log}).Handle, nil
	},
	deploy.Mailer: func(ctx context.Context, p *parts) (any, error) {
		s, err := p.secret(ctx)
		if err != nil {
			return nil, err
		}
		ses := sesv2.NewFromConfig(localaws.Config(), localaws.SESEndpoint(p.c.SESEndpoint), mailer.SESRetries)
		m, err := mailer.New(p.store, ses, s.Tokens, p.c.Config, p.log)
		if err != nil {
			return nil, err
		}
		return m.Invoke, nil
	},
	deploy.SESEvents: func(_ context.Context, p *parts) (any, error) {
		return sesevents.New(p.store, p.log).Handle, nil
	},
	deploy.TokenRotation: func(_ context.Context, p *parts) (any, error) {
		secrets := secretsmanager.NewFromConfig(localaws.Config(), func(o *secretsmanager.Options) {
			if p.c.SecretsManagerEndpoint != "" {
				o.BaseEndpoint = aws.String(p.c.SecretsManagerEndpoint)
			}
		})
		return (&tokensecret.Rotator{Secrets: secrets, Log: p.log}).Handle, nil
	},
}

// parts are what the functions' mains build from their configuration.
type parts struct {
	c     FunctionConfig
	log   *slog.Logger
	store *dynamostore.Store
	// contact is the program's contact, from c, as the mains read it.
	contact convening.ProgramContact
}

// payee is who the invoices are issued by, from the payee's variables.
func (p *parts) payee() convening.Payee {
	return convening.PayeeFrom(p.c.PayeeName, p.c.PayeeAddress, p.c.PayeeTaxID, p.c.PaymentInstructions)
}

// basics are the services' clock, ids and log, as NewBasics gives them.
func (p *parts) basics() convening.Basics { return convening.NewBasics(p.log) }

func (p *parts) secret(ctx context.Context) (tokensecret.Secret, error) {
	return tokensecret.Load(ctx, localaws.Config(), p.c.TokenSecretARN, p.c.TokenSecret)
}

// FunctionNames lists the registry's functions.
func FunctionNames() []string {
	names := make([]string, 0, len(registry))
	for name := range registry {
		names = append(names, name)
	}
	return names
}

// NewFunction builds the named function's typed Lambda handler (for
// lambda.NewHandler or lambda.Start) as its main would, from c instead of
// the environment.
func NewFunction(ctx context.Context, name string, c FunctionConfig) (any, error) {
	b, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("no function named %q", name)
	}
	log := c.Log
	if log == nil {
		log = c.Logger(os.Stderr)
	}
	opts := append([]func(*dynamodb.Options){localaws.DynamoDBEndpoint(c.DynamoDBEndpoint)}, c.DynamoDBOptions...)
	contact, err := convening.ProgramContactFrom(c.ContactName, c.ContactEmail, c.ContactPhone)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	p := &parts{c: c, log: log, store: dynamostore.Open(localaws.Config(), c.Table, log, opts...), contact: contact}
	h, err := b(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	return h, nil
}

// NewFunctions builds every function, by name.
func NewFunctions(ctx context.Context, c FunctionConfig) (map[string]any, error) {
	out := map[string]any{}
	for name := range registry {
		h, err := NewFunction(ctx, name, c)
		if err != nil {
			return nil, err
		}
		out[name] = h
	}
	return out, nil
}
