-- Beneficiaries staff muted (/mute in their topic): their messages are not relayed to staff
-- until the mute is lifted (/unmute). One row per mute, kept after it is lifted, so that
-- the topic's history and the audit log's entries ("mute 12") can be followed; the rows go
-- with the person on an erasure (ON DELETE CASCADE), the reason included.
CREATE TABLE mutes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES beneficiaries(user_id) ON DELETE CASCADE,
    reason      TEXT    NOT NULL,             -- as the staff member typed it; staff see it
    muted_by    INTEGER NOT NULL,
    muted_at    TEXT    NOT NULL,
    reminded_at TEXT    NOT NULL,             -- the last time the beneficiary was told
    lifted_by   INTEGER,
    lifted_at   TEXT                          -- NULL while the mute holds
);
CREATE UNIQUE INDEX mutes_one_active ON mutes (user_id) WHERE lifted_at IS NULL;
