//! Resetting a forgotten password: a server admin gets a one-time reset token for a user
//! and the user trades it for a new password and a new sign-in, which signs every other
//! sign-in out. Every refusal changes nothing.

use chat_protocol::v1::{AuthResponse, PasswordResetGrant};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{TestServer, send_json};

async fn grant(server: &TestServer, token: Option<&str>, user_id: &str) -> (u16, Value) {
    let path = format!("/v1/admin/users/{user_id}/password-reset");
    send_json(server, Method::POST, token, &path, Value::Null).await
}

async fn redeem(server: &TestServer, body: Value) -> (u16, Value) {
    send_json(server, Method::POST, None, "/v1/auth/password-reset", body).await
}

async fn login(server: &TestServer, password: &str) -> u16 {
    let body = json!({"username": "ann", "password": password});
    send_json(server, Method::POST, None, "/v1/auth/login", body)
        .await
        .0
}

#[tokio::test]
async fn an_admin_grants_a_reset_token_and_redeeming_it_signs_every_device_out() {
    let server = TestServer::start_with(|c| c.admin_users = vec!["root".into()]).await;
    let root = server.register("root").await;
    let phone = server.register("ann").await;
    let tablet = server.login("ann").await;
    let mut on_phone = server.client(&phone.token).await;
    let mut on_tablet = server.client(&tablet.token).await;
    let ann = phone.user_id.as_str();

    // Only a server admin, only for a user with a password here.
    let refusals = [
        (None, ann.to_owned(), 401, "unauthorized"),
        (Some(&phone.token), ann.to_owned(), 403, "forbidden"),
        (Some(&root.token), "x".repeat(200), 400, "invalid_request"),
        (
            Some(&root.token),
            "0193a0c2-7777-7c3a-9d1e-2f4b6a8c0e11".into(),
            404,
            "not_found",
        ),
    ];
    for (token, user_id, status, code) in refusals {
        let (got, body) = grant(&server, token.map(String::as_str), &user_id).await;
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
    }
    let (status, body) = grant(&server, Some(&root.token), ann).await;
    assert_eq!(status, 200, "{body}");
    let granted: PasswordResetGrant = serde_json::from_value(body).unwrap();
    assert_eq!(granted.reset_token.len(), 64);
    let in_an_hour = crate::common::now_secs() as i64 * 1000 + 3_600_000;
    assert!((in_an_hour - 5_000..=in_an_hour + 5_000).contains(&granted.expires_at));

    // Refused, and the token stays usable: a made-up or empty token, a short password,
    // a bad device name, a body that is not the JSON asked for.
    let token = granted.reset_token.clone();
    let refusals = [
        (
            json!({"reset_token": "f".repeat(64), "new_password": "battery staple horse"}),
            401,
            "unauthorized",
        ),
        (
            json!({"reset_token": "", "new_password": "battery staple horse"}),
            400,
            "invalid_request",
        ),
        (
            json!({"reset_token": token, "new_password": "short"}),
            400,
            "invalid_request",
        ),
        (
            json!({"reset_token": token, "new_password": "battery staple horse", "device_name": ""}),
            400,
            "invalid_request",
        ),
        (json!({"reset_token": token}), 400, "invalid_request"),
    ];
    for (body, status, code) in refusals {
        let (got, answer) = redeem(&server, body.clone()).await;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{body}: {answer}"
        );
    }
    assert_eq!(
        login(&server, "correct horse battery").await,
        200,
        "nothing changed yet"
    );

    // Redeemed: a new sign-in, every connection of the user closed, every older token
    // refused, and only the new password signs in.
    let body = json!({"reset_token": token, "new_password": "battery staple horse", "device_name": "Laptop"});
    let (status, answer) = redeem(&server, body.clone()).await;
    assert_eq!(status, 200, "{answer}");
    let session: AuthResponse = serde_json::from_value(answer).unwrap();
    assert_eq!(session.user_id, phone.user_id);
    assert_eq!(on_phone.closed().await, Some(4001));
    assert_eq!(on_tablet.closed().await, Some(4001));
    for old in [&phone.token, &tablet.token] {
        assert_eq!(server.get_json(old, "/v1/rooms").await.0, 401);
    }
    let (status, list) = server
        .get_json(&session.token, "/v1/users/me/sign-ins")
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["sign_ins"][0]["device_name"], "Laptop");
    assert_eq!(list["sign_ins"].as_array().map(Vec::len), Some(1));
    assert_eq!(login(&server, "correct horse battery").await, 401);
    assert_eq!(login(&server, "battery staple horse").await, 200);
    // Once only.
    let (status, answer) = redeem(&server, body).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some("unauthorized"))
    );
}

#[tokio::test]
async fn with_an_external_issuer_there_are_no_passwords_to_reset() {
    let keys = crate::common::IssuerKeys::generate();
    let server = keys.server().await;
    let body = json!({"reset_token": "f".repeat(64), "new_password": "battery staple horse"});
    let (status, answer) = redeem(&server, body).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (403, Some("forbidden")),
        "{answer}"
    );
}
