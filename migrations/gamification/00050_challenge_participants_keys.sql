-- Fewer index entries per participant update (issue 14's throughput).
-- The applier changes a participant's value and score with every counted
-- session; the score is in the board index, so such an update is never
-- HOT and adds an entry to every index of the table. Before, there were
-- three for an individual participant: the primary key (challenge, user),
-- the user index (user) and the board index (challenge, score, user). The
-- primary key now leads with the user: it finds a participant by its pair
-- and a user's participations (what the applier reads for each batch's
-- users, and "mine") in one index, so the user index goes. The board
-- index now holds every participant (not only those with a score): it is
-- the challenge's own path to all its participants (a group goal's
-- completion, the cascade from a challenge); the leaderboard's queries
-- keep their "score IS NOT NULL", which the index answers. An update now
-- adds two index entries (three in a team challenge: the team index).
--
-- Considered instead (session 6's suggestion, not built): value, score and
-- counted in a narrow table of their own. Its rows need a key by pair too
-- (the applier finds them by challenge and user), so its update would add
-- the same two entries (its key and the board); its row would hardly be
-- narrower (the tuple header dominates); and every read of a
-- participation would join the two tables. See docs/benchmarks.md
-- (session 7) for the figures.

-- +goose Up
ALTER TABLE gamification.challenge_participants DROP CONSTRAINT challenge_participants_pkey,
  ADD CONSTRAINT challenge_participants_pkey PRIMARY KEY (user_id, challenge_id);
DROP INDEX gamification.challenge_participants_user;
DROP INDEX gamification.challenge_participants_board;
CREATE INDEX challenge_participants_board ON gamification.challenge_participants
  (challenge_id, score DESC, user_id DESC);

-- +goose Down
DROP INDEX gamification.challenge_participants_board;
CREATE INDEX challenge_participants_board ON gamification.challenge_participants
  (challenge_id, score DESC, user_id DESC) WHERE score IS NOT NULL;
CREATE INDEX challenge_participants_user ON gamification.challenge_participants (user_id);
ALTER TABLE gamification.challenge_participants DROP CONSTRAINT challenge_participants_pkey,
  ADD CONSTRAINT challenge_participants_pkey PRIMARY KEY (challenge_id, user_id);
