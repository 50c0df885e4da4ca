//! The system under test: one real server (SQLite in a temporary directory, the
//! default configuration with its rate limits lifted so that inputs reach the
//! handlers), started once per process, with two users, rooms of every kind and a few
//! messages to aim at.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use chat_server::{App, Config};
use tower::ServiceExt as _;

use crate::tokens::{SECRET, signed};

/// The started server and what the targets aim at.
#[derive(Debug)]
pub(crate) struct Sut {
    pub runtime: tokio::runtime::Runtime,
    pub app: App,
    /// Bearer tokens of `fuzzer` (the user the targets act as) and `other`.
    pub fuzzer_token: String,
    pub other_token: String,
    /// Rooms, by how `fuzzer` relates to them.
    pub public_room: String,
    pub own_private_room: String,
    pub foreign_private_room: String,
    pub direct_room: String,
    /// Messages `fuzzer` sent (it may edit and delete them) and one of `other`'s.
    pub own_messages: Vec<String>,
    pub foreign_message: String,
    /// A refresh token of a local account (register), for the refresh endpoints.
    pub refresh_token: String,
    /// Keeps the database until the process ends.
    _dir: tempfile::TempDir,
}

pub(crate) const FUZZER: &str = "fuzzer";
pub(crate) const OTHER: &str = "other";

/// The fake client address of every request.
pub(crate) const PEER: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 4000);

pub(crate) static SUT: LazyLock<Sut> = LazyLock::new(start);

/// A token of the external issuer the server trusts, for `subject`, valid for ten
/// years (a fuzzing run of any length must not run into its expiry).
pub(crate) fn token_for(subject: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let claims = serde_json::json!({"sub": subject, "exp": now + 10 * 365 * 86_400, "iat": now});
    signed(
        br#"{"alg":"HS256","typ":"JWT"}"#,
        claims.to_string().as_bytes(),
    )
}

fn start() -> Sut {
    // A panic anywhere (a handler, a session task, the writer thread) is a finding:
    // tokio would otherwise catch it in the task and the input would look harmless.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        std::process::abort();
    }));
    // Memory-backed where there is one: commits fsync, and the fuzzer commits a lot.
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .expect("temporary directory");
    let mut config = Config::for_data_dir(dir.path());
    config.jwt_secret = Some(SECRET.to_owned());
    config.auth_attempts_per_minute = u32::MAX;
    config.messages_per_second = 1_000_000;
    config.message_burst = 1_000_000;
    config.frames_per_second = 1_000_000;
    config.frame_burst = 1_000_000;
    config.rate_limit_strikes = u32::MAX;
    config.max_connections_per_user = 10_000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let app = runtime.block_on(App::start(config)).expect("server starts");
    let fuzzer_token = token_for(FUZZER);
    let other_token = token_for(OTHER);
    let mut sut = Sut {
        runtime,
        app,
        fuzzer_token,
        other_token,
        public_room: String::new(),
        own_private_room: String::new(),
        foreign_private_room: String::new(),
        direct_room: String::new(),
        own_messages: Vec::new(),
        foreign_message: String::new(),
        refresh_token: String::new(),
        _dir: dir,
    };
    sut.seed();
    sut
}

impl Sut {
    /// Sends one request through the router, as from [`PEER`].
    pub async fn call(&self, mut request: Request<Body>) -> Response<Body> {
        request.extensions_mut().insert(ConnectInfo(PEER));
        match self.app.router().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    fn seed(&mut self) {
        let post = |token: &str, path: &str, body: serde_json::Value| {
            let request = Request::post(path)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .header("idempotency-key", uuid::Uuid::new_v4().to_string())
                .body(Body::from(body.to_string()))
                .expect("request");
            self.runtime.block_on(async {
                let response = self.call(request).await;
                assert!(
                    response.status().is_success(),
                    "seeding {path}: {}",
                    response.status()
                );
                let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                    .await
                    .expect("body");
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default()
            })
        };
        let room = |token: &str, visibility: &str, members: &[&str]| {
            post(
                token,
                "/v1/rooms",
                serde_json::json!({"name": visibility, "visibility": visibility, "members": members}),
            )["room_id"]
                .as_str()
                .expect("room id")
                .to_owned()
        };
        // `other` first, so that both users exist before rooms name them.
        let public_room = room(&self.other_token, "public", &[]);
        let foreign_private_room = room(&self.other_token, "private", &[]);
        let own_private_room = room(&self.fuzzer_token, "private", &[OTHER]);
        let direct_room = room(&self.fuzzer_token, "direct", &[OTHER]);
        let mut own_messages = Vec::new();
        for text in ["first", "second"] {
            let sent = post(
                &self.fuzzer_token,
                &format!("/v1/rooms/{own_private_room}/messages"),
                serde_json::json!({"content": text}),
            );
            own_messages.push(sent["message_id"].as_str().expect("message id").to_owned());
        }
        let sent = post(
            &self.other_token,
            &format!("/v1/rooms/{public_room}/messages"),
            serde_json::json!({"content": "hello from other"}),
        );
        let foreign_message = sent["message_id"].as_str().expect("message id").to_owned();
        let local = post(
            &self.fuzzer_token,
            "/v1/auth/register",
            serde_json::json!({"username": "fuzz-local", "password": "correct horse battery"}),
        );
        self.refresh_token = local["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_owned();
        self.public_room = public_room;
        self.foreign_private_room = foreign_private_room;
        self.own_private_room = own_private_room;
        self.direct_room = direct_room;
        self.own_messages = own_messages;
        self.foreign_message = foreign_message;
    }
}
