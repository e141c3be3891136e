-- Handled updates are kept a day, by id only (the payload emptied): Telegram delivers a
-- batch again when the getUpdates that would confirm it failed (a 429 storm at a stop, a
-- crash), and the next start must know the updates it already handled.
ALTER TABLE inbox ADD COLUMN handled_at TEXT;
CREATE INDEX inbox_handled ON inbox (handled_at) WHERE handled_at IS NOT NULL;
