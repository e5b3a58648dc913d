package main

import (
	"context"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localaws"
)

func TestJoinRunning(t *testing.T) {
	running := runState{Cognito: "http://127.0.0.1:9229", Email: "staff@lmi.example.org", Password: "Printed-1",
		Users: []localaws.CognitoUser{{Email: "staff@lmi.example.org", Password: "Printed-1", Groups: []string{deploy.RoleStaff}},
			{Email: "checkin@lmi.example.org", Password: "Printed-2", Groups: []string{deploy.RoleCheckIn}}},
		TokenSecret: "running-secret"}
	fresh := func() settings {
		return settings{CognitoEndpoint: "http://127.0.0.1:9229", TokenSecret: "new-secret",
			Users: []localaws.CognitoUser{{Email: "staff@lmi.example.org", Password: "Random-9", Groups: []string{deploy.RoleStaff}}}}
	}
	s := fresh()
	if !joinRunning(&s, running) || len(s.Users) != 2 || s.Users[0].Password != "Printed-1" || s.Users[1].Password != "Printed-2" ||
		s.TokenSecret != "running-secret" {
		t.Errorf("joined: %+v", s)
	}
	s = fresh()
	s.CognitoEndpoint = "http://127.0.0.1:9999"
	if joinRunning(&s, running) || s.Users[0].Password != "Random-9" {
		t.Errorf("another pool was joined: %+v", s)
	}
	s = fresh()
	old := running
	old.Users, old.TokenSecret = nil, ""
	if !joinRunning(&s, old) || len(s.Users) != 1 || s.Users[0].Password != "Printed-1" || s.TokenSecret != "new-secret" {
		t.Errorf("an older run state: %+v", s)
	}
}

// TestInvokeKeepsTheRunningPasswords: setting up the pool again, as
// `make invoke` does beside a running `make run`, with the running
// system's users leaves the printed passwords working.
func TestInvokeKeepsTheRunningPasswords(t *testing.T) {
	if testing.Short() {
		t.Skip("starts cognito-local")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	proc, err := localaws.StartCognito(ctx, localaws.CognitoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Stop()
	users := []localaws.CognitoUser{{Email: "staff@lmi.example.org", Password: "Printed-Passw0rd-1", Groups: []string{deploy.RoleStaff}},
		{Email: "checkin@lmi.example.org", Password: "Printed-Passw0rd-2", Groups: []string{deploy.RoleCheckIn}}}
	setup := localaws.CognitoSetup{PoolName: "convenings-staff", ClientName: "console", Groups: deploy.Roles, Users: users,
		CallbackURLs: []string{"http://127.0.0.1:8080/staff/callback"}, LogoutURLs: []string{"http://127.0.0.1:8080/staff/signed-out"}}
	pool, err := localaws.SetupCognito(ctx, proc.Endpoint(), setup) // make run
	if err != nil {
		t.Fatal(err)
	}
	// make invoke: fresh settings with random passwords, joined to the run.
	s := settings{CognitoEndpoint: proc.Endpoint(),
		Users: []localaws.CognitoUser{{Email: "staff@lmi.example.org", Password: "Random-Passw0rd-9", Groups: []string{deploy.RoleStaff}}}}
	if !joinRunning(&s, runState{Cognito: pool.Endpoint, ClientID: pool.ClientID, Users: users}) {
		t.Fatal("did not join the running system")
	}
	setup.Users = s.Users
	if _, err := localaws.SetupCognito(ctx, proc.Endpoint(), setup); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if _, err := localaws.SignIn(ctx, pool.Endpoint, pool.ClientID, u.Email, u.Password); err != nil {
			t.Errorf("%s no longer signs in with the printed password: %v", u.Email, err)
		}
	}
}
