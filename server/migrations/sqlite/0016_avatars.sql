-- Pictures for users and rooms (PATCH /v1/users/me, PATCH /v1/rooms/{id} with
-- avatar_id). An avatar is an image the user uploaded (POST /v1/uploads) and never
-- sent; from then on the upload does not expire, any signed-in user may download it,
-- and it cannot be sent with a message. Replacing or removing an avatar, closing the
-- account or deleting the room dooms the old upload (the janitor removes its files).
ALTER TABLE users ADD COLUMN avatar_id TEXT;
ALTER TABLE rooms ADD COLUMN avatar_id TEXT;
-- When the upload became an avatar; NULL for every other upload.
ALTER TABLE attachments ADD COLUMN avatar_since INTEGER;
