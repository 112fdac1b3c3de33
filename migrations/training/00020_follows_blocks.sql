-- Follows and blocks (issue 13): training's read model of the social
-- module's follows and blocks, fed by evt.social.follow.* and
-- evt.social.block.*. A session of visibility "followers" may be seen and
-- watched by the owner's followers (and co-members, 00018); a user the
-- owner blocked sees and watches none of the owner's sessions, public ones
-- and share links included. Each pair keeps the fact of the highest event
-- seq (an ended follow or lifted block stays as false), so a late, older
-- event changes nothing.

-- +goose Up
CREATE TABLE training.follows (
  follower_id  uuid NOT NULL,
  followee_id  uuid NOT NULL,
  following    bool NOT NULL,
  seq          bigint NOT NULL,
  PRIMARY KEY (follower_id, followee_id)
);

CREATE TABLE training.blocks (
  blocker_id  uuid NOT NULL,
  blocked_id  uuid NOT NULL,
  blocking    bool NOT NULL,
  seq         bigint NOT NULL,
  PRIMARY KEY (blocker_id, blocked_id)
);

-- Watchers let in as followers of the owner.
ALTER TABLE training.watchers DROP CONSTRAINT watchers_via_check;
ALTER TABLE training.watchers ADD CONSTRAINT watchers_via_check CHECK (via IN ('owner', 'public', 'link', 'group', 'follower'));

-- +goose Down
DELETE FROM training.watchers WHERE via = 'follower';
ALTER TABLE training.watchers DROP CONSTRAINT watchers_via_check;
ALTER TABLE training.watchers ADD CONSTRAINT watchers_via_check CHECK (via IN ('owner', 'public', 'link', 'group'));
DROP TABLE training.blocks;
DROP TABLE training.follows;
