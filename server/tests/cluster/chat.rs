//! Users on different processes chat as if on one.

use std::collections::BTreeMap;

use chat_protocol::v1::{ClientFrame, ServerFrame};

use crate::common::{Client, ack_seq};
use crate::harness::{Cluster, Conversation};

/// Collects `message` frames until `count` arrived, checking that they come in
/// increasing seq order with no repeats; returns seq → message id.
pub async fn collect(client: &mut Client, count: usize) -> BTreeMap<u64, String> {
    let mut seen = BTreeMap::new();
    let mut last = 0;
    while seen.len() < count {
        let m = client.recv_message().await;
        assert!(m.seq > last, "seq {} arrived after {last}", m.seq);
        last = m.seq;
        seen.insert(m.seq, m.message_id.to_string());
    }
    seen
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn users_on_different_processes_chat_both_ways() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let Conversation {
        ann,
        room,
        mut a,
        mut b,
    } = Conversation::start(&one, &two).await;

    a.say(&room, "hello from process one").await;
    assert_eq!(b.recv_message().await.content, "hello from process one");
    b.say(&room, "hi from process two").await;
    let got = a.recv_message().await;
    assert_eq!((got.content.as_str(), got.seq), ("hi from process two", 2));

    // Typing crosses processes too.
    a.send(&ClientFrame::Typing {
        room_id: room.clone().into(),
        is_typing: true,
    })
    .await;
    let typing = b
        .recv_where(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    assert!(
        matches!(typing, ServerFrame::Typing { ref user_id, is_typing: true, .. } if *user_id == ann.user_id)
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn concurrent_senders_on_both_processes_produce_one_gap_free_order() {
    const EACH: usize = 60;
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let ann = one.register("ann").await;
    let bob = two.register("bob").await;
    let carol = one.register("carol").await;
    let dan = two.register("dan").await;
    let room = one
        .create_room(&ann.token, &[&bob.user_id, &carol.user_id, &dan.user_id])
        .await;
    let mut watchers = [one.client(&carol.token).await, two.client(&dan.token).await];
    for watcher in &mut watchers {
        watcher.join(&room, None).await;
    }

    // Ann writes through process one and Bob through process two, at the same time.
    // (Members may send without joining; the watchers receive.)
    let sender = |node: &crate::harness::Node, token: String, name: &'static str| {
        let ws = node.ws_url();
        let room = room.clone();
        tokio::spawn(async move {
            let mut client = Client::authenticated(&ws, &token).await;
            let mut acked = Vec::new();
            for i in 0..EACH {
                acked.push(ack_seq(&client.say(&room, &format!("{name} {i}")).await));
            }
            acked
        })
    };
    let ann_sends = sender(&one, ann.token.clone(), "ann");
    let bob_sends = sender(&two, bob.token.clone(), "bob");
    let mut acked = ann_sends.await.unwrap();
    acked.extend(bob_sends.await.unwrap());
    acked.sort_unstable();
    let all: Vec<u64> = (1..=(2 * EACH) as u64).collect();
    assert_eq!(acked, all, "every seq acknowledged once, none skipped");

    let [carol_ws, dan_ws] = &mut watchers;
    let carol_saw = collect(carol_ws, 2 * EACH).await;
    let dan_saw = collect(dan_ws, 2 * EACH).await;
    assert_eq!(carol_saw.keys().copied().collect::<Vec<_>>(), all);
    assert_eq!(
        carol_saw, dan_saw,
        "both processes' clients saw the same order"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_send_retried_on_another_process_is_stored_once() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let ann = one.register("ann").await;
    let bob = two.register("bob").await;
    let room = one.create_room(&ann.token, &[&bob.user_id]).await;
    let mut b = two.client(&bob.token).await;
    b.join(&room, None).await;

    // The same message (same client_msg_id) through both processes at once, as a
    // client does when it reconnects elsewhere before the first ack arrived.
    let frame = ClientFrame::SendMessage {
        room_id: room.clone().into(),
        client_msg_id: uuid::Uuid::new_v4().to_string(),
        content: "only once".into(),
        reply_to: None,
        mentions: Vec::new(),
        attachments: Vec::new(),
    };
    let mut first = one.client(&ann.token).await;
    let mut second = two.client(&ann.token).await;
    let ack = |f: &ServerFrame| matches!(f, ServerFrame::MessageAck { .. });
    first.send(&frame).await;
    second.send(&frame).await;
    let (ack_one, ack_two) = (first.recv_where(ack).await, second.recv_where(ack).await);
    assert_eq!(ack_one, ack_two, "both get the original's ack");
    assert_eq!(ack_seq(&ack_one), 1);
    let got = collect(&mut b, 1).await;
    assert_eq!(got.keys().copied().collect::<Vec<_>>(), [1]);
    // A later message gets seq 2: nothing was stored twice.
    assert_eq!(ack_seq(&first.say(&room, "next").await), 2);
}
