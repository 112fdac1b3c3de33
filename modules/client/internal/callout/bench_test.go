package callout_test

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/modules/client/internal/auth"
)

// BenchmarkWebSocketConnect measures app connections through the auth
// callout: one op is a WebSocket connect (TCP, HTTP upgrade, CONNECT with
// the access token, the server's signed request, token verification,
// grants, the signed user JWT, the server's checks) plus its close. The
// NATS server, the callout and the clients share the machine.
//
//	go test ./modules/client/internal/callout -run '^$' -bench WebSocketConnect -benchtime 3s
//
// no-grants: social and training are not running (no responders);
// with-grants: both answer, granting 5 chat groups and 1 session.
func BenchmarkWebSocketConnect(b *testing.B) {
	for _, grants := range []bool{false, true} {
		name := "no-grants"
		if grants {
			name = "with-grants"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, nil)
			if grants {
				for subject, granted := range map[string][]string{
					socialSource.Subject:   {"chat.g1", "chat.g2", "chat.g3", "chat.g4", "chat.g5"},
					trainingSource.Subject: {"live.watch.s1"},
				} {
					data, _ := json.Marshal(grantsReply{Subscribe: granted})
					if _, err := e.svc.NC.Subscribe(subject, func(m *nats.Msg) { _ = m.Respond(data) }); err != nil {
						b.Fatal(err)
					}
				}
				if err := e.svc.NC.Flush(); err != nil {
					b.Fatal(err)
				}
			}
			// Tokens of 64 users, made before the clock starts.
			type user struct {
				id    uuid.UUID
				token string
			}
			users := make([]user, 64)
			for i := range users {
				users[i].id = uuid.New()
				users[i].token = e.token(users[i].id, auth.AccessTokenTTL)
			}
			connect := func(u user) error {
				nc, err := nats.Connect(e.wsURL, nats.Token(u.token), nats.CustomInboxPrefix("_INBOX_"+u.id.String()),
					nats.NoReconnect(), nats.Timeout(10*time.Second))
				if err != nil {
					return err
				}
				nc.Close()
				return nil
			}
			for _, par := range []int{1, 16} {
				b.Run(fmt.Sprintf("clients=%d", par), func(b *testing.B) {
					var next atomic.Int64
					start := time.Now()
					if par == 1 {
						i := 0
						for b.Loop() {
							if err := connect(users[i%len(users)]); err != nil {
								b.Fatal(err)
							}
							i++
						}
					} else {
						b.SetParallelism(par)
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								if err := connect(users[int(next.Add(1))%len(users)]); err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
					b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "connects/s")
				})
			}
		})
	}
}
