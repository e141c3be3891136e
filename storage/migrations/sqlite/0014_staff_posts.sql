-- What the bot posted in the staff group about a person, other than their card: its lines
-- in their thread (which, without topics, are replies the thread's deletion would miss), a
-- volunteer's card in the Volunteers topic, an interview's or a data request's card in
-- General. An erasure deletes these messages too; the person's own topic goes whole.
CREATE TABLE staff_posts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    posted_at  TEXT    NOT NULL
);
CREATE INDEX staff_posts_user ON staff_posts (user_id);
