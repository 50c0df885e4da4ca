//! The event stream: room events written to a transactional outbox by the store (in the
//! same transaction as the change), and a relay that publishes them to Kafka, keyed by
//! room so that one room's events stay in order. An event is never lost when Kafka is
//! down or the process dies: its row stays until Kafka has acknowledged it, so a crash
//! can only cause a resend, with the same `event_id` for consumers to de-duplicate.

mod relay;
pub mod schema;

pub use relay::{KafkaRelay, run_relay};
