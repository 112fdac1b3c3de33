// Package social is the social module: groups by sport, goal and place
// with their members, roles, requests, bans and invitation links (issue
// 13, groups), their chat (Group chat, below), notifications of members'
// records (Notifications, below); follows (with approval for users who
// ask for it), blocks, the feed and reports (issue 13, follows). It is
// laid out on
// the skeleton every module follows (docs/architecture.md, A module, file
// by file):
//
//	module.go            wiring: the service, its RPC handlers, its consumers
//	api/                 its contract: subjects and payloads (groups.go; follows.go, feed.go, reports.go)
//	httpapi/             its HTTP operations (groups.go: /v1/groups ...; follows.go: /v1/users/{id}/follow ...,
//	                     /v1/me/social, blocks; feed.go: /v1/feed; reports.go: /v1/reports ...)
//	internal/group/      the domain: a group's fields and their rules, who may do what (the permission
//	                     table, Allowed and AllowedOn), search queries and cursors
//	internal/service/    use cases
//	internal/store/      SQL, schema social
//	internal/rpc/        rpc.social.* handlers
//	internal/consume/    consumers of the client module's events, and training's: record.set (notif.go),
//	                     the feed's session and record events (feed.go)
//	internal/notif/      the domain of notifications: kinds, quiet hours, device tokens, push text
//	internal/push/       the Pusher interface and its logging implementation
//	internal/publish/    chat events into CHAT (chat.go); the relay of notifications to NOTIFY (notify.go)
//	notify.go            wiring of the notifications; config.go: Config (the pusher, the clock)
//
// Schema: social (migrations/social): groups (place: geography(Point,
// 4326) with a GiST index; sports and goals: text[] with GIN indexes; name
// and description: a pg_trgm GIN index for the text search; member_count
// kept with the members), members (role owner, admin or member),
// bans, join_requests (of private groups), invites (invitation links: the
// token's SHA-256, expiry, uses), users (the names read model: display
// name, deleted), the sequence membership_seq (the order of membership
// events), and idempotency_keys (bus.Once: groups.create and
// invites.create answer a retry with the client's Idempotency-Key with the
// first answer); follows (follower, followee, state active or pending: a
// request waiting for approval), settings (approve_followers: the client
// profile has no "private profile" flag, so the user's own choice is
// kept here), blocks, the sequence follow_seq (the order of follow and
// block events), feed_items (the feed's read model, below) and reports.
// Every change of a group's members runs with the group's
// row locked, so member_count and member_limit hold under concurrent
// joins. store.MemberRole is what the chat asks of a membership.
// Stream: EVT_SOCIAL (evt.social.>).
//
// Who may do what (internal/group/policy.go, tested for every action and
// relation): anyone sees a group's facts, a private one's too (it is
// findable, as Strava's private clubs are), with their own membership;
// members of a public group are listed to anyone but banned users, of a
// private one to members only; owner and admins change the group, decide
// requests, remove and ban those below them (a ban also keeps a non-member
// out) and make invitation links; the owner alone closes the group,
// promotes and demotes admins and hands the ownership on (the owner can't
// leave before). Joining a public group is immediate, a private one's is a
// request (or immediate with an invitation's token); a banned user can't
// join.
//
// Search (GET /v1/groups): sport and goal by array containment, text as a
// case-insensitive substring of name or description (ILIKE on the pg_trgm
// index: substrings and word parts match, which full-text search would
// not; at least 3 characters), near=lat,lon with radius_m: groups whose
// point is within the radius on the sphere (ST_DWithin, use_spheroid
// false), sorted by the distance on the sphere (<->, the same measure, so
// the order, the radius and distance_m agree), else newest first; mine
// for the caller's groups. Cursors carry the last distance and id.
//
// Deleted accounts (evt.client.user.deleted): the user's memberships end
// (member.left, reason account_deleted), their requests and bans go and
// their name is forgotten for good. A group they owned passes to the admin
// who joined first, else the member who joined first (member.role_changed,
// group.updated); a group with nobody else in it is closed
// (group.deleted).
//
// Follows (service/follow.go): following a user is immediate, or a
// request when the user approves followers (GET/PATCH /v1/me/social:
// approve_followers, like a private profile on Instagram or Strava's
// "approve followers"); the user approves or rejects it, and may remove a
// follower; turning approval off admits the waiting requests. Anyone
// sees a user's followers and whom it follows, but for a user who
// approves followers: only it and its followers; never a user it blocked.
// Follow and block changes of two users run under both users' advisory
// locks, so a follow can't slip past a block. Training keeps a read model
// of the follows and blocks (training.follows, training.blocks): a
// followers session is seen and watched by the owner's followers (not a
// requester) and members of its groups.
//
// Blocks (service/block.go): blocking ends the follows either way and
// keeps the blocked user from following; training refuses the blocked
// user every session of the blocker (public ones, live watching and share
// links included) and takes the grants it had; the feed leaves each out
// of the other's. The blocked user is not told. In a group chat a block
// changes nothing: both stay members and each one's messages to the group
// stay visible to the group (the group's admins moderate it; there are no
// direct messages to block). Lifting a block does not bring the follows
// back.
//
// The feed (service/feed.go, GET /v1/feed): a card per finished session
// (owner, sport, title, start, distance, moving time, visibility; from
// evt.training.session.completed and .updated, each applied only if its
// revision is newer) and per session's new records (evt.training.
// record.set), in feed_items (a deleted session's cards stay as
// tombstones, so a late event brings nothing back; a deleted account's
// go). A user's feed: the cards of the users it follows and of the members
// of its groups, of visibility followers or public (never private, never
// its own), none of a user it blocked or who blocked it, newest first by
// the card's time (the session's completion, the records' setting),
// cursor-paginated. A page reads each owner's newest cards by an
// index-only range of feed_items_owner and merges them (fan-out on read:
// nothing is written per follower). Achievement cards come from
// evt.gamification.achievement.unlocked of a session, and take the session card's visibility.
// A session's cards come from separate consumers, often at once (training publishes a
// completion and its records together), each copying or updating what another wrote: each
// takes the session's advisory lock (and its owner's facts lock shared; the erasure takes it
// exclusive), so the later transaction sees the earlier one's cards (store.LockSessionCards).
//
// Reports (service/report.go): a user reports another for a reason from a
// fixed list (spam, harassment, hate, violence, sexual_content,
// impersonation, self_harm, other) with an optional text (at most 1,000
// characters): in a group both are members of, where the group's owner and
// admins list and resolve it (dismissed or actioned, with a note), or
// outside any group, where the operators (platform admins) list and
// resolve it (GET /v1/admin/reports, which lists every report); or a
// message of a group's chat the reporter is a member of (its
// sender is the user reported, its text kept as it was when reported).
// An open report of the same user (message) in the same place answers a
// second one. A deleted account's reports go; reports of it stay, without
// its name.
//
// Publishes (through the outbox in social.outbox):
//
//	evt.social.group.created         api.GroupChanged: a group was made
//	evt.social.group.updated         api.GroupChanged: its facts or owner changed
//	evt.social.group.deleted         api.GroupDeleted: it was closed, and every membership with it (no member.left each)
//	evt.social.member.joined         api.MemberChanged: a user became a member (the owner at creation too), with the role
//	evt.social.member.left           api.MemberChanged: a membership ended (reason left, removed, banned, account_deleted)
//	evt.social.member.role_changed   api.MemberChanged: a member's new role (promotion, demotion, ownership)
//
//	evt.social.follow.requested      api.FollowChanged: a user asked to follow one who approves followers
//	evt.social.follow.created        api.FollowChanged: a follow is in force (at once, or approved)
//	evt.social.follow.deleted        api.FollowChanged: a follow or request ended (reason unfollowed, removed,
//	                                 rejected, blocked, account_deleted)
//	evt.social.block.created         api.BlockChanged: a user blocked another
//	evt.social.block.deleted         api.BlockChanged: a block was lifted (or an account deleted)
//
// Follow and block events carry seq (social.follow_seq): training keeps
// each pair's fact of the highest seq.
//
// Member events and group.deleted carry seq (social.membership_seq), so
// a read model keeps each membership's newest fact whatever the order it
// gets them in (training's co-membership read model does).
//
// Answers (rpc.social.*, payloads in package api, internal/rpc):
//
//	groups.create, .get, .patch, .delete, .search    groups
//	groups.join, .leave, .transfer                   the caller's membership; the ownership
//	members.list, .remove, .role                     members and their roles
//	requests.list, .approve, .reject                 requests to join a private group
//	bans.list, .add, .lift                           bans
//	invites.create, .list, .revoke                   invitation links
//	follows.create, .delete                          follow, unfollow (or withdraw a request)
//	follows.followers, .following                    a user's lists
//	follows.requests, .approve, .reject, .remove     the caller's requests and followers
//	settings.get, .patch                             the caller's social settings
//	blocks.add, .lift, .list                         blocks
//	feed.get                                         the caller's feed
//	reports.create, .list, .resolve                  reports
//	admin.reports.list, .resolve                     every report, for platform admins
//	export.memberships, .messages                    for the client module's data export: the caller's groups (name, role) and the messages they wrote, paged
//	status.get                                       module status (every module)
//
// Consumes (internal/consume):
//
//	evt.client.user.registered   durable social__evt_client_user_registered: the names read model
//	evt.client.profile.updated   durable social__evt_client_profile_updated: the names read model and the time zone of quiet hours (an older profile changes nothing)
//	evt.client.user.deleted      durable social__evt_client_user_deleted: the deleted account, as above, and its notifications (below),
//	                             follows, requests, blocks, settings, feed cards and reports
//	evt.training.record.set      durable social__evt_training_record_set: notifications (below); and durable
//	                             social__evt_training_record_set_feed: the feed's records cards
//	evt.training.session.completed, .updated   durables social__evt_training_session_*: the feed's session cards
//	evt.training.session.deleted durable social__evt_training_session_deleted: its cards leave every feed, for good
//	evt.gamification.achievement.unlocked  durable social__evt_gamification_achievement_unlocked: notifications (below)
//	                                       (of a session: once its card says it is not private; one that
//	                                       comes before the card waits in held_facts, and the card tells it); durable
//	                                       social__evt_gamification_achievement_unlocked_feed: the feed's achievement cards
//	evt.gamification.challenge.completed   durable social__evt_gamification_challenge_completed: notifications (below)
//	evt.client.export.ready      durable social__evt_client_export_ready: a personal notification (kind export_ready) to the user alone
//
// # Notifications
//
// When a member's session sets a personal record (evt.training.record.set)
// every member of each of their groups gets one notification (a member of
// 30 of their groups gets one, not 30), except the athlete, those who muted
// the kind (muted_kinds of /v1/me/notification-settings) and those who
// muted every group they share with the athlete (PUT /v1/groups/{id}/mute:
// a muted group stops its own notifications, not those of another group
// shared with the same member). Each of the athlete's groups also gets a
// system message in its chat, whatever the mutes: sender the nil UUID
// (store.SystemSender), transaction id <kind>:<source key> (once per fact
// and group), text as the push's ("Ana set a personal record"), written in
// the fan-out's transaction with a message.created delivery that the
// chat publishes on chat.<group> once the relay has sent the notification
// (service.Chat.PublishSystem; the chat's sweep, should that fail). The
// fan-out is generic by kind (service.Fact: kind, actor, source key,
// data, name): the consumer of each event maps it to a Fact
// (consume/notif.go): training's record.set, gamification's
// achievement.unlocked and challenge.completed. An achievement a session
// unlocked is told only when the session's feed card says it is not
// private (Notify.FanOutOfSession); the card comes through another
// consumer, maybe later or at the same moment, so a fact that finds no
// card waits in held_facts (migration 00067) and the card's transaction
// tells it, or drops it for a private or deleted session
// (Notify.SessionCardIn); both take the session's card lock, so neither
// misses the other. Facts held 90 days (no card ever came) are swept.
// A fan-out takes its actor's facts lock shared (store.LockUserFacts) and
// tells nothing of a deleted account; the account's erasure takes it
// exclusive first, so a fact applied at the same moment either commits
// first and is taken back with the rest (its notification, its system
// messages), or waits and finds the account deleted.
//
// Schema: notif_events (one row per fact: id, kind, source_key, actor,
// data; unique (kind, source_key)), notifications (the inbox: one row per
// recipient, primary key (recipient_id, notif_id), read_at), so the key
// (recipient, source event, kind) is unique: a redelivered event, or the
// same fact under a new message id (record: the session id), reaches
// nobody twice. The consumer's transaction saves the fact (notif_events)
// and a row in notif_outbox, and the chats' system messages: a few rows,
// whatever the number of recipients. The relay (internal/publish, woken
// by NOTIFY social_notif_outbox and a 1 s poll, several processes sharing
// the rows with SKIP LOCKED) then holds the notification's outbox row
// while it reads the recipients (store.Recipients: the members and mutes
// as they are then, in id order), writes and commits the inbox rows of
// those online (a message never comes before its inbox row), publishes one
// message per recipient online on notify.<user> into stream NOTIFY,
// Nats-Msg-Id <notification>.<recipient>, and waits for every PubAck while
// it writes the others' rows (two transactions at once, each a contiguous
// half, without waiting for their commit records to reach the disk: the
// outbox row's deletion commits after them and waits for its own), pushes,
// and deletes the outbox row: a crash in between leaves the notification
// waiting, and the next round adds the inbox rows missing and sends the
// same messages
// again under the same ids, which the stream drops. Online means an app
// connection open anywhere on the NATS cluster, as bus.Presence knows it
// from the system account's connect and disconnect events of the app
// account and its resync with every server's connection list every 30 s
// (gauge athlos_social_app_users_online); an app reads its inbox when it
// connects, so what came while it was offline is not lost. Without access
// to the system account (an external NATS without
// --nats-system-password/--nats-system-creds) every recipient's message is
// sent. Notifications are kept 90 days (a sweep every hour), group_mutes and notif_settings
// (muted kinds, push, quiet hours, the time zone from
// evt.client.profile.updated) per user, push_tokens (at most 10 per user;
// a token names a device: registering it from another account moves it).
// A deleted account (evt.client.user.deleted) loses its inbox, settings,
// mutes and tokens, and the notifications of its own facts leave
// everyone's inbox; their system messages become tombstones.
//
// # Push to phones
//
// After the NOTIFY messages, the relay hands every device of the
// recipients who want pushes (push_enabled, not in their quiet hours read
// in their profile's time zone by the module's clock) to a Pusher in one
// call: push.Message holds the platform, the token, the notification's id
// (to give the provider as the collapse key, so a push sent again after a
// crash replaces the first), a title and a body. Athlos runs with
// push.Log, which logs them. An operator plugs in a real pusher (APNs with
// e.g. github.com/sideshow/apns2, FCM with firebase.google.com/go/v4
// messaging, or a gateway such as Gorush over HTTP) by implementing
// social.Pusher (Push(ctx, []social.PushMessage) []social.PushResult; a
// result with Unregistered makes Athlos forget the token) and setting it
// as the social module's Config.Pusher in a program of their own built
// like cmd/athlos (modules.Configs.Social.Pusher before modules.Options).
// Pushes are best effort: a failure is logged and not tried again; the
// inbox and NOTIFY have the notification whatever happens.
//
// Notifications publish (not through the outbox: the relay above):
//
//	notify.<user>   api.Notification, stream NOTIFY, one per recipient online
//
// Notifications answer (rpc.social.*):
//
//	notifications.list, .read, .read_all         the caller's inbox
//	groups.mute, .unmute                         the caller's group mutes
//	notify_settings.get, .patch                  the caller's settings
//	push_tokens.add, .list, .delete              the caller's device tokens
//
// and consume evt.training.record.set (durable
// social__evt_training_record_set), evt.gamification.achievement.unlocked
// and evt.gamification.challenge.completed; evt.client.profile.updated and
// evt.client.user.deleted through the consumers above.
//
// HTTP (package httpapi, served by the front): /v1/groups,
// /v1/groups/{id}, /v1/groups/{id}/join|leave|transfer,
// /v1/groups/{id}/members[/{user_id}[/role]],
// /v1/groups/{id}/requests[/{user_id}/approve|reject],
// /v1/groups/{id}/bans[/{user_id}], /v1/groups/{id}/invites[/{invite_id}];
// /v1/users/{id}/follow, /v1/users/{id}/followers|following,
// /v1/me/follow-requests[/{user_id}/approve|reject],
// /v1/me/followers/{user_id}, /v1/me/social, /v1/users/{id}/block,
// /v1/me/blocks; /v1/feed; /v1/reports, /v1/groups/{id}/reports[/{report_id}/resolve],
// /v1/admin/reports[/{id}/resolve];
// /v1/notifications, /v1/notifications/{id}/read, /v1/notifications/read,
// /v1/groups/{id}/mute, /v1/me/notification-settings,
// /v1/me/push-tokens[/{id}]; the channel notify.<user>.
//
// # Group chat
//
// Files: api/chat.go, httpapi/chat.go and chat_channels.go, internal/chat
// (the rules: text, transaction ids, emoji, page anchors),
// internal/service/chat.go and chat_delivery.go, internal/store/chat.go,
// internal/rpc/chat.go, internal/ingress (the app's chat.in), internal/publish
// (chat events into CHAT), chat.go (wiring); schema in
// migrations/social/00020_chat.sql.
//
// Members post over HTTP (POST /v1/groups/{id}/messages) or over NATS
// WebSocket on chat.in.<their id>.<group id> in the app account (the
// callout lets a user publish only under its own id; the ingress, queue
// group social-chat, answers on the sender's own inbox with the stored
// message or a JetStream-shaped refusal {"error": {"code", "description"}},
// and refused.<user> when there is no reply), never on chat.<group>. One use
// case (service.Chat.Post) checks both: a member, not banned; text of 1 to
// 4,000 Unicode code points, not only white space, no control characters
// but line feed and tab; the user's budget (ChatBudget: messages and edits 1
// a second in bursts of 20, reactions 5 a second in bursts of 50, per
// process, token buckets, 429 with Retry-After past it).
//
// Message ids are numbers per group, 1, 2, 3, … in commit order with no
// gap: one statement takes the next id from social.chat_groups (whose row
// stays locked until the commit), inserts the message and moves the
// sender's read marker. A client transaction id (txn_id, or Nats-Msg-Id
// over NATS; Matrix's txnId, Discord's nonce) is unique per sender and
// group for as long as the message exists: a retry answers the first
// message, never a second one. History pages (GET …/messages) are anchored
// on ids both ways (before, after, around, as Zulip's anchors and
// Discord's before/after/around), oldest first, answering {items,
// next_cursor, prev_cursor} read in one snapshot; never offsets.
//
// Edits: the sender only. Deletes: the sender, or the group's owner and
// admins; a deleted message stays in history as a tombstone (deleted true,
// no text, no reactions; its id, sender, times and reply_to stay, so replies
// and read markers keep their place). Replies name an earlier message of
// the same group. Reactions: any single emoji, each member once per emoji,
// at most 20 different per message. Read markers (social.read_markers)
// only move forward; a new member's starts at the group's newest message;
// unread counts (GET /v1/me/unread) count others' messages after the
// marker that are not deleted, up to 1,000 per group. A deleted account's
// messages become tombstones and its reactions and markers go
// (EraseChatUser, with the account's erasure).
//
// Message text is data: a JSON string kept and returned exactly as sent;
// the server never renders, escapes or strips markup (no HTML, no
// Markdown), and a client shows it as plain text.
//
// Delivery: each change (message.created, .edited, .deleted,
// reaction.added, .removed; api.ChatEvent) is written to
// social.chat_deliveries in its transaction, published into stream CHAT on
// chat.<group> at once after the commit (Nats-Msg-Id = the row's id) and
// then forgotten; a row a crash or failed publish left is published by the
// sweep after 5 s, so nothing stored is lost (a member may then get an
// event twice; group and id say it is the same). Members online subscribe
// to chat.<group> (stream import into the app account); the live stream is
// in commit order but a client orders by id and fills a gap with after=.
//
// Who may subscribe: social is a grant source (modules.realtimeGrants):
// rpc.social.realtime.grants answers a user's chat.<group> subjects (its
// groups, at most 1,000), and evt.social.realtime.grants_changed
// {"user_ids": [...]} is written into social.outbox by triggers on
// social.members for every statement that adds or removes members (join,
// leave, removal, ban, a deleted group or account: whichever use case did
// it), so the callout closes their app connections and they reconnect
// with the new grants: someone removed receives nothing sent after.
//
// Publishes (besides the group events above):
//
//	chat.<group>                          api.ChatEvent, stream CHAT, through social.chat_deliveries
//	evt.social.realtime.grants_changed    api.RealtimeGrantsChanged, through social.outbox (triggers)
//
// Answers: rpc.social.chat.post, .list, .get, .edit, .delete, .react,
// .unreact, .read, .unread, .read_all; rpc.social.realtime.grants (asked by
// the client module's auth callout). Takes in: chat.in.<user>.<group> in
// the app account.
//
// HTTP: /v1/groups/{id}/messages[/{message_id}[/reactions/{emoji}]],
// /v1/groups/{id}/read, /v1/me/unread, /v1/me/unread/mark-read.
package social
