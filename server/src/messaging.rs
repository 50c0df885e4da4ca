//! Sending, editing and deleting messages, reacting to and pinning them: validate,
//! rate-limit, commit, then fan out.
//! Shared by the WebSocket session and the REST API so both keep the same guarantees.
//!
//! The live event of a commit is published by the store's writer, in commit order
//! ([`publish_committed`], the store's `OnCommit` hook), before the write is answered.

use std::sync::Arc;
use std::time::Instant;

use chat_protocol::v1::{
    Attachment, AttachmentId, MAX_ATTACHMENTS, MAX_MENTIONS, Message, MessageId, ServerFrame,
    UserId,
};
use tungstenite::Utf8Bytes;

use crate::bus::Bus;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::hub::{ConnectionId, Origin, RoomEvent};
use crate::state::AppState;
use crate::store::{ChangeAction, MessageChange, NewEvent, NewMessage, Sent};
use crate::validate;

/// Who is writing: the user, and the connection to exclude from fan-out (it gets an ack).
#[derive(Debug, Clone, Copy)]
pub struct Author<'a> {
    /// The authenticated user.
    pub user_id: &'a str,
    /// The WebSocket connection that sent the request; `None` for REST.
    pub origin: Option<ConnectionId>,
}

/// What a new message says: its text, the message it replies to, whom it mentions,
/// the files it carries.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// The text.
    pub content: String,
    /// A message of the same room it replies to.
    pub reply_to: Option<MessageId>,
    /// Members it mentions (repeats are dropped).
    pub mentions: Vec<UserId>,
    /// The sender's uploads it carries, in this order, as [`attachments`] found them.
    pub attachments: Vec<Attachment>,
}

/// The mentioned user ids, checked, without repeats, in the order given.
fn mentions(mentions: Vec<UserId>) -> Result<Vec<String>> {
    if mentions.len() > MAX_MENTIONS {
        return Err(Error::invalid(format!(
            "a message may mention at most {MAX_MENTIONS} users"
        )));
    }
    let mut unique: Vec<String> = Vec::with_capacity(mentions.len());
    for user_id in mentions {
        validate::id("mentions", &user_id)?;
        if !unique.iter().any(|seen| *seen == *user_id) {
            unique.push(user_id.into_string());
        }
    }
    Ok(unique)
}

/// The attachments a send names, checked: at most [`MAX_ATTACHMENTS`], no repeats,
/// each an upload of the sender's that no other message carries (or that this very
/// send stored before: a resend). Read before [`send`], by the caller, before it reads
/// the connection's next frame: a send awaits nothing before its commit is queued, so
/// a connection's sends reach the writer in the order they were read. The writer
/// checks again, atomically, that none was sent or deleted meanwhile.
///
/// # Errors
///
/// `invalid_request` (too many, repeated, malformed), `not_found`, `forbidden`
/// (another user's upload), `conflict` (sent with another message), storage errors.
pub async fn attachments(
    state: &AppState,
    sender: &str,
    client_msg_id: &str,
    ids: Vec<AttachmentId>,
) -> Result<Vec<Attachment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let client_msg_id = validate::client_msg_id(client_msg_id)?;
    if ids.len() > MAX_ATTACHMENTS {
        return Err(Error::invalid(format!(
            "a message may carry at most {MAX_ATTACHMENTS} attachments"
        )));
    }
    let mut wanted: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        validate::id("attachments", &id)?;
        if wanted.iter().any(|seen| *seen == *id) {
            return Err(Error::invalid(format!("attachment {id} is listed twice")));
        }
        wanted.push(id.into_string());
    }
    let found = state
        .store()
        .attachments_for_send(&wanted, sender, &client_msg_id)
        .await?;
    wanted
        .iter()
        .map(|id| {
            let found = found
                .iter()
                .find(|candidate| candidate.record.id == *id)
                .ok_or_else(|| Error::not_found(format!("no such attachment: {id}")))?;
            if found.record.uploader_id != sender {
                return Err(Error::forbidden(format!(
                    "attachment {id} was uploaded by another user; send your own uploads"
                )));
            }
            if found.record.avatar {
                return Err(Error::conflict(format!(
                    "attachment {id} is a picture of a user or room; upload it again to send it"
                )));
            }
            if found.record.message_id.is_some() && !found.sent_by_this_send {
                return Err(Error::conflict(format!(
                    "attachment {id} was sent with another message already; upload it again"
                )));
            }
            Ok(found.record.to_attachment())
        })
        .collect()
}

/// Checks the per-user message rate.
fn check_rate(state: &AppState, user_id: &str) -> Result<()> {
    crate::limits::take(
        state.limits().messages(),
        &user_id.to_owned(),
        "message",
        "too many messages; slow down and retry shortly",
    )
}

/// Commits a message. Returns the stored message and whether it was a resend of an
/// earlier one. The caller acknowledges it, then calls [`after_commit`] for a new message
/// (commit, then acknowledge, then fan out).
///
/// # Errors
///
/// Validation, rate limit, membership and storage errors; nothing is stored then.
pub async fn send(
    state: &AppState,
    author: Author<'_>,
    room_id: &str,
    client_msg_id: &str,
    draft: Draft,
) -> Result<(Message, bool)> {
    validate::id("room_id", room_id)?;
    let client_msg_id = validate::client_msg_id(client_msg_id)?;
    if draft.attachments.is_empty() {
        validate::content(&draft.content, state.config().max_content_chars)?;
    } else {
        validate::caption(&draft.content, state.config().max_content_chars)?;
    }
    if let Some(parent) = &draft.reply_to {
        validate::id("reply_to", parent)?;
    }
    let mentions = mentions(draft.mentions)?;
    check_rate(state, author.user_id)?;
    let Sent { message, duplicate } = state
        .store()
        .send(NewMessage {
            room_id: room_id.to_owned(),
            sender_id: author.user_id.to_owned(),
            client_msg_id,
            content: draft.content,
            reply_to: draft.reply_to.map(MessageId::into_string),
            mentions,
            attachments: draft.attachments,
            now: now_ms(),
            origin: author.origin,
        })
        .await?;
    if !duplicate {
        crate::telemetry::committed("message");
    }
    Ok((message, duplicate))
}

