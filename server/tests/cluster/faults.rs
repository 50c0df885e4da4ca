//! Faults in a cluster: a process killed mid-conversation or with sends in flight,
//! Redis restarted mid-stream.

use std::time::Duration;

use chat_protocol::v1::{ClientFrame, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::chat::collect;
use crate::common::{ack_seq, stored_messages};
use crate::harness::{Cluster, Conversation};

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn clients_of_a_killed_process_resume_on_the_other_with_nothing_lost() {
    let cluster = Cluster::new().await;
    let (mut one, two) = cluster.two_nodes(&[]).await;
    let Conversation {
        ann,
        room,
        mut a,
        mut b,
    } = Conversation::start(&one, &two).await;
    for i in 0..10 {
        a.say(&room, &format!("before {i}")).await;
    }
    let bob_saw = collect(&mut b, 10).await;

    // Process one dies without a word; Bob keeps writing meanwhile.
    one.kill();
    assert!(a.closed().await.is_none_or(|code| code != 1000));
    for i in 0..5 {
        b.say(&room, &format!("while ann is away {i}")).await;
    }

    // Ann's client comes back through process two, resuming from the last seq it had.
    let mut a = two.client(&ann.token).await;
    match a.join(&room, Some(10)).await {
        ServerFrame::RoomJoined { last_seq, .. } => assert_eq!(last_seq, 15),
        other => panic!("{other:?}"),
    }
    let missed = collect(&mut a, 5).await;
    assert_eq!(
        missed.keys().copied().collect::<Vec<_>>(),
        [11, 12, 13, 14, 15]
    );
    let next = ack_seq(&a.say(&room, "back").await);
    assert_eq!(next, 16);
    let after = collect(&mut b, 1).await;
    assert_eq!(after.keys().copied().collect::<Vec<_>>(), [16]);
    assert_eq!(
        bob_saw.keys().copied().collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_process_killed_with_sends_in_flight_loses_no_acked_message_and_stores_each_once() {
    const ACKS_READ: usize = 50;
    let cluster = Cluster::new().await;
    let (mut one, two) = cluster.two_nodes(&[]).await;
    let Conversation {
        ann,
        room,
        a,
        mut b,
    } = Conversation::start(&one, &two).await;
    let ids: Vec<String> = (0..5_000)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let text = |i: usize| format!("m{i:04}");

    // Ann writes without waiting for acks, as the SDK does, until her connection dies.
    let (mut sink, mut stream) = a.ws.split();
    let writer = {
        let (ids, room) = (ids.clone(), room.clone());
        tokio::spawn(async move {
            for (i, id) in ids.iter().enumerate() {
                let frame = ClientFrame::SendMessage {
                    room_id: room.clone().into(),
                    client_msg_id: id.clone(),
                    content: text(i),
                    reply_to: None,
                    mentions: Vec::new(),
                    attachments: Vec::new(),
                };
                if sink.send(WsMessage::text(frame.encode())).await.is_err() {
                    return i;
                }
                tokio::time::sleep(Duration::from_millis(3)).await;
            }
            ids.len()
        })
    };
    // Her client reads the first acks, then no more: every later ack counts as lost
    // with the connection, so the messages it answers will be sent again.
    let mut acked = Vec::new();
    while acked.len() < ACKS_READ {
        let next = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("acks arrive")
            .expect("the connection stays open");
        if let Ok(WsMessage::Text(text)) = next
            && let ServerFrame::MessageAck {
                client_msg_id, seq, ..
            } = ServerFrame::decode(text.as_str()).expect("frame")
        {
            acked.push((client_msg_id, seq));
        }
    }
    // Process one dies while she is still writing, with messages committed whose acks
    // she never read.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while stored_messages(&two.url(""), &ann.token, &room).await.len() < ACKS_READ + 20 {
        assert!(tokio::time::Instant::now() < deadline, "sends are stored");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    one.kill();
    let written = tokio::time::timeout(Duration::from_secs(20), writer)
        .await
        .expect("the writer notices the dead connection")
        .expect("writer");
    assert!(
        written < ids.len(),
        "the kill came while sends were in flight"
    );
    drop(stream);

    // Her client resumes on process two and sends again, under the same ids, every
    // message it has no ack for, in order.
    let mut a = two.client(&ann.token).await;
    a.join(&room, None).await;
    let mut resent = Vec::new();
    for (i, id) in ids.iter().enumerate().take(written).skip(ACKS_READ) {
        let ack = a.send_with_id(&room, id, &text(i)).await;
        resent.push((id.clone(), ack_seq(&ack)));
    }
    // And goes on writing. (A message process one committed but had not yet published
    // reaches Bob once the room moves on: his connection fills the gap from the store.)
    let next = a.send_with_id(&room, &ids[written], &text(written)).await;
    resent.push((ids[written].clone(), ack_seq(&next)));
    let written = written + 1;

    // Stored: every message once, in the order written; every ack (read before the
    // kill, or got by resending) names the message stored under that seq.
    let history = stored_messages(&two.url(""), &ann.token, &room).await;
    let contents: Vec<String> = history.iter().map(|(_, _, c)| c.clone()).collect();
    assert_eq!(contents, (0..written).map(text).collect::<Vec<_>>());
    let seqs: Vec<u64> = history.iter().map(|(seq, _, _)| *seq).collect();
    assert_eq!(seqs, (1..=written as u64).collect::<Vec<_>>());
    for (client_msg_id, seq) in acked.iter().chain(&resent) {
        let index = ids.iter().position(|id| id == client_msg_id).expect("ours");
        assert_eq!(
            *seq,
            index as u64 + 1,
            "the ack for {} names its message",
            text(index)
        );
    }
    // Bob, on process two throughout, got each of them once, in order.
    let bob_saw = collect(&mut b, written).await;
    let stored_ids: Vec<&String> = history.iter().map(|(_, id, _)| id).collect();
    assert_eq!(bob_saw.values().collect::<Vec<_>>(), stored_ids);
    assert!(b.drain().await.is_empty(), "and nothing twice");
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_redis_restart_mid_stream_loses_nothing_acknowledged() {
    let mut cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let Conversation {
        ann: _,
        room,
        mut a,
        mut b,
    } = Conversation::start(&one, &two).await;

    let mut acked = Vec::new();
    for i in 0..20 {
        acked.push(ack_seq(&a.say(&room, &format!("before {i}")).await));
    }
    // Redis goes away with everything in it. Process one keeps serving Ann (and says
    // it is not ready); what it commits meanwhile cannot reach process two.
    cluster.redis.stop();
    one.wait_ready(false).await;
    for i in 0..20 {
        acked.push(ack_seq(&a.say(&room, &format!("during {i}")).await));
    }
    cluster.redis.start_again();
    one.wait_ready(true).await;
    two.wait_ready(true).await;

    // No further message prompts a catch-up: Bob gets the missed ones because the
    // processes resync their connections once Redis is back. Every acknowledged
    // message, in order, once.
    let bob_saw = collect(&mut b, acked.len()).await;
    assert_eq!(bob_saw.keys().copied().collect::<Vec<_>>(), acked);
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_process_without_redis_reports_not_ready_until_it_is_back() {
    let mut cluster = Cluster::new().await;
    let one = cluster.node();
    one.wait_ready(true).await;
    cluster.redis.stop();
    one.wait_ready(false).await;
    cluster.redis.start_again();
    one.wait_ready(true).await;
}
