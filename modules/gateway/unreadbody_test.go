package gateway_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/gateway"
)

// An answer given before the request body was read (no token: 401; a
// compressed body: 415; a size refused: 413) never leaves the body to be
// read as the next request on the connection: a small body is read and
// the connection carries the next request, a large one closes it. Before,
// a 100 KB body after a 401 came back as a 431 for a request nobody sent,
// and a request pipelined behind it was lost; behind a proxy that shares
// connections, one client's body would be answered as another's request.
func TestAnUnreadBodyIsNeverTheNextRequest(t *testing.T) {
	type input struct {
		Body struct {
			Name string `json:"name"`
		}
	}
	routes := httpkit.RoutesFunc(func(a huma.API) {
		for path, limit := range map[string]int64{"/v1/take": 4 << 20, "/v1/small": 4 << 10} {
			huma.Register(a, huma.Operation{OperationID: path[4:], Method: http.MethodPost, Path: path,
				Security: httpkit.Authenticated, MaxBodyBytes: limit}, func(context.Context, *input) (*struct{}, error) {
				return &struct{}{}, nil
			})
		}
	})
	f, err := gateway.New(gateway.FrontConfig{Addr: "127.0.0.1:0"}, slog.New(slog.DiscardHandler), nil, nil, []httpkit.Routes{routes})
	require.NoError(t, err)
	require.NoError(t, f.Start(context.Background()))
	t.Cleanup(func() { _ = f.Stop(context.Background()) })

	// send writes a request to path with a body of n bytes and a
	// pipelined GET /livez, reads answers, and returns their statuses and
	// whether the server then closed the connection.
	send := func(path, headers string, n int) (statuses []int, closed bool) {
		t.Helper()
		c, err := net.Dial("tcp", f.Addr())
		require.NoError(t, err)
		defer c.Close()
		body := `{"name":"` + strings.Repeat("a", n-11) + `"}`
		go func() {
			_, _ = fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s",
				path, headers, len(body), body)
			_, _ = fmt.Fprintf(c, "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
		}()
		br := bufio.NewReader(c)
		for {
			// An open connection with nothing more to say is still open
			// after a moment; a closed one says EOF.
			require.NoError(t, c.SetReadDeadline(time.Now().Add(3*time.Second)))
			if _, err := br.Peek(1); err != nil {
				var ne net.Error
				return statuses, !(errors.As(err, &ne) && ne.Timeout())
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				return statuses, true
			}
			statuses = append(statuses, resp.StatusCode)
			_ = resp.Body.Close()
		}
	}
	for name, c := range map[string]struct {
		path, headers string
		n             int
		want          []int
		closed        bool
	}{
		"no token, a small body":            {"/v1/take", "", 2 << 10, []int{401, 200}, false},
		"no token, a body of 100 KB":        {"/v1/take", "", 100 << 10, []int{401, 200}, false},
		"no token, a body of 2 MB":          {"/v1/take", "", 2 << 20, []int{401}, true},
		"a compressed body":                 {"/v1/take", "Authorization: Bearer x.y.z\r\nContent-Encoding: gzip\r\n", 1 << 10, []int{415, 200}, false},
		"a body over the operation's 4 KiB": {"/v1/small", "Authorization: Bearer x.y.z\r\n", 8 << 10, []int{413}, true},
		"a body over every operation's":     {"/v1/take", "Authorization: Bearer x.y.z\r\n", 5 << 20, []int{413}, true},
	} {
		statuses, closed := send(c.path, c.headers, c.n)
		assert.Equal(t, c.want, statuses, name)
		assert.Equal(t, c.closed, closed, name)
	}
}
