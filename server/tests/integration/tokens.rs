//! Token checks on the WebSocket and REST: expiry, signature, pinned algorithm, `alg: none`.

use chat_protocol::v1::{ClientFrame, ServerFrame, close};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::common::{TestServer, now_secs};

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Tokens that must all be refused, named for the failure messages.
fn bad_tokens(secret: &[u8], user_id: &str) -> Vec<(&'static str, String)> {
    let claims = |exp: u64| json!({"sub": user_id, "exp": exp, "iat": now_secs()});
    let sign = |alg, key: &[u8], exp| {
        jsonwebtoken::encode(
            &Header::new(alg),
            &claims(exp),
            &EncodingKey::from_secret(key),
        )
        .unwrap()
    };
    let future = now_secs() + 3600;
    let unsigned = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none","typ":"JWT"}"#),
        base64url(claims(future).to_string().as_bytes())
    );
    vec![
        ("expired", sign(Algorithm::HS256, secret, now_secs() - 600)),
        (
            "forged",
            sign(
                Algorithm::HS256,
                b"not the server's secret, but long enough",
                future,
            ),
        ),
        ("wrong algorithm", sign(Algorithm::HS512, secret, future)),
        ("alg none", unsigned),
        ("garbage", "not.a.jwt".to_owned()),
    ]
}

/// Asserts that `token` is refused as `unauthorized` by the WebSocket (then closed with
/// 4001) and by REST (401); returns the REST error's message.
async fn refused_everywhere(server: &TestServer, token: &str, what: &str) -> String {
    let mut client = crate::common::Client::connect(server).await;
    client
        .send(&ClientFrame::Authenticate {
            token: token.to_owned(),
        })
        .await;
    match client.recv().await {
        ServerFrame::Error { code, .. } => assert_eq!(code.as_str(), "unauthorized", "{what:?}"),
        other => panic!("{what:?}: {other:?}"),
    }
    assert_eq!(client.closed().await, Some(close::UNAUTHORIZED), "{what:?}");
    let response = server
        .http
        .get(server.url("/v1/rooms"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "{what:?}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized", "{what:?}");
    body["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn invalid_tokens_are_refused_on_websocket_and_rest() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let secret = server.jwt_secret();
    let mut bystander = server.client(&ann.token).await;

    for (what, token) in bad_tokens(&secret, &ann.user_id) {
        refused_everywhere(&server, &token, what).await;
    }
    // The control: a correctly signed token of the same shape works.
    let good = server.sign(&json!({"sub": ann.user_id, "exp": now_secs() + 60}));
    server.client(&good).await;
    assert!(
        bystander.drain().await.is_empty(),
        "other users are unaffected"
    );
}

#[tokio::test]
async fn a_token_for_an_unknown_user_is_refused() {
    let server = TestServer::start().await;
    let token = server.sign(&json!({"sub": "ghost", "exp": now_secs() + 60}));
    let mut client = crate::common::Client::connect(&server).await;
    client.send(&ClientFrame::Authenticate { token }).await;
    assert!(matches!(client.recv().await, ServerFrame::Error { .. }));
    assert_eq!(client.closed().await, Some(close::UNAUTHORIZED));
}

#[tokio::test]
async fn an_external_auth_service_secret_is_honoured() {
    let shared = "a secret shared with the company auth service";
    let server = TestServer::start_with(|c| c.jwt_secret = Some(shared.into())).await;
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "employee-42", "exp": now_secs() + 60}),
        &EncodingKey::from_secret(shared.as_bytes()),
    )
    .unwrap();
    let room = server.create_room(&token, "team", "public", &[]).await;
    let mut client = server.client(&token).await;
    assert!(matches!(
        client.join(&room, None).await,
        ServerFrame::RoomJoined { .. }
    ));
    assert!(
        !server.dir.path().join("jwt-secret").exists(),
        "no secret generated when one is configured"
    );
}

