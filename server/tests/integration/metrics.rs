//! `GET /metrics` after a scripted session: every counter matches what happened.
//!
//! The recorder is process-wide; nextest runs each test in its own process, so the
//! counts here are this test's alone.

use std::collections::HashMap;
use std::time::Duration;

use chat_protocol::v1::{ClientFrame, ServerFrame, close};
use serde_json::json;

use crate::common::{Client, TestServer};

/// Every sample of the exposition: `name{labels}` → value.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

pub async fn scrape(server: &TestServer) -> (String, HashMap<String, f64>) {
    let response = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let parsed = samples(&text);
    (text, parsed)
}

#[tokio::test]
async fn the_counters_match_a_scripted_session() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server.create_room(&ann.token, "r", "public", &[]).await;

    // One wrong password, one forged token.
    let wrong = server
        .http
        .post(server.url("/v1/auth/login"))
        .json(&json!({"username": "ann", "password": "not the password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let mut forged = Client::connect(&server).await;
    forged
        .send(&ClientFrame::Authenticate {
            token: "not.a.token".into(),
        })
        .await;
    assert_eq!(forged.closed().await, Some(close::UNAUTHORIZED));

    let mut a = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    a.join(&room, None).await;
    b.join(&room, None).await;
    for i in 0..3 {
        a.say(&room, &format!("message {i}")).await;
        b.recv_message().await;
    }
    a.send(&ClientFrame::Typing {
        room_id: room.clone().into(),
        is_typing: true,
    })
    .await;
    b.recv_where(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    let rest = server
        .http
        .post(server.url(&format!("/v1/rooms/{room}/messages")))
        .bearer_auth(&bob.token)
        .header("idempotency-key", "0193a0c2-0000-7000-8000-0000000000aa")
        .json(&json!({"content": "over REST"}))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 201);
    a.recv_message().await;

    // The gauges settle once the forged connection's task has ended.
    let mut scraped = scrape(&server).await;
    for _ in 0..100 {
        if scraped.1.get("chat_websocket_connections") == Some(&2.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        scraped = scrape(&server).await;
    }
    let (text, m) = scraped;
    let at = |name: &str| {
        m.get(name)
            .copied()
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
    };

    assert_eq!(at("chat_websocket_connections"), 2.0);
    assert_eq!(at("chat_authenticated_users"), 2.0);
    assert_eq!(
        at(r#"chat_room_events_committed_total{kind="message"}"#),
        4.0
    );
    assert_eq!(at(r#"chat_message_acks_total{transport="websocket"}"#), 3.0);
    assert_eq!(at(r#"chat_message_acks_total{transport="rest"}"#), 1.0);
    assert_eq!(
        at(r#"chat_frames_received_total{type="send_message"}"#),
        3.0
    );
    assert_eq!(at(r#"chat_frames_received_total{type="join_room"}"#), 2.0);
    assert_eq!(at(r#"chat_frames_received_total{type="typing"}"#), 1.0);
    assert_eq!(
        at(r#"chat_frames_received_total{type="authenticate"}"#),
        3.0
    );
    // Bob's joining the public room is a room event too.
    assert_eq!(
        at(r#"chat_room_events_committed_total{kind="member"}"#),
        1.0
    );
    // Four messages and Bob's joining, each queued to the two connections in the room.
    assert_eq!(at("chat_fanout_deliveries_total"), 10.0);
    assert_eq!(at(r#"chat_frames_sent_total{type="message_ack"}"#), 3.0);
    assert_eq!(at(r#"chat_frames_sent_total{type="typing"}"#), 1.0);
    assert_eq!(
        at(r#"chat_auth_failures_total{reason="bad_credentials"}"#),
        1.0
    );
    assert_eq!(
        at(r#"chat_auth_failures_total{reason="invalid_token"}"#),
        1.0
    );
    assert_eq!(
        at(r#"chat_connections_closed_total{reason="unauthorized"}"#),
        1.0
    );
    assert_eq!(at("chat_send_to_fanout_seconds_count"), 4.0);
    let batches = at("chat_store_commit_batch_size_count");
    assert!((1.0..=4.0).contains(&batches), "{batches} commit batches");
    assert_eq!(at("chat_store_commit_batch_size_sum"), 4.0);
    assert!(text.contains("# HELP chat_room_events_committed_total"));
}
