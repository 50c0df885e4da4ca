//! Group commit on PostgreSQL, safe with several server processes on one database.
//!
//! Each process commits its queued writes in batches, one transaction per batch. Across
//! processes, correctness comes from the database:
//! - a write first locks its room's row (`FOR UPDATE`), so one room's events are
//!   committed one transaction at a time, and the seq bumped under that lock is
//!   gap-free and increasing whichever process commits;
//! - a batch locks its rooms in room-id order (writes of one room keep their order), so
//!   two processes' batches never wait on each other in a cycle;
//! - each write runs in a savepoint, so one that hits a unique violation (the same
//!   `client_msg_id` committed meanwhile by another process) is answered alone;
//! - a batch that still fails to serialise (deadlock, serialisation failure) is retried.

use sqlx::postgres::PgConnectOptions;
use sqlx::{Acquire, ConnectOptions, Connection, PgConnection, Postgres, Row, Transaction};

use crate::store::error::{Error, Result};
use crate::store::group_commit::{CommitBatch, Pending};
use crate::store::outbox_events;
use crate::store::queries;
use crate::store::rows::{message_from_row, to_i64, to_u64};
use crate::store::sql::{insert_event, member_ids};
use crate::store::write::{ChangeAction, MessageChange, NewMessage, Sent};
use crate::store::{CommittedEvent, EventOutbox};

/// How many times a batch that lost a deadlock or serialisation conflict is retried.
const RETRIES: usize = 3;

/// The PostgreSQL side of group commit: a connection of its own, opened again when it
/// fails (the database restarted).
pub(super) struct PgCommitter {
    pub(super) conn: PgConnection,
    pub(super) options: PgConnectOptions,
    pub(super) outbox: EventOutbox,
}

impl CommitBatch for PgCommitter {
    type Error = sqlx::Error;

    async fn commit(&mut self, batch: &mut [Pending]) -> sqlx::Result<()> {
        let result = self.commit_with_retries(batch).await;
        if result.is_err() && self.conn.ping().await.is_err() {
            // The connection is gone: one fresh attempt on a new one.
            if let Ok(fresh) = self.options.connect().await {
                self.conn = fresh;
                return self.commit_with_retries(batch).await;
            }
        }
        result
    }

    async fn close(self) {
        let _ = self.conn.close().await;
    }
}

impl PgCommitter {
    async fn commit_with_retries(&mut self, batch: &mut [Pending]) -> sqlx::Result<()> {
        let mut attempt = 0;
        loop {
            match commit_batch(&mut self.conn, batch, self.outbox).await {
                Err(e) if attempt < RETRIES && is_conflict(&e) => attempt += 1,
                other => return other,
            }
        }
    }
}

/// Deadlock or serialisation failure: the transaction is safe to run again.
fn is_conflict(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if matches!(db.code().as_deref(), Some("40P01" | "40001")))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

async fn commit_batch(
    conn: &mut PgConnection,
    batch: &mut [Pending],
    outbox: EventOutbox,
) -> sqlx::Result<()> {
    // Room-id order across the batch, arrival order within a room.
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by(|&a, &b| batch[a].room_id().cmp(batch[b].room_id()));
    let mut tx = Connection::begin(conn).await?;
    for index in order {
        match &mut batch[index] {
            Pending::Send { write, reply } => {
                reply.outcome = Some(in_savepoint(&mut tx, write, send, resent_elsewhere).await?);
            }
            Pending::Change { write, reply } => {
                let collided =
                    async |_: &mut PgConnection, _: &MessageChange| Ok(Err(Error::Collision));
                reply.outcome = Some(in_savepoint(&mut tx, write, change, collided).await?);
            }
        }
    }
    if outbox.enabled {
        for event in batch.iter().filter_map(Pending::new_event) {
            let recipients = member_ids::<Postgres>(&mut *tx, event.room_id()).await?;
            let row = outbox_events::event_for(event, &recipients, outbox.include_content);
            insert_event::<Postgres>(&mut *tx, &row).await?;
        }
    }
    tx.commit().await
}

/// Applies one write in a savepoint of its own, so that one that hits a unique violation
/// (the same row committed meanwhile by another process) is rolled back and answered by
/// `on_collision` alone, without failing the batch.
async fn in_savepoint<W, T>(
    tx: &mut Transaction<'_, Postgres>,
    write: &W,
    apply: impl AsyncFn(&mut PgConnection, &W) -> sqlx::Result<Result<T>>,
    on_collision: impl AsyncFn(&mut PgConnection, &W) -> sqlx::Result<Result<T>>,
) -> sqlx::Result<Result<T>> {
    let mut savepoint = tx.begin().await?;
    match apply(savepoint.acquire().await?, write).await {
        Ok(outcome) => {
            savepoint.commit().await?;
            Ok(outcome)
        }
        Err(e) if is_unique_violation(&e) => {
            savepoint.rollback().await?;
            on_collision(tx.acquire().await?, write).await
        }
        Err(e) => Err(e),
    }
}

