// Package factstest fills promo's user facts tables with realistic facts
// for tests and benchmarks (Seed), the way the consumers would have left
// them, with COPY: many users in seconds.
package factstest

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// DB is what Seed writes with: a pool, a connection or a transaction.
type DB interface {
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error)
}

// market is a country with its share of the users and the interface
// languages its users have.
type market struct {
	country   string
	weight    int
	languages []string
}

// markets: where the users are; "" is an unknown country.
var markets = []market{
	{"DE", 18, []string{"de", "de", "de", "en"}}, {"US", 16, []string{"en", "en", "en", "es"}},
	{"GB", 9, []string{"en"}}, {"FR", 8, []string{"fr", "fr", "en"}}, {"ES", 6, []string{"es", "es", "ca"}},
	{"IT", 5, []string{"it"}}, {"NL", 4, []string{"nl", "en"}}, {"BR", 5, []string{"pt-BR"}},
	{"PT", 2, []string{"pt-PT", "pt-BR"}}, {"JP", 4, []string{"ja"}}, {"PL", 3, []string{"pl"}},
	{"SE", 2, []string{"sv", "en"}}, {"AT", 3, []string{"de"}}, {"CH", 3, []string{"de", "fr", "it"}},
	{"CA", 4, []string{"en", "fr"}}, {"AU", 3, []string{"en"}}, {"", 5, []string{"en", "de", "fr", "es"}},
}

// sports weighted by how common they are.
var sports = []struct {
	name   string
	weight int
}{
	{"run", 30}, {"ride", 20}, {"walk", 10}, {"strength", 8}, {"hike", 6}, {"swim", 6}, {"mountain_bike", 4},
	{"trail_run", 4}, {"yoga", 4}, {"row", 2}, {"ski", 2}, {"other", 4},
}

// Shares of the users (percent).
const (
	unknownBirthPercent = 10
	minorPercent        = 5
	objectedPercent     = 3
	newUserPercent      = 10 // registered in the last 30 days
	challengePercent    = 30 // in one or two of the challenges
	challenges          = 50 // the challenges the users take part in
)

// Seed writes the facts of users new users (their ids returned), drawn
// from seed (the same seed gives the same users, so seed a database once
// per seed): countries and languages of a real market mix (~5 % unknown
// country), birth dates (~10 % unknown, ~5 % minors), registration in the
// last three years (~10 % in the last 30 days), 0 to 3 sports with their
// sessions in the last 90 days, 0 to 3 items of gear (shoes with a
// replacement threshold, some worn past 80 %, some retired), challenges
// for ~30 %, and ~3 % objections to personalised offers.
func Seed(ctx context.Context, db DB, users int, seed int64) ([]uuid.UUID, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x70726f6d6f))
	now := time.Now().UTC().Truncate(time.Second)
	challengeIDs := make([]uuid.UUID, challenges)
	for i := range challengeIDs {
		challengeIDs[i] = newID(rng)
	}
	var (
		ids                                = make([]uuid.UUID, users)
		userRows, consentRows, sessionRows [][]any
		gearRows, challengeRows            [][]any
	)
	for i := range ids {
		id := newID(rng)
		ids[i] = id
		m := pickMarket(rng)
		registered := now.Add(-time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
		if rng.IntN(100) < newUserPercent {
			registered = now.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
		}
		userRows = append(userRows, []any{id, registered, birthDate(rng, now), m.country,
			m.languages[rng.IntN(len(m.languages))], registered.Add(time.Hour)})
		if rng.IntN(100) < objectedPercent {
			consentRows = append(consentRows, []any{id, false, registered.Add(2 * time.Hour)})
		}
		for _, sport := range pickSports(rng) {
			for range 1 + rng.IntN(20) {
				started := now.Add(-time.Duration(rng.Int64N(int64(89 * 24 * time.Hour))))
				sessionRows = append(sessionRows, []any{newID(rng), id, sport, started, int64(1 + rng.IntN(3)), false})
			}
		}
		for range rng.IntN(4) {
			gearRows = append(gearRows, gearRow(rng, id, registered))
		}
		if rng.IntN(100) < challengePercent {
			for _, c := range rng.Perm(challenges)[:1+rng.IntN(2)] {
				challengeRows = append(challengeRows, []any{id, challengeIDs[c], true, registered.Add(time.Duration(c) * time.Hour)})
			}
		}
	}
	for _, t := range []struct {
		table   string
		columns []string
		rows    [][]any
	}{
		{"users", []string{"user_id", "registered_at", "birth_date", "country", "language", "profile_updated_at"}, userRows},
		{"consents", []string{"user_id", "personalised_offers", "updated_at"}, consentRows},
		{"user_sessions", []string{"session_id", "user_id", "sport", "started_at", "revision", "deleted"}, sessionRows},
		{"user_gear", []string{"gear_id", "user_id", "type", "distance_m", "replacement_threshold_m", "retired", "deleted", "changed_at"}, gearRows},
		{"user_challenges", []string{"user_id", "challenge_id", "joined", "changed_at"}, challengeRows},
	} {
		if _, err := db.CopyFrom(ctx, pgx.Identifier{"promo", t.table}, t.columns, pgx.CopyFromRows(t.rows)); err != nil {
			return nil, fmt.Errorf("factstest: copy %s: %w", t.table, err)
		}
	}
	return ids, nil
}

