//! A started server: the store, the bus, the background tasks and the router, ready to
//! serve connections, whether they come from a TCP listener ([`crate::run`]) or from any
//! byte stream (the fuzz targets drive sessions through in-memory pipes).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::attachments::{Attachments, LinkSigner};
use crate::auth::{TokenService, load_or_create_secret};
use crate::bus::{Bus, LocalBus, RedisBus};
use crate::config::{Config, JwtAlgorithm};
use crate::hub::Hub;
use crate::roster::Roster;
use crate::state::{AppState, Services};
use crate::store::{
    EventOutbox, GroupCommit, NewEvent, OnCommit, PostgresStore, SqliteStore, Store,
};
use crate::{
    attachments, auth, events, http, limits, messaging, notify, presence, room_feed, telemetry,
    typing,
};

/// Opens the store named by the configuration.
async fn open_store(config: &Config, bus: Arc<dyn Bus>) -> anyhow::Result<Arc<dyn Store>> {
    let url = &config.database_url;
    let outbox = EventOutbox {
        enabled: config.kafka_brokers.is_some(),
        include_content: config.events_include_content,
    };
    // Live events leave from the writer, in commit order.
    let on_commit: OnCommit = Arc::new(move |event: NewEvent<'_>| {
        messaging::publish_committed(bus.as_ref(), event);
    });
    let commit = GroupCommit {
        max_batch: config.commit_batch,
        min_interval: config.commit_interval,
        search_index_interval: GroupCommit::SEARCH_INDEX_INTERVAL,
    };
    // The URL may carry a password: errors name only the kind of database.
    if url.starts_with("sqlite:") {
        let store = SqliteStore::open(url, commit, outbox, on_commit)
            .await
            .with_context(|| format!("opening {url}"))?;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PostgresStore::open(url, commit, outbox, on_commit)
            .await
            .context("opening the PostgreSQL database")?;
        Ok(Arc::new(store))
    } else {
        anyhow::bail!(
            "unsupported --database-url: use sqlite://PATH or postgres://USER:PASSWORD@HOST/DATABASE"
        )
    }
}

/// The HS256 secret: configured, or generated once and kept in the data directory;
/// `None` when tokens are checked with a public key.
fn hs256_secret(config: &Config) -> anyhow::Result<Option<Vec<u8>>> {
    Ok(match (config.jwt_algorithm, &config.jwt_secret) {
        (JwtAlgorithm::Hs256, Some(secret)) => {
            anyhow::ensure!(secret.len() >= 32, "--jwt-secret must be at least 32 bytes");
            Some(secret.as_bytes().to_vec())
        }
        (JwtAlgorithm::Hs256, None) => Some(
            load_or_create_secret(&config.data_dir)
                .with_context(|| format!("JWT secret in {}", config.data_dir.display()))?,
        ),
        _ => None,
    })
}

/// The key of signed attachment links: configured, or derived from the HS256 secret
/// (so that the processes of a cluster, which share it, share this too), or from a
/// secret generated once in the data directory.
fn link_signer(config: &Config, hs256: Option<&[u8]>) -> anyhow::Result<LinkSigner> {
    if let Some(secret) = &config.attachments.link_signing_secret {
        return Ok(LinkSigner::new(secret.as_bytes().to_vec()));
    }
    match hs256 {
        Some(secret) => Ok(LinkSigner::derived_from(secret)),
        None => {
            let secret = load_or_create_secret(&config.data_dir)
                .with_context(|| format!("link secret in {}", config.data_dir.display()))?;
            Ok(LinkSigner::derived_from(&secret))
        }
    }
}

/// Everything [`crate::run`] serves, with the tasks that keep it running.
#[derive(Debug)]
pub struct App {
    state: AppState,
    router: Router,
    store: Arc<dyn Store>,
    /// The typing sweeper, rate-limit trim, metrics upkeep, refresh-token purge, Kafka
    /// relay and cluster presence upkeep: they end when `state.shutdown()` is cancelled.
    background: Vec<JoinHandle<()>>,
    /// Stops the bus and the webhook after the sessions have closed.
    bus_shutdown: CancellationToken,
}

