//! Prometheus metrics: every name, label and help text in one place, recorded through the
//! `metrics` facade and rendered by its Prometheus exporter at `GET /metrics`.
//! docs/operations.md describes each one and the alerts worth having.
//!
//! The recorder is process-wide (the `metrics` facade has one global recorder), so
//! several servers in one process (tests that restart a server) share the counters.

use foldhash::{HashMap, HashMapExt as _};
use std::sync::{LazyLock, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use metrics::{
    Counter, Histogram, counter, describe_counter, describe_gauge, describe_histogram, gauge,
    histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

const CONNECTIONS: &str = "chat_websocket_connections";
const USERS: &str = "chat_authenticated_users";
const FRAMES_RECEIVED: &str = "chat_frames_received_total";
const FRAMES_SENT: &str = "chat_frames_sent_total";
const COMMITTED: &str = "chat_room_events_committed_total";
const ACKS: &str = "chat_message_acks_total";
const FANOUT: &str = "chat_fanout_deliveries_total";
const SEND_TO_FANOUT: &str = "chat_send_to_fanout_seconds";
const BATCH_SIZE: &str = "chat_store_commit_batch_size";
const MEMBERSHIP_BATCH_SIZE: &str = "chat_store_membership_batch_size";
const SIGN_UP_BATCH_SIZE: &str = "chat_store_sign_up_batch_size";
const COMMIT_SECONDS: &str = "chat_store_commit_seconds";
const AUTH_FAILURES: &str = "chat_auth_failures_total";
const TOKEN_RENEWALS: &str = "chat_token_renewals_total";
const REFRESH_TOKENS_PURGED: &str = "chat_refresh_tokens_purged_total";
const RATE_LIMITED: &str = "chat_rate_limited_total";
const CLOSES: &str = "chat_connections_closed_total";
const BUS_LAG: &str = "chat_bus_lag_seconds";
const BUS_HEALTHY: &str = "chat_bus_healthy";
const OUTBOX_BACKLOG: &str = "chat_event_outbox_backlog";
const NOTIFICATIONS: &str = "chat_notifications_total";
const PUSHES: &str = "chat_push_total";
const GAP_REPAIRS: &str = "chat_live_gap_repairs_total";
const UPLOADS: &str = "chat_uploads_total";
const UPLOADED_BYTES: &str = "chat_uploaded_bytes_total";
const ATTACHMENTS_REMOVED: &str = "chat_attachments_removed_total";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder (once per process) and returns the handle that renders it.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let latency = [
                0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ];
            let batch = [
                1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
            ];
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &latency)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(BATCH_SIZE.into()), &batch))
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(MEMBERSHIP_BATCH_SIZE.into()), &batch)
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(SIGN_UP_BATCH_SIZE.into()), &batch)
                })
                .expect("bucket lists are not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (an embedding program's); this
            // handle then renders nothing, which is better than failing to start.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
            }
            describe();
            handle
        })
        .clone()
}

fn describe() {
    describe_counter!(UPLOADS, "Uploads stored (POST /v1/uploads).");
    describe_counter!(
        UPLOADED_BYTES,
        "Bytes of uploads stored (images without their metadata)."
    );
    describe_counter!(
        ATTACHMENTS_REMOVED,
        "Attachments whose files were deleted: of deleted messages and rooms, or never sent."
    );
    describe_gauge!(
        CONNECTIONS,
        "Open WebSocket connections, authenticated or not."
    );
    describe_gauge!(
        USERS,
        "Distinct users with at least one authenticated connection to this process."
    );
    describe_counter!(
        FRAMES_RECEIVED,
        "WebSocket frames received, by protocol type (`invalid` when undecodable)."
    );
    describe_counter!(FRAMES_SENT, "WebSocket frames written, by protocol type.");
    describe_counter!(
        COMMITTED,
        "Room events committed to the store, by kind (message, edit, delete)."
    );
    describe_counter!(
        ACKS,
        "Message acknowledgements sent, by transport (websocket, rest)."
    );
    describe_counter!(FANOUT, "Room events queued to connections of this process.");
    describe_counter!(
        GAP_REPAIRS,
        "Store reads that filled a gap in a connection's live feed, by what revealed it."
    );
    describe_histogram!(
        SEND_TO_FANOUT,
        metrics::Unit::Seconds,
        "From receiving a send to handing the committed message to the bus."
    );
    describe_histogram!(BATCH_SIZE, "Writes per group-commit transaction.");
    describe_histogram!(
        MEMBERSHIP_BATCH_SIZE,
        "Membership and settings changes per transaction (SQLite)."
    );
    describe_histogram!(
        SIGN_UP_BATCH_SIZE,
        "First sign-ins of an external issuer's users per transaction (SQLite)."
    );
    describe_histogram!(
        COMMIT_SECONDS,
        metrics::Unit::Seconds,
        "Duration of one group-commit transaction."
    );
    describe_counter!(AUTH_FAILURES, "Refused sign-ins and tokens, by reason.");
    describe_counter!(
        TOKEN_RENEWALS,
        "Sessions kept alive with a fresh token: `websocket` (authenticate on a live \
         connection) or `refresh_token` (POST /v1/auth/refresh)."
    );
    describe_counter!(
        REFRESH_TOKENS_PURGED,
        "Expired refresh tokens deleted from the store."
    );
    describe_counter!(RATE_LIMITED, "Requests refused by a rate limit, by scope.");
    describe_counter!(CLOSES, "Connections closed, by reason.");
    describe_histogram!(
        BUS_LAG,
        metrics::Unit::Seconds,
        "Clustered: from one process publishing an event to another receiving it."
    );
    describe_gauge!(
        BUS_HEALTHY,
        "Clustered: 1 while this process reaches the others through Redis, else 0."
    );
    describe_gauge!(
        OUTBOX_BACKLOG,
        "Events in the outbox not yet acknowledged by Kafka."
    );
    describe_counter!(
        NOTIFICATIONS,
        "Webhook notifications for offline recipients, by outcome (delivered, retried, failed, dropped)."
    );
    describe_counter!(
        PUSHES,
        "Pushes to devices, by platform (apns, fcm, webpush) and outcome (delivered, retried, failed, pruned, dropped)."
    );
}

