//! Group commit, for every backend: writes queue up, one loop takes what is queued (up
//! to a batch), hands the batch to the backend's [`CommitBatch`] to apply in one
//! transaction, then announces the new events in commit order and answers each write.
//! A burst of messages pays one commit (one fsync) instead of one each.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::CommittedEvent;
use super::error::{Error, Result};
use super::panics::panic_message;
use super::thread_scheduling;
use super::write::{MessageChange, NewEvent, NewMessage, OnCommit, Sent};

/// A queued write, with the slot its outcome is put in and the channel it goes back on.
#[derive(Debug)]
pub(super) enum Pending {
    /// A new message.
    Send {
        /// What to store.
        write: NewMessage,
        /// Where the answer goes.
        reply: Reply<Sent>,
    },
    /// An edit or delete.
    Change {
        /// What to change.
        write: MessageChange,
        /// Where the answer goes.
        reply: Reply<CommittedEvent>,
    },
}

/// The outcome of one write (once its batch has been applied) and who waits for it.
#[derive(Debug)]
pub(super) struct Reply<T> {
    to: oneshot::Sender<Result<T>>,
    /// Set by the backend while applying the batch; sent once the batch committed.
    pub(super) outcome: Option<Result<T>>,
}

impl<T> Reply<T> {
    fn new(to: oneshot::Sender<Result<T>>) -> Self {
        Self { to, outcome: None }
    }

    fn answer(self, failed: bool) {
        let outcome = match self.outcome {
            Some(outcome) if !failed => outcome,
            _ => Err(Error::CommitFailed),
        };
        let _ = self.to.send(outcome);
    }
}

impl Pending {
    /// A send, and the receiver its outcome arrives on.
    pub(super) fn send(write: NewMessage) -> (Self, oneshot::Receiver<Result<Sent>>) {
        let (to, answer) = oneshot::channel();
        let reply = Reply::new(to);
        (Self::Send { write, reply }, answer)
    }

    /// A change, and the receiver its outcome arrives on.
    pub(super) fn change(
        write: MessageChange,
    ) -> (Self, oneshot::Receiver<Result<CommittedEvent>>) {
        let (to, answer) = oneshot::channel();
        let reply = Reply::new(to);
        (Self::Change { write, reply }, answer)
    }

    /// The room written to: a backend that locks rooms orders the batch by it.
    pub(super) fn room_id(&self) -> &str {
        match self {
            Self::Send { write, .. } => &write.room_id,
            Self::Change { write, .. } => &write.room_id,
        }
    }

    /// The event this write committed, once applied; `None` when it was refused or was
    /// the resend of a stored message.
    pub(super) fn new_event(&self) -> Option<NewEvent<'_>> {
        match self {
            Self::Send { write, reply } => match &reply.outcome {
                Some(Ok(sent)) if !sent.duplicate => Some(NewEvent::Message {
                    message: &sent.message,
                    origin: write.origin,
                }),
                _ => None,
            },
            Self::Change { reply, .. } => match &reply.outcome {
                Some(Ok(event)) => Some(NewEvent::Change(event)),
                _ => None,
            },
        }
    }

    fn answer(self, failed: bool) {
        match self {
            Self::Send { reply, .. } => reply.answer(failed),
            Self::Change { reply, .. } => reply.answer(failed),
        }
    }
}

/// One backend's way of committing a batch.
pub(super) trait CommitBatch: Send + 'static {
    /// A failure that aborted the whole batch.
    type Error: std::fmt::Display + Send;

    /// Applies every write of `batch` in one transaction, putting each write's outcome
    /// in its reply slot (a write that is not allowed gets its own error without
    /// affecting the others), and writes their outbox rows. `Err` means nothing of the
    /// batch was committed.
    fn commit(
        &mut self,
        batch: &mut [Pending],
    ) -> impl Future<Output = std::result::Result<(), Self::Error>> + Send;

    /// Releases the connection once the queue is drained.
    fn close(self) -> impl Future<Output = ()> + Send;
}

/// How writes are grouped into commits.
#[derive(Debug, Clone, Copy)]
pub struct GroupCommit {
    /// Most writes in one transaction (`--commit-batch`).
    pub max_batch: usize,
    /// Under sustained load, a commit starts no sooner than this after the start of the
    /// one before it (`--commit-interval`); the writes that arrive meanwhile share it.
    /// A write after a quiet spell is committed at once.
    ///
    /// A commit has a cost of its own whatever it holds (the fsync, the WAL's shared
    /// pages): at 2,000 messages a second in rooms of 10 the SQLite writer committed
    /// 1.7 messages at a time, about 130 µs of CPU per commit on top of about 100 µs
    /// per message (docs/benchmarks.md).
    pub min_interval: Duration,
    /// SQLite: longest a new message waits for the full-text index while messages keep
    /// coming (the index trails the writes; a search first indexes whatever waits).
    pub search_index_interval: Duration,
}

