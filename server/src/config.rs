//! Server configuration: every knob, from flags or environment, with defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// How the server checks (and whether it can mint) JWT access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with a shared secret: the server mints its own tokens.
    Hs256,
    /// RSA-SHA256: tokens come from an external auth service; the server only verifies.
    Rs256,
    /// Ed25519: tokens come from an external auth service; the server only verifies.
    EdDsa,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Every setting of `chat-server`. Flags win over environment variables.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "chat-server",
    version,
    about = "Real-time chat server: WebSocket + REST on one port"
)]
pub struct Config {
    /// Address to listen on (use 0.0.0.0:8080 to accept remote clients).
    #[arg(long, env = "CHAT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Connections the kernel may hold completed but not yet accepted. When every
    /// client reconnects at once (a restart, a network blip), a short queue drops their
    /// handshakes and each waits for a SYN retransmission (1 s, then 3 s, 7 s...); the
    /// kernel caps it at `net.core.somaxconn` (4,096 on current Linux).
    #[arg(long, env = "CHAT_LISTEN_BACKLOG", default_value_t = 4096)]
    pub listen_backlog: u32,

    /// Database URL. `sqlite://path` (created if missing) is the embedded default.
    #[arg(long, env = "CHAT_DATABASE_URL", default_value = "sqlite://chat.db")]
    pub database_url: String,

    /// Redis for running several processes together (`redis://host:6379`): room events,
    /// typing and presence reach every process's connections. Use it with a PostgreSQL
    /// `--database-url` shared by all processes, and the same JWT secret or key.
    #[arg(long, env = "CHAT_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// The prefix of every Redis key and channel of one deployment (several
    /// deployments can share a Redis with different prefixes).
    #[arg(long, env = "CHAT_REDIS_PREFIX", default_value = "chat")]
    pub redis_prefix: String,

    /// With Redis: how long a process's connections count as online without a refresh,
    /// so that the users of a process that died go offline within this time.
    #[arg(long, env = "CHAT_PRESENCE_TTL", default_value = "30s", value_parser = humantime::parse_duration)]
    pub presence_ttl: Duration,

    /// Directory for server state such as the generated JWT secret (created if missing).
    #[arg(long, env = "CHAT_DATA_DIR", default_value = "chat-data")]
    pub data_dir: PathBuf,

    /// JWT algorithm. hs256 lets the server mint tokens; rs256 and ed-dsa only verify
    /// tokens issued by an external auth service (needs --jwt-public-key-file).
    #[arg(long, env = "CHAT_JWT_ALGORITHM", value_enum, default_value = "hs256")]
    pub jwt_algorithm: JwtAlgorithm,

    /// HS256 secret shared with an existing auth service. When unset, a random secret is
    /// generated on first run and kept in <data-dir>/jwt-secret.
    #[arg(long, env = "CHAT_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// PEM public key that verifies RS256 / EdDSA tokens from an external auth service.
    #[arg(long, env = "CHAT_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,

    /// Required `iss` claim, if set.
    #[arg(long, env = "CHAT_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// Required `aud` claim, if set.
    #[arg(long, env = "CHAT_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,

    /// Users (by username) who are server admins: they read reports and deactivate
    /// accounts (`/v1/admin`). Repeatable.
    #[arg(long = "admin-user", env = "CHAT_ADMIN_USERS", value_delimiter = ',')]
    pub admin_users: Vec<String>,

    /// A token claim that makes its user a server admin when it is `true` (for the
    /// users of an external auth service).
    #[arg(long, env = "CHAT_ADMIN_CLAIM", default_value = "chat_admin")]
    pub admin_claim: String,

    /// Lifetime of the tokens the server mints.
    #[arg(long, env = "CHAT_TOKEN_TTL", default_value = "24h", value_parser = humantime::parse_duration)]
    pub token_ttl: Duration,

    /// Lifetime of a refresh token (each refresh issues the next one with this
    /// lifetime, so a user who opens the app within it stays signed in).
    #[arg(long, env = "CHAT_REFRESH_TOKEN_TTL", default_value = "30d", value_parser = humantime::parse_duration)]
    pub refresh_token_ttl: Duration,

    /// Time a new WebSocket has to send its `authenticate` frame.
    #[arg(long, env = "CHAT_AUTH_TIMEOUT", default_value = "5s", value_parser = humantime::parse_duration)]
    pub auth_timeout: Duration,

    /// Largest WebSocket frame / message accepted, in bytes (bigger: close 1009).
    #[arg(long, env = "CHAT_MAX_FRAME_BYTES", default_value_t = 64 * 1024)]
    pub max_frame_bytes: usize,

