-- The group-commit writer's batch as one statement (server/src/store/postgres/writer.rs):
-- a batch of sends, edits and deletes is one round trip to the database instead of
-- eight per write. The writes come as parallel arrays, already in the order to apply
-- them (room-id order, arrival order within a room); one row comes back per write, in
-- the same order:
--   outcome 'stored' / 'changed' with event_seq: committed at that seq;
--   outcome 'earlier': the sender stored this client_msg_id before (in this room or
--     another); the earlier_* columns are that message, the answer to a resend;
--   otherwise the refusal: 'no_room', 'not_member', 'no_message', 'not_sender',
--     'deleted', or 'collision' (a unique violation with nothing to answer from).
--
-- The rules are those of the statement-per-step writer it replaces:
-- - every write first locks its room's row, so one room's events commit one
--   transaction at a time and the seq bumped under the lock is gap-free;
-- - each statement of a VOLATILE PL/pgSQL function reads the latest committed state, so
--   a resend committed by another process before the lock was granted is seen;
-- - the same client_msg_id committed meanwhile into another room (which this write
--   does not lock) is caught by the unique index: the insert does nothing, the seq
--   taken for it is given back, and the answer is that earlier message.
CREATE FUNCTION chat_commit_batch(
    kinds     TEXT[],   -- 'message', 'edit' or 'delete'
    room_ids  TEXT[],
    user_ids  TEXT[],   -- the sender, or who edits / deletes
    keys      TEXT[],   -- client_msg_id of a message; message id of an edit / delete
    contents  TEXT[],   -- the text of a message or an edit; NULL for a delete
    nows      BIGINT[],
    new_ids   TEXT[]    -- the id a new message gets; NULL for an edit / delete
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
    earlier_deleted_at BIGINT
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    refusal  TEXT;
    next_seq BIGINT;
    target   RECORD;
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
        PERFORM 1 FROM rooms r WHERE r.id = room_ids[i] FOR UPDATE;
        IF NOT FOUND THEN
            refusal := 'no_room';
        ELSIF NOT EXISTS (SELECT 1 FROM room_members rm
                          WHERE rm.room_id = room_ids[i] AND rm.user_id = user_ids[i]) THEN
            refusal := 'not_member';
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
                                      created_at)
                    VALUES (new_ids[i], room_ids[i], next_seq, user_ids[i], keys[i],
                            contents[i], nows[i])
                    ON CONFLICT (sender_id, client_msg_id) DO NOTHING;
                IF FOUND THEN
                    INSERT INTO room_events (room_id, seq, kind, message_id, sender_id,
                                             content, created_at)
                        VALUES (room_ids[i], next_seq, 'message', new_ids[i], user_ids[i],
                                contents[i], nows[i]);
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
                       m.created_at, m.edited_at, m.deleted_at
                    INTO earlier_room_id, earlier_seq, earlier_id, earlier_client_msg_id,
                         earlier_sender_id, earlier_content, earlier_created_at,
                         earlier_edited_at, earlier_deleted_at
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
            ELSIF target.sender_id <> user_ids[i] THEN
                outcome := 'not_sender';
            ELSIF target.deleted_at IS NOT NULL THEN
                outcome := 'deleted';
            ELSE
                UPDATE rooms r SET last_seq = r.last_seq + 1 WHERE r.id = room_ids[i]
                    RETURNING r.last_seq INTO next_seq;
                INSERT INTO room_events (room_id, seq, kind, message_id, sender_id, content,
                                         created_at)
                    VALUES (room_ids[i], next_seq, kinds[i], keys[i], user_ids[i],
                            contents[i], nows[i]);
                IF kinds[i] = 'edit' THEN
                    UPDATE messages m SET content = contents[i], edited_at = nows[i]
                        WHERE m.id = keys[i];
                ELSE
                    -- Deleting erases the text everywhere it is stored.
                    UPDATE messages m SET content = '', deleted_at = nows[i]
                        WHERE m.id = keys[i];
                    UPDATE room_events e SET content = NULL WHERE e.message_id = keys[i];
                END IF;
                outcome := 'changed';
                event_seq := next_seq;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;
