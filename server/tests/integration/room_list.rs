//! The home screen over REST: `GET /v1/rooms` with last message, activity order, paging,
//! unread counts and mute; profiles and `user_updated`.

use chat_protocol::v1::{ClientFrame, ReceiptKind, RoomKind, ServerFrame};
use serde_json::{Value, json};

use crate::common::{Client, TestServer, send_json};

async fn rooms(server: &TestServer, token: &str) -> Vec<Value> {
    let (status, body) = server.get_json(token, "/v1/rooms").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("next_after").is_none(), "one page: {body}");
    body["rooms"].as_array().expect("rooms").clone()
}

async fn mute(server: &TestServer, token: &str, room_id: &str, body: Value) -> (u16, Value) {
    let path = format!("/v1/rooms/{room_id}/mute");
    send_json(server, reqwest::Method::PUT, Some(token), &path, body).await
}

/// Blocks (`PUT`) or unblocks (`DELETE`) `user_id`; the status.
async fn set_block(
    server: &TestServer,
    token: &str,
    user_id: &str,
    method: reqwest::Method,
) -> u16 {
    let path = format!("/v1/users/me/blocks/{user_id}");
    send_json(server, method, Some(token), &path, json!(null))
        .await
        .0
}

fn room<'a>(list: &'a [Value], room_id: &str) -> &'a Value {
    list.iter()
        .find(|r| r["room_id"] == room_id)
        .unwrap_or_else(|| panic!("{room_id} in {list:?}"))
}

