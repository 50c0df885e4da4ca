-- Membership and settings changes (member_changed, room_changed): room events with
-- their own seq, shown in the timeline between the messages. Kept as the protocol's
-- JSON frame, like the room list's summaries.
CREATE TABLE notices (
    room_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    frame   TEXT NOT NULL,
    PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;

-- The users this user blocked (GET /v1/users/me/blocks, read on every connect and kept
-- by block and unblock): their messages are marked `sender_blocked`.
CREATE TABLE blocked_users (
    user_id TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Each followed room's members with their roles, as the server last listed them
-- (members()) and moved on by the room's membership notices: room info offline.
CREATE TABLE members (
    room_id      TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    username     TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL,
    joined_at    INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
