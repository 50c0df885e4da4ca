//! The writes besides messages that come in bursts, on SQLite: membership and settings
//! changes (a class joining at once) and the first sign-ins of an external issuer's
//! users (an app switching its users over). Those that arrive together commit
//! together, on a thread of their own.
//!
//! Each used to commit in a transaction of its own, and on SQLite every commit waits
//! for its own `fdatasync`: 10,000 clients joining their rooms at once took 8.7 s on
//! the benchmark's machine, one join per sync (docs/benchmarks.md). Here, while one
//! batch commits, the writes that arrive wait in a queue, and the next batch takes them
//! (up to `MAX_BATCH`): one transaction, one sync. Each write runs in a savepoint of
//! that transaction, so one the room's rules refuse (or one that fails) writes nothing
//! and the others still commit; every write gets its own outcome. Should the batch as a
//! whole fail to commit, each of its writes is made again alone, so that each caller
//! sees its own result. PostgreSQL needs none of this: its writers run concurrently and
//! it groups their commits itself.
//!
//! The batches run on a rusqlite connection of their own thread, like the writer of
//! messages: through sqlx's pool, each statement was a hand-over to sqlx's worker
//! thread and back (six for a join), and each first sign-in a commit of its own
//! (docs/benchmarks.md, "Setting up idle clients").

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::FutureExt as _;
use rusqlite::{Connection, OptionalExtension as _, params};
use tokio::sync::{mpsc, oneshot};

use super::membership_statements::RusqliteStatements;
use crate::store::error::{Error, Result};
use crate::store::membership::MembershipWrite;
use crate::store::membership_change;
use crate::store::panics::panic_message;
use crate::store::queries;
use crate::store::thread_scheduling;
use crate::store::{CommittedEvent, EventOutbox};

/// Most writes in one transaction: the batch holds SQLite's one write lock while it
/// runs, and the group-commit writer of messages waits for it meanwhile.
const MAX_BATCH: usize = 256;

/// The connection's page cache, in KiB (SQLite's default, 2 MiB): a write reads and
/// writes a few rows of a room or a user.
const CACHE_KIB: i64 = 2 * 1024;

/// A write of a batch.
#[derive(Debug, Clone)]
enum Write {
    /// A membership or settings change.
    Change(MembershipWrite),
    /// The row of an external issuer's user, unless the id or the name is taken
    /// ([`crate::store::Store::ensure_external_user`]).
    SignUp {
        user_id: String,
        username: String,
        now: i64,
    },
}

impl Write {
    /// How this write is answered when it could not be made.
    fn failure(&self) -> fn(Error) -> Outcome {
        match self {
            Self::Change(_) => |e| Outcome::Change(Err(e)),
            Self::SignUp { .. } => |e| Outcome::SignUp(Err(e)),
        }
    }
}

/// What a [`Write`] was answered with.
#[derive(Debug)]
enum Outcome {
    /// The change's room events in seq order (none when nothing changed), or why it was
    /// refused.
    Change(Result<Vec<CommittedEvent>>),
    /// Whether the user exists now.
    SignUp(Result<bool>),
}

impl Outcome {
    fn is_ok(&self) -> bool {
        match self {
            Self::Change(outcome) => outcome.is_ok(),
            Self::SignUp(outcome) => outcome.is_ok(),
        }
    }
}

/// A write waiting for the next batch.
#[derive(Debug)]
struct Queued {
    write: Write,
    answer: oneshot::Sender<Outcome>,
}

/// Commits the bursty writes of a SQLite store in batches, on a thread of its own.
#[derive(Debug)]
pub(in crate::store) struct BatchedWrites {
    queue: mpsc::UnboundedSender<Queued>,
    /// Set by [`BatchedWrites::close`]: writes are refused from then on.
    closed: AtomicBool,
}

