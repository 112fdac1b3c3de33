// Package boardstore keeps the leaderboards' totals in PostgreSQL
// (gamification.board_slots, board_totals): the truth every process's
// in-memory boards are loaded and refreshed from, and the exact bucketed
// SQL fallback for a board not in memory. Changes are set-based (one
// statement for a whole batch, with unnest).
package boardstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/board"
	"github.com/athlos/athlos/storage"
)

// Store reads and writes the totals.
type Store struct {
	pool  *pgxpool.Pool
	mu    sync.RWMutex
	slots map[board.Slot]int32 // committed slots' ids
}

// New makes a Store on pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, slots: map[board.Slot]int32{}}
}

// column is the totals' column of metric m.
func column(m board.Metric) string {
	switch m {
	case board.Distance:
		return "distance_cm"
	case board.Time:
		return "moving_time_ms"
	case board.Sessions:
		return "sessions"
	case board.Elevation:
		return "elevation_cm"
	}
	return "points"
}

// SlotID is the id of slot, 0 when it has none yet.
func (s *Store) SlotID(ctx context.Context, slot board.Slot) (int32, error) {
	return s.slotID(ctx, s.pool, slot, false)
}

// MakeSlots makes the slots that have none yet, in one statement committed
// at once (outside any transaction of the caller's), and keeps their ids:
// a batch that then applies totals to them finds them made, and batches
// that meet a new slot together (a new week, a new sport) do not wait for
// each other's whole transaction. A slot made for a batch that rolls back
// has no totals: an empty board.
func (s *Store) MakeSlots(ctx context.Context, slots []board.Slot) error {
	var missing []board.Slot
	s.mu.RLock()
	for _, slot := range slots {
		if _, ok := s.slots[slot]; !ok {
			missing = append(missing, slot)
		}
	}
	s.mu.RUnlock()
	if len(missing) == 0 {
		return nil
	}
	periods, starts, sports := make([]string, len(missing)), make([]time.Time, len(missing)), make([]string, len(missing))
	for i, slot := range missing {
		periods[i], starts[i], sports[i] = string(slot.Period), slot.Start, slot.Sport
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO gamification.board_slots (period, period_start, sport)
		SELECT * FROM unnest($1::text[], $2::date[], $3::text[]) ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING`,
		periods, starts, sports); err != nil {
		return fmt.Errorf("boardstore: make %d slots: %w", len(missing), err)
	}
	rows, err := s.pool.Query(ctx, `SELECT b.id, k.n FROM unnest($1::text[], $2::date[], $3::text[]) WITH ORDINALITY
		AS k(period, period_start, sport, n) JOIN gamification.board_slots b USING (period, period_start, sport)`,
		periods, starts, sports)
	if err != nil {
		return fmt.Errorf("boardstore: read %d slots: %w", len(missing), err)
	}
	ids, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]int64, error) {
		var id, n int64
		err := r.Scan(&id, &n)
		return [2]int64{id, n}, err
	})
	if err != nil {
		return fmt.Errorf("boardstore: read %d slots: %w", len(missing), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range ids {
		s.slots[missing[x[1]-1]] = int32(x[0])
	}
	return nil
}

// slotID is the id of slot read with q, made first if create and it has
// none yet. Only ids of committed slots are kept in memory: one made in a
// transaction that rolls back would name nothing.
func (s *Store) slotID(ctx context.Context, q storage.Querier, slot board.Slot, create bool) (int32, error) {
	s.mu.RLock()
	id, ok := s.slots[slot]
	s.mu.RUnlock()
	if ok {
		return id, nil
	}
	args := []any{string(slot.Period), slot.Start, slot.Sport}
	if create {
		err := q.QueryRow(ctx, `INSERT INTO gamification.board_slots (period, period_start, sport) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING RETURNING id`, args...).Scan(&id)
		switch {
		case err == nil:
			return id, nil // made in this transaction: not kept until it is committed
		case !errors.Is(err, pgx.ErrNoRows):
			return 0, fmt.Errorf("boardstore: slot %s: %w", slot, err)
		}
	}
	err := q.QueryRow(ctx, `SELECT id FROM gamification.board_slots WHERE period = $1 AND period_start = $2 AND sport = $3`,
		args...).Scan(&id)
	switch {
	case errors.Is(err, pgx.ErrNoRows) && !create:
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("boardstore: slot %s: %w", slot, err)
	}
	s.mu.Lock()
	s.slots[slot] = id
	s.mu.Unlock()
	return id, nil
}

// Apply adds delta to the totals in tx, in one statement, and erases the
// rows left empty; it puts one api.EventLeaderboardChanged in the outbox
// naming the slots and users changed. Rows are written in the order of
// (user, slot), so two batches lock rows in the same order. An erased
// user gets no row: callers hold the users' locks (activity.Apply,
// activity.LockLive), so an erasure cannot commit between the check and
// the write.
func (s *Store) Apply(ctx context.Context, tx pgx.Tx, delta map[board.SlotUser]board.Amounts) error {
	if len(delta) == 0 {
		return nil
	}
	keys := make([]board.SlotUser, 0, len(delta))
	for k := range delta {
		keys = append(keys, k)
	}
	// Slots are looked up (and made) in one order, so that two batches
	// making the same new slots never wait for each other in a circle.
	ids := make(map[board.Slot]int32)
	var slots []board.Slot
	for _, k := range keys {
		if _, ok := ids[k.Slot]; !ok {
			ids[k.Slot] = 0
			slots = append(slots, k.Slot)
		}
	}
	slices.SortFunc(slots, func(a, b board.Slot) int {
		return cmp.Or(cmp.Compare(a.Period, b.Period), a.Start.Compare(b.Start), cmp.Compare(a.Sport, b.Sport))
	})
	for _, slot := range slots {
		id, err := s.slotID(ctx, tx, slot, true)
		if err != nil {
			return err
		}
		ids[slot] = id
	}
	slices.SortFunc(keys, func(a, b board.SlotUser) int {
		if c := slices.Compare(a.UserID[:], b.UserID[:]); c != 0 {
			return c
		}
		return int(ids[a.Slot]) - int(ids[b.Slot])
	})
	n := len(keys)
	slot, user := make([]int32, n), make([]uuid.UUID, n)
	dist, tm, sess, elev, pts := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	var shrunkSlots []int32
	var shrunkUsers []uuid.UUID
	for i, k := range keys {
		a := delta[k]
		slot[i], user[i] = ids[k.Slot], k.UserID
		dist[i], tm[i], sess[i], elev[i], pts[i] = a.DistanceCM, a.MovingTimeMS, a.Sessions, a.ElevationCM, a.Points
		if a.DistanceCM < 0 || a.MovingTimeMS < 0 || a.Sessions < 0 || a.ElevationCM < 0 || a.Points < 0 {
			shrunkSlots, shrunkUsers = append(shrunkSlots, slot[i]), append(shrunkUsers, user[i])
		}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO gamification.board_totals AS t (slot_id, user_id, distance_cm, moving_time_ms, sessions, elevation_cm, points)
		SELECT * FROM unnest($1::int[], $2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
			AS k (slot_id, user_id, distance_cm, moving_time_ms, sessions, elevation_cm, points)
		WHERE NOT EXISTS (SELECT 1 FROM gamification.erased_users x WHERE x.user_id = k.user_id)
		ON CONFLICT (slot_id, user_id) DO UPDATE SET
			distance_cm = t.distance_cm + excluded.distance_cm,
			moving_time_ms = t.moving_time_ms + excluded.moving_time_ms,
			sessions = t.sessions + excluded.sessions,
			elevation_cm = t.elevation_cm + excluded.elevation_cm,
			points = t.points + excluded.points`,
		slot, user, dist, tm, sess, elev, pts)
	if err != nil {
		return fmt.Errorf("boardstore: apply %d totals: %w", n, err)
	}
	if len(shrunkSlots) > 0 {
		// Totals taken back to nothing (a deleted session) leave no row.
		_, err = tx.Exec(ctx, `
			DELETE FROM gamification.board_totals t USING unnest($1::int[], $2::uuid[]) AS k(slot_id, user_id)
			WHERE t.slot_id = k.slot_id AND t.user_id = k.user_id
			AND t.distance_cm <= 0 AND t.moving_time_ms <= 0 AND t.sessions <= 0 AND t.elevation_cm <= 0 AND t.points <= 0`,
			shrunkSlots, shrunkUsers)
		if err != nil {
			return fmt.Errorf("boardstore: erase empty totals: %w", err)
		}
	}
	slotIDs := make([]int32, 0, len(ids))
	for _, id := range ids {
		slotIDs = append(slotIDs, id)
	}
	return enqueueChanged(ctx, tx, slotIDs, user)
}

