//! The event stream's schema: one versioned JSON object per event, with a dedupe id.
//! docs/operations.md shows an example of each type.

use chat_protocol::v1::{Message, ServerFrame};
use serde_json::{Value, json};

/// Bumped on any incompatible change; consumers check it.
pub const SCHEMA_VERSION: u32 = 1;

/// An event ready for the outbox: its Kafka key and its JSON.
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    /// The Kafka message key (room id, or user id for presence).
    pub key: String,
    /// The event as JSON text.
    pub payload: String,
}

fn envelope(kind: &str, key: &str, room_id: Option<&str>, actor: &str, created_at: i64) -> Value {
    json!({
        "schema_version": SCHEMA_VERSION,
        // UUIDv7: unique, and ordered by creation; consumers de-duplicate by it.
        "event_id": uuid::Uuid::now_v7().to_string(),
        "type": kind,
        "key": key,
        "room_id": room_id,
        "sender_id": actor,
        "created_at": created_at,
    })
}

fn finish(mut event: Value, recipients: &[String], data: Value) -> OutboxEvent {
    event["recipients"] = json!(recipients);
    event["data"] = data;
    OutboxEvent {
        key: event["key"].as_str().unwrap_or_default().to_owned(),
        payload: event.to_string(),
    }
}

/// `receipt.updated`: a member's delivered or read position moved forward.
pub fn receipt_updated(
    room_id: &str,
    user_id: &str,
    kind: &str,
    seq: u64,
    now: i64,
    recipients: &[String],
) -> OutboxEvent {
    let event = envelope("receipt.updated", room_id, Some(room_id), user_id, now);
    finish(event, recipients, json!({"kind": kind, "seq": seq}))
}

/// `room.member_added`: `user_id` joined or was added (`added_by` did it).
pub fn member_added(
    room_id: &str,
    user_id: &str,
    added_by: &str,
    now: i64,
    recipients: &[String],
) -> OutboxEvent {
    let event = envelope("room.member_added", room_id, Some(room_id), added_by, now);
    finish(event, recipients, json!({"user_id": user_id}))
}

/// `presence.changed`, keyed by the user; the recipients are their room-mates.
pub fn presence_changed(
    user_id: &str,
    online: bool,
    now: i64,
    recipients: &[String],
) -> OutboxEvent {
    let event = envelope("presence.changed", user_id, None, user_id, now);
    finish(
        event,
        recipients,
        json!({"status": if online { "online" } else { "offline" }}),
    )
}

/// `message.created`; the text only with `include_content`.
pub fn message_created(
    message: &Message,
    recipients: &[String],
    include_content: bool,
) -> OutboxEvent {
    let event = envelope(
        "message.created",
        &message.room_id,
        Some(&message.room_id),
        &message.sender_id,
        message.created_at,
    );
    let mut data = json!({
        "seq": message.seq,
        "message_id": message.message_id,
        "client_msg_id": message.client_msg_id,
    });
    if include_content {
        data["content"] = json!(message.content);
    }
    finish(event, recipients, data)
}

/// `message.edited` or `message.deleted`, from the committed room event.
pub fn message_changed(
    frame: &ServerFrame,
    recipients: &[String],
    include_content: bool,
) -> Option<OutboxEvent> {
    Some(match frame {
        ServerFrame::MessageEdited {
            room_id,
            seq,
            message_id,
            sender_id,
            content,
            edited_at,
        } => {
            let event = envelope(
                "message.edited",
                room_id,
                Some(room_id),
                sender_id,
                *edited_at,
            );
            let mut data = json!({"seq": seq, "message_id": message_id});
            if include_content {
                data["content"] = json!(content);
            }
            finish(event, recipients, data)
        }
        ServerFrame::MessageDeleted {
            room_id,
            seq,
            message_id,
            sender_id,
            deleted_at,
        } => {
            let event = envelope(
                "message.deleted",
                room_id,
                Some(room_id),
                sender_id,
                *deleted_at,
            );
            finish(
                event,
                recipients,
                json!({"seq": seq, "message_id": message_id}),
            )
        }
        _ => return None,
    })
}
