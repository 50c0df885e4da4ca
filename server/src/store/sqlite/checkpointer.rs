//! WAL checkpoints on a thread of their own.
//!
//! By default SQLite checkpoints inside the commit that takes the WAL past 1,000 pages:
//! that commit also reads those pages back, writes them into the database file and
//! fsyncs it, and every write queued behind it waits. The group-commit writer turns
//! that off (`wal_autocheckpoint = 0`), and this thread runs a `PASSIVE` checkpoint
//! every [`INTERVAL`] instead, beside the writer: a passive checkpoint never blocks a
//! writer or a reader, and once it has copied the whole WAL, the writer's next
//! transaction starts the WAL over from its beginning, so the file does not keep
//! growing. Durability is unchanged: a commit is durable once its WAL frames are
//! synced, which the writer still does in every commit.

use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// How often the WAL is copied into the database file.
const INTERVAL: Duration = Duration::from_millis(100);

/// The running checkpoint thread.
#[derive(Debug)]
pub(super) struct Checkpointer {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database that `conn` is open on.
    pub(super) fn start(conn: Connection) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("chat-sqlite-ckpt".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                    checkpoint(&conn);
                }
                // A last one, so that a clean shutdown leaves little WAL behind.
                checkpoint(&conn);
            })?;
        Ok(Self { stop, thread })
    }

    /// Runs a last checkpoint and ends the thread.
    pub(super) fn stop(self) {
        drop(self.stop);
        if self.thread.join().is_err() {
            tracing::error!("the SQLite checkpoint thread panicked");
        }
    }
}

/// Copies what it can of the WAL into the database file, without waiting for anyone.
fn checkpoint(conn: &Connection) {
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        tracing::warn!(error = %e, "WAL checkpoint failed; retrying shortly");
    }
}

/// Turns off the checkpoint a commit would otherwise run itself.
pub(super) fn leave_to_checkpointer(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "wal_autocheckpoint", 0)
}

/// Opens a connection for [`Checkpointer::start`].
pub(super) fn open(path: &Path) -> rusqlite::Result<Connection> {
    super::writer::open(path)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn file_len(path: &Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    /// Writes `rows` rows of 4 KiB each in one transaction: about one WAL page a row.
    fn write_rows(conn: &Connection, rows: usize) {
        let tx = conn.unchecked_transaction().unwrap();
        for _ in 0..rows {
            tx.execute("INSERT INTO t (body) VALUES (zeroblob(4000))", [])
                .unwrap();
        }
        tx.commit().unwrap();
    }

    /// Waits (bounded) until `done` holds.
    fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn the_wal_reaches_the_database_file_and_then_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("chat.db");
        let wal = dir.path().join("chat.db-wal");
        let writer = open(&db).unwrap();
        leave_to_checkpointer(&writer).unwrap();
        writer
            .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
            .unwrap();

        // With no automatic checkpoint, the data stays in the WAL.
        write_rows(&writer, 500);
        let db_before = file_len(&db);
        let wal_after_first_burst = file_len(&wal);
        assert!(wal_after_first_burst > 500 * 4096, "the WAL holds the rows");
        assert!(
            db_before < 100 * 4096,
            "nothing was copied into the database file yet"
        );

        let checkpointer = Checkpointer::start(open(&db).unwrap()).unwrap();
        wait_for("the checkpoint to copy the rows", || {
            file_len(&db) > 500 * 4096
        });

        // Once everything is copied, the next transactions reuse the WAL from its
        // start instead of appending: the file stays as large as one burst.
        for _ in 0..4 {
            std::thread::sleep(INTERVAL * 3);
            write_rows(&writer, 500);
        }
        checkpointer.stop();
        assert!(
            file_len(&wal) < wal_after_first_burst * 2,
            "the WAL grew to {} bytes after five bursts of {wal_after_first_burst}",
            file_len(&wal)
        );
        let rows: i64 = writer
            .query_row("SELECT count(*) FROM t", [], |row| row.get(0))
            .unwrap();
        assert_eq!(rows, 2500);
    }
}
