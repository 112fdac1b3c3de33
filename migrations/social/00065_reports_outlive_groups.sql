-- A closed group's reports stay for the operators (GET /v1/admin/reports):
-- an owner reported in their own group could otherwise close it and take
-- the reports with it. They keep the closed group's id; nobody but the
-- operators sees them any more.

-- +goose Up
ALTER TABLE social.reports DROP CONSTRAINT reports_group_id_fkey;

-- +goose Down
DELETE FROM social.reports r WHERE r.group_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM social.groups g WHERE g.id = r.group_id);
ALTER TABLE social.reports ADD CONSTRAINT reports_group_id_fkey FOREIGN KEY (group_id) REFERENCES social.groups ON DELETE CASCADE;
