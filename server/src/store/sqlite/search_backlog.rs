//! The full-text index trails the writer: new messages wait in `search_backlog`
//! (migration 0012) and are indexed in bulk, by the writer once the oldest has waited
//! `GroupCommit::search_index_interval` or [`PASS_SIZE`] wait, and by a search before
//! it reads.
//!
//! FTS5 writes an index segment for every transaction that adds to it, and merges
//! segments again as they pile up. Indexed with every group commit, that was about a
//! tenth of the writer's CPU in small rooms (docs/benchmarks.md). A search still finds
//! every message committed before it: it indexes the backlog first
//! ([`index_before_search`]).

use std::time::{Duration, Instant};

use rusqlite::Connection;
use sqlx::SqlitePool;

/// Most messages waiting before the writer indexes them.
pub(in crate::store) const PASS_SIZE: u64 = 2048;

/// Puts the messages `?1` (a JSON array of ids) on the backlog. A join rather than
/// `id IN (SELECT ...)`, for which SQLite would build a temporary b-tree at every run.
const ADD: &str = "INSERT OR IGNORE INTO search_backlog (message_rowid)
     SELECT m.rowid FROM json_each(?1) j JOIN messages m ON m.id = j.value";

/// Indexes every message on the backlog that still exists, with its current text.
const INDEX: &str = "INSERT INTO messages_fts (rowid, content)
     SELECT m.rowid, m.content FROM search_backlog b JOIN messages m ON m.rowid = b.message_rowid";

/// Empties the backlog, in the transaction that indexed it.
const CLEAR: &str = "DELETE FROM search_backlog";

/// Whether anything waits.
const WAITING: &str = "SELECT EXISTS (SELECT 1 FROM search_backlog)";

/// The writer's side: adds each commit's new messages and indexes them when due.
#[derive(Debug)]
pub(super) struct SearchBacklog {
    /// Messages added since the last pass (at start: whatever a stop left, counted).
    waiting: u64,
    /// When the oldest of them was added (at start: the writer's start).
    oldest: Instant,
    /// Longest the oldest waits while messages keep coming.
    interval: Duration,
}

impl SearchBacklog {
    /// The backlog as the database holds it (a crash leaves it for the next pass).
    pub(super) fn open(conn: &Connection, interval: Duration) -> rusqlite::Result<Self> {
        let waiting: i64 =
            conn.query_row("SELECT COUNT(*) FROM search_backlog", [], |row| row.get(0))?;
        Ok(Self {
            waiting: u64::try_from(waiting).unwrap_or(0),
            oldest: Instant::now(),
            interval,
        })
    }

    /// Adds the messages `ids` (just inserted in `conn`'s transaction) and empties
    /// `ids`, and indexes the backlog when it is due, in the same transaction.
    pub(super) fn add(&mut self, conn: &Connection, ids: &mut Vec<String>) -> rusqlite::Result<()> {
        if !ids.is_empty() {
            let ids_json = serde_json::to_string(&ids).expect("a list of strings is JSON");
            conn.prepare_cached(ADD)?.execute([ids_json])?;
            if self.waiting == 0 {
                self.oldest = Instant::now();
            }
            self.waiting += ids.len() as u64;
            ids.clear();
        }
        let due = self.waiting >= PASS_SIZE
            || (self.waiting > 0 && self.oldest.elapsed() >= self.interval);
        if due {
            conn.prepare_cached(INDEX)?.execute([])?;
            conn.prepare_cached(CLEAR)?.execute([])?;
            self.waiting = 0;
        }
        Ok(())
    }
}

/// Indexes whatever waits, before a search reads the index: a search finds every
/// message committed before it. Costs one read when nothing waits.
pub(super) async fn index_before_search(pool: &SqlitePool) -> sqlx::Result<()> {
    let waiting: bool = sqlx::query_scalar(WAITING).fetch_one(pool).await?;
    if !waiting {
        return Ok(());
    }
    // Serialised with the writer by SQLite's write lock; the backlog is read again
    // inside the transaction, so a pass the writer made meanwhile is not repeated.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(INDEX).execute(&mut *tx).await?;
    sqlx::query(CLEAR).execute(&mut *tx).await?;
    tx.commit().await
}
