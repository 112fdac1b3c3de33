package bus

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
)

// Idempotency keys: a client that sends a creating request again (its
// answer was lost) with the same key gets the first answer instead of a
// second object. The key travels from the front to the module as the NATS
// header HeaderIdempotencyKey; the module's use case runs in Once, which
// records the key and the answer in the module's own schema
// (<module>.idempotency_keys), in the transaction that creates the object:
// the record exists if and only if the object does, on every node.
const (
	// HeaderIdempotencyKey carries the client's Idempotency-Key (the HTTP
	// header of the same name, its value decoded) to the module.
	HeaderIdempotencyKey = "Idempotency-Key"
	// MaxIdempotencyKeyLen bounds a key, in bytes (printable ASCII).
	MaxIdempotencyKeyLen = 255
	// IdempotencyWindow is how long a key is remembered.
	IdempotencyWindow = 24 * time.Hour
)

// CodeIdempotencyKeyReused: the Idempotency-Key was used before for a
// different request (another body, or another operation); 422 at the
// front, as the IETF draft "The Idempotency-Key HTTP Header Field" asks.
const CodeIdempotencyKeyReused Code = "idempotency_key_reused"

type outgoingKey struct{}

// WithIdempotencyKey returns a context whose requests (Request) carry key
// in the HeaderIdempotencyKey header. The front sets it for operations
// that take the header; "" sends none.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, outgoingKey{}, key)
}

func setIdempotencyKey(ctx context.Context, hdr nats.Header) {
	if k, _ := ctx.Value(outgoingKey{}).(string); k != "" {
		hdr.Set(HeaderIdempotencyKey, k)
	}
}

// keyedRequest is an incoming request that carries an idempotency key:
// the key, the operation (the subject) and a fingerprint of the request.
type keyedRequest struct {
	key, op     string
	fingerprint [32]byte
}

type incomingKey struct{}

// withKeyedRequest puts the key of an incoming request into its context,
// for Once. It is kept apart from WithIdempotencyKey: the requests a
// handler makes in turn do not carry the key on.
func withKeyedRequest(ctx context.Context, m *Msg) context.Context {
	key := m.Header.Get(HeaderIdempotencyKey)
	if key == "" {
		return ctx
	}
	h := sha256.New()
	h.Write([]byte(m.Subject))
	h.Write([]byte{0})
	h.Write(m.Data)
	r := keyedRequest{key: key, op: m.Subject}
	h.Sum(r.fingerprint[:0])
	return context.WithValue(ctx, incomingKey{}, r)
}

// Idempotency keeps the idempotency keys of one module, in the table
// <schema>.idempotency_keys. Answers are stored sealed (AES-256-GCM with a
// key derived from the process's secret key): they may hold secrets, such
// as a share link's token, that the module otherwise keeps only hashed.
type Idempotency struct {
	pool   *pgxpool.Pool
	schema string
	table  string
	aead   cipher.AEAD
}

