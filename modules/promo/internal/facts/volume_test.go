package facts_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/promo/internal/facts"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// expected is what a volume test's user's facts must be, kept as the
// events are drawn.
type expected struct {
	facts    facts.Facts
	sessions map[uuid.UUID]*expectedSession
	gear     map[uuid.UUID]*facts.GearItem
}

type expectedSession struct {
	sport   string
	started time.Time
	deleted bool
}

// The module fed over the real bus with the events of 2,000 users (200
// with -short): registrations, profile changes (some sent out of order),
// sessions completed, edited and deleted (some events late), gear created,
// updated, retired and deleted, challenges joined; each event published
// once more under a new id for a tenth of them. Every user's facts are
// then exactly what the events say.
func TestVolumeEveryUsersFacts(t *testing.T) {
	t.Parallel()
	users := 2000
	if testing.Short() {
		users = 200
	}
	m := startModule(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(15, 2026))
	now := time.Now().UTC().Truncate(time.Second)
	sportsList := []string{"run", "ride", "swim", "walk", "hike", "strength", "yoga"}
	countries := []string{"DE", "US", "FR", "BR", "JP", ""}
	languages := []string{"de", "en", "fr", "pt-BR", "ja", "es"}

	var events []event
	want := make(map[uuid.UUID]*expected, users)
	emit := func(e event) {
		events = append(events, e)
		if rng.IntN(10) == 0 {
			events = append(events, e) // sent again, under another id
		}
	}
	for range users {
		user := uuid.New()
		x := &expected{facts: facts.Facts{UserID: user, Known: true}, sessions: map[uuid.UUID]*expectedSession{},
			gear: map[uuid.UUID]*facts.GearItem{}}
		want[user] = x
		reg := now.Add(-time.Duration(1+rng.IntN(1000)) * time.Hour)
		lang := languages[rng.IntN(len(languages))]
		x.facts.RegisteredAt, x.facts.Language = reg, lang
		emit(registered(user, lang, reg))

		// Profile changes: the last one (by updated_at) counts, whatever
		// order they are sent in.
		var profiles []event
		for i := range rng.IntN(4) {
			birth, country := "", countries[rng.IntN(len(countries))]
			x.facts.BirthDate = nil
			if rng.IntN(10) != 0 {
				b := time.Date(1950+rng.IntN(60), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
				birth, x.facts.BirthDate = b.Format(time.DateOnly), &b
			}
			lang = languages[rng.IntN(len(languages))]
			x.facts.Country, x.facts.Language = country, lang
			profiles = append(profiles, profile(user, birth, country, lang, reg.Add(time.Duration(i+1)*time.Minute)))
		}
		rng.Shuffle(len(profiles), func(i, j int) { profiles[i], profiles[j] = profiles[j], profiles[i] })
		for _, p := range profiles {
			emit(p)
		}

		// Sessions: completed (rev 1), some edited (rev 2, another sport),
		// some deleted (rev 3); a tenth of the older events come late.
		for range rng.IntN(6) {
			id := uuid.New()
			days := rng.IntN(80)
			if days == 28 {
				days = 27 // away from the activity window's edge
			}
			started := now.Add(-time.Duration(days)*24*time.Hour - time.Duration(1+rng.IntN(20))*time.Hour)
			s := &expectedSession{sport: sportsList[rng.IntN(len(sportsList))], started: started}
			x.sessions[id] = s
			completed := sessionEvent(trainingapi.EventSessionCompleted, id, user, s.sport, started, 1)
			emit(completed)
			var late []event
			if rng.IntN(3) == 0 {
				s.sport = sportsList[rng.IntN(len(sportsList))]
				emit(sessionEvent(trainingapi.EventSessionUpdated, id, user, s.sport, started, 2))
				late = append(late, completed)
			}
			if rng.IntN(5) == 0 {
				s.deleted = true
				emit(sessionEvent(trainingapi.EventSessionDeleted, id, user, s.sport, started, 3))
				late = append(late, completed)
			}
			if rng.IntN(10) == 0 {
				events = append(events, late...)
			}
		}

		// Gear: created, some updated (worn further), retired or deleted.
		for range rng.IntN(3) {
			id := uuid.New()
			threshold := 800_000.0
			g := &facts.GearItem{Gear: facts.Gear{ID: id, Type: "shoes", DistanceM: float64(rng.IntN(500_000)),
				ReplacementThresholdM: &threshold}, UserID: user, ChangedAt: reg.Add(time.Hour)}
			if rng.IntN(2) == 0 {
				g.Type, g.ReplacementThresholdM = "bike", nil
			}
			x.gear[id] = g
			created := gearEvent(clientapi.EventGearCreated, id, user, g.Type, g.DistanceM, g.ReplacementThresholdM, false, g.ChangedAt)
			emit(created)
			switch rng.IntN(4) {
			case 0:
				g.DistanceM += 100_000
				emit(gearEvent(clientapi.EventGearUpdated, id, user, g.Type, g.DistanceM, g.ReplacementThresholdM, false, g.ChangedAt.Add(time.Hour)))
				events = append(events, created) // late
			case 1:
				g.Retired = true
				emit(gearEvent(clientapi.EventGearUpdated, id, user, g.Type, g.DistanceM, g.ReplacementThresholdM, true, g.ChangedAt.Add(time.Hour)))
			case 2:
				g.Deleted = true
				emit(gearEvent(clientapi.EventGearDeleted, id, user, "", 0, nil, false, g.ChangedAt.Add(time.Hour)))
			}
		}

		if rng.IntN(4) == 0 {
			c := uuid.New()
			x.facts.Challenges = []uuid.UUID{c}
			emit(challengeEvent(true, user, c, reg.Add(time.Hour)))
		}
	}

	// Publish everything asynchronously, each under its own id.
	ids := make([]string, len(events))
	for i, e := range events {
		data, err := json.Marshal(e.payload)
		require.NoError(t, err)
		ids[i] = uuid.NewString()
		_, err = m.conn.JS.PublishMsgAsync(&nats.Msg{Subject: e.subject, Data: data}, jetstream.WithMsgID(ids[i]))
		require.NoError(t, err)
	}
	select {
	case <-m.conn.JS.PublishAsyncComplete():
	case <-time.After(2 * time.Minute):
		t.Fatal("publishing did not complete")
	}
	t.Logf("%d users, %d events", users, len(events))
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, m.db.QueryRow(ctx, `SELECT count(*) FROM promo.processed_messages`).Scan(&n))
		return n >= len(events)
	}, 5*time.Minute, 100*time.Millisecond, "every event applied")
	m.applied(ids...)

	at := time.Now()
	for user, x := range want {
		f := x.facts
		counts := map[string]int{}
		recent := 0
		for _, s := range x.sessions {
			if s.deleted {
				continue
			}
			counts[s.sport]++
			if !s.started.Before(at.Add(-facts.ActivityWindow)) {
				recent++
			}
		}
		for sport := range counts {
			f.Sports = append(f.Sports, sport)
		}
		sort.Slice(f.Sports, func(i, j int) bool {
			a, b := f.Sports[i], f.Sports[j]
			return counts[a] > counts[b] || (counts[a] == counts[b] && a < b)
		})
		f.SessionsPerWeek = float64(recent) / 4
		for _, g := range x.gear {
			if !g.Retired && !g.Deleted {
				f.Gear = append(f.Gear, g.Gear)
			}
		}
		slices.SortFunc(f.Gear, func(a, b facts.Gear) int { return slices.Compare(a.ID[:], b.ID[:]) })
		got, err := facts.Load(ctx, m.db, user, at)
		require.NoError(t, err)
		slices.SortFunc(got.Gear, func(a, b facts.Gear) int { return slices.Compare(a.ID[:], b.ID[:]) })
		if !assert.Equal(t, f, got, "user %s", user) {
			return
		}
	}
}
