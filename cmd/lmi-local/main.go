// Command lmi-local runs the whole registration system on one machine: AWS's
// DynamoDB Local and a local SES endpoint as child processes, the table,
// the sample events, the HTTP API served by the very handlers the Lambda
// functions run, and a stream poller feeding the promoter and the mailer as
// Lambda's event source mappings would.
//
//	lmi-local                 run everything until Ctrl-C
//	lmi-local invoke -function register -event events/api-register.json
//	lmi-local staff-token     print an access token of the running system's staff user
//
// Ports, users and secrets come from the environment (see README.md).
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localaws"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(os.Args) > 1 && os.Args[1] == "invoke" {
		err = invokeCommand(ctx, os.Args[2:], os.Stdout)
	} else if len(os.Args) > 1 && os.Args[1] == "staff-token" {
		err = staffTokenCommand(ctx, os.Stdout)
	} else {
		err = runCommand(ctx, os.Args[1:], os.Stdout)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "lmi-local:", err)
		os.Exit(1)
	}
}

// settings are what the environment may change.
type settings struct {
	HTTPPort, DynamoDBPort, SESPort int
	CognitoPort, LoginPort          int
	// DynamoDBEndpoint and SESEndpoint name running services to use
	// instead of starting them.
	DynamoDBEndpoint, SESEndpoint, CognitoEndpoint string
	Table                                          string
	TokenSecret                                    string
	// Users are the staff users of the local user pool: staff (from
	// LMI_STAFF_EMAIL and LMI_STAFF_PASSWORD), a reviewer and a check-in
	// volunteer.
	Users    []localaws.CognitoUser
	DataDir  string
	Sender   string
	LogLevel string
	// Contact is the program's contact every page and email shows
	// (LMI_CONTACT_NAME, LMI_CONTACT_EMAIL, LMI_CONTACT_PHONE; a sample
	// by default).
	Contact convening.ProgramContact
	// SweepInterval is how often the scheduled functions run
	// (LMI_SWEEP_INTERVAL, a Go duration such as "10s").
	SweepInterval time.Duration
	// The payee the invoices are issued by (LMI_PAYEE_NAME,
	// LMI_PAYEE_ADDRESS, LMI_PAYEE_TAX_ID, LMI_PAYMENT_INSTRUCTIONS), sample
	// values unless set.
	PayeeName, PayeeAddress, PayeeTaxID, PaymentInstructions string
}

