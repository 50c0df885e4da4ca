-- A member's own "mark as unread" for a room (PUT /v1/rooms/{id}/unread): 1 while set.
-- A read receipt from the member clears it. The row goes with the membership, so a user
-- who leaves and comes back starts unmarked. INTEGER (0/1) as mute_mentions, so that the
-- room list reads it the same way from SQLite and PostgreSQL.
ALTER TABLE room_members ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0;
