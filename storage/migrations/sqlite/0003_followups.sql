-- Messages that always arrive: outbox lanes and ambiguous attempts, chats that moved,
-- ratings, suggestions, what a beneficiary was asked to type, and broadcasts.

-- The outbox is rebuilt: SQLite cannot change a CHECK constraint in place.
--   lane 0  conversation: relays, staff cards and notes (never held)
--   lane 1  notices on the bot's initiative: decisions, reminders, rating prompts
--   lane 2  bulk: broadcasts (paced, and never ahead of lanes 0 and 1)
-- Order holds per chat within a lane. `sending` is written before the call to Telegram, so
-- a row found `sending` at start-up was maybe delivered: it is sent again and counted in
-- `ambiguous`, like an attempt that timed out.
CREATE TABLE outbox_v3 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id      INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    lane         INTEGER NOT NULL DEFAULT 0 CHECK (lane IN (0, 1, 2)),
    payload      TEXT    NOT NULL DEFAULT '{}',
    locale       TEXT,
    due_at       TEXT    NOT NULL,
    dedupe_key   TEXT    UNIQUE,
    broadcast_id INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    ambiguous    INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    sent_at      TEXT,
    created_at   TEXT    NOT NULL
);
INSERT INTO outbox_v3 (id, chat_id, kind, lane, payload, locale, due_at, dedupe_key, attempts,
                       last_error, state, sent_at, created_at)
    SELECT id, chat_id, kind, CASE kind WHEN 'notice' THEN 1 ELSE 0 END, payload, locale,
           due_at, dedupe_key, attempts, last_error, state, sent_at, created_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v3 RENAME TO outbox;
CREATE INDEX outbox_queue ON outbox (lane, id) WHERE state = 'pending';
CREATE INDEX outbox_chat ON outbox (chat_id, lane, id) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_by_broadcast ON outbox (broadcast_id, state) WHERE broadcast_id IS NOT NULL;

-- A group that became a supergroup answers with its new id; rows queued later for the old
-- id follow it.
CREATE TABLE chat_moves (
    old_chat_id INTEGER PRIMARY KEY,
    new_chat_id INTEGER NOT NULL,
    moved_at    TEXT    NOT NULL
);

-- One rating per request, changeable for a while after it was first given.
CREATE TABLE ratings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL UNIQUE REFERENCES requests(id),
    user_id     INTEGER NOT NULL REFERENCES beneficiaries(user_id),
    stars       INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment     TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX ratings_by_time ON ratings (created_at);

CREATE TABLE suggestions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES beneficiaries(user_id),
    text        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX suggestions_by_time ON suggestions (created_at);

-- The beneficiary was asked to type something outside the form (a comment on a rating, a
-- suggestion); their next text message is that answer.
CREATE TABLE beneficiary_prompts (
    user_id     INTEGER PRIMARY KEY REFERENCES beneficiaries(user_id),
    kind        TEXT    NOT NULL CHECK (kind IN ('rating_comment', 'suggestion')),
    request_id  INTEGER REFERENCES requests(id),
    created_at  TEXT    NOT NULL
);

-- A message an admin sends to a segment of beneficiaries, copied from the staff group.
CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    created_by          INTEGER NOT NULL,
    chat_id             INTEGER NOT NULL,     -- the staff group
    topic_key           INTEGER NOT NULL DEFAULT 0,
    segment             TEXT,                 -- everyone | open | delivered:YYYY-MM
    from_message_id     INTEGER,              -- the admin's message, copied to each recipient
    state               TEXT    NOT NULL DEFAULT 'composing'
                        CHECK (state IN ('composing', 'previewed', 'sending', 'done', 'cancelled')),
    recipients          INTEGER NOT NULL DEFAULT 0,
    progress_message_id INTEGER,              -- edited in place while it goes out
    created_at          TEXT    NOT NULL,
    started_at          TEXT,
    finished_at         TEXT
);
CREATE INDEX broadcasts_active ON broadcasts (state) WHERE state IN ('composing', 'previewed', 'sending');
