-- Residents and staff who talk to the bot in private chat (the schema of ../0001_users.sql).
-- Telegram ids exceed 2^31: BIGINT. Flags stay 0/1 integers, timestamps ISO 8601 texts, as
-- in SQLite, so both engines read and compare them alike.
CREATE TABLE users (
    user_id     BIGINT  PRIMARY KEY,          -- Telegram user id
    lang        TEXT    NOT NULL,             -- language the bot speaks to them
    lang_chosen INTEGER NOT NULL DEFAULT 0,   -- 1 once they picked it themselves
    region      TEXT,                         -- Kemendagri regency/city code, when known
    first_seen  TEXT    NOT NULL,             -- ISO 8601, UTC
    last_seen   TEXT    NOT NULL,
    opted_out   INTEGER NOT NULL DEFAULT 0    -- 1: send nothing on the bot's own initiative
);