impl BatchedWrites {
    /// Opens a write connection to the database at `path` and starts the thread that
    /// commits the batches; it ends once the `BatchedWrites` is dropped and what was
    /// queued is answered.
    ///
    /// # Errors
    ///
    /// The connection cannot be opened, or the thread started.
    pub(in crate::store) fn start(path: &Path, outbox: EventOutbox) -> anyhow::Result<Self> {
        let mut conn = super::writer::open(path, CACHE_KIB)?;
        super::checkpointer::leave_to_checkpointer(&conn)?;
        let (queue, queued) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Handle::current();
        std::thread::Builder::new()
            .name("chat-sqlite-batches".into())
            .spawn(move || {
                thread_scheduling::yield_to_runtime();
                // Nothing here waits on the runtime but the queue: the statements run
                // on this thread.
                runtime.block_on(serve(&mut conn, queued, outbox));
            })?;
        Ok(Self {
            queue,
            closed: AtomicBool::new(false),
        })
    }

    /// Refuses every write from now on (the store is closing).
    pub(in crate::store) fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    /// Makes `write` in the next batch; its room events in seq order, none when nothing
    /// changed, or why it was refused.
    pub(in crate::store) async fn change(
        &self,
        write: MembershipWrite,
    ) -> Result<Vec<CommittedEvent>> {
        match self.submit(Write::Change(write)).await? {
            Outcome::Change(outcome) => outcome,
            Outcome::SignUp(_) => Err(Error::ChangeFailed),
        }
    }

    /// [`crate::store::Store::ensure_external_user`], in the next batch.
    pub(in crate::store) async fn ensure_external_user(
        &self,
        user_id: &str,
        username: &str,
        now: i64,
    ) -> Result<bool> {
        let write = Write::SignUp {
            user_id: user_id.to_owned(),
            username: username.to_owned(),
            now,
        };
        match self.submit(write).await? {
            Outcome::SignUp(outcome) => outcome,
            Outcome::Change(_) => Err(Error::ChangeFailed),
        }
    }

    async fn submit(&self, write: Write) -> Result<Outcome> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(Error::Closing);
        }
        let (answer, outcome) = oneshot::channel();
        self.queue
            .send(Queued { write, answer })
            .map_err(|_| Error::Closing)?;
        // A batch that panicked drops its answers.
        outcome.await.map_err(|_| Error::ChangeFailed)
    }
}

/// Takes what is queued, up to [`MAX_BATCH`] at a time, and commits it, until the
/// queue closes.
async fn serve(
    conn: &mut Connection,
    mut queued: mpsc::UnboundedReceiver<Queued>,
    outbox: EventOutbox,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queued.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // A panic in a write (a bug) fails its batch, whose callers see
        // `ChangeFailed`, instead of ending this thread and every later write with it.
        let committed = AssertUnwindSafe(commit(conn, outbox, std::mem::take(&mut batch)))
            .catch_unwind()
            .await;
        if let Err(panic) = committed {
            tracing::error!(
                panic = panic_message(panic.as_ref()),
                "a batch of membership changes and sign-ups panicked; its writes failed"
            );
            roll_back(conn);
        }
    }
}

/// Commits `batch` in one transaction, or each write alone when that fails.
async fn commit(conn: &mut Connection, outbox: EventOutbox, batch: Vec<Queued>) {
    let writes: Vec<Write> = batch.iter().map(|queued| queued.write.clone()).collect();
    match together(conn, outbox, writes).await {
        Ok(outcomes) => {
            for (queued, outcome) in batch.into_iter().zip(outcomes) {
                let _ = queued.answer.send(outcome);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, writes = batch.len(),
                "a batch of membership changes and sign-ups failed to commit; making them one by one");
            for queued in batch {
                let _ = queued.answer.send(alone(conn, outbox, queued.write).await);
            }
        }
    }
}

