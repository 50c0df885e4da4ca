-- Messages a user saved to find again (PUT /v1/rooms/{id}/messages/{id}/saved), most
-- recently saved first. The list shows only messages that are not deleted, in rooms
-- the user is still a member of; deleting a room or an account removes its rows.
CREATE TABLE saved_messages (
    user_id    TEXT NOT NULL,
    message_id TEXT NOT NULL,
    room_id    TEXT NOT NULL,
    saved_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, message_id)
);
CREATE INDEX saved_messages_by_time ON saved_messages (user_id, saved_at, message_id);