func settingsFromEnv() (settings, error) {
	s := settings{
		Table:            envOr("LMI_TABLE_NAME", "convenings"),
		DynamoDBEndpoint: os.Getenv("LMI_DYNAMODB_ENDPOINT"),
		SESEndpoint:      os.Getenv("LMI_SES_ENDPOINT"),
		CognitoEndpoint:  os.Getenv("LMI_COGNITO_ENDPOINT"),
		TokenSecret:      os.Getenv("LMI_TOKEN_SECRET"),
		DataDir:          os.Getenv("LMI_DATA_DIR"),
		Sender:           envOr("LMI_SENDER_EMAIL", "CA LMI Convenings <convenings@lmi.example.org>"),
		LogLevel:         envOr("LMI_LOG_LEVEL", "warn"),

		PayeeName:           envOr(deploy.EnvPayeeName, "Californians Dedicated to Education Foundation (sample payee)"),
		PayeeAddress:        envOr(deploy.EnvPayeeAddress, "CA LMI, 100 Example Street, Suite 200 | Sacramento, CA 95814"),
		PayeeTaxID:          envOr(deploy.EnvPayeeTaxID, "12-3456789"),
		PaymentInstructions: envOr(deploy.EnvPaymentInstructions, "For ACH, write to billing@lmi.example.org for the account details."),
	}
	for _, p := range []struct {
		name string
		def  int
		dst  *int
	}{{"LMI_HTTP_PORT", 8080, &s.HTTPPort}, {"LMI_DYNAMODB_PORT", 8000, &s.DynamoDBPort}, {"LMI_SES_PORT", 8005, &s.SESPort},
		{"LMI_COGNITO_PORT", 9229, &s.CognitoPort}, {"LMI_LOGIN_PORT", 9230, &s.LoginPort}} {
		*p.dst = p.def
		if v := os.Getenv(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 65535 {
				return s, fmt.Errorf("%s must be a port number, not %q", p.name, v)
			}
			*p.dst = n
		}
	}
	contact, err := convening.ProgramContactFrom(envOr("LMI_CONTACT_NAME", "CA LMI Convenings"),
		envOr("LMI_CONTACT_EMAIL", "convenings@lmi.example.org"), envOr("LMI_CONTACT_PHONE", "(916) 555-0142"))
	if err != nil {
		return s, fmt.Errorf("LMI_CONTACT_NAME, LMI_CONTACT_EMAIL, LMI_CONTACT_PHONE: %w", err)
	}
	s.Contact = contact
	s.SweepInterval = 10 * time.Second
	if v := os.Getenv("LMI_SWEEP_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			return s, fmt.Errorf("LMI_SWEEP_INTERVAL must be a duration from 1s to 1h, such as 10s, not %q", v)
		}
		s.SweepInterval = d
	}
	staffPassword := os.Getenv("LMI_STAFF_PASSWORD")
	if staffPassword == "" {
		if staffPassword, err = randomPassword(); err != nil {
			return s, err
		}
	}
	s.Users = []localaws.CognitoUser{{Email: envOr("LMI_STAFF_EMAIL", "staff@lmi.example.org"), Password: staffPassword, Groups: []string{deploy.RoleStaff}}}
	for _, u := range []struct{ email, group string }{{"reviewer@lmi.example.org", deploy.RoleReviewer}, {"checkin@lmi.example.org", deploy.RoleCheckIn}} {
		p, err := randomPassword()
		if err != nil {
			return s, err
		}
		s.Users = append(s.Users, localaws.CognitoUser{Email: u.email, Password: p, Groups: []string{u.group}})
	}
	if s.TokenSecret == "" {
		if s.TokenSecret, err = randomToken(); err != nil {
			return s, err
		}
	}
	return s, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// randomPassword returns a password Cognito's default policy accepts
// (upper and lower case, a digit, a symbol), easy to copy from a terminal.
func randomPassword() (string, error) {
	t, err := randomToken()
	if err != nil {
		return "", err
	}
	return "Lmi-" + t[:16] + "-9a", nil
}

func runCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("lmi-local", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := settingsFromEnv()
	if err != nil {
		return err
	}
	sys, err := start(ctx, s, os.Stderr)
	if err != nil {
		return err
	}
	defer sys.Stop()

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", s.HTTPPort))
	if err != nil {
		return fmt.Errorf("listen on port %d (set LMI_HTTP_PORT to use another): %w", s.HTTPPort, err)
	}
	srv := &http.Server{Handler: sys.Gateway, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	api := "http://" + ln.Addr().String()
	if err := writeRunState(runState{Cognito: sys.Pool.Endpoint, ClientID: sys.Pool.ClientID, Email: s.Users[0].Email, Password: s.Users[0].Password,
		Users: s.Users, TokenSecret: s.TokenSecret}); err != nil {
		return err
	}
	defer removeRunState()
	fmt.Fprintf(out, `
CA LMI convenings, running locally
  Website        %[1]s/   (teams register here)
  Staff console  %[1]s/staff   (sign in with a user below)
  A past event   %[1]s/staff/events/monterey-network-fall   (checked in; its survey %[1]s/staff/events/monterey-network-fall/survey is open, its fees %[1]s/staff/events/monterey-network-fall/fees)
  People         %[1]s/staff/networks/monterey-county-network   (a network; eligibility at %[1]s/staff/events/summer-institute-2027-preconference/eligibility; imports %[1]s/staff/imports)
  Individuals    %[1]s/events/webinar-interest-based-bargaining-2027   (a webinar for individuals, with join links)
  API            %[1]s/api/events
  Mail viewer    %[2]s/   (every email the system sends)
  DynamoDB Local %[3]s   table %[4]q
  cognito-local  %[5]s   user pool %[6]s (sign-in page: %[7]s)

Staff users (email / password / role):
%[8]s
Try:
  curl -s %[1]s/api/events
  curl -s -X POST %[1]s/api/events/central-valley-convening-2027/registrations \
    -H 'Content-Type: application/json' -d @docs/examples/team.json
  curl -s %[1]s/api/admin/events/central-valley-convening-2027/registrations \
    -H "Authorization: Bearer $(make -s staff-token)"
  curl -s -X PATCH %[1]s/api/registrations/<id> -H "Authorization: Bearer <manageToken>" \
    -H 'Content-Type: application/json' -d '{"contact":{"name":"Rosa Martinez","email":"rmartinez@csea.example.org"}}'
  curl -s -X POST %[1]s/api/links -H 'Content-Type: application/json' -d '{"email":"dchen@fta.example.org"}'

Ctrl-C stops everything.
`, api, sys.SESURL, sys.DynamoDBURL, s.Table, sys.Pool.Endpoint, sys.Pool.PoolID, sys.LoginURL, usersTable(s.Users))

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("HTTP server: %w", err)
	case err := <-sys.PollerDone:
		return fmt.Errorf("stream poller stopped: %w", err)
	}
	fmt.Fprintln(out, "\nstopping…")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return nil
}