/// Counter handles of one labelled metric, made once per label value.
///
/// The `counter!` macro looks its counter up in the registry on every call (it builds
/// the key, allocating the label, and hashes name and labels): on the paths taken per
/// frame and per message, that was 5 % of the runtime thread's time in the rooms-of-10
/// benchmark (docs/benchmarks.md). A handle is an atomic to increment. Handles are kept
/// only once the recorder is installed: one made before would count into nothing.
struct LabelledCounters {
    name: &'static str,
    label: &'static str,
    handles: RwLock<HashMap<String, Counter>>,
}

impl LabelledCounters {
    fn new(name: &'static str, label: &'static str) -> Self {
        Self {
            name,
            label,
            handles: RwLock::new(HashMap::new()),
        }
    }

    fn increment(&self, value: &str) {
        if HANDLE.get().is_none() {
            counter!(self.name, self.label => value.to_owned()).increment(1);
            return;
        }
        let handles = self.handles.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(handle) = handles.get(value) {
            handle.increment(1);
            return;
        }
        drop(handles);
        let handle = counter!(self.name, self.label => value.to_owned());
        handle.increment(1);
        self.handles
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(value.to_owned(), handle);
    }
}

/// A handle of an unlabelled metric, made once the recorder is installed (see
/// [`LabelledCounters`]).
fn cached<T: Clone>(slot: &OnceLock<T>, make: impl FnOnce() -> T) -> T {
    if HANDLE.get().is_none() {
        return make();
    }
    slot.get_or_init(make).clone()
}

static FRAMES_SENT_BY_TYPE: LazyLock<LabelledCounters> =
    LazyLock::new(|| LabelledCounters::new(FRAMES_SENT, "type"));
static FRAMES_RECEIVED_BY_TYPE: LazyLock<LabelledCounters> =
    LazyLock::new(|| LabelledCounters::new(FRAMES_RECEIVED, "type"));
static COMMITTED_BY_KIND: LazyLock<LabelledCounters> =
    LazyLock::new(|| LabelledCounters::new(COMMITTED, "kind"));
static ACKS_BY_TRANSPORT: LazyLock<LabelledCounters> =
    LazyLock::new(|| LabelledCounters::new(ACKS, "transport"));
static FANOUT_COUNTER: OnceLock<Counter> = OnceLock::new();
static SEND_TO_FANOUT_HISTOGRAM: OnceLock<Histogram> = OnceLock::new();

/// The handle for `/metrics` (installs the recorder if nothing did yet).
pub fn handle() -> PrometheusHandle {
    install()
}

/// Drains histogram buffers; run every few seconds.
pub async fn run_upkeep(handle: PrometheusHandle, shutdown: tokio_util::sync::CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => handle.run_upkeep(),
        }
    }
}

/// A WebSocket connection opened (`true`) or ended (`false`).
pub fn connection(open: bool) {
    if open {
        gauge!(CONNECTIONS).increment(1);
    } else {
        gauge!(CONNECTIONS).decrement(1);
    }
}

/// Distinct authenticated users now.
pub fn users(count: usize) {
    gauge!(USERS).set(count as f64);
}

/// A frame arrived; `kind` is its protocol type.
pub fn frame_received(kind: &'static str) {
    FRAMES_RECEIVED_BY_TYPE.increment(kind);
}

