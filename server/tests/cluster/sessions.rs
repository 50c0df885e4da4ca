//! Sessions across processes: refresh tokens are one store's state, so a token rotated
//! on one process is spent on every process, and a live connection renews its token on
//! whichever process it is connected to; a password changed on one process signs out
//! connections on the other, and so does a sign-in ended there.

use chat_protocol::v1::{AuthResponse, ClientFrame, ServerFrame};
use serde_json::json;

use crate::common::{http_client, now_secs};
use crate::harness::{Cluster, Node};

async fn refresh(node: &Node, refresh_token: &str) -> (u16, Option<AuthResponse>) {
    let response = http_client()
        .post(node.url("/v1/auth/refresh"))
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.ok())
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_refresh_token_rotated_on_one_process_is_spent_on_the_other() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&["--token-ttl", "1h"]).await;
    let ann = one.register("ann").await;
    let first = ann.refresh_token.clone().expect("refresh token");

    let (status, renewed) = refresh(&two, &first).await;
    assert_eq!(status, 200);
    let renewed = renewed.unwrap();
    // The next token works on the first process; the spent one does not, anywhere,
    // and replaying it there revokes the sign-in everywhere.
    let (status, _) = refresh(&one, &first).await;
    assert_eq!(status, 401);
    let (status, _) = refresh(&two, renewed.refresh_token.as_deref().unwrap()).await;
    assert_eq!(status, 401, "the replay revoked the whole sign-in");

    // A connection on the second process renews with a token minted by the first.
    let mut client = two.client(&ann.token).await;
    let fresh = one.register("bob").await;
    client
        .send(&ClientFrame::Authenticate {
            token: renewed.token.clone(),
        })
        .await;
    let answer = client
        .recv_where(|f| matches!(f, ServerFrame::Authenticated { .. }))
        .await;
    assert!(
        matches!(answer, ServerFrame::Authenticated { ref user_id, expires_at: Some(e), .. }
            if *user_id == ann.user_id && e >= i64::try_from(now_secs()).unwrap() * 1000),
        "{answer:?}"
    );
    // Another user's token is still refused there.
    client
        .send(&ClientFrame::Authenticate { token: fresh.token })
        .await;
    let (code, _, _) = client.expect_error().await;
    assert_eq!(code, "forbidden");
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_push_device_registered_on_one_process_is_known_to_the_other() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&["--token-ttl", "1h"]).await;
    let ann = one.register("ann").await;
    let bob = two.register("bob").await;
    let register = |node: &Node, token: &str, device_token: &str| {
        http_client()
            .post(node.url("/v1/devices"))
            .bearer_auth(token)
            .json(&json!({"platform": "fcm", "token": device_token}))
            .send()
    };
    let devices = |node: &Node, token: &str| {
        let request = http_client()
            .get(node.url("/v1/devices"))
            .bearer_auth(token)
            .send();
        async move {
            let list: serde_json::Value = request.await.unwrap().json().await.unwrap();
            list["devices"].as_array().unwrap().len()
        }
    };
    let device: serde_json::Value = register(&one, &ann.token, "phone-1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(devices(&two, &ann.token).await, 1);

    // Bob registers the same token through the other process: it moves to him.
    let moved: serde_json::Value = register(&two, &bob.token, "phone-1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(moved["device_id"], device["device_id"]);
    assert_eq!(devices(&one, &ann.token).await, 0);

    // Bob signs out on the first process, naming the device: gone on both.
    let logout = http_client()
        .post(one.url("/v1/auth/logout"))
        .json(&json!({"refresh_token": bob.refresh_token, "device_id": moved["device_id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    // The token was forgotten: registered again, it is a new device.
    let carol = two.register("carol").await;
    let fresh: serde_json::Value = register(&two, &carol.token, "phone-1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(fresh["device_id"], moved["device_id"]);
    assert_eq!(devices(&one, &carol.token).await, 1);
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_password_changed_on_one_process_signs_out_connections_on_the_other() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let ann = one.register("ann").await;
    let elsewhere = two.login("ann").await;
    // Token times are whole seconds: the change must come in a later one.
    let minted_by = now_secs();
    while now_secs() <= minted_by {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut there = two.client(&elsewhere.token).await;
    let mut here = two.client(&ann.token).await;
    let changed = http_client()
        .post(one.url("/v1/users/me/password"))
        .bearer_auth(&ann.token)
        .json(&json!({"current_password": "correct horse battery", "new_password": "battery staple horse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let session: AuthResponse = changed.json().await.unwrap();
    assert_eq!(
        there.closed().await,
        Some(chat_protocol::v1::close::UNAUTHORIZED)
    );
    // The connection on the token the change was made with stays, on the other process
    // too, and takes the new session.
    here.send(&ClientFrame::Authenticate {
        token: session.token.clone(),
    })
    .await;
    assert!(matches!(
        here.recv_where(|f| matches!(f, ServerFrame::Authenticated { .. }))
            .await,
        ServerFrame::Authenticated { .. }
    ));
}

/// A request to `node` (as `token`, if any; with a JSON body, if any): its status and
/// its JSON answer (`Null` when there is none).
async fn call(
    node: &Node,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = http_client().request(method, node.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// Whether the connection still answers a ping.
async fn answers(client: &mut crate::common::Client) -> bool {
    client.send(&ClientFrame::Ping).await;
    let answer = client
        .recv_where(|f| matches!(f, ServerFrame::Pong { .. }))
        .await;
    matches!(answer, ServerFrame::Pong { .. })
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_sign_in_ended_on_one_process_closes_its_connections_on_the_other() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let phone = one.register("ann").await;
    let laptop = two.login("ann").await;
    let tablet = two.login("ann").await;
    let mut on_laptop = two.client(&laptop.token).await;
    let mut on_tablet = two.client(&tablet.token).await;
    let mut on_phone = two.client(&phone.token).await;
    let get = reqwest::Method::GET;
    let (_, list) = call(
        &two,
        get.clone(),
        "/v1/users/me/sign-ins",
        Some(&laptop.token),
        None,
    )
    .await;
    let current = list["sign_ins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|sign_in| sign_in["current"] == true)
        .expect("the caller's sign-in is listed");

    // Ended through the first process: the laptop's connection on the second closes.
    let path = format!("/v1/users/me/sign-ins/{}", current["id"].as_str().unwrap());
    let (status, _) = call(
        &one,
        reqwest::Method::DELETE,
        &path,
        Some(&phone.token),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        on_laptop.closed().await,
        Some(chat_protocol::v1::close::UNAUTHORIZED)
    );
    let (status, _) = call(&two, get, "/v1/rooms", Some(&laptop.token), None).await;
    assert_eq!(status, 401);

    // Every other sign-in ended through the first process: the tablet's connection
    // closes on the second, the phone's stays.
    let path = "/v1/users/me/sign-ins/end-others";
    let others = call(&one, reqwest::Method::POST, path, Some(&phone.token), None).await;
    assert_eq!(others, (200, json!({"ended": 1})));
    assert_eq!(
        on_tablet.closed().await,
        Some(chat_protocol::v1::close::UNAUTHORIZED)
    );
    assert!(answers(&mut on_phone).await);
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_password_reset_on_one_process_signs_out_connections_on_the_other() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&["--admin-user", "root"]).await;
    let root = one.register("root").await;
    let ann = two.register("ann").await;
    let mut on_two = two.client(&ann.token).await;
    // Granted through the second process, redeemed through the first.
    let path = format!("/v1/admin/users/{}/password-reset", ann.user_id);
    let (status, granted) = call(&two, reqwest::Method::POST, &path, Some(&root.token), None).await;
    assert_eq!(status, 200, "{granted}");
    let body =
        json!({"reset_token": granted["reset_token"], "new_password": "battery staple horse"});
    let (status, session) = call(
        &one,
        reqwest::Method::POST,
        "/v1/auth/password-reset",
        None,
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(
        on_two.closed().await,
        Some(chat_protocol::v1::close::UNAUTHORIZED)
    );
    let session: AuthResponse = serde_json::from_value(session).unwrap();
    let mut again = two.client(&session.token).await;
    assert!(answers(&mut again).await);
}
