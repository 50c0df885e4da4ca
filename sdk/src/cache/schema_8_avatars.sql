-- Pictures of users: each cached member's, as the server's list or a user_updated
-- frame last gave it (NULL: none).
ALTER TABLE members ADD COLUMN avatar_id TEXT;