// enqueueChanged puts one api.EventLeaderboardChanged in the outbox.
func enqueueChanged(ctx context.Context, tx pgx.Tx, slots []int32, users []uuid.UUID) error {
	ev := api.LeaderboardChanged{Slots: slices.Compact(slices.Sorted(slices.Values(slots)))}
	seen := make(map[uuid.UUID]bool, len(users))
	for _, u := range users {
		if !seen[u] {
			seen[u] = true
			ev.Users = append(ev.Users, u.String())
		}
	}
	if _, err := bus.Enqueue(ctx, tx, api.Module, api.EventLeaderboardChanged, ev); err != nil {
		return fmt.Errorf("boardstore: enqueue %s: %w", api.EventLeaderboardChanged, err)
	}
	return nil
}

// EraseUser erases a deleted user's totals in tx, and tells the processes.
func (s *Store) EraseUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	// By the primary key, one probe a slot: the totals have no index by
	// user (migration 00051: the applier's writes do not pay for one).
	rows, err := tx.Query(ctx, `DELETE FROM gamification.board_totals
		WHERE slot_id = ANY(ARRAY(SELECT id FROM gamification.board_slots)) AND user_id = $1 RETURNING slot_id`, user)
	if err != nil {
		return fmt.Errorf("boardstore: erase user: %w", err)
	}
	slots, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("boardstore: erase user: %w", err)
	}
	if len(slots) == 0 {
		return nil
	}
	return enqueueChanged(ctx, tx, slots, []uuid.UUID{user})
}

