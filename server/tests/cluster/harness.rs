//! Processes for the cluster tests: a Redis server and chat-server nodes sharing one
//! PostgreSQL database, a Redis channel and a JWT secret. Each is stopped by its PID
//! when dropped.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chat_protocol::v1::AuthResponse;
use serde_json::{Value, json};

use crate::common::{Client, http_client, postgres_database, sample_value};

/// A port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A throwaway `redis-server` without persistence.
pub struct Redis {
    pub port: u16,
    child: Child,
}

impl Redis {
    pub fn start() -> Self {
        let port = free_port();
        Self {
            child: Self::spawn(port),
            port,
        }
    }

    fn spawn(port: u16) -> Child {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (install it: scripts/install-deps.sh)");
        wait_for_port(port, "redis-server");
        child
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills Redis.
    pub fn stop(&mut self) {
        stop(&mut self.child);
    }

    /// Starts a new, empty Redis on the same port.
    pub fn start_again(&mut self) {
        self.child = Self::spawn(self.port);
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// A throwaway S3-compatible server: moto's (PyPI `moto[server]`, installed by
/// scripts/install-deps.sh; `CHAT_TEST_S3_SERVER` names its `moto_server`), in memory.
pub struct S3Server {
    pub port: u16,
    child: Child,
}

impl S3Server {
    pub fn start() -> Self {
        let program = std::env::var("CHAT_TEST_S3_SERVER")
            .unwrap_or_else(|_| format!("{}/.cache/chat-moto-venv/bin/moto_server", env!("HOME")));
        let port = free_port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} (install it: scripts/install-deps.sh): {e}"));
        wait_for_port(port, "moto_server");
        Self { port, child }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates a bucket (moto takes unsigned requests).
    pub async fn create_bucket(&self, bucket: &str) {
        let response = http_client()
            .put(format!("{}/{bucket}", self.endpoint()))
            .send()
            .await
            .expect("create bucket");
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// The keys the bucket holds.
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let listing = http_client()
            .get(format!("{}/{bucket}?list-type=2", self.endpoint()))
            .send()
            .await
            .expect("list bucket")
            .text()
            .await
            .expect("listing");
        listing
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_owned()))
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// What every node of one cluster shares.
pub struct Cluster {
    pub redis: Redis,
    database_url: String,
    secret: String,
    dir: tempfile::TempDir,
}

impl Cluster {
    /// A fresh database and Redis (PostgreSQL comes from `pg_virtualenv`: run
    /// `scripts/cluster-test.sh`).
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = postgres_database(dir.path())
            .await
            .expect("CHAT_TEST_STORE=postgres under pg_virtualenv: run scripts/cluster-test.sh");
        Self {
            redis: Redis::start(),
            database_url,
            secret: format!("cluster-test-secret-{}", uuid::Uuid::new_v4().simple()),
            dir,
        }
    }

    /// Two processes, both ready.
    pub async fn two_nodes(&self, extra: &[&str]) -> (Node, Node) {
        let (one, two) = (self.node_with(extra), self.node_with(extra));
        one.wait_ready(true).await;
        two.wait_ready(true).await;
        (one, two)
    }

    /// Starts one more chat-server process.
    pub fn node(&self) -> Node {
        self.node_with(&[])
    }

    /// Starts one more chat-server process with extra flags.
    pub fn node_with(&self, extra: &[&str]) -> Node {
        self.node_with_env(extra, &[])
    }

    /// Two processes with extra flags and environment variables, both ready.
    pub async fn two_nodes_with_env(&self, extra: &[&str], env: &[(&str, &str)]) -> (Node, Node) {
        let (one, two) = (
            self.node_with_env(extra, env),
            self.node_with_env(extra, env),
        );
        one.wait_ready(true).await;
        two.wait_ready(true).await;
        (one, two)
    }

    /// Starts one more chat-server process with extra flags and environment variables.
    pub fn node_with_env(&self, extra: &[&str], env: &[(&str, &str)]) -> Node {
        let port = free_port();
        let data = self.dir.path().join(format!("node-{port}"));
        let log = std::fs::File::create(self.dir.path().join(format!("node-{port}.log")))
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_chat-server"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", &self.database_url])
            .args(["--redis-url", &self.redis.url()])
            .args(["--jwt-secret", &self.secret])
            // The tests send in bursts; rate limits are tested elsewhere.
            .args(["--messages-per-second", "1000", "--message-burst", "1000"])
            .args(["--frames-per-second", "100000", "--frame-burst", "100000"])
            .args(extra)
            .arg("--data-dir")
            .arg(&data)
            .env("RUST_LOG", "chat_server=info")
            .envs(env.iter().copied())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("chat-server binary");
        let node = Node {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child,
            log: self.dir.path().join(format!("node-{port}.log")),
        };
        wait_for_port(port, "chat-server");
        node
    }
}

