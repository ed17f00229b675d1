-- Staff broadcasts: texts per language, an audience, figures from the outbox.
CREATE TABLE broadcasts (
    id         INTEGER PRIMARY KEY,
    author     TEXT    NOT NULL,            -- staff user id, or "cli"
    created_at TEXT    NOT NULL,
    audience   TEXT    NOT NULL,            -- all | region:CODE | lang:L | rt-heads | rt-groups
    not_before REAL    NOT NULL,            -- epoch seconds
    status     TEXT    NOT NULL DEFAULT 'draft'   -- draft | queued | paused | cancelled
);
CREATE TABLE broadcast_texts (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id),
    lang         TEXT    NOT NULL,
    text         TEXT    NOT NULL,          -- HTML, escaped on the way in
    PRIMARY KEY (broadcast_id, lang)
);
