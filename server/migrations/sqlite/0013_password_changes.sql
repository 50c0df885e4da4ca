-- When the user last changed their password (POST /v1/users/me/password), ms since the
-- epoch: access tokens issued in an earlier second are refused from then on, so that a
-- password change signs every other device out. NULL: never changed.
ALTER TABLE users ADD COLUMN signed_out_before INTEGER;