// Scope narrows a board: every listed user, or those of one country.
type Scope struct {
	Country string // ISO 3166-1 alpha-2; "" for every country
}

// listed is the condition of a user being on a board: known and not opted
// out, and of the scope's country when it has one ($2). A user the module
// has not heard of yet (no row in gamification.users: their registration
// or profile event has not reached it) is not listed: the opt-out may be
// on that event. The row's insert lists them (a listing change).
func listed(sc Scope) string {
	c := `coalesce(u.show_in_leaderboards, false)`
	if sc.Country != "" {
		c += ` AND u.country = $2`
	}
	return c
}

func scopeArgs(slot int32, sc Scope) []any {
	if sc.Country != "" {
		return []any{slot, sc.Country}
	}
	return []any{slot}
}

// Load reads a board: the listed users of the scope with a positive
// score, and their scores.
func (s *Store) Load(ctx context.Context, slot int32, m board.Metric, sc Scope) ([]uuid.UUID, []int, error) {
	col := column(m)
	rows, err := s.pool.Query(ctx, `
		SELECT t.user_id, t.`+col+` FROM gamification.board_totals t
		LEFT JOIN gamification.users u ON u.user_id = t.user_id
		WHERE t.slot_id = $1 AND t.`+col+` >= `+fmt.Sprint(m.Bucket())+` AND `+listed(sc), scopeArgs(slot, sc)...)
	return scores(rows, err, m, "load board")
}

