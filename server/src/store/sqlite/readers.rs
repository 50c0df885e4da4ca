//! The reads of a reconnect, each answered in one hand-over: the user's circle at
//! sign-in, a room with its members at a join, and the events a client missed.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands it every
//! statement and every row, one at a time; in a reconnect storm, which is mostly these
//! three reads, the switches between those threads and the runtime's were the largest
//! cost left (docs/benchmarks.md, "What the storm waits on now"). Here a few threads
//! own a rusqlite connection each and run a whole read, returning its result at once
//! (a storm's context switches fell from 198,335 to 71,057 in 8 s). The writer does the same for writes (`writer`); the other
//! reads stay on sqlx's pool.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, params};
use tokio::sync::oneshot;

use crate::store::error::{Error, Result};
use crate::store::panics::panic_message;
use crate::store::queries;
use crate::store::rows::{CircleRows, FoldRows, RoomWithMembersRows, event_from_row, to_i64};
use crate::store::{Circle, CommittedEvent, RoomWithMembers};

/// Reader threads: as many as the sqlx pool has connections.
const READERS: usize = 4;

/// Each reader's page cache, in KiB (SQLite's default, 2 MiB).
const READ_CACHE_KIB: i64 = 2 * 1024;

/// A read, run on a reader's connection.
type Job = Box<dyn FnOnce(&Connection) + Send>;

/// Threads with a read-only connection each, taking reads from one queue.
#[derive(Debug)]
pub(in crate::store) struct Readers {
    jobs: mpsc::Sender<Job>,
    /// Set by [`Readers::close`]: reads are refused from then on, as the sqlx pool
    /// refuses them once closed.
    closed: AtomicBool,
}

impl Readers {
    /// Opens [`READERS`] connections to the database at `path` and starts their
    /// threads; they end once the `Readers` is dropped and their queue is empty.
    ///
    /// # Errors
    ///
    /// A connection cannot be opened, or a thread started.
    pub(in crate::store) fn start(path: &Path) -> anyhow::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..READERS {
            let conn = open(path)?;
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("chat-sqlite-read-{index}"))
                .spawn(move || serve(&conn, &queue))?;
        }
        Ok(Self {
            jobs,
            closed: AtomicBool::new(false),
        })
    }

    /// Refuses every read from now on (the store is closing). The threads end once the
    /// `Readers` is dropped.
    pub(in crate::store) fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    /// Runs `read` on a reader's connection and waits for its result.
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(Error::Closing);
        }
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // A panic in a read (a bug) fails that read; unwinding out of the job would
            // end this reader's thread, and with the last of them every such read of
            // the server until a restart. The read's statement is reset as it unwinds.
            let result =
                std::panic::catch_unwind(AssertUnwindSafe(|| read(conn))).unwrap_or_else(|panic| {
                    tracing::error!(
                        panic = panic_message(panic.as_ref()),
                        "a read on a SQLite reader thread panicked; the reader goes on"
                    );
                    Err(Error::ReadPanicked)
                });
            // Nobody waits any more when the caller was dropped: nothing to do.
            let _ = answer.send(result);
        });
        self.jobs.send(job).map_err(|_| Error::Closing)?;
        answered.await.map_err(|_| Error::Closing)?
    }

    /// [`crate::store::Store::events_after`].
    pub(in crate::store) async fn events_after(
        &self,
        room_id: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<CommittedEvent>> {
        let room_id = room_id.to_owned();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(queries::EVENTS_AFTER)?;
            let mut rows =
                statement.query(params![room_id, to_i64(after_seq), i64::from(limit)])?;
            let mut events = Vec::new();
            while let Some(row) = rows.next()? {
                events.push(event_from_row(row)?);
            }
            Ok(events)
        })
        .await
    }

    /// [`crate::store::Store::room_with_members`].
    pub(in crate::store) async fn room_with_members(
        &self,
        room_id: &str,
    ) -> Result<Option<RoomWithMembers>> {
        self.fold::<RoomWithMembersRows>(queries::ROOM_WITH_MEMBERS, &[room_id])
            .await
    }

    /// [`crate::store::Store::known_user_circle`].
    pub(in crate::store) async fn known_user_circle(
        &self,
        user_id: &str,
        sign_in: Option<&str>,
    ) -> Result<Option<Circle>> {
        let keys = [user_id, sign_in.unwrap_or("")];
        self.fold::<CircleRows>(queries::KNOWN_USER_CIRCLE, &keys)
            .await
    }

    /// The rows of `sql` for its parameters `keys`, folded by `F`.
    async fn fold<F>(&self, sql: &'static str, keys: &[&str]) -> Result<F::Folded>
    where
        F: FoldRows,
        F::Folded: Send + 'static,
    {
        let keys: Vec<String> = keys.iter().map(|&key| key.to_owned()).collect();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(sql)?;
            let mut rows = statement.query(rusqlite::params_from_iter(&keys))?;
            let mut folded = F::default();
            while let Some(row) = rows.next()? {
                folded.add(row)?;
            }
            Ok(folded.finish())
        })
        .await
    }
}

