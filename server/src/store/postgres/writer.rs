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

use chat_protocol::v1::{ErrorCode, Message};
use sqlx::{Acquire, Connection, PgConnection, Postgres, Row, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::{insert_event, member_ids};
use crate::error::{Error, Result};
use crate::store::outbox_events;
use crate::store::rows::{message_from_row, to_i64, to_u64};
use crate::store::{
    CommittedEvent, EventKind, EventOutbox, OnCommit, Write, WriteOutcome, announce_commits,
};

/// A write waiting for its batch, with the channel its outcome goes back on.
#[derive(Debug)]
pub(super) struct WriteRequest {
    pub(super) write: Write,
    pub(super) reply: oneshot::Sender<Result<WriteOutcome>>,
}

/// How many times a batch that lost a deadlock or serialisation conflict is retried.
const RETRIES: usize = 3;

/// Runs until every sender is dropped and the queue is drained. `connect` opens the
/// writer's connection again after it failed (the database restarted).
pub(super) async fn run(
    mut conn: PgConnection,
    mut queue: mpsc::Receiver<WriteRequest>,
    max_batch: usize,
    outbox: EventOutbox,
    on_commit: OnCommit,
    reconnect: impl AsyncFn() -> sqlx::Result<PgConnection>,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        let started = std::time::Instant::now();
        let mut result = commit_with_retries(&mut conn, &batch, outbox).await;
        if result.is_err() && conn.ping().await.is_err() {
            // The connection is gone: one fresh attempt on a new one.
            if let Ok(fresh) = reconnect().await {
                conn = fresh;
                result = commit_with_retries(&mut conn, &batch, outbox).await;
            }
        }
        crate::telemetry::commit_batch(batch.len(), started.elapsed());
        match result {
            Ok(outcomes) => {
                announce_commits(&on_commit, batch.iter().map(|r| &r.write).zip(&outcomes));
                for (request, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = request.reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, size = batch.len(), "group commit failed");
                for request in batch.drain(..) {
                    let _ = request.reply.send(Err(Error::new(
                        ErrorCode::Internal,
                        "the message could not be stored; retry with the same client_msg_id",
                    )));
                }
            }
        }
    }
    let _ = conn.close().await;
}

