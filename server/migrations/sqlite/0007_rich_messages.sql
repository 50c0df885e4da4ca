-- Rich messages: replies, mentions, reactions, pins, and full-text search.

-- The message of the same room this one replies to. A thread is read by it, in seq
-- order; deleting the parent leaves its replies as they are.
ALTER TABLE messages ADD COLUMN reply_to TEXT;
CREATE INDEX messages_replies ON messages (reply_to, seq) WHERE reply_to IS NOT NULL;

-- The user ids a message mentions, as a JSON array in the order the sender listed
-- them (NULL: none; cleared when the message is deleted).
ALTER TABLE messages ADD COLUMN mentions TEXT;

-- One row per mentioned user, for the room list's mention_count: the user's unread
-- messages that mention them, found through (user, room, seq).
CREATE TABLE message_mentions (
    user_id    TEXT NOT NULL,
    room_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    message_id TEXT NOT NULL REFERENCES messages (id),
    PRIMARY KEY (user_id, room_id, seq)
) WITHOUT ROWID;

-- The reactions set now (each set and removal is also a room event in room_notices).
CREATE TABLE reactions (
    message_id TEXT NOT NULL REFERENCES messages (id),
    emoji      TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    room_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
) WITHOUT ROWID;

-- The messages pinned now (each pin and unpin is also a room event).
CREATE TABLE pins (
    room_id    TEXT NOT NULL,
    message_id TEXT NOT NULL REFERENCES messages (id),
    pinned_by  TEXT NOT NULL,
    pinned_at  INTEGER NOT NULL,
    PRIMARY KEY (room_id, message_id)
) WITHOUT ROWID;

-- room_notices takes reaction and pin events too. SQLite cannot change a CHECK
-- constraint in place, so the table is made again with the wider one.
CREATE TABLE room_notices_v2 (
    room_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('member', 'room', 'reaction', 'pin')),
    actor_id   TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;
INSERT INTO room_notices_v2 (room_id, seq, kind, actor_id, body, created_at)
    SELECT room_id, seq, kind, actor_id, body, created_at FROM room_notices;
DROP TABLE room_notices;
ALTER TABLE room_notices_v2 RENAME TO room_notices;

-- Full-text search over the messages' current text (FTS5, its content read from
-- `messages`). Triggers keep it in step in the writer's transaction: an edit
-- re-indexes, a delete (which empties the text) un-indexes. The index is keyed by the
-- messages' rowid: should a VACUUM ever renumber those, `INSERT INTO messages_fts
-- (messages_fts) VALUES ('rebuild')` makes it again (docs/operations.md).
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content,
    content = 'messages',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        VALUES ('delete', old.rowid, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        VALUES ('delete', old.rowid, old.content);
END;
