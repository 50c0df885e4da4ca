//! A user's sign-ins (`/v1/users/me/sign-ins`): listed with their device names, ended
//! one at a time or all but the caller's, and what ending one does everywhere: refresh
//! and access tokens refused, connections closed with 4001, push devices forgotten. A
//! sign-out ends its sign-in the same way.

use chat_protocol::v1::{AuthResponse, SignInList};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{TestServer, send_json};

/// Registers or signs `name` in from a device called `device_name`.
async fn sign_in_from(
    server: &TestServer,
    path: &str,
    name: &str,
    device_name: Option<&str>,
) -> (u16, Value) {
    let mut body = json!({"username": name, "password": "correct horse battery"});
    if let Some(device_name) = device_name {
        body["device_name"] = json!(device_name);
    }
    send_json(server, Method::POST, None, path, body).await
}

async fn session(
    server: &TestServer,
    path: &str,
    name: &str,
    device: Option<&str>,
) -> AuthResponse {
    let (status, body) = sign_in_from(server, path, name, device).await;
    assert!(status == 200 || status == 201, "{status} {body}");
    serde_json::from_value(body).unwrap()
}

async fn sign_ins(server: &TestServer, token: &str) -> SignInList {
    let (status, body) = server.get_json(token, "/v1/users/me/sign-ins").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

/// The listed sign-ins as (device name, current).
fn names(list: &SignInList) -> Vec<(Option<&str>, bool)> {
    list.sign_ins
        .iter()
        .map(|sign_in| (sign_in.device_name.as_deref(), sign_in.current))
        .collect()
}

async fn end(server: &TestServer, token: Option<&str>, sign_in_id: &str) -> (u16, Value) {
    let path = format!("/v1/users/me/sign-ins/{sign_in_id}");
    send_json(server, Method::DELETE, token, &path, Value::Null).await
}

async fn refresh(server: &TestServer, session: &AuthResponse) -> (u16, Value) {
    let refresh_token = session.refresh_token.clone().expect("a refresh token");
    let body = json!({ "refresh_token": refresh_token });
    send_json(server, Method::POST, None, "/v1/auth/refresh", body).await
}

/// Changes ann's password as `token`.
async fn change_password(server: &TestServer, token: &str) -> (u16, Value) {
    let body = json!({"current_password": "correct horse battery", "new_password": "battery staple horse"});
    send_json(
        server,
        Method::POST,
        Some(token),
        "/v1/users/me/password",
        body,
    )
    .await
}

#[tokio::test]
async fn sign_ins_are_listed_and_ending_one_signs_that_device_out_everywhere() {
    let server = TestServer::start().await;
    let phone = session(&server, "/v1/auth/register", "ann", Some("  Pixel 8 ")).await;
    let laptop = session(&server, "/v1/auth/login", "ann", Some("Firefox on Linux")).await;
    let tablet = session(&server, "/v1/auth/login", "ann", None).await;
    let bob = server.register("bob").await;

    // Bad device names are refused before anything happens: no sign-in is added.
    for bad in [
        json!(""),
        json!("   "),
        json!("x".repeat(65)),
        json!("a\nb"),
        json!(7),
    ] {
        let body =
            json!({"username": "ann", "password": "correct horse battery", "device_name": bad});
        let (status, answer) = send_json(&server, Method::POST, None, "/v1/auth/login", body).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some("invalid_request")),
            "{bad}: {answer}"
        );
    }
    let listed = sign_ins(&server, &phone.token).await;
    assert_eq!(
        names(&listed),
        [
            (None, false),
            (Some("Firefox on Linux"), false),
            (Some("Pixel 8"), true)
        ],
        "most recently active first, the caller's marked"
    );
    let id_of = |name: Option<&str>| {
        let found = listed
            .sign_ins
            .iter()
            .find(|s| s.device_name.as_deref() == name);
        found.expect("listed").id.clone()
    };
    let (laptop_id, tablet_id) = (id_of(Some("Firefox on Linux")), id_of(None));
    let bobs_id = sign_ins(&server, &bob.token).await.sign_ins[0].id.clone();

    // Refusals change nothing: no token, a malformed id, someone else's, an unknown one.
    let refusals = [
        (None, laptop_id.clone(), 401, "unauthorized"),
        (Some(&phone.token), "x".repeat(200), 400, "invalid_request"),
        (Some(&phone.token), bobs_id.clone(), 404, "not_found"),
        (
            Some(&phone.token),
            "0193a0c2-7777-7c3a-9d1e-2f4b6a8c0e11".into(),
            404,
            "not_found",
        ),
    ];
    for (token, id, status, code) in refusals {
        let (got, answer) = end(&server, token.map(String::as_str), &id).await;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{answer}"
        );
    }
    assert_eq!(sign_ins(&server, &phone.token).await.sign_ins.len(), 3);
    assert_eq!(sign_ins(&server, &bob.token).await.sign_ins.len(), 1);

    // The laptop registers a push device and, like the tablet, connects.
    let (status, _) = send_json(
        &server,
        Method::POST,
        Some(&laptop.token),
        "/v1/devices",
        json!({"platform": "fcm", "token": "laptop-device-token"}),
    )
    .await;
    assert_eq!(status, 200);
    let mut on_laptop = server.client(&laptop.token).await;
    let mut on_tablet = server.client(&tablet.token).await;
    let mut on_phone = server.client(&phone.token).await;

    // The phone ends the laptop's sign-in.
    let (status, body) = end(&server, Some(&phone.token), &laptop_id).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(on_laptop.closed().await, Some(4001));
    let (status, body) = server.get_json(&laptop.token, "/v1/rooms").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthorized")),
        "{body}"
    );
    assert_eq!(refresh(&server, &laptop).await.0, 401);
    let mut again = crate::common::Client::connect(&server).await;
    again
        .send(&chat_protocol::v1::ClientFrame::Authenticate {
            token: laptop.token.clone(),
        })
        .await;
    assert_eq!(
        again.closed().await,
        Some(4001),
        "a new connection is refused too"
    );
    let (_, devices) = server.get_json(&phone.token, "/v1/devices").await;
    assert_eq!(
        devices["devices"],
        json!([]),
        "the laptop's push device is gone"
    );
    assert_eq!(end(&server, Some(&phone.token), &laptop_id).await.0, 404);
    // Everyone else goes on.
    assert!(on_tablet.drain().await.is_empty());
    assert!(on_phone.drain().await.is_empty());
    assert_eq!(server.get_json(&bob.token, "/v1/rooms").await.0, 200);

    // A refresh keeps the sign-in and its access tokens name it: the tablet is now the
    // most recently active, and its new token's sign-in is the current one.
    let (status, body) = refresh(&server, &tablet).await;
    assert_eq!(status, 200, "{body}");
    let renewed: AuthResponse = serde_json::from_value(body).unwrap();
    let seen_by_tablet = sign_ins(&server, &renewed.token).await;
    assert_eq!(
        names(&seen_by_tablet),
        [(None, true), (Some("Pixel 8"), false)]
    );
    assert_eq!(seen_by_tablet.sign_ins[0].id, tablet_id);

    // Ending every other sign-in: the tablet's connection closes, its tokens are
    // refused, the phone goes on.
    let (status, body) = send_json(
        &server,
        Method::POST,
        Some(&phone.token),
        "/v1/users/me/sign-ins/end-others",
        Value::Null,
    )
    .await;
    assert_eq!((status, body), (200, json!({"ended": 1})));
    assert_eq!(on_tablet.closed().await, Some(4001));
    assert_eq!(server.get_json(&renewed.token, "/v1/rooms").await.0, 401);
    assert_eq!(refresh(&server, &renewed).await.0, 401);
    assert!(on_phone.drain().await.is_empty());
    assert_eq!(
        names(&sign_ins(&server, &phone.token).await),
        [(Some("Pixel 8"), true)]
    );
    assert_eq!(
        sign_ins(&server, &bob.token).await.sign_ins.len(),
        1,
        "bob's stays"
    );

    // A sign-out ends the phone's sign-in the same way: its access token is refused
    // at once and its connection closes.
    let body = json!({"refresh_token": phone.refresh_token.clone().unwrap()});
    let (status, _) = send_json(&server, Method::POST, None, "/v1/auth/logout", body).await;
    assert_eq!(status, 204);
    assert_eq!(on_phone.closed().await, Some(4001));
    let (status, body) = server.get_json(&phone.token, "/v1/users/me").await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn a_password_change_starts_a_sign_in_with_the_same_device_name() {
    let server = TestServer::start().await;
    let phone = session(&server, "/v1/auth/register", "ann", Some("Pixel 8")).await;
    let _laptop = session(&server, "/v1/auth/login", "ann", Some("Laptop")).await;
    let (status, answer) = change_password(&server, &phone.token).await;
    assert_eq!(status, 200, "{answer}");
    let changed: AuthResponse = serde_json::from_value(answer).unwrap();
    assert_eq!(
        names(&sign_ins(&server, &changed.token).await),
        [(Some("Pixel 8"), true)]
    );
}