#[tokio::test]
async fn the_list_carries_last_message_unread_and_read_position_most_recent_first() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let quiet = server
        .create_room(&ann.token, "quiet", "private", &[&bob.user_id])
        .await;
    let busy = server
        .create_room(&ann.token, "busy", "private", &[&bob.user_id])
        .await;
    let direct = server
        .create_room(&bob.token, "", "direct", &[&ann.user_id])
        .await;
    let mut b = server.client(&bob.token).await;
    // Joined, so that it sees ann's receipt and its own delete land.
    b.join(&busy, None).await;
    b.say(&quiet, "first").await;
    b.say(&busy, "hello").await;
    let long = "é".repeat(250);
    let ServerFrame::MessageAck { seq: last_seq, .. } = b.say(&busy, &long).await else {
        panic!("ack")
    };

    let list = rooms(&server, &ann.token).await;
    let order: Vec<&str> = list
        .iter()
        .map(|r| r["room_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [busy.as_str(), quiet.as_str(), direct.as_str()]);
    let busy_entry = room(&list, &busy);
    assert_eq!(busy_entry["kind"], "group");
    assert_eq!(busy_entry["name"], "busy");
    assert_eq!(busy_entry["unread_count"], 2);
    assert_eq!(busy_entry["read_seq"], 0);
    assert_eq!(busy_entry["muted"], false);
    let last = &busy_entry["last_message"];
    assert_eq!(last["seq"], last_seq);
    assert_eq!(last["sender_id"], bob.user_id.as_str());
    assert_eq!(
        last["content"].as_str().unwrap().chars().count(),
        200,
        "the preview is cut to 200 characters"
    );
    assert_eq!(busy_entry["last_activity_at"], last["created_at"]);
    let direct_entry = room(&list, &direct);
    assert_eq!(
        (&direct_entry["kind"], &direct_entry["name"]),
        (&json!("direct"), &json!("bob")),
        "a direct room is named after the other member"
    );
    assert_eq!(direct_entry["last_message"], Value::Null);

    // Reading moves the read position and the count; the sender's own list counts none.
    let mut a = server.client(&ann.token).await;
    a.send(&ClientFrame::Receipt {
        room_id: busy.clone().into(),
        seq: 1,
        kind: ReceiptKind::Read,
    })
    .await;
    b.recv_where(|f| matches!(f, ServerFrame::Receipt { .. }))
        .await;
    let busy_entry = room(&rooms(&server, &ann.token).await, &busy).clone();
    assert_eq!(
        (&busy_entry["unread_count"], &busy_entry["read_seq"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(
        room(&rooms(&server, &bob.token).await, &busy)["unread_count"],
        0
    );

    // Deleting the newest message: the one before becomes the last, and it no longer
    // counts.
    let ServerFrame::MessageAck { message_id, .. } = b.say(&busy, "oops").await else {
        panic!("ack")
    };
    assert_eq!(
        room(&rooms(&server, &ann.token).await, &busy)["unread_count"],
        2
    );
    b.send(&ClientFrame::DeleteMessage {
        room_id: busy.clone().into(),
        message_id,
    })
    .await;
    b.recv_where(|f| matches!(f, ServerFrame::MessageDeleted { .. }))
        .await;
    let busy_entry = room(&rooms(&server, &ann.token).await, &busy).clone();
    assert_eq!(busy_entry["unread_count"], 1);
    assert_eq!(busy_entry["last_message"]["seq"], last_seq);
}

#[tokio::test]
async fn a_long_list_comes_in_pages_and_bad_paging_is_refused() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(
            server
                .create_room(&ann.token, &format!("r{i}"), "private", &[])
                .await,
        );
    }
    let mut seen = Vec::new();
    let mut path = "/v1/rooms?limit=2".to_owned();
    for _ in 0..5 {
        let (status, body) = server.get_json(&ann.token, &path).await;
        assert_eq!(status, 200, "{body}");
        let page = body["rooms"].as_array().unwrap();
        assert!(page.len() <= 2);
        seen.extend(
            page.iter()
                .map(|r| r["room_id"].as_str().unwrap().to_owned()),
        );
        match body["next_after"].as_str() {
            Some(after) => path = format!("/v1/rooms?limit=2&after={after}"),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made, "the newest first, each once");

    for bad in [
        "/v1/rooms?limit=0",
        "/v1/rooms?limit=1001",
        "/v1/rooms?limit=x",
        "/v1/rooms?after=nonsense",
        "/v1/rooms?after=12.",
    ] {
        let (status, body) = server.get_json(&ann.token, bad).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_request")),
            "{bad}"
        );
    }
    let (status, _) = server.get_json("not a token", "/v1/rooms").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn muting_is_per_member_and_bad_mutes_change_nothing() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let eve = server.register("eve").await;
    let shared = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id])
        .await;
    let mut ann_phone = server.client(&ann.token).await;
    ann_phone.drain().await;
    let forever = json!({"until": 4_102_444_800_000_i64});
    assert_eq!(
        mute(&server, &ann.token, &shared, forever.clone()).await.0,
        204
    );
    let mine = room(&rooms(&server, &ann.token).await, &shared).clone();
    assert_eq!(
        (
            &mine["muted"],
            &mine["muted_until"],
            &mine["notify_mentions"]
        ),
        (&json!(true), &json!(4_102_444_800_000_i64), &json!(true)),
        "until when, and mentions still notify by default: {mine}"
    );
    let bobs = room(&rooms(&server, &bob.token).await, &shared).clone();
    assert_eq!(bobs["muted"], false);
    assert!(
        bobs.get("muted_until").is_none() && bobs.get("notify_mentions").is_none(),
        "not muted: neither field: {bobs}"
    );

    // Mentions silenced too: the list says so, and so does the summary the user's
    // other connection is sent.
    let silent = json!({"until": 4_102_444_800_000_i64, "mentions": false});
    assert_eq!(mute(&server, &ann.token, &shared, silent).await.0, 204);
    assert_eq!(
        room(&rooms(&server, &ann.token).await, &shared)["notify_mentions"],
        false
    );
    let mut heard = None;
    for _ in 0..20 {
        if let ServerFrame::RoomUpdated(summary) = ann_phone.recv().await
            && summary.room_id == shared
            && summary.notify_mentions == Some(false)
        {
            heard = Some(summary);
            break;
        }
    }
    let heard = heard.expect("a room_updated with the new mute");
    assert_eq!(
        (heard.muted, heard.muted_until),
        (true, Some(4_102_444_800_000))
    );

    let past = json!({"until": 1_000});
    assert_eq!(mute(&server, &bob.token, &shared, past).await.0, 204);
    let bobs = room(&rooms(&server, &bob.token).await, &shared).clone();
    assert_eq!(
        (&bobs["muted"], bobs.get("muted_until")),
        (&json!(false), None),
        "a mute that ended is no mute: {bobs}"
    );

    for (token, target, body, want) in [
        (
            &eve.token,
            shared.as_str(),
            forever.clone(),
            (403, "forbidden"),
        ),
        (
            &ann.token,
            "no-such-room",
            forever.clone(),
            (404, "not_found"),
        ),
        (
            &ann.token,
            shared.as_str(),
            json!({"until": -5}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            shared.as_str(),
            json!({"until": "soon"}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            shared.as_str(),
            json!({"until": 1.5}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            shared.as_str(),
            json!([]),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            shared.as_str(),
            json!([4_102_444_800_000_i64]),
            (400, "invalid_request"),
        ),
    ] {
        let (status, answer) = mute(&server, token, target, body.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (want.0, Some(want.1)),
            "{body}"
        );
    }
    let (status, _) = send_json(
        &server,
        reqwest::Method::PUT,
        None,
        &format!("/v1/rooms/{shared}/mute"),
        forever,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        room(&rooms(&server, &ann.token).await, &shared)["muted"],
        true,
        "refused requests changed nothing"
    );

    assert_eq!(
        mute(&server, &ann.token, &shared, json!({"until": null}))
            .await
            .0,
        204
    );
    let unmuted = room(&rooms(&server, &ann.token).await, &shared).clone();
    assert_eq!(
        (
            &unmuted["muted"],
            unmuted.get("muted_until"),
            unmuted.get("notify_mentions")
        ),
        (&json!(false), None, None),
        "{unmuted}"
    );
}

#[tokio::test]
async fn a_new_display_name_reaches_people_who_share_a_room_and_nobody_else() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let eve = server.register("eve").await;
    let room_id = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id])
        .await;
    let mut ann_phone = server.client(&ann.token).await;
    let mut ann_laptop = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    let mut e = server.client(&eve.token).await;
    for client in [&mut ann_phone, &mut ann_laptop, &mut b, &mut e] {
        client.drain().await;
    }

    let (status, me) = server.get_json(&ann.token, "/v1/users/me").await;
    assert_eq!(status, 200);
    assert_eq!(
        me,
        json!({"user_id": ann.user_id, "username": "ann", "display_name": "ann"})
    );

    let patch = |body: Value| {
        send_json(
            &server,
            reqwest::Method::PATCH,
            Some(&ann.token),
            "/v1/users/me",
            body,
        )
    };
    let (status, me) = patch(json!({"display_name": "  Ann Smith  "})).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["display_name"], "Ann Smith", "trimmed");

    let updated = |frame: &ServerFrame| matches!(frame, ServerFrame::UserUpdated { .. });
    for client in [&mut ann_laptop, &mut b] {
        let frame = client.recv_where(updated).await;
        assert_eq!(
            frame,
            ServerFrame::UserUpdated {
                user_id: ann.user_id.clone(),
                username: "ann".into(),
                display_name: "Ann Smith".into(),
                avatar_id: None,
            }
        );
    }
    ann_phone.recv_where(updated).await;
    assert!(
        !e.drain().await.iter().any(updated),
        "eve shares no room with ann"
    );

    // Bob's direct room with Ann is named after her: his list hears of her new name.
    let direct = server
        .create_room(&bob.token, "", "direct", &[&ann.user_id])
        .await;
    renamed(&mut b, &direct, "Ann Smith").await;
    let (status, _) = patch(json!({"display_name": "Ann S."})).await;
    assert_eq!(status, 200);
    renamed(&mut b, &direct, "Ann S.").await;
    let (status, _) = patch(json!({"display_name": "Ann Smith"})).await;
    assert_eq!(status, 200);
    renamed(&mut b, &direct, "Ann Smith").await;

    let (status, seen) = server
        .get_json(&eve.token, &format!("/v1/users/{}", ann.user_id))
        .await;
    assert_eq!((status, &seen["display_name"]), (200, &json!("Ann Smith")));
    let (_, members) = server
        .get_json(&bob.token, &format!("/v1/rooms/{room_id}/members"))
        .await;
    let names: Vec<&str> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ann Smith", "bob"]);
    let (_, found) = server.get_json(&eve.token, "/v1/users/by-name/ANN").await;
    assert_eq!(found["display_name"], "Ann Smith");

    for bad in [
        json!({"display_name": "   "}),
        json!({"display_name": "x".repeat(65)}),
        json!({"display_name": "two\nlines"}),
        json!({"display_name": "nul\u{0}"}),
        json!({"display_name": 7}),
        json!({}),
        json!(["Mallory"]),
    ] {
        let (status, answer) = patch(bad.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some("invalid_request")),
            "{bad}"
        );
    }
    let (_, me) = server.get_json(&ann.token, "/v1/users/me").await;
    assert_eq!(
        me["display_name"], "Ann Smith",
        "refused changes changed nothing"
    );
    assert!(!b.drain().await.iter().any(updated));

    let (status, answer) = server.get_json(&ann.token, "/v1/users/nobody").await;
    assert_eq!((status, answer["code"].as_str()), (404, Some("not_found")));
    let long_id = "x".repeat(200);
    let (status, _) = server
        .get_json(&ann.token, &format!("/v1/users/{long_id}"))
        .await;
    assert_eq!(status, 400);
    let (status, _) = server.get_json("not a token", "/v1/users/me").await;
    assert_eq!(status, 401);
}

