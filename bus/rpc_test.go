package bus_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type echoReq struct {
	Name string `json:"name"`
}
type echoResp struct {
	Greeting  string `json:"greeting"`
	RequestID string `json:"request_id"`
}

func startEcho(t *testing.T, c *bus.Conn) *bus.Service {
	t.Helper()
	svc, err := bus.NewService(c.NC, bus.ServiceConfig{Module: "echo", Version: "1.2.3"}, bustest.Logger(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	require.NoError(t, svc.Handle("greeting.get", bus.JSON(func(ctx context.Context, r echoReq) (echoResp, error) {
		switch r.Name {
		case "":
			return echoResp{}, bus.Invalid("name", "is required")
		case "panic":
			panic("boom")
		case "secret":
			return echoResp{}, errors.New("db password is hunter2")
		case "slow":
			<-ctx.Done()
			return echoResp{}, ctx.Err()
		}
		return echoResp{Greeting: "hello " + r.Name, RequestID: bus.RequestID(ctx)}, nil
	})))
	return svc
}

func TestRPCRoundTripAndErrors(t *testing.T) {
	t.Parallel()
	srv := bustest.Server(t)
	caller, callee := bustest.Conn(t, srv), bustest.Conn(t, srv)
	startEcho(t, callee)
	ctx := bus.WithRequestID(context.Background(), "req-42")
	subject := bus.RPCSubject("echo", "greeting.get")

	resp, err := bus.Call[echoReq, echoResp](ctx, caller.NC, subject, echoReq{Name: "ana"})
	require.NoError(t, err)
	assert.Equal(t, echoResp{Greeting: "hello ana", RequestID: "req-42"}, resp)

	_, err = bus.Call[echoReq, echoResp](ctx, caller.NC, subject, echoReq{})
	var be *bus.Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, bus.CodeInvalid, be.Code)
	require.Len(t, be.Fields, 1)
	assert.Equal(t, bus.FieldError{Field: "name", Reason: "is required"}, be.Fields[0])

	// An error without a code never leaks its text.
	_, err = bus.Call[echoReq, echoResp](ctx, caller.NC, subject, echoReq{Name: "secret"})
	require.ErrorAs(t, err, &be)
	assert.Equal(t, bus.CodeInternal, be.Code)
	assert.NotContains(t, be.Message, "hunter2")

	// A panicking handler answers internal and the service keeps serving.
	_, err = bus.Call[echoReq, echoResp](ctx, caller.NC, subject, echoReq{Name: "panic"})
	assert.Equal(t, bus.CodeInternal, bus.CodeOf(err))
	_, err = bus.Call[echoReq, echoResp](ctx, caller.NC, subject, echoReq{Name: "again"})
	assert.NoError(t, err)

	// Malformed bodies are invalid, not internal.
	_, err = bus.Request(ctx, caller.NC, subject, []byte("{nope"), nil)
	assert.Equal(t, bus.CodeInvalid, bus.CodeOf(err))

	// Every service answers its status.
	st, err := bus.Call[struct{}, bus.ModuleStatus](ctx, caller.NC, bus.RPCSubject("echo", "status.get"), struct{}{})
	require.NoError(t, err)
	assert.Equal(t, "echo", st.Module)
	assert.Equal(t, "1.2.3", st.Version)
}

func TestRPCUnavailable(t *testing.T) {
	t.Parallel()
	srv := bustest.Server(t)
	c := bustest.Conn(t, srv)

	// Nobody serves the subject: unavailable at once, not after the timeout.
	start := time.Now()
	_, err := bus.Request(context.Background(), c.NC, bus.RPCSubject("nobody", "thing.get"), nil, nil)
	var be *bus.Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, bus.CodeUnavailable, be.Code)
	assert.Less(t, time.Since(start), bus.DefaultRequestTimeout)

	// A handler that does not answer in time: unavailable when the caller's
	// deadline passes.
	startEcho(t, bustest.Conn(t, srv))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = bus.Call[echoReq, echoResp](ctx, c.NC, bus.RPCSubject("echo", "greeting.get"), echoReq{Name: "slow"})
	assert.Equal(t, bus.CodeUnavailable, bus.CodeOf(err))
}

