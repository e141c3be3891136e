-- The staff side: request versions for compare-and-set, the threads where staff talk about a
-- beneficiary, conversations relayed through the bot, the outbox, and refused attempts.

-- Every transition bumps `version`; staff buttons carry it, so an outdated card is known.
ALTER TABLE requests ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE requests ADD COLUMN holder_id INTEGER;       -- the staff member it is referred to
ALTER TABLE requests ADD COLUMN decided_at TEXT;         -- when it was accepted or rejected
ALTER TABLE requests ADD COLUMN info_request TEXT;       -- what staff asked for (needs_info)

ALTER TABLE beneficiaries ADD COLUMN blocked_at TEXT;    -- the beneficiary blocked the bot

-- Where staff talk about a beneficiary: a forum topic, or (in a group without topics) the
-- replies to the card. One per request; request_id NULL is a beneficiary's conversation
-- without a request ("Talk to a person" before applying).
CREATE TABLE staff_threads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES beneficiaries(user_id),
    request_id      INTEGER UNIQUE REFERENCES requests(id),
    chat_id         INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    topic_id        INTEGER,          -- message_thread_id of the forum topic, once created
    card_message_id INTEGER,          -- the card (without topics, replies to it are the thread)
    created_at      TEXT    NOT NULL
);
CREATE INDEX staff_threads_by_user ON staff_threads (user_id, id);
CREATE INDEX staff_threads_by_topic ON staff_threads (chat_id, topic_id);
CREATE INDEX staff_threads_by_card ON staff_threads (chat_id, card_message_id);

-- A beneficiary talking with staff through the bot; at most one open at a time.
CREATE TABLE conversations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL REFERENCES beneficiaries(user_id),
    thread_id        INTEGER NOT NULL REFERENCES staff_threads(id),
    opened_by        TEXT    NOT NULL CHECK (opened_by IN ('beneficiary', 'referral', 'staff')),
    opened_at        TEXT    NOT NULL,
    last_activity_at TEXT    NOT NULL,
    closed_at        TEXT,
    closed_by        TEXT    CHECK (closed_by IN ('beneficiary', 'staff', 'quiet'))
);
CREATE UNIQUE INDEX conversations_one_open ON conversations (user_id) WHERE closed_at IS NULL;
CREATE INDEX conversations_open_by_activity ON conversations (last_activity_at)
    WHERE closed_at IS NULL;

-- Every relayed message and its counterpart, so that replies and edits find their way in
-- both directions without parsing any text.
CREATE TABLE relay_links (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id             INTEGER NOT NULL,
    private_chat_id     INTEGER NOT NULL,
    private_message_id  INTEGER NOT NULL,
    staff_chat_id       INTEGER NOT NULL,
    staff_message_id    INTEGER NOT NULL,
    direction           TEXT    NOT NULL CHECK (direction IN ('to_staff', 'to_user')),
    created_at          TEXT    NOT NULL,
    UNIQUE (private_chat_id, private_message_id),
    UNIQUE (staff_chat_id, staff_message_id)
);

-- What a beneficiary sends while staff wait for more information.
CREATE TABLE info_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    round       INTEGER NOT NULL,     -- the request's version when the information was asked
    kind        TEXT    NOT NULL,     -- text, photo, document, voice
    text        TEXT,
    file_id     TEXT,
    file_name   TEXT,
    message_id  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (request_id, message_id)
);

-- A staff member was asked to type something (a rejection reason, the missing information).
CREATE TABLE staff_prompts (
    staff_id    INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    topic_key   INTEGER NOT NULL,     -- the forum topic, 0 without topics
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    action      TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (staff_id, chat_id, topic_key)
);

-- Attempts that were refused: a button or command by someone without the role, or outside
-- the staff group. Transitions themselves are in request_events.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id    INTEGER,
    chat_id     INTEGER,
    action      TEXT    NOT NULL,
    request_id  INTEGER,
    reason      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

-- Groups the bot was added to that are not the staff group; it says so once in each.
CREATE TABLE foreign_chats (
    chat_id     INTEGER PRIMARY KEY,
    noticed_at  TEXT    NOT NULL
);

-- Messages the bot sends on its own initiative, written in the transaction of the change
-- that causes them and delivered by one dispatcher, in order per chat.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    payload     TEXT    NOT NULL DEFAULT '{}',
    locale      TEXT,
    due_at      TEXT    NOT NULL,
    dedupe_key  TEXT    UNIQUE,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    state       TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    sent_at     TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX outbox_pending ON outbox (chat_id, id) WHERE state = 'pending';
