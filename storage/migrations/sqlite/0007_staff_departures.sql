-- Staff who left the staff group or were removed from it: the profile's roles count again
-- only once they are members again (returned_at). Each departure is also in the audit log.

CREATE TABLE staff_departures (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id      INTEGER NOT NULL,             -- the staff group they left
    user_id      INTEGER NOT NULL,
    removed_by   INTEGER,                      -- who removed them; NULL when they left
    departed_at  TEXT    NOT NULL,
    returned_at  TEXT                          -- added back: their roles count again
);
CREATE INDEX staff_departures_open ON staff_departures (chat_id, user_id, returned_at);
