-- Volunteers who signed up through the profile's volunteer form. A row is the sign-up from
-- its first answer: while 'answering' or 'reviewing' it is the volunteer's draft (one open
-- at a time, the seq guarding stale buttons as on drafts), then 'submitted' with its card in
-- the staff group, and 'accepted' once staff thanked them. The rows go with the person on
-- an erasure (ON DELETE CASCADE).
CREATE TABLE volunteers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES beneficiaries(user_id) ON DELETE CASCADE,
    stage           TEXT    NOT NULL
                    CHECK (stage IN ('answering', 'reviewing', 'submitted', 'accepted')),
    field_key       TEXT,                         -- the question being asked while answering
    editing         INTEGER NOT NULL DEFAULT 0,   -- 1: an answer is being changed from review
    answers         TEXT    NOT NULL DEFAULT '{}',
    seq             INTEGER NOT NULL DEFAULT 1,
    last_message_id INTEGER NOT NULL DEFAULT 0,   -- the newest answer applied (replay guard)
    locale          TEXT,                         -- the language of the sign-up, once submitted
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    submitted_at    TEXT,
    accepted_at     TEXT,
    accepted_by     INTEGER
);
CREATE UNIQUE INDEX volunteers_one_open ON volunteers (user_id)
    WHERE stage IN ('answering', 'reviewing');
CREATE INDEX volunteers_submitted ON volunteers (submitted_at);

-- Topics the bot opens once in the staff group for a kind of message ("volunteers").
CREATE TABLE staff_topics (
    name     TEXT    PRIMARY KEY,
    topic_id INTEGER NOT NULL
);
