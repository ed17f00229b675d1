-- The staff helpdesk: one registered group, residents' tickets and the staff replies to them.
CREATE TABLE helpdesk (
    id            INTEGER PRIMARY KEY CHECK (id = 1),   -- one helpdesk group at a time
    chat_id       INTEGER NOT NULL,
    registered_by INTEGER NOT NULL,
    registered_at TEXT    NOT NULL
);

-- Removed with the person (/hapusdata), so a question never outlives its asker's consent.
CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    question    TEXT    NOT NULL,            -- masked: runs of 6+ digits never kept
    status      TEXT    NOT NULL DEFAULT 'open',   -- open | answered
    created_at  REAL    NOT NULL,            -- epoch seconds
    answered_at REAL,
    answered_by INTEGER                      -- the staff member's user id
);
-- At most one open ticket per resident.
CREATE UNIQUE INDEX tickets_one_open ON tickets (user_id) WHERE status = 'open';
CREATE INDEX tickets_status ON tickets (status, created_at);

CREATE TABLE ticket_replies (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    staff_id   INTEGER NOT NULL,
    text       TEXT    NOT NULL,             -- HTML, escaped on the way in
    created_at REAL    NOT NULL
);