#[tokio::test]
async fn with_an_external_issuer_there_are_no_sign_ins_to_list() {
    let keys = crate::common::IssuerKeys::generate();
    let server = keys.server().await;
    // Its tokens may carry a claim of the same name: it is not a sign-in here.
    let claims =
        json!({"sub": "ext-1", "exp": crate::common::now_secs() + 600, "chat_sign_in": "x"});
    let token = keys.sign(&claims);
    for (method, path) in [
        (Method::GET, "/v1/users/me/sign-ins"),
        (Method::POST, "/v1/users/me/sign-ins/end-others"),
        (Method::DELETE, "/v1/users/me/sign-ins/x"),
    ] {
        let (status, body) = send_json(&server, method, Some(&token), path, Value::Null).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("forbidden")),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn a_password_change_signs_out_sign_ins_whose_tokens_are_of_the_same_second() {
    let server = TestServer::start().await;
    let phone = server.register("ann").await;
    let stolen = server.login("ann").await;
    let mut there = server.client(&stolen.token).await;
    let mut here = server.client(&phone.token).await;
    // No wait for the next second: the tokens' `iat` may equal the change's.
    let (status, answer) = change_password(&server, &phone.token).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(there.closed().await, Some(4001));
    assert_eq!(server.get_json(&stolen.token, "/v1/rooms").await.0, 401);
    assert!(
        here.drain().await.is_empty(),
        "the changing device's connection stays"
    );
}

/// Connections authenticating while their sign-in ends: each is refused at its
/// handshake, or closed once it is in. None stays open, however the two interleave (a
/// closure that comes between a connection's token check and its registration makes
/// the server check the token again).
#[tokio::test]
async fn no_connection_outlives_a_sign_in_ended_while_it_connects() {
    // Closed connections leave the hub a moment later: room for a few rounds of them.
    // Sign-ins are limited per client address: each round's comes from another one, as
    // a trusted proxy says.
    let server = TestServer::start_with(|c| {
        c.max_connections_per_user = 100;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let phone = server.register("ann").await;
    // Without the second check, about one run in two lets a connection through here.
    for round in 0..100 {
        let laptop: AuthResponse = server
            .http
            .post(server.url("/v1/auth/login"))
            .header("x-forwarded-for", format!("10.0.0.{round}"))
            .json(&json!({"username": "ann", "password": "correct horse battery"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let (_, list) = server
            .get_json(&laptop.token, "/v1/users/me/sign-ins")
            .await;
        let laptop_id = list["sign_ins"][0]["id"].as_str().unwrap().to_owned();
        let connecting = (0..6).map(|_| {
            let (ws_url, token) = (server.ws_url(), laptop.token.clone());
            tokio::spawn(async move {
                let mut client = crate::common::Client::connect_to(&ws_url).await;
                client
                    .send(&chat_protocol::v1::ClientFrame::Authenticate { token })
                    .await;
                client.closed().await
            })
        });
        let connecting: Vec<_> = connecting.collect();
        let (status, _) = end(&server, Some(&phone.token), &laptop_id).await;
        assert_eq!(status, 204);
        for client in connecting {
            assert_eq!(client.await.unwrap(), Some(4001));
        }
    }
}
