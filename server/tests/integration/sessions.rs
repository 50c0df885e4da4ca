//! Refresh tokens of the built-in auth: rotation on every use, reuse detection that
//! revokes the whole sign-in, sign-out, expiry, and refusal with an external issuer.

use std::time::Duration;

use chat_protocol::v1::AuthResponse;
use serde_json::{Value, json};

use crate::common::TestServer;

async fn refresh(server: &TestServer, refresh_token: &str) -> (u16, Value) {
    let response = server
        .http
        .post(server.url("/v1/auth/refresh"))
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn logout(server: &TestServer, refresh_token: &str) -> u16 {
    server
        .http
        .post(server.url("/v1/auth/logout"))
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn refresh_token(auth: &AuthResponse) -> String {
    auth.refresh_token.clone().expect("a refresh token")
}

#[tokio::test]
async fn a_refresh_rotates_the_token_and_a_replayed_one_revokes_the_sign_in() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let first = refresh_token(&ann);
    assert!(ann.refresh_expires_at.unwrap() > ann.expires_at);

    let (status, renewed) = refresh(&server, &first).await;
    assert_eq!(status, 200, "{renewed}");
    let renewed: AuthResponse = serde_json::from_value(renewed).unwrap();
    assert_eq!(renewed.user_id, ann.user_id);
    let second = refresh_token(&renewed);
    assert_ne!(second, first);
    // The new access token works.
    let (status, _) = server.get_json(&renewed.token, "/v1/rooms").await;
    assert_eq!(status, 200);

    // The first token again: someone holds a copy. Refused, and the sign-in is over:
    // the legitimate holder's newer token is revoked too.
    let (status, body) = refresh(&server, &first).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "unauthorized");
    assert!(
        body["message"].as_str().unwrap().contains("already used"),
        "{body}"
    );
    let (status, body) = refresh(&server, &second).await;
    assert_eq!(status, 401, "{body}");

    // Another sign-in of the same user is untouched.
    let login = server
        .http
        .post(server.url("/v1/auth/login"))
        .json(&json!({"username": "ann", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let login: AuthResponse = login.json().await.unwrap();
    let (status, _) = refresh(&server, &refresh_token(&login)).await;
    assert_eq!(status, 200);
    let metrics = server.metrics().await;
    assert!(
        metrics.contains("chat_auth_failures_total{reason=\"refresh_token_reused\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn two_refreshes_racing_with_one_token_rotate_it_once() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let token = refresh_token(&ann);
    let (a, b) = tokio::join!(refresh(&server, &token), refresh(&server, &token));
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401], "{a:?} {b:?}");
}

#[tokio::test]
async fn logout_revokes_the_refresh_token_and_unknown_ones_are_refused() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let token = refresh_token(&ann);
    assert_eq!(logout(&server, &token).await, 204);
    let (status, body) = refresh(&server, &token).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("revoked"),
        "{body}"
    );
    // Signing out twice, or with a token nobody has, says nothing either way.
    assert_eq!(logout(&server, &token).await, 204);
    assert_eq!(logout(&server, "no-such-token").await, 204);
    let (status, _) = refresh(&server, "no-such-token").await;
    assert_eq!(status, 401);
    let (status, body) = refresh(&server, "").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(logout(&server, &"x".repeat(300)).await, 400);
    let response = server
        .http
        .post(server.url("/v1/auth/refresh"))
        .json(&json!({"token": "wrong field"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let server = TestServer::start_with(|c| c.refresh_token_ttl = Duration::from_millis(300)).await;
    let ann = server.register("ann").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, body) = refresh(&server, &refresh_token(&ann)).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn expired_refresh_tokens_and_lapsed_sign_ins_are_deleted_and_live_ones_kept() {
    // With a 3 s lifetime the purge runs every 300 ms.
    let server = TestServer::start_with(|c| c.refresh_token_ttl = Duration::from_secs(3)).await;
    let ann = server.register("ann").await;
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let bob = server.register("bob").await;
    // Ann's expired token goes; Bob's, a moment old, stays and still works.
    server
        .wait_for_metric("chat_refresh_tokens_purged_total", 1.0)
        .await;
    let (status, body) = refresh(&server, &refresh_token(&bob)).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = refresh(&server, &refresh_token(&ann)).await;
    assert_eq!(status, 401);
    assert_eq!(server.metric("chat_refresh_tokens_purged_total").await, 1.0);
    // Ann's sign-in lapsed with its token and was deleted too: what was left of it (an
    // access token outliving its refresh token, as only a test configures) is refused.
    let (status, body) = server.get_json(&ann.token, "/v1/users/me/sign-ins").await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = server.get_json(&bob.token, "/v1/users/me/sign-ins").await;
    assert_eq!(
        (status, body["sign_ins"].as_array().map(Vec::len)),
        (200, Some(1))
    );
}

#[tokio::test]
async fn with_an_external_issuer_there_are_no_refresh_tokens() {
    let keys = crate::common::IssuerKeys::generate();
    let server = keys.server().await;
    let (status, body) = refresh(&server, "anything").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "forbidden");
    // Nor a password here to change: the auth service holds it.
    let token = keys.sign(&json!({"sub": "ext-user-1", "exp": crate::common::now_secs() + 600}));
    let (status, body) = change_password(
        &server,
        Some(&token),
        json!({"current_password": "correct horse battery", "new_password": "battery staple horse"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
}

/// Sleeps into the next second: tokens issued before it are then "earlier" for a
/// password change made after it (token times are whole seconds).
async fn next_second() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(
        1_050 - u64::from(now.subsec_millis()),
    ))
    .await;
}

async fn change_password(server: &TestServer, token: Option<&str>, body: Value) -> (u16, Value) {
    crate::common::send_json(
        server,
        reqwest::Method::POST,
        token,
        "/v1/users/me/password",
        body,
    )
    .await
}

#[tokio::test]
async fn a_password_change_signs_every_other_session_out_and_keeps_the_changing_one() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await; // this device
    let stolen = server.login("ann").await; // a sign-in elsewhere
    assert_ne!(stolen.token, ann.token, "tokens of one second differ too");
    let (status, _) = crate::common::send_json(
        &server,
        reqwest::Method::POST,
        Some(&stolen.token),
        "/v1/devices",
        json!({"platform": "fcm", "token": "stolen-device-token"}),
    )
    .await;
    assert_eq!(status, 200);
    next_second().await;
    let mut here = server.client(&ann.token).await;
    let mut there = server.client(&stolen.token).await;

    // Refused, and nothing changes: no token, a wrong current password, a short new one,
    // a body that is not the JSON asked for.
    let good = json!({"current_password": "correct horse battery", "new_password": "battery staple horse"});
    let refusals = [
        (None, good.clone(), 401, "unauthorized"),
        (
            Some(&ann.token),
            json!({"current_password": "wrong password", "new_password": "battery staple horse"}),
            403,
            "forbidden",
        ),
        (
            Some(&ann.token),
            json!({"current_password": "correct horse battery", "new_password": "short"}),
            400,
            "invalid_request",
        ),
        (
            Some(&ann.token),
            json!({"new_password": 7}),
            400,
            "invalid_request",
        ),
    ];
    for (token, body, status, code) in refusals {
        let (got, answer) = change_password(&server, token.map(String::as_str), body).await;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{answer}"
        );
    }
    let (status, _) = server.get_json(&stolen.token, "/v1/rooms").await;
    assert_eq!(status, 200, "nothing changed yet");

    let (status, body) = change_password(&server, Some(&ann.token), good).await;
    assert_eq!(status, 200, "{body}");
    let session: AuthResponse = serde_json::from_value(body).unwrap();
    assert_eq!(session.user_id, ann.user_id);

    // The other sign-in is over: its connection closes with 4001, its access and refresh
    // tokens are refused, and its push device is gone.
    assert_eq!(there.closed().await, Some(4001));
    let (status, body) = server.get_json(&stolen.token, "/v1/rooms").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(refresh(&server, &refresh_token(&stolen)).await.0, 401);
    assert_eq!(refresh(&server, &refresh_token(&ann)).await.0, 401);
    let (status, devices) = server.get_json(&session.token, "/v1/devices").await;
    assert_eq!(
        (status, devices["devices"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    // A new connection on an old token is refused too.
    let mut again = crate::common::Client::connect(&server).await;
    again
        .send(&chat_protocol::v1::ClientFrame::Authenticate {
            token: stolen.token.clone(),
        })
        .await;
    assert_eq!(again.closed().await, Some(4001));

    // This device goes on: its connection stayed open and moves to the new session.
    here.send(&chat_protocol::v1::ClientFrame::Authenticate {
        token: session.token.clone(),
    })
    .await;
    assert!(matches!(
        here.recv_where(|f| matches!(f, chat_protocol::v1::ServerFrame::Authenticated { .. }))
            .await,
        chat_protocol::v1::ServerFrame::Authenticated { .. }
    ));
    assert_eq!(refresh(&server, &refresh_token(&session)).await.0, 200);

    // The old password no longer signs in; the new one does.
    for (password, status) in [
        ("correct horse battery", 401),
        ("battery staple horse", 200),
    ] {
        let login = server
            .http
            .post(server.url("/v1/auth/login"))
            .json(&json!({"username": "ann", "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), status, "{password}");
    }
}
