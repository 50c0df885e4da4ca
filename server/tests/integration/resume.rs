//! Resume: a reconnecting client gets exactly what it missed, in order; history pages.

use chat_protocol::v1::{ClientFrame, ServerFrame};

use crate::common::{TestServer, ack_id, ack_seq};

fn seq_of(frame: &ServerFrame) -> u64 {
    match frame {
        ServerFrame::Message(m) => m.seq,
        ServerFrame::MessageEdited { seq, .. } | ServerFrame::MessageDeleted { seq, .. } => *seq,
        other => panic!("not a room event: {other:?}"),
    }
}

#[tokio::test]
async fn reconnecting_with_since_seq_replays_exactly_the_missed_events_in_order() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id])
        .await;
    let mut a = server.client(&ann.token).await;
    a.join(&room, None).await;
    let mut b = server.client(&bob.token).await;
    b.join(&room, None).await;
    a.say(&room, "seen by bob").await;
    let seen = b.recv_message().await;
    drop(b);

    // While Bob is away: three messages, an edit of the first, a delete of the second,
    // and an edit of the message Bob already had.
    let m2 = a.say(&room, "two").await;
    let m3 = a.say(&room, "three").await;
    a.say(&room, "four").await;
    a.send(&ClientFrame::EditMessage {
        room_id: room.clone().into(),
        message_id: ack_id(&m2).into(),
        content: "two (edited)".into(),
    })
    .await;
    a.send(&ClientFrame::DeleteMessage {
        room_id: room.clone().into(),
        message_id: ack_id(&m3).into(),
    })
    .await;
    a.send(&ClientFrame::EditMessage {
        room_id: room.clone().into(),
        message_id: seen.message_id.clone(),
        content: "seen, then edited".into(),
    })
    .await;
    let confirmations = a.drain().await;
    assert_eq!(
        confirmations.len(),
        3,
        "edits and deletes are confirmed as room events: {confirmations:?}"
    );

    let mut b = server.client(&bob.token).await;
    let ServerFrame::RoomJoined { last_seq, .. } = b.join(&room, Some(seen.seq)).await else {
        panic!()
    };
    assert_eq!(last_seq, 7);
    let replay = b.drain().await;
    let seqs: Vec<u64> = replay.iter().map(seq_of).collect();
    assert_eq!(seqs, vec![2, 3, 4, 5, 6, 7], "{replay:?}");
    // A replayed message carries its current text (docs/protocol.md, §4.4); its edit
    // follows in its place.
    assert!(matches!(&replay[0], ServerFrame::Message(m) if m.content == "two (edited)"));
    // The deleted message's text is gone from its replayed event.
    assert!(
        matches!(&replay[1], ServerFrame::Message(m) if m.content.is_empty() && m.seq == ack_seq(&m3))
    );
    assert!(
        matches!(&replay[3], ServerFrame::MessageEdited { content, .. } if content == "two (edited)")
    );
    assert!(
        matches!(&replay[4], ServerFrame::MessageDeleted { message_id, .. } if *message_id == ack_id(&m3))
    );
    assert!(
        matches!(&replay[5], ServerFrame::MessageEdited { message_id, .. } if *message_id == seen.message_id)
    );

    // Live events continue after the replay, without duplicates.
    a.say(&room, "live").await;
    let live = b.drain().await;
    assert_eq!(live.iter().map(seq_of).collect::<Vec<_>>(), vec![8]);
}

