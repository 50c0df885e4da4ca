//! REST requests: any method, path, query, headers and body on the real router. A
//! request may fail, but only with a 4xx and a JSON `{code, message}` body (405, which
//! axum answers without a body, aside); a 5xx is a finding.

use arbitrary::{Arbitrary, Unstructured};
use axum::body::Body;
use axum::http::{Method, Request};
use chat_protocol::v1::ApiError;

use crate::sut::{OTHER, SUT, Sut};

#[derive(Debug, Arbitrary)]
enum Route {
    Register,
    Login,
    Refresh,
    Logout,
    CreateRoom,
    MyRooms,
    PublicRooms,
    Members(RoomRef),
    AddMember(RoomRef),
    UserByName(String),
    Messages(RoomRef),
    Send(RoomRef),
    SignIns,
    EndSignIn(String),
    EndOtherSignIns,
    Health,
    Ready,
    Metrics,
    OpenApi,
    /// Anything else, as a raw path.
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum RoomRef {
    Public,
    OwnPrivate,
    ForeignPrivate,
    Direct,
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum Auth {
    Fuzzer,
    Other,
    Missing,
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum Payload {
    Credentials {
        username: String,
        password: String,
        device_name: Option<String>,
    },
    CreateRoom {
        name: Option<String>,
        visibility: Visibility,
        members: Vec<UserRef>,
    },
    AddMember(UserRef),
    Send {
        content: String,
    },
    /// The seeded refresh token (its first use rotates it; later ones revoke it), or any.
    Refresh(Option<String>),
    Json(String),
    Bytes(Vec<u8>),
    Empty,
}

#[derive(Debug, Arbitrary)]
enum Visibility {
    Public,
    Private,
    Direct,
    Raw(String),
}

impl Visibility {
    fn as_str(&self) -> &str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Direct => "direct",
            Self::Raw(raw) => raw,
        }
    }
}

#[derive(Debug, Arbitrary)]
enum UserRef {
    Fuzzer,
    Other,
    Raw(String),
}

#[derive(Debug, Arbitrary)]
struct Input {
    route: Route,
    /// Replaces the route's own method when set.
    method: Option<u8>,
    query: Vec<(String, String)>,
    auth: Auth,
    content_type: Option<String>,
    idempotency_key: Option<String>,
    payload: Payload,
}

/// One input: an arbitrary request.
pub fn run(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let sut = &*SUT;
    let Some(request) = build(sut, &input) else {
        return;
    };
    let head = request.method() == Method::HEAD;
    let (status, body) = sut.runtime.block_on(async {
        let response = sut.call(request).await;
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .unwrap_or_default();
        (status, body)
    });
    assert!(
        !status.is_server_error(),
        "{status} for {input:?}: {}",
        String::from_utf8_lossy(&body)
    );
    // HEAD answers carry no body, and axum's 405 has none.
    if status.is_client_error() && status != axum::http::StatusCode::METHOD_NOT_ALLOWED && !head {
        let error: ApiError = serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!("{status} without a JSON error ({e}) for {input:?}: {body:?}")
        });
        assert!(!error.message.is_empty(), "{status} with an empty message");
    }
}

fn room_id(sut: &Sut, room: &RoomRef) -> String {
    match room {
        RoomRef::Public => sut.public_room.clone(),
        RoomRef::OwnPrivate => sut.own_private_room.clone(),
        RoomRef::ForeignPrivate => sut.foreign_private_room.clone(),
        RoomRef::Direct => sut.direct_room.clone(),
        RoomRef::Raw(raw) => encode(raw),
    }
}

fn user_id(user: &UserRef) -> String {
    match user {
        UserRef::Fuzzer => crate::sut::FUZZER.to_owned(),
        UserRef::Other => OTHER.to_owned(),
        UserRef::Raw(raw) => raw.clone(),
    }
}

