//! Membership and settings changes on SQLite, committed together when they arrive
//! together.
//!
//! Each change used to commit in a transaction of its own, and on SQLite every commit
//! waits for its own `fdatasync`: 10,000 clients joining their rooms at once took 8.7 s
//! on the benchmark's machine, one join per sync (docs/benchmarks.md). Here, while one
//! batch commits, the changes that arrive wait in a queue, and the next batch takes them
//! (up to `MAX_BATCH`): one transaction, one sync. Each change runs in a savepoint of
//! that transaction, so a change the room's rules refuse (or one that fails) writes
//! nothing and the others still commit; every change gets its own outcome. Should the
//! batch as a whole fail to commit, each of its changes is made again alone, as before,
//! so that each caller sees its own result. PostgreSQL needs none of this: its writers
//! run concurrently and it groups their commits itself.

use std::sync::{Arc, Mutex};

use sqlx::{Acquire as _, Pool, Sqlite};
use tokio::sync::oneshot;

use crate::store::error::{Error, Result};
use crate::store::membership::MembershipWrite;
use crate::store::sql::{Backend as _, SqlStore};
use crate::store::{CommittedEvent, EventOutbox};

/// Most changes in one transaction: the batch holds SQLite's one write lock while it
/// runs, and the group-commit writer of messages waits for it meanwhile.
const MAX_BATCH: usize = 256;

/// What one change was answered with.
type Outcome = Result<Vec<CommittedEvent>>;

/// A change waiting for the next batch.
struct Queued {
    write: MembershipWrite,
    answer: oneshot::Sender<Outcome>,
}

/// Commits the membership and settings changes of a SQLite store in batches.
#[derive(Debug, Clone)]
pub(in crate::store) struct MembershipBatches {
    pool: Pool<Sqlite>,
    outbox: EventOutbox,
    queue: Arc<Mutex<Vec<Queued>>>,
    /// Held by whoever commits a batch; the next holder takes what queued meanwhile.
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Queued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queued")
            .field("write", &self.write)
            .finish()
    }
}

impl MembershipBatches {
    pub(in crate::store) fn new(pool: Pool<Sqlite>, outbox: EventOutbox) -> Self {
        Self {
            pool,
            outbox,
            queue: Arc::default(),
            turn: Arc::default(),
        }
    }

    /// Makes `write` in the next batch; its room events in seq order, none when nothing
    /// changed, or why it was refused.
    pub(in crate::store) async fn change(&self, write: MembershipWrite) -> Outcome {
        let (answer, outcome) = oneshot::channel();
        self.queue
            .lock()
            .expect("membership queue lock")
            .push(Queued { write, answer });
        // The turn goes with the batch's task: were this caller dropped while the batch
        // commits, the next caller must still wait for it to end.
        let turn = Arc::clone(&self.turn).lock_owned().await;
        let batch = {
            let mut queue = self.queue.lock().expect("membership queue lock");
            let take = queue.len().min(MAX_BATCH);
            queue.drain(..take).collect::<Vec<_>>()
        };
        if !batch.is_empty() {
            // A task of its own: a caller that goes away must not abandon the other
            // callers' changes halfway.
            let commit = tokio::spawn({
                let (pool, outbox) = (self.pool.clone(), self.outbox);
                async move {
                    commit(pool, outbox, batch).await;
                    drop(turn);
                }
            });
            match commit.await {
                Err(e) if e.is_panic() => {
                    tracing::error!(error = %e, "a membership batch panicked");
                }
                Err(e) => tracing::warn!(error = %e, "a membership batch was cancelled"),
                Ok(()) => {}
            }
        } else {
            drop(turn);
        }
        // Answered by the batch that took it: this caller's, an earlier one's, or (past
        // `MAX_BATCH` queued) a later caller's, each of whom takes the turn after queueing
        // and so drains the queue. A batch that panicked drops its answers.
        outcome.await.unwrap_or(Err(Error::ChangeFailed))
    }
}

/// Commits `batch` in one transaction, or each change alone when that fails.
async fn commit(pool: Pool<Sqlite>, outbox: EventOutbox, batch: Vec<Queued>) {
    let writes: Vec<MembershipWrite> = batch.iter().map(|queued| queued.write.clone()).collect();
    match together(&pool, outbox, writes).await {
        Ok(outcomes) => {
            for (queued, outcome) in batch.into_iter().zip(outcomes) {
                let _ = queued.answer.send(outcome);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, changes = batch.len(),
                "a batch of membership changes failed to commit; making them one by one");
            for queued in batch {
                let _ = queued.answer.send(alone(&pool, outbox, queued.write).await);
            }
        }
    }
}

/// Every change of a batch in one transaction, each in a savepoint: the outcome of each,
/// in order, once the transaction committed.
async fn together(
    pool: &Pool<Sqlite>,
    outbox: EventOutbox,
    writes: Vec<MembershipWrite>,
) -> Result<Vec<Outcome>> {
    let mut tx = Sqlite::begin_write(pool).await?;
    let mut outcomes = Vec::with_capacity(writes.len());
    for write in writes {
        let mut savepoint = tx.begin().await?;
        match SqlStore::<Sqlite>::change_membership_in(&mut savepoint, outbox, write).await {
            Ok(events) => {
                savepoint.commit().await?;
                outcomes.push(Ok(events));
            }
            Err(refused) => {
                savepoint.rollback().await?;
                outcomes.push(Err(refused));
            }
        }
    }
    tx.commit().await?;
    crate::telemetry::membership_batch(outcomes.len());
    Ok(outcomes)
}

/// One change in a transaction of its own.
async fn alone(pool: &Pool<Sqlite>, outbox: EventOutbox, write: MembershipWrite) -> Outcome {
    let mut tx = Sqlite::begin_write(pool).await?;
    let events = SqlStore::<Sqlite>::change_membership_in(&mut tx, outbox, write).await?;
    tx.commit().await?;
    Ok(events)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::store::Store;
    use crate::store::tests::burst_of_joins;

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

    /// `_count` and `_sum` of the batch-size histogram, as `/metrics` renders them.
    fn batches_and_changes() -> (u64, u64) {
        (
            metric("chat_store_membership_batch_size_count "),
            metric("chat_store_membership_batch_size_sum "),
        )
    }

    /// Changes that arrive while a batch commits share the next transaction: 41 changes
    /// at once (40 joins and a refused one) take far fewer commits than 41. On this
    /// test's one-thread runtime the first change commits alone and the 40 that queued
    /// meanwhile commit together.
    #[tokio::test]
    async fn changes_that_arrive_together_commit_together() {
        let (store, _dir) = open().await;
        let (batches_before, changes_before) = batches_and_changes();
        let outcomes = burst_of_joins(&store, 40).await;
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 40);
        let (batches, changes) = batches_and_changes();
        assert_eq!(
            changes - changes_before,
            41,
            "every change went through a batch"
        );
        assert!(
            batches - batches_before <= 3,
            "{} transactions for 41 changes",
            batches - batches_before
        );
    }

    /// More changes at once than one batch takes (a school joining): each is answered,
    /// and no transaction holds more than `MAX_BATCH`, so the writer of messages never
    /// waits behind one long batch.
    #[tokio::test]
    async fn a_burst_larger_than_a_batch_is_answered_in_batches_of_bounded_size() {
        let (store, _dir) = open().await;
        let joins = 2 * super::MAX_BATCH + 50;
        let (batches_before, changes_before) = batches_and_changes();
        let outcomes = burst_of_joins(&store, joins).await;
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), joins);
        let (batches, changes) = batches_and_changes();
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
