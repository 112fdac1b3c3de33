package bus_test

import (
	"context"
	"testing"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

// BenchmarkRequest is one RPC round trip over in-process connections:
// caller → embedded NATS → module service → back, many in parallel.
// Run: go test ./bus -run '^$' -bench Request -benchmem
func BenchmarkRequest(b *testing.B) {
	srv := bustest.Server(b)
	caller, callee := bustest.Conn(b, srv), bustest.Conn(b, srv)
	svc, err := bus.NewService(callee.NC, bus.ServiceConfig{Module: "bench"}, bustest.Logger(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = svc.Stop(context.Background()) })
	reply := []byte(`{"ok":true}`)
	if err := svc.HandleInline("thing.get", func(context.Context, *bus.Msg) ([]byte, error) { return reply, nil }); err != nil {
		b.Fatal(err)
	}
	if err := svc.Handle("thing.slow", func(context.Context, *bus.Msg) ([]byte, error) { return reply, nil }); err != nil {
		b.Fatal(err)
	}
	for _, op := range []string{"thing.get", "thing.slow"} {
		subject := bus.RPCSubject("bench", op)
		b.Run(op, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(32)
			b.RunParallel(func(pb *testing.PB) {
				ctx := bus.WithRequestID(context.Background(), "bench")
				for pb.Next() {
					if _, err := bus.Request(ctx, caller.NC, subject, nil, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