impl App {
    /// Validates the configuration, opens the store and the bus, and starts the
    /// background tasks.
    ///
    /// # Errors
    ///
    /// When the configuration is invalid or the store, Redis, Kafka or the token keys
    /// cannot be set up.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        config.validate().map_err(anyhow::Error::msg)?;
        // The webhook client's TLS; if the embedding program chose a provider, it stays.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let metrics = telemetry::install();
        let hs256 = hs256_secret(&config)?;
        let tokens = TokenService::from_config(&config, hs256.as_deref())?;
        let attachments = Arc::new(
            Attachments::open(
                config.attachments.clone(),
                &config.data_dir,
                link_signer(&config, hs256.as_deref())?,
            )
            .context("attachment storage")?,
        );
        let hub = Arc::new(Hub::new());
        // The bus outlives the connections: it stops after they have closed.
        let bus_shutdown = CancellationToken::new();
        let bus: Arc<dyn Bus> = match &config.redis_url {
            Some(url) => Arc::new(
                RedisBus::start(
                    url,
                    format!("{}:events", config.redis_prefix),
                    Arc::clone(&hub),
                    bus_shutdown.clone(),
                )
                .context("--redis-url")?,
            ),
            None => Arc::new(LocalBus::new(Arc::clone(&hub))),
        };
        let store = open_store(&config, Arc::clone(&bus)).await?;
        let roster = match &config.redis_url {
            Some(url) => Some(Arc::new(
                Roster::new(url, &config.redis_prefix, config.presence_ttl)
                    .context("--redis-url")?,
            )),
            None => None,
        };
        let webhook = config.notify_webhook_url.as_ref().map(|url| {
            Arc::new(notify::Webhook::start(
                notify::WebhookConfig {
                    url: url.clone(),
                    secret: config.notify_webhook_secret.clone().unwrap_or_default(),
                    attempts: config.notify_attempts,
                    first_retry: config.notify_retry,
                },
                bus_shutdown.clone(),
            ))
        });
        let push = notify::Push::start(&config.push, Arc::clone(&store), &bus_shutdown)?;
        let state = AppState::new(
            config,
            Services {
                store: Arc::clone(&store),
                bus,
                roster: roster.clone(),
                webhook,
                push,
                hub,
                tokens,
                attachments: Arc::clone(&attachments),
            },
        );
        let roster_task = roster.map(|roster| {
            tokio::spawn(presence::run_cluster_upkeep(
                Arc::clone(state.presence()),
                roster,
                state.shutdown().clone(),
            ))
        });

        let relay = match &state.config().kafka_brokers {
            Some(brokers) => {
                let relay = events::KafkaRelay::new(brokers, &state.config().kafka_topic)
                    .context("--kafka-brokers")?;
                Some(tokio::spawn(events::run_relay(
                    Arc::clone(&store),
                    relay,
                    state.shutdown().clone(),
                )))
            }
            None => None,
        };
        let room_feed = state.hub().take_load_requests().map(|requests| {
            tokio::spawn(room_feed::run(
                state.clone(),
                requests,
                state.shutdown().clone(),
            ))
        });
        let mut background = vec![
            tokio::spawn(typing::run_sweeper(
                Arc::clone(state.typing()),
                state.shutdown().clone(),
            )),
            tokio::spawn(limits::run_trim(
                Arc::clone(state.limits()),
                state.shutdown().clone(),
            )),
            tokio::spawn(telemetry::run_upkeep(metrics, state.shutdown().clone())),
            tokio::spawn(auth::refresh_purge::run_purge(
                Arc::clone(&store),
                state.config().refresh_token_ttl,
                state.shutdown().clone(),
            )),
            tokio::spawn(attachments::janitor::run(
                Arc::clone(&store),
                attachments,
                state.shutdown().clone(),
            )),
        ];
        background.extend(relay);
        background.extend(room_feed);
        background.extend(roster_task);
        Ok(Self {
            router: http::router(state.clone()),
            state,
            store,
            background,
            bus_shutdown,
        })
    }

    /// The routes, for requests that do not come from a connection (`oneshot`).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Accepts connections on `listener` until [`App::stop`] begins; the future ends
    /// once the requests in flight have finished. It owns the listener: dropping it
    /// (an aborted server task, say) stops accepting at once.
    pub fn serve(&self, listener: TcpListener) -> impl Future<Output = ()> + Send + 'static {
        let config = self.state.config();
        http::serve(
            listener,
            self.router.clone(),
            http::Deadlines {
                header: config.http_header_timeout,
                write: config.http_write_timeout,
            },
            self.state.shutdown().clone(),
        )
    }

    /// Serves one HTTP connection (and the WebSocket it may upgrade to) over `io`, as
    /// if `peer` had connected. Ends when the connection does.
    pub async fn serve_connection<I>(&self, io: I, peer: SocketAddr)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        http::serve_connection(
            io,
            peer,
            self.router.clone(),
            self.state.config().http_header_timeout,
            self.state.shutdown().clone().cancelled_owned(),
        )
        .await;
    }

    /// Shuts down gracefully: stops accepting (`serving` is what [`App::serve`]
    /// returned, still running), tells every client `server_shutdown`, closes them with
    /// 1012, lets in-flight commits finish, and sends the offline notifications they
    /// made. Each wait is bounded by `--shutdown-grace`.
    pub async fn stop(self, serving: impl Future<Output = ()>) {
        let grace = self.state.config().shutdown_grace;
        tracing::info!("shutting down");
        self.state.shutdown().cancel();
        // Graceful HTTP shutdown waits for requests in flight.
        if tokio::time::timeout(grace, serving).await.is_err() {
            tracing::warn!("HTTP requests still running after the grace period");
        }
        // WebSocket sessions outlive their HTTP request; wait for them separately.
        self.state.connection_tasks().close();
        if tokio::time::timeout(grace, self.state.connection_tasks().wait())
            .await
            .is_err()
        {
            tracing::warn!(
                open = self.state.hub().connection_count(),
                "sessions still open after the grace period"
            );
        }
        // One deadline for all of them; what is still running then is stopped.
        let deadline = tokio::time::Instant::now() + grace;
        for mut task in self.background {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                task.abort();
            }
        }
        // No commit is left to make: what was accepted for offline recipients is sent
        // before the senders stop (a deployment's restart loses no push it could send).
        self.state.notifier().settle(deadline).await;
        self.bus_shutdown.cancel();
        self.store.close().await;
        tracing::info!("stopped");
    }
}
