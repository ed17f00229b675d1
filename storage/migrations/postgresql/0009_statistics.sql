-- Figures for /statistik that nothing kept before; no question text, no per-day trail of a person.
-- People active per day (in SENSUS_TZ): counted once per person and day, when last_seen moves on.
CREATE TABLE daily_activity (
    day    TEXT PRIMARY KEY,                 -- YYYY-MM-DD
    active INTEGER NOT NULL
);

-- One row per question asked: when, in which language, the outcome and topic (never the text).
CREATE TABLE faq_outcomes (
    day      TEXT NOT NULL,                  -- YYYY-MM-DD in SENSUS_TZ
    lang     TEXT NOT NULL,
    outcome  TEXT NOT NULL,                  -- answer | clarify | fallback | ...
    topic    TEXT                            -- answered topic, or the best guess
);
-- Covers the figures: per day and outcome, and the top answered topics.
CREATE INDEX faq_outcomes_day ON faq_outcomes (day, outcome, topic);

-- The guide steps each person reached (and "*finished"), for the funnel.
CREATE TABLE guide_reached (
    user_id    BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    step       TEXT   NOT NULL,
    reached_at DOUBLE PRECISION NOT NULL,    -- the first time, epoch seconds
    PRIMARY KEY (user_id, step)
);
CREATE INDEX guide_reached_step ON guide_reached (step, reached_at);