/// Locks the room's row for the rest of the transaction and checks that `user_id` may
/// write to it. `Ok(Err(..))` is the refusal to send back.
async fn lock_room_for(
    conn: &mut PgConnection,
    room_id: &str,
    user_id: &str,
) -> sqlx::Result<Result<()>> {
    let room = sqlx::query("SELECT id FROM rooms WHERE id = $1 FOR UPDATE")
        .bind(room_id)
        .fetch_optional(&mut *conn)
        .await?;
    if room.is_none() {
        return Ok(Err(Error::NoSuchRoom));
    }
    let member = sqlx::query(queries::IS_MEMBER)
        .bind(room_id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match member {
        Some(_) => Ok(()),
        None => Err(Error::NotMember),
    })
}

async fn next_seq(conn: &mut PgConnection, room_id: &str) -> sqlx::Result<u64> {
    let row = sqlx::query(queries::NEXT_SEQ)
        .bind(room_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(to_u64(row.try_get(0)?))
}

/// The message an earlier send with the same `(sender, client_msg_id)` stored, as this
/// send's answer; a conflict if that one went to another room.
async fn earlier_send(
    conn: &mut PgConnection,
    write: &NewMessage,
) -> sqlx::Result<Option<Result<Sent>>> {
    let row = sqlx::query(queries::EARLIER_SEND)
        .bind(&write.sender_id)
        .bind(&write.client_msg_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(match message_from_row(&row) {
        Ok(message) if message.room_id == write.room_id => Ok(Sent {
            message,
            duplicate: true,
        }),
        Ok(_) => Err(Error::ClientMsgIdInOtherRoom),
        Err(e) => Err(e),
    }))
}

/// The answer to a send that collided with one committed meanwhile elsewhere: that one.
async fn resent_elsewhere(
    conn: &mut PgConnection,
    write: &NewMessage,
) -> sqlx::Result<Result<Sent>> {
    Ok(earlier_send(conn, write)
        .await?
        .unwrap_or(Err(Error::Collision)))
}

async fn send(conn: &mut PgConnection, write: &NewMessage) -> sqlx::Result<Result<Sent>> {
    // The room lock comes first: a resend committed by another process is then visible
    // to the duplicate check below (each statement reads the latest committed state).
    if let Err(refusal) = lock_room_for(conn, &write.room_id, &write.sender_id).await? {
        // A former member's resend of a message stored earlier is still answered.
        if let Some(outcome) = earlier_send(conn, write).await? {
            return Ok(outcome);
        }
        return Ok(Err(refusal));
    }
    if let Some(outcome) = earlier_send(conn, write).await? {
        return Ok(outcome);
    }
    let seq = next_seq(conn, &write.room_id).await?;
    let message_id = uuid::Uuid::now_v7().to_string();
    sqlx::query(queries::INSERT_MESSAGE)
        .bind(&message_id)
        .bind(&write.room_id)
        .bind(to_i64(seq))
        .bind(&write.sender_id)
        .bind(&write.client_msg_id)
        .bind(&write.content)
        .bind(write.now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(queries::INSERT_ROOM_EVENT)
        .bind(&write.room_id)
        .bind(to_i64(seq))
        .bind("message")
        .bind(&message_id)
        .bind(&write.sender_id)
        .bind(&write.content)
        .bind(write.now)
        .execute(&mut *conn)
        .await?;
    Ok(Ok(Sent {
        message: write.stored(seq, message_id),
        duplicate: false,
    }))
}

/// An edit or a delete by the message's sender.
async fn change(
    conn: &mut PgConnection,
    write: &MessageChange,
) -> sqlx::Result<Result<CommittedEvent>> {
    let MessageChange {
        room_id,
        user_id,
        message_id,
        action,
        now,
    } = write;
    if let Err(refusal) = lock_room_for(conn, room_id, user_id).await? {
        return Ok(Err(refusal));
    }
    let row = sqlx::query(queries::MESSAGE_SENDER)
        .bind(message_id)
        .bind(room_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(Err(Error::NoSuchMessage));
    };
    let sender: String = row.try_get("sender_id")?;
    let deleted_at: Option<i64> = row.try_get("deleted_at")?;
    if &sender != user_id {
        return Ok(Err(Error::NotSender));
    }
    if deleted_at.is_some() {
        return Ok(Err(Error::MessageDeleted));
    }
    let seq = next_seq(conn, room_id).await?;
    sqlx::query(queries::INSERT_ROOM_EVENT)
        .bind(room_id)
        .bind(to_i64(seq))
        .bind(action.kind())
        .bind(message_id)
        .bind(user_id)
        .bind(action.content())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    match action {
        ChangeAction::Edit(content) => {
            sqlx::query(queries::APPLY_EDIT)
                .bind(content)
                .bind(now)
                .bind(message_id)
                .execute(&mut *conn)
                .await?;
        }
        ChangeAction::Delete => {
            // Deleting erases the text everywhere it is stored.
            sqlx::query(queries::APPLY_DELETE)
                .bind(now)
                .bind(message_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query(queries::ERASE_FROM_LOG)
                .bind(message_id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(Ok(write.committed(seq)))
}
