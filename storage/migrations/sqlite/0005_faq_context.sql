-- Answers that hold on any association's guides: a passage keeps the headings above its
-- section and the lead-in line its list follows, and its sentence vector for the semantic
-- ranker (computed at import, so nothing is embedded while a beneficiary waits).

ALTER TABLE guide_sections ADD COLUMN path TEXT NOT NULL DEFAULT '';   -- parents, one a line
ALTER TABLE guide_passages ADD COLUMN lead TEXT NOT NULL DEFAULT '';   -- «…ما يلي:»

CREATE TABLE passage_vectors (
    passage_id  INTEGER PRIMARY KEY REFERENCES guide_passages(id) ON DELETE CASCADE,
    model       TEXT    NOT NULL,            -- which embedder made it
    vector      BLOB    NOT NULL             -- float32, little-endian, unit length
);
