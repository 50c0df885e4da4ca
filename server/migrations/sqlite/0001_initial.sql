-- Users: local accounts (with an argon2 hash) or users of an external auth service
-- (no password; created on first authentication).
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    -- Case-insensitive: "Ann" and "ann" are one account name.
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);

-- last_seq is the room's event counter: bumped inside the transaction that
-- commits an event, so seqs are gap-free and strictly increasing per room.
CREATE TABLE rooms (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private', 'direct')),
    -- "<user a>\n<user b>" (sorted) for direct rooms, so a pair has only one.
    direct_key TEXT UNIQUE,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rooms_public ON rooms (visibility, created_at);

CREATE TABLE room_members (
    room_id   TEXT NOT NULL REFERENCES rooms (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
CREATE INDEX room_members_user ON room_members (user_id, room_id);

-- Current state of every message (history pages read this).
-- (sender_id, client_msg_id) is unique: that is what makes sends idempotent.
CREATE TABLE messages (
    id            TEXT PRIMARY KEY,
    room_id       TEXT NOT NULL REFERENCES rooms (id),
    seq           INTEGER NOT NULL,
    sender_id     TEXT NOT NULL REFERENCES users (id),
    client_msg_id TEXT NOT NULL,
    content       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    edited_at     INTEGER,
    deleted_at    INTEGER,
    UNIQUE (sender_id, client_msg_id)
);
CREATE UNIQUE INDEX messages_room_seq ON messages (room_id, seq);

-- The room's event log, replayed to resuming clients in seq order.
-- content is NULL for deletes, and erased from earlier events once a message is deleted.
CREATE TABLE room_events (
    room_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('message', 'edit', 'delete')),
    message_id TEXT NOT NULL REFERENCES messages (id),
    sender_id  TEXT NOT NULL,
    content    TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;
CREATE INDEX room_events_message ON room_events (message_id);

-- Highest delivered / read seq per member.
CREATE TABLE receipts (
    room_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    delivered_seq INTEGER NOT NULL DEFAULT 0,
    read_seq      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
