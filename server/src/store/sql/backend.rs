//! What differs between the databases under [`super::SqlStore`]: each backend module
//! (`store::sqlite`, `store::postgres`) implements this for its sqlx database.

use std::future::Future;

use sqlx::pool::PoolConnection;
use sqlx::{Database, Pool, Transaction};

/// One database's answers to what the shared SQL cannot say the same way.
pub(crate) trait Backend: Database {
    /// Finds a local user by login name, regardless of case (`$1` the name; columns
    /// `id, username, password_hash, display_name`). Each database has its own case-insensitive
    /// index, and only its own way of comparing uses it.
    const USER_BY_NAME: &'static str;

    /// Appended to a `SELECT` of one row that a write transaction is about to change,
    /// to lock it until the transaction ends where [`Backend::begin_write`] does not
    /// already serialise writers (PostgreSQL: ` FOR UPDATE`).
    const LOCK_ROW: &'static str;

    /// Begins a transaction that writes, serialised against the others where the
    /// database needs that asked up front (SQLite: `BEGIN IMMEDIATE`, or a read in the
    /// transaction fails with SQLITE_BUSY when another connection writes first).
    fn begin_write(
        pool: &Pool<Self>,
    ) -> impl Future<Output = sqlx::Result<Transaction<'static, Self>>> + Send;

    /// Serialises every rotation and revocation of one refresh-token family until the
    /// transaction on `conn` ends, where [`Backend::begin_write`] does not already.
    fn lock_refresh_family(
        conn: &mut Self::Connection,
        family_id: &str,
    ) -> impl Future<Output = sqlx::Result<()>> + Send;

    /// The `FROM` of a full-text search, naming the messages `m` (SQLite joins its FTS5
    /// index on).
    const SEARCH_FROM: &'static str;

    /// Brings the full-text index up to every committed message, before a search reads
    /// it (SQLite's index trails the writer: its search backlog).
    fn prepare_search(pool: &Pool<Self>) -> impl Future<Output = sqlx::Result<()>> + Send;

    /// The condition that `m` matches the search expression bound as `$2`.
    const SEARCH_MATCH: &'static str;

    /// The search expression of the words of a query (`chat_protocol::v1::search_words`:
    /// letters, digits and marks only, so nothing in them is syntax): every word, each
    /// matching as a prefix.
    fn search_expression(words: &[String]) -> String;

    /// How many rows a statement changed.
    fn rows_affected(result: &Self::QueryResult) -> u64;

    /// Whether this process should run the outbox relay now (one process of a cluster
    /// at a time, so that one room's events are published in order). `held` keeps
    /// whatever makes it the leader between calls.
    fn lead_relay(
        pool: &Pool<Self>,
        held: &mut Option<PoolConnection<Self>>,
    ) -> impl Future<Output = sqlx::Result<bool>> + Send;
}
