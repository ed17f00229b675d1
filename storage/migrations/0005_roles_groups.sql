-- Staff and RT heads, their invitations and audit trail; community groups; announcements.
CREATE TABLE roles (
    user_id    INTEGER NOT NULL,
    role       TEXT    NOT NULL,            -- staff | rt
    area       TEXT,                        -- an RT head's area, e.g. "53.71 · Fatululi · RT 05/RW 02"
    region     TEXT,                        -- its regency/city code
    granted_by INTEGER NOT NULL,
    granted_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE role_audit (
    id     INTEGER PRIMARY KEY,
    at     TEXT    NOT NULL,
    actor  INTEGER NOT NULL,               -- who did it
    action TEXT    NOT NULL,               -- grant-staff | revoke-staff | invite-rt | join-rt | link-group
    target TEXT,                           -- user id, group id, or invitation
    detail TEXT
);

CREATE TABLE rt_invitations (
    code_hash  TEXT PRIMARY KEY,           -- sha256 of the one-time code; the code is never stored
    area       TEXT NOT NULL,
    region     TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by    INTEGER,
    used_at    TEXT
);

CREATE TABLE groups (
    chat_id    INTEGER PRIMARY KEY,
    title      TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'member',   -- member | administrator | left
    rt_user_id INTEGER,                             -- the RT head it is linked to
    area       TEXT,
    added_at   TEXT    NOT NULL
);

CREATE TABLE announcements (
    id         INTEGER PRIMARY KEY,
    author     INTEGER NOT NULL,
    text       TEXT    NOT NULL,                    -- HTML, escaped on the way in
    created_at TEXT    NOT NULL
);