/// Reads frames until `room_id`'s summary is named `name` (skipping profile changes,
/// which come with a rename).
async fn renamed(client: &mut Client, room_id: &str, name: &str) {
    for _ in 0..100 {
        match client.recv().await {
            ServerFrame::RoomUpdated(summary)
                if summary.room_id == room_id && summary.name == name =>
            {
                return;
            }
            ServerFrame::RoomUpdated(_)
            | ServerFrame::UserUpdated { .. }
            | ServerFrame::Presence { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("{room_id} was not renamed {name}");
}

fn updates_so_far(frames: &[ServerFrame]) -> usize {
    frames
        .iter()
        .filter(|f| matches!(f, ServerFrame::RoomUpdated(_)))
        .count()
}

#[tokio::test]
async fn connections_that_have_not_joined_hear_of_every_change_of_their_rooms() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room_id = server
        .create_room(&ann.token, "team", "private", &[&bob.user_id])
        .await;
    // Ann's phone shows the room list; her laptop has the room open.
    let mut phone = server.client(&ann.token).await;
    let mut laptop = server.client(&ann.token).await;
    laptop.join(&room_id, None).await;
    let mut b = server.client(&bob.token).await;
    b.join(&room_id, None).await;

    b.say(&room_id, "one").await;
    let first = phone.next_room_update(&room_id).await;
    assert_eq!(
        (first.last_seq, first.unread_count, first.read_seq),
        (1, 1, 0)
    );
    assert_eq!(first.last_message.as_ref().unwrap().content, "one");
    assert_eq!(first.name, "team");
    let ServerFrame::MessageAck { message_id, .. } = b.say(&room_id, "two").await else {
        panic!("ack")
    };
    let second = phone.next_room_update(&room_id).await;
    assert_eq!((second.last_seq, second.unread_count), (2, 2));
    assert!(second.last_activity_at >= first.last_activity_at);
    // The laptop, in the room, gets the messages themselves and no summary of them.
    assert_eq!(laptop.recv_message().await.content, "one");
    assert_eq!(laptop.recv_message().await.content, "two");

    // Editing the last message changes the preview.
    b.send(&ClientFrame::EditMessage {
        room_id: room_id.clone().into(),
        message_id: message_id.clone(),
        content: "two, edited".into(),
    })
    .await;
    let edited = phone.next_room_update(&room_id).await;
    assert_eq!(edited.last_message.as_ref().unwrap().content, "two, edited");
    assert_eq!(edited.unread_count, 2, "an edit never counts");
    for joined in [&mut laptop, &mut b] {
        joined
            .recv_where(|f| matches!(f, ServerFrame::MessageEdited { .. }))
            .await;
    }

    // Reading on the laptop moves the badge on the phone, and tells the laptop too.
    laptop
        .send(&ClientFrame::Receipt {
            room_id: room_id.clone().into(),
            seq: 3,
            kind: ReceiptKind::Read,
        })
        .await;
    for device in [&mut phone, &mut laptop] {
        let read = device
            .room_update_until(&room_id, |s| s.read_seq == 3)
            .await;
        assert_eq!(read.unread_count, 0);
    }

    // A delete is read back from the store: the count and the last message are exact.
    b.say(&room_id, "three").await;
    let ServerFrame::MessageAck { message_id, .. } = b.say(&room_id, "four").await else {
        panic!("ack")
    };
    phone
        .room_update_until(&room_id, |s| s.unread_count == 2)
        .await;
    b.send(&ClientFrame::DeleteMessage {
        room_id: room_id.clone().into(),
        message_id,
    })
    .await;
    let deleted = phone.room_update_until(&room_id, |s| s.last_seq == 6).await;
    assert_eq!(deleted.unread_count, 1);
    assert_eq!(deleted.last_message.as_ref().unwrap().content, "three");

    // Bob's own messages never count for him.
    let (_, list) = server.get_json(&bob.token, "/v1/rooms").await;
    assert_eq!(list["rooms"][0]["unread_count"], 0);
    // What the phone was told last is what the list says.
    let (_, list) = server.get_json(&ann.token, "/v1/rooms").await;
    assert_eq!(list["rooms"][0]["unread_count"], 1);
    assert_eq!(list["rooms"][0]["last_seq"], 6);
}

#[tokio::test]
async fn a_room_one_is_added_to_appears_at_once_and_then_stays_live() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let cid = server.register("cid").await;
    let mut a = server.client(&ann.token).await;
    let mut c = server.client(&cid.token).await;

    let direct = server
        .create_room(&bob.token, "", "direct", &[&ann.user_id])
        .await;
    let appeared = a.next_room_update(&direct).await;
    assert_eq!(
        (appeared.kind, appeared.name.as_str()),
        (RoomKind::Direct, "bob")
    );
    assert_eq!((appeared.last_seq, appeared.unread_count), (0, 0));

    let group = server
        .create_room(&bob.token, "group", "private", &[])
        .await;
    let (status, _) = send_json(
        &server,
        reqwest::Method::POST,
        Some(&bob.token),
        &format!("/v1/rooms/{group}/members"),
        json!({"user_id": cid.user_id}),
    )
    .await;
    assert_eq!(status, 204);
    let added = c.next_room_update(&group).await;
    assert_eq!((added.name.as_str(), added.unread_count), ("group", 0));

    let mut b = server.client(&bob.token).await;
    b.say(&group, "welcome").await;
    let live = c.next_room_update(&group).await;
    // Cid's addition is the room's first event, and never unread.
    assert_eq!((live.unread_count, live.last_seq), (1, 2));
    // Ann is not in the group: nothing about it reaches her.
    let frames = a.drain().await;
    assert_eq!(updates_so_far(&frames), 0, "{frames:?}");

    // Muting reaches every connection of the user.
    let (status, _) = mute(
        &server,
        &cid.token,
        &group,
        json!({"until": 4_102_444_800_000_i64}),
    )
    .await;
    assert_eq!(status, 204);
    let muted = c.room_update_until(&group, |s| s.muted).await;
    assert_eq!(muted.unread_count, 1);
}

#[tokio::test]
async fn a_badge_stays_exact_while_messages_and_reads_race() {
    let server = TestServer::start_with(|c| c.message_burst = 1000).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room_id = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id])
        .await;
    let mut phone = server.client(&ann.token).await;
    let mut reader = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    const SENT: u64 = 60;
    for i in 0..SENT {
        b.send(&ClientFrame::SendMessage {
            room_id: room_id.clone().into(),
            client_msg_id: uuid::Uuid::new_v4().to_string(),
            content: format!("m{i}"),
            reply_to: None,
            mentions: Vec::new(),
            attachments: Vec::new(),
        })
        .await;
        if i % 15 == 7 {
            // Reads up to what it knows while the burst goes on.
            let (_, list) = server.get_json(&ann.token, "/v1/rooms").await;
            let seq = list["rooms"][0]["last_seq"].as_u64().unwrap();
            if seq > 0 {
                reader
                    .send(&ClientFrame::Receipt {
                        room_id: room_id.clone().into(),
                        seq,
                        kind: ReceiptKind::Read,
                    })
                    .await;
            }
        }
    }
    for _ in 0..SENT {
        b.recv_where(|f| matches!(f, ServerFrame::MessageAck { .. }))
            .await;
    }
    // The reader's receipts are handled in order before its pong: after it, nothing
    // changes any more, and the store holds the final state.
    reader.drain().await;
    let (_, list) = server.get_json(&ann.token, "/v1/rooms").await;
    let stored = &list["rooms"][0];
    assert_eq!(stored["last_seq"], SENT);
    let want = (
        stored["unread_count"].as_u64().unwrap(),
        stored["read_seq"].as_u64().unwrap(),
    );
    assert_eq!(want.0, SENT - want.1, "every message after the read counts");
    // Summaries may be coalesced while a badge loads, so the phone need not pass
    // through every state; it must end in the stored one.
    phone
        .room_update_until(&room_id, |s| {
            (s.last_seq, s.unread_count, s.read_seq) == (SENT, want.0, want.1)
        })
        .await;
}

