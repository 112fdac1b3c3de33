package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/platform"
)

// BenchmarkLoginTwoFactor is a whole login with two-factor sign-in on:
// POST /v1/auth/login (argon2id, then a challenge) and POST
// /v1/auth/login/2fa with a TOTP code, measured as one. A code works
// once, so each connection takes turns among 16 users, and the second
// factor's clock runs 30 times faster than the real one (a 30-second step
// every second): a user's next login finds a new code. Run:
// go test ./modules/client/httpapi -run '^$' -bench LoginTwoFactor -benchtime 1x
func BenchmarkLoginTwoFactor(b *testing.B) {
	start, base := time.Now(), time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return base.Add(time.Since(start) * 30) }
	a := apptest.StartConfig(b, func(_ *platform.Config, m *modules.Configs) { m.Client.Now = clock }, "client")
	addr := strings.TrimPrefix(a.BaseURL, "http://")
	var workers []loadgen.Func
	var all []totpUser
	for i := 0; i < 8; i++ {
		var users []totpUser
		for j := 0; j < 16; j++ {
			email := fmt.Sprintf("u%d-%d@example.com", i, j)
			tok := a.SignUp(email)
			r := a.Do(http.MethodPost, "/v1/me/2fa/totp", tok.AccessToken, nil)
			var e api.TOTPEnrolment
			r.JSON(b, &e)
			step := auth.TOTPStep(clock())
			code, err := auth.TOTPCode(e.Secret, step)
			if err != nil {
				b.Fatal(err)
			}
			if r := a.Do(http.MethodPost, "/v1/me/2fa/totp/confirm", tok.AccessToken, map[string]any{"code": code, "password": apptest.Password}); r.Status != http.StatusOK {
				b.Fatalf("confirm: %d %s", r.Status, r.Body)
			}
			users = append(users, totpUser{email: email, secret: e.Secret, last: step})
		}
		all = append(all, users...)
		workers = append(workers, twoFactorWorker(addr, users, clock))
	}
	// Warm-up: a user whose code confirmed the enrolment in the current
	// step waits for the next one.
	loadgen.Closed(context.Background(), workers, time.Second)
	for b.Loop() {
		report(b, "login with 2FA, 8 connections", loadgen.Closed(context.Background(), workers, 5*time.Second))
	}
	// One connection takes turns among all the users (among 16, it would
	// wait for new steps); each may have used the current step.
	for i := range all {
		all[i].last = auth.TOTPStep(clock())
	}
	one := []loadgen.Func{twoFactorWorker(addr, all, clock)}
	loadgen.Closed(context.Background(), one, time.Second)
	report(b, "login with 2FA, 1 connection", loadgen.Closed(context.Background(), one, 3*time.Second))
}

// totpUser is an account with two-factor sign-in on, and the last step
// whose code it used.
type totpUser struct {
	email, secret string
	last          int64
}

// twoFactorWorker signs in as each of users in turn, with the password
// and a TOTP code, on its own keep-alive connection; it waits for a step
// after the last one a user's code was of (rarely: the users take turns).
func twoFactorWorker(addr string, users []totpUser, clock func() time.Time) loadgen.Func {
	hc := &fasthttp.HostClient{Addr: addr, MaxConns: 1, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	post := func(path, body string, want int) ([]byte, error) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI("http://" + addr + path)
		req.Header.SetMethod(http.MethodPost)
		req.Header.SetContentType("application/json")
		req.SetBodyString(body)
		if err := hc.Do(req, resp); err != nil {
			return nil, err
		}
		if resp.StatusCode() != want {
			return nil, fmt.Errorf("%s: %d: %s", path, resp.StatusCode(), resp.Body())
		}
		return append([]byte(nil), resp.Body()...), nil
	}
	next := 0
	return func() error {
		u := &users[next%len(users)]
		next++
		body, err := post("/v1/auth/login", `{"email":"`+u.email+`","password":"`+apptest.Password+`"}`, http.StatusUnauthorized)
		if err != nil {
			return err
		}
		var p struct {
			Details api.SecondFactorChallenge `json:"details"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			return err
		}
		step := auth.TOTPStep(clock())
		for step <= u.last {
			time.Sleep(5 * time.Millisecond)
			step = auth.TOTPStep(clock())
		}
		code, err := auth.TOTPCode(u.secret, step)
		if err != nil {
			return err
		}
		u.last = step
		_, err = post("/v1/auth/login/2fa", `{"challenge":"`+p.Details.Challenge+`","code":"`+code+`"}`, http.StatusOK)
		return err
	}
}