    /// Largest message content, in characters (bigger: error too_large).
    #[arg(long, env = "CHAT_MAX_CONTENT_CHARS", default_value_t = 4000)]
    pub max_content_chars: usize,

    /// Largest REST request body, in bytes.
    #[arg(long, env = "CHAT_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,

    /// Time an HTTP client has to send a request's headers, from the moment it connects
    /// or from the end of the previous response on a keep-alive connection. A connection
    /// that sends nothing, sends its request too slowly, or idles is closed.
    #[arg(long, env = "CHAT_HTTP_HEADER_TIMEOUT", default_value = "15s", value_parser = humantime::parse_duration)]
    pub http_header_timeout: Duration,

    /// Longest pause while a request body arrives (the request then fails with
    /// `invalid_request` and the connection closes). A slow upload that keeps sending is
    /// never cut off.
    #[arg(long, env = "CHAT_HTTP_BODY_TIMEOUT", default_value = "15s", value_parser = humantime::parse_duration)]
    pub http_body_timeout: Duration,

    /// Longest time a write to a client may make no progress: a client that stops
    /// reading (a large response, or a WebSocket whose socket buffer is full) is
    /// disconnected after it, instead of holding the connection forever.
    #[arg(long, env = "CHAT_HTTP_WRITE_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration)]
    pub http_write_timeout: Duration,

    /// Concurrent WebSocket connections in all (more are refused with HTTP 503).
    #[arg(long, env = "CHAT_MAX_CONNECTIONS", default_value_t = 100_000)]
    pub max_connections: usize,

    /// Registrations and login attempts per minute from one client address.
    #[arg(long, env = "CHAT_AUTH_ATTEMPTS_PER_MINUTE", default_value_t = 30)]
    pub auth_attempts_per_minute: u32,

    /// Reverse proxies (addresses or networks, comma-separated: `127.0.0.1,10.0.0.0/8`)
    /// whose `X-Forwarded-For` names the client, for per-address limits. None by
    /// default: the client is the TCP peer.
    #[arg(long = "trusted-proxies", env = "CHAT_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::client_addr::parse_trusted_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Concurrent WebSocket connections one user may hold (the next one is closed with 4009).
    #[arg(long, env = "CHAT_MAX_CONNECTIONS_PER_USER", default_value_t = 5)]
    pub max_connections_per_user: usize,

    /// Sustained messages (sends, edits, deletes) per second per user.
    #[arg(long, env = "CHAT_MESSAGES_PER_SECOND", default_value_t = 10)]
    pub messages_per_second: u32,

    /// Burst of messages allowed above the sustained rate.
    #[arg(long, env = "CHAT_MESSAGE_BURST", default_value_t = 20)]
    pub message_burst: u32,

    /// Consecutive rate-limited messages after which the connection is closed with 4008.
    #[arg(long, env = "CHAT_RATE_LIMIT_STRIKES", default_value_t = 50)]
    pub rate_limit_strikes: u32,

    /// Sustained frames of any kind per second per connection (exceeding it closes with 4008).
    #[arg(long, env = "CHAT_FRAMES_PER_SECOND", default_value_t = 100)]
    pub frames_per_second: u32,

    /// Burst of frames allowed above the sustained frame rate.
    #[arg(long, env = "CHAT_FRAME_BURST", default_value_t = 200)]
    pub frame_burst: u32,

    /// Frames queued for one connection before it counts as a slow consumer (close 4011).
    #[arg(long, env = "CHAT_OUTBOUND_QUEUE", default_value_t = 256)]
    pub outbound_queue: usize,

    /// Deprecated, without effect: accepted so that existing deployments still start.
    /// Frames are no longer queued between two tasks; each connection writes its own
    /// socket, so what it holds for a peer that does not read is its socket's write
    /// buffer and at most one frame (docs/architecture.md, "Exactly-once, in-order
    /// delivery per connection").
    #[arg(long, env = "CHAT_OUTBOUND_QUEUE_BYTES", default_value_t = 1024 * 1024)]
    pub outbound_queue_bytes: usize,

    /// A typing indicator not refreshed within this time is cleared for the room.
    #[arg(long, env = "CHAT_TYPING_TTL", default_value = "5s", value_parser = humantime::parse_duration)]
    pub typing_ttl: Duration,

    /// Interval of server WebSocket pings (also announced to clients).
    #[arg(long, env = "CHAT_HEARTBEAT_INTERVAL", default_value = "20s", value_parser = humantime::parse_duration)]
    pub heartbeat_interval: Duration,

    /// A connection silent for this long (not even a pong) is closed with 4008.
    #[arg(long, env = "CHAT_IDLE_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration)]
    pub idle_timeout: Duration,

    /// Events fetched per store query while replaying a room to a resuming client.
    #[arg(long, env = "CHAT_REPLAY_PAGE", default_value_t = 200)]
    pub replay_page: u32,

