//! Test harness: a real server, a fault-injecting TCP proxy in front of it, and helpers
//! that wait (bounded) for the client's cache to reach a state.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chat_sdk::core::{BackoffPolicy, ConnectionState, CoreConfig};
use chat_sdk::{ChatClient, ClientConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;

/// A running chat-server, in this process. (Crashes need a process of their own:
/// [`ServerProcess`].)
pub struct Server {
    pub addr: SocketAddr,
    /// Holds the database and secret until the server is dropped.
    _dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts with the configuration adjusted by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut chat_server::Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = chat_server::Config::for_data_dir(dir.path());
        // Tests send in bursts; the server's abuse limits are tested in its own suite.
        config.messages_per_second = 10_000;
        config.message_burst = 10_000;
        config.frames_per_second = 10_000;
        config.frame_burst = 10_000;
        config.auth_attempts_per_minute = 10_000;
        adjust(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(chat_server::run(listener, config, async {
            let _ = stopped.await;
        }));
        let server = Self {
            addr,
            _dir: dir,
            stop: Some(stop),
            task: Some(task),
        };
        for _ in 0..200 {
            if let Ok(r) = http().get(format!("http://{addr}/readyz")).send().await
                && r.status().is_success()
            {
                return server;
            }
            if server.task.as_ref().is_some_and(JoinHandle::is_finished) {
                let mut server = server;
                let result = server.task.take().expect("task").await;
                panic!("the server stopped while starting: {result:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the server did not become ready");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A TCP proxy that can drop every live connection, refuse new ones, or hold bytes.
pub struct Proxy {
    pub addr: SocketAddr,
    cut: broadcast::Sender<()>,
    refusing: Arc<AtomicBool>,
    /// Holds bytes both ways.
    stalled: Arc<AtomicBool>,
    /// Holds the server's bytes only.
    replies_held: Arc<AtomicBool>,
    /// Counts `cut_all` calls: bytes held across a cut are dropped, never delivered.
    cuts: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

/// What one direction of one proxied connection obeys.
struct Gate {
    /// While any is set, bytes wait (the connection stays open but nothing gets
    /// through, like a dead network path).
    holds: Vec<Arc<AtomicBool>>,
    cuts: Arc<AtomicU64>,
    /// `cuts` when the connection was made.
    cuts_at_start: u64,
}

/// Copies bytes one way, as `gate` allows.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    gate: Gate,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let Ok(n) = from.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        while gate.holds.iter().any(|hold| hold.load(Ordering::SeqCst)) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if gate.cuts.load(Ordering::SeqCst) != gate.cuts_at_start {
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cut, _) = broadcast::channel(16);
        let refusing = Arc::new(AtomicBool::new(false));
        let stalled = Arc::new(AtomicBool::new(false));
        let replies_held = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(AtomicU64::new(0));
        let task = {
            let (cut, refusing, stalled, replies_held, cuts) = (
                cut.clone(),
                Arc::clone(&refusing),
                Arc::clone(&stalled),
                Arc::clone(&replies_held),
                Arc::clone(&cuts),
            );
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    if refusing.load(Ordering::SeqCst) {
                        continue; // dropped: the client sees the connection fail
                    }
                    let mut cut_signal = cut.subscribe();
                    let cuts_at_start = cuts.load(Ordering::SeqCst);
                    let client_to_server = Gate {
                        holds: vec![Arc::clone(&stalled)],
                        cuts: Arc::clone(&cuts),
                        cuts_at_start,
                    };
                    let server_to_client = Gate {
                        holds: vec![Arc::clone(&stalled), Arc::clone(&replies_held)],
                        cuts: Arc::clone(&cuts),
                        cuts_at_start,
                    };
                    tokio::spawn(async move {
                        let Ok(server) = TcpStream::connect(upstream).await else {
                            return;
                        };
                        let (from_client, to_client) = client.into_split();
                        let (from_server, to_server) = server.into_split();
                        let both_ways = async {
                            tokio::join!(
                                pump(from_client, to_server, client_to_server),
                                pump(from_server, to_client, server_to_client)
                            )
                        };
                        tokio::select! {
                            _ = both_ways => {}
                            _ = cut_signal.recv() => {}
                        }
                    });
                }
            })
        };
        Self {
            addr,
            cut,
            refusing,
            stalled,
            replies_held,
            cuts,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Drops every connection that is open now (both sides see a reset/EOF).
    pub fn cut_all(&self) {
        self.cuts.fetch_add(1, Ordering::SeqCst);
        let _ = self.cut.send(());
    }

    /// While set, no byte gets through any connection, and none is closed.
    pub fn set_stalled(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::SeqCst);
    }

    /// While set, the server's bytes (acks among them) are held; the client's go through.
    pub fn set_replies_held(&self, held: bool) {
        self.replies_held.store(held, Ordering::SeqCst);
    }

    /// While set, new connections are dropped at once ("offline").
    pub fn set_offline(&self, offline: bool) {
        self.refusing.store(offline, Ordering::SeqCst);
        if offline {
            self.cut_all();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut_all();
    }
}

/// Quick reconnects so that tests spend their time on traffic, not on backoff.
pub fn fast_config(server_url: String, database: Option<PathBuf>) -> ClientConfig {
    let mut config = ClientConfig::new(server_url, database);
    config.core = CoreConfig {
        backoff: BackoffPolicy {
            floor_ms: 20,
            ceiling_ms: 200,
            stable_after_ms: 1_000,
        },
        ..CoreConfig::default()
    };
    config
}

/// Polls `check` until it holds (at most `secs` seconds).
pub async fn eventually<F: FnMut() -> bool>(secs: u64, what: &str, mut check: F) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the client is connected.
pub async fn connected(client: &ChatClient) {
    eventually(10, "connected", || {
        client.connection_state() == ConnectionState::Connected
    })
    .await;
}

/// Counts the client's reconnect attempts from now on (to prove a fault really cut it).
pub fn count_reconnects(client: &ChatClient) -> Arc<std::sync::atomic::AtomicUsize> {
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut events = client.subscribe();
    let counter = Arc::clone(&count);
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(chat_sdk::ClientEvent::Connection {
                    state: ConnectionState::Reconnecting { .. },
                }) => {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    count
}

/// Creates a room over REST as `token` and returns its id.
pub async fn create_room(
    base: &str,
    token: &str,
    name: &str,
    visibility: &str,
    members: &[&str],
) -> String {
    let response = http()
        .post(format!("{base}/v1/rooms"))
        .bearer_auth(token)
        .json(&serde_json::json!({"name": name, "visibility": visibility, "members": members}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let body: serde_json::Value = response.json().await.unwrap();
    body["room_id"].as_str().unwrap().to_owned()
}

/// The server's view: every message seq of a room (REST, paged).
pub async fn server_seqs(base: &str, token: &str, room: &str) -> Vec<(u64, String)> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page: serde_json::Value = http()
            .get(format!(
                "{base}/v1/rooms/{room}/messages?after_seq={after}&limit=200"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let messages = page["messages"].as_array().unwrap();
        for m in messages {
            all.push((
                m["seq"].as_u64().unwrap(),
                m["message_id"].as_str().unwrap().to_owned(),
            ));
        }
        after = all.last().map_or(after, |(seq, _)| *seq);
        if !page["has_more"].as_bool().unwrap() {
            return all;
        }
    }
}

/// A `chat-server` process (the real binary), for crashes that only a process can have.
pub struct ServerProcess {
    child: std::process::Child,
}

impl ServerProcess {
    /// The binary next to this test's own build output, built first if it is missing.
    fn binary() -> PathBuf {
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap().parent().unwrap();
        let binary = dir.join("chat-server");
        if !binary.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = std::process::Command::new(cargo)
                .args(["build", "-p", "chat-server", "--bin", "chat-server"])
                .status()
                .unwrap();
            assert!(status.success(), "building chat-server");
        }
        binary
    }

    /// Starts the binary on `addr` with its database in `dir`, and waits until ready.
    pub async fn start(dir: &std::path::Path, addr: SocketAddr) -> Self {
        Self::start_with(dir, addr, &[]).await
    }

    /// [`Self::start`] with further command-line flags.
    pub async fn start_with(dir: &std::path::Path, addr: SocketAddr, flags: &[&str]) -> Self {
        let child = std::process::Command::new(Self::binary())
            .args(["--listen", &addr.to_string(), "--database-url"])
            .arg(format!("sqlite://{}", dir.join("chat.db").display()))
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args(["--messages-per-second", "10000", "--message-burst", "10000"])
            .args(["--frames-per-second", "10000", "--frame-burst", "10000"])
            .args(["--auth-attempts-per-minute", "10000"])
            .args(flags)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let server = Self { child };
        for _ in 0..300 {
            if let Ok(r) = http().get(format!("http://{addr}/readyz")).send().await
                && r.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("chat-server did not become ready");
    }

    /// SIGKILL: no shutdown, no goodbye.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback address with a port that was free a moment ago.
pub fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Ann and Bob, each with a client through `proxy_url`, in one private room, both
/// following it and connected.
pub struct Pair {
    pub ann: ChatClient,
    pub bob: ChatClient,
    pub ann_session: chat_sdk::Session,
    pub room: String,
}

pub async fn pair(proxy_url: String) -> Pair {
    let ann = ChatClient::open(fast_config(proxy_url.clone(), None)).unwrap();
    let bob = ChatClient::open(fast_config(proxy_url.clone(), None)).unwrap();
    let ann_session = ann.register("ann", "correct horse battery").await.unwrap();
    let bob_session = bob.register("bob", "correct horse battery").await.unwrap();
    let room = create_room(
        &proxy_url,
        &ann_session.token,
        "r",
        "private",
        &[&bob_session.user_id],
    )
    .await;
    for client in [&ann, &bob] {
        client.join_room(&room).unwrap();
        client.connect().unwrap();
        connected(client).await;
    }
    Pair {
        ann,
        bob,
        ann_session,
        room,
    }
}

/// A new user `name` on a client of its own (cache in memory): the client and its
/// session.
pub async fn signed_up(url: &str, name: &str) -> (ChatClient, chat_sdk::Session) {
    let client = ChatClient::open(fast_config(url.to_owned(), None)).unwrap();
    let session = client
        .register(name, "correct horse battery")
        .await
        .unwrap();
    (client, session)
}

/// Ann alone: a client through `proxy_url`, registered, following a new room of the
/// given visibility, and connected. Returns the client, the session and the room.
pub async fn solo(proxy_url: String, visibility: &str) -> (ChatClient, chat_sdk::Session, String) {
    let ann = ChatClient::open(fast_config(proxy_url.clone(), None)).unwrap();
    let session = ann.register("ann", "correct horse battery").await.unwrap();
    let room = create_room(&proxy_url, &session.token, "r", visibility, &[]).await;
    ann.join_room(&room).unwrap();
    ann.connect().unwrap();
    connected(&ann).await;
    (ann, session, room)
}

/// The texts of a room's cached messages (pending echoes included), oldest first.
pub fn contents(client: &ChatClient, room: &str) -> Vec<String> {
    client
        .messages(room, None, 100_000)
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect()
}

/// A REST client for the harness: the SDK's reqwest has TLS without a built-in crypto
/// provider, so ring is installed first (as `ChatClient::open` does).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Whether `result` is the server's refusal with `code` (an `ErrorCode` on the wire).
pub fn refused_with<T>(
    result: &Result<T, chat_sdk::ClientError>,
    code: chat_protocol::v1::ErrorCode,
) -> bool {
    matches!(result, Err(chat_sdk::ClientError::Server { code: got, .. }) if *got == code)
}
