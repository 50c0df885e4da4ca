//! Group commit: one task owns the write connection and commits every queued write of
//! a batch in one transaction, so a burst of messages pays one fsync instead of one each.

use chat_protocol::v1::{Message, ServerFrame};
use sqlx::{Connection, Row, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use super::{insert_event, member_ids};
use crate::error::{Error, Result};
use crate::events::schema;
use crate::store::rows::{message_from_row, to_i64, to_u64};
use crate::store::{EventOutbox, OnCommit, Write, WriteOutcome};

/// A write waiting for its batch, with the channel its outcome goes back on.
#[derive(Debug)]
pub(super) struct WriteRequest {
    pub(super) write: Write,
    pub(super) reply: oneshot::Sender<Result<WriteOutcome>>,
}

/// Runs until every sender is dropped and the queue is drained.
pub(super) async fn run(
    mut conn: SqliteConnection,
    mut queue: mpsc::Receiver<WriteRequest>,
    max_batch: usize,
    outbox: EventOutbox,
    on_commit: OnCommit,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        let started = std::time::Instant::now();
        let result = commit_batch(&mut conn, &batch, outbox).await;
        crate::telemetry::commit_batch(batch.len(), started.elapsed());
        match result {
            Ok(outcomes) => {
                for (request, outcome) in batch.iter().zip(&outcomes) {
                    if let Ok(done) = outcome
                        && !matches!(
                            done,
                            WriteOutcome::Sent {
                                duplicate: true,
                                ..
                            }
                        )
                    {
                        on_commit(&request.write, done);
                    }
                }
                for (request, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = request.reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, size = batch.len(), "group commit failed");
                for request in batch.drain(..) {
                    let _ = request.reply.send(Err(Error::new(
                        chat_protocol::v1::ErrorCode::Internal,
                        "the message could not be stored; retry with the same client_msg_id",
                    )));
                }
            }
        }
    }
    let _ = conn.close().await;
}

/// Applies every write in one transaction. A write that is not allowed yields its own
/// error without affecting the others; a database failure aborts the whole batch.
async fn commit_batch(
    conn: &mut SqliteConnection,
    batch: &[WriteRequest],
    outbox: EventOutbox,
) -> sqlx::Result<Vec<Result<WriteOutcome>>> {
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads first
    // fails with SQLITE_BUSY (no retry) when another connection wrote in between.
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for request in batch {
        let outcome = apply(&mut tx, &request.write).await?;
        if let Ok(done) = &outcome {
            record_event(&mut tx, done, outbox).await?;
        }
        outcomes.push(outcome);
    }
    tx.commit().await?;
    Ok(outcomes)
}

async fn apply(conn: &mut SqliteConnection, write: &Write) -> sqlx::Result<Result<WriteOutcome>> {
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
    conn: &mut SqliteConnection,
    outcome: &WriteOutcome,
    outbox: EventOutbox,
) -> sqlx::Result<()> {
    if !outbox.enabled {
        return Ok(());
    }
    let Some(room_id) = schema::room_of(outcome) else {
        return Ok(());
    };
    let recipients = member_ids(&mut *conn, room_id).await?;
    if let Some(event) = schema::event_for(outcome, &recipients, outbox.include_content) {
        insert_event(&mut *conn, &event).await?;
    }
    Ok(())
}

/// Why a member-only write is refused, or `None` if the user is a member.
async fn membership_refusal(
    conn: &mut SqliteConnection,
    room_id: &str,
    user_id: &str,
) -> sqlx::Result<Option<Error>> {
    let row = sqlx::query(
        "SELECT (SELECT 1 FROM rooms WHERE id = ?1) AS room,
                (SELECT 1 FROM room_members WHERE room_id = ?1 AND user_id = ?2) AS member",
    )
    .bind(room_id)
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    let room: Option<i64> = row.try_get("room")?;
    let member: Option<i64> = row.try_get("member")?;
    Ok(match (room, member) {
        (None, _) => Some(Error::not_found("no such room")),
        (Some(_), None) => Some(Error::forbidden("you are not a member of this room")),
        _ => None,
    })
}

