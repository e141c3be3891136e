-- The beneficiary's data rights: the privacy notice's version each one accepted, and their
-- requests to correct an answer or to erase their data, which staff decide.

-- The version of the privacy notice accepted; those who accepted before versions existed
-- accepted version 1.
ALTER TABLE beneficiaries ADD COLUMN consent_version INTEGER;
UPDATE beneficiaries SET consent_version = 1 WHERE consent_at IS NOT NULL;

-- Every acceptance, with the notice verbatim as it was shown.
CREATE TABLE consents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES beneficiaries(user_id),
    version     INTEGER NOT NULL,
    locale      TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    accepted_at TEXT    NOT NULL
);
CREATE INDEX consents_by_user ON consents (user_id, id);

-- A correction of one answer of a request, or the erasure of everything held on a person.
-- 'typing': the beneficiary is writing the corrected value; 'pending': staff decide.
-- After an erasure the row keeps no user id: only that an erasure was made, and when.
CREATE TABLE data_requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER,
    kind        TEXT    NOT NULL CHECK (kind IN ('correction', 'erasure')),
    status      TEXT    NOT NULL CHECK (status IN ('typing', 'pending', 'done', 'declined')),
    request_id  INTEGER REFERENCES requests(id) ON DELETE SET NULL,
    field_key   TEXT,
    value       TEXT,                         -- the corrected answer, as the form stores it
    decided_by  INTEGER,
    decided_at  TEXT,
    summary     TEXT    NOT NULL DEFAULT '{}', -- what an erasure deleted and kept (counts)
    created_at  TEXT    NOT NULL
);
CREATE INDEX data_requests_by_user ON data_requests (user_id, id);
