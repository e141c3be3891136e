-- The association's guides and question cards, as imported, and the questions beneficiaries
-- asked the bot (answered or not) so that staff can fill the gaps.

CREATE TABLE guides (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT    NOT NULL UNIQUE,      -- the file name without its suffix
    kind        TEXT    NOT NULL CHECK (kind IN ('guide', 'cards')),
    title       TEXT    NOT NULL,
    source      TEXT    NOT NULL,             -- the file name it was imported from
    digest      TEXT    NOT NULL,             -- sha256 of the file
    imported_at TEXT    NOT NULL
);

CREATE TABLE guide_sections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guide_id    INTEGER NOT NULL REFERENCES guides(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    heading     TEXT    NOT NULL
);
CREATE INDEX guide_sections_by_guide ON guide_sections (guide_id, position);

-- The units an answer quotes: a paragraph, a bullet, a list of short items, or a card's
-- answer (with its English text and the phrasings it answers, one per line).
CREATE TABLE guide_passages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    section_id  INTEGER NOT NULL REFERENCES guide_sections(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('paragraph', 'bullet', 'list', 'card')),
    text        TEXT    NOT NULL,
    text_en     TEXT,
    questions   TEXT
);
CREATE INDEX guide_passages_by_section ON guide_passages (section_id, position);

-- Every question a beneficiary asked outside the form. The text is kept with long digit
-- runs masked (an ID or phone number typed into a question is not kept).
CREATE TABLE faq_questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    message_id  INTEGER,                      -- the question in the beneficiary's chat
    asked_at    TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('answered', 'unsure', 'unanswered')),
    passage_id  INTEGER,                      -- the answer given (no foreign key: guides change)
    score       REAL    NOT NULL DEFAULT 0,
    helpful     INTEGER CHECK (helpful IN (0, 1)),
    handed_off  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX faq_questions_gaps ON faq_questions (asked_at) WHERE outcome != 'answered' OR helpful = 0;
