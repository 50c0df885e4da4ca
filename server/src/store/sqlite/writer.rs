//! Group commit on a thread of its own: one rusqlite connection takes every queued write
//! of a batch and commits them in one transaction, so a burst of messages pays one fsync
//! instead of one each.
//!
//! The whole batch runs on this thread. Through sqlx, each statement was a round trip to
//! sqlx's SQLite worker thread (two context switches), five per message; the benchmark
//! found those switches to be most of the server's CPU at its limit
//! (docs/benchmarks.md). The readers stay on sqlx's pool.

use std::path::Path;
use std::time::Duration;

use chat_protocol::v1::Message;
use rusqlite::{Connection, OptionalExtension as _, Row, TransactionBehavior, params};
use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, Result};
use crate::store::outbox_events;
use crate::store::rows::{to_i64, to_u64};
use crate::store::{
    CommittedEvent, EventKind, EventOutbox, OnCommit, Write, WriteOutcome, announce_commits,
};

/// A write waiting for its batch, with the channel its outcome goes back on.
#[derive(Debug)]
pub(super) struct WriteRequest {
    pub(super) write: Write,
    pub(super) reply: oneshot::Sender<Result<WriteOutcome>>,
}

/// Opens the write connection with the same durability settings as the readers.
pub(super) fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: an acknowledged message survives power loss, not only a crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

/// Runs until every sender is dropped and the queue is drained (blocking: a thread of
/// its own).
pub(super) fn run(
    mut conn: Connection,
    mut queue: mpsc::Receiver<WriteRequest>,
    max_batch: usize,
    outbox: EventOutbox,
    on_commit: OnCommit,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while let Some(first) = queue.blocking_recv() {
        batch.push(first);
        while batch.len() < max_batch {
            let Ok(request) = queue.try_recv() else {
                break;
            };
            batch.push(request);
        }
        let started = std::time::Instant::now();
        let result = commit_batch(&mut conn, &batch, outbox);
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
                        chat_protocol::v1::ErrorCode::Internal,
                        "the message could not be stored; retry with the same client_msg_id",
                    )));
                }
            }
        }
    }
}

/// Applies every write in one transaction. A write that is not allowed yields its own
/// error without affecting the others; a database failure aborts the whole batch.
fn commit_batch(
    conn: &mut Connection,
    batch: &[WriteRequest],
    outbox: EventOutbox,
) -> rusqlite::Result<Vec<Result<WriteOutcome>>> {
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads first
    // fails with SQLITE_BUSY (no retry) when another connection wrote in between.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for request in batch {
        let outcome = apply(&tx, &request.write)?;
        if let Ok(done) = &outcome {
            record_event(&tx, done, outbox)?;
        }
        outcomes.push(outcome);
    }
    tx.commit()?;
    Ok(outcomes)
}

fn apply(conn: &Connection, write: &Write) -> rusqlite::Result<Result<WriteOutcome>> {
    match write {
        Write::Send {
            room_id,
            sender_id,
            client_msg_id,
            content,
            now,
            origin: _,
        } => send(conn, room_id, sender_id, client_msg_id, content, *now),
        Write::Edit {
            room_id,
            user_id,
            message_id,
            content,
            now,
        } => edit_or_delete(conn, room_id, user_id, message_id, Some(content), *now),
        Write::Delete {
            room_id,
            user_id,
            message_id,
            now,
        } => edit_or_delete(conn, room_id, user_id, message_id, None, *now),
    }
}

