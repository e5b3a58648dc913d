package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/deployment"
	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/localrun"
)

// measureHTTP runs the rushes again through the local runner's API
// Gateway stand-in behind a real HTTP listener on 127.0.0.1: what HTTP,
// the gateway's event JSON and Lambda's decoder add to the handler path.
func measureHTTP(ctx context.Context, l *lab, rep *report) error {
	c := rep.config
	type step struct {
		name                  string
		teams, capacity, envs int
	}
	steps := []step{
		{fmt.Sprintf("HTTP, seats available, %d environments", c.environments), c.teams, 8 * c.teams, c.environments},
		{fmt.Sprintf("HTTP, %d seats, %d environments", c.capacity, c.environments), c.teams, c.capacity, c.environments},
		{"HTTP, seats available, 1 environment (make run's default)", c.teams / 4, 2 * c.teams, 1},
	}
	var fns []func() (*rushResult, error)
	for _, s := range steps {
		fns = append(fns, func() (*rushResult, error) {
			return httpRush(ctx, l, s.name, c.clients, s.teams, s.capacity, s.envs)
		})
	}
	return runRounds(ctx, l, rep, fns)
}

// httpRush serves the HTTP functions, wired from the environment by
// deployment.Handler as in Lambda, through a localrun.Gateway with envs
// execution environments per function, and registers teams over HTTP.
func httpRush(ctx context.Context, l *lab, name string, clients, teams, capacity, envs int) (*rushResult, error) {
	table, err := l.newTable(ctx, "http")
	if err != nil {
		return nil, err
	}
	defer l.dropTable(ctx, table)
	if err := os.Setenv(deployment.EnvTableName, table); err != nil {
		return nil, err
	}
	typed := map[string]any{}
	fns := map[string]lambda.Handler{}
	for _, rt := range httpapi.Routes {
		if typed[rt.Function] != nil {
			continue
		}
		h, err := deployment.Handler(ctx, rt.Function)
		if err != nil {
			return nil, err
		}
		typed[rt.Function], fns[rt.Function] = h, lambda.NewHandler(h)
	}
	gw, err := localrun.NewGateway(httpapi.Routes, fns, localrun.GatewayOptions{
		Logger:         slog.New(slog.DiscardHandler),
		Environments:   envs,
		NewEnvironment: func(fn string) lambda.Handler { return lambda.NewHandler(typed[fn]) },
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	a := l.newAPI(table)
	eventID := "rush"
	if err := a.createEvent(ctx, eventID, capacity); err != nil {
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 2 * time.Minute}
	defer client.CloseIdleConnections()
	url := "http://" + ln.Addr().String() + "/api/events/" + eventID + "/registrations"
	bodies := teamBodies(fmt.Sprintf("w%d", time.Now().UnixNano()), teams)
	answers := make([]registration, teams)
	r, err := rush(clients, teams, func(i int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(bodies[i]))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		answers[i] = parseRegistration(resp.StatusCode, b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := &rushResult{name: name, run: r, answers: answers, capacity: capacity, environment: envs}
	res.classify()
	res.problems, res.checked, err = checkTable(ctx, l.client, table, eventID, answers)
	return res, err
}
