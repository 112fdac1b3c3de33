// Package gamification is the gamification module: achievements, individual and team challenges, and leaderboards
// (issue 14), all computed from the other modules' events.
//
//	module.go             wiring: the features, their appliers and the consumers that feed them
//	achievements.go       wiring of the achievements: service, RPC, consumers of records and challenges, backfills
//	api/                  its contract: subjects and payloads (events.go; achievements.go, challenges.go, leaderboards.go)
//	httpapi/              its HTTP operations (httpapi.go: the base; achievements.go: /v1/achievements,
//	                      /v1/me/achievements, /v1/admin/achievements …; one file per feature)
//	internal/activity/    what the module knows of users, groups and sessions (read models fed by the client, social
//	                      and training events), the batched session consumer, Change, Applier and Eraser
//	internal/rules/       the achievements' rules as data, validated, and their reference evaluation
//	internal/achieve/     the achievements' domain: a user's incremental State, the catalogue's entries, units,
//	                      points and levels, the default catalogue (catalogue.json); store/ (SQL), service/
//	                      (the applier, records, challenges, admin, backfill, views), rpc/
//	internal/rank/        the leaderboards' order-statistic structure (a two-level Fenwick tree over scores)
//	internal/board/       the leaderboards' domain: metrics, UTC periods, bucketed scores, what a session or
//	                      points add, Ranking (a board in memory: B-tree + rank.Counts)
//	internal/boardstore/, leaderboard/   the leaderboards' SQL, and their use cases (Applier, Eraser, points,
//	                      answers) with each process's boards in memory (Live) and their feed
//	internal/challenge/   the challenges' domain: kinds, validation, contributions, aggregates, ranks, team assignment
//	internal/challengestore/, challengeservice/, challengerpc/   the challenges' SQL, use cases and NATS adapters
//
// Schema: gamification (migrations/gamification). Stream: EVT_GAMIFICATION (evt.gamification.>).
//
// # Activity (internal/activity, migration 00003)
//
// Read models: users (display name, country, time zone, show_in_leaderboards; the newest event of the
// user wins, by its time), erased_users (deleted accounts: their late events are not applied),
// group_members (current members with their role; left_members and closed_groups keep the facts that
// end memberships, ordered by social's seq; a membership fact takes its group's lock shared, the
// closing exclusive, so no member outlives a closing applied at the same time), sessions (one row per finished, not deleted session:
// figures, plausibility, best efforts by name) and session_revisions (the last revision applied of
// every session ever seen, deleted ones too).
//
// Session events are consumed in batches by one durable consumer (gamification__evt_training_session,
// bus.ConsumeBatches with four workers, the messages shared among them by user: a user's events go to one
// worker, in order, and two workers never wait for each other's rows of a user): a batch is one transaction that records its message ids (a redelivery changes
// nothing), raises each session's revision only for a newer event (a late or out-of-order one is
// dropped; within a batch only a session's newest event counts) with the session rows locked in id
// order, writes the sessions with unnest (no query per event), and hands the changes (Old → New; Old
// nil: first completion, New nil: deletion) to every feature's Applier in the same transaction. So a
// feature's state and the read model commit together, exactly once; a failed batch is rolled back and
// tried again in halves. A deleted account (evt.client.user.deleted) is erased in one transaction:
// every feature that is an activity.Eraser erases its own rows first (it can still read the user's
// sessions), then the read models' rows go. The erasure holds the user's lock; every other writer
// of a user's rows (a batch of sessions, a profile, a membership, an unlock's points, a record or a
// completed challenge counted: activity.LockLive) takes it shared first and then finds the user in
// erased_users, so a late event of an erased user writes nothing. A feature that is an
// activity.ZoneWatcher hears of a user's new time zone in the transaction that saves it.
//
// # Achievements (internal/achieve, migration 00004)
//
// The catalogue is data (gamification.achievements: a rule of package rules with tiers and points, names and
// message keys, hidden or not), seeded from catalogue.json on the first start (an existing row is never
// overwritten) and changed by admins (/v1/admin/achievements: create, replace, retire; never deleted, so what
// users unlocked keeps its achievement). Each user has a State (gamification.achievement_users, binary): sums by
// sport and overall, each calendar window's best and latest period, the best session figures and efforts, the
// local days with a session, sessions by local hour, records and challenges counted, and how many units of each
// achievement were unlocked. The applier adds a user's new sessions to it in start order and evaluates the
// achievements their sport moves after each (the session that crosses a tier is the one named); an edit, a
// deletion or a session older than the state's latest period rebuilds the state from the user's sessions
// (progress recomputed; what it newly reaches names the session with which, added again in start order, progress
// first reaches it), and nothing unlocked is taken back. Only plausible sessions count. Days, weeks and
// hours are the user's time zone's: a change of zone rebuilds the user's state in the new one
// (activity.ZoneWatcher), so the whole history counts in the zone the user has now, as a backfill sees it. Unlocks are gamification.user_achievements rows, unique per user,
// achievement, tier and repetition (INSERT … ON CONFLICT DO NOTHING: each unlock once, whatever is delivered
// twice, and whatever a backfill finds again), announced with evt.gamification.achievement.unlocked in the same
// transaction; a user's points are their unlocks' sum, their level L needs 50·L·(L−1) points. A backfill
// (gamification.achievement_backfills) evaluates one achievement with rules.Evaluate over every user's history
// in batches of 200 users, a transaction each with its cursor: a crash leaves the run where its last batch
// ended, and every process's worker (at start, on request, every 30 s) takes it on (FOR UPDATE SKIP LOCKED).
//
// # Challenges (internal/challenge*, migration 00020)
//
// Tables: challenges (definition, counters: participants, ranked, a group goal's total; completed_at when
// a group goal is reached, ended_at when the end sweep closed it), challenge_groups (who sees it),
// challenge_teams (value and score per team), challenge_participants (joined_at, value, score: the value
// negated when lower is better, so every board is read by one index (challenge_id, score DESC, user_id
// DESC); completed_at once its completed event is written; counted: a total's sessions; keyed (user_id,
// challenge_id), so that the applier's update of a value adds two index entries, migration 00050) and
// challenge_contributions (what each counted session gave each participant of a fastest effort, a longest
// session or active days, so an edit or deletion takes exactly that back).
//
// The challenges' Applier runs in the session consumer's transaction: it takes an advisory lock per user
// of the batch (in one order; joining, leaving and erasure take it too: a join applied with a session
// of the user that started after the join's time counts it, whichever commits first; a join takes
// the user's activity.LockLive first, so it leaves nothing of an account erased at the same time), then locks the open challenges they take
// part in (FOR NO KEY UPDATE, in id order: the lock order is challenges, participants, teams, as in the end
// sweep, joining and leaving) and finds their open participations: not finalised, so a challenge whose end
// passed takes late sessions that started in its window for challenge.FinaliseGrace (48 h). A
// total adds what each changed session gives now less what it gave before (challenge.Contribute on
// activity.Change's New and Old: plausible, of the sport, started in the window and not before joining);
// the other aggregates take back the contributions of sessions seen before, copy in the new ones and
// recompute the participant from them. Then the challenges' counters and their teams (in id order). A
// participant reaching a target, or a group goal reached, completes there; a ranked challenge completes in
// the end sweep, FinaliseGrace after its end (every 30 s in every process: one challenge per transaction,
// FOR UPDATE SKIP LOCKED, marked ended in the same transaction as its completions). Completions are written with
// completed_at IS NULL in the statement that selects them, so each participant completes once. Boards of
// 5,000 ranked participants or more count ranks from a per-process snapshot of their order at most 2 s
// old (challengeservice/standings.go).
//
// # Leaderboards (internal/board, boardstore, leaderboard, migration 00040)
//
// Tables: board_slots (a period of one kind, its UTC start and a sport, empty for every sport) and board_totals
// (per slot and user: distance in cm, moving time in ms, sessions, elevation in cm, points; exact integers,
// so an edit or deletion subtracts exactly what the session added; a row taken back to nothing is
// deleted; keyed (slot_id, user_id) with no index by user, migration 00051: a user's rows are found by a
// probe per slot). These rows are the truth. The leaderboards' Applier adds a batch's changes (a session's old
// contribution taken back, its new one added, in the periods its start falls in: ISO week, month, year,
// all, each for every sport and its own; implausible sessions count nowhere) with one upsert (unnest, rows
// in user order, new slots made in one order in the batch's transaction), and puts one
// evt.gamification.leaderboard.changed (the slots and users changed) in the outbox. Points are added at
// unlocked_at in the transaction that stores the unlock (the achievements' PointsSink): in a batch of
// sessions, in the leaderboards' one upsert of the batch (activity.Batch; the leaderboards' Applier runs
// after the achievements'); for other unlocks (records, challenges, backfills) at once.
// A trigger on users (migrations 00040, 00051) puts the same message in the outbox when a user's name, country or
// opt-out changes, or the user is erased. A user is listed only once known (a users row: their
// registration or profile event has arrived; until then they may have opted out unseen), and the
// row's insert lists them when the user has totals already. The row is written under the user's lock
// exclusive (activity.SaveUser), the totals under it shared, so the trigger sees the totals of a session
// applied at the same time by another consumer, or that session's commit sees the row.
//
// Boards are ranked in memory, per process: at start Live rebuilds from PostgreSQL the boards most read
// (the current week's, month's, year's and all time's of every sport together, each metric, while they
// hold under half the bound below: Preload); any other board (a metric of a slot, globally or in one
// country; listed users only) loads on its first read (the read waits up to 3 s, then answers from SQL), and
// keeps it from evt.gamification.leaderboard.changed through an ordered consumer of its own (not a durable
// one: every process gets every message), re-reading the changed users' totals (set semantics: a repeated
// message changes nothing). At most 4,000,000 users in memory a process, the least recently read boards
// dropped first. The SQL fallback counts the bucketed scores exactly. A group's board reads its members'
// rows on each request.
//
// Publishes (through the outbox in gamification.outbox): evt.gamification.achievement.unlocked
// (api.AchievementUnlocked); evt.gamification.challenge.joined and evt.gamification.challenge.left
// (api.ChallengeMember), evt.gamification.challenge.completed (api.ChallengeCompleted, one per participant);
// evt.gamification.leaderboard.changed (api.LeaderboardChanged, internal: followed by the module's own
// processes).
//
// Answers: rpc.gamification.status.get (bus.ModuleStatus); rpc.gamification.achievements.list, .mine;
// rpc.gamification.admin.achievements.list, .create, .get, .replace, .retire, .backfill (role admin);
// rpc.gamification.challenges.create, .list, .get, .join, .leave, .leaderboard (api/challenges.go);
// rpc.gamification.leaderboards.get (api/leaderboards.go).
//
// Consumes: evt.training.session.completed, evt.training.session.updated, evt.training.session.deleted
// (the sessions read model and every feature, in batches); evt.client.user.registered,
// evt.client.profile.updated, evt.client.user.deleted (users; erasure); evt.social.member.joined,
// evt.social.member.role_changed, evt.social.member.left, evt.social.group.deleted (memberships);
// evt.training.record.set (achievements: records); evt.gamification.challenge.completed (achievements:
// challenges); evt.gamification.leaderboard.changed
// (each process's boards in memory: an ordered consumer, not durable).
package gamification
