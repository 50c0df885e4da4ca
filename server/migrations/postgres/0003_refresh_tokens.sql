-- Refresh tokens of the built-in auth (POST /v1/auth/refresh). Only a SHA-256 hash of
-- each token is kept. Each refresh marks the presented token used and issues the next
-- one in the same family; presenting a used token again (a stolen copy, replayed)
-- revokes the whole family.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