/// After a new message's commit (its live event has already left with the commit):
/// records the send-to-fan-out time and notifies members who are offline. `received`
/// is when the send arrived.
pub fn after_commit(state: &AppState, message: &Message, received: Instant) {
    crate::telemetry::send_to_fanout(received.elapsed());
    state.notifier().message_committed(message);
}

/// Edits one's own message; the `message_edited` event goes to the whole room,
/// the editing connection included (it is the confirmation).
///
/// # Errors
///
/// Validation, rate limit, `forbidden` (not the sender), `not_found`, storage errors.
pub async fn edit(
    state: &AppState,
    user_id: &str,
    room_id: &str,
    message_id: &str,
    content: &str,
) -> Result<ServerFrame> {
    validate::id("room_id", room_id)?;
    validate::id("message_id", message_id)?;
    validate::content(content, state.config().max_content_chars)?;
    check_rate(state, user_id)?;
    let change = MessageChange {
        room_id: room_id.to_owned(),
        user_id: user_id.to_owned(),
        message_id: message_id.to_owned(),
        action: ChangeAction::Edit(content.to_owned()),
        now: now_ms(),
    };
    commit_change(state, change).await
}

/// Deletes one's own message; see [`edit`].
///
/// # Errors
///
/// As for [`edit`].
pub async fn delete(
    state: &AppState,
    user_id: &str,
    room_id: &str,
    message_id: &str,
) -> Result<ServerFrame> {
    validate::id("room_id", room_id)?;
    validate::id("message_id", message_id)?;
    check_rate(state, user_id)?;
    let change = MessageChange {
        room_id: room_id.to_owned(),
        user_id: user_id.to_owned(),
        message_id: message_id.to_owned(),
        action: ChangeAction::Delete,
        now: now_ms(),
    };
    commit_change(state, change).await
}

/// Sets or removes a reaction; the `reaction` event goes to the whole room, the
/// reacting connection included. `None` when the reaction was already as asked
/// (nothing is committed, nothing is sent).
///
/// # Errors
///
/// Validation (the emoji), rate limit, `forbidden` (not a member, blocked),
/// `not_found` (no such message, or deleted), storage errors.
pub async fn react(
    state: &AppState,
    user_id: &str,
    room_id: &str,
    message_id: &str,
    emoji: &str,
    on: bool,
) -> Result<Option<ServerFrame>> {
    validate::id("room_id", room_id)?;
    validate::id("message_id", message_id)?;
    chat_protocol::v1::check_reaction_emoji(emoji).map_err(|e| Error::invalid(e.to_string()))?;
    check_rate(state, user_id)?;
    let change = MessageChange {
        room_id: room_id.to_owned(),
        user_id: user_id.to_owned(),
        message_id: message_id.to_owned(),
        action: ChangeAction::React {
            emoji: emoji.to_owned(),
            on,
        },
        now: now_ms(),
    };
    commit_unless_unchanged(state, change).await
}

/// Pins or unpins a message; see [`react`].
///
/// # Errors
///
/// As for [`react`], and `forbidden` for a member who is not an owner or admin of a
/// group room.
pub async fn pin(
    state: &AppState,
    user_id: &str,
    room_id: &str,
    message_id: &str,
    pinned: bool,
) -> Result<Option<ServerFrame>> {
    validate::id("room_id", room_id)?;
    validate::id("message_id", message_id)?;
    check_rate(state, user_id)?;
    let change = MessageChange {
        room_id: room_id.to_owned(),
        user_id: user_id.to_owned(),
        message_id: message_id.to_owned(),
        action: ChangeAction::Pin(pinned),
        now: now_ms(),
    };
    commit_unless_unchanged(state, change).await
}

async fn commit_unless_unchanged(
    state: &AppState,
    change: MessageChange,
) -> Result<Option<ServerFrame>> {
    match state.store().change(change).await {
        Ok(event) => {
            crate::telemetry::committed(event.name());
            Ok(Some(event.into_frame()))
        }
        Err(crate::store::Error::Unchanged) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn commit_change(state: &AppState, change: MessageChange) -> Result<ServerFrame> {
    let event = state.store().change(change).await?;
    crate::telemetry::committed(event.name());
    Ok(event.into_frame())
}

/// The `message_ack` that answers the send of `message`.
pub fn ack_frame(message: &Message) -> ServerFrame {
    ServerFrame::MessageAck {
        room_id: message.room_id.clone(),
        client_msg_id: message.client_msg_id.clone(),
        message_id: message.message_id.clone(),
        seq: message.seq,
        created_at: message.created_at,
    }
}

/// The store's `OnCommit` hook: hands each new room event to the bus, encoded once. A
/// new message carries the `message_ack` its sending connection gets instead.
pub fn publish_committed(bus: &dyn Bus, event: NewEvent<'_>) {
    let origin = match event {
        NewEvent::Message {
            message,
            origin: Some(connection),
        } => Some(Origin {
            connection,
            ack: Utf8Bytes::from(ack_frame(message).encode()),
        }),
        _ => None,
    };
    bus.publish_room_event(Arc::new(RoomEvent {
        room_id: event.room_id().to_owned(),
        seq: event.seq(),
        origin,
        frame: Utf8Bytes::from(event.frame().encode()),
        change: crate::room_feed::list_change(&event),
    }));
}
