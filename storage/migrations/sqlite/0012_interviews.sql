-- In-person interviews at a branch (/interview): the beneficiary asks, staff tick up to
-- three of the branch's open slots and send them, the beneficiary picks one. One row per
-- interview, kept after it is cancelled (its events stay in the request's timeline); the
-- rows go with the person on an erasure (ON DELETE CASCADE).
CREATE TABLE interviews (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES beneficiaries(user_id) ON DELETE CASCADE,
    request_id INTEGER REFERENCES requests(id) ON DELETE SET NULL,
    branch     TEXT    NOT NULL,              -- the profile's branch key
    status     TEXT    NOT NULL CHECK (status IN ('asked', 'proposed', 'booked', 'cancelled')),
    version    INTEGER NOT NULL DEFAULT 1,    -- raised at each step: older buttons expire
    slot_at    TEXT,                          -- the booked slot's start (UTC), when booked
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
-- No double booking: a slot of a branch is held by one booked interview at most.
CREATE UNIQUE INDEX interviews_one_booking ON interviews (branch, slot_at)
    WHERE status = 'booked';
CREATE INDEX interviews_by_user ON interviews (user_id);

-- The slots staff ticked (sent = 0) and, once sent, offered to the beneficiary (sent = 1).
CREATE TABLE interview_slots (
    interview_id INTEGER NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    starts_at    TEXT    NOT NULL,            -- UTC
    sent         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (interview_id, starts_at)
);
