-- Where each resident is in /panduan, written at every step.
CREATE TABLE guide_progress (
    user_id        BIGINT PRIMARY KEY,
    step           TEXT   NOT NULL,          -- step id from locales/guide-steps.toml
    awaiting_check TEXT,                     -- 'nik' | 'kk': the next number typed is checked as that
    updated_at     TEXT   NOT NULL
);
