//! The event stream's schema: one versioned JSON object per event, with a dedupe id.
//! docs/operations.md shows an example of each type.

use chat_protocol::v1::{
    MemberChanged, MembershipChange, Message, MessagePinned, Reaction, Report, RoomChanged,
};
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
    if let Some(parent) = &message.reply_to {
        data["reply_to"] = json!(parent);
    }
    if !message.mentions.is_empty() {
        data["mentions"] = json!(message.mentions);
    }
    if !message.attachments.is_empty() {
        data["attachment_count"] = json!(message.attachments.len());
    }
    if include_content {
        data["content"] = json!(message.content);
        if !message.attachments.is_empty() {
            data["attachments"] = json!(message.attachments);
        }
    }
    finish(event, recipients, data)
}

/// An edit or a delete of a message, as the event stream describes it.
#[derive(Debug, Clone, Copy)]
pub struct MessageChange<'a> {
    /// The room whose log holds the change.
    pub room_id: &'a str,
    /// The change's seq in that log.
    pub seq: u64,
    /// The changed message.
    pub message_id: &'a str,
    /// Who changed it: its sender, or for a delete an owner or admin of the room.
    pub sender_id: &'a str,
    /// The new content of an edit; `None` for a delete.
    pub content: Option<&'a str>,
    /// When it changed, milliseconds since the epoch.
    pub at: i64,
}

/// `message.edited` (with content) or `message.deleted`.
pub fn message_changed(
    change: MessageChange<'_>,
    recipients: &[String],
    include_content: bool,
) -> OutboxEvent {
    let kind = if change.content.is_some() {
        "message.edited"
    } else {
        "message.deleted"
    };
    let event = envelope(
        kind,
        change.room_id,
        Some(change.room_id),
        change.sender_id,
        change.at,
    );
    let mut data = json!({"seq": change.seq, "message_id": change.message_id});
    if let Some(content) = change.content
        && include_content
    {
        data["content"] = json!(content);
    }
    finish(event, recipients, data)
}

/// A membership change: `room.member_added` for a join (as before membership changes
/// were room events, now with its seq), `room.member_changed` for the others.
pub fn member_changed(changed: &MemberChanged, recipients: &[String]) -> OutboxEvent {
    let kind = if changed.change == MembershipChange::Joined {
        "room.member_added"
    } else {
        "room.member_changed"
    };
    let event = envelope(
        kind,
        &changed.room_id,
        Some(&changed.room_id),
        &changed.by,
        changed.created_at,
    );
    let data = json!({
        "seq": changed.seq,
        "user_id": changed.user_id,
        "change": changed.change,
        "role": changed.role,
    });
    finish(event, recipients, data)
}

/// `message.reaction`: a member set (`on`) or removed a reaction.
pub fn reaction(reaction: &Reaction, recipients: &[String]) -> OutboxEvent {
    let event = envelope(
        "message.reaction",
        &reaction.room_id,
        Some(&reaction.room_id),
        &reaction.user_id,
        reaction.created_at,
    );
    let data = json!({
        "seq": reaction.seq,
        "message_id": reaction.message_id,
        "emoji": reaction.emoji,
        "on": reaction.on,
    });
    finish(event, recipients, data)
}

/// `message.pinned`: a message was pinned (`pinned`) or unpinned.
pub fn message_pinned(pinned: &MessagePinned, recipients: &[String]) -> OutboxEvent {
    let event = envelope(
        "message.pinned",
        &pinned.room_id,
        Some(&pinned.room_id),
        &pinned.by,
        pinned.created_at,
    );
    let data = json!({
        "seq": pinned.seq,
        "message_id": pinned.message_id,
        "pinned": pinned.pinned,
    });
    finish(event, recipients, data)
}

/// `room.changed`: the room's name, topic, `who_can_add` or picture changed (only
/// those that did are in `data`).
pub fn room_changed(changed: &RoomChanged, recipients: &[String]) -> OutboxEvent {
    let event = envelope(
        "room.changed",
        &changed.room_id,
        Some(&changed.room_id),
        &changed.by,
        changed.created_at,
    );
    let mut data = json!({"seq": changed.seq});
    if let Some(name) = &changed.name {
        data["name"] = json!(name);
    }
    if let Some(topic) = &changed.topic {
        data["topic"] = json!(topic);
    }
    if let Some(who_can_add) = changed.who_can_add {
        data["who_can_add"] = json!(who_can_add);
    }
    if let Some(avatar_id) = &changed.avatar_id {
        data["avatar_id"] = json!(avatar_id);
    }
    finish(event, recipients, data)
}

/// `report.created`: a member reported a message or a user, for the server's admins.
/// The reported message's content goes only with `--events-include-content`.
pub fn report_created(report: &Report, include_content: bool) -> OutboxEvent {
    let event = envelope(
        "report.created",
        &report.room_id,
        Some(&report.room_id),
        &report.reporter_id,
        report.created_at,
    );
    let mut data = json!({
        "report_id": report.report_id,
        "message_id": report.message_id,
        "user_id": report.user_id,
        "reason": report.reason,
    });
    if include_content && let Some(content) = &report.message_content {
        data["message_content"] = json!(content);
    }
    finish(event, &[], data)
}
