-- Staff roles given, changed or taken back through the bot (/invite, /staff). The profile's
-- staff section is only the seed: a row here takes precedence over it for that person.
-- roles = '' means no longer staff (the row is kept, so the profile cannot bring them back).

CREATE TABLE staff_roles (
    user_id     INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,             -- shown to staff only
    roles       TEXT    NOT NULL,             -- Role values joined by ','
    changed_by  INTEGER NOT NULL,             -- the admin, or the member who used an invitation
    changed_at  TEXT    NOT NULL
);

-- One-time invitations to a role. Only the token's SHA-256 is kept: whoever reads the
-- database cannot open a link that is still valid.
CREATE TABLE staff_invitations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT    NOT NULL UNIQUE,
    role        TEXT    NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);