// scores reads rows of (user, amount) as users and their scores of m.
func scores(rows pgx.Rows, err error, m board.Metric, what string) ([]uuid.UUID, []int, error) {
	if err != nil {
		return nil, nil, fmt.Errorf("boardstore: %s: %w", what, err)
	}
	var users []uuid.UUID
	var out []int
	var u uuid.UUID
	var amount int64
	_, err = pgx.ForEachRow(rows, []any{&u, &amount}, func() error {
		users, out = append(users, u), append(out, m.Score(amount))
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("boardstore: %s: %w", what, err)
	}
	return users, out, nil
}

// Row is one user's totals in a slot, with their listing.
type Row struct {
	Slot    int32
	UserID  uuid.UUID
	Amounts board.Amounts
	Listed  bool
	Country string
}

// Refresh reads the totals of users in slots (those they have), with their
// listing (not listed when unknown, as listed says).
func (s *Store) Refresh(ctx context.Context, slots []int32, users []uuid.UUID) ([]Row, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.slot_id, t.user_id, t.distance_cm, t.moving_time_ms, t.sessions, t.elevation_cm, t.points,
			coalesce(u.show_in_leaderboards, false), coalesce(u.country, '')
		FROM gamification.board_totals t LEFT JOIN gamification.users u ON u.user_id = t.user_id
		WHERE t.slot_id = ANY($1) AND t.user_id = ANY($2)`, slots, users)
	if err != nil {
		return nil, fmt.Errorf("boardstore: refresh: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Row, error) {
		var x Row
		a := &x.Amounts
		err := r.Scan(&x.Slot, &x.UserID, &a.DistanceCM, &a.MovingTimeMS, &a.Sessions, &a.ElevationCM, &a.Points, &x.Listed, &x.Country)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("boardstore: refresh: %w", err)
	}
	return out, nil
}

// User is what a board shows of a user, from the users read model.
type User struct {
	Name    string
	Country string // "" when unknown
	Listed  bool
}

// Users reads what boards show of users (those the module knows; a user
// it does not know yet is missing: not listed, with no name or country).
func (s *Store) Users(ctx context.Context, users []uuid.UUID) (map[uuid.UUID]User, error) {
	out := make(map[uuid.UUID]User, len(users))
	if len(users) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT user_id, display_name, coalesce(country, ''), show_in_leaderboards
		FROM gamification.users WHERE user_id = ANY($1)`, users)
	if err != nil {
		return nil, fmt.Errorf("boardstore: users: %w", err)
	}
	var u uuid.UUID
	var x User
	_, err = pgx.ForEachRow(rows, []any{&u, &x.Name, &x.Country, &x.Listed}, func() error {
		out[u] = x
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boardstore: users: %w", err)
	}
	return out, nil
}

// Amount is user's amount of m in slot (0: none).
func (s *Store) Amount(ctx context.Context, user uuid.UUID, slot int32, m board.Metric) (int64, error) {
	var a int64
	err := s.pool.QueryRow(ctx, `SELECT `+column(m)+` FROM gamification.board_totals WHERE slot_id = $1 AND user_id = $2`,
		slot, user).Scan(&a)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("boardstore: amount: %w", err)
	}
	return a, nil
}

