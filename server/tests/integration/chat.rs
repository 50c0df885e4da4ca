//! Sending and receiving: fan-out, acks, the sender's other devices, idempotency.

use chat_protocol::v1::{ClientFrame, MembershipChange, ServerFrame};
use serde_json::json;

use crate::common::{TestServer, ack_id, ack_seq};
use crate::metrics::scrape;

#[tokio::test]
async fn two_users_chat_both_ways_in_a_public_room() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&ann.token, "general", "public", &[])
        .await;

    let mut a = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    assert!(matches!(
        a.join(&room, None).await,
        ServerFrame::RoomJoined { last_seq: 0, .. }
    ));
    // Bob is not a member yet: joining a public room makes him one, and that is the
    // room's first event.
    assert!(matches!(
        b.join(&room, None).await,
        ServerFrame::RoomJoined { last_seq: 0, .. }
    ));
    let joined = a
        .recv_where(|f| matches!(f, ServerFrame::MemberChanged(_)))
        .await;
    let ServerFrame::MemberChanged(joined) = joined else {
        unreachable!()
    };
    assert_eq!(
        (joined.seq, joined.user_id.as_str(), joined.change),
        (1, bob.user_id.as_str(), MembershipChange::Joined)
    );

    let ack = a.say(&room, "hello bob").await;
    assert_eq!(ack_seq(&ack), 2);
    let m = b.recv_message().await;
    assert_eq!(
        (m.seq, m.content.as_str(), m.sender_id.as_str()),
        (2, "hello bob", ann.user_id.as_str())
    );
    assert_eq!(m.message_id, ack_id(&ack));

    let ack = b.say(&room, "hi ann").await;
    assert_eq!(ack_seq(&ack), 3);
    let m = a.recv_message().await;
    assert_eq!((m.seq, m.content.as_str()), (3, "hi ann"));

    // Nothing else was queued for either side: no echo of one's own message.
    assert!(a.drain().await.is_empty());
    assert!(b.drain().await.is_empty());
    let (_, members) = server
        .get_json(&ann.token, &format!("/v1/rooms/{room}/members"))
        .await;
    assert_eq!(
        members["members"],
        json!([
            {"user_id": ann.user_id, "username": "ann", "display_name": "ann", "role": "owner",
             "joined_at": members["members"][0]["joined_at"]},
            {"user_id": bob.user_id, "username": "bob", "display_name": "bob", "role": "member",
             "joined_at": members["members"][1]["joined_at"]},
        ])
    );
}

#[tokio::test]
async fn the_senders_second_device_receives_the_message() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let room = server
        .create_room(&ann.token, "notes", "private", &[])
        .await;
    let mut phone = server.client(&ann.token).await;
    let mut laptop = server.client(&ann.token).await;
    phone.join(&room, None).await;
    laptop.join(&room, None).await;

    let ack = phone.say(&room, "from my phone").await;
    let m = laptop.recv_message().await;
    assert_eq!(m.message_id, ack_id(&ack));
    assert_eq!(m.content, "from my phone");
    assert!(
        phone.drain().await.is_empty(),
        "the sending connection gets only the ack"
    );
}

#[tokio::test]
async fn a_resend_with_the_same_client_msg_id_is_stored_once() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id])
        .await;
    let mut a = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    b.join(&room, None).await;

    let id = uuid::Uuid::new_v4().to_string();
    let first = a.send_with_id(&room, &id, "once").await;
    // As if the ack was lost: the client retries, even with different content.
    let second = a.send_with_id(&room, &id, "once").await;
    let third = a.send_with_id(&room, &id, "once, edited locally").await;
    assert_eq!(first, second);
    assert_eq!(first, third);

    let received = b.drain().await;
    assert_eq!(received.len(), 1, "one fan-out only: {received:?}");
    assert_eq!(server.stored_seqs(&ann.token, &room).await, vec![1]);

    // The same id in another room is a client bug, reported as a conflict.
    let other = server
        .create_room(&ann.token, "other", "private", &[])
        .await;
    a.send(&ClientFrame::SendMessage {
        room_id: other.into(),
        client_msg_id: id.clone(),
        content: "x".into(),
        reply_to: None,
        mentions: Vec::new(),
        attachments: Vec::new(),
    })
    .await;
    let (code, _, reference) = a.expect_error().await;
    assert_eq!(
        (code.as_str(), reference.as_deref()),
        ("conflict", Some(id.as_str()))
    );
}

