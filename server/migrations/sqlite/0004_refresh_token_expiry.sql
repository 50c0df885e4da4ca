-- Expired refresh tokens are deleted in the background (server/src/auth/refresh_purge.rs),
-- which looks them up by expiry.
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
