-- The same schema as the SQLite store (see migrations/sqlite), in PostgreSQL types.
-- Times are ms since the epoch (BIGINT), ids are text (UUIDs as the server makes them).

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL,
    password_hash TEXT,
    created_at    BIGINT NOT NULL
);
-- Case-insensitive: "Ann" and "ann" are one account name.
CREATE UNIQUE INDEX users_username ON users (lower(username));

-- last_seq is the room's event counter: bumped inside the transaction that commits
-- an event, under the room row's lock, so seqs are gap-free and strictly increasing
-- per room whichever process commits.
CREATE TABLE rooms (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private', 'direct')),
    -- "<user a>\n<user b>" (sorted) for direct rooms, so a pair has only one.
    direct_key TEXT UNIQUE,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_seq   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX rooms_public ON rooms (visibility, created_at);

CREATE TABLE room_members (
    room_id   TEXT NOT NULL REFERENCES rooms (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user ON room_members (user_id, room_id);

-- Current state of every message; (sender_id, client_msg_id) makes sends idempotent.
CREATE TABLE messages (
    id            TEXT PRIMARY KEY,
    room_id       TEXT NOT NULL REFERENCES rooms (id),
    seq           BIGINT NOT NULL,
    sender_id     TEXT NOT NULL REFERENCES users (id),
    client_msg_id TEXT NOT NULL,
    content       TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    edited_at     BIGINT,
    deleted_at    BIGINT,
    UNIQUE (sender_id, client_msg_id)
);
CREATE UNIQUE INDEX messages_room_seq ON messages (room_id, seq);

-- The room's event log, replayed to resuming clients in seq order. content is NULL
-- for deletes, and erased from earlier events once a message is deleted.
CREATE TABLE room_events (
    room_id    TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('message', 'edit', 'delete')),
    message_id TEXT NOT NULL REFERENCES messages (id),
    sender_id  TEXT NOT NULL,
    content    TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, seq)
);
CREATE INDEX room_events_message ON room_events (message_id);

-- Highest delivered / read seq per member.
CREATE TABLE receipts (
    room_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    delivered_seq BIGINT NOT NULL DEFAULT 0,
    read_seq      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
);
