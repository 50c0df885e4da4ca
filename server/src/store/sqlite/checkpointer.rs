//! WAL checkpoints on a thread of their own.
//!
//! By default SQLite checkpoints inside the commit that takes the WAL past 1,000 pages:
//! that commit also reads those pages back, writes them into the database file and
//! fsyncs it, and every write queued behind it waits. The group-commit writer turns
//! that off (`wal_autocheckpoint = 0`), and this thread runs a `PASSIVE` checkpoint
//! every [`INTERVAL`] instead, beside the writer: a passive checkpoint never blocks a
//! writer or a reader, and once it has copied the whole WAL, the writer's next
//! transaction starts the WAL over from its beginning.
//!
//! Under sustained writes that moment never comes: while a passive pass copies, the
//! writer appends, so the pass never finds the WAL fully copied, and the WAL grew by
//! the whole write rate (2 GB in 16 s of the durable benchmark). Every append to new
//! parts of the file then cost the kernel a fresh page, zeroed, and readers searched
//! an ever longer WAL index. A `RESTART` checkpoint from this thread does not help: it
//! must wait for the writer to let go of its lock, and the writer takes it again at
//! once. So when a pass leaves the WAL longer than [`Policy::restart_after_frames`],
//! it asks the writer ([`WalRestart`]) to copy the rest itself before its next
//! transaction: only what was appended during the pass, and, as nothing writes
//! meanwhile, to the end; that transaction then starts the WAL over. Durability is
//! unchanged: a commit is durable once its WAL frames are synced, which the writer
//! still does in every commit.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use crate::store::thread_scheduling;

/// How often the WAL is copied into the database file.
const INTERVAL: Duration = Duration::from_millis(100);
/// A WAL longer than this (65,536 pages, 256 MiB) after a passive pass is restarted.
///
/// The writer's part of a restart (copying what was appended during the pass) is on the
/// path of every write, and the lower the bound, the more often it comes: with 16 MiB,
/// that copy took about a tenth of the server's CPU samples in the durable benchmark
/// at saturation. With 256 MiB the benchmark acknowledged about a sixth more there,
/// with a lower p99 below it (docs/benchmarks.md, "A longer WAL before it starts
/// over"). The price is disk: the WAL file keeps the largest size it reached, and a
/// restart after a crash reads it. Under light load a pass copies everything and the
/// WAL starts over on its own, so the bound plays no part.
const RESTART_AFTER_FRAMES: u64 = 65_536;

/// When the checkpoint thread works.
#[derive(Debug, Clone, Copy)]
pub(super) struct Policy {
    /// Time between passes.
    pub(super) interval: Duration,
    /// WAL length, in frames, above which a pass asks the writer to restart the WAL.
    pub(super) restart_after_frames: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            interval: INTERVAL,
            restart_after_frames: RESTART_AFTER_FRAMES,
        }
    }
}

/// Raised by the checkpoint thread when the WAL should start over; the writer acts on
/// it between its transactions.
#[derive(Debug, Clone, Default)]
pub(super) struct WalRestart(Arc<AtomicBool>);

impl WalRestart {
    /// Run by the writer before a transaction: when a restart is due, checkpoints what
    /// the thread's pass left. Nothing writes meanwhile, so this copies the WAL to its
    /// end, and the transaction that follows starts the WAL over (unless a reader still
    /// reads from it; the next pass then asks again). When the thread's next pass is
    /// running, the checkpoint is refused as busy and the request kept for the writer's
    /// next transaction: dropped, a machine too loaded to finish passes quickly would
    /// see the WAL grow again.
    pub(super) fn finish_if_due(&self, conn: &Connection) {
        if !self.0.swap(false, Ordering::Relaxed) {
            return;
        }
        match passive_checkpoint(conn) {
            Ok(pass) if pass.busy => self.request(),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint before a restart failed"),
        }
    }

    fn request(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The running checkpoint thread.
#[derive(Debug)]
pub(super) struct Checkpointer {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
    /// Passes finished so far: what a caller waits on to know that everything committed
    /// before a moment has been offered to a checkpoint.
    passes: Arc<AtomicU64>,
}

impl Checkpointer {
    /// Starts checkpointing the database that `conn` is open on.
    pub(super) fn start(
        conn: Connection,
        policy: Policy,
        restart: WalRestart,
    ) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel();
        let passes = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&passes);
        let thread = std::thread::Builder::new()
            .name("chat-sqlite-ckpt".into())
            .spawn(move || {
                thread_scheduling::yield_to_runtime();
                while let Err(mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(policy.interval)
                {
                    checkpoint(&conn, policy, &restart);
                    counted.fetch_add(1, Ordering::Release);
                }
                // A last one, so that a clean shutdown leaves little WAL behind.
                checkpoint(&conn, policy, &restart);
            })?;
        Ok(Self {
            stop,
            thread,
            passes,
        })
    }

    /// How many passes have finished.
    #[cfg(test)]
    fn passes(&self) -> u64 {
        self.passes.load(Ordering::Acquire)
    }

    /// Runs a last checkpoint and ends the thread.
    pub(super) fn stop(self) {
        drop(self.stop);
        if self.thread.join().is_err() {
            tracing::error!("the SQLite checkpoint thread panicked");
        }
        tracing::debug!(
            passes = self.passes.load(Ordering::Acquire),
            "SQLite checkpoint thread stopped"
        );
    }
}

/// One pass: a passive checkpoint, then, if the WAL is still long, a request to the
/// writer to start it over.
fn checkpoint(conn: &Connection, policy: Policy, restart: &WalRestart) {
    match passive_checkpoint(conn) {
        Ok(pass) if pass.wal_frames > policy.restart_after_frames => restart.request(),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; retrying shortly"),
    }
}

/// What a passive checkpoint reported.
#[derive(Debug, Clone, Copy)]
struct Pass {
    /// Another connection was checkpointing, so this one copied nothing.
    busy: bool,
    /// The WAL's length in frames.
    wal_frames: u64,
}

/// Copies what it can of the WAL into the database file without waiting for anyone.
fn passive_checkpoint(conn: &Connection) -> rusqlite::Result<Pass> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok(Pass {
            busy: row.get::<_, i64>(0)? != 0,
            wal_frames: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
        })
    })
}

