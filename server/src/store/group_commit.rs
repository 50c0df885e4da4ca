//! Group commit, for every backend: writes queue up, one loop takes what is queued (up
//! to a batch), hands the batch to the backend's [`CommitBatch`] to apply in one
//! transaction, then announces the new events in commit order and answers each write.
//! A burst of messages pays one commit (one fsync) instead of one each.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use super::CommittedEvent;
use super::error::{Error, Result};
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

/// Runs until every sender is dropped and the queue is drained.
pub(super) async fn run(
    mut committer: impl CommitBatch,
    mut queue: mpsc::Receiver<Pending>,
    max_batch: usize,
    on_commit: OnCommit,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        let started = std::time::Instant::now();
        let result = committer.commit(&mut batch).await;
        crate::telemetry::commit_batch(batch.len(), started.elapsed());
        let failed = match result {
            Ok(()) => {
                for event in batch.iter().filter_map(Pending::new_event) {
                    on_commit(event);
                }
                false
            }
            Err(e) => {
                tracing::error!(error = %e, size = batch.len(), "group commit failed");
                true
            }
        };
        for pending in batch.drain(..) {
            pending.answer(failed);
        }
    }
    committer.close().await;
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
    max_batch: usize,
    on_commit: OnCommit,
    name: &str,
) -> std::io::Result<Writer> {
    let (queue, receiver) = mpsc::channel(max_batch * 4);
    let (finished, done) = oneshot::channel();
    let runtime = tokio::runtime::Handle::current();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            runtime.block_on(run(committer, receiver, max_batch, on_commit));
            let _ = finished.send(());
        })?;
    Ok(Writer { queue, done })
}

/// Runs the loop as a task of the runtime, for a backend whose commits are I/O.
pub(super) fn start_on_runtime(
    committer: impl CommitBatch,
    max_batch: usize,
    on_commit: OnCommit,
) -> Writer {
    let (queue, receiver) = mpsc::channel(max_batch * 4);
    let (finished, done) = oneshot::channel();
    tokio::spawn(async move {
        run(committer, receiver, max_batch, on_commit).await;
        let _ = finished.send(());
    });
    Writer { queue, done }
}
