-- Membership and moderation: roles, room settings, bans, and the room events that are
-- not about a message's content (membership and settings changes).

-- owner / admin / member. The creator of a group room is its owner; both members of a
-- direct room are plain members (nobody moderates a conversation of two).
ALTER TABLE room_members ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
    CHECK (role IN ('owner', 'admin', 'member'));
UPDATE room_members SET role = 'owner'
WHERE EXISTS (SELECT 1 FROM rooms r
              WHERE r.id = room_members.room_id AND r.created_by = room_members.user_id
                AND r.visibility <> 'direct');

-- A direct room its member left is hidden from their list until a message with a seq
-- above this one arrives (a direct room's membership never ends).
ALTER TABLE room_members ADD COLUMN hidden_seq BIGINT;

ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN who_can_add TEXT NOT NULL DEFAULT 'members'
    CHECK (who_can_add IN ('members', 'admins'));

-- Banned users cannot join or be added until the ban is lifted.
CREATE TABLE room_bans (
    room_id    TEXT NOT NULL REFERENCES rooms (id),
    user_id    TEXT NOT NULL,
    banned_by  TEXT NOT NULL,
    reason     TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

-- Room events that are not about a message (member_changed, room_changed), replayed in
-- seq order with the rest of the log. `body` is the event as the protocol's JSON.
CREATE TABLE room_notices (
    room_id    TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('member', 'room')),
    actor_id   TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, seq)
);

-- A user's blocks. The blocked user cannot open a direct room with the blocker, add
-- them to a room, or send in their direct room; the blocker gets none of their typing.
CREATE TABLE user_blocks (
    blocker_id TEXT NOT NULL REFERENCES users (id),
    blocked_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX user_blocks_blocked ON user_blocks (blocked_id, blocker_id);

-- A closed account: 'deactivated' by a server admin, or 'deleted' by its user (then its
-- name is freed and its profile reads "Deleted user"). Its tokens are refused.
ALTER TABLE users ADD COLUMN closed TEXT CHECK (closed IN ('deactivated', 'deleted'));

-- Reports of messages and users, for the server's admins. A reported message's content
-- is copied in, so that editing or deleting it does not erase the evidence.
CREATE TABLE reports (
    id              TEXT PRIMARY KEY,
    reporter_id     TEXT NOT NULL,
    room_id         TEXT NOT NULL,
    message_id      TEXT,
    user_id         TEXT,
    reason          TEXT NOT NULL,
    message_content TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX reports_created ON reports (created_at, id);

-- The writer's batch function again, as in 0005_commit_batch.sql but for two rules: an
-- owner or admin may delete anyone's message in their room (the delete's room event
-- records who deleted it as its sender_id; the message keeps its own sender, which a
-- 'changed' row now returns as earlier_sender_id), and a user blocked by the other
-- member of a direct room cannot send there ('blocked'); and a new kind, 'erase': the
-- delete of a message by its sender whose account is being deleted, member or not.
CREATE OR REPLACE FUNCTION chat_commit_batch(
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
        ELSIF kinds[i] <> 'erase' AND NOT EXISTS (
                  SELECT 1 FROM room_members rm
                  WHERE rm.room_id = room_ids[i] AND rm.user_id = user_ids[i]) THEN
            -- An erase (the sender's account is being deleted) needs no membership.
            refusal := 'not_member';
        ELSIF kinds[i] = 'message' AND EXISTS (
                  -- The other member of a direct room blocked the sender.
                  SELECT 1 FROM rooms r
                  JOIN room_members o ON o.room_id = r.id AND o.user_id <> user_ids[i]
                  JOIN user_blocks b ON b.blocker_id = o.user_id AND b.blocked_id = user_ids[i]
                  WHERE r.id = room_ids[i] AND r.visibility = 'direct') THEN
            refusal := 'blocked';
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
            ELSIF target.sender_id <> user_ids[i] AND (kinds[i] <> 'delete' OR NOT EXISTS (
                      SELECT 1 FROM room_members rm
                      WHERE rm.room_id = room_ids[i] AND rm.user_id = user_ids[i]
                        AND rm.role IN ('owner', 'admin'))) THEN
                outcome := 'not_sender';
            ELSIF target.deleted_at IS NOT NULL THEN
                outcome := 'deleted';
            ELSE
                UPDATE rooms r SET last_seq = r.last_seq + 1 WHERE r.id = room_ids[i]
                    RETURNING r.last_seq INTO next_seq;
                INSERT INTO room_events (room_id, seq, kind, message_id, sender_id, content,
                                         created_at)
                    VALUES (room_ids[i], next_seq,
                            CASE WHEN kinds[i] = 'erase' THEN 'delete' ELSE kinds[i] END,
                            keys[i], user_ids[i], contents[i], nows[i]);
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
                -- Who sent the message: the event names them besides who deleted it.
                earlier_sender_id := target.sender_id;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;