/// One chat-server process.
pub struct Node {
    pub addr: SocketAddr,
    child: Child,
    log: std::path::PathBuf,
}

impl Node {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/v1/ws", self.addr)
    }

    /// Waits until `/readyz` answers `ready` (or not, with `want = false`).
    pub async fn wait_ready(&self, want: bool) {
        let http = http_client();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = match http.get(self.url("/readyz")).send().await {
                Ok(r) => r.status().is_success(),
                Err(_) => false,
            };
            if ready == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "readiness never became {want}; log: {}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (at most 10 s) until this process holds `want` WebSocket connections: the
    /// gauge drops only once a closed connection has been fully handled (presence
    /// included).
    pub async fn wait_for_connections(&self, want: f64) {
        let http = http_client();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let metrics = http
                .get(self.url("/metrics"))
                .send()
                .await
                .expect("metrics")
                .text()
                .await
                .expect("metrics text");
            let open = sample_value(&metrics, "chat_websocket_connections");
            if open == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{open} connections, not {want}; log: {}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn register(&self, name: &str) -> AuthResponse {
        let response = http_client()
            .post(self.url("/v1/auth/register"))
            .json(&json!({"username": name, "password": "correct horse battery"}))
            .send()
            .await
            .expect("register");
        assert_eq!(response.status(), 201, "register {name}");
        response.json().await.expect("auth response")
    }

    /// Signs a user of [`Node::register`] in again: a new sign-in of theirs.
    pub async fn login(&self, name: &str) -> AuthResponse {
        let response = http_client()
            .post(self.url("/v1/auth/login"))
            .json(&json!({"username": name, "password": "correct horse battery"}))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 200, "login {name}");
        response.json().await.expect("auth response")
    }

    pub async fn create_room(&self, token: &str, members: &[&str]) -> String {
        let response: Value = http_client()
            .post(self.url("/v1/rooms"))
            .bearer_auth(token)
            .json(&json!({"name": "cluster", "visibility": "private", "members": members}))
            .send()
            .await
            .expect("create room")
            .json()
            .await
            .expect("room json");
        response["room_id"].as_str().expect("room id").to_owned()
    }

    /// A WebSocket client authenticated with `token` on this node.
    pub async fn client(&self, token: &str) -> Client {
        Client::authenticated(&self.ws_url(), token).await
    }

    /// SIGKILL: no goodbye to anyone.
    pub fn kill(&mut self) {
        stop(&mut self.child);
    }

    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// Ann on process one and Bob on process two, in a private room both have joined.
pub struct Conversation {
    pub ann: AuthResponse,
    pub room: String,
    pub a: Client,
    pub b: Client,
}

impl Conversation {
    pub async fn start(one: &Node, two: &Node) -> Self {
        let ann = one.register("ann").await;
        let bob = two.register("bob").await;
        let room = one.create_room(&ann.token, &[&bob.user_id]).await;
        let mut a = one.client(&ann.token).await;
        let mut b = two.client(&bob.token).await;
        a.join(&room, None).await;
        b.join(&room, None).await;
        Self { ann, room, a, b }
    }
}
