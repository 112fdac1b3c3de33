package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/internal/lograte"
)

// Check states reported by /readyz.
const (
	checkOK      = "ok"
	checkFailed  = "failed"
	checkTimeout = "timeout"
)

// livez answers 200 while the process serves HTTP at all.
func (f *Front) livez(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.SendString(`{"status":"alive"}`)
}

type readyBody struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

type notReadyBody struct {
	httpkit.ProblemDetails
	Checks map[string]string `json:"checks"`
}

// readyz runs every check (in parallel, with a short deadline) and answers
// 200 {"status":"ready","checks":{...}} or 503 problem+json that names the
// failed checks. Errors are logged, not sent: they may name internal hosts.
func (f *Front) readyz(c *fiber.Ctx) error {
	rid := httpkit.RequestID(c.UserContext())
	if f.stopping.Load() {
		f.writeProblem(c, &httpkit.ProblemDetails{
			Title: http.StatusText(http.StatusServiceUnavailable), Status: http.StatusServiceUnavailable,
			Detail: "shutting down", Code: bus.CodeUnavailable,
		}, rid)
		return nil
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
	defer cancel()
	states, errs := runChecks(ctx, f.readinessChecks())

	var failed []string
	for name, st := range states {
		if st != checkOK {
			failed = append(failed, name)
		}
	}
	if len(failed) == 0 {
		body, err := json.Marshal(readyBody{Status: "ready", Checks: states})
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	}
	sort.Strings(failed)
	for _, name := range failed {
		l, _ := f.notReady.LoadOrStore(name, lograte.New(f.log, "readiness check failed: "+name))
		l.(*lograte.Failures).Fail(c.UserContext(), slog.LevelWarn, "state", states[name],
			"error", fmt.Sprint(errs[name]), "request_id", rid)
	}
	body, err := json.Marshal(notReadyBody{
		ProblemDetails: httpkit.ProblemDetails{
			Title:     http.StatusText(http.StatusServiceUnavailable),
			Status:    http.StatusServiceUnavailable,
			Detail:    "not ready: " + strings.Join(failed, ", "),
			Code:      bus.CodeUnavailable,
			RequestID: rid,
		},
		Checks: states,
	})
	if err != nil {
		return err
	}
	c.Status(http.StatusServiceUnavailable)
	c.Set(fiber.HeaderContentType, httpkit.ContentTypeProblem)
	return c.Send(body)
}

// runChecks runs the checks in parallel. A check still running when ctx ends
// is reported as timed out (its goroutine finishes on its own).
func runChecks(ctx context.Context, checks []Check) (map[string]string, map[string]error) {
	states := make(map[string]string, len(checks))
	errs := make(map[string]error)
	type result struct {
		i   int
		err error
	}
	results := make(chan result, len(checks))
	for i, chk := range checks {
		go func() {
			defer func() {
				if p := recover(); p != nil {
					results <- result{i, fmt.Errorf("panic: %v", p)}
				}
			}()
			results <- result{i, chk.Fn(ctx)}
		}()
	}
	for range checks {
		select {
		case r := <-results:
			name := checks[r.i].Name
			if r.err != nil {
				states[name] = checkFailed
				errs[name] = r.err
			} else {
				states[name] = checkOK
			}
		case <-ctx.Done():
			for _, chk := range checks {
				if _, done := states[chk.Name]; !done {
					states[chk.Name] = checkTimeout
					errs[chk.Name] = ctx.Err()
				}
			}
			return states, errs
		}
	}
	return states, errs
}
