//! Faults: offline sends, restarts of the client and the server, random cuts.

use std::sync::atomic::Ordering;
use std::time::Duration;

use chat_sdk::ChatClient;

use crate::harness::{Proxy, Server, connected, create_room, eventually, fast_config, server_seqs};

fn stored(client: &ChatClient, room: &str) -> Vec<(u64, String)> {
    client
        .messages(room, None, 100_000)
        .unwrap()
        .into_iter()
        .filter_map(|m| Some((m.seq?, m.message_id?)))
        .collect()
}

fn pending(client: &ChatClient, room: &str) -> usize {
    client
        .messages(room, None, 100_000)
        .unwrap()
        .iter()
        .filter(|m| m.seq.is_none())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_offline_are_delivered_once_after_reconnect() {
    let server = Server::start().await;
    let proxy = Proxy::start(server.addr).await;
    let (ann, session, room) = crate::harness::solo(proxy.url(), "private").await;

    proxy.set_offline(true);
    eventually(10, "offline", || {
        ann.connection_state() != chat_sdk::core::ConnectionState::Connected
    })
    .await;
    for i in 0..5 {
        ann.send_message(&room, &format!("offline {i}")).unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pending(&ann, &room), 5);
    proxy.set_offline(false);
    eventually(15, "outbox drained", || pending(&ann, &room) == 0).await;
    let on_server = server_seqs(&proxy.url(), &session.token, &room).await;
    assert_eq!(on_server.len(), 5, "each stored once");
    assert_eq!(stored(&ann, &room), on_server);
    assert_eq!(
        crate::harness::contents(&ann, &room),
        (0..5).map(|i| format!("offline {i}")).collect::<Vec<_>>(),
        "in the order written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_dropped_with_a_full_outbox_sends_everything_once_after_reopening() {
    let server = Server::start().await;
    let proxy = Proxy::start(server.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ann.db");
    let session;
    let room;
    {
        let ann = ChatClient::open(fast_config(proxy.url(), Some(db.clone()))).unwrap();
        session = ann.register("ann", "correct horse battery").await.unwrap();
        room = create_room(&proxy.url(), &session.token, "r", "private", &[]).await;
        ann.join_room(&room).unwrap();
        proxy.set_offline(true);
        ann.connect().unwrap();
        for i in 0..20 {
            ann.send_message(&room, &format!("queued {i}")).unwrap();
        }
        ann.shutdown();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    proxy.set_offline(false);

    let ann = ChatClient::open(fast_config(proxy.url(), Some(db))).unwrap();
    assert_eq!(pending(&ann, &room), 20, "the outbox survived");
    ann.set_session(&session).unwrap();
    ann.connect().unwrap();
    eventually(15, "outbox drained", || pending(&ann, &room) == 0).await;
    let on_server = server_seqs(&proxy.url(), &session.token, &room).await;
    assert_eq!(on_server.len(), 20);
    assert_eq!(stored(&ann, &room), on_server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_crash_mid_stream_loses_nothing_acknowledged_and_duplicates_nothing() {
    use crate::harness::{ServerProcess, count_reconnects, free_addr};
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let direct = format!("http://{addr}");
    let server = ServerProcess::start(dir.path(), addr).await;
    let proxy = Proxy::start(addr).await;
    let crate::harness::Pair {
        ann,
        bob,
        ann_session,
        room,
    } = crate::harness::pair(proxy.url()).await;
    let (ann_reconnects, bob_reconnects) = (count_reconnects(&ann), count_reconnects(&bob));
    for i in 0..30 {
        ann.send_message(&room, &format!("before {i}")).unwrap();
    }
    eventually(20, "the first 30 acknowledged", || {
        pending(&ann, &room) == 0
    })
    .await;

    // The server's replies are held in the network from now on. The SDK sends one
    // message per room at a time: the server commits "during 0", but its ack never
    // reaches Ann, and the process is killed with it. So she must send it again after
    // the restart, and the restarted server must know it.
    proxy.set_replies_held(true);
    for i in 0..30 {
        ann.send_message(&room, &format!("during {i}")).unwrap();
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while server_seqs(&direct, &ann_session.token, &room).await.len() < 31 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "\"during 0\" committed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    proxy.cut_all(); // the held acks go with the connections
    proxy.set_replies_held(false);
    assert_eq!(pending(&ann, &room), 30, "no ack of the last 30 arrived");
    for i in 0..10 {
        ann.send_message(&room, &format!("after {i}")).unwrap();
    }
    let _server = ServerProcess::start(dir.path(), addr).await;

    eventually(30, "ann's outbox drained", || pending(&ann, &room) == 0).await;
    let on_server = server_seqs(&proxy.url(), &ann_session.token, &room).await;
    assert_eq!(on_server.len(), 70, "every message stored exactly once");
    let written: Vec<String> = ["before", "during"]
        .iter()
        .flat_map(|phase| (0..30).map(move |i| format!("{phase} {i}")))
        .chain((0..10).map(|i| format!("after {i}")))
        .collect();
    assert_eq!(
        crate::harness::contents(&ann, &room),
        written,
        "in the order written"
    );
    eventually(30, "ann converges", || stored(&ann, &room) == on_server).await;
    eventually(30, "bob converges", || stored(&bob, &room) == on_server).await;
    // Both lost their connection to the crash and came back by reconnecting.
    assert!(
        ann_reconnects.load(Ordering::SeqCst) >= 1,
        "ann reconnected"
    );
    assert!(
        bob_reconnects.load(Ordering::SeqCst) >= 1,
        "bob reconnected"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clients_converge_on_the_servers_history_under_random_cuts() {
    const EACH: usize = 700;
    let server = Server::start().await;
    let proxies = [
        Proxy::start(server.addr).await,
        Proxy::start(server.addr).await,
        Proxy::start(server.addr).await,
    ];
    let phone = ChatClient::open(fast_config(proxies[0].url(), None)).unwrap();
    let laptop = ChatClient::open(fast_config(proxies[1].url(), None)).unwrap();
    let bob = ChatClient::open(fast_config(proxies[2].url(), None)).unwrap();
    let ann_session = phone
        .register("ann", "correct horse battery")
        .await
        .unwrap();
    laptop.set_session(&ann_session).unwrap();
    let bob_session = bob.register("bob", "correct horse battery").await.unwrap();
    let room = create_room(
        &proxies[0].url(),
        &ann_session.token,
        "r",
        "private",
        &[&bob_session.user_id],
    )
    .await;
    let clients = [phone, laptop, bob];
    for client in &clients {
        client.join_room(&room).unwrap();
        client.connect().unwrap();
        connected(client).await;
    }

    // Cuts hit a random client's connection about every tenth round, while sending.
    // Count reconnects, to be sure the cuts really happened.
    let reconnects = clients.each_ref().map(crate::harness::count_reconnects);
    let mut state = 0x2545_f491_u64;
    let mut next = |bound: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    };
    for i in 0..EACH {
        for (c, client) in clients.iter().enumerate() {
            client.send_message(&room, &format!("{c}:{i}")).unwrap();
        }
        if next(10) == 0 {
            proxies[usize::try_from(next(3)).unwrap()].cut_all();
        }
        tokio::time::sleep(Duration::from_millis(next(4))).await;
    }

    for client in &clients {
        eventually(60, "outbox drained", || pending(client, &room) == 0).await;
    }
    let reconnects: usize = reconnects.iter().map(|c| c.load(Ordering::SeqCst)).sum();
    assert!(
        reconnects >= 10,
        "the proxy cut connections ({reconnects} reconnects)"
    );
    let on_server = server_seqs(&proxies[0].url(), &ann_session.token, &room).await;
    assert_eq!(
        on_server.len(),
        3 * EACH,
        "every message stored exactly once"
    );
    for client in &clients {
        eventually(60, "cache equals the server's history", || {
            stored(client, &room) == on_server
        })
        .await;
    }
    // Each sender's messages are in the order it wrote them.
    let history = clients[2].messages(&room, None, 100_000).unwrap();
    for c in 0..3 {
        let mine: Vec<usize> = history
            .iter()
            .filter_map(|m| {
                m.content
                    .strip_prefix(&format!("{c}:"))
                    .map(|n| n.parse().unwrap())
            })
            .collect();
        assert_eq!(mine, (0..EACH).collect::<Vec<_>>(), "sender {c} in order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_connection_is_detected_by_heartbeats_and_replaced() {
    let server = Server::start().await;
    let proxy = Proxy::start(server.addr).await;
    let mut config = fast_config(proxy.url(), None);
    config.core.ping_every_ms = 100;
    config.core.dead_after_ms = 600;
    config.core.connect_timeout_ms = 600;
    let ann = ChatClient::open(config).unwrap();
    let session = ann.register("ann", "correct horse battery").await.unwrap();
    let room = create_room(&proxy.url(), &session.token, "r", "private", &[]).await;
    ann.join_room(&room).unwrap();
    ann.connect().unwrap();
    connected(&ann).await;

    // The path goes silent without closing: only the heartbeat can notice.
    proxy.set_stalled(true);
    ann.send_message(&room, "into the void").unwrap();
    eventually(10, "dead connection noticed", || {
        matches!(
            ann.connection_state(),
            chat_sdk::core::ConnectionState::Reconnecting {
                reason: chat_sdk::core::DisconnectReason::HeartbeatTimeout
                    | chat_sdk::core::DisconnectReason::AuthTimeout,
                ..
            }
        )
    })
    .await;
    proxy.set_stalled(false);
    proxy.cut_all(); // the stalled sockets carry stale bytes; start clean
    eventually(15, "delivered after recovery", || pending(&ann, &room) == 0).await;
    let on_server = server_seqs(&proxy.url(), &session.token, &room).await;
    assert_eq!(on_server.len(), 1, "stored once, whatever was in flight");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_replaced_through_the_token_provider() {
    struct Provider(String);
    impl chat_sdk::TokenProvider for Provider {
        fn fresh_token(
            &self,
        ) -> std::pin::Pin<Box<dyn Future<Output = Option<String>> + Send + '_>> {
            Box::pin(async move { Some(self.0.clone()) })
        }
    }
    let server = Server::start().await;
    let proxy = Proxy::start(server.addr).await;
    let ann = ChatClient::open(fast_config(proxy.url(), None)).unwrap();
    let good = ann.register("ann", "correct horse battery").await.unwrap();
    // Start with a token the server refuses; the provider has the good one.
    let stale = chat_sdk::Session {
        token: "not-a-valid-token".into(),
        ..good.clone()
    };
    ann.set_session(&stale).unwrap();
    ann.set_token_provider(std::sync::Arc::new(Provider(good.token.clone())));
    ann.connect().unwrap();
    connected(&ann).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_server_process_loses_nothing_acknowledged() {
    use crate::harness::{ServerProcess, free_addr};
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let server = ServerProcess::start(dir.path(), addr).await;
    let proxy = Proxy::start(addr).await;
    let crate::harness::Pair {
        ann,
        bob,
        ann_session,
        room,
    } = crate::harness::pair(proxy.url()).await;
    let mut events = ann.subscribe();
    // Keep writing while the server dies: some messages are acknowledged before the
    // kill, some are in flight at it, some are written while it is down.
    let writer = {
        let ann = ann.clone();
        let room = room.clone();
        tokio::spawn(async move {
            for i in 0..200 {
                ann.send_message(&room, &format!("m{i}")).unwrap();
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    let mut acked_before_kill = 0;
    while acked_before_kill < 20 {
        if let Ok(chat_sdk::ClientEvent::Status {
            status: Some(chat_sdk::cache::MessageStatus::Sent),
            ..
        }) = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("acks arrive")
        {
            acked_before_kill += 1;
        }
    }
    server.kill();
    let _server = ServerProcess::start(dir.path(), addr).await;
    writer.await.unwrap();
    eventually(30, "outbox drained", || pending(&ann, &room) == 0).await;
    let on_server = server_seqs(&proxy.url(), &ann_session.token, &room).await;
    assert_eq!(
        on_server.len(),
        200,
        "every message stored exactly once, across the kill"
    );
    assert_eq!(
        crate::harness::contents(&ann, &room),
        (0..200).map(|i| format!("m{i}")).collect::<Vec<_>>(),
        "in the order written"
    );
    eventually(30, "ann converges", || stored(&ann, &room) == on_server).await;
    eventually(30, "bob converges", || stored(&bob, &room) == on_server).await;
}