/// Every write of a batch in one transaction, each in a savepoint: the outcome of each,
/// in order, once the transaction committed.
async fn together(
    conn: &mut Connection,
    outbox: EventOutbox,
    writes: Vec<Write>,
) -> Result<Vec<Outcome>> {
    let (changes, sign_ups) =
        writes
            .iter()
            .fold((0, 0), |(changes, sign_ups), write| match write {
                Write::Change(_) => (changes + 1, sign_ups),
                Write::SignUp { .. } => (changes, sign_ups + 1),
            });
    // IMMEDIATE takes the write lock up front, as the writer of messages does.
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let mut outcomes = Vec::with_capacity(writes.len());
    let made = async {
        for write in writes {
            conn.execute_batch("SAVEPOINT write")?;
            let outcome = make(conn, outbox, write).await;
            conn.execute_batch(if outcome.is_ok() {
                "RELEASE write"
            } else {
                "ROLLBACK TO write; RELEASE write"
            })?;
            outcomes.push(outcome);
        }
        conn.execute_batch("COMMIT")?;
        Ok::<_, Error>(())
    }
    .await;
    if let Err(e) = made {
        roll_back(conn);
        return Err(e);
    }
    if changes > 0 {
        crate::telemetry::membership_batch(changes);
    }
    if sign_ups > 0 {
        crate::telemetry::sign_up_batch(sign_ups);
    }
    Ok(outcomes)
}

/// One write in a transaction of its own.
async fn alone(conn: &mut Connection, outbox: EventOutbox, write: Write) -> Outcome {
    let failed = write.failure();
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        return failed(e.into());
    }
    let outcome = make(conn, outbox, write).await;
    let ended = conn.execute_batch(if outcome.is_ok() {
        "COMMIT"
    } else {
        "ROLLBACK"
    });
    match ended {
        Ok(()) => outcome,
        Err(e) => {
            roll_back(conn);
            failed(e.into())
        }
    }
}

/// Makes `write` inside the transaction open on `conn`.
async fn make(conn: &mut Connection, outbox: EventOutbox, write: Write) -> Outcome {
    match write {
        Write::Change(change) => Outcome::Change(
            membership_change::apply(&mut RusqliteStatements(conn), outbox, change).await,
        ),
        Write::SignUp {
            user_id,
            username,
            now,
        } => Outcome::SignUp(sign_up(conn, &user_id, &username, now)),
    }
}

/// Adds the external user unless the id or the name is taken; whether the id is an
/// active user afterwards.
fn sign_up(conn: &Connection, user_id: &str, username: &str, now: i64) -> Result<bool> {
    conn.prepare_cached(queries::ADD_EXTERNAL_USER)?
        .execute(params![user_id, username, now])?;
    let active = conn
        .prepare_cached(queries::ACTIVE_USER)?
        .query_row([user_id], |_| Ok(()))
        .optional()?;
    Ok(active.is_some())
}

