//! Test harness: a real server on 127.0.0.1:0 with a temporary SQLite file (or, with
//! `CHAT_TEST_STORE=postgres` under `pg_virtualenv`, a fresh PostgreSQL database), real
//! WebSocket clients and a real HTTP client. Every wait is bounded.

use std::net::SocketAddr;
use std::time::Duration;

use chat_protocol::v1::{
    AuthResponse, ClientFrame, CreateRoomResponse, PresenceStatus, ServerFrame,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use chat_server::Config;
pub use chat_server::testing::postgres_database;

/// Longest any single expected frame may take.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(5);

/// A running server and the directory holding its database and secret.
pub struct TestServer {
    pub addr: SocketAddr,
    pub dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    pub http: reqwest::Client,
}

impl TestServer {
    /// Default configuration in a fresh temporary directory.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Fresh directory, configuration adjusted by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_in(dir, adjust).await
    }

    /// Starts on an existing directory (to test restarts).
    pub async fn start_in(dir: TempDir, adjust: impl FnOnce(&mut Config)) -> Self {
        // Server logs on demand: TEST_LOG=chat_server=debug cargo nextest run ...
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_env("TEST_LOG"))
            .with_test_writer()
            .try_init();
        let mut config = Config::for_data_dir(dir.path());
        if let Some(url) = postgres_database(dir.path()).await {
            config.database_url = url;
        }
        adjust(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(chat_server::run(listener, config, async {
            let _ = stopped.await;
        }));
        let server = Self {
            addr,
            dir,
            stop: Some(stop),
            task: Some(task),
            http: http_client(),
        };
        wait_ready(&server.http, &server.url("/readyz")).await;
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The Prometheus text of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        let response = self.http.get(self.url("/metrics")).send().await.unwrap();
        response.text().await.unwrap()
    }

    /// One sample of `/metrics` (`name` or `name{labels}`), 0 when not yet recorded.
    /// The recorder is process-wide: nextest runs each test in a process of its own.
    pub async fn metric(&self, sample: &str) -> f64 {
        sample_value(&self.metrics().await, sample)
    }

    /// Waits (at most 10 s) until a sample of `/metrics` has the value `want`.
    pub async fn wait_for_metric(&self, sample: &str, want: f64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let value = self.metric(sample).await;
            if value == want {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{sample} is {value}, not {want}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/v1/ws", self.addr)
    }

    /// Graceful shutdown; returns the directory so the server can be started again on it.
    pub async fn stop(mut self) -> TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(20), task)
                .await
                .expect("server stops in time")
                .expect("server task")
                .expect("server ran without error");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::mem::replace(&mut self.dir, dir)
    }

    /// Registers a user (unique name from `name`) and returns its id and token.
    pub async fn register(&self, name: &str) -> AuthResponse {
        self.sign_in("/v1/auth/register", name, 201).await
    }

    /// Signs a user of [`TestServer::register`] in again: a new sign-in, with its own
    /// refresh token.
    pub async fn login(&self, name: &str) -> AuthResponse {
        self.sign_in("/v1/auth/login", name, 200).await
    }

    async fn sign_in(&self, path: &str, name: &str, status: u16) -> AuthResponse {
        let response = self
            .http
            .post(self.url(path))
            .json(&json!({"username": name, "password": "correct horse battery"}))
            .send()
            .await
            .expect("sign in");
        assert_eq!(response.status(), status, "{path} {name}");
        response.json().await.expect("auth json")
    }

    /// Creates a room as `token` and returns its id.
    pub async fn create_room(
        &self,
        token: &str,
        name: &str,
        visibility: &str,
        members: &[&str],
    ) -> String {
        let response = self
            .http
            .post(self.url("/v1/rooms"))
            .bearer_auth(token)
            .json(&json!({"name": name, "visibility": visibility, "members": members}))
            .send()
            .await
            .expect("create room");
        assert!(
            response.status().is_success(),
            "create room: {}",
            response.status()
        );
        let body: CreateRoomResponse = response.json().await.expect("room json");
        body.room_id.into_string()
    }

    /// GET as `token`, returning status and JSON body.
    pub async fn get_json(&self, token: &str, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Seqs of every message in a room, via REST, ascending.
    pub async fn stored_seqs(&self, token: &str, room: &str) -> Vec<u64> {
        let (status, body) = self
            .get_json(
                token,
                &format!("/v1/rooms/{room}/messages?after_seq=0&limit=200"),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_u64().unwrap())
            .collect()
    }

    /// Connects and authenticates.
    pub async fn client(&self, token: &str) -> Client {
        Client::authenticated(&self.ws_url(), token).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A WebSocket client speaking the protocol.
pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    pub async fn connect(server: &TestServer) -> Self {
        Self::connect_to(&server.ws_url()).await
    }

    pub async fn connect_to(ws_url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(ws_url)
            .await
            .expect("ws connect");
        Self { ws }
    }

    /// Connected to `ws_url` and authenticated with `token`.
    pub async fn authenticated(ws_url: &str, token: &str) -> Self {
        let mut client = Self::connect_to(ws_url).await;
        client
            .send(&ClientFrame::Authenticate {
                token: token.into(),
            })
            .await;
        let hello = client
            .recv_where(|f| matches!(f, ServerFrame::Authenticated { .. }))
            .await;
        assert!(matches!(hello, ServerFrame::Authenticated { .. }));
        client
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.ws
            .send(WsMessage::text(frame.encode()))
            .await
            .expect("ws send");
    }

    pub async fn send_raw(&mut self, message: WsMessage) {
        self.ws.send(message).await.expect("ws send");
    }

    /// The next protocol frame (panics on close or timeout).
    pub async fn recv(&mut self) -> ServerFrame {
        loop {
            let next = tokio::time::timeout(FRAME_TIMEOUT, self.ws.next())
                .await
                .expect("timed out waiting for a frame");
            match next {
                Some(Ok(WsMessage::Text(text))) => {
                    return ServerFrame::decode(text.as_str()).expect("server frame decodes");
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                other => panic!("expected a frame, got {other:?}"),
            }
        }
    }

    /// The next frame matching `want`, skipping presence, typing, receipt,
    /// room-list and block frames (which arrive on their own schedule) and membership and settings
    /// events (a room-mate joining a public room); any other frame is a test failure.
    pub async fn recv_where(&mut self, want: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
        for _ in 0..1000 {
            let frame = self.recv().await;
            if want(&frame) {
                return frame;
            }
            assert!(
                matches!(
                    frame,
                    ServerFrame::Presence { .. }
                        | ServerFrame::Typing { .. }
                        | ServerFrame::Receipt { .. }
                        | ServerFrame::RoomUpdated(_)
                        | ServerFrame::BlockChanged { .. }
                        | ServerFrame::MemberChanged(_)
                        | ServerFrame::RoomChanged(_)
                ),
                "unexpected frame {frame:?}"
            );
        }
        panic!("no matching frame");
    }

    /// The next `room_updated` frame for `room_id` (skipping what `recv_where` skips).
    pub async fn next_room_update(&mut self, room_id: &str) -> chat_protocol::v1::RoomSummary {
        let wanted =
            |f: &ServerFrame| matches!(f, ServerFrame::RoomUpdated(s) if s.room_id == room_id);
        match self.recv_where(wanted).await {
            ServerFrame::RoomUpdated(summary) => summary,
            _ => unreachable!("recv_where returned what it was asked for"),
        }
    }

    /// `room_updated` frames for `room_id` until one satisfies `done`; returns that one.
    pub async fn room_update_until(
        &mut self,
        room_id: &str,
        done: impl Fn(&chat_protocol::v1::RoomSummary) -> bool,
    ) -> chat_protocol::v1::RoomSummary {
        for _ in 0..200 {
            let summary = self.next_room_update(room_id).await;
            if done(&summary) {
                return summary;
            }
        }
        panic!("no room_updated for {room_id} came to what was expected");
    }

    /// The next `message` frame (skipping presence, typing and receipts, as
    /// [`Client::recv_where`] does).
    pub async fn recv_message(&mut self) -> chat_protocol::v1::Message {
        match self
            .recv_where(|f| matches!(f, ServerFrame::Message(_)))
            .await
        {
            ServerFrame::Message(message) => message,
            _ => unreachable!("recv_where returned what it was asked for"),
        }
    }

    /// Sends `ping` and returns every room/ack/error frame that arrived before the `pong`
    /// (room-list frames are skipped, like presence and typing): proves that nothing
    /// else was queued.
    pub async fn drain(&mut self) -> Vec<ServerFrame> {
        self.send(&ClientFrame::Ping).await;
        let mut frames = Vec::new();
        loop {
            match self.recv().await {
                ServerFrame::Pong { .. } => return frames,
                ServerFrame::Presence { .. }
                | ServerFrame::Typing { .. }
                | ServerFrame::RoomUpdated(_) => {}
                other => frames.push(other),
            }
        }
    }

    /// Every presence frame that reached this connection since the last call, up to
    /// the `pong` of a `ping` sent now: (user, online), in order.
    pub async fn presence_so_far(&mut self) -> Vec<(String, bool)> {
        self.send(&ClientFrame::Ping).await;
        let mut seen = Vec::new();
        loop {
            match self.recv().await {
                ServerFrame::Pong { .. } => return seen,
                ServerFrame::Presence {
                    user_id, status, ..
                } => seen.push((user_id.into_string(), status == PresenceStatus::Online)),
                _ => {}
            }
        }
    }

    /// Waits for the server to close the connection; returns the close code
    /// (None if the connection dropped without a close frame).
    pub async fn closed(&mut self) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .expect("close in time");
            match next {
                Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn join(&mut self, room: &str, since_seq: Option<u64>) -> ServerFrame {
        self.send(&ClientFrame::JoinRoom {
            room_id: room.into(),
            since_seq,
        })
        .await;
        self.recv_where(|f| {
            matches!(
                f,
                ServerFrame::RoomJoined { .. } | ServerFrame::Error { .. }
            )
        })
        .await
    }

    /// Sends a message and returns its ack (panics on error).
    pub async fn say(&mut self, room: &str, text: &str) -> ServerFrame {
        let id = uuid::Uuid::new_v4().to_string();
        self.send_with_id(room, &id, text).await
    }

    pub async fn send_with_id(
        &mut self,
        room: &str,
        client_msg_id: &str,
        text: &str,
    ) -> ServerFrame {
        self.send(&ClientFrame::SendMessage {
            room_id: room.into(),
            client_msg_id: client_msg_id.into(),
            content: text.into(),
            reply_to: None,
            mentions: Vec::new(),
            attachments: Vec::new(),
        })
        .await;
        self.recv_where(|f| {
            matches!(
                f,
                ServerFrame::MessageAck { .. } | ServerFrame::Error { .. }
            )
        })
        .await
    }

    /// The next error frame's code, message and ref.
    pub async fn expect_error(&mut self) -> (String, String, Option<String>) {
        match self
            .recv_where(|f| matches!(f, ServerFrame::Error { .. }))
            .await
        {
            ServerFrame::Error {
                code,
                message,
                reference,
            } => (code.as_str().to_owned(), message, reference),
            _ => unreachable!(),
        }
    }
}

/// One sample (`name` or `name{labels}`) of a Prometheus text, 0 when absent.
pub fn sample_value(text: &str, sample: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(sample)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().expect("a number"))
}

/// The seq of an ack.
pub fn ack_seq(frame: &ServerFrame) -> u64 {
    match frame {
        ServerFrame::MessageAck { seq, .. } => *seq,
        other => panic!("expected message_ack, got {other:?}"),
    }
}

/// The message id of an ack.
pub fn ack_id(frame: &ServerFrame) -> String {
    match frame {
        ServerFrame::MessageAck { message_id, .. } => message_id.to_string(),
        other => panic!("expected message_ack, got {other:?}"),
    }
}

impl Client {
    /// The next protocol frame, or the close code once the server closes.
    pub async fn ws_next_frame_or_close(&mut self) -> Result<ServerFrame, Option<u16>> {
        loop {
            let next = tokio::time::timeout(FRAME_TIMEOUT, self.ws.next())
                .await
                .expect("frame or close in time");
            match next {
                Some(Ok(WsMessage::Text(text))) => {
                    return Ok(ServerFrame::decode(text.as_str()).unwrap());
                }
                Some(Ok(WsMessage::Close(frame))) => return Err(frame.map(|f| u16::from(f.code))),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Err(None),
            }
        }
    }
}

/// Two users in one room, each connected and joined: the setup most tests start from.
pub struct Duo {
    pub ann: AuthResponse,
    pub bob: AuthResponse,
    pub room: String,
    pub a: Client,
    pub b: Client,
}

impl TestServer {
    /// Ann creates a room (`public`, or `private` with Bob as member); both join it.
    pub async fn duo(&self, visibility: &str) -> Duo {
        let ann = self.register("ann").await;
        let bob = self.register("bob").await;
        // Bob is a member from the start, so that the room's first event is its first
        // message (a public room he joined by himself would start with his joining).
        let room = self
            .create_room(&ann.token, "r", visibility, &[&bob.user_id])
            .await;
        let mut a = self.client(&ann.token).await;
        let mut b = self.client(&bob.token).await;
        assert!(matches!(
            a.join(&room, None).await,
            ServerFrame::RoomJoined { .. }
        ));
        assert!(matches!(
            b.join(&room, None).await,
            ServerFrame::RoomJoined { .. }
        ));
        Duo {
            ann,
            bob,
            room,
            a,
            b,
        }
    }
}

/// Seconds since the Unix epoch (JWT time).
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl TestServer {
    /// The HS256 secret the server generated in its data directory.
    pub fn jwt_secret(&self) -> Vec<u8> {
        std::fs::read(self.dir.path().join("jwt-secret")).expect("generated secret")
    }

    /// A token with the given claims, signed HS256 with the server's own secret.
    pub fn sign(&self, claims: &Value) -> String {
        let key = jsonwebtoken::EncodingKey::from_secret(&self.jwt_secret());
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        jsonwebtoken::encode(&header, claims, &key).expect("signing")
    }
}

impl Client {
    /// One `history` page: the messages (ascending) and `has_more`.
    pub async fn history(
        &mut self,
        room: &str,
        before_seq: Option<u64>,
        limit: u32,
    ) -> (Vec<chat_protocol::v1::Message>, bool) {
        self.send(&ClientFrame::History {
            room_id: room.into(),
            before_seq,
            limit,
        })
        .await;
        match self
            .recv_where(|f| matches!(f, ServerFrame::History { .. }))
            .await
        {
            ServerFrame::History {
                messages, has_more, ..
            } => (messages, has_more),
            _ => unreachable!(),
        }
    }
}

/// A REST client for tests. When the whole workspace is built together, reqwest has
/// the SDK's TLS feature without a built-in crypto provider: install ring first.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A throwaway Ed25519 key pair of an external token issuer, made by the openssl CLI.
pub struct IssuerKeys {
    pub private: std::path::PathBuf,
    pub public: std::path::PathBuf,
    _dir: TempDir,
}

impl IssuerKeys {
    pub fn generate() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("issuer.pem");
        let public = dir.path().join("issuer.pub.pem");
        let made = std::process::Command::new("openssl")
            .args(["genpkey", "-algorithm", "ed25519", "-out"])
            .arg(&private)
            .status()
            .expect("openssl is installed (scripts/install-deps.sh)");
        assert!(made.success());
        let exported = std::process::Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&private)
            .arg("-out")
            .arg(&public)
            .status()
            .unwrap();
        assert!(exported.success());
        Self {
            private,
            public,
            _dir: dir,
        }
    }

    /// A server whose only tokens are this issuer's (EdDSA, verified with its public
    /// key): no accounts, refresh tokens or sign-ins of its own.
    pub async fn server(&self) -> TestServer {
        let public = self.public.clone();
        TestServer::start_with(|c| {
            c.jwt_algorithm = chat_server::config::JwtAlgorithm::EdDsa;
            c.jwt_public_key_file = Some(public);
        })
        .await
    }

    /// A token with `claims`, signed with the private key (EdDSA).
    pub fn sign(&self, claims: &Value) -> String {
        let private_pem = std::fs::read(&self.private).unwrap();
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA),
            claims,
            &jsonwebtoken::EncodingKey::from_ed_pem(&private_pem).unwrap(),
        )
        .unwrap()
    }
}

