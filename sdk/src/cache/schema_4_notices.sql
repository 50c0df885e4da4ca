-- Membership and settings changes (member_changed, room_changed): room events with
-- their own seq, shown in the timeline between the messages. Kept as the protocol's
-- JSON frame, like the room list's summaries.
CREATE TABLE notices (
    room_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    frame   TEXT NOT NULL,
    PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;