impl GroupCommit {
    /// How long a new message waits for SQLite's full-text index by default: indexed
    /// with every commit, FTS5 wrote and merged a segment per commit (docs/benchmarks.md).
    pub const SEARCH_INDEX_INTERVAL: Duration = Duration::from_millis(500);
}

/// Runs until every sender is dropped and the queue is drained.
pub(super) async fn run(
    mut committer: impl CommitBatch,
    mut queue: mpsc::Receiver<Pending>,
    policy: GroupCommit,
    on_commit: OnCommit,
) {
    let max_batch = policy.max_batch.max(1);
    let mut batch = Vec::with_capacity(max_batch);
    let mut last_start: Option<Instant> = None;
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        if let Some(last) = last_start
            && Instant::now() < last + policy.min_interval
        {
            gather(
                &mut queue,
                &mut batch,
                max_batch,
                last + policy.min_interval,
            )
            .await;
        }
        let started = Instant::now();
        last_start = Some(started);
        // A panic while applying a batch (a bug) fails that batch's writes, which their
        // senders may retry, instead of ending the loop: on its own thread, a panic
        // would leave every later write of the server refused until a restart. The
        // backend's transaction is rolled back as it unwinds (dropped unfinished).
        let result = AssertUnwindSafe(committer.commit(&mut batch))
            .catch_unwind()
            .await;
        crate::telemetry::commit_batch(batch.len(), started.elapsed());
        let failed = match result {
            Ok(Ok(())) => {
                for event in batch.iter().filter_map(Pending::new_event) {
                    on_commit(event);
                }
                false
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, size = batch.len(), "group commit failed");
                true
            }
            Err(panic) => {
                tracing::error!(
                    panic = panic_message(panic.as_ref()),
                    size = batch.len(),
                    "group commit panicked; its writes failed, the writer goes on"
                );
                true
            }
        };
        for pending in batch.drain(..) {
            pending.answer(failed);
        }
    }
    committer.close().await;
}

/// Adds to `batch` what arrives before `until`, up to `max_batch` writes (or until the
/// queue closes).
async fn gather(
    queue: &mut mpsc::Receiver<Pending>,
    batch: &mut Vec<Pending>,
    max_batch: usize,
    until: Instant,
) {
    while batch.len() < max_batch {
        let room = max_batch - batch.len();
        match tokio::time::timeout_at(until, queue.recv_many(batch, room)).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// A running writer: the queue writes go to, and a receiver that resolves once the loop
/// has drained the queue and ended (or failed, if its sender is dropped unsent).
#[derive(Debug)]
pub(super) struct Writer {
    /// Where writes are queued; dropping the last sender ends the loop.
    pub(super) queue: mpsc::Sender<Pending>,
    /// Resolves when the loop has ended.
    pub(super) done: oneshot::Receiver<()>,
}

/// Runs the loop on a thread of its own, for a backend whose commits block.
pub(super) fn start_on_thread(
    committer: impl CommitBatch,
    policy: GroupCommit,
    on_commit: OnCommit,
    name: &str,
) -> std::io::Result<Writer> {
    let (queue, receiver) = mpsc::channel(policy.max_batch.max(1) * 4);
    let (finished, done) = oneshot::channel();
    let runtime = tokio::runtime::Handle::current();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            thread_scheduling::yield_to_runtime();
            runtime.block_on(run(committer, receiver, policy, on_commit));
            let _ = finished.send(());
        })?;
    Ok(Writer { queue, done })
}

