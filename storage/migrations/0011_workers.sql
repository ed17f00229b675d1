-- Several workers on one database.
-- Updates processed to the end, so a re-delivered one (Telegram retries a webhook call that got
-- no answer, or the same update reaches two workers) is not processed twice. Kept a day:
-- Telegram gives up on an update after 24 hours.
CREATE TABLE processed_updates (
    update_id    INTEGER PRIMARY KEY,
    processed_at TEXT    NOT NULL            -- ISO 8601, UTC
);
CREATE INDEX processed_updates_age ON processed_updates (processed_at);

-- A version per kind of shared state that running workers keep in memory (the calendar in
-- force, the reviewed examples the matcher learned): bumped with each change (a row appears
-- with the first), polled cheaply.
CREATE TABLE change_markers (
    name    TEXT    PRIMARY KEY,
    version INTEGER NOT NULL
);
