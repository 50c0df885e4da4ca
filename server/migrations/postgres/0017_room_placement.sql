-- Where a member keeps a room in their own list (PUT /v1/rooms/{id}/placement):
-- 'favorite' (listed first) or 'archived' (left out of GET /v1/rooms?archived=false);
-- NULL is the main list. The row goes with the membership, so a user who leaves and
-- comes back starts in the main list.
ALTER TABLE room_members ADD COLUMN placement TEXT
    CHECK (placement IN ('favorite', 'archived'));