// newID is a version 4 UUID drawn from rng.
func newID(rng *rand.Rand) uuid.UUID {
	var id uuid.UUID
	binary.BigEndian.PutUint64(id[:8], rng.Uint64())
	binary.BigEndian.PutUint64(id[8:], rng.Uint64())
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

func pickMarket(rng *rand.Rand) market {
	total := 0
	for _, m := range markets {
		total += m.weight
	}
	n := rng.IntN(total)
	for _, m := range markets {
		if n < m.weight {
			return m
		}
		n -= m.weight
	}
	return markets[len(markets)-1]
}

// pickSports draws 0 to 3 different sports, the common ones more often.
func pickSports(rng *rand.Rand) []string {
	total := 0
	for _, s := range sports {
		total += s.weight
	}
	var out []string
	for range rng.IntN(4) {
		n := rng.IntN(total)
		for _, s := range sports {
			if n < s.weight {
				if !slices.Contains(out, s.name) {
					out = append(out, s.name)
				}
				break
			}
			n -= s.weight
		}
	}
	return out
}

// birthDate is nil (unknown) for ~10 %, a minor's (13 to 17) for ~5 %,
// else an adult's (18 to 75), as a date.
func birthDate(rng *rand.Rand, now time.Time) any {
	p := rng.IntN(100)
	var years int
	switch {
	case p < unknownBirthPercent:
		return nil
	case p < unknownBirthPercent+minorPercent:
		years = 13 + rng.IntN(5)
	default:
		years = 18 + rng.IntN(58)
	}
	b := now.AddDate(-years, 0, -rng.IntN(365))
	return time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
}

// gearRow is an item: shoes (a threshold of 500 to 1,000 km, a third
// worn past 80 %), a bike (a threshold for some), or other gear; ~10 %
// retired.
func gearRow(rng *rand.Rand, user uuid.UUID, registered time.Time) []any {
	var (
		typ       string
		distance  float64
		threshold *float64
	)
	switch p := rng.IntN(10); {
	case p < 6:
		typ = "shoes"
		t := float64(500_000 + 100_000*rng.IntN(6))
		threshold = &t
		distance = t * rng.Float64() * 0.8
		if rng.IntN(3) == 0 {
			distance = t * (0.8 + rng.Float64()*0.4)
		}
	case p < 9:
		typ = "bike"
		distance = float64(rng.IntN(30_000_000))
		if rng.IntN(2) == 0 {
			t := 40_000_000.0
			threshold = &t
		}
	default:
		typ = []string{"wetsuit", "skis", "paddle", "other"}[rng.IntN(4)]
		distance = float64(rng.IntN(1_000_000))
	}
	return []any{newID(rng), user, typ, distance, threshold, rng.IntN(10) == 0, false, registered.Add(3 * time.Hour)}
}