/// A chat-server process of its own, for tests that SIGKILL it; killed when dropped, so
/// a failing test leaves none behind.
pub struct ServerProcess {
    child: std::process::Child,
    pub port: u16,
}

impl ServerProcess {
    /// Starts the binary on `port` with `database_url`, its data in `dir` and `extra`
    /// flags; returns once it is ready.
    pub async fn start(
        dir: &std::path::Path,
        port: u16,
        database_url: &str,
        extra: &[&str],
    ) -> Self {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_chat-server"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", database_url])
            .args(["--jwt-secret", "process-test-secret-0123456789abcdef"])
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args(extra)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chat-server binary");
        let process = Self { child, port };
        wait_ready(&http_client(), &process.url("/readyz")).await;
        process
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/v1/ws", self.port)
    }

    /// SIGKILL, and reap the process.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A room's stored messages, every page of them, read over REST from the server at
/// `base` (`http://host:port`): (seq, message id, content), in seq order.
pub async fn stored_messages(base: &str, token: &str, room: &str) -> Vec<(u64, String, String)> {
    let mut all: Vec<(u64, String, String)> = Vec::new();
    loop {
        let after = all.last().map_or(0, |(seq, _, _)| *seq);
        let page: Value = http_client()
            .get(format!(
                "{base}/v1/rooms/{room}/messages?after_seq={after}&limit=200"
            ))
            .bearer_auth(token)
            .send()
            .await
            .expect("history")
            .json()
            .await
            .expect("history json");
        for m in page["messages"].as_array().expect("messages") {
            all.push((
                m["seq"].as_u64().expect("seq"),
                m["message_id"].as_str().expect("id").to_owned(),
                m["content"].as_str().expect("content").to_owned(),
            ));
        }
        if page["has_more"] != true {
            return all;
        }
    }
}

/// Waits (10 s at most) until `readyz` answers 200: the store answers, and the server
/// takes connections.
async fn wait_ready(http: &reqwest::Client, readyz: &str) {
    for _ in 0..200 {
        if let Ok(r) = http.get(readyz).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready at {readyz}");
}

/// A request with a JSON body (as `token`, if given), returning status and JSON body.
pub async fn send_json(
    server: &TestServer,
    method: reqwest::Method,
    token: Option<&str>,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let mut request = server.http.request(method, server.url(path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}