/// Writes the event of a committed room event to the outbox, in the same transaction.
fn record_event(
    conn: &Connection,
    outcome: &WriteOutcome,
    outbox: EventOutbox,
) -> rusqlite::Result<()> {
    if !outbox.enabled {
        return Ok(());
    }
    let Some(room_id) = outbox_events::room_of(outcome) else {
        return Ok(());
    };
    let recipients: Vec<String> = conn
        .prepare_cached("SELECT user_id FROM room_members WHERE room_id = ? ORDER BY user_id")?
        .query_map([room_id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if let Some(event) = outbox_events::event_for(outcome, &recipients, outbox.include_content) {
        conn.prepare_cached(
            "INSERT INTO event_outbox (key, payload, created_at) VALUES (?, ?, ?)",
        )?
        .execute(params![event.key, event.payload, crate::clock::now_ms()])?;
    }
    Ok(())
}

/// A row of `messages` (current state); the columns are those of the sqlx readers.
fn message_from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let deleted_at: Option<i64> = row.get("deleted_at")?;
    Ok(Message {
        room_id: row.get("room_id")?,
        seq: to_u64(row.get("seq")?),
        message_id: row.get("id")?,
        client_msg_id: row.get("client_msg_id")?,
        sender_id: row.get("sender_id")?,
        content: row.get("content")?,
        created_at: row.get("created_at")?,
        edited_at: row.get("edited_at")?,
        deleted: deleted_at.is_some(),
    })
}

/// Why a member-only write is refused, or `None` if the user is a member.
fn membership_refusal(
    conn: &Connection,
    room_id: &str,
    user_id: &str,
) -> rusqlite::Result<Option<Error>> {
    let (room, member): (Option<i64>, Option<i64>) = conn
        .prepare_cached(
            "SELECT (SELECT 1 FROM rooms WHERE id = ?1),
                    (SELECT 1 FROM room_members WHERE room_id = ?1 AND user_id = ?2)",
        )?
        .query_row(params![room_id, user_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    Ok(match (room, member) {
        (None, _) => Some(Error::not_found("no such room")),
        (Some(_), None) => Some(Error::forbidden("you are not a member of this room")),
        _ => None,
    })
}

fn next_seq(conn: &Connection, room_id: &str) -> rusqlite::Result<u64> {
    let seq: i64 = conn
        .prepare_cached("UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq")?
        .query_row([room_id], |row| row.get(0))?;
    Ok(to_u64(seq))
}

fn send(
    conn: &Connection,
    room_id: &str,
    sender_id: &str,
    client_msg_id: &str,
    content: &str,
    now: i64,
) -> rusqlite::Result<Result<WriteOutcome>> {
    let earlier = conn
        .prepare_cached(
            "SELECT room_id, seq, id, client_msg_id, sender_id, content, created_at, edited_at,
                    deleted_at
             FROM messages WHERE sender_id = ? AND client_msg_id = ?",
        )?
        .query_row(params![sender_id, client_msg_id], message_from_row)
        .optional()?;
    if let Some(message) = earlier {
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
    if let Some(refusal) = membership_refusal(conn, room_id, sender_id)? {
        return Ok(Err(refusal));
    }
    let seq = next_seq(conn, room_id)?;
    let message_id = uuid::Uuid::now_v7().to_string();
    conn.prepare_cached(
        "INSERT INTO messages (id, room_id, seq, sender_id, client_msg_id, content, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(params![
        message_id,
        room_id,
        to_i64(seq),
        sender_id,
        client_msg_id,
        content,
        now
    ])?;
    conn.prepare_cached(
        "INSERT INTO room_events (room_id, seq, kind, message_id, sender_id, content, created_at)
         VALUES (?, ?, 'message', ?, ?, ?, ?)",
    )?
    .execute(params![
        room_id,
        to_i64(seq),
        message_id,
        sender_id,
        content,
        now
    ])?;
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
fn edit_or_delete(
    conn: &Connection,
    room_id: &str,
    user_id: &str,
    message_id: &str,
    content: Option<&str>,
    now: i64,
) -> rusqlite::Result<Result<WriteOutcome>> {
    if let Some(refusal) = membership_refusal(conn, room_id, user_id)? {
        return Ok(Err(refusal));
    }
    let row: Option<(String, Option<i64>)> = conn
        .prepare_cached("SELECT sender_id, deleted_at FROM messages WHERE id = ? AND room_id = ?")?
        .query_row(params![message_id, room_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let Some((sender, deleted_at)) = row else {
        return Ok(Err(Error::not_found("no such message in this room")));
    };
    if sender != user_id {
        return Ok(Err(Error::forbidden(
            "only the sender may edit or delete a message",
        )));
    }
    if deleted_at.is_some() {
        return Ok(Err(Error::not_found("the message was deleted")));
    }
    let seq = next_seq(conn, room_id)?;
    let kind = if content.is_some() { "edit" } else { "delete" };
    conn.prepare_cached(
        "INSERT INTO room_events (room_id, seq, kind, message_id, sender_id, content, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(params![
        room_id,
        to_i64(seq),
        kind,
        message_id,
        user_id,
        content,
        now
    ])?;
    let kind = if let Some(content) = content {
        conn.prepare_cached("UPDATE messages SET content = ?, edited_at = ? WHERE id = ?")?
            .execute(params![content, now, message_id])?;
        EventKind::Edited {
            message_id: message_id.to_owned(),
            sender_id: user_id.to_owned(),
            content: content.to_owned(),
            edited_at: now,
        }
    } else {
        // Deleting erases the text everywhere it is stored, not just in the current state.
        conn.prepare_cached("UPDATE messages SET content = '', deleted_at = ? WHERE id = ?")?
            .execute(params![now, message_id])?;
        conn.prepare_cached("UPDATE room_events SET content = NULL WHERE message_id = ?")?
            .execute([message_id])?;
        EventKind::Deleted {
            message_id: message_id.to_owned(),
            sender_id: user_id.to_owned(),
            deleted_at: now,
        }
    };
    Ok(Ok(WriteOutcome::Event(CommittedEvent {
        room_id: room_id.to_owned(),
        seq,
        kind,
    })))
}