/// Runs the loop as a task of the runtime, for a backend whose commits are I/O.
pub(super) fn start_on_runtime(
    committer: impl CommitBatch,
    policy: GroupCommit,
    on_commit: OnCommit,
) -> Writer {
    let (queue, receiver) = mpsc::channel(policy.max_batch.max(1) * 4);
    let (finished, done) = oneshot::channel();
    tokio::spawn(async move {
        run(committer, receiver, policy, on_commit).await;
        let _ = finished.send(());
    });
    Writer { queue, done }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::store::tests::message;

    /// Each batch the loop committed: when it started and how many writes it held.
    type Noted = Arc<Mutex<Vec<(Instant, usize)>>>;

    /// A backend that stores nothing and notes each batch. What is under test is when
    /// the loop commits, not what.
    struct Noting {
        batches: Noted,
    }

    impl CommitBatch for Noting {
        type Error = String;

        async fn commit(&mut self, batch: &mut [Pending]) -> std::result::Result<(), String> {
            self.batches
                .lock()
                .expect("batches")
                .push((Instant::now(), batch.len()));
            Ok(())
        }

        async fn close(self) {}
    }

    fn start(min_interval: Duration) -> (Writer, Noted) {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let committer = Noting {
            batches: Arc::clone(&batches),
        };
        let policy = GroupCommit {
            max_batch: 8,
            min_interval,
            search_index_interval: GroupCommit::SEARCH_INDEX_INTERVAL,
        };
        let writer = start_on_runtime(committer, policy, Arc::new(|_: NewEvent<'_>| {}));
        (writer, batches)
    }

    async fn queue(writer: &Writer, n: usize) -> oneshot::Receiver<Result<Sent>> {
        let (pending, answer) = Pending::send(message("r", "u", &n.to_string(), "hi"));
        writer.queue.send(pending).await.expect("queued");
        answer
    }

    #[tokio::test(start_paused = true)]
    async fn writes_within_the_interval_of_a_commit_share_the_next_one() {
        let (writer, batches) = start(Duration::from_millis(10));
        let started = Instant::now();
        // After a quiet spell: committed at once, alone.
        let first = queue(&writer, 0).await;
        let _ = first.await;
        // Three writes 2 ms apart, all within 10 ms of that commit: one commit, when
        // the interval is up.
        let mut answers = Vec::new();
        for n in 1..=3 {
            answers.push(queue(&writer, n).await);
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        for answer in answers {
            let _ = answer.await;
        }
        // Long after: at once again.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let asked = Instant::now();
        let _ = queue(&writer, 4).await.await;
        let noted = batches.lock().expect("batches").clone();
        let sizes: Vec<usize> = noted.iter().map(|(_, size)| *size).collect();
        assert_eq!(sizes, [1, 3, 1]);
        assert_eq!(noted[0].0, started, "the first write waits for nothing");
        assert_eq!(noted[1].0, started + Duration::from_millis(10));
        assert_eq!(
            noted[2].0, asked,
            "a write after a quiet spell waits for nothing"
        );
    }

    /// A backend with a bug: it panics on any batch holding the write `poison`, and
    /// answers the others.
    struct PanicsOnPoison;

    impl CommitBatch for PanicsOnPoison {
        type Error = String;

        async fn commit(&mut self, batch: &mut [Pending]) -> std::result::Result<(), String> {
            for pending in batch.iter_mut() {
                let Pending::Send { write, reply } = pending else {
                    continue;
                };
                assert!(write.client_msg_id != "poison", "a bug in the backend");
                reply.outcome = Some(Ok(Sent {
                    message: write.stored(1, "m".to_owned()),
                    duplicate: false,
                }));
            }
            Ok(())
        }

        async fn close(self) {}
    }

    #[tokio::test]
    async fn a_panic_while_committing_fails_that_batch_and_the_writer_goes_on() {
        let policy = GroupCommit {
            max_batch: 8,
            min_interval: Duration::ZERO,
            search_index_interval: GroupCommit::SEARCH_INDEX_INTERVAL,
        };
        let writer = start_on_runtime(PanicsOnPoison, policy, Arc::new(|_: NewEvent<'_>| {}));
        let (pending, poisoned) = Pending::send(message("r", "u", "poison", "hi"));
        writer.queue.send(pending).await.expect("queued");
        assert!(matches!(
            poisoned.await.expect("answered"),
            Err(Error::CommitFailed)
        ));
        // The loop is still there, and commits what comes next.
        let (pending, next) = Pending::send(message("r", "u", "next", "hi"));
        writer.queue.send(pending).await.expect("queued");
        let sent = next.await.expect("answered").expect("committed");
        assert_eq!(sent.message.client_msg_id, "next");
        assert!(!writer.queue.is_closed());
    }

    #[tokio::test(start_paused = true)]
    async fn without_an_interval_each_write_commits_when_the_writer_is_free() {
        let (writer, batches) = start(Duration::ZERO);
        for n in 0..3 {
            let _ = queue(&writer, n).await.await;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let sizes: Vec<usize> = batches
            .lock()
            .expect("batches")
            .iter()
            .map(|(_, size)| *size)
            .collect();
        assert_eq!(sizes, [1, 1, 1]);
    }
}