#[tokio::test]
async fn a_long_gap_is_replayed_in_pages_without_loss() {
    let server = TestServer::start_with(|c| {
        c.replay_page = 3;
        c.message_burst = 100;
    })
    .await;
    let ann = server.register("ann").await;
    let room = server.create_room(&ann.token, "r", "private", &[]).await;
    let mut a = server.client(&ann.token).await;
    for i in 1..=10 {
        a.say(&room, &format!("m{i}")).await;
    }
    let mut other_device = server.client(&ann.token).await;
    other_device.join(&room, Some(2)).await;
    let replay = other_device.drain().await;
    assert_eq!(
        replay.iter().map(seq_of).collect::<Vec<_>>(),
        (3..=10).collect::<Vec<_>>()
    );

    // Joining with since_seq 0 replays everything; a cursor ahead of the room is refused.
    let mut fresh = server.client(&ann.token).await;
    fresh.join(&room, Some(0)).await;
    assert_eq!(fresh.drain().await.len(), 10);
    match fresh.join(&room, Some(11)).await {
        ServerFrame::Error {
            code, reference, ..
        } => {
            assert_eq!(code.as_str(), "invalid_request");
            assert_eq!(reference.as_deref(), Some(room.as_str()));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn concurrent_senders_produce_one_gap_free_order_seen_identically_by_everyone() {
    let server = TestServer::start_with(|c| c.message_burst = 1000).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let cat = server.register("cat").await;
    let room = server
        .create_room(&ann.token, "busy", "private", &[&bob.user_id, &cat.user_id])
        .await;
    let mut watcher = server.client(&cat.token).await;
    watcher.join(&room, Some(0)).await;

    let mut senders = Vec::new();
    for token in [&ann.token, &bob.token] {
        // Senders need membership, not a subscription: they only collect acks.
        let mut client = server.client(token).await;
        let room = room.clone();
        senders.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..40 {
                acked.push(ack_seq(&client.say(&room, &format!("{i}")).await));
            }
            acked
        }));
    }
    let mut all_acked = Vec::new();
    for sender in senders {
        let acked = sender.await.unwrap();
        assert!(
            acked.windows(2).all(|w| w[0] < w[1]),
            "each sender's seqs increase"
        );
        all_acked.extend(acked);
    }
    all_acked.sort_unstable();
    assert_eq!(
        all_acked,
        (1..=80).collect::<Vec<_>>(),
        "gap-free, no seq used twice"
    );

    let mut seen = Vec::new();
    while seen.len() < 80 {
        seen.push(watcher.recv_message().await.seq);
    }
    assert_eq!(
        seen, all_acked,
        "the watcher sees every message once, in seq order"
    );
    assert_eq!(server.stored_seqs(&ann.token, &room).await, all_acked);
}

#[tokio::test]
async fn history_pages_backwards_over_websocket_and_rest_pages_both_ways() {
    let server = TestServer::start_with(|c| c.message_burst = 100).await;
    let ann = server.register("ann").await;
    let room = server.create_room(&ann.token, "r", "private", &[]).await;
    let mut a = server.client(&ann.token).await;
    for i in 1..=25 {
        a.say(&room, &format!("m{i}")).await;
    }
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let (messages, has_more) = a.history(&room, before, 10).await;
        pages.push(messages.iter().map(|m| m.seq).collect::<Vec<_>>());
        before = messages.first().map(|m| m.seq);
        if !has_more {
            break;
        }
    }
    assert_eq!(
        pages,
        vec![
            (16..=25).collect::<Vec<_>>(),
            (6..=15).collect(),
            (1..=5).collect()
        ]
    );

    let (_, newer) = server
        .get_json(
            &ann.token,
            &format!("/v1/rooms/{room}/messages?after_seq=20&limit=3"),
        )
        .await;
    let seqs: Vec<u64> = newer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(
        (seqs, newer["has_more"].as_bool()),
        (vec![21, 22, 23], Some(true))
    );
    let (_, older) = server
        .get_json(
            &ann.token,
            &format!("/v1/rooms/{room}/messages?before_seq=3"),
        )
        .await;
    assert_eq!(older["messages"].as_array().unwrap().len(), 2);
    assert_eq!(older["has_more"], false);
    let (status, body) = server
        .get_json(
            &ann.token,
            &format!("/v1/rooms/{room}/messages?before_seq=3&after_seq=1"),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, _) = server
        .get_json(
            &ann.token,
            &format!("/v1/rooms/{room}/messages?limit=100000"),
        )
        .await;
    assert_eq!(status, 400);

    a.send(&ClientFrame::History {
        room_id: room.clone().into(),
        before_seq: None,
        limit: 0,
    })
    .await;
    assert_eq!(a.expect_error().await.0, "invalid_request");
}

