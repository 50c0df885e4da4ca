//! Group commit on PostgreSQL, safe with several server processes on one database.
//!
//! Each process commits its queued writes in batches, one transaction per batch. Across
//! processes, correctness comes from the database:
//! - a write first locks its room's row (`FOR UPDATE`), so one room's events are
//!   committed one transaction at a time, and the seq bumped under that lock is
//!   gap-free and increasing whichever process commits;
//! - a batch locks its rooms in room-id order (writes of one room keep their order), so
//!   two processes' batches never wait on each other in a cycle;
//! - a write whose `client_msg_id` another process committed meanwhile is answered with
//!   that message alone, without failing the batch;
//! - a batch that still fails to serialise (deadlock, serialisation failure) is retried.
//!
//! The batch's writes run in one call of the `chat_commit_batch` function (made in
//! migrations/postgres/0005_commit_batch.sql, last changed in 0009_attachments.sql):
//! one round trip per batch, where a statement per step cost eight per write.

use sqlx::postgres::{PgConnectOptions, PgRow};
use sqlx::{ConnectOptions, Connection, PgConnection, Postgres, Row};

use crate::store::EventOutbox;
use crate::store::error::{Error, Refusal, Result};
use crate::store::group_commit::{CommitBatch, Pending};
use crate::store::outbox_events;
use crate::store::rows::{message_from_row, to_u64};
use crate::store::sql::{insert_event, member_ids};
use crate::store::write::{ChangeAction, NewMessage, Sent};

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

async fn commit_batch(
    conn: &mut PgConnection,
    batch: &mut [Pending],
    outbox: EventOutbox,
) -> sqlx::Result<()> {
    // Room-id order across the batch, arrival order within a room.
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by(|&a, &b| batch[a].room_id().cmp(batch[b].room_id()));
    if !outbox.enabled {
        // One statement commits on its own: the whole batch is one round trip.
        return apply(conn, batch, &order).await;
    }
    let mut tx = Connection::begin(conn).await?;
    apply(&mut tx, batch, &order).await?;
    for event in batch.iter().filter_map(Pending::new_event) {
        let recipients = member_ids::<Postgres>(&mut *tx, event.room_id()).await?;
        let row = outbox_events::event_for(event, &recipients, outbox.include_content);
        insert_event::<Postgres>(&mut *tx, &row).await?;
    }
    tx.commit().await
}

/// Applies the writes of `batch`, in `order`, with one call of `chat_commit_batch`
/// (migrations/postgres/0005_commit_batch.sql), and puts each write's outcome in its
/// reply slot.
async fn apply(
    conn: &mut PgConnection,
    batch: &mut [Pending],
    order: &[usize],
) -> sqlx::Result<()> {
    // What the arrays hold that the writes do not: mentions as JSON, event bodies.
    let derived: Vec<Derived> = order.iter().map(|&i| Derived::of(&batch[i])).collect();
    let mut writes = BatchArrays::with_capacity(order.len());
    for (&index, derived) in order.iter().zip(&derived) {
        writes.push(&batch[index], derived);
    }
    let rows = sqlx::query(COMMIT_BATCH)
        .bind(&writes.kinds)
        .bind(&writes.room_ids)
        .bind(&writes.user_ids)
        .bind(&writes.keys)
        .bind(&writes.contents)
        .bind(&writes.nows)
        .bind(&writes.new_ids)
        .bind(&writes.reply_tos)
        .bind(&writes.extras)
        .bind(&writes.flags)
        .bind(&writes.attachments)
        .fetch_all(&mut *conn)
        .await?;
    if rows.len() != order.len() {
        return Err(sqlx::Error::Protocol(format!(
            "chat_commit_batch answered {} writes of {}",
            rows.len(),
            order.len()
        )));
    }
    // The arrays borrow the batch; only the new ids are needed from here on.
    let BatchArrays { new_ids, .. } = writes;
    for ((&index, row), new_id) in order.iter().zip(&rows).zip(new_ids) {
        let outcome: String = row.try_get("outcome")?;
        let event_seq: Option<i64> = row.try_get("event_seq")?;
        match &mut batch[index] {
            Pending::Send { write, reply } => {
                reply.outcome = Some(match (outcome.as_str(), event_seq, new_id) {
                    ("stored", Some(seq), Some(message_id)) => Ok(Sent {
                        message: write.stored(to_u64(seq), message_id),
                        duplicate: false,
                    }),
                    ("earlier", ..) => earlier_send(row, write),
                    _ => Err(refusal(&outcome)?),
                });
            }
            Pending::Change { write, reply } => {
                reply.outcome = Some(match (outcome.as_str(), event_seq) {
                    ("changed", Some(seq)) => {
                        let sender: String = row.try_get("sender_id")?;
                        Ok(write.committed(to_u64(seq), sender))
                    }
                    _ => Err(refusal(&outcome)?),
                });
            }
        }
    }
    Ok(())
}

