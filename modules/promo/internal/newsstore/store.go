// Package newsstore is the news' SQL (table promo.news, migration
// promo/00030): items as admins keep them, and the feed's query, which
// picks the user's language (or its fallback) and ranks the published
// items by the feed's key in the database.
package newsstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/promo/internal/news"
	"github.com/athlos/athlos/storage"
)

// ErrNotFound is returned when an item does not exist (or, for the feed,
// is not published).
var ErrNotFound = errors.New("newsstore: not found")

const columns = `id, title, body, body_html, render_version, language, sports, regions, publish_at, expires_at, pinned,
	created_by, created_at, updated_at`

// prefixed is columns, each with the prefix p (a table's alias).
func prefixed(p string) string {
	return p + strings.ReplaceAll(strings.Join(strings.Fields(columns), " "), ", ", ", "+p)
}

// published is the condition of an item published at $now (named by
// the placeholder given).
func published(now string) string {
	return fmt.Sprintf(`n.publish_at <= %[1]s AND (n.expires_at IS NULL OR n.expires_at > %[1]s)`, now)
}

func scan(row pgx.Row, extra ...any) (news.Item, error) {
	var it news.Item
	dst := append([]any{&it.ID, &it.Title, &it.Body, &it.HTML, &it.RenderVersion, &it.Language, &it.Sports, &it.Regions,
		&it.PublishAt, &it.ExpiresAt, &it.Pinned, &it.CreatedBy, &it.CreatedAt, &it.UpdatedAt}, extra...)
	if err := row.Scan(dst...); err != nil {
		return it, err
	}
	it.PublishAt, it.ExpiresAt = utc(it.PublishAt), utc(it.ExpiresAt)
	it.CreatedAt, it.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	return it, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Insert stores a new item (its CreatedAt and UpdatedAt as given).
func Insert(ctx context.Context, q storage.Querier, it news.Item) error {
	_, err := q.Exec(ctx, `INSERT INTO promo.news (`+columns+`, sports_mask)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		it.ID, it.Title, it.Body, it.HTML, it.RenderVersion, it.Language, it.Sports, it.Regions, it.PublishAt, it.ExpiresAt,
		it.Pinned, it.CreatedBy, it.CreatedAt, it.UpdatedAt, news.SportsMask(it.Sports))
	if err != nil {
		return fmt.Errorf("insert news %s: %w", it.ID, err)
	}
	return nil
}

// Get reads an item in any state; lock takes a row lock for an update in
// q's transaction.
func Get(ctx context.Context, q storage.Querier, id uuid.UUID, lock bool) (news.Item, error) {
	sql := `SELECT ` + columns + ` FROM promo.news WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	it, err := scan(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return it, ErrNotFound
	}
	if err != nil {
		return it, fmt.Errorf("read news %s: %w", id, err)
	}
	return it, nil
}

// Update writes an item's content, HTML and UpdatedAt.
func Update(ctx context.Context, q storage.Querier, it news.Item) error {
	tag, err := q.Exec(ctx, `UPDATE promo.news SET title = $2, body = $3, body_html = $4, render_version = $5, language = $6,
		sports = $7, regions = $8, publish_at = $9, expires_at = $10, pinned = $11, updated_at = $12, sports_mask = $13 WHERE id = $1`,
		it.ID, it.Title, it.Body, it.HTML, it.RenderVersion, it.Language, it.Sports, it.Regions, it.PublishAt, it.ExpiresAt,
		it.Pinned, it.UpdatedAt, news.SportsMask(it.Sports))
	if err != nil {
		return fmt.Errorf("update news %s: %w", it.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// Delete deletes an item (ErrNotFound when there is none).
func Delete(ctx context.Context, q storage.Querier, id uuid.UUID) error {
	tag, err := q.Exec(ctx, `DELETE FROM promo.news WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete news %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// Position is a place in the admin list (created_at, id descending).
type Position struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// List reads up to limit items in state (every state when ""), at now,
// newest created first, after the position when given.
func List(ctx context.Context, q storage.Querier, state string, now time.Time, after *Position, limit int) ([]news.Item, error) {
	var cond string
	switch state {
	case "":
		cond = "true"
	case news.StateDraft:
		cond = "n.publish_at IS NULL"
	case news.StateScheduled:
		cond = "n.publish_at > $1"
	case news.StatePublished:
		cond = published("$1")
	case news.StateExpired:
		cond = "n.expires_at <= $1"
	default:
		return nil, fmt.Errorf("list news: unknown state %q", state)
	}
	var at *time.Time
	var id *uuid.UUID
	if after != nil {
		at, id = &after.CreatedAt, &after.ID
	}
	rows, err := q.Query(ctx, `SELECT `+columns+` FROM promo.news n
		WHERE $1::timestamptz IS NOT NULL AND `+cond+` AND ($2::timestamptz IS NULL OR (n.created_at, n.id) < ($2, $3::uuid))
		ORDER BY n.created_at DESC, n.id DESC LIMIT $4`, now, at, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list news: %w", err)
	}
	defer rows.Close()
	out := []news.Item{}
	for rows.Next() {
		it, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list news: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list news: %w", err)
	}
	return out, nil
}

// Published reads an item published at now (ErrNotFound for a draft, a
// scheduled or an expired one, and an unknown id).
func Published(ctx context.Context, q storage.Querier, id uuid.UUID, now time.Time) (news.Item, error) {
	it, err := scan(q.QueryRow(ctx, `SELECT `+columns+` FROM promo.news n WHERE id = $1 AND `+published("$2"), id, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return it, ErrNotFound
	}
	if err != nil {
		return it, fmt.Errorf("read published news %s: %w", id, err)
	}
	return it, nil
}

// Ranked is a feed item with its key.
type Ranked struct {
	news.Item
	Key news.Key
}

// Language is the first of languages with an item published at now, or
// "" when none has one.
func Language(ctx context.Context, q storage.Querier, languages []string, now time.Time) (string, error) {
	var lang string
	err := q.QueryRow(ctx, `SELECT c.l FROM unnest($1::text[]) WITH ORDINALITY AS c(l, ord)
		WHERE EXISTS (SELECT 1 FROM promo.news n WHERE n.language = c.l AND `+published("$2")+`)
		ORDER BY c.ord LIMIT 1`, languages, now).Scan(&lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("pick the news language: %w", err)
	}
	return lang, nil
}

// Feed reads up to limit items of language published at now, ranked for
// the reader (news.Key, descending; the relevance counts the bits of
// sports_mask the reader's sports share), after the key when given.
func Feed(ctx context.Context, q storage.Querier, language string, r news.Reader, now time.Time, after *news.Key, limit int) ([]Ranked, error) {
	var pinned *bool
	var rel *int
	var at *time.Time
	var id *uuid.UUID
	if after != nil {
		pinned, rel, at, id = &after.Pinned, &after.Relevance, &after.PublishAt, &after.ID
	}
	// The ranking reads the index news_feed only (tags, pin, times); the
	// page's rows are read from the table after.
	rows, err := q.Query(ctx, `WITH page AS (
			SELECT n.id, n.pinned, n.rel, n.publish_at FROM (
				SELECT n.id, n.pinned, n.publish_at,
					bit_count((n.sports_mask & $3::int)::bit(16))::int
					+ CASE WHEN $4::text <> '' AND $4::text = ANY(n.regions) THEN 1 ELSE 0 END AS rel
				FROM promo.news n WHERE n.language = $1 AND `+published("$2")+`
			) n
			WHERE $5::boolean IS NULL OR (n.pinned, n.rel, n.publish_at, n.id) < ($5::boolean, $6::int, $7::timestamptz, $8::uuid)
			ORDER BY n.pinned DESC, n.rel DESC, n.publish_at DESC, n.id DESC LIMIT $9
		)
		SELECT `+prefixed("n.")+`, page.rel FROM page JOIN promo.news n ON n.id = page.id
		ORDER BY page.pinned DESC, page.rel DESC, page.publish_at DESC, page.id DESC`,
		language, now, news.SportsMask(r.Sports), r.Country, pinned, rel, at, id, limit)
	if err != nil {
		return nil, fmt.Errorf("read the news feed: %w", err)
	}
	defer rows.Close()
	out := []Ranked{}
	for rows.Next() {
		var it Ranked
		if it.Item, err = scan(rows, &it.Key.Relevance); err != nil {
			return nil, fmt.Errorf("read the news feed: %w", err)
		}
		it.Key.Pinned, it.Key.PublishAt, it.Key.ID = it.Pinned, *it.PublishAt, it.ID
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the news feed: %w", err)
	}
	return out, nil
}
