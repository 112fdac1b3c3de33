package service

import (
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/achieve"
	"github.com/athlos/athlos/modules/gamification/internal/achieve/store"
	"github.com/athlos/athlos/modules/gamification/internal/rules"
)

// Achievement turns an admin's definition into an achievement, normalized
// and validated: invalid names the field (body.<field>, the rule's as
// body.rule.<field>).
func Achievement(d api.AchievementDefinition) (achieve.Achievement, error) {
	a := achieve.Achievement{ID: d.ID, Name: d.Name, Description: d.Description, NameKey: d.NameKey,
		DescriptionKey: d.DescriptionKey, Hidden: d.Hidden, Rule: rules.Rule{Metric: rules.Metric(d.Rule.Metric),
			Sport: d.Rule.Sport, Window: rules.Window(d.Rule.Window), DistanceM: d.Rule.DistanceM, RepeatEvery: d.Rule.RepeatEvery}}
	if d.Rule.Hours != nil {
		a.Rule.Hours = &rules.Hours{From: d.Rule.Hours.From, To: d.Rule.Hours.To}
	}
	for _, t := range d.Rule.Tiers {
		a.Rule.Tiers = append(a.Rule.Tiers, rules.Tier{Name: t.Name, Threshold: t.Threshold, Points: t.Points})
	}
	a.Normalize()
	if err := a.Validate(); err != nil {
		return a, bus.FieldInvalid("body.", err)
	}
	return a, nil
}

// Create adds an achievement to the catalogue (conflict when its id is
// taken, a retired one's too). It is unlocked from the next session on;
// history needs a backfill.
func (s *Service) Create(ctx context.Context, d api.AchievementDefinition) (api.AdminAchievement, error) {
	a, err := Achievement(d)
	if err != nil {
		return api.AdminAchievement{}, err
	}
	if err := store.Create(ctx, s.pool, a); errors.Is(err, store.ErrExists) {
		return api.AdminAchievement{}, bus.Errorf(bus.CodeConflict, "achievement %s exists already (replace it with PUT)", a.ID)
	} else if err != nil {
		return api.AdminAchievement{}, err
	}
	return s.AdminGet(ctx, a.ID)
}

// Replace replaces an achievement's definition (not_found for an unknown
// one; a retired one comes back). What users unlocked stays, by tier
// number; history needs a backfill.
func (s *Service) Replace(ctx context.Context, id string, d api.AchievementDefinition) (api.AdminAchievement, error) {
	if d.ID != "" && d.ID != id {
		return api.AdminAchievement{}, bus.Invalid("body.id", "must be absent or the path's id (an achievement's id does not change)")
	}
	d.ID = id
	a, err := Achievement(d)
	if err != nil {
		return api.AdminAchievement{}, err
	}
	if err := store.Replace(ctx, s.pool, a); err != nil {
		return api.AdminAchievement{}, notFound(err)
	}
	return s.AdminGet(ctx, id)
}

// Retire retires an achievement: no longer unlocked nor listed, but kept
// among what users unlocked of it.
func (s *Service) Retire(ctx context.Context, id string) error {
	return notFound(store.Retire(ctx, s.pool, id))
}

// AdminList is the whole catalogue, retired achievements too when asked.
func (s *Service) AdminList(ctx context.Context, retired bool) (api.AdminAchievementList, error) {
	entries, err := store.Catalogue(ctx, s.pool)
	if err != nil {
		return api.AdminAchievementList{}, err
	}
	counts, err := store.UnlockCounts(ctx, s.pool, nil)
	if err != nil {
		return api.AdminAchievementList{}, err
	}
	backfills, err := store.LatestBackfills(ctx, s.pool)
	if err != nil {
		return api.AdminAchievementList{}, err
	}
	out := api.AdminAchievementList{Items: []api.AdminAchievement{}}
	for _, e := range entries {
		if e.RetiredAt == nil || retired {
			out.Items = append(out.Items, adminView(e, counts[e.ID], backfills))
		}
	}
	return out, nil
}

// AdminGet is one achievement as the admin API shows it.
func (s *Service) AdminGet(ctx context.Context, id string) (api.AdminAchievement, error) {
	e, err := store.Get(ctx, s.pool, id)
	if err != nil {
		return api.AdminAchievement{}, notFound(err)
	}
	counts, err := store.UnlockCounts(ctx, s.pool, []string{id})
	if err != nil {
		return api.AdminAchievement{}, err
	}
	backfills, err := store.LatestBackfills(ctx, s.pool)
	if err != nil {
		return api.AdminAchievement{}, err
	}
	return adminView(e, counts[id], backfills), nil
}

func adminView(e store.Entry, unlocks int, backfills map[string]store.Backfill) api.AdminAchievement {
	v := userView(e)
	out := api.AdminAchievement{AchievementDefinition: api.AchievementDefinition{ID: e.ID, Name: e.Name, Description: e.Description,
		NameKey: e.NameKey, DescriptionKey: e.DescriptionKey, Hidden: e.Hidden, Rule: api.AchievementRule{Metric: v.Metric,
			Sport: v.Sport, Window: v.Window, DistanceM: v.DistanceM, Hours: v.Hours, Tiers: v.Tiers, RepeatEvery: v.RepeatEvery}},
		Version: e.Version, Retired: e.RetiredAt != nil, RetiredAt: e.RetiredAt, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
		Unlocks: unlocks}
	if b, ok := backfills[e.ID]; ok {
		bv := BackfillView(b)
		out.Backfill = &bv
	}
	return out
}

