package facts_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	clientapi "github.com/athlos/athlos/modules/client/api"
	gamificationapi "github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/promo/internal/facts"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// module is the promo module running over a real NATS and PostgreSQL,
// fed by events a test publishes as the other modules would.
type module struct {
	t    testing.TB
	app  *apptest.App
	conn *bus.Conn
	db   *pgxpool.Pool
}

func startModule(t testing.TB) *module {
	t.Helper()
	a := apptest.Start(t, "promo")
	db, err := storage.Open(context.Background(), a.DBURL, 0)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return &module{t: t, app: a, conn: bustest.Conn(t, a.NATS), db: db}
}

// publish publishes an event under a new message id, returned.
func (m *module) publish(subject string, payload any) string {
	m.t.Helper()
	id := uuid.NewString()
	_, err := bus.PublishStream(context.Background(), m.conn.JS, subject, id, payload)
	require.NoError(m.t, err)
	return id
}

// applied waits until the messages of ids were applied (their ids are in
// promo.processed_messages).
func (m *module) applied(ids ...string) {
	m.t.Helper()
	require.Eventually(m.t, func() bool {
		var n int
		require.NoError(m.t, m.db.QueryRow(context.Background(),
			`SELECT count(*) FROM promo.processed_messages WHERE msg_id = ANY($1)`, ids).Scan(&n))
		return n == len(ids)
	}, 20*time.Second, 10*time.Millisecond, "events applied")
}

// send publishes events and waits until they are applied.
func (m *module) send(events ...event) {
	m.t.Helper()
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = m.publish(e.subject, e.payload)
	}
	m.applied(ids...)
}

func (m *module) facts(user uuid.UUID) facts.Facts {
	m.t.Helper()
	f, err := facts.Load(context.Background(), m.db, user, time.Now())
	require.NoError(m.t, err)
	return f
}

type event struct {
	subject string
	payload any
}

func registered(user uuid.UUID, lang string, at time.Time) event {
	return event{clientapi.EventUserRegistered, clientapi.UserRegistered{UserID: user.String(), DisplayName: "Ana",
		Language: lang, RegisteredAt: at}}
}

func profile(user uuid.UUID, birth, country, lang string, at time.Time) event {
	p := clientapi.ProfileUpdated{UserProfile: clientapi.UserProfile{UserID: user.String(), DisplayName: "Ana", Language: lang,
		Units: "metric", TimeZone: "Europe/Berlin", WeightKg: ptr(61.5), RestingHRBpm: ptr(48), MaxHRBpm: ptr(190),
		ThresholdHRBpm: ptr(170)}, UpdatedAt: at}
	if birth != "" {
		p.BirthDate = &birth
	}
	if country != "" {
		p.Country = &country
	}
	return event{clientapi.EventProfileUpdated, p}
}

func sessionEvent(subject string, id, user uuid.UUID, sport string, started time.Time, rev int64) event {
	if subject == trainingapi.EventSessionDeleted {
		return event{subject, trainingapi.SessionDeleted{SessionID: id.String(), UserID: user.String(), Sport: sport,
			Finished: true, DeletedAt: time.Now(), Revision: rev}}
	}
	return event{subject, trainingapi.SessionCompleted{SessionID: id.String(), UserID: user.String(), Sport: sport,
		StartedAt: started, CompletedAt: started.Add(time.Hour), DistanceM: 10_000, AvgHRBpm: ptr(150.0), MaxHRBpm: ptr(180),
		Plausible: true, Visibility: "private", Revision: rev}}
}

func gearEvent(subject string, id, user uuid.UUID, typ string, dist float64, threshold *float64, retired bool, at time.Time) event {
	if subject == clientapi.EventGearDeleted {
		return event{subject, clientapi.GearDeleted{UserID: user.String(), GearID: id.String(), DeletedAt: at}}
	}
	return event{subject, clientapi.GearChanged{UserID: user.String(), OccurredAt: at, Gear: clientapi.Gear{ID: id.String(),
		Type: typ, Name: typ, DistanceM: dist, ReplacementThresholdM: threshold, Retired: retired, CreatedAt: at, UpdatedAt: at}}}
}

func challengeEvent(joined bool, user, challenge uuid.UUID, at time.Time) event {
	subject := gamificationapi.EventChallengeLeft
	if joined {
		subject = gamificationapi.EventChallengeJoined
	}
	return event{subject, gamificationapi.ChallengeMember{ChallengeID: challenge.String(), UserID: user.String(), At: at}}
}