#[tokio::test]
async fn rest_sends_are_idempotent_and_fanned_out() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bot = server.register("bot").await;
    let room = server
        .create_room(&ann.token, "r", "private", &[&bot.user_id])
        .await;
    let mut a = server.client(&ann.token).await;
    a.join(&room, None).await;

    let key = uuid::Uuid::new_v4().to_string();
    let post = || {
        server
            .http
            .post(server.url(&format!("/v1/rooms/{room}/messages")))
            .bearer_auth(&bot.token)
            .header("Idempotency-Key", &key)
            .json(&json!({"content": "build passed"}))
            .send()
    };
    let first = post().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: serde_json::Value = first.json().await.unwrap();
    let second = post().await.unwrap();
    assert_eq!(second.status(), 200);
    let second: serde_json::Value = second.json().await.unwrap();
    assert_eq!(first, second);
    assert_eq!(first["seq"], 1);

    let received = a.drain().await;
    assert_eq!(received.len(), 1, "{received:?}");
    let ServerFrame::Message(m) = &received[0] else {
        panic!("{received:?}")
    };
    assert_eq!(m.client_msg_id, key);

    let missing_key = server
        .http
        .post(server.url(&format!("/v1/rooms/{room}/messages")))
        .bearer_auth(&bot.token)
        .json(&json!({"content": "no key"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing_key.status(), 400);
    assert_eq!(server.stored_seqs(&ann.token, &room).await, vec![1]);
}

#[tokio::test]
async fn sql_and_html_look_alikes_are_stored_and_returned_verbatim() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&ann.token, "r'); DROP TABLE rooms;--", "public", &[])
        .await;
    let mut a = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    b.join(&room, None).await;
    let texts = [
        "'; DROP TABLE messages; --",
        "<img src=x onerror=alert(1)>",
        "\" OR 1=1 -- \u{202e} émoji 🎉 &amp; %s {{x}}",
    ];
    for text in texts {
        a.say(&room, text).await;
        let m = b.recv_message().await;
        assert_eq!(m.content, text);
    }
    let (_, page) = server
        .get_json(&bob.token, &format!("/v1/rooms/{room}/messages"))
        .await;
    let stored: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(stored, texts);
    let (_, rooms) = server.get_json(&ann.token, "/v1/rooms").await;
    assert_eq!(rooms["rooms"][0]["name"], "r'); DROP TABLE rooms;--");

    // NUL cannot be stored by every database: refused, and nothing is stored.
    a.send(&ClientFrame::SendMessage {
        room_id: room.clone().into(),
        client_msg_id: "0193a0c2-0000-7000-8000-000000000000".into(),
        content: "before\u{0}after".into(),
        reply_to: None,
        mentions: Vec::new(),
        attachments: Vec::new(),
    })
    .await;
    match a
        .recv_where(|f| matches!(f, ServerFrame::Error { .. }))
        .await
    {
        ServerFrame::Error { code, message, .. } => {
            assert_eq!(code.as_str(), "invalid_request");
            assert!(message.contains("NUL"), "{message}");
        }
        other => unreachable!("{other:?}"),
    }
    let (_, page) = server
        .get_json(&bob.token, &format!("/v1/rooms/{room}/messages"))
        .await;
    assert_eq!(page["messages"].as_array().unwrap().len(), texts.len());
}

