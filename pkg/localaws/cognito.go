package localaws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// CognitoOptions configures StartCognito.
type CognitoOptions struct {
	// Port to listen on; 0 picks a free one. cognito-local binds 127.0.0.1
	// only, and its tokens' issuer is http://127.0.0.1:<port>/<poolId>.
	Port int
	// DataDir keeps the user pools between runs (cognito-local writes
	// DataDir/.cognito); empty: a temporary folder removed when it stops.
	DataDir string
	// Root is the repository root holding node_modules; when empty it is
	// found from the working directory.
	Root string
	// Stdout and Stderr receive the service's output; nil discards it.
	Stdout, Stderr io.Writer
	// StartTimeout bounds the wait for the service to answer; 0 means 20 s.
	StartTimeout time.Duration
}

// StartCognito starts cognito-local, a local Cognito user-pool endpoint,
// with the machine's Node.js and waits until it answers. ctx bounds only
// the start-up. SetupCognito then creates the pool, client, groups and
// users the system expects.
func StartCognito(ctx context.Context, opts CognitoOptions) (*Process, error) {
	root, err := repoRoot(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("start cognito-local: %w", err)
	}
	cli := filepath.Join(root, "node_modules", "cognito-local", "lib", "bin", "start.js")
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("start cognito-local: not installed (no %s): run `npm ci` in %s", cli, root)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("start cognito-local: it needs Node.js: %w", err)
	}
	dir, temporary := opts.DataDir, false
	if dir == "" {
		if dir, err = os.MkdirTemp("", "cognito-local-"); err != nil {
			return nil, fmt.Errorf("start cognito-local: %w", err)
		}
		temporary = true
	} else if dir, err = filepath.Abs(dir); err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return nil, fmt.Errorf("start cognito-local: %w", err)
	}
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	p, err := startService(ctx, serviceSpec{
		name: "cognito-local",
		port: opts.Port,
		command: func(port int) (*exec.Cmd, error) {
			cmd := exec.Command(node, cli)
			// It keeps its data under .cognito in its working directory,
			// and reads where to listen from the environment; HOST also
			// makes its tokens' issuer http://127.0.0.1:<port>.
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "HOST=127.0.0.1")
			return cmd, nil
		},
		probe:   probeCognito,
		timeout: timeout,
		stdout:  opts.Stdout,
		stderr:  opts.Stderr,
	})
	if err != nil {
		if temporary {
			_ = os.RemoveAll(dir)
		}
		return nil, err
	}
	if temporary {
		go func() { <-p.Done(); _ = os.RemoveAll(dir) }()
	}
	return p, nil
}

func probeCognito(ctx context.Context, endpoint string) error {
	resp, err := get(ctx, endpoint+"/health")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// NewCognitoClient returns a Cognito user-pool client for a local endpoint
// such as cognito-local's.
func NewCognitoClient(ctx context.Context, endpoint string) (*cip.Client, error) {
	cfg, err := localConfig(endpoint)
	if err != nil {
		return nil, fmt.Errorf("new Cognito client: %w", err)
	}
	return cip.NewFromConfig(cfg), nil
}

// CognitoUser is a user SetupCognito creates (or updates) in the pool.
type CognitoUser struct {
	Email, Password string
	Groups          []string
}

// CognitoSetup is the user pool SetupCognito makes: what the CDK app
// creates in AWS, less what cognito-local cannot do (managed login, MFA).
type CognitoSetup struct {
	PoolName, ClientName string
	// CallbackURLs and LogoutURLs are the app client's allowed redirects.
	CallbackURLs, LogoutURLs []string
	Groups                   []string
	Users                    []CognitoUser
	// AccessTokenMinutes is the access and ID tokens' lifetime; 0 means 60,
	// as the CDK app sets it.
	AccessTokenMinutes int
}

// CognitoPool is a pool SetupCognito made, as a client of it sees it.
type CognitoPool struct {
	Endpoint string // cognito-local's base URL
	PoolID   string
	ClientID string
	// Issuer is the tokens' iss: <endpoint>/<poolId>; its JWKS is at
	// Issuer + "/.well-known/jwks.json".
	Issuer string
}

// SetupCognito makes the pool s describes at endpoint, or brings an
// existing one of the same name (kept in a data folder) up to date: the
// client's URLs, the groups, each user's password and groups. It is
// idempotent.
func SetupCognito(ctx context.Context, endpoint string, s CognitoSetup) (CognitoPool, error) {
	c, err := NewCognitoClient(ctx, endpoint)
	if err != nil {
		return CognitoPool{}, err
	}
	pool := CognitoPool{Endpoint: endpoint}
	if pool.PoolID, err = findPool(ctx, c, s.PoolName); err != nil {
		return pool, err
	}
	if pool.PoolID == "" {
		out, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{
			PoolName: aws.String(s.PoolName),
			// Staff sign in with their email, as in AWS (the CDK app's
			// sign-in alias): the username is then the user's sub.
			UsernameAttributes:     []ciptypes.UsernameAttributeType{ciptypes.UsernameAttributeTypeEmail},
			AdminCreateUserConfig:  &ciptypes.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true},
			AutoVerifiedAttributes: []ciptypes.VerifiedAttributeType{ciptypes.VerifiedAttributeTypeEmail},
		})
		if err != nil {
			return pool, fmt.Errorf("create user pool: %w", err)
		}
		pool.PoolID = aws.ToString(out.UserPool.Id)
	}
	pool.Issuer = endpoint + "/" + pool.PoolID
	if pool.ClientID, err = setupClient(ctx, c, pool.PoolID, s); err != nil {
		return pool, err
	}
	for _, g := range s.Groups {
		_, err := c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(pool.PoolID), GroupName: aws.String(g)})
		var exists *ciptypes.GroupExistsException
		if err != nil && !errors.As(err, &exists) {
			return pool, fmt.Errorf("create group %s: %w", g, err)
		}
	}
	for _, u := range s.Users {
		if err := setupUser(ctx, c, pool.PoolID, u); err != nil {
			return pool, err
		}
	}
	return pool, nil
}

