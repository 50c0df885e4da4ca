//! Shared server state handed to every handler.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::attachments::Attachments;
use crate::auth::{HashingPool, TokenService};
use crate::bus::Bus;
use crate::config::Config;
use crate::hub::Hub;
use crate::limits::Limits;
use crate::notify::{Notifier, Push, Webhook};
use crate::presence::Presence;
use crate::roster::Roster;
use crate::store::Store;
use crate::typing::Typing;

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
    hub: Arc<Hub>,
    presence: Arc<Presence>,
    typing: Arc<Typing>,
    notifier: Arc<Notifier>,
    tokens: TokenService,
    attachments: Arc<Attachments>,
    hashing: HashingPool,
    limits: Arc<Limits>,
    shutdown: CancellationToken,
    connection_tasks: TaskTracker,
}

/// The services [`AppState::new`] is assembled from, made by `app` from the
/// configuration.
#[derive(Debug)]
pub struct Services {
    /// Durable storage.
    pub store: Arc<dyn Store>,
    /// Event fan-out.
    pub bus: Arc<dyn Bus>,
    /// Connections across a cluster (`None` on a single server).
    pub roster: Option<Arc<Roster>>,
    /// The offline-notification webhook, if configured.
    pub webhook: Option<Arc<Webhook>>,
    /// The push services, if any is configured.
    pub push: Option<Arc<Push>>,
    /// This process's connections.
    pub hub: Arc<Hub>,
    /// JWT minting and verification.
    pub tokens: TokenService,
    /// Uploads, downloads and their storage.
    pub attachments: Arc<Attachments>,
}

impl AppState {
    /// Assembles the state; presence, typing, notifications and the limits are made
    /// here from the services and the configuration.
    pub fn new(config: Config, services: Services) -> Self {
        let Services {
            store,
            bus,
            roster,
            webhook,
            push,
            hub,
            tokens,
            attachments,
        } = services;
        let typing = Arc::new(Typing::new(
            Arc::clone(&bus),
            roster.clone(),
            Arc::clone(&store),
            config.typing_ttl,
        ));
        let limits = Arc::new(Limits::new(&config));
        let presence = Arc::new(Presence::new(
            Arc::clone(&store),
            Arc::clone(&bus),
            Arc::clone(&hub),
            roster.clone(),
        ));
        let notifier = Arc::new(Notifier::new(
            webhook,
            push,
            config.kafka_brokers.is_some(),
            config.notify_include_content,
            Arc::clone(&store),
            Arc::clone(&presence),
        ));
        Self {
            inner: Arc::new(Inner {
                config,
                store,
                bus,
                roster,
                hub,
                presence,
                typing,
                notifier,
                tokens,
                attachments,
                hashing: HashingPool::new(PASSWORD_HASH_THREADS),
                limits,
                shutdown: CancellationToken::new(),
                connection_tasks: TaskTracker::new(),
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

    /// Offline notifications.
    pub fn notifier(&self) -> &Arc<Notifier> {
        &self.inner.notifier
    }

    /// This process's connections.
    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    /// Who is online.
    pub fn presence(&self) -> &Arc<Presence> {
        &self.inner.presence
    }

    /// Typing indicators.
    pub fn typing(&self) -> &Arc<Typing> {
        &self.inner.typing
    }

    /// JWT minting and verification.
    pub fn tokens(&self) -> &TokenService {
        &self.inner.tokens
    }

    /// Uploads, downloads and their storage.
    pub fn attachments(&self) -> &Arc<Attachments> {
        &self.inner.attachments
    }

    /// Where password hashes are computed.
    pub fn hashing(&self) -> &HashingPool {
        &self.inner.hashing
    }

    /// Rate limits and the connection cap.
    pub fn limits(&self) -> &Arc<Limits> {
        &self.inner.limits
    }

    /// Cancelled when the server starts shutting down.
    pub fn shutdown(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    /// Tracks the WebSocket connection tasks so that shutdown can wait for them.
    pub fn connection_tasks(&self) -> &TaskTracker {
        &self.inner.connection_tasks
    }
}
