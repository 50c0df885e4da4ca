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
    size           BIGINT NOT NULL,
    width          BIGINT,
    height         BIGINT,
    -- The thumbnails' type (image/jpeg, or image/png for an image with transparency);
    -- NULL when there are none (not an image).
    thumbnail_mime TEXT,
    small_width    BIGINT,
    small_height   BIGINT,
    medium_width   BIGINT,
    medium_height  BIGINT,
    created_at     BIGINT NOT NULL,
    -- The message it was sent with, and that message's room: set once, by the writer,
    -- in the message's transaction (NULL: not sent yet).
    message_id     TEXT,
    room_id        TEXT,
    -- Set when its message or room is deleted, or when it expired unsent: from then on
    -- it is never served or sent, and the janitor removes its files, then the row.
    deleted_at     BIGINT
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

-- The writer's batch function again (0008_rich_messages.sql), with one more array:
-- a message may carry attachments (`attachment_lists`: the JSON array its message
-- objects carry), each uploaded by the sender and never sent ('bad_attachment'
-- otherwise); the send marks them sent with it, in the same transaction. A delete
-- clears them from the message and dooms their files.
DROP FUNCTION chat_commit_batch(TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], BIGINT[], TEXT[], TEXT[], TEXT[], BOOLEAN[]);
CREATE FUNCTION chat_commit_batch(
    kinds     TEXT[],   -- 'message', 'edit', 'delete', 'erase', 'react' or 'pin'
    room_ids  TEXT[],
    user_ids  TEXT[],   -- the sender, or who changes the message
    keys      TEXT[],   -- client_msg_id of a message; otherwise the message id
    contents  TEXT[],   -- a message's or an edit's text; a reaction's or pin's event body
    nows      BIGINT[],
    new_ids   TEXT[],   -- the id a new message gets; NULL otherwise
    reply_tos TEXT[],   -- the parent of a reply; NULL otherwise
    extras    TEXT[],   -- a message's mentions (JSON array) or a reaction's emoji
    flags     BOOLEAN[], -- a reaction set / a message pinned
    attachment_lists TEXT[] -- a message's attachments (JSON array of objects); NULL otherwise
) RETURNS TABLE (
    outcome            TEXT,
    event_seq          BIGINT,
    earlier_room_id    TEXT,
    earlier_seq        BIGINT,
    earlier_id         TEXT,
    earlier_client_msg_id TEXT,
    earlier_sender_id  TEXT,
    earlier_content    TEXT,
    earlier_created_at BIGINT,
    earlier_edited_at  BIGINT,
    earlier_deleted_at BIGINT,
    earlier_reply_to   TEXT,
    earlier_mentions   TEXT,
    earlier_attachments TEXT
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    refusal    TEXT;
    next_seq   BIGINT;
    target     RECORD;
    room_visibility TEXT;
    changed    BOOLEAN;
BEGIN
    FOR i IN 1 .. coalesce(array_length(kinds, 1), 0) LOOP
        event_seq := NULL;
        earlier_room_id := NULL;
        earlier_seq := NULL;
        earlier_id := NULL;
        earlier_client_msg_id := NULL;
        earlier_sender_id := NULL;
        earlier_content := NULL;
        earlier_created_at := NULL;
        earlier_edited_at := NULL;
        earlier_deleted_at := NULL;
        earlier_reply_to := NULL;
        earlier_mentions := NULL;
        earlier_attachments := NULL;
        SELECT r.visibility INTO room_visibility FROM rooms r WHERE r.id = room_ids[i] FOR UPDATE;
        IF NOT FOUND THEN
            refusal := 'no_room';
        ELSIF kinds[i] <> 'erase' AND NOT EXISTS (
                  SELECT 1 FROM room_members rm
                  WHERE rm.room_id = room_ids[i] AND rm.user_id = user_ids[i]) THEN
            -- An erase (the sender's account is being deleted) needs no membership.
            refusal := 'not_member';
        ELSIF kinds[i] IN ('message', 'react') AND room_visibility = 'direct' AND EXISTS (
                  -- The other member of a direct room blocked the sender.
                  SELECT 1 FROM room_members o
                  JOIN user_blocks b ON b.blocker_id = o.user_id AND b.blocked_id = user_ids[i]
                  WHERE o.room_id = room_ids[i] AND o.user_id <> user_ids[i]) THEN
            refusal := 'blocked';
        ELSIF kinds[i] = 'message' AND reply_tos[i] IS NOT NULL AND NOT EXISTS (
                  SELECT 1 FROM messages p WHERE p.id = reply_tos[i] AND p.room_id = room_ids[i]) THEN
            refusal := 'no_parent';
        ELSIF kinds[i] = 'message' AND extras[i] IS NOT NULL AND EXISTS (
                  SELECT 1 FROM jsonb_array_elements_text(extras[i]::jsonb) AS u (user_id)
                  WHERE NOT EXISTS (SELECT 1 FROM room_members rm
                                    WHERE rm.room_id = room_ids[i] AND rm.user_id = u.user_id)) THEN
            refusal := 'bad_mention';
        ELSIF kinds[i] = 'message' AND attachment_lists[i] IS NOT NULL AND (
                  -- Each must be the sender's, not sent and not deleted; the rows stay
                  -- locked, so a send racing on another process waits and then sees
                  -- them sent.
                  SELECT count(*) FROM (
                      SELECT 1 FROM attachments a
                      WHERE a.id IN (SELECT x ->> 'attachment_id'
                                     FROM jsonb_array_elements(attachment_lists[i]::jsonb) AS x)
                        AND a.uploader_id = user_ids[i]
                        AND a.message_id IS NULL AND a.deleted_at IS NULL
                      FOR UPDATE
                  ) AS usable
              ) <> jsonb_array_length(attachment_lists[i]::jsonb) THEN
            refusal := 'bad_attachment';
        ELSE
            refusal := NULL;
        END IF;

        IF kinds[i] = 'message' THEN
            outcome := NULL;
            IF refusal IS NULL AND NOT EXISTS (
                SELECT 1 FROM messages m
                WHERE m.sender_id = user_ids[i] AND m.client_msg_id = keys[i]
            ) THEN
                UPDATE rooms r SET last_seq = r.last_seq + 1 WHERE r.id = room_ids[i]
                    RETURNING r.last_seq INTO next_seq;
                INSERT INTO messages (id, room_id, seq, sender_id, client_msg_id, content,
                                      created_at, reply_to, mentions, attachments)
                    VALUES (new_ids[i], room_ids[i], next_seq, user_ids[i], keys[i],
                            contents[i], nows[i], reply_tos[i], extras[i],
                            attachment_lists[i])
                    ON CONFLICT (sender_id, client_msg_id) DO NOTHING;
                IF FOUND THEN
                    INSERT INTO room_events (room_id, seq, kind, message_id, sender_id,
                                             content, created_at)
                        VALUES (room_ids[i], next_seq, 'message', new_ids[i], user_ids[i],
                                contents[i], nows[i]);
                    IF extras[i] IS NOT NULL THEN
                        INSERT INTO message_mentions (user_id, room_id, seq, message_id)
                            SELECT DISTINCT u.user_id, room_ids[i], next_seq, new_ids[i]
                            FROM jsonb_array_elements_text(extras[i]::jsonb) AS u (user_id);
                    END IF;
                    IF attachment_lists[i] IS NOT NULL THEN
                        UPDATE attachments a SET message_id = new_ids[i], room_id = room_ids[i]
                            WHERE a.id IN (SELECT x ->> 'attachment_id'
                                           FROM jsonb_array_elements(attachment_lists[i]::jsonb) AS x);
                    END IF;
                    outcome := 'stored';
                    event_seq := next_seq;
                ELSE
                    -- Stored meanwhile by another process, into another room.
                    UPDATE rooms r SET last_seq = r.last_seq - 1 WHERE r.id = room_ids[i];
                END IF;
            END IF;
            IF outcome IS NULL THEN
                -- A resend (even from a former member) is answered with what the first
                -- send stored; otherwise the refusal stands.
                SELECT m.room_id, m.seq, m.id, m.client_msg_id, m.sender_id, m.content,
                       m.created_at, m.edited_at, m.deleted_at, m.reply_to, m.mentions,
                       m.attachments
                    INTO earlier_room_id, earlier_seq, earlier_id, earlier_client_msg_id,
                         earlier_sender_id, earlier_content, earlier_created_at,
                         earlier_edited_at, earlier_deleted_at, earlier_reply_to,
                         earlier_mentions, earlier_attachments
                    FROM messages m
                    WHERE m.sender_id = user_ids[i] AND m.client_msg_id = keys[i];
                outcome := CASE WHEN FOUND THEN 'earlier' ELSE coalesce(refusal, 'collision') END;
            END IF;
        ELSIF refusal IS NOT NULL THEN
            outcome := refusal;
        ELSE
            SELECT m.sender_id, m.deleted_at INTO target
                FROM messages m WHERE m.id = keys[i] AND m.room_id = room_ids[i];
            IF NOT FOUND THEN
                outcome := 'no_message';
            ELSIF kinds[i] IN ('edit', 'delete', 'erase') THEN
                IF target.sender_id <> user_ids[i] AND (kinds[i] <> 'delete' OR NOT EXISTS (
                       SELECT 1 FROM room_members rm
                       WHERE rm.room_id = room_ids[i] AND rm.user_id = user_ids[i]
                         AND rm.role IN ('owner', 'admin'))) THEN
                    outcome := 'not_sender';
                ELSIF target.deleted_at IS NOT NULL THEN
                    outcome := 'deleted';
                ELSE
                    UPDATE rooms r SET last_seq = r.last_seq + 1 WHERE r.id = room_ids[i]
                        RETURNING r.last_seq INTO next_seq;
                    INSERT INTO room_events (room_id, seq, kind, message_id, sender_id,
                                             content, created_at)
                        VALUES (room_ids[i], next_seq,
                                CASE WHEN kinds[i] = 'erase' THEN 'delete' ELSE kinds[i] END,
                                keys[i], user_ids[i], contents[i], nows[i]);
                    IF kinds[i] = 'edit' THEN
                        UPDATE messages m SET content = contents[i], edited_at = nows[i]
                            WHERE m.id = keys[i];
                    ELSE
                        -- Deleting erases the text (and whom it mentioned) everywhere
                        -- it is stored, and dooms its attachments' files.
                        UPDATE messages m SET content = '', mentions = NULL,
                                              attachments = NULL, deleted_at = nows[i]
                            WHERE m.id = keys[i];
                        UPDATE attachments a SET deleted_at = nows[i]
                            WHERE a.message_id = keys[i] AND a.deleted_at IS NULL;
                        UPDATE room_events e SET content = NULL WHERE e.message_id = keys[i];
                    END IF;
                    outcome := 'changed';
                    event_seq := next_seq;
                    -- Who sent the message: the event names them besides who deleted it.
                    earlier_sender_id := target.sender_id;
                END IF;
            ELSIF target.deleted_at IS NOT NULL THEN
                outcome := 'deleted';
            ELSIF kinds[i] = 'pin' AND room_visibility <> 'direct' AND NOT EXISTS (
                      SELECT 1 FROM room_members rm
                      WHERE rm.room_id = room_ids[i] AND rm.user_id = user_ids[i]
                        AND rm.role IN ('owner', 'admin')) THEN
                outcome := 'not_moderator';
            ELSE
                IF kinds[i] = 'react' AND flags[i] THEN
                    INSERT INTO reactions (message_id, emoji, user_id, room_id, created_at)
                        VALUES (keys[i], extras[i], user_ids[i], room_ids[i], nows[i])
                        ON CONFLICT DO NOTHING;
                ELSIF kinds[i] = 'react' THEN
                    DELETE FROM reactions x
                        WHERE x.message_id = keys[i] AND x.emoji = extras[i]
                          AND x.user_id = user_ids[i];
                ELSIF flags[i] THEN
                    INSERT INTO pins (room_id, message_id, pinned_by, pinned_at)
                        VALUES (room_ids[i], keys[i], user_ids[i], nows[i])
                        ON CONFLICT DO NOTHING;
                ELSE
                    DELETE FROM pins p WHERE p.room_id = room_ids[i] AND p.message_id = keys[i];
                END IF;
                changed := FOUND;
                IF changed THEN
                    UPDATE rooms r SET last_seq = r.last_seq + 1 WHERE r.id = room_ids[i]
                        RETURNING r.last_seq INTO next_seq;
                    INSERT INTO room_notices (room_id, seq, kind, actor_id, body, created_at)
                        VALUES (room_ids[i], next_seq,
                                CASE WHEN kinds[i] = 'react' THEN 'reaction' ELSE 'pin' END,
                                user_ids[i], contents[i], nows[i]);
                    outcome := 'changed';
                    event_seq := next_seq;
                    earlier_sender_id := target.sender_id;
                ELSE
                    outcome := 'unchanged';
                END IF;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;