func findPool(ctx context.Context, c *cip.Client, name string) (string, error) {
	p := cip.NewListUserPoolsPaginator(c, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list user pools: %w", err)
		}
		for _, up := range page.UserPools {
			if aws.ToString(up.Name) == name {
				return aws.ToString(up.Id), nil
			}
		}
	}
	return "", nil
}

func setupClient(ctx context.Context, c *cip.Client, poolID string, s CognitoSetup) (string, error) {
	minutes := s.AccessTokenMinutes
	if minutes == 0 {
		minutes = 60
	}
	// The console's client as the CDK app makes it (code grant; no client
	// secret), plus USER_PASSWORD_AUTH, which the local sign-in page and
	// `make staff-token` sign in with: cognito-local has no managed login.
	units := &ciptypes.TokenValidityUnitsType{AccessToken: ciptypes.TimeUnitsTypeMinutes,
		IdToken: ciptypes.TimeUnitsTypeMinutes, RefreshToken: ciptypes.TimeUnitsTypeHours}
	flows := []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth, ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	var id string
	p := cip.NewListUserPoolClientsPaginator(c, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(60)})
	for p.HasMorePages() && id == "" {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list user pool clients: %w", err)
		}
		for _, cl := range page.UserPoolClients {
			if aws.ToString(cl.ClientName) == s.ClientName {
				id = aws.ToString(cl.ClientId)
			}
		}
	}
	if id == "" {
		out, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
			UserPoolId: aws.String(poolID), ClientName: aws.String(s.ClientName),
			AllowedOAuthFlows: []ciptypes.OAuthFlowType{ciptypes.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
			AllowedOAuthScopes: []string{"openid", "email"},
			CallbackURLs:       s.CallbackURLs, LogoutURLs: s.LogoutURLs,
			ExplicitAuthFlows: flows, EnableTokenRevocation: aws.Bool(true),
			AccessTokenValidity: aws.Int32(int32(minutes)), IdTokenValidity: aws.Int32(int32(minutes)),
			RefreshTokenValidity: 10, TokenValidityUnits: units,
		})
		if err != nil {
			return "", fmt.Errorf("create user pool client: %w", err)
		}
		return aws.ToString(out.UserPoolClient.ClientId), nil
	}
	// Kept from an earlier run: the ports, so the URLs, may have changed.
	_, err := c.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientId: aws.String(id), ClientName: aws.String(s.ClientName),
		AllowedOAuthFlows: []ciptypes.OAuthFlowType{ciptypes.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email"},
		CallbackURLs:       s.CallbackURLs, LogoutURLs: s.LogoutURLs,
		ExplicitAuthFlows: flows, EnableTokenRevocation: aws.Bool(true),
		AccessTokenValidity: aws.Int32(int32(minutes)), IdTokenValidity: aws.Int32(int32(minutes)),
		RefreshTokenValidity: 10, TokenValidityUnits: units,
	})
	if err != nil {
		return "", fmt.Errorf("update user pool client: %w", err)
	}
	return id, nil
}

func setupUser(ctx context.Context, c *cip.Client, poolID string, u CognitoUser) error {
	_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(poolID), Username: aws.String(u.Email),
		MessageAction: ciptypes.MessageActionTypeSuppress,
		UserAttributes: []ciptypes.AttributeType{
			{Name: aws.String("email"), Value: aws.String(u.Email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	var exists *ciptypes.UsernameExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create user %s: %w", u.Email, err)
	}
	// Permanent, so the user signs in without the new-password step; set
	// on every run, so a changed LMI_STAFF_PASSWORD takes effect.
	if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(poolID),
		Username: aws.String(u.Email), Password: aws.String(u.Password), Permanent: true}); err != nil {
		return fmt.Errorf("set the password of %s: %w", u.Email, err)
	}
	for _, g := range u.Groups {
		if _, err := c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(poolID),
			Username: aws.String(u.Email), GroupName: aws.String(g)}); err != nil {
			return fmt.Errorf("add %s to group %s: %w", u.Email, g, err)
		}
	}
	return nil
}

// CognitoTokens are what a sign-in returns.
type CognitoTokens struct {
	AccessToken, IDToken, RefreshToken string
	ExpiresIn                          time.Duration
}

// SignIn signs a user in with USER_PASSWORD_AUTH, as the local sign-in
// page and `make staff-token` do. A wrong password or unknown user is an
// error (cognito-local answers InvalidPasswordException where Cognito
// answers NotAuthorizedException).
func SignIn(ctx context.Context, endpoint, clientID, username, password string) (CognitoTokens, error) {
	c, err := NewCognitoClient(ctx, endpoint)
	if err != nil {
		return CognitoTokens{}, err
	}
	out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(clientID), AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password},
	})
	if err != nil {
		return CognitoTokens{}, fmt.Errorf("sign in: %w", err)
	}
	r := out.AuthenticationResult
	if r == nil {
		return CognitoTokens{}, fmt.Errorf("sign in: challenge %s instead of tokens", out.ChallengeName)
	}
	return CognitoTokens{AccessToken: aws.ToString(r.AccessToken), IDToken: aws.ToString(r.IdToken),
		RefreshToken: aws.ToString(r.RefreshToken), ExpiresIn: time.Duration(r.ExpiresIn) * time.Second}, nil
}
