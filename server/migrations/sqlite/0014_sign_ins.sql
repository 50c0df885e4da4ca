-- Sign-ins of the built-in auth: each register, login or password change starts one,
-- and its refresh tokens (one family, refresh_tokens.family_id = sign_ins.id) keep it
-- going. Access tokens the server mints name theirs (claim `chat_sign_in`), so that ending a
-- sign-in (GET and DELETE /v1/users/me/sign-ins, a logout) refuses its access tokens at
-- once, closes its connections and forgets the push device it registered.
CREATE TABLE sign_ins (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id),
    -- What the client called the device (at most 64 characters), if anything.
    device_name    TEXT,
    created_at     INTEGER NOT NULL,
    -- The last refresh (or the start): the sign-in lapses a refresh-token lifetime later.
    last_active_at INTEGER NOT NULL
);
CREATE INDEX sign_ins_user ON sign_ins (user_id, last_active_at);
-- Purged once no refresh token of theirs can be valid any more.
CREATE INDEX sign_ins_last_active_at ON sign_ins (last_active_at);

-- Sign-ins already running keep going: one per family that was not revoked.
INSERT INTO sign_ins (id, user_id, created_at, last_active_at)
SELECT family_id, MIN(user_id), MIN(created_at), MAX(created_at)
FROM refresh_tokens
WHERE revoked_at IS NULL
GROUP BY family_id;

-- The sign-in that registered a push device (NULL: registered with a token naming none,
-- such as an external auth service's): it goes when that sign-in ends.
ALTER TABLE push_devices ADD COLUMN sign_in_id TEXT;
CREATE INDEX push_devices_sign_in ON push_devices (sign_in_id);
