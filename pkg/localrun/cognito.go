package localrun

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localaws"
)

// DefaultPoolName is the staff's user pool's name in cognito-local.
const DefaultPoolName = "convenings-staff"

// Console paths the user pool's app client lists as its callback and
// sign-out URLs (under the public URL), as the CDK app does.
const (
	CallbackPath  = "/staff/callback"
	SignedOutPath = "/staff/signed-out"
)

// startCognito starts cognito-local (unless the options name one), makes
// the staff's user pool, and serves the managed-login stand-in.
func (s *System) startCognito(ctx context.Context, o SystemOptions) error {
	if s.Pool.Endpoint == "" {
		dir := ""
		if o.DataDir != "" {
			dir = filepath.Join(o.DataDir, "cognito")
		}
		p, err := localaws.StartCognito(ctx, localaws.CognitoOptions{Port: o.CognitoPort, DataDir: dir,
			Stdout: o.ServiceOutput, Stderr: o.ServiceOutput})
		if err != nil {
			return err
		}
		s.Cognito, s.Pool.Endpoint = p, p.Endpoint()
	}
	name := o.PoolName
	if name == "" {
		name = DefaultPoolName
	}
	public := strings.TrimRight(o.PublicURL, "/")
	pool, err := localaws.SetupCognito(ctx, s.Pool.Endpoint, localaws.CognitoSetup{
		PoolName: name, ClientName: "console",
		CallbackURLs: []string{public + CallbackPath}, LogoutURLs: []string{public + SignedOutPath},
		Groups: deploy.Roles, Users: o.Users,
	})
	if err != nil {
		return fmt.Errorf("set up the staff's user pool: %w", err)
	}
	s.Pool = pool

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", o.LoginPort))
	if err != nil {
		return fmt.Errorf("listen for the sign-in stand-in on port %d: %w", o.LoginPort, err)
	}
	login, err := NewLogin(ctx, LoginOptions{Cognito: s.Pool.Endpoint, PoolID: s.Pool.PoolID, Log: o.Log})
	if err != nil {
		ln.Close()
		return err
	}
	s.LoginURL = "http://" + ln.Addr().String()
	s.login = &http.Server{Handler: login, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.login.Serve(ln) }()
	return nil
}
