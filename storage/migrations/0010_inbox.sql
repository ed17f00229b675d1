-- The inbox that teaches the bot: staff decide what an unanswered question meant.
-- Each decision is kept on the question itself (who, when, what): the audit of the inbox.
ALTER TABLE unanswered_questions ADD COLUMN decision TEXT;        -- a label, or 'skip'
ALTER TABLE unanswered_questions ADD COLUMN decided_by INTEGER;   -- the staff member's user id
ALTER TABLE unanswered_questions ADD COLUMN decided_at TEXT;      -- ISO 8601, UTC
CREATE INDEX unanswered_questions_pending ON unanswered_questions (decision, id);

-- Questions staff assigned to a label: examples the matcher learns beside the shipped ones.
-- The text is the masked question as stored; anonymous like it.
CREATE TABLE reviewed_examples (
    id          INTEGER PRIMARY KEY,
    lang        TEXT    NOT NULL,
    question    TEXT    NOT NULL,
    topic       TEXT    NOT NULL,            -- a topic id, out-of-scope or a chat-* label
    reviewed_by INTEGER NOT NULL,
    reviewed_at TEXT    NOT NULL,            -- ISO 8601, UTC
    UNIQUE (lang, question)                  -- the latest decision on a text wins
);
