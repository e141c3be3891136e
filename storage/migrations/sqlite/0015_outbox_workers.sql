-- Outbox workers in several processes: who claimed a row being sent, and until when the
-- claim holds (a claim of a process that died expires, and another worker takes it over).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;

-- Send slots shared by the processes of one bot (one row per limit: the bot's overall
-- rate, each chat's pace): the next free moment, in seconds since the epoch.
CREATE TABLE send_slots (
    key      TEXT PRIMARY KEY,
    next_at  REAL NOT NULL
);