async fn next_seq(conn: &mut SqliteConnection, room_id: &str) -> sqlx::Result<u64> {
    let row =
        sqlx::query("UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq")
            .bind(room_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(to_u64(row.try_get(0)?))
}

async fn send(
    conn: &mut SqliteConnection,
    room_id: &str,
    sender_id: &str,
    client_msg_id: &str,
    content: &str,
    now: i64,
) -> sqlx::Result<Result<WriteOutcome>> {
    let earlier = sqlx::query(
        "SELECT room_id, seq, id, client_msg_id, sender_id, content, created_at, edited_at,
                deleted_at
         FROM messages WHERE sender_id = ? AND client_msg_id = ?",
    )
    .bind(sender_id)
    .bind(client_msg_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = earlier {
        let message = match message_from_row(&row) {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        if message.room_id != room_id {
            return Ok(Err(Error::conflict(
                "this client_msg_id was already used for a message in another room; \
                 generate a new one per message",
            )));
        }
        return Ok(Ok(WriteOutcome::Sent {
            message,
            duplicate: true,
        }));
    }
    if let Some(refusal) = membership_refusal(conn, room_id, sender_id).await? {
        return Ok(Err(refusal));
    }
    let seq = next_seq(conn, room_id).await?;
    let message_id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO messages (id, room_id, seq, sender_id, client_msg_id, content, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
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
         VALUES (?, ?, 'message', ?, ?, ?, ?)",
    )
    .bind(room_id)
    .bind(to_i64(seq))
    .bind(&message_id)
    .bind(sender_id)
    .bind(content)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let message = Message {
        room_id: room_id.to_owned(),
        seq,
        message_id,
        client_msg_id: client_msg_id.to_owned(),
        sender_id: sender_id.to_owned(),
        content: content.to_owned(),
        created_at: now,
        edited_at: None,
        deleted: false,
    };
    Ok(Ok(WriteOutcome::Sent {
        message,
        duplicate: false,
    }))
}

/// An edit (`content` is `Some`) or a delete (`None`) by the message's sender.
async fn edit_or_delete(
    conn: &mut SqliteConnection,
    room_id: &str,
    user_id: &str,
    message_id: &str,
    content: Option<&str>,
    now: i64,
) -> sqlx::Result<Result<WriteOutcome>> {
    if let Some(refusal) = membership_refusal(conn, room_id, user_id).await? {
        return Ok(Err(refusal));
    }
    let row =
        sqlx::query("SELECT sender_id, deleted_at FROM messages WHERE id = ? AND room_id = ?")
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
    let kind = if content.is_some() { "edit" } else { "delete" };
    sqlx::query(
        "INSERT INTO room_events (room_id, seq, kind, message_id, sender_id, content, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(room_id)
    .bind(to_i64(seq))
    .bind(kind)
    .bind(message_id)
    .bind(user_id)
    .bind(content)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let frame = if let Some(content) = content {
        sqlx::query("UPDATE messages SET content = ?, edited_at = ? WHERE id = ?")
            .bind(content)
            .bind(now)
            .bind(message_id)
            .execute(&mut *conn)
            .await?;
        ServerFrame::MessageEdited {
            room_id: room_id.to_owned(),
            seq,
            message_id: message_id.to_owned(),
            sender_id: user_id.to_owned(),
            content: content.to_owned(),
            edited_at: now,
        }
    } else {
        // Deleting erases the text everywhere it is stored, not just in the current state.
        sqlx::query("UPDATE messages SET content = '', deleted_at = ? WHERE id = ?")
            .bind(now)
            .bind(message_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE room_events SET content = NULL WHERE message_id = ?")
            .bind(message_id)
            .execute(&mut *conn)
            .await?;
        ServerFrame::MessageDeleted {
            room_id: room_id.to_owned(),
            seq,
            message_id: message_id.to_owned(),
            sender_id: user_id.to_owned(),
            deleted_at: now,
        }
    };
    Ok(Ok(WriteOutcome::Event(frame)))
}