/// Turns off the checkpoint a commit would otherwise run itself.
pub(super) fn leave_to_checkpointer(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "wal_autocheckpoint", 0)
}

/// Opens a connection for [`Checkpointer::start`].
pub(super) fn open(path: &Path) -> rusqlite::Result<Connection> {
    super::writer::open(path, super::writer::WRITE_CACHE_KIB)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn file_len(path: &Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    /// The WAL header's checkpoint sequence number (bytes 12..16, big-endian, in
    /// SQLite's file format): it grows by one each time the WAL starts over.
    fn wal_restarts(wal: &Path) -> u32 {
        use std::io::Read;
        let mut header = [0u8; 16];
        std::fs::File::open(wal)
            .and_then(|mut file| file.read_exact(&mut header))
            .map_or(0, |()| {
                u32::from_be_bytes([header[12], header[13], header[14], header[15]])
            })
    }

    /// A fresh database with a table of blobs, and a writer that leaves checkpoints to
    /// the checkpoint thread, as the store's does.
    struct Database {
        db: std::path::PathBuf,
        wal: std::path::PathBuf,
        writer: Connection,
        _dir: tempfile::TempDir,
    }

    impl Database {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let db = dir.path().join("chat.db");
            let writer = open(&db).unwrap();
            leave_to_checkpointer(&writer).unwrap();
            writer
                .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
                .unwrap();
            Self {
                wal: dir.path().join("chat.db-wal"),
                db,
                writer,
                _dir: dir,
            }
        }

        fn rows(&self) -> i64 {
            self.writer
                .query_row("SELECT count(*) FROM t", [], |row| row.get(0))
                .unwrap()
        }
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
        let database = Database::new();
        let Database {
            db, wal, writer, ..
        } = &database;

        // With no automatic checkpoint, the data stays in the WAL.
        write_rows(writer, 500);
        let db_before = file_len(db);
        let wal_after_first_burst = file_len(wal);
        assert!(wal_after_first_burst > 500 * 4096, "the WAL holds the rows");
        assert!(
            db_before < 100 * 4096,
            "nothing was copied into the database file yet"
        );

        let checkpointer =
            Checkpointer::start(open(db).unwrap(), Policy::default(), WalRestart::default())
                .unwrap();
        // Once a pass has run that began after the last commit, everything is copied
        // (nothing else reads or writes to hold it back), and the next transaction
        // reuses the WAL from its start instead of appending: the file stays as large
        // as one burst. Waiting for passes rather than for time keeps this true on a
        // machine too loaded to run the thread on schedule.
        for _ in 0..4 {
            let seen = checkpointer.passes();
            wait_for("a checkpoint pass after the burst", || {
                checkpointer.passes() >= seen + 2
            });
            write_rows(writer, 500);
        }
        checkpointer.stop();
        assert!(
            file_len(wal) < wal_after_first_burst * 2,
            "the WAL grew to {} bytes after five bursts of {wal_after_first_burst}",
            file_len(wal)
        );
        assert_eq!(database.rows(), 2500);
    }

    #[test]
    fn under_sustained_writes_the_wal_is_restarted_instead_of_growing() {
        let database = Database::new();
        let Database {
            db, wal, writer, ..
        } = &database;
        // Durability plays no part here; without an fsync per commit the writer never
        // pauses, which is what starves a passive checkpoint.
        writer.pragma_update(None, "synchronous", "OFF").unwrap();
        let policy = Policy {
            interval: Duration::from_millis(5),
            restart_after_frames: 64,
        };
        let restart = WalRestart::default();
        let checkpointer = Checkpointer::start(open(db).unwrap(), policy, restart.clone()).unwrap();
        // 6,000 commits of 4 pages each: about 100 MiB through the WAL, without a break.
        // The passes run beside the writer every 5 ms, as in the store. Only on a
        // machine so loaded that no pass has finished for 200 commits (3 MiB of WAL)
        // does the writer wait for one, so that a starved thread cannot fail the test;
        // on time, that is 10 to 20 passes for the 200 commits.
        let mut largest = 0;
        let first = wal_restarts(wal);
        let mut passes_seen = checkpointer.passes();
        let mut commits_since_a_pass = 0;
        for _ in 0..6_000 {
            restart.finish_if_due(writer);
            write_rows(writer, 4);
            largest = largest.max(file_len(wal));
            commits_since_a_pass += 1;
            if checkpointer.passes() != passes_seen {
                passes_seen = checkpointer.passes();
                commits_since_a_pass = 0;
            } else if commits_since_a_pass >= 200 {
                wait_for("a checkpoint pass", || checkpointer.passes() != passes_seen);
            }
        }
        let restarts = wal_restarts(wal) - first;
        checkpointer.stop();
        // Measured here: with the restart requests, 40 to 58 restarts and a WAL of at
        // most 5 MiB (20 MiB with three busy processes per core beside the test);
        // without them, at most 8 restarts and a WAL of 60 to 150 MiB.
        assert!(
            restarts >= 20,
            "the WAL started over {restarts} times in 100 MiB of writes"
        );
        assert!(
            largest < 40 * 1024 * 1024,
            "the WAL grew to {largest} bytes; it is restarted past 64 frames"
        );
        assert_eq!(database.rows(), 24_000);
    }
}