// NewIdempotency returns the keeper of schema's idempotency keys; secret
// is the 32-byte secret key of the process.
func NewIdempotency(pool *pgxpool.Pool, schema string, secret []byte) (*Idempotency, error) {
	if len(secret) != 32 {
		return nil, errors.New("bus: idempotency: the secret key must be 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "athlos idempotency answers "+schema+" v1", 32)
	if err != nil {
		return nil, fmt.Errorf("bus: idempotency: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("bus: idempotency: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("bus: idempotency: %w", err)
	}
	return &Idempotency{pool: pool, schema: schema, table: pgx.Identifier{schema, "idempotency_keys"}.Sanitize(), aead: aead}, nil
}

var (
	errKeyInProgress = &Error{Code: CodeConflict,
		Message: "a request with this Idempotency-Key is still being processed; try again in a moment"}
	errKeyReused = &Error{Code: CodeIdempotencyKeyReused,
		Message: "this Idempotency-Key was used for a different request in the last 24 hours; use a new key for a new request",
		Fields:  []FieldError{{Field: "header.Idempotency-Key", Reason: "used before with a different request"}}}
	errKeyWithoutCaller = &Error{Code: CodeUnauthorized, Message: "an Idempotency-Key needs a signed-in caller"}
)

// Once runs fn, a use case that creates something, in a transaction on
// pool, and commits it.
//
// When the request carries an idempotency key (the front passes the
// client's Idempotency-Key), the key is the caller's, for this operation:
// Once first looks it up in the transaction. A key seen in the last 24
// hours with the same request returns the first answer, and fn does not
// run; with another request (another body or operation) it is refused
// (CodeIdempotencyKeyReused). A new key runs fn and records the key with
// fn's answer in the same transaction, so the record exists if and only
// if fn's changes were committed. While the first request with the key is
// running, another one with it is refused at once (CodeConflict): never
// do both create. An error of fn records nothing (it changed nothing), and the
// same key may be tried again.
//
// keys may be nil in a module that takes no keys; a keyed request is then
// an internal error.
func Once[T any](ctx context.Context, pool *pgxpool.Pool, keys *Idempotency, fn func(tx pgx.Tx) (T, error)) (T, error) {
	var out T
	req, keyed := ctx.Value(incomingKey{}).(keyedRequest)
	if keyed && keys == nil {
		return out, errors.New("bus: an Idempotency-Key came to a service that keeps none")
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return out, fmt.Errorf("bus: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if !keyed {
		if out, err = fn(tx); err != nil {
			return out, err
		}
		if err := tx.Commit(ctx); err != nil {
			return out, fmt.Errorf("bus: commit: %w", err)
		}
		return out, nil
	}
	user, err := RequireUserID(ctx)
	if err != nil {
		return out, errKeyWithoutCaller
	}
	replay, found, err := keys.claim(ctx, tx, user, req)
	if err != nil {
		return out, err
	}
	if found {
		if err := json.Unmarshal(replay, &out); err != nil {
			return out, fmt.Errorf("bus: idempotency: decode the stored answer: %w", err)
		}
		return out, nil
	}
	if out, err = fn(tx); err != nil {
		return out, err
	}
	answer, err := json.Marshal(out)
	if err != nil {
		return out, fmt.Errorf("bus: idempotency: encode the answer: %w", err)
	}
	if err := keys.record(ctx, tx, user, req, answer); err != nil {
		return out, err
	}
	if err := tx.Commit(ctx); err != nil {
		return out, fmt.Errorf("bus: commit: %w", err)
	}
	return out, nil
}

// claim takes the key for this transaction and looks it up: the first
// answer when the key was used for the same request, found false when it
// is new (the caller then runs the use case and records it).
//
// The key is taken with a transaction-scoped advisory lock on its hash,
// without waiting: while another request holds it, the key is either in
// use by the first request, still running (409: try again), or by a retry
// of a request already committed, whose answer is read without the lock.
func (k *Idempotency) claim(ctx context.Context, tx pgx.Tx, user uuid.UUID, req keyedRequest) ([]byte, bool, error) {
	var taken bool
	if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", k.lockID(user, req)).Scan(&taken); err != nil {
		return nil, false, fmt.Errorf("bus: idempotency: lock key: %w", err)
	}
	var fingerprint, sealed []byte
	var live bool
	err := tx.QueryRow(ctx, "SELECT fingerprint, answer, expires_at > now() FROM "+k.table+
		" WHERE user_id = $1 AND operation = $2 AND key = $3", user, req.op, req.key).Scan(&fingerprint, &sealed, &live)
	found := err == nil
	switch {
	case err != nil && !errors.Is(err, pgx.ErrNoRows):
		return nil, false, fmt.Errorf("bus: idempotency: look up key: %w", err)
	case !taken && (!found || !live):
		return nil, false, errKeyInProgress
	case !found:
		return nil, false, nil
	case !live: // expired, not swept yet: the key is new again
		if _, err := tx.Exec(ctx, "DELETE FROM "+k.table+" WHERE user_id = $1 AND operation = $2 AND key = $3",
			user, req.op, req.key); err != nil {
			return nil, false, fmt.Errorf("bus: idempotency: drop expired key: %w", err)
		}
		return nil, false, nil
	case !bytes.Equal(fingerprint, req.fingerprint[:]):
		return nil, false, errKeyReused
	}
	answer, err := k.open(sealed, user, req)
	if err != nil {
		// Sealed under another secret key (one lost and made anew): the
		// request was done, but its answer can't be given again.
		return nil, false, &Error{Code: CodeConflict,
			Message: "this Idempotency-Key was used for this request, whose answer can no longer be read: look the object up, or send a new request with a new key"}
	}
	return answer, true, nil
}

// record stores the key with the answer, sealed, until the window ends.
func (k *Idempotency) record(ctx context.Context, tx pgx.Tx, user uuid.UUID, req keyedRequest, answer []byte) error {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("bus: idempotency: nonce: %w", err)
	}
	sealed := k.aead.Seal(nonce, nonce, answer, k.additionalData(user, req))
	_, err := tx.Exec(ctx, "INSERT INTO "+k.table+" (user_id, operation, key, fingerprint, answer, expires_at)"+
		" VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))",
		user, req.op, req.key, req.fingerprint[:], sealed, IdempotencyWindow.Seconds())
	if err != nil {
		return fmt.Errorf("bus: idempotency: record key: %w", err)
	}
	return nil
}

func (k *Idempotency) open(sealed []byte, user uuid.UUID, req keyedRequest) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("bus: idempotency: stored answer too short")
	}
	answer, err := k.aead.Open(nil, sealed[:n], sealed[n:], k.additionalData(user, req))
	if err != nil {
		return nil, fmt.Errorf("bus: idempotency: open the stored answer (another secret key?): %w", err)
	}
	return answer, nil
}

// additionalData binds a sealed answer to its row.
func (k *Idempotency) additionalData(user uuid.UUID, req keyedRequest) []byte {
	return []byte(k.schema + "\x00" + user.String() + "\x00" + req.op + "\x00" + req.key)
}

// lockID is the advisory lock of a key: 64 bits of a hash of the schema,
// user, operation and key (a collision makes one of two unrelated
// requests wait for a retry, nothing worse).
func (k *Idempotency) lockID(user uuid.UUID, req keyedRequest) int64 {
	h := sha256.Sum256(k.additionalData(user, req))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

// sweepBatch bounds the rows one statement of Sweep deletes.
const sweepBatch = 1000

// Sweep deletes the expired keys, a batch at a time, and returns how many.
func (k *Idempotency) Sweep(ctx context.Context) (int64, error) {
	var total int64
	for {
		tag, err := k.pool.Exec(ctx, "DELETE FROM "+k.table+" WHERE ctid = ANY (ARRAY(SELECT ctid FROM "+k.table+
			" WHERE expires_at <= now() LIMIT $1))", sweepBatch)
		if err != nil {
			return total, fmt.Errorf("bus: idempotency: sweep %s: %w", k.schema, err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < sweepBatch {
			return total, nil
		}
	}
}
