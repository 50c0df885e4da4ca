-- Attachments: what stored messages carry, the files of messages still in the outbox,
-- and a bounded cache of thumbnails.

-- A stored message's attachments: the Attachment objects the server sent, as a JSON
-- array (NULL: none; cleared when the message is deleted).
ALTER TABLE messages ADD COLUMN attachments TEXT;

-- The files of an outbox message, in the order the user gave them. `bytes` is the
-- SDK's own copy, made when the message was queued (the app's file may be gone by the
-- time the network is back); once the server has it, `attachment` holds the
-- Attachment object the upload answered and `bytes` is dropped. The message is sent
-- when every one of its files has an `attachment`.
CREATE TABLE outbox_files (
    client_msg_id TEXT NOT NULL,
    position      INTEGER NOT NULL,
    name          TEXT NOT NULL,
    mime          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    bytes         BLOB,
    attachment    TEXT,
    PRIMARY KEY (client_msg_id, position)
);

-- Thumbnails fetched from the server, by attachment and size ('small', 'medium'):
-- the least recently used go when the total passes the cache's bound.
CREATE TABLE thumbnails (
    attachment_id TEXT NOT NULL,
    size          TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    length        INTEGER NOT NULL,
    used_at       INTEGER NOT NULL,
    PRIMARY KEY (attachment_id, size)
);
CREATE INDEX thumbnails_by_use ON thumbnails (used_at);