async fn commit_with_retries(
    conn: &mut PgConnection,
    batch: &[WriteRequest],
    outbox: EventOutbox,
) -> sqlx::Result<Vec<Result<WriteOutcome>>> {
    let mut attempt = 0;
    loop {
        match commit_batch(conn, batch, outbox).await {
            Err(e) if attempt < RETRIES && is_conflict(&e) => attempt += 1,
            other => return other,
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
    batch: &[WriteRequest],
    outbox: EventOutbox,
) -> sqlx::Result<Vec<Result<WriteOutcome>>> {
    // Room-id order across the batch, arrival order within a room.
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by(|&a, &b| batch[a].write.room_id().cmp(batch[b].write.room_id()));
    let mut tx = Connection::begin(conn).await?;
    let mut outcomes: Vec<Option<Result<WriteOutcome>>> = (0..batch.len()).map(|_| None).collect();
    for index in order {
        let write = &batch[index].write;
        let mut savepoint = tx.begin().await?;
        let outcome = match apply(&mut savepoint, write).await {
            Ok(outcome) => {
                if let Ok(done) = &outcome {
                    record_event(savepoint.acquire().await?, done, outbox).await?;
                }
                savepoint.commit().await?;
                outcome
            }
            Err(e) if is_unique_violation(&e) => {
                savepoint.rollback().await?;
                resent_elsewhere(&mut tx, write).await?
            }
            Err(e) => return Err(e),
        };
        outcomes[index] = Some(outcome);
    }
    tx.commit().await?;
    Ok(outcomes
        .into_iter()
        .map(|outcome| outcome.expect("every write has an outcome"))
        .collect())
}

async fn apply(
    tx: &mut Transaction<'_, Postgres>,
    write: &Write,
) -> sqlx::Result<Result<WriteOutcome>> {
    let conn = tx.acquire().await?;
    match write {
        Write::Send {
            room_id,
            sender_id,
            client_msg_id,
            content,
            now,
            origin: _,
        } => send(conn, room_id, sender_id, client_msg_id, content, *now).await,
        Write::Edit {
            room_id,
            user_id,
            message_id,
            content,
            now,
        } => edit_or_delete(conn, room_id, user_id, message_id, Some(content), *now).await,
        Write::Delete {
            room_id,
            user_id,
            message_id,
            now,
        } => edit_or_delete(conn, room_id, user_id, message_id, None, *now).await,
    }
}

/// Writes the event of a committed room event to the outbox, in the same transaction.
async fn record_event(
    conn: &mut PgConnection,
    outcome: &WriteOutcome,
    outbox: EventOutbox,
) -> sqlx::Result<()> {
    if !outbox.enabled {
        return Ok(());
    }
    let Some(room_id) = outbox_events::room_of(outcome) else {
        return Ok(());
    };
    let recipients = member_ids(&mut *conn, room_id).await?;
    if let Some(event) = outbox_events::event_for(outcome, &recipients, outbox.include_content) {
        insert_event(&mut *conn, &event).await?;
    }
    Ok(())
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
        return Ok(Err(Error::not_found("no such room")));
    }
    let member = sqlx::query("SELECT 1 FROM room_members WHERE room_id = $1 AND user_id = $2")
        .bind(room_id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match member {
        Some(_) => Ok(()),
        None => Err(Error::forbidden("you are not a member of this room")),
    })
}

async fn next_seq(conn: &mut PgConnection, room_id: &str) -> sqlx::Result<u64> {
    let row =
        sqlx::query("UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq")
            .bind(room_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(to_u64(row.try_get(0)?))
}

/// The message an earlier send with the same `(sender, client_msg_id)` stored, as this
/// send's answer; a conflict if that one went to another room.
async fn earlier_send(
    conn: &mut PgConnection,
    room_id: &str,
    sender_id: &str,
    client_msg_id: &str,
) -> sqlx::Result<Option<Result<WriteOutcome>>> {
    let row = sqlx::query(
        "SELECT room_id, seq, id, client_msg_id, sender_id, content, created_at, edited_at,
                deleted_at
         FROM messages WHERE sender_id = $1 AND client_msg_id = $2",
    )
    .bind(sender_id)
    .bind(client_msg_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(match message_from_row(&row) {
        Ok(message) if message.room_id == room_id => Ok(WriteOutcome::Sent {
            message,
            duplicate: true,
        }),
        Ok(_) => Err(Error::conflict(
            "this client_msg_id was already used for a message in another room; \
             generate a new one per message",
        )),
        Err(e) => Err(e),
    }))
}

/// The answer to a write that collided with one committed meanwhile elsewhere.
async fn resent_elsewhere(
    tx: &mut Transaction<'_, Postgres>,
    write: &Write,
) -> sqlx::Result<Result<WriteOutcome>> {
    let conn = tx.acquire().await?;
    if let Write::Send {
        room_id,
        sender_id,
        client_msg_id,
        ..
    } = write
        && let Some(outcome) = earlier_send(conn, room_id, sender_id, client_msg_id).await?
    {
        return Ok(outcome);
    }
    Ok(Err(Error::conflict(
        "the write collided with another; retry it",
    )))
}

async fn send(
    conn: &mut PgConnection,
    room_id: &str,
    sender_id: &str,
    client_msg_id: &str,
    content: &str,
    now: i64,
) -> sqlx::Result<Result<WriteOutcome>> {
    // The room lock comes first: a resend committed by another process is then visible
    // to the duplicate check below (each statement reads the latest committed state).
    if let Err(refusal) = lock_room_for(conn, room_id, sender_id).await? {
        // A former member's resend of a message stored earlier is still answered.
        if let Some(outcome) = earlier_send(conn, room_id, sender_id, client_msg_id).await? {
            return Ok(outcome);
        }
        return Ok(Err(refusal));
    }
    if let Some(outcome) = earlier_send(conn, room_id, sender_id, client_msg_id).await? {
        return Ok(outcome);
    }
    let seq = next_seq(conn, room_id).await?;
    let message_id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO messages (id, room_id, seq, sender_id, client_msg_id, content, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&message_id)
    .bind(room_id)
    .bind(to_i64(seq))
    .bind(sender_id)
    .bind(client_msg_id)
    .bind(content)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO room_events (room_id, seq, kind, message_id, sender_id, content, created_at)
         VALUES ($1, $2, 'message', $3, $4, $5, $6)",
    )
    .bind(room_id)
    .bind(to_i64(seq))
    .bind(&message_id)
    .bind(sender_id)
    .bind(content)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(Ok(WriteOutcome::Sent {
        message: Message {
            room_id: room_id.to_owned(),
            seq,
            message_id,
            client_msg_id: client_msg_id.to_owned(),
            sender_id: sender_id.to_owned(),
            content: content.to_owned(),
            created_at: now,
            edited_at: None,
            deleted: false,
        },
        duplicate: false,
    }))
}

/// An edit (`content` is `Some`) or a delete (`None`) by the message's sender.
async fn edit_or_delete(
    conn: &mut PgConnection,
    room_id: &str,
    user_id: &str,
    message_id: &str,
    content: Option<&str>,
    now: i64,
) -> sqlx::Result<Result<WriteOutcome>> {
    if let Err(refusal) = lock_room_for(conn, room_id, user_id).await? {
        return Ok(Err(refusal));
    }
    let row =
        sqlx::query("SELECT sender_id, deleted_at FROM messages WHERE id = $1 AND room_id = $2")
            .bind(message_id)
            .bind(room_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else {
        return Ok(Err(Error::not_found("no such message in this room")));
    };
    let sender: String = row.try_get("sender_id")?;
    let deleted_at: Option<i64> = row.try_get("deleted_at")?;
    if sender != user_id {
        return Ok(Err(Error::forbidden(
            "only the sender may edit or delete a message",
        )));
    }
    if deleted_at.is_some() {
        return Ok(Err(Error::not_found("the message was deleted")));
    }
    let seq = next_seq(conn, room_id).await?;
    sqlx::query(
        "INSERT INTO room_events (room_id, seq, kind, message_id, sender_id, content, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(room_id)
    .bind(to_i64(seq))
    .bind(if content.is_some() { "edit" } else { "delete" })
    .bind(message_id)
    .bind(user_id)
    .bind(content)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let kind = match content {
        Some(content) => {
            sqlx::query("UPDATE messages SET content = $1, edited_at = $2 WHERE id = $3")
                .bind(content)
                .bind(now)
                .bind(message_id)
                .execute(&mut *conn)
                .await?;
            EventKind::Edited {
                message_id: message_id.to_owned(),
                sender_id: user_id.to_owned(),
                content: content.to_owned(),
                edited_at: now,
            }
        }
        None => {
            // Deleting erases the text everywhere it is stored.
            sqlx::query("UPDATE messages SET content = '', deleted_at = $1 WHERE id = $2")
                .bind(now)
                .bind(message_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE room_events SET content = NULL WHERE message_id = $1")
                .bind(message_id)
                .execute(&mut *conn)
                .await?;
            EventKind::Deleted {
                message_id: message_id.to_owned(),
                sender_id: user_id.to_owned(),
                deleted_at: now,
            }
        }
    };
    Ok(Ok(WriteOutcome::Event(CommittedEvent {
        room_id: room_id.to_owned(),
        seq,
        kind,
    })))
}
