//! Malformed and out-of-order input: each gets a clear error or close code, changes
//! nothing, and never disturbs other users.

use std::time::Duration;

use chat_protocol::v1::{ClientFrame, ServerFrame, close};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

use crate::common::{Client, TestServer};

/// A server, a room, and a bystander who must keep working throughout.
async fn setup() -> (TestServer, String, String, Client) {
    let server = TestServer::start_with(|c| {
        c.auth_timeout = Duration::from_millis(300);
        c.max_frame_bytes = 16 * 1024;
    })
    .await;
    let ann = server.register("ann").await;
    let room = server.create_room(&ann.token, "r", "public", &[]).await;
    let mut bystander = server.client(&ann.token).await;
    bystander.join(&room, None).await;
    (server, ann.token, room, bystander)
}

async fn assert_bystander_fine(
    server: &TestServer,
    token: &str,
    room: &str,
    bystander: &mut Client,
    expected_seqs: Vec<u64>,
) {
    assert!(matches!(
        bystander.say(room, "still here").await,
        ServerFrame::MessageAck { .. }
    ));
    let mut seqs = server.stored_seqs(token, room).await;
    seqs.pop();
    assert_eq!(seqs, expected_seqs, "bad input stored nothing");
}

#[tokio::test]
async fn malformed_frames_get_errors_and_the_connection_stays_usable() {
    let (server, token, room, mut bystander) = setup().await;
    let mut c = server.client(&token).await;
    c.join(&room, None).await;

    let cases: Vec<(WsMessage, &str)> = vec![
        (WsMessage::text("{not json"), "invalid_request"),
        (WsMessage::text("[1,2,3]"), "invalid_request"),
        (WsMessage::text(r#"{"room_id":"x"}"#), "unknown_type"),
        (WsMessage::text(r#"{"type":"shout","room_id":"x"}"#), "unknown_type"),
        (WsMessage::text(json!({"type": "send_message", "room_id": room, "client_msg_id": 7, "content": "x"}).to_string()), "invalid_request"),
        (WsMessage::text(json!({"type": "send_message", "room_id": room, "content": "no id"}).to_string()), "invalid_request"),
        (WsMessage::text(json!({"type": "send_message", "room_id": room, "client_msg_id": "not-a-uuid", "content": "x"}).to_string()), "invalid_request"),
        (WsMessage::text(json!({"type": "send_message", "room_id": room, "client_msg_id": uuid::Uuid::new_v4(), "content": ""}).to_string()), "invalid_request"),
        (WsMessage::text(json!({"type": "send_message", "room_id": room, "client_msg_id": uuid::Uuid::new_v4(), "content": "x".repeat(4001)}).to_string()), "too_large"),
        (WsMessage::text(json!({"type": "typing", "room_id": room, "is_typing": "yes"}).to_string()), "invalid_request"),
        // A second `authenticate` renews the session (renewal.rs); a bad token is refused.
        (WsMessage::text(json!({"type": "authenticate", "token": "not.a.token"}).to_string()), "unauthorized"),
        (WsMessage::text(json!({"type": "leave_room", "room_id": "never-joined"}).to_string()), "not_found"),
        (WsMessage::binary(vec![1u8, 2, 3]), "invalid_request"),
    ];
    for (message, expected) in cases {
        let shown = format!("{message:?}");
        c.send_raw(message).await;
        let (code, text, _) = c.expect_error().await;
        assert_eq!(code, expected, "{shown}: {text}");
        assert!(!text.is_empty());
    }
    // The same connection still works.
    assert!(matches!(
        c.say(&room, "fine").await,
        ServerFrame::MessageAck { seq: 1, .. }
    ));
    bystander.recv_message().await;
    assert_bystander_fine(&server, &token, &room, &mut bystander, vec![1]).await;
}

#[tokio::test]
async fn an_oversized_frame_closes_with_1009() {
    let (server, token, room, mut bystander) = setup().await;
    let mut c = server.client(&token).await;
    c.send_raw(WsMessage::text("x".repeat(20 * 1024))).await;
    assert_eq!(c.closed().await, Some(close::TOO_LARGE));
    assert_bystander_fine(&server, &token, &room, &mut bystander, vec![]).await;
}

#[tokio::test]
async fn invalid_utf8_closes_with_1007() {
    let (server, token, room, mut bystander) = setup().await;
    let mut c = server.client(&token).await;
    let frame = Frame::message(vec![0x7b, 0xff, 0xfe, 0x7d], OpCode::Data(Data::Text), true);
    c.send_raw(WsMessage::Frame(frame)).await;
    assert_eq!(c.closed().await, Some(close::INVALID_PAYLOAD));
    assert_bystander_fine(&server, &token, &room, &mut bystander, vec![]).await;
}

#[tokio::test]
async fn no_authenticate_within_the_timeout_closes_with_4001() {
    let (server, token, room, mut bystander) = setup().await;
    let mut silent = Client::connect(&server).await;
    match silent.recv().await {
        ServerFrame::Error { code, .. } => assert_eq!(code.as_str(), "unauthorized"),
        other => panic!("{other:?}"),
    }
    assert_eq!(silent.closed().await, Some(close::UNAUTHORIZED));
    assert_bystander_fine(&server, &token, &room, &mut bystander, vec![]).await;
}

#[tokio::test]
async fn operations_before_authentication_are_refused_with_4001() {
    let (server, token, room, mut bystander) = setup().await;
    for early in [
        ClientFrame::JoinRoom {
            room_id: room.clone().into(),
            since_seq: Some(0),
        },
        ClientFrame::SendMessage {
            room_id: room.clone().into(),
            client_msg_id: uuid::Uuid::new_v4().to_string(),
            content: "sneaky".into(),
            reply_to: None,
            mentions: Vec::new(),
            attachments: Vec::new(),
        },
        ClientFrame::Ping,
    ] {
        let mut c = Client::connect(&server).await;
        c.send(&early).await;
        match c.recv().await {
            ServerFrame::Error { code, .. } => assert_eq!(code.as_str(), "unauthorized"),
            other => panic!("{other:?}"),
        }
        assert_eq!(c.closed().await, Some(close::UNAUTHORIZED));
    }
    assert_bystander_fine(&server, &token, &room, &mut bystander, vec![]).await;
}

#[tokio::test]
async fn rooms_one_is_not_in_are_off_limits() {
    let (server, token, room, mut bystander) = setup().await;
    let eve = server.register("eve").await;
    let private = server.create_room(&token, "secret", "private", &[]).await;
    let mut e = server.client(&eve.token).await;

    match e.join(&private, Some(0)).await {
        ServerFrame::Error {
            code, reference, ..
        } => {
            assert_eq!(
                (code.as_str(), reference.as_deref()),
                ("forbidden", Some(private.as_str()))
            );
        }
        other => panic!("{other:?}"),
    }
    // Access is checked before the cursor, so a refusal reveals nothing about the room.
    match e.join(&private, Some(999)).await {
        ServerFrame::Error { code, .. } => assert_eq!(code.as_str(), "forbidden"),
        other => panic!("{other:?}"),
    }
    let id = uuid::Uuid::new_v4().to_string();
    match e.send_with_id(&private, &id, "let me in").await {
        ServerFrame::Error {
            code, reference, ..
        } => {
            assert_eq!(
                (code.as_str(), reference.as_deref()),
                ("forbidden", Some(id.as_str()))
            );
        }
        other => panic!("{other:?}"),
    }
    e.send(&ClientFrame::History {
        room_id: private.clone().into(),
        before_seq: None,
        limit: 10,
    })
    .await;
    assert_eq!(e.expect_error().await.0, "forbidden");
    match e.join("no-such-room", None).await {
        ServerFrame::Error { code, .. } => assert_eq!(code.as_str(), "not_found"),
        other => panic!("{other:?}"),
    }
    let (status, body) = server
        .get_json(&eve.token, &format!("/v1/rooms/{private}/messages"))
        .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    let (status, _) = server
        .get_json(&eve.token, &format!("/v1/rooms/{private}/members"))
        .await;
    assert_eq!(status, 403);
    assert!(server.stored_seqs(&token, &private).await.is_empty());
    assert_bystander_fine(&server, &token, &room, &mut bystander, vec![]).await;
}

/// A request to the WebSocket path that is not a WebSocket upgrade (no upgrade headers,
/// a wrong version, no key) gets a JSON error naming what is missing, and the server
/// goes on upgrading proper requests.
#[tokio::test]
async fn a_request_that_is_not_a_websocket_upgrade_gets_a_json_error() {
    let server = TestServer::start().await;
    let url = server.url(chat_protocol::v1::WS_PATH);
    let upgrade = [
        ("connection", "Upgrade"),
        ("upgrade", "websocket"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    let cases: [(&[usize], &str); 4] = [
        (&[], "Connection: upgrade"),
        (&[0, 2, 3], "Upgrade: websocket"),
        (&[0, 1, 3], "Sec-WebSocket-Version: 13"),
        (&[0, 1, 2], "Sec-WebSocket-Key"),
    ];
    for (headers, missing) in cases {
        let mut request = server.http.get(&url);
        for &index in headers {
            request = request.header(upgrade[index].0, upgrade[index].1);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 400, "without {missing}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "invalid_request", "without {missing}");
        assert!(
            body["message"].as_str().unwrap().contains(missing),
            "without {missing}: {body}"
        );
    }
    let mut version_12 = server.http.get(&url);
    for (name, value) in upgrade {
        let value = if name == "sec-websocket-version" {
            "12"
        } else {
            value
        };
        version_12 = version_12.header(name, value);
    }
    assert_eq!(version_12.send().await.unwrap().status(), 400);
    let ann = server.register("ann").await;
    let mut client = Client::authenticated(&server.ws_url(), &ann.token).await;
    let room = server.create_room(&ann.token, "after", "public", &[]).await;
    let joined = client.join(&room, None).await;
    assert!(
        matches!(joined, ServerFrame::RoomJoined { .. }),
        "{joined:?}"
    );
}