/// Percent-encodes everything but unreserved characters, so any string fits a path.
fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn build(sut: &Sut, input: &Input) -> Option<Request<Body>> {
    let (method, path) = match &input.route {
        Route::Register => (Method::POST, "/v1/auth/register".to_owned()),
        Route::Login => (Method::POST, "/v1/auth/login".to_owned()),
        Route::Refresh => (Method::POST, "/v1/auth/refresh".to_owned()),
        Route::Logout => (Method::POST, "/v1/auth/logout".to_owned()),
        Route::CreateRoom => (Method::POST, "/v1/rooms".to_owned()),
        Route::MyRooms => (Method::GET, "/v1/rooms".to_owned()),
        Route::PublicRooms => (Method::GET, "/v1/rooms/public".to_owned()),
        Route::Members(room) => (
            Method::GET,
            format!("/v1/rooms/{}/members", room_id(sut, room)),
        ),
        Route::AddMember(room) => (
            Method::POST,
            format!("/v1/rooms/{}/members", room_id(sut, room)),
        ),
        Route::UserByName(name) => (Method::GET, format!("/v1/users/by-name/{}", encode(name))),
        Route::Messages(room) => (
            Method::GET,
            format!("/v1/rooms/{}/messages", room_id(sut, room)),
        ),
        Route::Send(room) => (
            Method::POST,
            format!("/v1/rooms/{}/messages", room_id(sut, room)),
        ),
        Route::SignIns => (Method::GET, "/v1/users/me/sign-ins".to_owned()),
        Route::EndSignIn(id) => (
            Method::DELETE,
            format!("/v1/users/me/sign-ins/{}", encode(id)),
        ),
        Route::EndOtherSignIns => (Method::POST, "/v1/users/me/sign-ins/end-others".to_owned()),
        Route::Health => (Method::GET, "/healthz".to_owned()),
        Route::Ready => (Method::GET, "/readyz".to_owned()),
        Route::Metrics => (Method::GET, "/metrics".to_owned()),
        Route::OpenApi => (Method::GET, "/v1/openapi.json".to_owned()),
        Route::Raw(raw) => (Method::GET, format!("/{raw}")),
    };
    let method = match input.method {
        Some(n) => [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
            Method::OPTIONS,
            Method::HEAD,
        ][usize::from(n) % 7]
            .clone(),
        None => method,
    };
    let mut uri = path;
    if !input.query.is_empty() {
        let pairs: Vec<String> = input
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        uri = format!("{uri}?{}", pairs.join("&"));
    }
    let mut request = Request::builder().method(method).uri(uri);
    match &input.auth {
        Auth::Fuzzer => {
            request = request.header("authorization", format!("Bearer {}", sut.fuzzer_token))
        }
        Auth::Other => {
            request = request.header("authorization", format!("Bearer {}", sut.other_token))
        }
        Auth::Missing => {}
        Auth::Raw(raw) => request = request.header("authorization", raw.as_str()),
    }
    request = request.header(
        "content-type",
        input.content_type.as_deref().unwrap_or("application/json"),
    );
    if let Some(key) = &input.idempotency_key {
        request = request.header("idempotency-key", key.as_str());
    }
    let body = match &input.payload {
        Payload::Credentials {
            username,
            password,
            device_name,
        } => serde_json::json!({"username": username, "password": password, "device_name": device_name})
        .to_string(),
        Payload::CreateRoom {
            name,
            visibility,
            members,
        } => serde_json::json!({
            "name": name,
            "visibility": visibility.as_str(),
            "members": members.iter().map(user_id).collect::<Vec<_>>(),
        })
        .to_string(),
        Payload::AddMember(user) => serde_json::json!({"user_id": user_id(user)}).to_string(),
        Payload::Send { content } => serde_json::json!({"content": content}).to_string(),
        Payload::Refresh(token) => serde_json::json!({
            "refresh_token": token.clone().unwrap_or_else(|| sut.refresh_token.clone()),
        })
        .to_string(),
        Payload::Json(text) => text.clone(),
        Payload::Bytes(bytes) => return request.body(Body::from(bytes.clone())).ok(),
        Payload::Empty => String::new(),
    };
    // Header values that are not valid HTTP never reach a server: skip them.
    request.body(Body::from(body)).ok()
}
