-- The local cache of one signed-in user.

-- Rooms this client follows, with the resume cursor: the highest seq received through
-- the live feed or a replay (history back-fill does not move it).
CREATE TABLE rooms (
    room_id TEXT PRIMARY KEY,
    cursor  INTEGER
) WITHOUT ROWID;

-- Messages as the server stored them, by (room, seq); edits and deletes applied.
CREATE TABLE messages (
    room_id       TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    message_id    TEXT NOT NULL UNIQUE,
    client_msg_id TEXT NOT NULL,
    sender_id     TEXT NOT NULL,
    content       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    edited_at     INTEGER,
    deleted       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;
CREATE INDEX messages_client_msg_id ON messages (client_msg_id);

-- Messages written here and not yet stored by the server, in the order written.
-- failed_code is set when the server refused one for good.
CREATE TABLE outbox (
    position       INTEGER PRIMARY KEY AUTOINCREMENT,
    client_msg_id  TEXT NOT NULL UNIQUE,
    room_id        TEXT NOT NULL,
    content        TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    failed_code    TEXT,
    failed_message TEXT
);

-- Every member's receipt positions, per room.
CREATE TABLE receipts (
    room_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    delivered_seq INTEGER NOT NULL DEFAULT 0,
    read_seq      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
