//! Delivery to one push service: a bound on the pushes it holds (queued, in flight or
//! waiting to retry), a cap on requests in flight, retries with backoff (a
//! `Retry-After` answer is honoured), and pruning of the devices the service says are
//! gone. Nothing here is awaited by chat: a push past the bound is dropped (counted),
//! and a slow or dead service only holds its own requests.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use super::alert::Alert;
use crate::notify::backlog::Backlog;
use crate::store::{PushTarget, Store};

/// The longest wait between two attempts, whatever the backoff or `Retry-After` says.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

/// One push to one device.
#[derive(Debug, Clone)]
pub struct PushJob {
    pub target: PushTarget,
    /// Shared by the user's devices.
    pub alert: Arc<Alert>,
}

/// What a push service answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted for delivery.
    Delivered,
    /// The token or subscription is no longer valid: the device is forgotten.
    Gone(String),
    /// Worth another attempt (throttled, a server error, unreachable), after the wait
    /// the service asked for, if it did.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// Refused for good (a malformed request, a token of another app).
    Refused(String),
}

/// A push service's sender: one request per call, its answer classified.
#[async_trait]
pub trait Gateway: Send + Sync + fmt::Debug + 'static {
    /// Sends `job`'s alert to its device.
    async fn send(&self, job: &PushJob) -> Outcome;
}

/// How hard to try, and how much may wait.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryPolicy {
    /// Attempts per push, the first included.
    pub attempts: u32,
    /// The wait before the first retry; it doubles each time.
    pub first_retry: Duration,
    /// Pushes held (queued, in flight or waiting to retry) before new ones are dropped.
    pub queue: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// A push admitted for delivery, with its place among those held.
type Admitted = (PushJob, OwnedSemaphorePermit);

/// The handle of one push service's delivery.
#[derive(Debug)]
pub struct Deliveries {
    platform: &'static str,
    /// The pushes held, from admission until settled: the queue's bound covers pushes
    /// waiting to retry too.
    held: Backlog,
    queue: mpsc::UnboundedSender<Admitted>,
}

impl Deliveries {
    /// Starts delivering through `gateway`; it stops at `shutdown` (what is queued or
    /// waiting for a retry then is dropped, as a process that is killed would: the
    /// server waits for [`Self::settled`] first).
    pub fn start(
        platform: &'static str,
        gateway: Arc<dyn Gateway>,
        policy: DeliveryPolicy,
        store: Arc<dyn Store>,
        shutdown: CancellationToken,
    ) -> Self {
        // Unbounded in type only: nothing enters without a permit of `held`.
        let (queue, pending) = mpsc::unbounded_channel();
        let worker = Worker {
            platform,
            gateway,
            policy,
            store,
            permits: Arc::new(Semaphore::new(policy.concurrency.max(1))),
            shutdown,
        };
        tokio::spawn(worker.run(pending));
        Self {
            platform,
            held: Backlog::new(policy.queue),
            queue,
        }
    }

    /// Queues a push; drops it (and counts it) when as many as the bound are held.
    pub fn enqueue(&self, job: PushJob) {
        let admitted = self
            .held
            .admit()
            .and_then(|place| self.queue.send((job, place)).ok());
        if admitted.is_none() {
            crate::telemetry::push(self.platform, "dropped");
        }
    }

    /// Waits until every push held is settled (retries included), or `deadline`;
    /// whether they all were. New pushes are dropped from then on.
    pub async fn settled(&self, deadline: tokio::time::Instant) -> bool {
        let settled = self.held.settled(deadline).await;
        if !settled {
            tracing::warn!(
                platform = self.platform,
                held = self.held.held(),
                "pushes not settled by the end of the shutdown grace: dropped"
            );
        }
        settled
    }
}

#[derive(Debug, Clone)]
struct Worker {
    platform: &'static str,
    gateway: Arc<dyn Gateway>,
    policy: DeliveryPolicy,
    store: Arc<dyn Store>,
    /// One per request in flight; a push waiting to retry holds none.
    permits: Arc<Semaphore>,
    shutdown: CancellationToken,
}