/// A connection that only reads: it sees each commit of the writer whole, like the
/// pool's connections.
fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "query_only", true)?;
    // Negative: KiB rather than pages.
    conn.pragma_update(None, "cache_size", -READ_CACHE_KIB)?;
    Ok(conn)
}

/// Runs reads until the queue is closed and empty.
fn serve(conn: &Connection, queue: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        // The lock is held only while waiting: one thread waits, the others queue for
        // the lock, and each runs its read unlocked.
        let next = queue.lock().map(|queue| queue.recv());
        match next {
            Ok(Ok(job)) => job(conn),
            Ok(Err(_)) | Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    use super::*;
    use crate::store::SqliteStore;

    /// A database in `dir` with the schema, and the store that made it (kept open, as
    /// the readers run beside it).
    async fn database_in(dir: &tempfile::TempDir) -> (std::path::PathBuf, SqliteStore) {
        let store = crate::store::tests::sqlite_store_in(dir.path()).await;
        (dir.path().join("chat.db"), store)
    }

    #[tokio::test]
    async fn a_read_that_panics_fails_alone_and_every_reader_goes_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, store) = database_in(&dir).await;
        let readers = Readers::start(&path).expect("readers");
        // More panics than there are reader threads: had any thread ended, the reads
        // after them would find no reader left.
        for _ in 0..READERS * 2 {
            let read = readers
                .read(|_conn| -> Result<()> { panic!("a bug in a read") })
                .await;
            assert!(matches!(read, Err(Error::ReadPanicked)), "{read:?}");
        }
        for _ in 0..READERS * 2 {
            assert!(
                readers
                    .events_after("r", 0, 10)
                    .await
                    .expect("read")
                    .is_empty()
            );
        }
        drop(store);
    }

    /// A replay's page of events is bound a new `LIMIT` at every run. Unless SQLite is
    /// built with SQLITE_ENABLE_QPSG (`.cargo/config.toml`), binding a value the planner
    /// looked at expires the statement, and the cached statement is parsed and planned
    /// again at every read of a reconnect storm.
    #[tokio::test]
    async fn a_cached_read_is_planned_once_whatever_its_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, store) = database_in(&dir).await;
        let conn = open(&path).expect("open a reader");
        for limit in [10_i64, 50, 10, 500] {
            let mut statement = conn.prepare_cached(queries::EVENTS_AFTER).expect("prepare");
            let mut rows = statement
                .query(params!["no-such-room", 0_i64, limit])
                .expect("query");
            assert!(rows.next().expect("step").is_none());
            drop(rows);
            assert_eq!(
                statement.get_status(StatementStatus::RePrepare),
                0,
                "limit {limit}"
            );
        }
        drop(store);
    }
}
