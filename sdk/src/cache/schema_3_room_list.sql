-- The room list (the app's home screen): each room's summary as the server last
-- described it (GET /v1/rooms, room_updated), moved on by the room's own events where
-- this client follows the room. Sorted by last_activity_at, newest first.
CREATE TABLE room_list (
    room_id          TEXT PRIMARY KEY,
    last_activity_at INTEGER NOT NULL,
    summary          TEXT NOT NULL -- the RoomSummary, as the protocol's JSON
) WITHOUT ROWID;
CREATE INDEX room_list_activity ON room_list (last_activity_at, room_id);
