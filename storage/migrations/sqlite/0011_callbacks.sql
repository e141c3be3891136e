-- Call-back requests: a beneficiary asks to be called in a window of the team's hours, on a
-- number they confirmed; one staff member claims it, then records each try. The rows go
-- with the person on an erasure; a request deleted by one leaves the call without it.
CREATE TABLE callbacks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES beneficiaries(user_id) ON DELETE CASCADE,
    request_id      INTEGER REFERENCES requests(id) ON DELETE SET NULL,  -- what it concerns
    window_start    TEXT    NOT NULL,
    window_end      TEXT    NOT NULL,
    asap            INTEGER NOT NULL DEFAULT 0,   -- "as soon as possible" (the window is the
                                                  -- open period it was asked in or before)
    mobile          TEXT,                         -- +9665XXXXXXXX once known
    status          TEXT    NOT NULL CHECK (status IN
                        ('confirming', 'typing', 'open', 'claimed', 'done', 'retry')),
    claimed_by      INTEGER,
    claimed_at      TEXT,
    no_answers      INTEGER NOT NULL DEFAULT 0,
    card_chat_id    INTEGER,                      -- the staff card, once posted
    card_message_id INTEGER,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX callbacks_by_user ON callbacks (user_id, id);
CREATE INDEX callbacks_by_status ON callbacks (status, window_end);

-- Each try of a claimed call, with the note its caller typed (or chose not to).
CREATE TABLE callback_tries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    callback_id  INTEGER NOT NULL REFERENCES callbacks(id) ON DELETE CASCADE,
    outcome      TEXT    NOT NULL CHECK (outcome IN ('reached', 'no_answer', 'wrong_number')),
    staff_id     INTEGER NOT NULL,
    chat_id      INTEGER NOT NULL,                -- where the note is typed: the staff group
    topic_key    INTEGER NOT NULL,                -- and its topic (0: none)
    note         TEXT,
    note_state   TEXT    NOT NULL DEFAULT 'waiting' CHECK (note_state IN ('waiting', 'given', 'none')),
    created_at   TEXT    NOT NULL
);
CREATE INDEX callback_tries_waiting ON callback_tries (staff_id, chat_id, topic_key, note_state);