/// A text frame was written. Its type is read from the encoding (`{"type":"…"`), which
/// the server itself produced, so the label set stays the protocol's.
pub fn frame_sent(text: &str) {
    let kind = text
        .strip_prefix(r#"{"type":""#)
        .and_then(|rest| rest.split('"').next())
        .filter(|kind| {
            kind.len() <= 32 && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
        .unwrap_or("other");
    FRAMES_SENT_BY_TYPE.increment(kind);
}

/// A room event was committed (`message`, `edit`, `delete`).
pub fn committed(kind: &'static str) {
    COMMITTED_BY_KIND.increment(kind);
}

/// An upload of `bytes` was stored.
pub fn uploaded(bytes: u64) {
    counter!(UPLOADS).increment(1);
    counter!(UPLOADED_BYTES).increment(bytes);
}

/// The janitor deleted the files of `count` attachments.
pub fn attachments_removed(count: usize) {
    counter!(ATTACHMENTS_REMOVED).increment(count as u64);
}

/// A send was acknowledged over `transport` (`websocket`, `rest`).
pub fn acknowledged(transport: &'static str) {
    ACKS_BY_TRANSPORT.increment(transport);
}

/// A room event was queued to `connections` connections.
pub fn fanned_out(connections: usize) {
    cached(&FANOUT_COUNTER, || counter!(FANOUT)).increment(connections as u64);
}

/// A connection read the store to fill a gap in its live feed: revealed by a live event
/// (`live`) or by its own message's ack (`own_ack`).
pub fn gap_repair(revealed_by: &'static str) {
    counter!(GAP_REPAIRS, "revealed_by" => revealed_by).increment(1);
}

/// The time from receiving a send to publishing it.
pub fn send_to_fanout(elapsed: Duration) {
    cached(&SEND_TO_FANOUT_HISTOGRAM, || histogram!(SEND_TO_FANOUT)).record(elapsed.as_secs_f64());
}

/// One group commit of `size` writes took `elapsed`.
pub fn commit_batch(size: usize, elapsed: Duration) {
    histogram!(BATCH_SIZE).record(size as f64);
    histogram!(COMMIT_SECONDS).record(elapsed.as_secs_f64());
}

/// One transaction committed `size` membership and settings changes (SQLite).
pub fn membership_batch(size: usize) {
    histogram!(MEMBERSHIP_BATCH_SIZE).record(size as f64);
}

/// One transaction added the rows of `size` external users signing in for the first
/// time (SQLite).
pub fn sign_up_batch(size: usize) {
    histogram!(SIGN_UP_BATCH_SIZE).record(size as f64);
}

/// A sign-in or token was refused (`bad_credentials`, `invalid_token`, `expired_token`,
/// `missing_token`, `auth_timeout`).
pub fn auth_failure(reason: &'static str) {
    counter!(AUTH_FAILURES, "reason" => reason).increment(1);
}

/// A session was renewed `via` `websocket` or `refresh_token`.
pub fn token_renewed(via: &'static str) {
    counter!(TOKEN_RENEWALS, "via" => via).increment(1);
}

/// `count` expired refresh tokens were deleted.
pub fn refresh_tokens_purged(count: u64) {
    counter!(REFRESH_TOKENS_PURGED).increment(count);
}

/// A request was refused by the `scope` limit (`message`, `frame`, `typing_receipt`,
/// `auth`).
pub fn rate_limited(scope: &'static str) {
    counter!(RATE_LIMITED, "scope" => scope).increment(1);
}

/// A connection ended with close `code` (`None`: the peer went away without one).
pub fn closed(code: Option<u16>) {
    use chat_protocol::v1::close;
    let reason = match code {
        None => "peer_gone",
        Some(close::NORMAL) => "normal",
        Some(close::INVALID_PAYLOAD) => "invalid_payload",
        Some(close::TOO_LARGE) => "too_large",
        Some(1011) => "internal",
        Some(close::RESTARTING) => "restarting",
        Some(close::UNAUTHORIZED) => "unauthorized",
        Some(close::FORBIDDEN) => "forbidden",
        Some(close::POLICY_LIMIT) => "policy_limit",
        Some(close::TOO_MANY_CONNECTIONS) => "too_many_connections",
        Some(close::SLOW_CONSUMER) => "slow_consumer",
        Some(_) => "other",
    };
    counter!(CLOSES, "reason" => reason).increment(1);
}

/// Clustered: an event published at `published_at_ms` arrived now.
pub fn bus_lag(published_at_ms: i64) {
    let lag_ms = crate::clock::now_ms()
        .saturating_sub(published_at_ms)
        .max(0);
    histogram!(BUS_LAG).record(lag_ms as f64 / 1000.0);
}

/// A webhook notification was `delivered`, `retried`, `failed` for good or `dropped`.
pub fn notification(outcome: &'static str) {
    counter!(NOTIFICATIONS, "outcome" => outcome).increment(1);
}

/// A push to a `platform` device was `delivered`, `retried`, `failed` for good, its
/// device `pruned`, or the push `dropped` (a full queue).
pub fn push(platform: &'static str, outcome: &'static str) {
    counter!(PUSHES, "platform" => platform, "outcome" => outcome).increment(1);
}

/// Events waiting in the outbox.
pub fn outbox_backlog(rows: u64) {
    gauge!(OUTBOX_BACKLOG).set(rows as f64);
}

/// Clustered: whether the bus reaches the other processes.
pub fn bus_healthy(healthy: bool) {
    gauge!(BUS_HEALTHY).set(if healthy { 1.0 } else { 0.0 });
}
