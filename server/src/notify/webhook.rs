//! Delivers notifications (and reports) to a webhook: a bounded queue, one worker, a
//! signature on every request, and retries with exponential backoff. A full queue or a
//! webhook that keeps failing drops posts (counted), never slows chat.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio_util::sync::CancellationToken;

use super::backlog::Backlog;

/// Notifications held (waiting for the worker, or being sent) before new ones are
/// dropped.
const QUEUE: usize = 10_000;

/// Where and how to deliver.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// The URL notifications are POSTed to.
    pub url: String,
    /// The HMAC-SHA256 key; the receiver verifies `X-Chat-Signature` with it.
    pub secret: String,
    /// Attempts per notification (the first included).
    pub attempts: u32,
    /// Wait before the first retry; doubles each time, up to 30 s.
    pub first_retry: Duration,
}

/// One request to the webhook: a JSON body and the id receivers de-duplicate by.
#[derive(Debug, Clone)]
pub struct WebhookPost {
    /// `X-Chat-Notification-Id`: the notification's or report's id.
    pub id: String,
    /// The JSON body.
    pub body: String,
}

/// A post admitted to the queue, with its place among those held.
type Admitted = (WebhookPost, OwnedSemaphorePermit);

/// The webhook sender's handle.
#[derive(Debug)]
pub struct Webhook {
    held: Backlog,
    queue: mpsc::UnboundedSender<Admitted>,
}

impl Webhook {
    /// Starts the worker; it stops at `shutdown` (what is queued then is dropped: the
    /// server waits for [`Self::settled`] first).
    pub fn start(config: WebhookConfig, shutdown: CancellationToken) -> Self {
        // Unbounded in type only: nothing enters without a place in `held`.
        let (queue, pending) = mpsc::unbounded_channel();
        tokio::spawn(run(config, pending, shutdown));
        Self {
            held: Backlog::new(QUEUE),
            queue,
        }
    }

    /// Queues a post; drops it (and counts it) if the queue is full.
    pub fn enqueue(&self, post: WebhookPost) {
        let admitted = self
            .held
            .admit()
            .and_then(|place| self.queue.send((post, place)).ok());
        if admitted.is_none() {
            crate::telemetry::notification("dropped");
        }
    }

    /// Waits until every post held is sent or out of attempts, or `deadline`; whether
    /// they all were. New posts are dropped from then on.
    pub async fn settled(&self, deadline: tokio::time::Instant) -> bool {
        let settled = self.held.settled(deadline).await;
        if !settled {
            tracing::warn!(
                held = self.held.held(),
                "webhook posts not settled by the end of the shutdown grace: dropped"
            );
        }
        settled
    }
}

/// `X-Chat-Signature` of a request: HMAC-SHA256 of `"{timestamp}.{body}"`, hex. The
/// timestamp (`X-Chat-Timestamp`, ms) is signed too, so a replayed request can be told
/// apart by its age.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn run(
    config: WebhookConfig,
    mut pending: mpsc::UnboundedReceiver<Admitted>,
    shutdown: CancellationToken,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    loop {
        // The place is given back when this post is settled.
        let (post, _place) = tokio::select! {
            () = shutdown.cancelled() => return,
            next = pending.recv() => match next {
                Some(admitted) => admitted,
                None => return,
            },
        };
        let body = post.body;
        let mut wait = config.first_retry;
        let mut delivered = false;
        for attempt in 1..=config.attempts.max(1) {
            let timestamp = crate::clock::now_ms();
            let sent = http
                .post(&config.url)
                .header("content-type", "application/json")
                .header("x-chat-timestamp", timestamp.to_string())
                .header(
                    "x-chat-signature",
                    signature(&config.secret, timestamp, &body),
                )
                .header("x-chat-notification-id", &post.id)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => {
                    delivered = true;
                    break;
                }
                Ok(response) => {
                    let status = response.status();
                    tracing::debug!(%status, attempt, "webhook refused a notification");
                }
                Err(e) => tracing::debug!(error = %e, attempt, "webhook unreachable"),
            }
            if attempt == config.attempts.max(1) {
                break;
            }
            crate::telemetry::notification("retried");
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
            wait = (wait * 2).min(Duration::from_secs(30));
        }
        crate::telemetry::notification(if delivered { "delivered" } else { "failed" });
    }
}