/// One row per write: its outcome, and an earlier message under the names
/// [`message_from_row`] reads.
const COMMIT_BATCH: &str = "SELECT outcome, event_seq, earlier_room_id AS room_id, \
     earlier_seq AS seq, earlier_id AS id, earlier_client_msg_id AS client_msg_id, \
     earlier_sender_id AS sender_id, earlier_content AS content, \
     earlier_created_at AS created_at, earlier_edited_at AS edited_at, \
     earlier_deleted_at AS deleted_at, earlier_reply_to AS reply_to, \
     earlier_mentions AS mentions, earlier_attachments AS attachments \
     FROM chat_commit_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// What a write passes to `chat_commit_batch` that it does not hold as text already.
struct Derived {
    /// A message's mentions as JSON.
    mentions: Option<String>,
    /// A reaction's or pin's event body.
    body: Option<String>,
    /// A message's attachments as JSON.
    attachments: Option<String>,
}

impl Derived {
    fn of(pending: &Pending) -> Self {
        match pending {
            Pending::Send { write, .. } => Self {
                mentions: write.mentions_json(),
                body: None,
                attachments: write.attachments_json(),
            },
            Pending::Change { write, .. } => Self {
                mentions: None,
                body: write.notice_body(),
                attachments: None,
            },
        }
    }
}

/// The batch as the parallel arrays `chat_commit_batch` takes.
struct BatchArrays<'a> {
    kinds: Vec<&'static str>,
    room_ids: Vec<&'a str>,
    user_ids: Vec<&'a str>,
    keys: Vec<&'a str>,
    contents: Vec<Option<&'a str>>,
    nows: Vec<i64>,
    new_ids: Vec<Option<String>>,
    reply_tos: Vec<Option<&'a str>>,
    extras: Vec<Option<&'a str>>,
    flags: Vec<Option<bool>>,
    attachments: Vec<Option<&'a str>>,
}

impl<'a> BatchArrays<'a> {
    fn with_capacity(n: usize) -> Self {
        Self {
            kinds: Vec::with_capacity(n),
            room_ids: Vec::with_capacity(n),
            user_ids: Vec::with_capacity(n),
            keys: Vec::with_capacity(n),
            contents: Vec::with_capacity(n),
            nows: Vec::with_capacity(n),
            new_ids: Vec::with_capacity(n),
            reply_tos: Vec::with_capacity(n),
            extras: Vec::with_capacity(n),
            flags: Vec::with_capacity(n),
            attachments: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, pending: &'a Pending, derived: &'a Derived) {
        match pending {
            Pending::Send { write, .. } => {
                self.kinds.push("message");
                self.room_ids.push(&write.room_id);
                self.user_ids.push(&write.sender_id);
                self.keys.push(&write.client_msg_id);
                self.contents.push(Some(&write.content));
                self.nows.push(write.now);
                self.new_ids.push(Some(uuid::Uuid::now_v7().to_string()));
                self.reply_tos.push(write.reply_to.as_deref());
                self.extras.push(derived.mentions.as_deref());
                self.flags.push(None);
                self.attachments.push(derived.attachments.as_deref());
            }
            Pending::Change { write, .. } => {
                let (extra, flag) = match &write.action {
                    ChangeAction::React { emoji, on } => (Some(emoji.as_str()), Some(*on)),
                    ChangeAction::Pin(pinned) => (None, Some(*pinned)),
                    ChangeAction::Edit(_) | ChangeAction::Delete | ChangeAction::Erase => {
                        (None, None)
                    }
                };
                self.kinds.push(write.action.kind());
                self.room_ids.push(&write.room_id);
                self.user_ids.push(&write.user_id);
                self.keys.push(&write.message_id);
                self.contents
                    .push(write.action.content().or(derived.body.as_deref()));
                self.nows.push(write.now);
                self.new_ids.push(None);
                self.reply_tos.push(None);
                self.extras.push(extra);
                self.flags.push(flag);
                self.attachments.push(None);
            }
        }
    }
}

/// The answer to a resend: the message the first send with its `client_msg_id` stored,
/// or a conflict if that one went to another room.
fn earlier_send(row: &PgRow, write: &NewMessage) -> Result<Sent> {
    let message = message_from_row(row)?;
    if message.room_id != write.room_id {
        return Err(Error::ClientMsgIdInOtherRoom);
    }
    Ok(Sent {
        message,
        duplicate: true,
    })
}

/// The error a refused write is answered with; an outcome the function does not give
/// fails the batch rather than pass for a refusal.
fn refusal(outcome: &str) -> sqlx::Result<Error> {
    Ok(match outcome {
        "no_room" => Error::NoSuchRoom,
        "not_member" => Error::NotMember,
        "blocked" => Error::Refused(Refusal::Blocked),
        "no_message" => Error::NoSuchMessage,
        "not_sender" => Error::NotSender,
        "deleted" => Error::MessageDeleted,
        "no_parent" => Error::NoSuchParent,
        "bad_mention" => Error::MentionNotMember,
        "bad_attachment" => Error::AttachmentUnusable,
        "unchanged" => Error::Unchanged,
        "not_moderator" => Error::Refused(Refusal::NotModerator),
        "collision" => Error::Collision,
        other => {
            return Err(sqlx::Error::Protocol(format!(
                "chat_commit_batch answered {other:?}"
            )));
        }
    })
}
