-- Residents and staff who talk to the bot in private chat.
CREATE TABLE users (
    user_id     INTEGER PRIMARY KEY,          -- Telegram user id
    lang        TEXT    NOT NULL,             -- language the bot speaks to them
    lang_chosen INTEGER NOT NULL DEFAULT 0,   -- 1 once they picked it themselves
    region      TEXT,                         -- Kemendagri regency/city code, when known
    first_seen  TEXT    NOT NULL,             -- ISO 8601, UTC
    last_seen   TEXT    NOT NULL,
    opted_out   INTEGER NOT NULL DEFAULT 0    -- 1: send nothing on the bot's own initiative
);