/// The next `block_changed` on `client` says `user_id` is now `blocked` (or not).
async fn told_of_block(client: &mut Client, user_id: &str, blocked: bool) {
    let told = client
        .recv_where(|f| matches!(f, ServerFrame::BlockChanged { .. }))
        .await;
    assert_eq!(
        told,
        ServerFrame::BlockChanged {
            user_id: user_id.into(),
            blocked
        }
    );
}

#[tokio::test]
async fn a_block_recounts_the_blockers_list_on_every_device_and_live_updates_leave_the_blocked_out()
{
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let cid = server.register("cid").await;
    let room_id = server
        .create_room(&cid.token, "r", "private", &[&ann.user_id, &bob.user_id])
        .await;
    // Ann's phone shows her list: a member of the room that has not joined it.
    let mut phone = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    let mut c = server.client(&cid.token).await;
    for client in [&mut phone, &mut b, &mut c] {
        client.drain().await;
    }
    b.join(&room_id, None).await;
    c.join(&room_id, None).await;
    c.say(&room_id, "from cid").await;
    b.recv_message().await;
    b.say(&room_id, "from bob").await;
    c.recv_message().await;
    let before = phone.room_update_until(&room_id, |s| s.last_seq == 2).await;
    assert_eq!(before.unread_count, 2);

    // A room bob spoke in, then was removed from: his message stays there.
    let left = server
        .create_room(&cid.token, "left", "private", &[&ann.user_id, &bob.user_id])
        .await;
    b.join(&left, None).await;
    b.say(&left, "before leaving").await;
    let leave = format!("/v1/rooms/{left}/members/{}", bob.user_id);
    let (status, _) = send_json(
        &server,
        reqwest::Method::DELETE,
        Some(&cid.token),
        &leave,
        json!(null),
    )
    .await;
    assert_eq!(status, 204);
    b.recv_where(|f| matches!(f, ServerFrame::RoomLeft { .. }))
        .await;
    phone
        .room_update_until(&left, |s| s.unread_count == 1)
        .await;

    // Blocked on her laptop (REST): the phone is sent the recounted summaries, of the
    // room bob is no longer in too.
    assert_eq!(
        set_block(&server, &ann.token, &bob.user_id, reqwest::Method::PUT).await,
        204
    );
    // First the block itself (published before the store's reads of the recount).
    told_of_block(&mut phone, &bob.user_id, true).await;
    let recounted = phone
        .room_update_until(&room_id, |s| s.unread_count == 1)
        .await;
    assert_eq!(
        recounted.last_message.as_ref().map(|m| m.content.as_str()),
        Some("from cid")
    );
    let gone = phone
        .room_update_until(&left, |s| s.unread_count == 0)
        .await;
    assert_eq!(gone.last_message, None);

    // Bob's next message moves the seq and nothing else; cid's counts.
    b.say(&room_id, "bob again").await;
    c.recv_message().await;
    let after_bob = phone.room_update_until(&room_id, |s| s.last_seq == 3).await;
    assert_eq!(
        (
            after_bob.unread_count,
            after_bob.last_message.as_ref().map(|m| m.content.as_str())
        ),
        (1, Some("from cid"))
    );
    c.say(&room_id, "cid again").await;
    let after_cid = phone.room_update_until(&room_id, |s| s.last_seq == 4).await;
    assert_eq!(after_cid.unread_count, 2);

    // Unblocked: his messages count again, on the phone too.
    assert_eq!(
        set_block(&server, &ann.token, &bob.user_id, reqwest::Method::DELETE).await,
        204
    );
    told_of_block(&mut phone, &bob.user_id, false).await;
    let unblocked = phone
        .room_update_until(&room_id, |s| s.unread_count == 4)
        .await;
    assert_eq!(
        unblocked.last_message.as_ref().map(|m| m.content.as_str()),
        Some("cid again")
    );
    // Nobody else is told of a block: bob's connection heard nothing of either.
    let heard = b.drain().await;
    assert!(
        !heard
            .iter()
            .any(|f| matches!(f, ServerFrame::BlockChanged { .. })),
        "{heard:?}"
    );
}