// IsMember tells whether user is a member of group.
func (s *Store) IsMember(ctx context.Context, group, user uuid.UUID) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM gamification.group_members WHERE group_id = $1 AND user_id = $2)`,
		group, user).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("boardstore: membership: %w", err)
	}
	return ok, nil
}

// GroupBoard reads a group's board: its listed members (as listed says)
// with a positive score (a group's board is its members' rows, read on
// each request).
func (s *Store) GroupBoard(ctx context.Context, slot int32, m board.Metric, group uuid.UUID) ([]uuid.UUID, []int, error) {
	col := column(m)
	rows, err := s.pool.Query(ctx, `
		SELECT t.user_id, t.`+col+` FROM gamification.group_members g
		JOIN gamification.board_totals t ON t.slot_id = $1 AND t.user_id = g.user_id
		LEFT JOIN gamification.users u ON u.user_id = g.user_id
		WHERE g.group_id = $2 AND t.`+col+` >= `+fmt.Sprint(m.Bucket())+` AND coalesce(u.show_in_leaderboards, false)`,
		slot, group)
	return scores(rows, err, m, "group board")
}

// Fallback answers a board from SQL alone, exactly (the bucketed score of
// every row, counted): the top n, the total, and, when user is on it,
// their place with k neighbours on either side. It reads the slot's rows
// once; a board in memory is far quicker (board.Ranking).
func (s *Store) Fallback(ctx context.Context, slot int32, m board.Metric, sc Scope, n int, user uuid.UUID, k int) (
	top []board.Ranked, total int64, me board.Ranked, above, below []board.Ranked, ok bool, err error) {
	col := column(m)
	args := append(scopeArgs(slot, sc), n, user, k)
	p := len(args) - 2 // $n, then $user, $k
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`
		WITH b AS (
			SELECT t.user_id, t.%[1]s / %[2]d AS score FROM gamification.board_totals t
			LEFT JOIN gamification.users u ON u.user_id = t.user_id
			WHERE t.slot_id = $1 AND t.%[1]s >= %[2]d AND %[3]s),
		r AS (
			SELECT user_id, score, rank() OVER (ORDER BY score DESC) AS rank,
				row_number() OVER (ORDER BY score DESC, user_id) AS pos, count(*) OVER () AS total FROM b),
		me AS (SELECT pos FROM r WHERE user_id = $%[5]d)
		SELECT r.user_id, r.score, r.rank, r.total, r.pos, (SELECT pos FROM me) FROM r
		WHERE r.pos <= $%[4]d OR r.pos BETWEEN (SELECT pos FROM me) - $%[6]d AND (SELECT pos FROM me) + $%[6]d
		ORDER BY r.pos`, col, m.Bucket(), listed(sc), p, p+1, p+2), args...)
	if err != nil {
		return nil, 0, board.Ranked{}, nil, nil, false, fmt.Errorf("boardstore: fallback: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x board.Ranked
		var score, pos int64
		var mePos *int64
		if err := rows.Scan(&x.UserID, &score, &x.Rank, &total, &pos, &mePos); err != nil {
			return nil, 0, board.Ranked{}, nil, nil, false, fmt.Errorf("boardstore: fallback: %w", err)
		}
		x.Score = int(score)
		if pos <= int64(n) {
			top = append(top, x)
		}
		if mePos == nil {
			continue
		}
		switch {
		case pos == *mePos:
			me, ok = x, true
		case pos < *mePos && pos >= *mePos-int64(k):
			above = append(above, x)
		case pos > *mePos && pos <= *mePos+int64(k):
			below = append(below, x)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, board.Ranked{}, nil, nil, false, fmt.Errorf("boardstore: fallback: %w", err)
	}
	return top, total, me, above, below, ok, nil
}

// InTx runs fn in a transaction on the store's pool.
func (s *Store) InTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return storage.InTx(ctx, s.pool, fn)
}

// Decode reads an api.LeaderboardChanged.
func Decode(data []byte) (slots []int32, users []uuid.UUID, err error) {
	var ev api.LeaderboardChanged
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, nil, fmt.Errorf("boardstore: %s: %w", api.EventLeaderboardChanged, err)
	}
	for _, s := range ev.Users {
		u, err := uuid.Parse(s)
		if err != nil {
			return nil, nil, fmt.Errorf("boardstore: %s: user %q: %w", api.EventLeaderboardChanged, s, err)
		}
		users = append(users, u)
	}
	return ev.Slots, users, nil
}