func TestRPCSharesLoadAcrossProcessesAndConcurrently(t *testing.T) {
	t.Parallel()
	srv := bustest.Server(t)
	caller := bustest.Conn(t, srv)
	startEcho(t, bustest.Conn(t, srv))
	startEcho(t, bustest.Conn(t, srv))

	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := bus.Call[echoReq, echoResp](context.Background(), caller.NC, bus.RPCSubject("echo", "greeting.get"), echoReq{Name: "x"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestRPCCarriesTheCaller(t *testing.T) {
	t.Parallel()
	srv := bustest.Server(t)
	caller, callee := bustest.Conn(t, srv), bustest.Conn(t, srv)
	svc, err := bus.NewService(callee.NC, bus.ServiceConfig{Module: "who"}, bustest.Logger(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	require.NoError(t, svc.Handle("me.get", bus.JSON(func(ctx context.Context, _ struct{}) (bus.Caller, error) {
		return bus.RequireCaller(ctx)
	})))
	subject := bus.RPCSubject("who", "me.get")

	_, err = bus.Call[struct{}, bus.Caller](context.Background(), caller.NC, subject, struct{}{})
	assert.Equal(t, bus.CodeUnauthorized, bus.CodeOf(err), "anonymous requests carry no caller")

	want := bus.Caller{UserID: "u-1", Role: "admin", SessionID: "s-1"}
	got, err := bus.Call[struct{}, bus.Caller](bus.WithCaller(context.Background(), want), caller.NC, subject, struct{}{})
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestCodeOf(t *testing.T) {
	assert.Equal(t, bus.Code(""), bus.CodeOf(nil))
	assert.Equal(t, bus.CodeInternal, bus.CodeOf(errors.New("x")))
	assert.Equal(t, bus.CodeConflict, bus.CodeOf(fmt.Errorf("wrapped: %w", bus.Errorf(bus.CodeConflict, "taken"))))
	assert.Equal(t, bus.CodeUnavailable, bus.CodeOf(context.DeadlineExceeded))
}

// An operation is served by its declared subject; another module's
// subject is refused.
func TestHandleSubject(t *testing.T) {
	t.Parallel()
	c := bustest.Conn(t, bustest.Server(t))
	svc, err := bus.NewService(c.NC, bus.ServiceConfig{Module: "echo"}, bustest.Logger(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	require.NoError(t, svc.HandleSubject("rpc.echo.words.say", func(_ context.Context, m *bus.Msg) ([]byte, error) {
		return m.Data, nil
	}))
	out, err := bus.Request(context.Background(), c.NC, "rpc.echo.words.say", []byte(`"hi"`), nil)
	require.NoError(t, err)
	assert.Equal(t, `"hi"`, string(out))
	for _, bad := range []string{"rpc.other.words.say", "evt.echo.said", "rpc.echo."} {
		assert.Error(t, svc.HandleSubject(bad, func(context.Context, *bus.Msg) ([]byte, error) { return nil, nil }), bad)
	}
}

// AsCaller answers on behalf of the caller only; HandleSubjects serves a
// map of them; ParseID names the field of an id that is not one.
func TestAsCallerAndHandleSubjects(t *testing.T) {
	t.Parallel()
	srv := bustest.Server(t)
	caller, callee := bustest.Conn(t, srv), bustest.Conn(t, srv)
	svc, err := bus.NewService(callee.NC, bus.ServiceConfig{Module: "who"}, bustest.Logger(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	require.NoError(t, svc.HandleSubjects(map[string]bus.HandlerFunc{
		"rpc.who.id.get": bus.AsCaller(func(_ context.Context, user uuid.UUID, in echoReq) (echoResp, error) {
			id, err := bus.ParseID("name", in.Name)
			return echoResp{Greeting: user.String() + " " + id.String()}, err
		}),
		"rpc.who.raw.get": bus.AsCallerEncoded(func(_ context.Context, user uuid.UUID, _ struct{}) ([]byte, error) {
			return []byte(`"` + user.String() + `"`), nil
		}),
	}))
	_, err = bus.Call[echoReq, echoResp](context.Background(), caller.NC, "rpc.who.id.get", echoReq{})
	assert.Equal(t, bus.CodeUnauthorized, bus.CodeOf(err))
	_, err = bus.Request(context.Background(), caller.NC, "rpc.who.raw.get", []byte(`{}`), nil)
	assert.Equal(t, bus.CodeUnauthorized, bus.CodeOf(err))

	user, other := uuid.New(), uuid.New()
	ctx := bus.WithCaller(context.Background(), bus.Caller{UserID: user.String()})
	got, err := bus.Call[echoReq, echoResp](ctx, caller.NC, "rpc.who.id.get", echoReq{Name: other.String()})
	require.NoError(t, err)
	assert.Equal(t, user.String()+" "+other.String(), got.Greeting)
	_, err = bus.Call[echoReq, echoResp](ctx, caller.NC, "rpc.who.id.get", echoReq{Name: "nope"})
	var be *bus.Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, bus.CodeInvalid, be.Code)
	assert.Equal(t, "name", be.Fields[0].Field)
	raw, err := bus.Request(ctx, caller.NC, "rpc.who.raw.get", []byte(`{}`), nil)
	require.NoError(t, err)
	assert.Equal(t, `"`+user.String()+`"`, string(raw))
	assert.Error(t, svc.HandleSubjects(map[string]bus.HandlerFunc{"rpc.other.x.get": bus.AsCaller(
		func(context.Context, uuid.UUID, struct{}) (struct{}, error) { return struct{}{}, nil })}), "another module's subject")
}
