//! The server's abuse limits, in one place: sends, uploads, block and profile changes,
//! reports and data exports per user,
//! sign-ins per address, and open WebSocket connections.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use chat_protocol::v1::ErrorCode;
use governor::clock::DefaultClock;
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::config::Config;

/// Blocks and unblocks a user may make per minute: each sends every device of theirs
/// their rooms recounted (a read per room), far more than anyone blocks by hand.
pub const BLOCK_CHANGES_PER_MINUTE: u32 = 30;

/// Profile changes (a new name or picture) a user may make per minute: each reaches
/// everyone who shares a room with them, and re-reads the list entry of each of their
/// direct rooms for the other member.
pub const PROFILE_CHANGES_PER_MINUTE: u32 = 30;

/// Reports a user may file per hour: each is stored and posted to the admins' webhook,
/// so a flood of them is a flood of the admins' work; far more than anyone files.
pub const REPORTS_PER_HOUR: u32 = 20;

/// Data exports a user may ask for per hour: each reads every message they ever sent.
pub const EXPORTS_PER_HOUR: u32 = 6;

/// How often the rate limiters forget users and addresses that have been quiet.
const TRIM_EVERY: Duration = Duration::from_secs(10);

/// Rate limiters and the connection cap, as configured.
#[derive(Debug)]
pub struct Limits {
    messages: DefaultKeyedRateLimiter<String>,
    sign_ins: DefaultKeyedRateLimiter<IpAddr>,
    uploads: DefaultKeyedRateLimiter<String>,
    block_changes: DefaultKeyedRateLimiter<String>,
    profile_changes: DefaultKeyedRateLimiter<String>,
    reports: DefaultKeyedRateLimiter<String>,
    exports: DefaultKeyedRateLimiter<String>,
    connection_slots: Arc<Semaphore>,
    /// The clock of every connection's own limiters: making one reads the CPU's
    /// identification (`cpuid`), which in a reconnect storm's profile cost as much as
    /// the rest of setting up the limiters.
    clock: DefaultClock,
}

impl Limits {
    /// The limits `config` sets.
    pub fn new(config: &Config) -> Self {
        let rate = NonZeroU32::new(config.messages_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.message_burst).unwrap_or(rate);
        let attempts = NonZeroU32::new(config.auth_attempts_per_minute).unwrap_or(NonZeroU32::MIN);
        Self {
            messages: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            sign_ins: RateLimiter::keyed(Quota::per_minute(attempts)),
            uploads: RateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(config.attachments.uploads_per_minute).unwrap_or(NonZeroU32::MIN),
            )),
            block_changes: RateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(BLOCK_CHANGES_PER_MINUTE).unwrap_or(NonZeroU32::MIN),
            )),
            profile_changes: RateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(PROFILE_CHANGES_PER_MINUTE).unwrap_or(NonZeroU32::MIN),
            )),
            reports: RateLimiter::keyed(Quota::per_hour(
                NonZeroU32::new(REPORTS_PER_HOUR).unwrap_or(NonZeroU32::MIN),
            )),
            exports: RateLimiter::keyed(Quota::per_hour(
                NonZeroU32::new(EXPORTS_PER_HOUR).unwrap_or(NonZeroU32::MIN),
            )),
            connection_slots: Arc::new(Semaphore::new(config.max_connections)),
            clock: DefaultClock::default(),
        }
    }

    /// Per-user limiter for sends, edits and deletes (WebSocket and REST alike).
    pub fn messages(&self) -> &DefaultKeyedRateLimiter<String> {
        &self.messages
    }

    /// Per-address limiter for registrations and logins (each costs an argon2 hash).
    pub fn sign_ins(&self) -> &DefaultKeyedRateLimiter<IpAddr> {
        &self.sign_ins
    }

    /// Per-user limiter for uploads (`--uploads-per-minute`).
    pub fn uploads(&self) -> &DefaultKeyedRateLimiter<String> {
        &self.uploads
    }

    /// Per-user limiter for blocks and unblocks ([`BLOCK_CHANGES_PER_MINUTE`]).
    pub fn block_changes(&self) -> &DefaultKeyedRateLimiter<String> {
        &self.block_changes
    }

    /// Per-user limiter for profile changes ([`PROFILE_CHANGES_PER_MINUTE`]).
    pub fn profile_changes(&self) -> &DefaultKeyedRateLimiter<String> {
        &self.profile_changes
    }

    /// Per-user limiter for reports ([`REPORTS_PER_HOUR`]).
    pub fn reports(&self) -> &DefaultKeyedRateLimiter<String> {
        &self.reports
    }

    /// Per-user limiter for data exports ([`EXPORTS_PER_HOUR`]).
    pub fn exports(&self) -> &DefaultKeyedRateLimiter<String> {
        &self.exports
    }

    /// A limiter of one connection's own (frames, typing and receipts): `per_second`
    /// sustained, `burst` at once.
    pub fn per_connection(&self, per_second: u32, burst: u32) -> DefaultDirectRateLimiter {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(rate));
        RateLimiter::direct_with_clock(quota, self.clock.clone())
    }

    /// One permit per open WebSocket connection, up to `--max-connections`.
    pub fn connection_slots(&self) -> &Arc<Semaphore> {
        &self.connection_slots
    }
}

/// Takes one from `key`'s budget in `limiter`, or refuses with `rate_limited` and
/// `message`, counted in `chat_rate_limited_total` under `scope`.
///
/// # Errors
///
/// `rate_limited` when the budget is spent.
pub fn take<K: Clone + Hash + Eq>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
    scope: &'static str,
    message: &str,
) -> crate::error::Result<()> {
    limiter.check_key(key).map_err(|_| {
        crate::telemetry::rate_limited(scope);
        crate::error::Error::new(ErrorCode::RateLimited, message)
    })
}

/// Until `shutdown`, makes the rate limiters forget whoever has been quiet long enough
/// to be back at a full budget, so that their memory follows the active users.
pub async fn run_trim(limits: Arc<Limits>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(TRIM_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {
                limits.messages.retain_recent();
                limits.sign_ins.retain_recent();
                limits.uploads.retain_recent();
                limits.block_changes.retain_recent();
                limits.profile_changes.retain_recent();
                limits.reports.retain_recent();
                limits.exports.retain_recent();
            }
        }
    }
}
