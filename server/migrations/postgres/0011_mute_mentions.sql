-- Whether a message that mentions a member still notifies them while they muted the
-- room (PUT /v1/rooms/{room_id}/mute, `mentions`). On by default, as in most chat apps:
-- muting a busy room should not hide being asked something directly.
ALTER TABLE room_members ADD COLUMN mute_mentions INTEGER NOT NULL DEFAULT 1;
