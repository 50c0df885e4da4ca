//! The push device registry: registering, refreshing and moving tokens, the per-user cap,
//! and what sign-out and account deletion take with them.

use chat_protocol::v1::{AuthResponse, MAX_DEVICES_PER_USER};
use serde_json::{Value, json};

use crate::common::TestServer;

/// A P-256 public key (0x04, x, y: 65 bytes) and an auth secret (16 bytes), base64url.
const P256DH: &str =
    "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
const AUTH: &str = "tBHItJI5svbpez7KI4CCXg";

async fn register_device(server: &TestServer, token: &str, body: &Value) -> (u16, Value) {
    let response = server
        .http
        .post(server.url("/v1/devices"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn unregister_device(server: &TestServer, token: &str, device_id: &str) -> u16 {
    server
        .http
        .delete(server.url(&format!("/v1/devices/{device_id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The ids of the user's devices, most recently registered first.
async fn device_ids(server: &TestServer, token: &str) -> Vec<String> {
    let (status, body) = server.get_json(token, "/v1/devices").await;
    assert_eq!(status, 200, "{body}");
    body["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|device| device["device_id"].as_str().unwrap().to_owned())
        .collect()
}

fn fcm(token: &str) -> Value {
    json!({"platform": "fcm", "token": token, "app_id": "com.example.chat"})
}

fn refresh_token(auth: &AuthResponse) -> String {
    auth.refresh_token
        .clone()
        .expect("built-in auth issues refresh tokens")
}

#[tokio::test]
async fn devices_are_registered_refreshed_listed_and_unregistered() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;

    let apns = json!({"platform": "apns", "token": "00FF".repeat(16), "environment": "sandbox"});
    let (status, phone) = register_device(&server, &ann.token, &apns).await;
    assert_eq!(status, 200, "{phone}");
    assert_eq!(phone["platform"], "apns");
    assert_eq!(phone["environment"], "sandbox");
    assert_eq!(
        phone["token_hint"], "00ff00ff",
        "the token is kept in lowercase"
    );
    assert!(phone.get("token").is_none(), "the token is never sent back");

    // Apps register at every start: the same token (in any case) is the same device.
    let again = json!({"platform": "apns", "token": "00ff".repeat(16), "environment": "sandbox"});
    let (status, refreshed) = register_device(&server, &ann.token, &again).await;
    assert_eq!(status, 200);
    assert_eq!(refreshed["device_id"], phone["device_id"]);
    assert_eq!(refreshed["registered_at"], phone["registered_at"]);
    assert!(refreshed["refreshed_at"].as_i64() >= phone["refreshed_at"].as_i64());

    let browser = json!({"platform": "webpush", "subscription": {
        "endpoint": "https://push.example.net/send/abc",
        "keys": {"p256dh": P256DH, "auth": AUTH}}});
    let (status, web) = register_device(&server, &ann.token, &browser).await;
    assert_eq!(status, 200, "{web}");
    let (status, android) = register_device(&server, &ann.token, &fcm("fcm-token:1")).await;
    assert_eq!(status, 200, "{android}");
    assert_eq!(android["app_id"], "com.example.chat");

    let ids = device_ids(&server, &ann.token).await;
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], android["device_id"].as_str().unwrap());
    assert!(device_ids(&server, &bob.token).await.is_empty());

    // Only its owner unregisters a device.
    let web_id = web["device_id"].as_str().unwrap();
    assert_eq!(unregister_device(&server, &bob.token, web_id).await, 404);
    assert_eq!(unregister_device(&server, &ann.token, web_id).await, 204);
    assert_eq!(unregister_device(&server, &ann.token, web_id).await, 404);
    assert_eq!(device_ids(&server, &ann.token).await.len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn a_token_registered_by_another_user_moves_to_them() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let (_, anns) = register_device(&server, &ann.token, &fcm("shared-phone")).await;

    // Bob signs in on Ann's old phone: its notifications are his from now on.
    let (status, bobs) = register_device(&server, &bob.token, &fcm("shared-phone")).await;
    assert_eq!(status, 200);
    assert_eq!(bobs["device_id"], anns["device_id"]);
    assert!(device_ids(&server, &ann.token).await.is_empty());
    assert_eq!(device_ids(&server, &bob.token).await.len(), 1);
    let id = anns["device_id"].as_str().unwrap();
    assert_eq!(unregister_device(&server, &ann.token, id).await, 404);

    // The same token on another platform is another device.
    let (_, other) = register_device(
        &server,
        &ann.token,
        &json!({"platform": "apns", "token": "abcd"}),
    )
    .await;
    let (_, fcm_abcd) = register_device(&server, &ann.token, &fcm("abcd")).await;
    assert_ne!(other["device_id"], fcm_abcd["device_id"]);
    server.stop().await;
}

#[tokio::test]
async fn malformed_registrations_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let keys = json!({"p256dh": P256DH, "auth": AUTH});
    let refused = [
        json!({"platform": "apns"}),
        json!({"platform": "apns", "token": ""}),
        json!({"platform": "apns", "token": "not hex"}),
        json!({"platform": "apns", "token": "abc"}),
        json!({"platform": "apns", "token": "ab".repeat(101)}),
        json!({"platform": "fcm", "token": "has a space"}),
        json!({"platform": "fcm", "token": "x".repeat(4097)}),
        json!({"platform": "fcm", "token": "t", "environment": "sandbox"}),
        json!({"platform": "fcm", "token": "t", "app_id": "<script>"}),
        json!({"platform": "fcm", "token": "t", "subscription": {
            "endpoint": "https://push.example.net/x", "keys": keys}}),
        json!({"platform": "webpush", "token": "t"}),
        json!({"platform": "webpush", "subscription": {
            "endpoint": "http://push.example.net/x", "keys": keys}}),
        json!({"platform": "webpush", "subscription": {
            "endpoint": "not a url", "keys": keys}}),
        json!({"platform": "webpush", "subscription": {
            "endpoint": format!("https://push.example.net/{}", "x".repeat(2048)), "keys": keys}}),
        json!({"platform": "webpush", "subscription": {
            "endpoint": "https://push.example.net/x", "keys": {"p256dh": AUTH, "auth": AUTH}}}),
        json!({"platform": "webpush", "subscription": {
            "endpoint": "https://push.example.net/x", "keys": {"p256dh": P256DH, "auth": P256DH}}}),
        json!({"platform": "webpush", "subscription": {
            "endpoint": "https://push.example.net/x", "keys": {"p256dh": "!!", "auth": AUTH}}}),
        json!({"platform": "carrier-pigeon", "token": "t"}),
        json!({"token": "t"}),
        json!([]),
    ];
    for body in &refused {
        let (status, error) = register_device(&server, &ann.token, body).await;
        assert_eq!(status, 400, "{body} → {error}");
        assert_eq!(error["code"], "invalid_request", "{body} → {error}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    let (status, error) = register_device(&server, "not a token", &fcm("t")).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (401, Some("unauthorized"))
    );
    assert_eq!(
        unregister_device(&server, &ann.token, &"x".repeat(129)).await,
        400
    );
    assert!(device_ids(&server, &ann.token).await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn past_the_cap_the_device_refreshed_longest_ago_is_forgotten() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let mut first = Vec::new();
    for n in 0..MAX_DEVICES_PER_USER {
        let (status, device) = register_device(&server, &ann.token, &fcm(&format!("t{n}"))).await;
        assert_eq!(status, 200);
        first.push(device["device_id"].as_str().unwrap().to_owned());
        // Registration times are milliseconds: keep them apart so the order is certain.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    // Refreshing the oldest makes it the newest, so the second oldest is the one to go.
    assert_eq!(
        register_device(&server, &ann.token, &fcm("t0")).await.0,
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let (status, newest) = register_device(&server, &ann.token, &fcm("one-more")).await;
    assert_eq!(status, 200);
    let ids = device_ids(&server, &ann.token).await;
    assert_eq!(ids.len(), MAX_DEVICES_PER_USER);
    assert!(ids.contains(&first[0]));
    assert!(!ids.contains(&first[1]));
    assert_eq!(ids[0], newest["device_id"].as_str().unwrap());
    server.stop().await;
}

#[tokio::test]
async fn signing_out_with_a_device_id_unregisters_only_that_device_of_that_user() {
    let server = TestServer::start().await;
    let ann_phone = server.register("ann").await;
    let ann_tablet = server.login("ann").await;
    let ann_laptop = server.login("ann").await;
    let bob = server.register("bob").await;
    let (_, anns) = register_device(&server, &ann_phone.token, &fcm("ann-phone")).await;
    let (_, anns_tablet) = register_device(&server, &ann_tablet.token, &fcm("ann-tablet")).await;
    let (_, bobs) = register_device(&server, &bob.token, &fcm("bob-phone")).await;

    let logout = |refresh: String, device: Option<&Value>| {
        let device_id = device.map(|device| device["device_id"].clone());
        server
            .http
            .post(server.url("/v1/auth/logout"))
            .json(&json!({"refresh_token": refresh, "device_id": device_id}))
            .send()
    };
    // Ann's sign-out naming Bob's device leaves it alone (and hers: the laptop's
    // sign-in registered none).
    let status = logout(refresh_token(&ann_laptop), Some(&bobs))
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert_eq!(device_ids(&server, &bob.token).await.len(), 1);
    assert_eq!(device_ids(&server, &ann_phone.token).await.len(), 2);

    let status = logout(refresh_token(&ann_phone), Some(&anns))
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert_eq!(
        device_ids(&server, &ann_tablet.token).await,
        [anns_tablet["device_id"].as_str().unwrap()]
    );
    // A sign-out naming no device still forgets the devices its sign-in registered.
    let status = logout(refresh_token(&ann_tablet), None)
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    let ann_again = server.login("ann").await;
    assert!(device_ids(&server, &ann_again.token).await.is_empty());

    // A malformed device id is refused before anything is revoked.
    let bad = server
        .http
        .post(server.url("/v1/auth/logout"))
        .json(&json!({"refresh_token": refresh_token(&bob), "device_id": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    server.stop().await;
}

#[tokio::test]
async fn a_deleted_account_takes_its_devices_with_it() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let (_, anns) = register_device(&server, &ann.token, &fcm("ann-phone")).await;
    let deleted = server
        .http
        .delete(server.url("/v1/users/me"))
        .bearer_auth(&ann.token)
        .json(&json!({"password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    // The token was forgotten: registered again, it is a new device.
    let (_, bobs) = register_device(&server, &bob.token, &fcm("ann-phone")).await;
    assert_ne!(bobs["device_id"], anns["device_id"]);
    server.stop().await;
}