func usersTable(users []localaws.CognitoUser) string {
	var b strings.Builder
	for _, u := range users {
		fmt.Fprintf(&b, "  %-26s %-28s %s\n", u.Email, u.Password, strings.Join(u.Groups, ", "))
	}
	return b.String()
}

// runState is what a running `make run` leaves for `make staff-token` and
// `make invoke`: where its user pool is and how its staff user signs in
// (the password may be one it generated), every staff user it made, and
// the secret its links are signed with, so that a function invoked beside
// it keeps its users' passwords and makes links it opens. It lives in
// .local/ under the repository (ignored by git), readable by its owner
// only, while the system runs.
type runState struct {
	Cognito, ClientID, Email, Password string
	Users                              []localaws.CognitoUser `json:",omitempty"`
	TokenSecret                        string                 `json:",omitempty"`
}

func runStatePath() (string, error) {
	root, err := localaws.FindRepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".local", "lmi-local-run.json"), nil
}

func writeRunState(st runState) error {
	p, err := runStatePath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("write run state: %w", err)
	}
	b, _ := json.Marshal(st)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return fmt.Errorf("write run state: %w", err)
	}
	return nil
}

func removeRunState() {
	if p, err := runStatePath(); err == nil {
		_ = os.Remove(p)
	}
}

// readRunState reads what a running `make run` left.
func readRunState() (runState, error) {
	p, err := runStatePath()
	if err != nil {
		return runState{}, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return runState{}, fmt.Errorf("no running system found (%w): start it with `make run`", err)
	}
	var st runState
	if err := json.Unmarshal(b, &st); err != nil {
		return runState{}, fmt.Errorf("%s: %w", p, err)
	}
	return st, nil
}

// joinRunning makes s use the running system's staff users and link secret
// when s reuses its user pool: setting up the pool sets each user's
// password, and new random ones would lock out the passwords `make run`
// printed and `make staff-token`. It reports whether it did.
func joinRunning(s *settings, st runState) bool {
	if s.CognitoEndpoint == "" || st.Cognito != s.CognitoEndpoint {
		return false
	}
	switch {
	case len(st.Users) > 0:
		s.Users = st.Users
	case st.Email != "":
		// A run state from before users were kept: its staff user alone.
		s.Users = []localaws.CognitoUser{{Email: st.Email, Password: st.Password, Groups: []string{deploy.RoleStaff}}}
	default:
		return false
	}
	if st.TokenSecret != "" && os.Getenv("LMI_TOKEN_SECRET") == "" {
		s.TokenSecret = st.TokenSecret
	}
	return true
}

// staffTokenCommand signs the running system's staff user in and prints a
// fresh access token, alone on stdout, for curl and scripts.
func staffTokenCommand(ctx context.Context, out io.Writer) error {
	st, err := readRunState()
	if err != nil {
		return err
	}
	tokens, err := localaws.SignIn(ctx, st.Cognito, st.ClientID, st.Email, st.Password)
	if err != nil {
		return fmt.Errorf("sign in as %s at %s (is `make run` still running?): %w", st.Email, st.Cognito, err)
	}
	_, err = fmt.Fprintln(out, tokens.AccessToken)
	return err
}
