package localaws_test

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/localaws"
)

// TestCognitoSetup makes a pool twice (the second run finds and updates
// it, as `make run` with LMI_DATA_DIR does) and signs its users in.
func TestCognitoSetup(t *testing.T) {
	ctx := t.Context()
	endpoint := localaws.CognitoEndpoint(t)
	setup := localaws.CognitoSetup{
		PoolName: "setup-" + strings.ReplaceAll(t.Name(), "/", "-"), ClientName: "console",
		CallbackURLs: []string{"http://127.0.0.1:1/staff/callback"}, LogoutURLs: []string{"http://127.0.0.1:1/staff/signed-out"},
		Groups: []string{"staff", "reviewer"},
		Users: []localaws.CognitoUser{
			{Email: "lead@lmi.example.org", Password: "first-Passw0rd!", Groups: []string{"staff"}},
			{Email: "reader@lmi.example.org", Password: "reader-Passw0rd!", Groups: []string{"reviewer"}},
		},
	}
	first, err := localaws.SetupCognito(ctx, endpoint, setup)
	if err != nil {
		t.Fatal(err)
	}
	setup.Users[0].Password = "second-Passw0rd!"
	again, err := localaws.SetupCognito(ctx, endpoint, setup)
	if err != nil {
		t.Fatalf("second setup: %v", err)
	}
	if again != first || first.Issuer != endpoint+"/"+first.PoolID || first.ClientID == "" {
		t.Fatalf("pools %+v then %+v", first, again)
	}

	if _, err := localaws.SignIn(ctx, endpoint, first.ClientID, "lead@lmi.example.org", "first-Passw0rd!"); err == nil {
		t.Error("the old password still signs in")
	}
	for _, tt := range []struct {
		email, password, group string
	}{
		{"lead@lmi.example.org", "second-Passw0rd!", "staff"},
		{"reader@lmi.example.org", "reader-Passw0rd!", "reviewer"},
	} {
		t.Run(tt.group, func(t *testing.T) {
			tok, err := localaws.SignIn(ctx, endpoint, first.ClientID, tt.email, tt.password)
			if err != nil {
				t.Fatal(err)
			}
			claims := payload(t, tok.AccessToken)
			if claims["token_use"] != "access" || claims["client_id"] != first.ClientID || claims["iss"] != first.Issuer ||
				!slices.Contains(claims["cognito:groups"].([]any), any(tt.group)) {
				t.Errorf("access token claims %v", claims)
			}
			if id := payload(t, tok.IDToken); id["email"] != tt.email || id["aud"] != first.ClientID {
				t.Errorf("ID token claims %v", id)
			}
			if tok.RefreshToken == "" {
				t.Error("no refresh token")
			}
		})
	}
}

// payload decodes a JWT's claims without checking it: the test looks at
// what cognito-local issues; the verifiers check signatures.
func payload(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
