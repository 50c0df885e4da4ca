//! Notifications for offline recipients: when a message is committed, every member with
//! no connected device (on any process) gets a notification, for a push service (FCM,
//! APNs) to deliver. It goes to a webhook (signed with HMAC-SHA256, retried with
//! backoff) and, with an event stream configured, to Kafka as a `notification.offline`
//! event, and to the members' devices through APNs, FCM and Web Push ([`push`]). Chat
//! never waits for it: the work runs in its own task after the fan-out. A graceful
//! shutdown waits (within `--shutdown-grace`) until what was accepted is sent.
//! Reports of messages and users go to the same webhook, for the server's admins.

mod backlog;
mod payload;
pub mod push;
mod webhook;

use std::sync::Arc;

use chat_protocol::v1::{Message, Report};
use tokio_util::task::TaskTracker;

pub use payload::{Notification, report_post};
pub use push::{Push, PushOptions};
pub use webhook::{Webhook, WebhookConfig};

use crate::presence::Presence;
use crate::store::Store;

/// Notifies the offline recipients of committed messages.
#[derive(Debug)]
pub struct Notifier {
    /// Where notifications are posted, if a webhook is configured.
    webhook: Option<Arc<Webhook>>,
    /// The push services, if any is configured.
    push: Option<Arc<Push>>,
    /// Whether they also go to the event stream (Kafka is configured).
    stream: bool,
    /// `--notify-include-content`.
    include_content: bool,
    store: Arc<dyn Store>,
    presence: Arc<Presence>,
    /// The tasks finding the recipients of committed messages.
    tasks: TaskTracker,
}

impl Notifier {
    /// Notifies through `webhook` and (with `stream`) the event stream, reading members
    /// from `store` and who is online from `presence`.
    pub fn new(
        webhook: Option<Arc<Webhook>>,
        push: Option<Arc<Push>>,
        stream: bool,
        include_content: bool,
        store: Arc<dyn Store>,
        presence: Arc<Presence>,
    ) -> Self {
        Self {
            webhook,
            push,
            stream,
            include_content,
            store,
            presence,
            tasks: TaskTracker::new(),
        }
    }

    /// Finds the offline recipients of `message` and notifies them, in the background.
    pub fn message_committed(self: &Arc<Self>, message: &Message) {
        if self.webhook.is_none() && self.push.is_none() && !self.stream {
            return;
        }
        let notifier = Arc::clone(self);
        let message = message.clone();
        self.tasks.spawn(async move {
            if let Err(e) = notifier.notify(&message).await {
                tracing::warn!(error = %e, "offline notification not sent");
            }
        });
    }

    async fn notify(&self, message: &Message) -> crate::error::Result<()> {
        let members = self.store.members(&message.room_id).await?;
        // Members who muted the room are not notified (they still count it unread), but
        // for a message that mentions them unless they turned that off; nor are those
        // who blocked the sender (their apps hide the message).
        let muted: Vec<String> = self
            .store
            .muted_members(&message.room_id, crate::clock::now_ms())
            .await?
            .into_iter()
            .filter(|m| !(m.mentions && message.mentions.iter().any(|id| id.as_str() == m.user_id)))
            .map(|m| m.user_id)
            .collect();
        let blockers = self.store.blockers_of(&message.sender_id).await?;
        let others: Vec<String> = members
            .iter()
            .filter(|m| m.user_id != message.sender_id)
            .map(|m| m.user_id.to_string())
            .filter(|id| !muted.contains(id) && !blockers.contains(id))
            .collect();
        let online = self.presence.online_among(&others).await;
        let offline: Vec<String> = others
            .into_iter()
            .filter(|id| !online.contains(id))
            .collect();
        if offline.is_empty() {
            return Ok(());
        }
        let room = self.store.room(&message.room_id).await?;
        let sender_name = members
            .iter()
            .find(|m| m.user_id == message.sender_id)
            .map(|m| m.display_name.clone());
        let notification = Notification::for_message(
            message,
            room.map(|r| r.name),
            sender_name,
            offline,
            self.include_content,
        );
        if self.stream {
            self.store.append_event(&notification.as_event()).await?;
        }
        if let Some(webhook) = &self.webhook {
            webhook.enqueue(notification.to_post());
        }
        if let Some(push) = &self.push {
            push.notify(&notification).await?;
        }
        Ok(())
    }

    /// At shutdown, once no message can be committed any more: waits until the
    /// notifications of those committed are found and sent (retries included), or
    /// `deadline`. What is left then is dropped, as a killed process would.
    pub async fn settle(&self, deadline: tokio::time::Instant) {
        self.tasks.close();
        if tokio::time::timeout_at(deadline, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("offline notifications still being prepared at the end of the grace");
        }
        if let Some(webhook) = &self.webhook {
            webhook.settled(deadline).await;
        }
        if let Some(push) = &self.push {
            push.settled(deadline).await;
        }
    }

    /// The push services, if any is configured.
    pub fn push(&self) -> Option<&Arc<Push>> {
        self.push.as_ref()
    }

    /// Sends a new report to the webhook, if one is configured (the event stream has it
    /// from the store's outbox already).
    pub fn report_filed(&self, report: &Report) {
        if let Some(webhook) = &self.webhook {
            webhook.enqueue(report_post(report, self.include_content));
        }
    }
}
