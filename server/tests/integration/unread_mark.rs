//! Marking a room unread (`PUT /v1/rooms/{room_id}/unread`): the mark is the member's
//! own, reaches every device of theirs, stands beside an unread count of 0, and goes
//! away when they read the room (even a read receipt that moves nothing) or take it
//! away; refusals change nothing.

use chat_protocol::v1::{ClientFrame, ReceiptKind};
use serde_json::{Value, json};

use crate::common::{Client, TestServer, ack_seq, send_json};

async fn mark(
    server: &TestServer,
    token: Option<&str>,
    room_id: &str,
    body: Value,
) -> (u16, Value) {
    let path = format!("/v1/rooms/{room_id}/unread");
    send_json(server, reqwest::Method::PUT, token, &path, body).await
}

/// `marked_unread` of the room in the user's list (absent is false).
async fn listed_mark(server: &TestServer, token: &str, room_id: &str) -> Option<bool> {
    let (status, body) = server.get_json(token, "/v1/rooms").await;
    assert_eq!(status, 200, "{body}");
    let room = body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["room_id"] == room_id)
        .expect("the room is listed")
        .clone();
    room.get("marked_unread")
        .map(|v| v.as_bool().expect("a boolean"))
}

async fn read(client: &mut Client, room_id: &str, seq: u64) {
    client
        .send(&ClientFrame::Receipt {
            room_id: room_id.to_owned().into(),
            seq,
            kind: ReceiptKind::Read,
        })
        .await;
}

#[tokio::test]
async fn a_room_marked_unread_stays_so_on_every_device_until_it_is_read() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id])
        .await;
    let mut bob_laptop = server.client(&bob.token).await;
    bob_laptop.join(&room, None).await;
    let seq = ack_seq(&bob_laptop.say(&room, "lunch?").await);

    let mut ann_phone = server.client(&ann.token).await;
    let mut ann_laptop = server.client(&ann.token).await;
    ann_phone.drain().await;
    ann_laptop.drain().await;
    assert_eq!(
        listed_mark(&server, &ann.token, &room).await,
        None,
        "absent"
    );

    // Read everything on the laptop, then mark the room unread there.
    read(&mut ann_laptop, &room, seq).await;
    ann_phone
        .room_update_until(&room, |s| s.read_seq == seq)
        .await;
    assert_eq!(
        mark(&server, Some(&ann.token), &room, json!({"unread": true}))
            .await
            .0,
        204
    );
    let heard = ann_phone
        .room_update_until(&room, |s| s.marked_unread)
        .await;
    assert_eq!(heard.unread_count, 0, "marked, with nothing unread");
    assert_eq!(listed_mark(&server, &ann.token, &room).await, Some(true));
    assert_eq!(
        listed_mark(&server, &bob.token, &room).await,
        None,
        "the mark is ann's own"
    );

    // A message from bob leaves the mark as it is.
    bob_laptop.say(&room, "hello?").await;
    let moved = ann_phone
        .room_update_until(&room, |s| s.unread_count == 1)
        .await;
    assert!(moved.marked_unread);

    // Reading it on the phone takes the mark away on the laptop too.
    read(&mut ann_phone, &room, seq + 1).await;
    ann_laptop
        .room_update_until(&room, |s| !s.marked_unread && s.read_seq == seq + 1)
        .await;

    // Marked again with everything read: a read receipt that moves nothing still
    // takes it away, and every device hears of it.
    assert_eq!(
        mark(&server, Some(&ann.token), &room, json!({"unread": true}))
            .await
            .0,
        204
    );
    ann_laptop
        .room_update_until(&room, |s| s.marked_unread)
        .await;
    read(&mut ann_phone, &room, seq + 1).await;
    ann_laptop
        .room_update_until(&room, |s| !s.marked_unread)
        .await;
    assert_eq!(listed_mark(&server, &ann.token, &room).await, None);

    // Or by hand.
    for unread in [true, false] {
        assert_eq!(
            mark(
                &server,
                Some(&ann.token),
                &room,
                json!({ "unread": unread })
            )
            .await
            .0,
            204
        );
        ann_laptop
            .room_update_until(&room, |s| s.marked_unread == unread)
            .await;
    }
}

#[tokio::test]
async fn bad_marks_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let eve = server.register("eve").await;
    let room = server.create_room(&ann.token, "r", "private", &[]).await;
    assert_eq!(
        mark(&server, Some(&ann.token), &room, json!({"unread": true}))
            .await
            .0,
        204
    );
    let unmark = json!({"unread": false});
    let overlong = "r".repeat(200);
    for (token, target, body, want) in [
        (
            &eve.token,
            room.as_str(),
            unmark.clone(),
            (403, "forbidden"),
        ),
        (
            &ann.token,
            "no-such-room",
            unmark.clone(),
            (404, "not_found"),
        ),
        (
            &ann.token,
            overlong.as_str(),
            unmark.clone(),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            room.as_str(),
            json!({}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            room.as_str(),
            json!({"unread": null}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            room.as_str(),
            json!({"unread": "false"}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            room.as_str(),
            json!({"unread": 0}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            room.as_str(),
            json!([false]),
            (400, "invalid_request"),
        ),
    ] {
        let (status, answer) = mark(&server, Some(token), target, body.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (want.0, Some(want.1)),
            "{target} {body}"
        );
    }
    assert_eq!(mark(&server, None, &room, unmark).await.0, 401);
    assert_eq!(
        listed_mark(&server, &ann.token, &room).await,
        Some(true),
        "nothing changed"
    );

    // A refused read receipt (a seq past the room's last) takes nothing away either.
    let mut ann_phone = server.client(&ann.token).await;
    read(&mut ann_phone, &room, 99).await;
    let (code, _, _) = ann_phone.expect_error().await;
    assert_eq!(code, "invalid_request");
    assert_eq!(listed_mark(&server, &ann.token, &room).await, Some(true));
}
