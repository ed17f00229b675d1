-- Subscriptions, the durable outbox and calendar revisions.
ALTER TABLE users ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;   -- 403 from Telegram
ALTER TABLE users ADD COLUMN zone TEXT;                            -- IANA zone from the region

-- What each resident wants reminders about (token | opening | closing | field).
CREATE TABLE subscriptions (
    user_id INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    grp     TEXT    NOT NULL,
    PRIMARY KEY (user_id, grp)
);
CREATE INDEX subscriptions_grp ON subscriptions (grp, user_id);

-- Everything the bot sends on its own initiative, one row per recipient and cause.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER,                    -- the person, for private chats
    cause      TEXT    NOT NULL,           -- reminder | calendar-change | broadcast | announcement
    dedupe_key TEXT    NOT NULL,           -- unique per recipient and cause
    content    TEXT    NOT NULL,           -- what to send, rendered at send time ("reminder:ID")
    not_before REAL    NOT NULL,           -- epoch seconds
    expires_at REAL,                       -- past this, the message is dropped, never sent late
    status     TEXT    NOT NULL DEFAULT 'pending',
        -- pending | sending | sent | failed | blocked | cancelled | dropped
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at    REAL,
    UNIQUE (chat_id, dedupe_key)
);
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_user ON outbox (user_id, status);

-- Calendars applied by staff; the newest applied one is in force.
CREATE TABLE calendar_revisions (
    id         INTEGER PRIMARY KEY,
    created_at TEXT    NOT NULL,
    created_by TEXT    NOT NULL,           -- "cli" or the admin's Telegram id
    source     TEXT    NOT NULL,           -- file name
    body       TEXT    NOT NULL,           -- the TOML text
    applied_at TEXT
);
