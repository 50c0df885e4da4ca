//! The embedded default store: SQLite in WAL mode with full fsync. Room events are
//! group-committed by a rusqlite connection on a thread of its own (`writer`); reads and
//! the few writes that are not batched go through a sqlx pool and the shared SQL of
//! [`SqlStore`].

pub(super) mod batched_writes;
mod checkpointer;
mod membership_statements;
pub(super) mod readers;
pub(super) mod search_backlog;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult,
    SqliteSynchronous,
};
use sqlx::{Pool, Sqlite, SqliteConnection, Transaction};

use super::group_commit::{self, GroupCommit};
use super::sql::{Backend, SqlStore};
use super::{EventOutbox, OnCommit};
use checkpointer::{Checkpointer, Policy, WalRestart};
use writer::SqliteCommitter;

/// The SQLite store.
pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
    /// Opens (creating if missing) the database at `url`, runs migrations and starts
    /// the writer.
    ///
    /// # Errors
    ///
    /// When the URL is invalid, the file cannot be opened or a migration fails.
    pub async fn open(
        url: &str,
        commit: GroupCommit,
        outbox: EventOutbox,
        on_commit: OnCommit,
    ) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged message survives power loss, not only a crash.
            // Group commit pays the fsync once per batch.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // The checkpoint thread copies the WAL into the database file; no commit
            // does it (see `checkpointer`).
            .pragma("wal_autocheckpoint", "0");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            // sqlx pings a connection before lending it by default: for SQLite, a round
            // trip to the connection's worker thread that can find nothing wrong with a
            // local file, and it doubled the thread switches of every read (a
            // reconnect storm is mostly reads; docs/benchmarks.md).
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        let path = options.get_filename();
        let conn = writer::open(path, writer::WRITE_CACHE_KIB)?;
        checkpointer::leave_to_checkpointer(&conn)?;
        let search = search_backlog::SearchBacklog::open(&conn, commit.search_index_interval)?;
        let wal_restart = WalRestart::default();
        let committer = SqliteCommitter {
            conn,
            outbox,
            checkpointer: Checkpointer::start(
                checkpointer::open(path)?,
                Policy::default(),
                wal_restart.clone(),
            )?,
            wal_restart,
            search,
        };
        let writer =
            group_commit::start_on_thread(committer, commit, on_commit, "chat-sqlite-writer")?;
        let batches = batched_writes::BatchedWrites::start(path, outbox)?;
        Ok(Self::new(pool, outbox, writer)
            .with_readers(readers::Readers::start(path)?)
            .with_batched_writes(batches))
    }
}

impl Backend for Sqlite {
    // The column is `COLLATE NOCASE`, and so is its unique index.
    const USER_BY_NAME: &'static str = "SELECT id, username, password_hash, display_name, avatar_id FROM users WHERE username = $1";
    // BEGIN IMMEDIATE holds the database's one write lock already.
    const LOCK_ROW: &'static str = "";

    async fn begin_write(pool: &Pool<Self>) -> sqlx::Result<Transaction<'static, Self>> {
        pool.begin_with("BEGIN IMMEDIATE").await
    }

    async fn lock_refresh_family(_: &mut SqliteConnection, _: &str) -> sqlx::Result<()> {
        // `BEGIN IMMEDIATE` already serialises every writer.
        Ok(())
    }

    const SEARCH_FROM: &'static str = "messages_fts f JOIN messages m ON m.rowid = f.rowid";
    const SEARCH_MATCH: &'static str = "messages_fts MATCH $2";

    async fn prepare_search(pool: &Pool<Self>) -> sqlx::Result<()> {
        search_backlog::index_before_search(pool).await
    }

    fn search_expression(words: &[String]) -> String {
        chat_protocol::v1::fts5_match(words)
    }

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    async fn lead_relay(
        _: &Pool<Self>,
        _: &mut Option<PoolConnection<Self>>,
    ) -> sqlx::Result<bool> {
        // One process owns the file.
        Ok(true)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::store::thread_scheduling::tests::all_batch;

    /// The writer, the checkpoint thread and the thread of batched writes wait for the
    /// runtime's turn when they wake (`thread_scheduling`); the kernel cuts thread
    /// names to 15 bytes.
    #[tokio::test]
    async fn the_store_threads_yield_to_the_runtime() {
        let dir = tempfile::tempdir().expect("temp dir");
        let _store = crate::store::tests::sqlite_store_in(dir.path()).await;
        let threads = ["chat-sqlite-wri", "chat-sqlite-ckp", "chat-sqlite-bat"];
        // Each thread sets its policy first thing, which may not have happened yet.
        for _ in 0..500 {
            if threads.iter().all(|name| all_batch(name)) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for name in threads {
            assert!(all_batch(name), "{name}");
        }
    }
}
