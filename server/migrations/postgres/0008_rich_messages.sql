-- Rich messages: replies, mentions, reactions, pins, and full-text search.

-- The message of the same room this one replies to. A thread is read by it, in seq
-- order; deleting the parent leaves its replies as they are.
ALTER TABLE messages ADD COLUMN reply_to TEXT;
CREATE INDEX messages_replies ON messages (reply_to, seq) WHERE reply_to IS NOT NULL;

-- The user ids a message mentions, as a JSON array in the order the sender listed
-- them (NULL: none; cleared when the message is deleted).
ALTER TABLE messages ADD COLUMN mentions TEXT;

-- One row per mentioned user, for the room list's mention_count.
CREATE TABLE message_mentions (
    user_id    TEXT NOT NULL,
    room_id    TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    message_id TEXT NOT NULL REFERENCES messages (id),
    PRIMARY KEY (user_id, room_id, seq)
);

-- The reactions set now (each set and removal is also a room event in room_notices).
CREATE TABLE reactions (
    message_id TEXT NOT NULL REFERENCES messages (id),
    emoji      TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    room_id    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
);

-- The messages pinned now (each pin and unpin is also a room event).
CREATE TABLE pins (
    room_id    TEXT NOT NULL,
    message_id TEXT NOT NULL REFERENCES messages (id),
    pinned_by  TEXT NOT NULL,
    pinned_at  BIGINT NOT NULL,
    PRIMARY KEY (room_id, message_id)
);

ALTER TABLE room_notices DROP CONSTRAINT room_notices_kind_check;
ALTER TABLE room_notices ADD CONSTRAINT room_notices_kind_check
    CHECK (kind IN ('member', 'room', 'reaction', 'pin'));

-- Full-text search over the messages' current text: words as they are ('simple': no
-- stemming, no stop words, whatever the language), like SQLite's unicode61.
CREATE INDEX messages_search ON messages USING GIN (to_tsvector('simple', content));

-- The writer's batch function again (0007_moderation.sql), with three more arrays
-- and two more kinds:
-- - a message may reply to one of its room (`reply_tos`; 'no_parent' otherwise) and
--   mention members (`extras`: a JSON array of user ids; 'bad_mention' when one is not
--   a member), stored with it and in message_mentions;
-- - 'react' (refused as 'blocked' where a message would be) sets (`flags` true) or removes the reaction `extras` of the user, and
--   'pin' pins or unpins; each commits a room event whose JSON body (without room and
--   seq, which are the row's) the caller passes in `contents`, or changes nothing
--   ('unchanged'). Pinning needs an owner or admin of a group room ('not_moderator');
--   neither works on a deleted message ('deleted').
DROP FUNCTION chat_commit_batch(TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], BIGINT[], TEXT[]);
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
    flags     BOOLEAN[] -- a reaction set / a message pinned
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
    earlier_mentions   TEXT
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
                                      created_at, reply_to, mentions)
                    VALUES (new_ids[i], room_ids[i], next_seq, user_ids[i], keys[i],
                            contents[i], nows[i], reply_tos[i], extras[i])
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
                       m.created_at, m.edited_at, m.deleted_at, m.reply_to, m.mentions
                    INTO earlier_room_id, earlier_seq, earlier_id, earlier_client_msg_id,
                         earlier_sender_id, earlier_content, earlier_created_at,
                         earlier_edited_at, earlier_deleted_at, earlier_reply_to,
                         earlier_mentions
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
                        -- it is stored.
                        UPDATE messages m SET content = '', mentions = NULL,
                                              deleted_at = nows[i]
                            WHERE m.id = keys[i];
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
