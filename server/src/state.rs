//! Shared server state handed to every handler.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::{HashingPool, TokenService};
use crate::bus::Bus;
use crate::config::Config;
use crate::hub::Hub;
use crate::notify::Webhook;
use crate::roster::Roster;
use crate::store::Store;

/// Threads for argon2 hashing (see `auth::hashing` for why it is a fixed pool).
const PASSWORD_HASH_THREADS: usize = 2;

/// Everything handlers share; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    roster: Option<Arc<Roster>>,
    webhook: Option<Arc<Webhook>>,
    hub: Arc<Hub>,
    tokens: TokenService,
    hashing: HashingPool,
    message_limiter: DefaultKeyedRateLimiter<String>,
    auth_limiter: DefaultKeyedRateLimiter<IpAddr>,
    connection_slots: Arc<Semaphore>,
    shutdown: CancellationToken,
    sessions: TaskTracker,
}

impl AppState {
    /// Assembles the state.
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        roster: Option<Arc<Roster>>,
        webhook: Option<Arc<Webhook>>,
        hub: Arc<Hub>,
        tokens: TokenService,
    ) -> Self {
        let rate = NonZeroU32::new(config.messages_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.message_burst).unwrap_or(rate);
        let message_limiter = RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst));
        let attempts = NonZeroU32::new(config.auth_attempts_per_minute).unwrap_or(NonZeroU32::MIN);
        let auth_limiter = RateLimiter::keyed(Quota::per_minute(attempts));
        let connection_slots = Arc::new(Semaphore::new(config.max_connections));
        Self {
            inner: Arc::new(Inner {
                config,
                store,
                bus,
                roster,
                webhook,
                hub,
                tokens,
                hashing: HashingPool::new(PASSWORD_HASH_THREADS),
                message_limiter,
                auth_limiter,
                connection_slots,
                shutdown: CancellationToken::new(),
                sessions: TaskTracker::new(),
            }),
        }
    }

    /// Server configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Durable storage.
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// Event fan-out.
    pub fn bus(&self) -> &dyn Bus {
        self.inner.bus.as_ref()
    }

    /// Who is connected on every process of a cluster (`None` on a single server).
    pub fn roster(&self) -> Option<&Roster> {
        self.inner.roster.as_deref()
    }

    /// The notification webhook, if one is configured.
    pub fn webhook(&self) -> Option<&Arc<Webhook>> {
        self.inner.webhook.as_ref()
    }

    /// This process's connections.
    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    /// JWT minting and verification.
    pub fn tokens(&self) -> &TokenService {
        &self.inner.tokens
    }

    /// Where password hashes are computed.
    pub fn hashing(&self) -> &HashingPool {
        &self.inner.hashing
    }

    /// Per-user limiter for sends, edits and deletes (WebSocket and REST alike).
    pub fn message_limiter(&self) -> &DefaultKeyedRateLimiter<String> {
        &self.inner.message_limiter
    }

    /// Per-address limiter for registrations and logins (each costs an argon2 hash).
    pub fn auth_limiter(&self) -> &DefaultKeyedRateLimiter<IpAddr> {
        &self.inner.auth_limiter
    }

    /// One permit per open WebSocket connection, up to `--max-connections`.
    pub fn connection_slots(&self) -> &Arc<Semaphore> {
        &self.inner.connection_slots
    }

    /// Cancelled when the server starts shutting down.
    pub fn shutdown(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    /// Tracks WebSocket sessions so shutdown can wait for them.
    pub fn sessions(&self) -> &TaskTracker {
        &self.inner.sessions
    }
}