/// Ends the transaction left open by a failure, if any, writing none of it.
fn roll_back(conn: &Connection) {
    if !conn.is_autocommit()
        && let Err(e) = conn.execute_batch("ROLLBACK")
    {
        tracing::error!(error = %e, "a batch's transaction could not be rolled back");
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use crate::store::Store;
    use crate::store::tests::{all_at_once, answers, burst_of_joins, joins_for_a_burst};

    async fn open() -> (Arc<dyn Store>, tempfile::TempDir) {
        crate::telemetry::install();
        let dir = tempfile::tempdir().expect("temp dir");
        let store = crate::store::tests::sqlite_store_in(dir.path()).await;
        (Arc::new(store), dir)
    }

    /// A line of `/metrics` as a number (0 when it is not there).
    fn metric(line_start: &str) -> u64 {
        let text = crate::telemetry::handle().render();
        text.lines()
            .find_map(|line| line.strip_prefix(line_start)?.trim().parse::<f64>().ok())
            .unwrap_or(0.0) as u64
    }

    /// `_count` and `_sum` of a batch-size histogram, as `/metrics` renders them.
    fn batches_and_writes(histogram: &str) -> (u64, u64) {
        (
            metric(&format!("{histogram}_count ")),
            metric(&format!("{histogram}_sum ")),
        )
    }

    const CHANGES: &str = "chat_store_membership_batch_size";
    const SIGN_UPS: &str = "chat_store_sign_up_batch_size";

    /// Holds SQLite's write lock on the store's database in `dir` from a connection of
    /// its own, until dropped. The batch thread waits at its `BEGIN IMMEDIATE`
    /// meanwhile with whatever it took first, so every write queued before the drop
    /// is there for its next batch, however fast or slow the machine.
    struct WriteLock(rusqlite::Connection);

    impl WriteLock {
        fn take(dir: &Path) -> Self {
            let conn = rusqlite::Connection::open(dir.join("chat.db")).expect("open");
            conn.execute_batch("BEGIN IMMEDIATE")
                .expect("take the write lock");
            Self(conn)
        }
    }

    impl Drop for WriteLock {
        fn drop(&mut self) {
            self.0
                .execute_batch("ROLLBACK")
                .expect("release the write lock");
        }
    }

    /// Asserts that `writes` more writes went through the batches of `histogram` since
    /// it read `before`, in two transactions at most: the first with what the thread
    /// took before [`WriteLock`] was dropped, the second with the rest.
    fn assert_batched(histogram: &str, before: (u64, u64), writes: u64) {
        let (batches, written) = batches_and_writes(histogram);
        assert_eq!(
            written - before.1,
            writes,
            "every write went through a batch"
        );
        assert!(
            batches - before.0 <= 2,
            "{} transactions for {writes} writes",
            batches - before.0
        );
    }

    /// Lets the tasks spawned so far run up to where they wait for their answer (on
    /// the tests' one-thread runtime, each is polled once per yield).
    async fn let_tasks_queue() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    /// Changes that arrive while a batch commits share the next transaction: 41 changes
    /// at once (40 joins and a refused one) take two commits at most, the first with
    /// what the thread took before the others queued, the second with the rest.
    #[tokio::test]
    async fn changes_that_arrive_together_commit_together() {
        let (store, dir) = open().await;
        let writes = joins_for_a_burst(&store, 40).await;
        let before = batches_and_writes(CHANGES);
        let lock = WriteLock::take(dir.path());
        let tasks = all_at_once(&store, writes);
        let_tasks_queue().await;
        drop(lock);
        let outcomes = answers(tasks).await;
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 40);
        assert_batched(CHANGES, before, 41);
    }

    /// First sign-ins of an external issuer's users that arrive together share a
    /// transaction as changes do: 41 at once take two commits at most. One whose name
    /// is taken (in another case) is answered `false` and adds nothing, and the others
    /// are added all the same.
    #[tokio::test]
    async fn first_sign_ins_that_arrive_together_commit_together() {
        let (store, dir) = open().await;
        assert!(
            store
                .ensure_external_user("first", "Taken", 10)
                .await
                .expect("added")
        );
        let before = batches_and_writes(SIGN_UPS);
        let lock = WriteLock::take(dir.path());
        let mut tasks: Vec<_> = (0..40)
            .map(|i| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    let (id, name) = (format!("ext-{i}"), format!("external:ext-{i}"));
                    store.ensure_external_user(&id, &name, 10).await
                })
            })
            .collect();
        tasks.push(tokio::spawn({
            let store = Arc::clone(&store);
            async move { store.ensure_external_user("second", "TAKEN", 10).await }
        }));
        let_tasks_queue().await;
        drop(lock);
        let mut outcomes: Vec<bool> = answers(tasks)
            .await
            .into_iter()
            .map(|outcome| outcome.expect("answered"))
            .collect();
        assert_eq!(outcomes.pop(), Some(false), "the name was taken");
        assert!(outcomes.iter().all(|added| *added));
        for i in 0..40 {
            let profile = store.user_profile(&format!("ext-{i}")).await.expect("read");
            assert_eq!(
                profile.map(|p| p.username),
                Some(format!("external:ext-{i}"))
            );
        }
        assert!(!store.user_exists("second").await.expect("read"));
        assert_batched(SIGN_UPS, before, 41);
    }

    /// A write that fails in the database fails alone: its savepoint is rolled back,
    /// it is answered with the error, and the writes of its batch on either side of it
    /// commit. Triggers refuse one user's row, and one join's `member_changed` notice,
    /// the last statement of a join: its member row and its seq, already written,
    /// must go with it.
    #[tokio::test]
    async fn a_write_that_fails_in_a_batch_fails_alone() {
        let (store, dir) = open().await;
        let mut writes = joins_for_a_burst(&store, 4).await;
        writes.pop(); // the outsider's refused join: only the owner's adds here
        let doom = rusqlite::Connection::open(dir.path().join("chat.db")).expect("open");
        doom.execute_batch(
            "CREATE TRIGGER doom_user BEFORE INSERT ON users WHEN NEW.id = 'doomed'
                 BEGIN SELECT RAISE(ABORT, 'doomed user'); END;
             CREATE TRIGGER doom_member BEFORE INSERT ON room_notices
                 WHEN NEW.body LIKE '%\"joiner-1\"%'
                 BEGIN SELECT RAISE(ABORT, 'doomed member'); END;",
        )
        .expect("triggers");
        let (changes_before, sign_ups_before) =
            (batches_and_writes(CHANGES), batches_and_writes(SIGN_UPS));
        let lock = WriteLock::take(dir.path());
        let joins = all_at_once(&store, writes);
        let sign_ups: Vec<_> = ["before", "doomed", "after"]
            .into_iter()
            .map(|id| {
                let store = Arc::clone(&store);
                tokio::spawn(async move { store.ensure_external_user(id, id, 10).await })
            })
            .collect();
        let_tasks_queue().await;
        drop(lock);
        let joined = answers(joins).await;
        let signed_up = answers(sign_ups).await;
        assert!(joined[1].is_err(), "joiner-1: {:?}", joined[1]);
        for i in [0, 2, 3] {
            let events = joined[i].as_ref().expect("the other joins commit");
            assert_eq!(events.len(), 1);
        }
        let seqs: Vec<u64> = [0, 2, 3]
            .iter()
            .map(|&i| joined[i].as_ref().unwrap()[0].seq)
            .collect();
        assert_eq!(
            seqs[1],
            seqs[0] + 1,
            "the failed join took no seq: {seqs:?}"
        );
        assert_eq!(seqs[2], seqs[1] + 1, "{seqs:?}");
        let members: Vec<String> = store
            .members("r")
            .await
            .expect("members")
            .into_iter()
            .map(|member| member.user_id.to_string())
            .collect();
        assert!(!members.contains(&"joiner-1".to_string()), "{members:?}");
        for joiner in ["joiner-0", "joiner-2", "joiner-3"] {
            assert!(members.contains(&joiner.to_string()), "{members:?}");
        }
        assert!(signed_up[1].is_err(), "doomed: {:?}", signed_up[1]);
        assert!(*signed_up[0].as_ref().expect("before"));
        assert!(*signed_up[2].as_ref().expect("after"));
        assert!(!store.user_exists("doomed").await.expect("read"));
        assert!(store.user_exists("after").await.expect("read"));
        // Made in committed batches, not one by one after a batch failed.
        assert_batched(CHANGES, changes_before, 4);
        assert_batched(SIGN_UPS, sign_ups_before, 3);
    }

    /// More changes at once than one batch takes (a school joining): each is answered,
    /// and no transaction holds more than `MAX_BATCH`, so the writer of messages never
    /// waits behind one long batch.
    #[tokio::test]
    async fn a_burst_larger_than_a_batch_is_answered_in_batches_of_bounded_size() {
        let (store, _dir) = open().await;
        let joins = 2 * super::MAX_BATCH + 50;
        let (batches_before, changes_before) = batches_and_writes(CHANGES);
        let outcomes = burst_of_joins(&store, joins).await;
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), joins);
        let (batches, changes) = batches_and_writes(CHANGES);
        assert_eq!(changes - changes_before, joins as u64 + 1);
        assert!(
            batches - batches_before >= 3,
            "{} batches",
            batches - batches_before
        );
        let within = metric("chat_store_membership_batch_size_bucket{le=\"256\"} ");
        assert_eq!(
            within,
            batches,
            "a batch held more than {}",
            super::MAX_BATCH
        );
    }
}
