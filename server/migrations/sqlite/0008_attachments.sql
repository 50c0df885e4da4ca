-- Attachments: files uploaded (POST /v1/uploads) before the message that carries them
-- is sent. The files themselves are in the attachment storage (a directory or an S3
-- bucket), under the row's id.
CREATE TABLE attachments (
    id             TEXT PRIMARY KEY,
    uploader_id    TEXT NOT NULL,
    -- The file name the uploader gave, as text.
    name           TEXT NOT NULL,
    -- An image type found from the bytes, or application/octet-stream.
    mime           TEXT NOT NULL,
    -- Bytes as stored (an image's metadata removed).
    size           INTEGER NOT NULL,
    width          INTEGER,
    height         INTEGER,
    -- The thumbnails' type (image/jpeg, or image/png for an image with transparency);
    -- NULL when there are none (not an image).
    thumbnail_mime TEXT,
    small_width    INTEGER,
    small_height   INTEGER,
    medium_width   INTEGER,
    medium_height  INTEGER,
    created_at     INTEGER NOT NULL,
    -- The message it was sent with, and that message's room: set once, by the writer,
    -- in the message's transaction (NULL: not sent yet).
    message_id     TEXT,
    room_id        TEXT,
    -- Set when its message or room is deleted, or when it expired unsent: from then on
    -- it is never served or sent, and the janitor removes its files, then the row.
    deleted_at     INTEGER
);
CREATE INDEX attachments_by_uploader ON attachments (uploader_id);
CREATE INDEX attachments_unsent ON attachments (created_at) WHERE message_id IS NULL;
CREATE INDEX attachments_by_message ON attachments (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_by_room ON attachments (room_id) WHERE room_id IS NOT NULL;
CREATE INDEX attachments_doomed ON attachments (deleted_at) WHERE deleted_at IS NOT NULL;

-- What a message object says of its attachments, as a JSON array (NULL: none; cleared
-- when the message is deleted). Written once with the message: an attachment never
-- changes after its upload, so readers need no join.
ALTER TABLE messages ADD COLUMN attachments TEXT;
