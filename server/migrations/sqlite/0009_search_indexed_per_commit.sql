-- New messages are added to the full-text index by the writer, once per group commit,
-- instead of by a trigger per row. FTS5 writes its pending terms out as a new index
-- segment at every statement savepoint, and each write statement of a batch opens one:
-- with the trigger, every message became a segment of its own, merged again later,
-- which cost the writer a quarter of its time (docs/benchmarks.md). One
-- `INSERT INTO messages_fts ... SELECT` at the end of the batch makes one segment per
-- commit. Edits and deletes keep their triggers (they are rare, and must un-index the
-- old text in the same statement).
DROP TRIGGER messages_fts_insert;