// Every consumer of the module, over the real bus: events sent again
// (under new ids, as a producer that retries would), out of order, edits
// and deletions, malformed events, and an erased user's late events.
func TestConsumers(t *testing.T) {
	t.Parallel()
	m := startModule(t)
	now := time.Now().UTC().Truncate(time.Second)

	t.Run("registration and profile", func(t *testing.T) {
		user := uuid.New()
		m.send(registered(user, "en", now.Add(-time.Hour)))
		f := m.facts(user)
		assert.True(t, f.Known)
		assert.Equal(t, now.Add(-time.Hour), f.RegisteredAt)
		assert.Equal(t, "en", f.Language)
		assert.Nil(t, f.BirthDate)
		assert.False(t, f.Personalisable(now), "no birth date: untargeted")

		m.send(profile(user, "1990-05-17", "de", "de", now.Add(-time.Minute)))
		want := m.facts(user)
		assert.Equal(t, date(1990, 5, 17), want.BirthDate)
		assert.Equal(t, "DE", want.Country, "upper case")
		assert.Equal(t, "de", want.Language)
		assert.True(t, want.Personalisable(now))

		// An older profile, the same one again and the registration
		// again change nothing.
		m.send(profile(user, "2000-01-01", "FR", "fr", now.Add(-2*time.Minute)),
			profile(user, "1990-05-17", "de", "de", now.Add(-time.Minute)),
			registered(user, "en", now.Add(-time.Hour)))
		assert.Equal(t, want, m.facts(user))

		// A newer one clears the birth date and the country.
		m.send(profile(user, "", "", "pt-BR", now))
		f = m.facts(user)
		assert.Nil(t, f.BirthDate)
		assert.Empty(t, f.Country)
		assert.Equal(t, "pt-BR", f.Language)

		// A profile before the registration: the registration keeps the
		// profile's language.
		early := uuid.New()
		// 18 tomorrow: a minor today.
		m.send(profile(early, now.AddDate(-18, 0, 1).Format(time.DateOnly), "US", "es", now))
		m.send(registered(early, "en", now.Add(-time.Minute)))
		f = m.facts(early)
		assert.Equal(t, "es", f.Language)
		assert.Equal(t, now.Add(-time.Minute), f.RegisteredAt)
		age, _ := f.Age(now)
		assert.Equal(t, 17, age)
		assert.False(t, f.Personalisable(now), "a minor")
	})

	t.Run("sessions by revision", func(t *testing.T) {
		user, s1, s2 := uuid.New(), uuid.New(), uuid.New()
		m.send(registered(user, "en", now.Add(-24*time.Hour)), profile(user, "1985-01-01", "GB", "en", now))
		started := now.Add(-48 * time.Hour)
		m.send(sessionEvent(trainingapi.EventSessionCompleted, s1, user, "run", started, 1),
			sessionEvent(trainingapi.EventSessionCompleted, s2, user, "ride", started, 1))
		f := m.facts(user)
		assert.Equal(t, []string{"ride", "run"}, f.Sports)
		assert.InDelta(t, 0.5, f.SessionsPerWeek, 1e-9)

		// An edit (rev 2) turns the run into a swim; the completion sent
		// again after it changes nothing.
		m.send(sessionEvent(trainingapi.EventSessionUpdated, s1, user, "swim", started, 2))
		m.send(sessionEvent(trainingapi.EventSessionCompleted, s1, user, "run", started, 1))
		assert.Equal(t, []string{"ride", "swim"}, m.facts(user).Sports)

		// The deletion (rev 3) takes it back; a late edit (rev 2) does not
		// bring it back.
		m.send(sessionEvent(trainingapi.EventSessionDeleted, s1, user, "swim", started, 3))
		m.send(sessionEvent(trainingapi.EventSessionUpdated, s1, user, "swim", started, 2))
		f = m.facts(user)
		assert.Equal(t, []string{"ride"}, f.Sports)
		assert.InDelta(t, 0.25, f.SessionsPerWeek, 1e-9)

		// Out of order: a deletion before the completion it follows.
		s3 := uuid.New()
		m.send(sessionEvent(trainingapi.EventSessionDeleted, s3, user, "row", started, 2))
		m.send(sessionEvent(trainingapi.EventSessionCompleted, s3, user, "row", started, 1))
		assert.Equal(t, []string{"ride"}, m.facts(user).Sports)

		// A session started 100 days ago is outside every window.
		m.send(sessionEvent(trainingapi.EventSessionCompleted, uuid.New(), user, "hike", now.Add(-100*24*time.Hour), 1))
		assert.Equal(t, []string{"ride"}, m.facts(user).Sports)
	})

	t.Run("gear by time", func(t *testing.T) {
		user, shoes, bike := uuid.New(), uuid.New(), uuid.New()
		threshold := 800_000.0
		m.send(gearEvent(clientapi.EventGearCreated, shoes, user, "shoes", 0, &threshold, false, now.Add(-time.Hour)),
			gearEvent(clientapi.EventGearCreated, bike, user, "bike", 0, nil, false, now.Add(-time.Hour)))
		m.send(gearEvent(clientapi.EventGearUpdated, shoes, user, "shoes", 700_000, &threshold, false, now.Add(-time.Minute)))
		// Late: the creation again, and an older update.
		m.send(gearEvent(clientapi.EventGearCreated, shoes, user, "shoes", 0, &threshold, false, now.Add(-time.Hour)),
			gearEvent(clientapi.EventGearUpdated, shoes, user, "shoes", 100, &threshold, false, now.Add(-30*time.Minute)))
		f := m.facts(user)
		require.Len(t, f.Gear, 2)
		for _, g := range f.Gear {
			if g.ID == shoes {
				w, ok := g.WornFraction()
				assert.True(t, ok)
				assert.InDelta(t, 0.875, w, 1e-9)
			}
		}
		// Retiring the bike and deleting the shoes leave nothing; a late
		// update of the shoes does not bring them back.
		m.send(gearEvent(clientapi.EventGearUpdated, bike, user, "bike", 0, nil, true, now),
			gearEvent(clientapi.EventGearDeleted, shoes, user, "", 0, nil, false, now))
		m.send(gearEvent(clientapi.EventGearUpdated, shoes, user, "shoes", 750_000, &threshold, false, now.Add(-time.Second)))
		assert.Empty(t, m.facts(user).Gear)
	})

	t.Run("gear wear", func(t *testing.T) {
		user, shoes := uuid.New(), uuid.New()
		threshold := 800_000.0
		wear := func(dist, threshold float64, component string, at time.Time) event {
			return event{clientapi.EventGearWearLimit, clientapi.GearWearLimitReached{UserID: user.String(), GearID: shoes.String(),
				GearType: "shoes", GearName: "shoes", ComponentID: component, DistanceM: dist, ReplacementThresholdM: threshold, ReachedAt: at}}
		}
		distance := func() float64 {
			f := m.facts(user)
			require.Len(t, f.Gear, 1)
			return f.Gear[0].DistanceM
		}
		m.send(gearEvent(clientapi.EventGearCreated, shoes, user, "shoes", 100_000, &threshold, false, now.Add(-time.Hour)))
		// A component's crossing, one of another threshold, and one older
		// than the last gear event change nothing.
		m.send(wear(900_000, threshold, uuid.NewString(), now.Add(-time.Minute)), wear(900_000, 500_000, "", now.Add(-time.Minute)),
			wear(900_000, threshold, "", now.Add(-2*time.Hour)))
		assert.InDelta(t, 100_000, distance(), 1e-9)
		// The crossing: the distance then.
		m.send(wear(801_000, threshold, "", now.Add(-time.Minute)))
		assert.InDelta(t, 801_000, distance(), 1e-9)
		// A newer edit has the distance of its own time.
		m.send(gearEvent(clientapi.EventGearUpdated, shoes, user, "shoes", 805_000, &threshold, false, now))
		assert.InDelta(t, 805_000, distance(), 1e-9)
	})

	t.Run("challenges by time", func(t *testing.T) {
		user, c1, c2 := uuid.New(), uuid.New(), uuid.New()
		m.send(challengeEvent(true, user, c1, now.Add(-time.Hour)), challengeEvent(true, user, c2, now.Add(-time.Hour)))
		m.send(challengeEvent(false, user, c2, now.Add(-time.Minute)))
		m.send(challengeEvent(true, user, c2, now.Add(-time.Hour))) // late
		assert.Equal(t, []uuid.UUID{c1}, m.facts(user).Challenges)
		m.send(challengeEvent(true, user, c2, now)) // joined again
		assert.ElementsMatch(t, []uuid.UUID{c1, c2}, m.facts(user).Challenges)
	})

	t.Run("malformed events are refused", func(t *testing.T) {
		user := uuid.New()
		for _, e := range []event{
			{clientapi.EventUserRegistered, map[string]any{"user_id": "not-a-uuid", "registered_at": now}},
			{clientapi.EventUserRegistered, map[string]any{"user_id": user}},
			{clientapi.EventProfileUpdated, map[string]any{"user_id": user, "birth_date": "17.05.1990", "updated_at": now}},
			{trainingapi.EventSessionCompleted, map[string]any{"session_id": uuid.New(), "user_id": user, "revision": 1}},
			{clientapi.EventGearCreated, map[string]any{"user_id": user, "gear": map[string]any{"id": "x"}}},
			{gamificationapi.EventChallengeJoined, []int{1}},
		} {
			m.publish(e.subject, e.payload)
		}
		// Events after them are applied: the consumers went on.
		m.send(registered(uuid.New(), "en", now), profile(uuid.New(), "", "", "en", now),
			sessionEvent(trainingapi.EventSessionCompleted, uuid.New(), uuid.New(), "run", now.Add(-time.Hour), 1),
			gearEvent(clientapi.EventGearCreated, uuid.New(), uuid.New(), "bike", 0, nil, false, now),
			challengeEvent(true, uuid.New(), uuid.New(), now))
		assert.Equal(t, facts.Facts{UserID: user}, m.facts(user))
	})

	t.Run("erasure", func(t *testing.T) {
		user, session, gear, challenge := uuid.New(), uuid.New(), uuid.New(), uuid.New()
		m.send(registered(user, "en", now.Add(-time.Hour)), profile(user, "1980-02-02", "IT", "it", now),
			sessionEvent(trainingapi.EventSessionCompleted, session, user, "run", now.Add(-time.Hour), 1),
			gearEvent(clientapi.EventGearCreated, gear, user, "shoes", 1, nil, false, now),
			challengeEvent(true, user, challenge, now))
		inTx(t, m.db, func(ctx context.Context, tx pgx.Tx) error {
			_, err := facts.SetConsent(ctx, tx, user, false, now)
			return err
		})
		require.True(t, m.facts(user).Known)

		m.send(event{clientapi.EventUserDeleted, clientapi.UserDeleted{UserID: user.String(), DeletedAt: now}})
		assert.Equal(t, facts.Facts{UserID: user}, m.facts(user))
		assertNoRows(t, m.db, user)

		// Late events of the erased user are not applied, nor a second
		// deletion.
		m.send(registered(user, "en", now.Add(-time.Hour)), profile(user, "1980-02-02", "IT", "it", now.Add(time.Minute)),
			sessionEvent(trainingapi.EventSessionUpdated, session, user, "ride", now.Add(-time.Hour), 2),
			gearEvent(clientapi.EventGearUpdated, gear, user, "shoes", 2, nil, false, now.Add(time.Minute)),
			challengeEvent(true, user, uuid.New(), now.Add(time.Minute)),
			event{clientapi.EventUserDeleted, clientapi.UserDeleted{UserID: user.String(), DeletedAt: now}})
		assert.Equal(t, facts.Facts{UserID: user}, m.facts(user))
		assertNoRows(t, m.db, user)
		var erased int
		require.NoError(t, m.db.QueryRow(context.Background(), `SELECT count(*) FROM promo.erased_users WHERE user_id = $1`, user).Scan(&erased))
		assert.Equal(t, 1, erased)
	})
}