    /// Most write requests committed in one store transaction (group commit). Under
    /// sustained load, larger batches share each sync among more messages: with 1,024,
    /// SQLite's durable sends at 12,000/s had a third of the ack p99 they had with 256
    /// (median of five rounds, docs/benchmarks.md).
    #[arg(long, env = "CHAT_COMMIT_BATCH", default_value_t = 1024)]
    pub commit_batch: usize,

    /// Under sustained load, the least time from one commit's start to the next: the
    /// writes that arrive meanwhile share one transaction and one fsync, for less CPU
    /// per message at the cost of up to this much latency (docs/operations.md). A write
    /// after a quiet spell is committed at once; 0 commits as soon as the writer is free.
    #[arg(long, env = "CHAT_COMMIT_INTERVAL", default_value = "0s", value_parser = humantime::parse_duration)]
    pub commit_interval: Duration,

    /// How long shutdown waits for connections to close, commits to finish and the
    /// offline notifications they made to be sent.
    #[arg(long, env = "CHAT_SHUTDOWN_GRACE", default_value = "10s", value_parser = humantime::parse_duration)]
    pub shutdown_grace: Duration,

    /// Delay clients are told to wait before reconnecting after a shutdown.
    #[arg(long, env = "CHAT_RECONNECT_AFTER", default_value = "1s", value_parser = humantime::parse_duration)]
    pub reconnect_after: Duration,

    /// Browser origins (e.g. `https://app.example.com`) whose pages may call the REST
    /// API; `*` allows any. Without it only same-origin pages can (the WebSocket needs
    /// no CORS: it authenticates with a token).
    #[arg(long = "cors-origin", env = "CHAT_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Serve the static files of this directory (the web-wasm chat page) at `/`, so
    /// that one process serves the page and the API on the same origin.
    #[arg(long, env = "CHAT_WEB_ROOT")]
    pub web_root: Option<PathBuf>,

    /// Kafka bootstrap servers (`host:9092,host:9092`): publish every room event to the
    /// event stream, through a transactional outbox so that none is lost.
    #[arg(long, env = "CHAT_KAFKA_BROKERS")]
    pub kafka_brokers: Option<String>,

    /// The Kafka topic of the event stream (keyed by room id).
    #[arg(long, env = "CHAT_KAFKA_TOPIC", default_value = "chat-events")]
    pub kafka_topic: String,

    /// Put message text into the event stream's events (off: ids and metadata only).
    #[arg(long, env = "CHAT_EVENTS_INCLUDE_CONTENT")]
    pub events_include_content: bool,

    /// POST a notification for the offline recipients of every message to this URL (a
    /// push service's gateway). Needs --notify-webhook-secret.
    #[arg(long, env = "CHAT_NOTIFY_WEBHOOK_URL")]
    pub notify_webhook_url: Option<String>,

    /// The HMAC-SHA256 key that signs each webhook request (`X-Chat-Signature`).
    #[arg(long, env = "CHAT_NOTIFY_WEBHOOK_SECRET", hide_env_values = true)]
    pub notify_webhook_secret: Option<String>,

    /// Put the message text into notifications (off: who wrote in which room only).
    #[arg(long, env = "CHAT_NOTIFY_INCLUDE_CONTENT")]
    pub notify_include_content: bool,

    /// Attempts per webhook notification, the first included.
    #[arg(long, env = "CHAT_NOTIFY_ATTEMPTS", default_value_t = 8)]
    pub notify_attempts: u32,

    /// Wait before the first webhook retry; it doubles each time, up to 30 s.
    #[arg(long, env = "CHAT_NOTIFY_RETRY", default_value = "1s", value_parser = humantime::parse_duration)]
    pub notify_retry: Duration,

    /// Log format; the level comes from RUST_LOG (default `info`).
    #[arg(long, env = "CHAT_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Attachments: storage, limits and links.
    #[command(flatten)]
    pub attachments: crate::attachments::AttachmentOptions,

    /// Push services: APNs, FCM, Web Push.
    #[command(flatten)]
    pub push: crate::notify::PushOptions,
}

