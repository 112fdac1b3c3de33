-- Promo news: items admins write (Markdown body, stored with the sanitised
-- HTML it renders to and the renderer's version), in one language each,
-- tagged with sports and regions (ISO 3166-1 alpha-2), published from
-- publish_at (NULL: a draft) until expires_at (NULL: no expiry). The feed
-- ranks the published items of one language, so its index leads with the
-- language, holds only items with a publish time, and includes what the
-- ranking reads (pin, sports as bits, regions, expiry): the ranking can be
-- an index-only scan, and only the page's rows are read from the table
-- (their bodies are wide: Markdown and HTML).

-- +goose Up
CREATE TABLE promo.news (
  id             uuid PRIMARY KEY,
  title          text NOT NULL,
  body           text NOT NULL,              -- Markdown, as the admin wrote it
  body_html      text NOT NULL,              -- body rendered and sanitised
  render_version int NOT NULL,               -- the renderer that made body_html
  language       text NOT NULL,              -- BCP 47, canonical
  sports         text[] NOT NULL DEFAULT '{}',
  sports_mask    int NOT NULL DEFAULT 0,     -- sports as bits (bit i: the i-th sport of the app's list), for the ranking
  regions        text[] NOT NULL DEFAULT '{}',
  publish_at     timestamptz,                -- NULL: a draft
  expires_at     timestamptz,
  pinned         boolean NOT NULL DEFAULT false,
  created_by     uuid NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (expires_at IS NULL OR (publish_at IS NOT NULL AND expires_at > publish_at))
);
CREATE INDEX news_feed ON promo.news (language, publish_at DESC) INCLUDE (expires_at, pinned, sports_mask, regions, id)
  WHERE publish_at IS NOT NULL;
CREATE INDEX news_admin ON promo.news (created_at DESC, id DESC);

-- +goose Down
DROP TABLE promo.news;
