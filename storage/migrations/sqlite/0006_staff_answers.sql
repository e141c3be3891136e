-- Staff answers become answers: a staff reply to a question the guides missed, saved as a
-- card that waits for an admin; approved cards are published as the guide 'staff-answers'.

CREATE TABLE faq_answers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id  INTEGER NOT NULL UNIQUE,      -- faq_questions.id: one card per question
    question     TEXT    NOT NULL,             -- the beneficiary's wording, digits masked
    answer       TEXT    NOT NULL,             -- the staff reply as sent
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'approved', 'discarded')),
    proposed_by  INTEGER NOT NULL,
    proposed_at  TEXT    NOT NULL,
    decided_by   INTEGER,
    decided_at   TEXT
);
CREATE INDEX faq_answers_by_status ON faq_answers (status, id);

-- How many times "Save as FAQ answer" was offered under a staff reply to the question: a
-- long conversation does not get the button under every message.
ALTER TABLE faq_questions ADD COLUMN save_offers INTEGER NOT NULL DEFAULT 0;
