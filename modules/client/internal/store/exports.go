package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// Export is a row of client.exports: a data export and its job.
type Export struct {
	ID          uuid.UUID
	UserID      uuid.UUID
	State       string // pending, running, ready, failed, expired
	RequestedAt time.Time
	Attempts    int
	ReadyAt     *time.Time
	ExpiresAt   *time.Time
	SizeBytes   *int64
	Parts       *int
	SHA256      []byte
	Error       *string
}

const exportColumns = `id, user_id, state, requested_at, attempts, ready_at, expires_at, size_bytes, parts, sha256, error`

func scanExport(row pgx.Row) (Export, error) {
	var e Export
	err := row.Scan(&e.ID, &e.UserID, &e.State, &e.RequestedAt, &e.Attempts, &e.ReadyAt, &e.ExpiresAt, &e.SizeBytes,
		&e.Parts, &e.SHA256, &e.Error)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, ErrNotFound
	}
	return e, err
}

// LatestExport returns the user's latest export; ErrNotFound when none.
func LatestExport(ctx context.Context, q storage.Querier, user uuid.UUID) (Export, error) {
	e, err := scanExport(q.QueryRow(ctx, `SELECT `+exportColumns+` FROM client.exports
		WHERE user_id = $1 ORDER BY requested_at DESC, id DESC LIMIT 1`, user))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return e, fmt.Errorf("store: latest export: %w", err)
	}
	return e, err
}

// LockUserExports takes the user's row lock for the transaction, so two
// requests for an export of the same user are decided one after the
// other.
func LockUserExports(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM client.users WHERE id = $1 FOR UPDATE`, user).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: lock user for export: %w", err)
	}
	return nil
}

// LastCountedExport is when the user last asked for an export that
// counts against the throttle (any but a failed one); zero when never.
func LastCountedExport(ctx context.Context, q storage.Querier, user uuid.UUID) (time.Time, error) {
	var at *time.Time
	err := q.QueryRow(ctx, `SELECT max(requested_at) FROM client.exports WHERE user_id = $1 AND state <> 'failed'`, user).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: last export: %w", err)
	}
	if at == nil {
		return time.Time{}, nil
	}
	return *at, nil
}

// InsertExport writes a pending export.
func InsertExport(ctx context.Context, tx pgx.Tx, id, user uuid.UUID, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO client.exports (id, user_id, state, requested_at) VALUES ($1, $2, 'pending', $3)`, id, user, at)
	if err != nil {
		return fmt.Errorf("store: insert export: %w", err)
	}
	return nil
}

