//! The sans-I/O client core. Time is milliseconds on a monotonic clock the driver
//! supplies ([`Millis`]); randomness comes from a seed the driver supplies.

mod backoff;
mod client;
mod io;
mod lifecycle;
mod outbox;
mod renewal;
mod rng;
mod typing;

pub use backoff::{Backoff, BackoffPolicy};
pub use client::{Core, CoreConfig};
pub use io::{Action, ConnectionState, DisconnectReason, Event, Input};
pub use outbox::{Change, Outbox, OutboxEntry, Queued, Refusal, Target};
pub use rng::Rng;
pub use typing::{TypingPolicy, TypingThrottle};

/// A point on the driver's monotonic clock, in milliseconds.
pub type Millis = u64;
