//! A user's data export (`GET /v1/users/me/export`): every message they sent and did
//! not delete and every reaction of theirs, across pages of the stream, with their
//! profile, rooms, blocks, devices, sign-ins and the reports they filed, and nothing of
//! anyone else's; a budget per hour.

use std::collections::HashSet;

use chat_protocol::v1::{ClientFrame, DataExport, MemberRole, ServerFrame};
use serde_json::json;

use crate::common::{TestServer, ack_id, send_json};

/// More than two of the server's pages of 500.
const SENT: usize = 1_001;
/// More than one page: the messages ann reacts to.
const REACTED: usize = 501;

fn react(room: &str, message: &str, emoji: &str) -> ClientFrame {
    ClientFrame::React {
        room_id: room.into(),
        message_id: message.into(),
        emoji: emoji.into(),
        on: true,
    }
}

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
    // Her reactions: one on each of more than a page of messages, a second emoji on the
    // first of them and on the one whose two reactions the first page's end falls
    // between (the 500th and 501st in message then emoji order), and one in the room
    // she leaves.
    for id in &ids[2..2 + REACTED] {
        a.send(&react(&room, id, "👍")).await;
    }
    a.send(&react(&room, &ids[2], "🎉")).await;
    a.send(&react(&room, &ids[500], "🎉")).await;
    for _ in 0..REACTED + 2 {
        a.recv_where(|f| matches!(f, ServerFrame::Reaction(_)))
            .await;
    }
    let in_left = a.say(&left, "said before leaving").await;
    a.send(&react(&left, &ack_id(&in_left), "🙂")).await;
    a.recv_where(|f| matches!(f, ServerFrame::Reaction(_)))
        .await;
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
    let bobs_message = ack_id(&b.say(&room, "bob's own words").await);
    // Exactly a page of reactions of bob's: the page after it is empty.
    for id in &ids[3..503] {
        b.send(&react(&room, id, "👎")).await;
    }
    for _ in 0..500 {
        b.recv_where(|f| matches!(f, ServerFrame::Reaction(_)))
            .await;
    }
    // Ann reports his message.
    // She saves bob's message: the export says which and when, not his words.
    let path = format!("/v1/rooms/{room}/messages/{bobs_message}/saved");
    let (status, _) = send_json(
        &server,
        reqwest::Method::PUT,
        Some(&ann.token),
        &path,
        json!(null),
    )
    .await;
    assert_eq!(status, 204);
    let report = json!({"room_id": room, "message_id": bobs_message, "reason": "rude"});
    let (status, _) = send_json(
        &server,
        reqwest::Method::POST,
        Some(&ann.token),
        "/v1/reports",
        report,
    )
    .await;
    assert_eq!(status, 201);
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

    // Her reactions, across pages, none twice, in message then emoji order; bob's
    // is not there.
    let reactions: Vec<(&str, &str)> = export
        .reactions
        .iter()
        .map(|r| (r.message_id.as_str(), r.emoji.as_str()))
        .collect();
    assert_eq!(reactions.len(), REACTED + 3, "{:?}", &reactions[..3]);
    assert_eq!(
        reactions.iter().collect::<HashSet<_>>().len(),
        reactions.len(),
        "none twice across pages"
    );
    assert!(
        reactions.windows(2).all(|w| w[0].0 <= w[1].0),
        "in the order of the messages"
    );
    for emoji in ["🎉", "👍"] {
        assert!(reactions.contains(&(ids[2].as_str(), emoji)));
        assert!(
            reactions.contains(&(ids[500].as_str(), emoji)),
            "{emoji} at the first page's end"
        );
    }
    assert!(
        reactions.contains(&(left_id.as_str(), "🙂")),
        "the room she left too"
    );
    assert!(
        !reactions.iter().any(|(_, emoji)| *emoji == "👎"),
        "not bob's"
    );
    assert!(
        export
            .reactions
            .iter()
            .all(|r| r.room_id.as_str() == room || r.message_id.as_str() == left_id.as_str())
    );
    assert_eq!(export.saved.len(), 1);
    assert_eq!(
        (
            export.saved[0].room_id.as_str(),
            export.saved[0].message_id.as_str()
        ),
        (room.as_str(), bobs_message.as_str())
    );
    // The report she filed, with the content she reported.
    assert_eq!(export.reports.len(), 1);
    let filed = &export.reports[0];
    assert_eq!(
        (
            filed.reporter_id.as_str(),
            filed.message_id.as_ref().map(|m| m.as_str()),
            filed.message_content.as_deref(),
            filed.reason.as_str()
        ),
        (
            ann.user_id.as_str(),
            Some(bobs_message.as_str()),
            Some("bob's own words"),
            "rude"
        )
    );

    // Bob's export has his one message and his page of reactions, and no report.
    let (status, bobs) = server.get_json(&bob.token, "/v1/users/me/export").await;
    assert_eq!(status, 200);
    assert_eq!(bobs["messages"].as_array().unwrap().len(), 1);
    assert_eq!(bobs["reactions"].as_array().unwrap().len(), 500);
    assert!(bobs["reports"].as_array().unwrap().is_empty());
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
