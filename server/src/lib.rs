//! `chat-server`: WebSocket + REST chat with durable, ordered, exactly-once delivery.
//!
//! The binary only parses configuration and sets up logging; everything else is here,
//! behind [`run`], so that tests drive the same code on a port of their own.

pub mod access;
pub mod auth;
pub mod bus;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
pub mod http;
pub mod hub;
pub mod messaging;
pub mod notify;
pub mod presence;
pub mod roster;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod typing;
pub mod validate;
mod ws;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

pub use config::Config;

use auth::{TokenService, load_or_create_secret};
use bus::{Bus, LocalBus, RedisBus};
use config::JwtAlgorithm;
use hub::Hub;
use roster::Roster;
use state::AppState;
use store::{EventOutbox, OnCommit, PostgresStore, SqliteStore, Store, Write, WriteOutcome};
use tokio_util::sync::CancellationToken;

/// Opens the store named by the configuration.
async fn open_store(config: &Config, bus: Arc<dyn Bus>) -> anyhow::Result<Arc<dyn Store>> {
    let url = &config.database_url;
    let outbox = EventOutbox {
        enabled: config.kafka_brokers.is_some(),
        include_content: config.events_include_content,
    };
    // Live events leave from the writer, in commit order.
    let on_commit: OnCommit = Arc::new(move |write: &Write, outcome: &WriteOutcome| {
        messaging::publish_committed(bus.as_ref(), write, outcome);
    });
    // The URL may carry a password: errors name only the kind of database.
    if url.starts_with("sqlite:") {
        let store = SqliteStore::open(url, config.commit_batch, outbox, on_commit)
            .await
            .with_context(|| format!("opening {url}"))?;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PostgresStore::open(url, config.commit_batch, outbox, on_commit)
            .await
            .context("opening the PostgreSQL database")?;
        Ok(Arc::new(store))
    } else {
        anyhow::bail!(
            "unsupported --database-url: use sqlite://PATH or postgres://USER:PASSWORD@HOST/DATABASE"
        )
    }
}

/// Builds the token service: a configured or generated HS256 secret, or a public key.
fn token_service(config: &Config) -> anyhow::Result<TokenService> {
    let secret = match (config.jwt_algorithm, &config.jwt_secret) {
        (JwtAlgorithm::Hs256, Some(secret)) => {
            anyhow::ensure!(secret.len() >= 32, "--jwt-secret must be at least 32 bytes");
            Some(secret.as_bytes().to_vec())
        }
        (JwtAlgorithm::Hs256, None) => Some(
            load_or_create_secret(&config.data_dir)
                .with_context(|| format!("JWT secret in {}", config.data_dir.display()))?,
        ),
        _ => None,
    };
    TokenService::from_config(config, secret.as_deref())
}

/// Serves chat on `listener` until `shutdown` completes, then shuts down gracefully:
/// stops accepting, tells every client `server_shutdown`, closes them with 1012,
/// and lets in-flight commits finish.
///
/// # Errors
///
/// When the store or the token configuration cannot be set up, or serving fails.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    config.validate().map_err(anyhow::Error::msg)?;
    // The webhook client's TLS; if the embedding program chose a provider, it stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let metrics = telemetry::install();
    let tokens = token_service(&config)?;
    let hub = Arc::new(Hub::new());
    // The bus outlives the sessions: it stops after they have closed.
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
            Roster::new(url, &config.redis_prefix, config.presence_ttl).context("--redis-url")?,
        )),
        None => None,
    };
    let grace = config.shutdown_grace;
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
    let state = AppState::new(
        config,
        Arc::clone(&store),
        bus,
        roster.clone(),
        webhook,
        hub,
        tokens,
    );
    let roster_task =
        roster.map(|roster| tokio::spawn(roster::run_maintenance(state.clone(), roster)));

    let sweeper = tokio::spawn(typing::run_sweeper(state.clone()));
    let upkeep = tokio::spawn(telemetry::run_upkeep(metrics, state.shutdown().clone()));
    let relay = match &state.config().kafka_brokers {
        Some(brokers) => {
            let relay = events::KafkaRelay::new(brokers, &state.config().kafka_topic)
                .context("--kafka-brokers")?;
            Some(tokio::spawn(events::run_relay(state.clone(), relay)))
        }
        None => None,
    };
    let app = http::router(state.clone());
    tracing::info!(address = %listener.local_addr()?, "chat-server listening");
    let serving = tokio::spawn(http::serve(
        listener,
        app,
        state.config().http_header_timeout,
        state.shutdown().clone(),
    ));
    shutdown.await;
    tracing::info!("shutting down");
    state.shutdown().cancel();
    // Graceful HTTP shutdown waits for requests in flight; bound that by the grace period.
    if tokio::time::timeout(grace, serving).await.is_err() {
        tracing::warn!("HTTP requests still running after the grace period");
    }
    // WebSocket sessions outlive their HTTP request; wait for them separately.
    state.sessions().close();
    if tokio::time::timeout(grace, state.sessions().wait())
        .await
        .is_err()
    {
        tracing::warn!(
            open = state.hub().connection_count(),
            "sessions still open after the grace period"
        );
    }
    let _ = sweeper.await;
    let _ = upkeep.await;
    if let Some(relay) = relay {
        let _ = relay.await;
    }
    if let Some(task) = roster_task {
        let _ = task.await;
    }
    bus_shutdown.cancel();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