// BackfillView is a backfill as the admin API shows it.
func BackfillView(b store.Backfill) api.Backfill {
	state := "running"
	if b.Done {
		state = "done"
	}
	return api.Backfill{ID: b.ID.String(), AchievementID: b.AchievementID, Version: b.Version, State: state, Users: b.Users,
		Unlocked: b.Unlocked, StartedAt: b.StartedAt, FinishedAt: b.FinishedAt}
}

// units of each metric's values.
var units = map[rules.Metric]string{
	rules.DistanceM: "m", rules.SessionDistanceM: "m", rules.MovingTimeS: "s", rules.SessionMovingTimeS: "s",
	rules.BestEffortS: "s", rules.Sessions: "sessions", rules.SessionsAtHours: "sessions", rules.ElevationGainM: "m",
	rules.SessionElevationGainM: "m", rules.StrengthVolumeKg: "kg", rules.StreakDays: "days", rules.StreakWeeks: "weeks",
	rules.SportsInWeek: "sports", rules.Records: "records", rules.ChallengesCompleted: "challenges",
}

func userView(e store.Entry) api.Achievement {
	r := e.Rule
	out := api.Achievement{ID: e.ID, Name: e.Name, Description: e.Description, NameKey: e.NameKey, DescriptionKey: e.DescriptionKey,
		Hidden: e.Hidden, Metric: string(r.Metric), Unit: units[r.Metric], Sport: r.Sport, Window: string(r.Window),
		DistanceM: r.DistanceM, RepeatEvery: r.RepeatEvery, Retired: e.RetiredAt != nil, Tiers: []api.AchievementTier{}}
	if r.Hours != nil {
		out.Hours = &api.Hours{From: r.Hours.From, To: r.Hours.To}
	}
	for _, t := range r.Tiers {
		out.Tiers = append(out.Tiers, api.AchievementTier{Name: t.Name, Threshold: t.Threshold, Points: t.Points})
	}
	return out
}

// List is the catalogue as user sees it: the active achievements, hidden
// ones only once they unlocked them (counted in hidden_count otherwise).
func (s *Service) List(ctx context.Context, user uuid.UUID) (api.AchievementList, error) {
	mine, err := s.Mine(ctx, user)
	if err != nil {
		return api.AchievementList{}, err
	}
	out := api.AchievementList{Items: []api.Achievement{}, HiddenCount: mine.HiddenCount}
	for _, m := range mine.Items {
		if !m.Retired {
			out.Items = append(out.Items, m.Achievement)
		}
	}
	return out, nil
}

// Mine is the user's achievements: every listed achievement with their
// progress (from their state) and unlocks, retired ones they unlocked, and
// their points and level.
func (s *Service) Mine(ctx context.Context, user uuid.UUID) (api.MyAchievements, error) {
	var out api.MyAchievements
	// One snapshot for the state (points) and the unlocks: two unlocks
	// committed between the two reads would otherwise show without
	// their points.
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		_, byID, err := s.catalogue(ctx, tx)
		if err != nil {
			return err
		}
		states, err := store.States(ctx, tx, []uuid.UUID{user})
		if err != nil {
			return err
		}
		list, err := store.UserUnlocks(ctx, tx, user)
		if err != nil {
			return err
		}
		out = mine(states[user], list, byID)
		return nil
	})
	return out, err
}

func mine(us *store.UserState, list []store.Unlock, byID map[string]*store.Entry) api.MyAchievements {
	unlocked := map[string][]api.Unlock{}
	for _, u := range list {
		e := byID[u.AchievementID]
		if e == nil {
			continue
		}
		v := api.Unlock{Tier: u.Tier, Repetition: u.Repetition, Points: u.Points, UnlockedAt: u.UnlockedAt}
		if u.Tier >= 1 && u.Tier <= len(e.Rule.Tiers) {
			v.TierName = e.Rule.Tiers[u.Tier-1].Name
		}
		if u.SessionID != nil {
			id := u.SessionID.String()
			v.SessionID = &id
		}
		unlocked[u.AchievementID] = append(unlocked[u.AchievementID], v)
	}
	out := api.MyAchievements{Points: us.Points, Items: []api.MyAchievement{}}
	out.Level, out.NextLevelPoints = achieve.Level(us.Points)
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		e := byID[id]
		got := unlocked[id]
		switch {
		case e.RetiredAt != nil && len(got) == 0:
			continue
		case e.Hidden && len(got) == 0:
			out.HiddenCount++
			continue
		}
		p := us.State.Progress(e.Rule)
		m := api.MyAchievement{Achievement: userView(*e), Value: p.Value, TiersReached: p.Reached, Repeats: p.Repeats,
			NextThreshold: p.Next, Unlocked: got}
		if m.Unlocked == nil {
			m.Unlocked = []api.Unlock{}
		}
		if p.Next != nil {
			m.NextTier = e.Rule.Tiers[min(p.Reached, len(e.Rule.Tiers)-1)].Name
		}
		out.Items = append(out.Items, m)
	}
	return out
}
