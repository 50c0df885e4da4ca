-- New messages wait in `search_backlog` for the full-text index, and the writer indexes
-- the backlog in one statement every half second or two thousand messages (and a search
-- first indexes whatever waits, so it still finds every message committed before it).
--
-- Indexed once per group commit (migration 0009), FTS5 still wrote a new index segment
-- per commit and merged those segments again later: about a tenth of the writer's CPU
-- in rooms of 10 (docs/benchmarks.md). A backlog row is one small append per commit.
--
-- A row's `rowid` is the message's: rowids can be reused once the newest rows are deleted
-- (a room's deletion), so the backlog names rows, not a high-water mark.
CREATE TABLE search_backlog (
    message_rowid INTEGER PRIMARY KEY
);

-- Edits and deletes un-index a message's old text only when it is in the index: text
-- FTS5 is told to remove but never held would corrupt it. A message still in the
-- backlog is indexed later, with whatever text it has by then.
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
WHEN NOT EXISTS (SELECT 1 FROM search_backlog WHERE message_rowid = old.rowid)
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        VALUES ('delete', old.rowid, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;

DROP TRIGGER messages_fts_delete;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN NOT EXISTS (SELECT 1 FROM search_backlog WHERE message_rowid = old.rowid)
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        VALUES ('delete', old.rowid, old.content);
END;