#[tokio::test]
async fn direct_rooms_are_one_per_pair_and_closed_to_others() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let eve = server.register("eve").await;
    let first = server
        .create_room(&ann.token, "", "direct", &[&bob.user_id])
        .await;
    let again = server
        .create_room(&bob.token, "", "direct", &[&ann.user_id])
        .await;
    assert_eq!(first, again, "the same pair gets the same direct room");

    let mut b = server.client(&bob.token).await;
    assert!(matches!(
        b.join(&first, None).await,
        ServerFrame::RoomJoined { .. }
    ));
    let mut e = server.client(&eve.token).await;
    match e.join(&first, None).await {
        ServerFrame::Error { code, .. } => assert_eq!(code.as_str(), "forbidden"),
        other => panic!("{other:?}"),
    }
    let add = server
        .http
        .post(server.url(&format!("/v1/rooms/{first}/members")))
        .bearer_auth(&ann.token)
        .json(&json!({"user_id": eve.user_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(add.status(), 403);
}

// Multi-threaded, so that the senders' sessions run concurrently: each must get acks
// for its own messages and `message` frames for everyone else's, one strictly
// increasing run of seqs. Live events leave the writer in commit order, so no
// connection reads the store to fill a gap in its feed (before, every event that
// overtook an earlier one cost each recipient a store read).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_concurrent_traffic_a_sender_gets_acks_for_its_own_and_messages_for_the_rest() {
    const USERS: usize = 6;
    const EACH: usize = 40;
    let server = TestServer::start_with(|c| c.message_burst = 1000).await;
    let owner = server.register("owner").await;
    let mut users = Vec::new();
    for u in 0..USERS {
        users.push(server.register(&format!("user{u}")).await);
    }
    // Members from the start, so that the room's events are the messages alone.
    let ids: Vec<&str> = users.iter().map(|user| user.user_id.as_str()).collect();
    let room = server
        .create_room(&owner.token, "busy", "public", &ids)
        .await;
    // Everyone joins before anyone sends, so everyone is owed every message.
    let mut clients = Vec::new();
    for (u, user) in users.into_iter().enumerate() {
        let mut client = server.client(&user.token).await;
        client.join(&room, None).await;
        clients.push((u, user, client));
    }
    let mut tasks = Vec::new();
    for (u, user, mut client) in clients {
        let room = room.clone();
        tasks.push(tokio::spawn(async move {
            // Pipelined: all sends go out before any ack is read.
            for i in 0..EACH {
                client
                    .send(&ClientFrame::SendMessage {
                        room_id: room.clone().into(),
                        client_msg_id: uuid::Uuid::new_v4().to_string(),
                        content: format!("{u} {i}"),
                        reply_to: None,
                        mentions: Vec::new(),
                        attachments: Vec::new(),
                    })
                    .await;
            }
            // Acks (own messages) and messages (everyone else's) together must arrive
            // as one strictly increasing run of seqs: a client may advance its cursor
            // on either without ever skipping an event.
            let mut arrived = Vec::new();
            while arrived.len() < USERS * EACH {
                match client.recv().await {
                    ServerFrame::MessageAck { seq, .. } => arrived.push(seq),
                    ServerFrame::Message(m) => {
                        assert_ne!(m.sender_id, user.user_id, "own message echoed as `message`");
                        arrived.push(m.seq);
                    }
                    ServerFrame::Presence { .. } | ServerFrame::RoomUpdated(_) => {}
                    other => panic!("{other:?}"),
                }
            }
            assert!(
                client.drain().await.is_empty(),
                "nothing more, no duplicates"
            );
            arrived
        }));
    }
    let expected: Vec<u64> = (1..=(USERS * EACH) as u64).collect();
    for task in tasks {
        assert_eq!(
            task.await.unwrap(),
            expected,
            "every seq exactly once, as ack or message"
        );
    }
    // The metrics recorder is per process, and nextest runs each test in its own.
    let (text, samples) = scrape(&server).await;
    for revealed_by in ["live", "own_ack"] {
        let key = format!(r#"chat_live_gap_repairs_total{{revealed_by="{revealed_by}"}}"#);
        assert_eq!(samples.get(&key).copied().unwrap_or(0.0), 0.0, "{text}");
    }
}

#[tokio::test]
async fn one_uuid_spelled_two_ways_is_one_message() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let room = server.create_room(&ann.token, "r", "private", &[]).await;
    let mut a = server.client(&ann.token).await;
    let id = uuid::Uuid::new_v4();
    let lower = a
        .send_with_id(&room, &id.hyphenated().to_string(), "hi")
        .await;
    // Swift's UUID().uuidString is uppercase.
    let upper = a
        .send_with_id(&room, &id.hyphenated().to_string().to_uppercase(), "hi")
        .await;
    assert_eq!(ack_id(&lower), ack_id(&upper));
    assert_eq!(server.stored_seqs(&ann.token, &room).await, vec![1]);
}
