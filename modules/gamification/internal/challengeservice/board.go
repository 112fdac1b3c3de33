package challengeservice

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengestore"
)

// Leaderboards.
const (
	BoardIndividuals = "individuals"
	BoardTeams       = "teams"
)

// Leaderboard returns a page of the challenge's leaderboard as user sees
// it: individuals (participants with a value, best first, cursor pages) or
// teams (all of them), ties sharing a rank, with the caller's entry (or
// the caller's team's). Participants who opted out of leaderboards are
// not listed and take no rank; the caller's own entry (you) shows their
// rank among the listed even so. Errors: not_found (no such challenge, or not
// visible), invalid (query.board, query.limit, query.cursor).
func (s *Service) Leaderboard(ctx context.Context, user, id uuid.UUID, board string, limit int, cursor string) (api.ChallengeLeaderboard, error) {
	c, err := s.visible(ctx, s.pool, user, id)
	if err != nil {
		return api.ChallengeLeaderboard{}, err
	}
	out := api.ChallengeLeaderboard{ChallengeID: c.ID.String(), Board: board, Unit: challenge.Unit(c.Kind, c.Metric),
		LowerIsBetter: challenge.LowerIsBetter(c.Kind), Items: []api.ChallengeEntry{}}
	switch board {
	case "", BoardIndividuals:
		out.Board = BoardIndividuals
		return s.individuals(ctx, user, c, limit, cursor, out)
	case BoardTeams:
		if c.TeamMode == challenge.Individual {
			return out, bus.Invalid("query.board", "the challenge has no teams")
		}
		return s.teams(ctx, user, c, out)
	}
	return out, bus.Invalid("query.board", "must be individuals or teams")
}

func (s *Service) individuals(ctx context.Context, user uuid.UUID, c challengestore.Challenge, limit int, cursor string,
	out api.ChallengeLeaderboard) (api.ChallengeLeaderboard, error) {
	size, err := page.Size(limit)
	if err != nil {
		return out, bus.FieldInvalid("query.", err)
	}
	var after *challengestore.BoardKey
	if cursor != "" {
		score, id, err := challenge.ParseScoreCursor(cursor)
		if err != nil {
			return out, bus.FieldInvalid("query.", err)
		}
		after = &challengestore.BoardKey{Score: score, UserID: id}
	}
	rows, err := challengestore.BoardPage(ctx, s.pool, c.ID, after, size+1)
	if err != nil {
		return out, err
	}
	if len(rows) > size {
		rows = rows[:size]
		last := rows[size-1]
		next := challenge.ScoreCursor(last.Score, last.UserID)
		out.NextCursor = &next
	}
	rk, err := s.ranker(ctx, c)
	if err != nil {
		return out, err
	}
	if out.Ranked, err = rk.listed(); err != nil {
		return out, err
	}
	if len(rows) > 0 {
		better, before, err := rk.ahead(challengestore.BoardKey{Score: rows[0].Score, UserID: rows[0].UserID})
		if err != nil {
			return out, err
		}
		scores := make([]float64, len(rows))
		for i, r := range rows {
			scores[i] = r.Score
		}
		for i, rank := range challenge.Ranks(better+1, before, scores) {
			out.Items = append(out.Items, entry(rows[i], rank))
		}
	}
	p, err := challengestore.GetParticipant(ctx, s.pool, c.ID, user)
	switch {
	case errors.Is(err, challengestore.ErrNotFound):
		return out, nil
	case err != nil:
		return out, err
	}
	you := api.ChallengeEntry{UserID: user.String(), Value: p.Value}
	if p.TeamID != nil {
		you.TeamID = p.TeamID.String()
	}
	if p.Value != nil {
		better, _, err := rk.ahead(challengestore.BoardKey{Score: challenge.Score(c.Kind, *p.Value), UserID: user})
		if err != nil {
			return out, err
		}
		you.Rank = better + 1
	}
	out.You = &you
	return out, nil
}

func entry(e challengestore.Entry, rank int) api.ChallengeEntry {
	v := e.Value
	out := api.ChallengeEntry{Rank: rank, UserID: e.UserID.String(), Value: &v, Name: e.Name}
	if e.TeamID != nil {
		out.TeamID = e.TeamID.String()
	}
	return out
}

func (s *Service) teams(ctx context.Context, user uuid.UUID, c challengestore.Challenge, out api.ChallengeLeaderboard) (api.ChallengeLeaderboard, error) {
	teams, scores, err := challengestore.TeamEntries(ctx, s.pool, c.ID)
	if err != nil {
		return out, err
	}
	var ranked []float64
	for _, sc := range scores {
		if sc != nil {
			ranked = append(ranked, *sc)
		}
	}
	out.Ranked = len(ranked)
	ranks := challenge.Ranks(1, 0, ranked)
	p, err := challengestore.GetParticipant(ctx, s.pool, c.ID, user)
	if err != nil && !errors.Is(err, challengestore.ErrNotFound) {
		return out, err
	}
	for i, t := range teams {
		e := api.ChallengeEntry{TeamID: t.ID.String(), Name: t.Name, Members: t.Members, Value: t.Value}
		if i < len(ranks) {
			e.Rank = ranks[i]
		}
		out.Items = append(out.Items, e)
		if err == nil && p.TeamID != nil && *p.TeamID == t.ID {
			you := e
			out.You = &you
		}
	}
	return out, nil
}
