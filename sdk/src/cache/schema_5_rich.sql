-- Rich messages: replies, mentions, reactions, pins, local search, and an outbox that
-- holds every change (edits, deletes, reactions, pins), not only new messages.

ALTER TABLE messages ADD COLUMN reply_to TEXT;
-- The mentioned user ids as a JSON array (NULL: none).
ALTER TABLE messages ADD COLUMN mentions TEXT;

-- Reactions per message and emoji: the users known to have reacted (every user a
-- `reaction` event named, and the first users a history page listed), and how many more
-- the page counted without naming them. The count is the two together. `position`
-- keeps the order in which each emoji was first used, a user's rowid the order in which
-- users reacted.
CREATE TABLE reaction_totals (
    position   INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    emoji      TEXT NOT NULL,
    unnamed    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (message_id, emoji)
);
CREATE TABLE reaction_users (
    message_id TEXT NOT NULL,
    emoji      TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
);

-- The messages pinned now, moved on by `message_pinned` events and the pins list.
-- `message` is the message as the pins list last gave it (JSON), for a pinned message
-- older than the cached history (which only ever holds runs of seqs without holes).
CREATE TABLE pins (
    room_id    TEXT NOT NULL,
    message_id TEXT NOT NULL,
    pinned_by  TEXT NOT NULL,
    pinned_at  INTEGER NOT NULL,
    message    TEXT,
    PRIMARY KEY (room_id, message_id)
) WITHOUT ROWID;

-- Local full-text search (FTS5, natively and in the browser's SQLite). `messages` has no
-- rowid of its own, so each message gets a document number here.
CREATE TABLE message_docs (
    doc        INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE message_search USING fts5(
    content,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO message_docs (message_id) SELECT message_id FROM messages;
INSERT INTO message_search (rowid, content)
    SELECT d.doc, m.content FROM message_docs d JOIN messages m ON m.message_id = d.message_id;

CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
    INSERT OR IGNORE INTO message_docs (message_id) VALUES (new.message_id);
    INSERT INTO message_search (rowid, content)
        SELECT doc, new.content FROM message_docs WHERE message_id = new.message_id;
END;

CREATE TRIGGER message_search_update AFTER UPDATE OF content ON messages BEGIN
    DELETE FROM message_search
        WHERE rowid = (SELECT doc FROM message_docs WHERE message_id = old.message_id);
    INSERT INTO message_search (rowid, content)
        SELECT doc, new.content FROM message_docs WHERE message_id = new.message_id;
END;

CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_search
        WHERE rowid = (SELECT doc FROM message_docs WHERE message_id = old.message_id);
    DELETE FROM message_docs WHERE message_id = old.message_id;
END;

-- The outbox holds every change now. `kind`: 'send' (a new message: `content`,
-- `reply_to`, `mentions`), 'edit' (`content`), 'delete', 'react' (`emoji`, `flag` on)
-- or 'pin' (`flag` pinned). A change names its message by server id
-- (`target_message_id`) or, made before the message's own send was acknowledged, by that
-- send's `client_msg_id` (`target_client_msg_id`; the id is filled in at the ack).
-- `client_msg_id` is the entry's own id (a change's is a local id).
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'send';
ALTER TABLE outbox ADD COLUMN reply_to TEXT;
ALTER TABLE outbox ADD COLUMN mentions TEXT;
ALTER TABLE outbox ADD COLUMN target_message_id TEXT;
ALTER TABLE outbox ADD COLUMN target_client_msg_id TEXT;
ALTER TABLE outbox ADD COLUMN emoji TEXT;
ALTER TABLE outbox ADD COLUMN flag INTEGER;
