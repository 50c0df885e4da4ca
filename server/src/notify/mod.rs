//! Notifications for offline recipients: when a message is committed, every member with
//! no connected device (on any process) gets a notification, for a push service (FCM,
//! APNs) to deliver. It goes to a webhook (signed with HMAC-SHA256, retried with
//! backoff) and, with an event stream configured, to Kafka as a `notification.offline`
//! event. Chat never waits for it: the work runs in its own task after the fan-out.

mod payload;
mod webhook;

use std::sync::Arc;

use chat_protocol::v1::Message;

pub use payload::Notification;
pub use webhook::{Webhook, WebhookConfig};

use crate::state::AppState;

/// Finds the offline recipients of `message` and notifies them, in the background.
pub fn message_committed(state: &AppState, message: &Message) {
    let webhook = state.webhook().cloned();
    let stream = state.config().kafka_brokers.is_some();
    if webhook.is_none() && !stream {
        return;
    }
    let state = state.clone();
    let message = message.clone();
    tokio::spawn(async move {
        if let Err(e) = notify(&state, &message, webhook, stream).await {
            tracing::warn!(error = %e, "offline notification not sent");
        }
    });
}

async fn notify(
    state: &AppState,
    message: &Message,
    webhook: Option<Arc<Webhook>>,
    stream: bool,
) -> crate::error::Result<()> {
    let members = state.store().members(&message.room_id).await?;
    let others: Vec<String> = members
        .iter()
        .map(|m| m.user_id.clone())
        .filter(|id| *id != message.sender_id)
        .collect();
    let online = crate::presence::online_among(state, &others).await;
    let offline: Vec<String> = others
        .into_iter()
        .filter(|id| !online.contains(id))
        .collect();
    if offline.is_empty() {
        return Ok(());
    }
    let room = state.store().room(&message.room_id).await?;
    let sender_name = members
        .iter()
        .find(|m| m.user_id == message.sender_id)
        .map(|m| m.username.clone());
    let notification = Notification::for_message(
        message,
        room.map(|r| r.name),
        sender_name,
        offline,
        state.config().notify_include_content,
    );
    if stream {
        state.store().append_event(&notification.as_event()).await?;
    }
    if let Some(webhook) = webhook {
        webhook.enqueue(notification);
    }
    Ok(())
}
