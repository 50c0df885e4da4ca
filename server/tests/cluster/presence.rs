//! Presence and connection limits across processes, kept in Redis.

use chat_protocol::v1::{ClientFrame, PresenceStatus, ServerFrame, close};

use crate::common::Client;
use crate::harness::{Cluster, Conversation};

/// The next presence frame about `user_id`: whether they are online.
async fn presence_of(client: &mut Client, user_id: &str) -> bool {
    let frame = client
        .recv_where(|f| matches!(f, ServerFrame::Presence { user_id: u, .. } if u == user_id))
        .await;
    matches!(
        frame,
        ServerFrame::Presence {
            status: PresenceStatus::Online,
            ..
        }
    )
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_user_is_online_while_connected_to_any_process() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let ann = one.register("ann").await;
    let bob = two.register("bob").await;
    let carol = one.register("carol").await;
    one.create_room(&ann.token, &[&bob.user_id]).await;
    one.create_room(&carol.token, &[&bob.user_id]).await;

    let mut b = two.client(&bob.token).await;
    // Ann on process one learns at once that Bob, on process two, is online.
    let mut a1 = one.client(&ann.token).await;
    assert!(presence_of(&mut a1, &bob.user_id).await);
    assert!(presence_of(&mut b, &ann.user_id).await);

    // A second device on the other process; closing the first keeps Ann online. Checked
    // once process one has handled the close (it has no connection left), and has said
    // all it had to say about it: Carol's coming online there reaches Bob after that.
    let a2 = two.client(&ann.token).await;
    drop(a1);
    one.wait_for_connections(0.0).await;
    let c = one.client(&carol.token).await;
    assert_eq!(
        presence_until(&mut b, (&carol.user_id, true)).await,
        [(carol.user_id.to_string(), true)],
        "no offline while a device is on"
    );
    let mut b2 = one.client(&bob.token).await;
    let mut snapshot = b2.presence_so_far().await;
    snapshot.sort();
    let mut both_online = [
        (ann.user_id.to_string(), true),
        (carol.user_id.to_string(), true),
    ];
    both_online.sort();
    assert_eq!(
        snapshot, both_online,
        "a new connection's snapshot, on the process she left, has Ann online"
    );
    drop(b2);
    // Only once both are gone does Bob hear she is offline, and only once: Carol's
    // leaving process one, and a ping to process two, mark the end of what either
    // process could still say.
    drop(a2);
    assert!(!presence_of(&mut b, &ann.user_id).await);
    two.wait_for_connections(1.0).await;
    drop(c);
    assert_eq!(
        presence_until(&mut b, (&carol.user_id, false)).await,
        [(carol.user_id.to_string(), false)],
        "one offline, not two"
    );
    assert!(b.presence_so_far().await.is_empty(), "one offline, not two");
}

/// Every presence frame `client` gets up to and including `last`: (user, online).
///
/// Bounded by time, not by pings: the frame crosses a socket close, Redis and another
/// process, and a loaded CI machine can take longer than fifty quick round trips.
async fn presence_until(client: &mut Client, last: (&str, bool)) -> Vec<(String, bool)> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut heard = Vec::new();
    while tokio::time::Instant::now() < deadline {
        heard.extend(client.presence_so_far().await);
        if heard
            .iter()
            .any(|(user, online)| (user.as_str(), *online) == last)
        {
            return heard;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("never heard {last:?} within 10 s; heard {heard:?}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn the_users_of_a_killed_process_go_offline_after_the_ttl() {
    let cluster = Cluster::new().await;
    let (mut one, two) = cluster.two_nodes(&["--presence-ttl", "1s"]).await;
    let ann = one.register("ann").await;
    let bob = two.register("bob").await;
    one.create_room(&ann.token, &[&bob.user_id]).await;
    let mut b = two.client(&bob.token).await;
    let _a = one.client(&ann.token).await;
    assert!(presence_of(&mut b, &ann.user_id).await);

    // Process one dies without telling anyone; process two sweeps its entries.
    one.kill();
    assert!(!presence_of(&mut b, &ann.user_id).await);
    // A new connection's snapshot agrees: nobody is online but Bob himself.
    let mut b2 = two.client(&bob.token).await;
    assert!(b2.presence_so_far().await.is_empty());
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn the_connection_limit_counts_every_process() {
    let cluster = Cluster::new().await;
    let limit = ["--max-connections-per-user", "2"];
    let (one, two) = cluster.two_nodes(&limit).await;
    let ann = one.register("ann").await;
    let _first = one.client(&ann.token).await;
    let _second = two.client(&ann.token).await;

    // A third, on either process, is refused.
    let mut third = Client::connect_to(&one.ws_url()).await;
    third
        .send(&ClientFrame::Authenticate {
            token: ann.token.clone(),
        })
        .await;
    assert_eq!(third.closed().await, Some(close::TOO_MANY_CONNECTIONS));
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn typing_of_a_killed_process_stops_after_the_ttl() {
    let cluster = Cluster::new().await;
    let ttl = ["--typing-ttl", "1s", "--presence-ttl", "1s"];
    let (mut one, two) = cluster.two_nodes(&ttl).await;
    let Conversation {
        ann,
        room,
        mut a,
        mut b,
    } = Conversation::start(&one, &two).await;
    a.send(&ClientFrame::Typing {
        room_id: room.clone().into(),
        is_typing: true,
    })
    .await;
    let typing = |want: bool| move |f: &ServerFrame| matches!(f, ServerFrame::Typing { is_typing, .. } if *is_typing == want);
    b.recv_where(typing(true)).await;
    // Ann's process dies while she is typing: the indicator still stops, from Redis.
    one.kill();
    let stopped = b.recv_where(typing(false)).await;
    assert!(matches!(stopped, ServerFrame::Typing { ref user_id, .. } if *user_id == ann.user_id));
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn typing_that_stops_by_leaving_or_disconnecting_is_announced_once() {
    let cluster = Cluster::new().await;
    let ttl = ["--typing-ttl", "1s", "--presence-ttl", "1s"];
    let (one, two) = cluster.two_nodes(&ttl).await;
    let Conversation {
        ann,
        room,
        mut a,
        mut b,
    } = Conversation::start(&one, &two).await;
    let typing = |want: bool| move |f: &ServerFrame| matches!(f, ServerFrame::Typing { is_typing, .. } if *is_typing == want);
    let start_typing = ClientFrame::Typing {
        room_id: room.clone().into(),
        is_typing: true,
    };

    // Ann leaves the room while typing, then her connection closes while typing: each
    // time Bob hears one stop, and the cluster's copy goes too, so no process announces
    // the stop again once the TTL has passed.
    a.send(&start_typing).await;
    b.recv_where(typing(true)).await;
    a.send(&ClientFrame::LeaveRoom {
        room_id: room.clone().into(),
    })
    .await;
    a.recv_where(|f| matches!(f, ServerFrame::RoomLeft { .. }))
        .await;
    b.recv_where(typing(false)).await;
    a.join(&room, None).await;
    a.send(&start_typing).await;
    b.recv_where(typing(true)).await;
    drop(a);
    b.recv_where(typing(false)).await;
    // Past the TTL and several sweeps of both processes.
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    b.send(&ClientFrame::Ping).await;
    loop {
        match b.recv().await {
            ServerFrame::Pong { .. } => break,
            ServerFrame::Typing { user_id, .. } => {
                assert_ne!(user_id, ann.user_id, "a second stop for Ann");
            }
            _ => {}
        }
    }
}
