-- Invite links (POST /v1/rooms/{id}/invites; POST /v1/invites/{code}/join): whoever
-- holds the code may join the room until the invite expires, is used up or revoked.
-- Only a SHA-256 hash of each code is kept.
CREATE TABLE room_invites (
    id         TEXT PRIMARY KEY,
    code_hash  TEXT NOT NULL UNIQUE,
    room_id    TEXT NOT NULL REFERENCES rooms (id),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- NULL: any number of users may join with it.
    max_uses   INTEGER,
    uses       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX room_invites_room ON room_invites (room_id, created_at);
CREATE INDEX room_invites_expires_at ON room_invites (expires_at);