impl Worker {
    async fn run(self, mut pending: mpsc::UnboundedReceiver<Admitted>) {
        loop {
            let (job, place) = tokio::select! {
                () = self.shutdown.cancelled() => return,
                next = pending.recv() => match next {
                    Some(admitted) => admitted,
                    None => return,
                },
            };
            // The queue is the buffer: a push leaves it only when it can be sent.
            let Ok(permit) = Arc::clone(&self.permits).acquire_owned().await else {
                return;
            };
            let worker = self.clone();
            tokio::spawn(async move {
                tokio::select! {
                    () = worker.shutdown.cancelled() => {}
                    () = worker.deliver(job, permit) => {}
                }
                drop(place);
            });
        }
    }

    /// Sends `job`, retrying what is worth it, and prunes a gone device.
    async fn deliver(&self, job: PushJob, first_permit: OwnedSemaphorePermit) {
        let attempts = self.policy.attempts.max(1);
        let mut permit = Some(first_permit);
        let mut wait = self.policy.first_retry;
        for attempt in 1..=attempts {
            let held = match permit.take() {
                Some(held) => held,
                None => match Arc::clone(&self.permits).acquire_owned().await {
                    Ok(held) => held,
                    Err(_) => return,
                },
            };
            let outcome = self.gateway.send(&job).await;
            drop(held);
            let target = &job.target;
            match outcome {
                Outcome::Delivered => {
                    crate::telemetry::push(self.platform, "delivered");
                    return;
                }
                Outcome::Gone(reason) => {
                    tracing::info!(platform = self.platform, device_id = %target.device_id,
                        %reason, "push device is gone: forgotten");
                    if let Err(e) = self
                        .store
                        .prune_push_device(&target.device_id, &target.token)
                        .await
                    {
                        tracing::warn!(error = %e, "a gone push device was not forgotten");
                    }
                    crate::telemetry::push(self.platform, "pruned");
                    return;
                }
                Outcome::Refused(reason) => {
                    tracing::warn!(platform = self.platform, device_id = %target.device_id,
                        %reason, "push refused");
                    crate::telemetry::push(self.platform, "failed");
                    return;
                }
                Outcome::Retry { reason, after } => {
                    if attempt == attempts {
                        tracing::warn!(platform = self.platform, device_id = %target.device_id,
                            %reason, attempts, "push not delivered: out of attempts");
                        crate::telemetry::push(self.platform, "failed");
                        return;
                    }
                    tracing::debug!(platform = self.platform, %reason, attempt, "push retried");
                    crate::telemetry::push(self.platform, "retried");
                    tokio::time::sleep(after.unwrap_or(wait).min(MAX_RETRY_WAIT)).await;
                    wait = (wait * 2).min(MAX_RETRY_WAIT);
                }
            }
        }
    }
}

/// A retry, if `status` says the failure is passing: throttled (429) or a server error
/// (5xx), after the wait `Retry-After` asks for, if any.
pub fn transient(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
) -> Option<Outcome> {
    (status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error()).then(|| {
        Outcome::Retry {
            reason: format!("the push service answered {status}"),
            after: retry_after(headers),
        }
    })
}

/// The wait a `Retry-After` header asks for, in seconds (the HTTP-date form is rare
/// from push services, and is ignored for the backoff).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// A push request's answer, once what every service means alike is taken out.
#[derive(Debug)]
pub enum Answer {
    /// Delivered (2xx), unreachable, throttled (429) or a server error (5xx).
    Settled(Outcome),
    /// A refusal, which each service explains in its own body.
    Refused(reqwest::Response),
}

/// Reads a sent request's answer as far as every push service agrees on it.
pub fn answer(sent: Result<reqwest::Response, reqwest::Error>) -> Answer {
    let response = match sent {
        Ok(response) => response,
        Err(e) => return Answer::Settled(unreachable(e)),
    };
    let status = response.status();
    if status.is_success() {
        return Answer::Settled(Outcome::Delivered);
    }
    match transient(status, response.headers()) {
        Some(retry) => Answer::Settled(retry),
        None => Answer::Refused(response),
    }
}

/// The outcome of a request that got no answer. The URL is left out of the reason: it
/// holds the device token, or the subscription's endpoint.
pub fn unreachable(error: reqwest::Error) -> Outcome {
    Outcome::Retry {
        reason: format!("unreachable: {}", error.without_url()),
        after: None,
    }
}
