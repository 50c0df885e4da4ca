//! What a notification carries: enough for a push service to show "ann in #general",
//! and the message text only when the configuration allows it.

use chat_protocol::v1::{Attachment, Message, Report};
use serde::Serialize;

use super::webhook::WebhookPost;
use crate::events::schema::{OutboxEvent, SCHEMA_VERSION};

/// One notification about one message, for every offline recipient of it.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub schema_version: u32,
    /// Unique (UUIDv7): receivers de-duplicate retries by it.
    pub notification_id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub room_id: String,
    pub room_name: Option<String>,
    pub message_id: String,
    pub seq: u64,
    pub sender_id: String,
    pub sender_name: Option<String>,
    /// The members with no connected device when the message was committed.
    pub recipients: Vec<String>,
    /// Those of the recipients the message mentions (a push may say "mentioned you");
    /// left out for none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentioned: Vec<String>,
    pub created_at: i64,
    /// Only with `--notify-include-content`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// How many files the message carries ("sent a photo"); left out for none.
    #[serde(skip_serializing_if = "is_zero")]
    pub attachment_count: usize,
    /// What they are (names are content: only with `--notify-include-content`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

impl Notification {
    /// The notification of `message` for `recipients`.
    pub fn for_message(
        message: &Message,
        room_name: Option<String>,
        sender_name: Option<String>,
        recipients: Vec<String>,
        include_content: bool,
    ) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            notification_id: uuid::Uuid::now_v7().to_string(),
            kind: "notification.offline",
            room_id: message.room_id.to_string(),
            room_name,
            message_id: message.message_id.to_string(),
            seq: message.seq,
            sender_id: message.sender_id.to_string(),
            sender_name,
            mentioned: recipients
                .iter()
                .filter(|id| message.mentions.iter().any(|m| m.as_str() == id.as_str()))
                .cloned()
                .collect(),
            recipients,
            created_at: message.created_at,
            content: include_content.then(|| message.content.clone()),
            attachment_count: message.attachments.len(),
            attachments: if include_content {
                message.attachments.clone()
            } else {
                Vec::new()
            },
        }
    }

    /// The webhook request.
    pub fn to_post(&self) -> WebhookPost {
        WebhookPost {
            id: self.notification_id.clone(),
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }

    /// As an event-stream event: keyed by room like the message it is about, with the
    /// stream's `event_id` (the notification id) and `key` fields added.
    pub fn as_event(&self) -> OutboxEvent {
        let mut event = serde_json::to_value(self).unwrap_or_default();
        event["event_id"] = serde_json::json!(self.notification_id);
        event["key"] = serde_json::json!(self.room_id);
        OutboxEvent {
            key: self.room_id.clone(),
            payload: event.to_string(),
        }
    }
}

/// The webhook request for a new report: `{"type": "report.created", ...}`, the
/// reported message's content only with `--notify-include-content`.
pub fn report_post(report: &Report, include_content: bool) -> WebhookPost {
    let mut body = serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "type": "report.created",
        "report_id": report.report_id,
        "reporter_id": report.reporter_id,
        "room_id": report.room_id,
        "message_id": report.message_id,
        "user_id": report.user_id,
        "reason": report.reason,
        "created_at": report.created_at,
    });
    if include_content && let Some(content) = &report.message_content {
        body["message_content"] = serde_json::json!(content);
    }
    WebhookPost {
        id: report.report_id.clone(),
        body: body.to_string(),
    }
}
