//! A user's data export (`GET /v1/users/me/export`): every message they sent and did
//! not delete, across pages of the stream, with their profile, rooms, blocks, devices
//! and sign-ins, and nobody else's messages; a budget per hour.

use std::collections::HashSet;

use chat_protocol::v1::{ClientFrame, DataExport, MemberRole, ServerFrame};
use serde_json::json;

use crate::common::{TestServer, send_json};

/// More than two of the server's pages of 500.
const SENT: usize = 1_001;

#[tokio::test]
async fn an_export_holds_everything_of_the_caller_and_nothing_of_anyone_else() {
    let server = TestServer::start_with(|c| {
        c.messages_per_second = 10_000;
        c.message_burst = 10_000;
        c.frames_per_second = 10_000;
        c.frame_burst = 10_000;
    })
    .await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&ann.token, "big", "private", &[&bob.user_id])
        .await;
    let left = server
        .create_room(&ann.token, "left", "private", &[&bob.user_id])
        .await;

    // Ann's sends, pipelined; then one edited and one deleted.
    let mut a = server.client(&ann.token).await;
    for i in 0..SENT {
        a.send(&ClientFrame::SendMessage {
            room_id: room.as_str().into(),
            client_msg_id: uuid::Uuid::new_v4().to_string(),
            content: format!("message {i}"),
            reply_to: None,
            mentions: Vec::new(),
            attachments: Vec::new(),
        })
        .await;
    }
    let mut ids = Vec::new();
    while ids.len() < SENT {
        match a
            .recv_where(|f| {
                matches!(
                    f,
                    ServerFrame::MessageAck { .. } | ServerFrame::Error { .. }
                )
            })
            .await
        {
            ServerFrame::MessageAck { message_id, .. } => ids.push(message_id.to_string()),
            refused => panic!("a send was refused: {refused:?}"),
        }
    }
    a.send(&ClientFrame::EditMessage {
        room_id: room.as_str().into(),
        message_id: ids[0].as_str().into(),
        content: "first, edited".into(),
    })
    .await;
    a.send(&ClientFrame::DeleteMessage {
        room_id: room.as_str().into(),
        message_id: ids[1].as_str().into(),
    })
    .await;
    // Both committed: their room events come back.
    a.recv_where(|f| matches!(f, ServerFrame::MessageEdited { .. }))
        .await;
    a.recv_where(|f| matches!(f, ServerFrame::MessageDeleted { .. }))
        .await;
    let in_left = a.say(&left, "said before leaving").await;
    let (status, _) = send_json(
        &server,
        reqwest::Method::POST,
        Some(&ann.token),
        &format!("/v1/rooms/{left}/leave"),
        json!(null),
    )
    .await;
    assert_eq!(status, 204);
    // Bob's message is his, not ann's; ann blocked him.
    let mut b = server.client(&bob.token).await;
    b.say(&room, "bob's own words").await;
    let path = format!("/v1/users/me/blocks/{}", bob.user_id);
    assert_eq!(
        send_json(
            &server,
            reqwest::Method::PUT,
            Some(&ann.token),
            &path,
            json!(null)
        )
        .await
        .0,
        204
    );

    let response = server
        .http
        .get(server.url("/v1/users/me/export"))
        .bearer_auth(&ann.token)
        .send()
        .await
        .expect("export");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
    );
    let export: DataExport = response.json().await.expect("a DataExport");

    assert_eq!(export.profile.user_id.as_str(), ann.user_id.as_str());
    assert_eq!(export.rooms.len(), 1, "only the rooms she is still in");
    assert_eq!(export.rooms[0].room_id.as_str(), room);
    assert_eq!(export.rooms[0].role, MemberRole::Owner);
    assert_eq!(export.blocks.len(), 1);
    assert_eq!(export.sign_ins.len(), 1);
    assert!(export.sign_ins[0].current);
    assert!(export.devices.is_empty());

    let exported: Vec<&str> = export
        .messages
        .iter()
        .map(|m| m.message_id.as_str())
        .collect();
    assert_eq!(
        exported.len(),
        SENT,
        "every message but the deleted one, and the one in the room she left"
    );
    assert_eq!(
        exported.iter().collect::<HashSet<_>>().len(),
        exported.len(),
        "none twice across pages"
    );
    assert!(!exported.contains(&ids[1].as_str()), "not the deleted one");
    let ServerFrame::MessageAck {
        message_id: left_id,
        ..
    } = in_left
    else {
        panic!("{in_left:?}")
    };
    assert!(
        exported.contains(&left_id.as_str()),
        "the room she left too"
    );
    assert!(
        export
            .messages
            .iter()
            .all(|m| m.sender_id.as_str() == ann.user_id.as_str()),
        "only hers"
    );
    let first = export
        .messages
        .iter()
        .find(|m| m.message_id.as_str() == ids[0])
        .unwrap();
    assert_eq!(first.content, "first, edited");
    assert!(
        export
            .messages
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at),
        "oldest first"
    );

    // Bob's export has his one message.
    let (status, bobs) = server.get_json(&bob.token, "/v1/users/me/export").await;
    assert_eq!(status, 200);
    assert_eq!(bobs["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn exports_need_a_token_and_have_an_hourly_budget() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let (status, body) = server.get_json("not a token", "/v1/users/me/export").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    for _ in 0..6 {
        let (status, body) = server.get_json(&ann.token, "/v1/users/me/export").await;
        assert_eq!(status, 200, "{body}");
        assert!(body["messages"].as_array().unwrap().is_empty());
    }
    let (status, body) = server.get_json(&ann.token, "/v1/users/me/export").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("rate_limited")),
        "{body}"
    );
    let (status, _) = server.get_json(&bob.token, "/v1/users/me/export").await;
    assert_eq!(status, 200, "the budget is each user's own");
}
