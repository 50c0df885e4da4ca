//! Publishes the outbox to Kafka, oldest first, and deletes what Kafka acknowledged.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_util::sync::CancellationToken;

use crate::store::{OutboxRow, Store};

/// Rows read and published per round.
const BATCH: u32 = 256;
/// Wait when there is nothing to publish, or after a failure (doubling up to 10 s).
const IDLE: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// The Kafka side of the relay.
pub struct KafkaRelay {
    producer: FutureProducer,
    topic: String,
}

impl std::fmt::Debug for KafkaRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaRelay")
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

impl KafkaRelay {
    /// An idempotent producer (acks from all in-sync replicas, no duplicates from its
    /// own retries, order kept per partition) for `brokers` and `topic`.
    ///
    /// # Errors
    ///
    /// When the producer cannot be configured.
    pub fn new(brokers: &str, topic: &str) -> anyhow::Result<Self> {
        let producer: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("message.timeout.ms", "30000")
            .set("client.id", "chat-server")
            .create()?;
        Ok(Self {
            producer,
            topic: topic.to_owned(),
        })
    }

    /// Publishes `rows` in order; returns the id of the last one Kafka acknowledged in
    /// an unbroken run from the first (everything up to it may be deleted).
    async fn publish(&self, rows: &[OutboxRow]) -> Option<i64> {
        // Queued all at once, awaited in order: the idempotent producer keeps each
        // partition's order, retries included.
        let deliveries: Vec<_> = rows
            .iter()
            .map(|row| {
                let record = FutureRecord::to(&self.topic)
                    .key(&row.key)
                    .payload(&row.payload);
                self.producer.send(record, Duration::from_secs(30))
            })
            .collect();
        let mut published = None;
        for (row, delivery) in rows.iter().zip(deliveries) {
            match delivery.await {
                Ok(_) => published = Some(row.id),
                Err((e, _)) => {
                    tracing::warn!(error = %e, "event stream: Kafka did not take an event; retrying");
                    break;
                }
            }
        }
        published
    }
}

/// Runs the relay from `store`'s outbox until `shutdown`: only while this process leads
/// it (one per cluster).
pub async fn run_relay(store: Arc<dyn Store>, relay: KafkaRelay, shutdown: CancellationToken) {
    let mut wait = IDLE;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = match relay_round(store.as_ref(), &relay).await {
            Ok(true) => Duration::ZERO,
            Ok(false) => IDLE,
            Err(e) => {
                tracing::warn!(error = %e, "event stream: relay round failed");
                (wait * 2).clamp(IDLE, MAX_BACKOFF)
            }
        };
    }
}

/// One round: publish a batch and delete what was acknowledged. `Ok(true)` when a full
/// batch went out (there may be more right away).
async fn relay_round(store: &dyn Store, relay: &KafkaRelay) -> anyhow::Result<bool> {
    crate::telemetry::outbox_backlog(store.outbox_len().await?);
    if !store.lead_relay().await? {
        return Ok(false);
    }
    let rows = store.outbox_batch(BATCH).await?;
    if rows.is_empty() {
        return Ok(false);
    }
    let Some(up_to) = relay.publish(&rows).await else {
        anyhow::bail!("Kafka is unavailable");
    };
    store.outbox_delete(up_to).await?;
    let all = rows.last().is_some_and(|last| last.id == up_to);
    if !all {
        anyhow::bail!("Kafka took only part of a batch");
    }
    Ok(rows.len() == BATCH as usize)
}
