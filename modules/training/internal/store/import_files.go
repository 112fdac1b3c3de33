package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// SaveImportFile keeps the original file of an imported session, as it
// was uploaded (compressed: gzipped), in tx.
func SaveImportFile(ctx context.Context, tx pgx.Tx, session uuid.UUID, format string, compressed bool, data []byte) error {
	if _, err := tx.Exec(ctx, `INSERT INTO training.import_files (session_id, format, compressed, data) VALUES ($1, $2, $3, $4)`,
		session, format, compressed, data); err != nil {
		return fmt.Errorf("store: save import file: %w", err)
	}
	return nil
}

// ImportFilePiece is a piece of an imported session's original file.
type ImportFilePiece struct {
	Format     string
	Compressed bool
	Total      int64
	Data       []byte
}

// ImportFile reads up to n bytes from offset of the original file of the
// session (ErrNotFound when none is kept: a live or manual session, or
// one imported before files were kept).
func ImportFile(ctx context.Context, q storage.Querier, session uuid.UUID, offset, n int64) (ImportFilePiece, error) {
	var p ImportFilePiece
	err := q.QueryRow(ctx, `SELECT format, compressed, length(data), substring(data FROM $2::int + 1 FOR $3::int)
		FROM training.import_files WHERE session_id = $1`, session, offset, n).Scan(&p.Format, &p.Compressed, &p.Total, &p.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("store: import file: %w", err)
	}
	return p, nil
}
