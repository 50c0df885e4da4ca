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
