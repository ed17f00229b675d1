-- Questions the bot could not answer with confidence, for staff to review.
-- Anonymous on purpose: no user id; 16-digit numbers are masked before storing.
CREATE TABLE unanswered_questions (
    id         INTEGER PRIMARY KEY,
    asked_at   TEXT    NOT NULL,            -- ISO 8601, UTC
    lang       TEXT    NOT NULL,            -- the asker's language
    text       TEXT    NOT NULL,            -- masked question
    outcome    TEXT    NOT NULL,            -- clarify | fallback
    best_topic TEXT,                        -- best guess, if any
    score      REAL    NOT NULL
);
CREATE INDEX unanswered_questions_asked_at ON unanswered_questions (asked_at);

-- 👍/👎 after an answer: one vote per user and topic, the latest counts.
CREATE TABLE faq_feedback (
    user_id  INTEGER NOT NULL,
    topic    TEXT    NOT NULL,
    helpful  INTEGER NOT NULL,              -- 1 = 👍, 0 = 👎
    voted_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, topic)
);
