-- The lowest seq above which the cache holds every message of the room (up to the
-- cursor). NULL until the first join; 0 once history has been fetched to the start.
-- Pages below it are fetched from the server when the app scrolls there.
ALTER TABLE rooms ADD COLUMN floor INTEGER;