// assertNoRows checks that no facts table holds a row of user.
func assertNoRows(t *testing.T, db *pgxpool.Pool, user uuid.UUID) {
	t.Helper()
	for _, table := range []string{"users", "consents", "user_sessions", "user_gear", "user_challenges"} {
		var n int
		require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM promo.`+table+` WHERE user_id = $1`, user).Scan(&n))
		assert.Zero(t, n, table)
	}
}

// Erase calls every eraser in its transaction, after the facts are gone,
// and a failing eraser rolls the whole erasure back.
func TestEraseCallsErasers(t *testing.T) {
	t.Parallel()
	db := pgtest.NewPool(t)
	ctx := context.Background()
	now := time.Now()
	user := uuid.New()
	inTx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		return facts.ApplyRegistration(ctx, tx, facts.Registration{UserID: user, Language: "en", RegisteredAt: now})
	})

	failing := func(context.Context, pgx.Tx, uuid.UUID) error { return assert.AnError }
	err := storage.InTx(ctx, db, func(tx pgx.Tx) error { return facts.Erase(ctx, tx, user, now, failing) })
	require.ErrorIs(t, err, assert.AnError)
	assert.True(t, load(t, db, user).Known, "rolled back")

	var calls []uuid.UUID
	seen := -1
	counting := func(ctx context.Context, tx pgx.Tx, u uuid.UUID) error {
		calls = append(calls, u)
		return tx.QueryRow(ctx, `SELECT count(*) FROM promo.users WHERE user_id = $1`, u).Scan(&seen)
	}
	inTx(t, db, func(ctx context.Context, tx pgx.Tx) error { return facts.Erase(ctx, tx, user, now, counting, counting) })
	assert.Equal(t, []uuid.UUID{user, user}, calls)
	assert.Zero(t, seen, "the erasers run in the erasing transaction")
	assert.False(t, load(t, db, user).Known)

	// An erased user can no longer record a choice.
	err = storage.InTx(ctx, db, func(tx pgx.Tx) error {
		_, err := facts.SetConsent(ctx, tx, user, true, now)
		return err
	})
	assert.ErrorIs(t, err, facts.ErrErased)
}

func load(t *testing.T, db *pgxpool.Pool, user uuid.UUID) facts.Facts {
	t.Helper()
	f, err := facts.Load(context.Background(), db, user, time.Now())
	require.NoError(t, err)
	return f
}

// No facts table has a column for health data: the profile's weight and
// heart rates and the sessions' heart rates, power and calories are
// dropped when the events are read.
func TestNoHealthDataStored(t *testing.T) {
	t.Parallel()
	db := pgtest.NewPool(t)
	rows, err := db.Query(context.Background(), `SELECT table_name || '.' || column_name FROM information_schema.columns
		WHERE table_schema = 'promo' AND table_name = ANY($1)`,
		[]string{"users", "consents", "user_sessions", "user_gear", "user_challenges", "erased_users"})
	require.NoError(t, err)
	columns, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.NotEmpty(t, columns)
	health := []string{"weight", "hr", "heart", "bpm", "load", "power", "calories", "kcal", "sex", "height", "kg"}
	for _, c := range columns {
		for _, word := range strings.FieldsFunc(c, func(r rune) bool { return r == '.' || r == '_' }) {
			assert.NotContains(t, health, word, c)
		}
	}
}

// An erasure running while a user's events are applied in other
// transactions leaves nothing of the user: the events take the user's lock
// shared, the erasure exclusively, so an event either commits before the
// erasure (and is erased) or sees the user erased (and is dropped).
func TestEraseWhileEventsApply(t *testing.T) {
	t.Parallel()
	db := pgtest.NewPool(t)
	ctx := context.Background()
	now := time.Now()
	const users, events = 20, 15
	var wg sync.WaitGroup
	errs := make(chan error, users*(events+1))
	ids := make([]uuid.UUID, users)
	for i := range ids {
		user := uuid.New()
		ids[i] = user
		for j := range events {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- storage.InTx(ctx, db, func(tx pgx.Tx) error {
					switch j % 3 {
					case 0:
						return facts.ApplySession(ctx, tx, facts.Session{ID: uuid.New(), UserID: user, Sport: "run", StartedAt: now, Revision: 1})
					case 1:
						return facts.ApplyGear(ctx, tx, facts.GearItem{Gear: facts.Gear{ID: uuid.New(), Type: "shoes"}, UserID: user, ChangedAt: now})
					default:
						return facts.ApplyProfile(ctx, tx, facts.Profile{UserID: user, Country: "DE", UpdatedAt: now.Add(time.Duration(j) * time.Second)})
					}
				})
			}()
			if j == events/2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- storage.InTx(ctx, db, func(tx pgx.Tx) error { return facts.Erase(ctx, tx, user, now) })
				}()
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, user := range ids {
		assertNoRows(t, db, user)
	}
}
