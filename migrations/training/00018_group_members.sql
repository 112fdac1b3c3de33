-- Group co-membership (issue 13): training's read model of the social
-- module's groups, fed by evt.social.member.* and evt.social.group.deleted.
-- A session of visibility "followers" may be seen and watched by members
-- of any group its owner is in. Each membership keeps the fact of the
-- highest event seq (left memberships stay as member = false), so a late,
-- older event changes nothing; a closed group stays closed.

-- +goose Up
CREATE TABLE training.group_members (
  group_id  uuid NOT NULL,
  user_id   uuid NOT NULL,
  member    bool NOT NULL,
  seq       bigint NOT NULL,                 -- of the event that set it (social's membership order)
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON training.group_members (user_id) WHERE member;

CREATE TABLE training.closed_groups (
  group_id  uuid PRIMARY KEY,
  seq       bigint NOT NULL
);

-- Watchers let in as members of a group the owner is in.
ALTER TABLE training.watchers DROP CONSTRAINT watchers_via_check;
ALTER TABLE training.watchers ADD CONSTRAINT watchers_via_check CHECK (via IN ('owner', 'public', 'link', 'group'));

-- +goose Down
DELETE FROM training.watchers WHERE via = 'group';
ALTER TABLE training.watchers DROP CONSTRAINT watchers_via_check;
ALTER TABLE training.watchers ADD CONSTRAINT watchers_via_check CHECK (via IN ('owner', 'public', 'link'));
DROP TABLE training.closed_groups;
DROP TABLE training.group_members;
