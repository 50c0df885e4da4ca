-- One-time tokens for resetting a forgotten password (POST /v1/admin/users/{id}/
-- password-reset grants one, POST /v1/auth/password-reset redeems it). Only a SHA-256
-- hash of each is kept; a user has at most one (a new grant replaces it), and it is
-- deleted when redeemed, replaced or expired.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL UNIQUE REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX password_resets_expires_at ON password_resets (expires_at);
