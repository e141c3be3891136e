-- Beneficiaries, their in-progress draft, submitted requests, the audit trail and attachments.
-- Times are ISO-8601 UTC strings; dates are ISO dates in the association's time zone.

CREATE TABLE beneficiaries (
    user_id     INTEGER PRIMARY KEY,          -- Telegram user id
    chat_id     INTEGER NOT NULL,             -- private chat id (follows chat migrations)
    first_name  TEXT    NOT NULL DEFAULT '',
    locale      TEXT    NOT NULL,
    consent_at  TEXT,                         -- when they accepted the privacy notice
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- At most one draft per beneficiary (UNIQUE user_id). `seq` grows on every change, and
-- every button of the form carries it, so a button from an older screen is recognised.
CREATE TABLE drafts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL UNIQUE REFERENCES beneficiaries(user_id),
    stage       TEXT    NOT NULL CHECK (stage IN ('answering', 'reviewing', 'signing', 'paused')),
    field_key   TEXT,                         -- the question being asked while answering
    editing     INTEGER NOT NULL DEFAULT 0,   -- 1: an answer is being changed from review
    answers     TEXT    NOT NULL DEFAULT '{}',
    seq         INTEGER NOT NULL DEFAULT 1,
    last_message_id INTEGER NOT NULL DEFAULT 0, -- the newest answer applied (replay guard)
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE requests (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    reference           TEXT    NOT NULL UNIQUE,
    user_id             INTEGER NOT NULL REFERENCES beneficiaries(user_id),
    status              TEXT    NOT NULL CHECK (status IN ('submitted', 'under_review',
                            'needs_info', 'accepted', 'rejected', 'delivered', 'closed')),
    answers             TEXT    NOT NULL,
    declaration_text    TEXT    NOT NULL,     -- verbatim, as shown to the beneficiary
    declaration_locale  TEXT    NOT NULL,
    declared_at         TEXT    NOT NULL,
    submitted_at        TEXT    NOT NULL,
    decision_due        TEXT    NOT NULL,     -- ISO date: submission + SLA days
    updated_at          TEXT    NOT NULL
);
CREATE INDEX requests_by_user ON requests (user_id, id);
CREATE INDEX requests_by_status ON requests (status, id);

CREATE TABLE request_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    kind        TEXT    NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    actor_id    INTEGER,
    actor_role  TEXT    NOT NULL,
    details     TEXT    NOT NULL DEFAULT '{}',
    created_at  TEXT    NOT NULL
);
CREATE INDEX request_events_by_request ON request_events (request_id, id);

-- A file belongs to a draft while the form is filled in, then to the request.
CREATE TABLE attachments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    draft_id        INTEGER REFERENCES drafts(id) ON DELETE CASCADE,
    request_id      INTEGER REFERENCES requests(id),
    field_key       TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('photo', 'document')),
    file_id         TEXT    NOT NULL,
    file_unique_id  TEXT    NOT NULL,
    file_name       TEXT,
    mime_type       TEXT,
    size            INTEGER,
    created_at      TEXT    NOT NULL,
    CHECK ((draft_id IS NULL) <> (request_id IS NULL))
);
CREATE INDEX attachments_by_draft ON attachments (draft_id);
CREATE INDEX attachments_by_request ON attachments (request_id);

CREATE TABLE reference_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

-- Updates fetched from Telegram and not yet fully handled. getUpdates confirms a batch as
-- soon as the next poll starts, so a batch is written here first; a crash before the
-- handlers finish replays it at start-up instead of losing what the beneficiary typed.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    payload     TEXT    NOT NULL,
    received_at TEXT    NOT NULL
);
