//! Edits and deletes: only by the sender, as room events, reflected in history.

use chat_protocol::v1::{ClientFrame, ServerFrame};

use crate::common::{TestServer, ack_id};

#[tokio::test]
async fn only_the_sender_edits_and_deletes_and_everyone_sees_it() {
    let server = TestServer::start().await;
    let crate::common::Duo {
        bob,
        room,
        mut a,
        mut b,
        ..
    } = server.duo("public").await;
    let id = ack_id(&a.say(&room, "typo heer").await);
    b.recv_message().await;

    b.send(&ClientFrame::EditMessage {
        room_id: room.clone().into(),
        message_id: id.clone().into(),
        content: "mine now".into(),
    })
    .await;
    let (code, _, reference) = b.expect_error().await;
    assert_eq!(
        (code.as_str(), reference.as_deref()),
        ("forbidden", Some(id.as_str()))
    );
    b.send(&ClientFrame::DeleteMessage {
        room_id: room.clone().into(),
        message_id: id.clone().into(),
    })
    .await;
    assert_eq!(b.expect_error().await.0, "forbidden");

    a.send(&ClientFrame::EditMessage {
        room_id: room.clone().into(),
        message_id: id.clone().into(),
        content: "typo here".into(),
    })
    .await;
    for client in [&mut a, &mut b] {
        let frame = client
            .recv_where(|f| matches!(f, ServerFrame::MessageEdited { .. }))
            .await;
        assert!(
            matches!(frame, ServerFrame::MessageEdited { seq: 2, ref content, .. } if content == "typo here")
        );
    }
    let (_, page) = server
        .get_json(&bob.token, &format!("/v1/rooms/{room}/messages"))
        .await;
    assert_eq!(page["messages"][0]["content"], "typo here");
    assert!(page["messages"][0]["edited_at"].is_i64());

    a.send(&ClientFrame::DeleteMessage {
        room_id: room.clone().into(),
        message_id: id.clone().into(),
    })
    .await;
    for client in [&mut a, &mut b] {
        let frame = client
            .recv_where(|f| matches!(f, ServerFrame::MessageDeleted { .. }))
            .await;
        assert!(matches!(frame, ServerFrame::MessageDeleted { seq: 3, .. }));
    }
    let (_, page) = server
        .get_json(&bob.token, &format!("/v1/rooms/{room}/messages"))
        .await;
    assert_eq!(page["messages"][0]["deleted"], true);
    assert_eq!(page["messages"][0]["content"], "");

    // A deleted message cannot be edited or deleted again; unknown ids are not found.
    a.send(&ClientFrame::EditMessage {
        room_id: room.clone().into(),
        message_id: id.clone().into(),
        content: "back".into(),
    })
    .await;
    assert_eq!(a.expect_error().await.0, "not_found");
    a.send(&ClientFrame::DeleteMessage {
        room_id: room.clone().into(),
        message_id: "nope".into(),
    })
    .await;
    assert_eq!(a.expect_error().await.0, "not_found");
    assert!(
        b.drain().await.is_empty(),
        "failed edits changed nothing for others"
    );
}
