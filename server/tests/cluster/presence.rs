//! Presence and connection limits across processes, kept in Redis.

use chat_protocol::v1::{PresenceStatus, ServerFrame, close};

use crate::common::Client;
use crate::harness::{Cluster, Conversation};

/// The presence frames queued for `client` so far (up to a pong): (user, online).
async fn presence_so_far(client: &mut Client) -> Vec<(String, bool)> {
    client.send(&chat_protocol::v1::ClientFrame::Ping).await;
    let mut seen = Vec::new();
    loop {
        match client.recv().await {
            ServerFrame::Pong { .. } => return seen,
            ServerFrame::Presence {
                user_id, status, ..
            } => seen.push((user_id, status == PresenceStatus::Online)),
            _ => {}
        }
    }
}

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
    one.create_room(&ann.token, &[&bob.user_id]).await;

    let mut b = two.client(&bob.token).await;
    // Ann on process one learns at once that Bob, on process two, is online.
    let mut a1 = one.client(&ann.token).await;
    assert!(presence_of(&mut a1, &bob.user_id).await);
    assert!(presence_of(&mut b, &ann.user_id).await);

    // A second device on the other process; closing the first keeps Ann online.
    let a2 = two.client(&ann.token).await;
    drop(a1);
    drop(a2);
    // Only once both are gone does Bob hear she is offline, and only once.
    assert!(!presence_of(&mut b, &ann.user_id).await);
    assert!(presence_so_far(&mut b).await.is_empty());
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
    assert!(presence_so_far(&mut b2).await.is_empty());
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
        .send(&chat_protocol::v1::ClientFrame::Authenticate {
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
    a.send(&chat_protocol::v1::ClientFrame::Typing {
        room_id: room.clone(),
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