#[tokio::test]
async fn leaving_stops_live_events_and_a_rejoin_resumes_where_it_left() {
    let server = TestServer::start().await;
    let crate::common::Duo {
        room, mut a, mut b, ..
    } = server.duo("public").await;
    a.say(&room, "one").await;
    assert_eq!(b.drain().await.len(), 1);

    b.send(&ClientFrame::LeaveRoom {
        room_id: room.clone().into(),
    })
    .await;
    assert_eq!(
        b.recv_where(|f| matches!(f, ServerFrame::RoomLeft { .. }))
            .await,
        ServerFrame::RoomLeft {
            room_id: room.clone().into(),
            reason: None,
        }
    );
    a.say(&room, "two").await;
    a.say(&room, "three").await;
    assert!(b.drain().await.is_empty(), "no live events after leaving");
    // Membership stays: history works, and a rejoin resumes from the cursor.
    b.send(&ClientFrame::History {
        room_id: room.clone().into(),
        before_seq: None,
        limit: 10,
    })
    .await;
    assert!(matches!(
        b.recv_where(|f| matches!(f, ServerFrame::History { .. })).await,
        ServerFrame::History { ref messages, .. } if messages.len() == 3
    ));
    b.join(&room, Some(1)).await;
    let replay = b.drain().await;
    assert_eq!(replay.iter().map(seq_of).collect::<Vec<_>>(), vec![2, 3]);
    b.send(&ClientFrame::LeaveRoom {
        room_id: room.clone().into(),
    })
    .await;
    b.recv_where(|f| matches!(f, ServerFrame::RoomLeft { .. }))
        .await;
    b.send(&ClientFrame::LeaveRoom {
        room_id: room.clone().into(),
    })
    .await;
    assert_eq!(
        b.expect_error().await.0,
        "not_found",
        "leaving twice is an error"
    );
}

#[tokio::test]
async fn a_refused_join_changes_no_membership() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server.create_room(&ann.token, "lobby", "public", &[]).await;
    let mut b = server.client(&bob.token).await;
    match b.join(&room, Some(99)).await {
        ServerFrame::Error { code, .. } => assert_eq!(code.as_str(), "invalid_request"),
        other => panic!("{other:?}"),
    }
    let (_, members) = server
        .get_json(&ann.token, &format!("/v1/rooms/{room}/members"))
        .await;
    assert_eq!(
        members["members"],
        serde_json::json!([{"user_id": ann.user_id, "username": "ann", "display_name": "ann",
                            "role": "owner", "joined_at": members["members"][0]["joined_at"]}])
    );
}

#[tokio::test]
async fn a_history_page_of_long_messages_is_cut_to_a_bounded_frame() {
    let server = TestServer::start_with(|c| c.message_burst = 1000).await;
    let ann = server.register("ann").await;
    let room = server.create_room(&ann.token, "r", "private", &[]).await;
    let mut a = server.client(&ann.token).await;
    let long = "é".repeat(4000);
    for _ in 0..100 {
        a.say(&room, &long).await;
    }
    let mut seqs = Vec::new();
    let mut before = None;
    for _ in 0..10 {
        let (messages, has_more) = a.history(&room, before, 200).await;
        assert!(
            messages.len() < 100,
            "a 200-message page of 8 KB messages is cut"
        );
        assert!(messages.iter().all(|m| m.content == long));
        seqs.splice(0..0, messages.iter().map(|m| m.seq));
        before = messages.first().map(|m| m.seq);
        if !has_more {
            break;
        }
    }
    assert_eq!(
        seqs,
        (1..=100).collect::<Vec<_>>(),
        "paging on still yields every message once"
    );
}