// ClaimExport takes the oldest export to build: a pending one, or a
// running one whose lease ended before now (its builder died). It is
// running, held until leaseUntil, with one more attempt, and its parts
// of an earlier attempt are deleted. ErrNotFound when there is none.
func ClaimExport(ctx context.Context, tx pgx.Tx, now, leaseUntil time.Time) (Export, error) {
	e, err := scanExport(tx.QueryRow(ctx, `UPDATE client.exports SET state = 'running', lease_until = $2, attempts = attempts + 1
		WHERE id = (SELECT id FROM client.exports
		            WHERE state = 'pending' OR (state = 'running' AND lease_until < $1)
		            ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+exportColumns, now, leaseUntil))
	if errors.Is(err, ErrNotFound) {
		return e, err
	}
	if err != nil {
		return e, fmt.Errorf("store: claim export: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM client.export_parts WHERE export_id = $1`, e.ID); err != nil {
		return e, fmt.Errorf("store: delete parts of an earlier attempt: %w", err)
	}
	return e, nil
}

// ErrLeaseLost means another process took over an export (its lease ran
// out) or it is gone (the account was deleted).
var ErrLeaseLost = errors.New("store: the export's lease was lost")

// RenewExportLease extends the hold of attempt on export id.
func RenewExportLease(ctx context.Context, q storage.Querier, id uuid.UUID, attempt int, until time.Time) error {
	tag, err := q.Exec(ctx, `UPDATE client.exports SET lease_until = $3 WHERE id = $1 AND attempts = $2 AND state = 'running'`,
		id, attempt, until)
	if err != nil {
		return fmt.Errorf("store: renew export lease: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrLeaseLost
	}
	return nil
}

// InsertExportPart stores part seq of export id, if attempt still holds
// it.
func InsertExportPart(ctx context.Context, q storage.Querier, id uuid.UUID, attempt, seq int, data []byte) error {
	tag, err := q.Exec(ctx, `INSERT INTO client.export_parts (export_id, seq, data)
		SELECT $1, $3, $4 FROM client.exports WHERE id = $1 AND attempts = $2 AND state = 'running'`, id, attempt, seq, data)
	if err != nil {
		return fmt.Errorf("store: insert export part: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrLeaseLost
	}
	return nil
}

// FinishExport marks attempt of export id ready (it must still hold it).
func FinishExport(ctx context.Context, tx pgx.Tx, id uuid.UUID, attempt int, readyAt, expiresAt time.Time, size int64, parts int, sum []byte) error {
	tag, err := tx.Exec(ctx, `UPDATE client.exports SET state = 'ready', lease_until = NULL, ready_at = $3, expires_at = $4,
		size_bytes = $5, parts = $6, sha256 = $7 WHERE id = $1 AND attempts = $2 AND state = 'running'`,
		id, attempt, readyAt, expiresAt, size, parts, sum)
	if err != nil {
		return fmt.Errorf("store: finish export: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrLeaseLost
	}
	return nil
}

// FailExport gives up on export id after attempt: pending again (another
// round tries) or, with final, failed with reason; its parts are deleted.
func FailExport(ctx context.Context, tx pgx.Tx, id uuid.UUID, attempt int, final bool, reason string) error {
	state := "pending"
	if final {
		state = "failed"
	}
	tag, err := tx.Exec(ctx, `UPDATE client.exports SET state = $3, lease_until = NULL, error = $4
		WHERE id = $1 AND attempts = $2 AND state = 'running'`, id, attempt, state, reason)
	if err != nil {
		return fmt.Errorf("store: fail export: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrLeaseLost
	}
	if _, err := tx.Exec(ctx, `DELETE FROM client.export_parts WHERE export_id = $1`, id); err != nil {
		return fmt.Errorf("store: delete parts of a failed export: %w", err)
	}
	return nil
}

// ExportPart returns part seq of the user's export id.
func ExportPart(ctx context.Context, q storage.Querier, id uuid.UUID, seq int) ([]byte, error) {
	var data []byte
	err := q.QueryRow(ctx, `SELECT data FROM client.export_parts WHERE export_id = $1 AND seq = $2`, id, seq).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: export part: %w", err)
	}
	return data, nil
}

// ExpireExports marks ready exports whose time ended by now expired and
// deletes their parts, at most limit of them; it returns how many.
func ExpireExports(ctx context.Context, tx pgx.Tx, now time.Time, limit int) (int, error) {
	rows, err := tx.Query(ctx, `UPDATE client.exports SET state = 'expired', parts = NULL
		WHERE id IN (SELECT id FROM client.exports WHERE state = 'ready' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
		RETURNING id`, now, limit)
	if err != nil {
		return 0, fmt.Errorf("store: expire exports: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return 0, fmt.Errorf("store: expire exports: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM client.export_parts WHERE export_id = ANY($1)`, ids); err != nil {
		return 0, fmt.Errorf("store: delete expired exports' parts: %w", err)
	}
	return len(ids), nil
}

// Addressee is what a mail to a user needs: their address, first name
// and language.
type Addressee struct {
	Email, FirstName, Language string
}

// UserAddressee returns what a mail to the user needs.
func UserAddressee(ctx context.Context, q storage.Querier, user uuid.UUID) (Addressee, error) {
	var a Addressee
	err := q.QueryRow(ctx, `SELECT email, first_name, language FROM client.users WHERE id = $1`, user).Scan(&a.Email, &a.FirstName, &a.Language)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("store: user's address: %w", err)
	}
	return a, nil
}

// UserRole returns the user's role; ErrNotFound when the account is gone.
func UserRole(ctx context.Context, q storage.Querier, user uuid.UUID) (string, error) {
	var role string
	err := q.QueryRow(ctx, `SELECT role FROM client.users WHERE id = $1`, user).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: user's role: %w", err)
	}
	return role, nil
}
