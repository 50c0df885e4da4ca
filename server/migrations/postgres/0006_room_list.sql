-- The room list (GET /v1/rooms) and profiles. A room's last message, its activity
-- time and each member's unread count are read from `messages` when the list is asked
-- for, so that sending a message writes nothing more than before.

-- The name the user chose to be shown by; NULL shows their username.
ALTER TABLE users ADD COLUMN display_name TEXT;

-- Until when (ms since the epoch) the member muted the room; NULL or a past time: not
-- muted.
ALTER TABLE room_members ADD COLUMN muted_until BIGINT;