impl Config {
    /// Checks values that clap cannot: durations and sizes that must not be zero.
    ///
    /// # Errors
    ///
    /// A message naming the offending option.
    pub fn validate(&self) -> Result<(), String> {
        let positive_durations = [
            ("--auth-timeout", self.auth_timeout),
            ("--heartbeat-interval", self.heartbeat_interval),
            ("--idle-timeout", self.idle_timeout),
            ("--typing-ttl", self.typing_ttl),
            ("--token-ttl", self.token_ttl),
            ("--refresh-token-ttl", self.refresh_token_ttl),
            ("--presence-ttl", self.presence_ttl),
            ("--http-header-timeout", self.http_header_timeout),
            ("--http-body-timeout", self.http_body_timeout),
            ("--http-write-timeout", self.http_write_timeout),
        ];
        for (flag, value) in positive_durations {
            if value.is_zero() {
                return Err(format!("{flag} must be greater than zero"));
            }
        }
        let positive_counts = [
            ("--max-frame-bytes", self.max_frame_bytes),
            ("--max-content-chars", self.max_content_chars),
            ("--max-body-bytes", self.max_body_bytes),
            ("--max-connections", self.max_connections),
            ("--max-connections-per-user", self.max_connections_per_user),
            ("--outbound-queue", self.outbound_queue),
            ("--commit-batch", self.commit_batch),
            (
                "--listen-backlog",
                usize::try_from(self.listen_backlog).unwrap_or(usize::MAX),
            ),
        ];
        for (flag, value) in positive_counts {
            if value == 0 {
                return Err(format!("{flag} must be greater than zero"));
            }
        }
        if self.idle_timeout < self.heartbeat_interval {
            return Err("--idle-timeout must be at least --heartbeat-interval".into());
        }
        // Every write under load may wait this long for its commit.
        if self.commit_interval > Duration::from_secs(1) {
            return Err("--commit-interval must be at most 1s".into());
        }
        for origin in &self.cors_origins {
            if origin != "*" && axum::http::HeaderValue::from_str(origin).is_err() {
                return Err(format!("--cors-origin {origin:?} is not a valid origin"));
            }
        }
        if self.notify_webhook_url.is_some()
            && self
                .notify_webhook_secret
                .as_deref()
                .is_none_or(|s| s.len() < 16)
        {
            return Err(
                "--notify-webhook-url needs --notify-webhook-secret (16 characters or more)".into(),
            );
        }
        self.attachments.validate()?;
        self.push.validate()?;
        if let Some(root) = &self.web_root
            && !root.is_dir()
        {
            return Err(format!("--web-root {} is not a directory", root.display()));
        }
        Ok(())
    }

    /// The defaults, as if no flag or variable was given, with the database and data
    /// directory placed under `dir`. Used by tests and embedders.
    pub fn for_data_dir(dir: &std::path::Path) -> Self {
        let mut config = Self::parse_from(["chat-server"]);
        config.database_url = format!("sqlite://{}", dir.join("chat.db").display());
        config.data_dir = dir.to_path_buf();
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sets one setting of a configuration to zero.
    type Zero = fn(&mut Config);

    #[test]
    fn zero_counts_are_refused_naming_their_flag() {
        let dir = tempfile::tempdir().expect("temp dir");
        let defaults = Config::for_data_dir(dir.path());
        assert_eq!(defaults.validate(), Ok(()));
        assert_eq!(defaults.listen_backlog, 4096);
        let zeroed: [(&str, Zero); 3] = [
            ("--listen-backlog", |c| c.listen_backlog = 0),
            ("--commit-batch", |c| c.commit_batch = 0),
            ("--outbound-queue", |c| c.outbound_queue = 0),
        ];
        for (flag, zero) in zeroed {
            let mut config = defaults.clone();
            zero(&mut config);
            assert_eq!(
                config.validate(),
                Err(format!("{flag} must be greater than zero"))
            );
        }
    }

    #[test]
    fn a_commit_interval_of_more_than_a_second_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_data_dir(dir.path());
        assert_eq!(config.commit_interval, Duration::ZERO, "off by default");
        config.commit_interval = Duration::from_secs(1);
        assert_eq!(config.validate(), Ok(()));
        config.commit_interval = Duration::from_millis(1001);
        assert_eq!(
            config.validate(),
            Err("--commit-interval must be at most 1s".into())
        );
        let parsed = Config::parse_from(["chat-server", "--commit-interval", "3ms"]);
        assert_eq!(parsed.commit_interval, Duration::from_millis(3));
    }

    #[test]
    fn trusted_proxies_are_a_comma_separated_list_and_a_bad_entry_is_refused() {
        let none = Config::parse_from(["chat-server"]);
        assert!(
            none.trusted_proxies.is_empty(),
            "nobody is trusted by default"
        );
        let parsed =
            Config::parse_from(["chat-server", "--trusted-proxies", "127.0.0.1,10.0.0.0/8"]);
        let shown: Vec<String> = parsed
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["127.0.0.1/32", "10.0.0.0/8"]);
        let refused = Config::try_parse_from(["chat-server", "--trusted-proxies", "lb.internal"])
            .expect_err("a host name is not a network");
        assert!(refused.to_string().contains("lb.internal"), "{refused}");
    }
}