#[tokio::test]
async fn tokens_of_an_external_ed25519_issuer_are_verified_with_its_public_key() {
    let keys = crate::common::IssuerKeys::generate();
    let public = keys.public.clone();

    let server = TestServer::start_with(|c| {
        c.jwt_algorithm = chat_server::config::JwtAlgorithm::EdDsa;
        c.jwt_public_key_file = Some(public.clone());
        c.jwt_issuer = Some("https://auth.example".into());
    })
    .await;
    let sign = |claims: serde_json::Value| keys.sign(&claims);
    let good = sign(json!({"sub": "emp-7", "exp": now_secs() + 60, "iss": "https://auth.example"}));
    let room = server.create_room(&good, "ops", "public", &[]).await;
    let mut client = server.client(&good).await;
    assert!(matches!(
        client.join(&room, None).await,
        ServerFrame::RoomJoined { .. }
    ));

    // Wrong issuer, and the classic confusion attack: HS256 keyed with the public key.
    let public_pem = std::fs::read(&public).unwrap();
    let confused = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "emp-7", "exp": now_secs() + 60, "iss": "https://auth.example"}),
        &EncodingKey::from_secret(&public_pem),
    )
    .unwrap();
    let wrong_issuer =
        sign(json!({"sub": "emp-7", "exp": now_secs() + 60, "iss": "https://evil.example"}));
    for token in [confused, wrong_issuer] {
        let response = server
            .http
            .get(server.url("/v1/rooms"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    // This server cannot mint tokens, so it has no accounts of its own.
    let response = server
        .http
        .post(server.url("/v1/auth/register"))
        .json(&json!({"username": "ann", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_token_that_is_not_valid_yet_is_refused() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let early = server
        .sign(&json!({"sub": ann.user_id, "exp": now_secs() + 7200, "nbf": now_secs() + 3600}));
    let response = server
        .http
        .get(server.url("/v1/rooms"))
        .bearer_auth(&early)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

/// A token from the external issuer that shares `SHARED` with the server.
fn external_token(subject: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": subject, "exp": now_secs() + 60}),
        &EncodingKey::from_secret(SHARED.as_bytes()),
    )
    .unwrap()
}

const SHARED: &str = "a secret shared with the company auth service";

#[tokio::test]
async fn external_subjects_that_differ_only_by_case_are_two_working_users() {
    let server = TestServer::start_with(|c| c.jwt_secret = Some(SHARED.into())).await;
    let upper = external_token("Ext-Ann");
    let lower = external_token("ext-ann");
    // Each can create a room, add the other and chat: nobody is locked out.
    let room = server.create_room(&upper, "upper's", "private", &[]).await;
    let room_of_lower = server
        .create_room(&lower, "lower's", "private", &["Ext-Ann"])
        .await;
    let response = server
        .http
        .post(server.url(&format!("/v1/rooms/{room}/members")))
        .bearer_auth(&upper)
        .json(&json!({"user_id": "ext-ann"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let mut lower_client = server.client(&lower).await;
    lower_client.join(&room, None).await;
    let ack = lower_client.say(&room, "from the lower-case user").await;
    assert!(matches!(ack, ServerFrame::MessageAck { .. }), "{ack:?}");

    // Both are members under names that tell them apart.
    let (status, members) = server
        .get_json(&upper, &format!("/v1/rooms/{room_of_lower}/members"))
        .await;
    assert_eq!(status, 200, "{members}");
    let names: Vec<(String, String)> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap().to_owned(),
                m["username"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let lower_name = &names.iter().find(|(id, _)| id == "ext-ann").unwrap().1;
    let upper_name = &names.iter().find(|(id, _)| id == "Ext-Ann").unwrap().1;
    assert!(!lower_name.eq_ignore_ascii_case(upper_name), "{names:?}");
    assert_eq!(
        upper_name, "external:Ext-Ann",
        "the first one keeps the plain name"
    );
    assert!(lower_name.starts_with("external:ext-ann~"), "{lower_name}");

    // A second request by the same user finds the same row (no new suffix each time).
    let (status, again) = server
        .get_json(&lower, &format!("/v1/rooms/{room_of_lower}/members"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(again, members);
}

#[tokio::test]
async fn external_subjects_with_invisible_or_non_ascii_characters_are_refused() {
    let server = TestServer::start_with(|c| c.jwt_secret = Some(SHARED.into())).await;
    for subject in [
        "ext-look\u{200b}",
        "ext-lo\u{202e}ko",
        "ext-l\u{043e}ok",
        "ext look",
        "ext-look\u{7}",
        "ext-look\n",
    ] {
        let message = refused_everywhere(&server, &external_token(subject), subject).await;
        assert!(
            message.contains("printable ASCII"),
            "{subject:?}: {message}"
        );
    }
    // The plain subject those names imitate still signs in as itself.
    let plain = external_token("ext-look");
    let (status, rooms) = server.get_json(&plain, "/v1/rooms").await;
    assert_eq!(status, 200, "{rooms}");
}
