//! Faults in a cluster: a process killed mid-conversation, Redis restarted mid-stream.

use chat_protocol::v1::ServerFrame;

use crate::chat::collect;
use crate::common::ack_seq;
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
