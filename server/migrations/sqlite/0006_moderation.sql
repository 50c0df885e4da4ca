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
ALTER TABLE room_members ADD COLUMN hidden_seq INTEGER;

ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN who_can_add TEXT NOT NULL DEFAULT 'members'
    CHECK (who_can_add IN ('members', 'admins'));

-- Banned users cannot join or be added until the ban is lifted.
CREATE TABLE room_bans (
    room_id    TEXT NOT NULL REFERENCES rooms (id),
    user_id    TEXT NOT NULL,
    banned_by  TEXT NOT NULL,
    reason     TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

-- Room events that are not about a message (member_changed, room_changed), replayed in
-- seq order with the rest of the log. `body` is the event as the protocol's JSON.
CREATE TABLE room_notices (
    room_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('member', 'room')),
    actor_id   TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;

-- A user's blocks. The blocked user cannot open a direct room with the blocker, add
-- them to a room, or send in their direct room; the blocker gets none of their typing.
CREATE TABLE user_blocks (
    blocker_id TEXT NOT NULL REFERENCES users (id),
    blocked_id TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
) WITHOUT ROWID;
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
    created_at      INTEGER NOT NULL
);
CREATE INDEX reports_created ON reports (created_at, id);
