//! Limits: message rate, connections per user, slow consumers.

use std::time::{Duration, Instant};

use chat_protocol::v1::{ClientFrame, ServerFrame, close};

use crate::common::TestServer;

#[tokio::test]
async fn a_message_flood_is_rate_limited_then_disconnected_with_4008() {
    let server = TestServer::start_with(|c| {
        c.messages_per_second = 1;
        c.message_burst = 3;
        c.rate_limit_strikes = 5;
    })
    .await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&ann.token, "r", "public", &[&bob.user_id])
        .await;
    let mut flooder = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    b.join(&room, None).await;

    let mut ids = Vec::new();
    for i in 0..20 {
        let id = uuid::Uuid::new_v4().to_string();
        flooder
            .send(&ClientFrame::SendMessage {
                room_id: room.clone().into(),
                client_msg_id: id.clone(),
                content: format!("spam {i}"),
                reply_to: None,
                mentions: Vec::new(),
                attachments: Vec::new(),
            })
            .await;
        ids.push(id);
    }
    let (mut acks, mut limited) = (0, Vec::new());
    let code = loop {
        match flooder.ws_next_frame_or_close().await {
            Ok(ServerFrame::MessageAck { .. }) => acks += 1,
            Ok(ServerFrame::Error {
                code, reference, ..
            }) => {
                assert_eq!(code.as_str(), "rate_limited");
                limited.push(reference.unwrap());
            }
            Ok(_) => {}
            Err(code) => break code,
        }
    };
    assert_eq!(code, Some(close::POLICY_LIMIT));
    assert_eq!(acks, 3, "the burst is accepted");
    assert_eq!(limited.len(), 5, "then five strikes");
    assert_eq!(limited, ids[3..8], "each error names the refused message");
    assert_eq!(server.stored_seqs(&bob.token, &room).await, vec![1, 2, 3]);
    // The flood did not disturb Bob.
    assert_eq!(b.drain().await.len(), 3);
}

#[tokio::test]
async fn the_sixth_connection_of_a_user_is_closed_with_4009() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let mut open = Vec::new();
    for _ in 0..5 {
        open.push(server.client(&ann.token).await);
    }
    let mut sixth = crate::common::Client::connect(&server).await;
    sixth
        .send(&ClientFrame::Authenticate {
            token: ann.token.clone(),
        })
        .await;
    assert!(matches!(sixth.recv().await, ServerFrame::Error { .. }));
    assert_eq!(sixth.closed().await, Some(close::TOO_MANY_CONNECTIONS));
    // The five keep working, and closing one frees a slot.
    for client in &mut open {
        assert!(client.drain().await.is_empty());
    }
    let first = open.remove(0);
    drop(first);
    let mut admitted = None;
    for _ in 0..50 {
        let mut retry = crate::common::Client::connect(&server).await;
        retry
            .send(&ClientFrame::Authenticate {
                token: ann.token.clone(),
            })
            .await;
        if matches!(retry.recv().await, ServerFrame::Authenticated { .. }) {
            admitted = Some(retry);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        admitted.is_some(),
        "a slot frees up once a connection closes"
    );
}

// Several threads: the fast reader must not wait behind the sender and the server, or
// it could itself fall behind its small queue on a loaded machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_closed_with_4011_without_slowing_the_room() {
    let server = TestServer::start_with(|c| {
        c.outbound_queue = 16;
        c.max_content_chars = 60_000;
        c.max_frame_bytes = 256 * 1024;
        c.message_burst = 10_000;
        c.messages_per_second = 10_000;
    })
    .await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let sloth = server.register("sloth").await;
    // Members from the start: the room's events are its messages alone.
    let room = server
        .create_room(&ann.token, "r", "public", &[&bob.user_id, &sloth.user_id])
        .await;
    let mut b = server.client(&bob.token).await;
    b.join(&room, None).await;
    let mut slow = server.client(&sloth.token).await;
    slow.join(&room, None).await;
    let mut a = server.client(&ann.token).await;

    // Sloth reads nothing until the server has given up on him (and only on him); then
    // he reads what reached his socket: an unbroken run of the room's messages, then
    // the close frame that tells him why, 4011 (resume). He starts reading at once,
    // while the room goes on: the close frame waits for him only so long.
    let slow_closes = "chat_connections_closed_total{reason=\"slow_consumer\"}";
    let sloth_reader = {
        let (http, metrics) = (server.http.clone(), server.url("/metrics"));
        tokio::spawn(async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            loop {
                let text = http.get(&metrics).send().await.unwrap().text().await;
                if crate::common::sample_value(&text.unwrap(), slow_closes) == 1.0 {
                    break;
                }
                assert!(tokio::time::Instant::now() < deadline, "Sloth never closed");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let mut last_seq = 0;
            loop {
                match slow.ws_next_frame_or_close().await {
                    Ok(ServerFrame::Message(m)) => {
                        assert_eq!(m.seq, last_seq + 1, "no gap before the close");
                        last_seq = m.seq;
                    }
                    Ok(_) => {}
                    Err(code) => return (code, last_seq),
                }
            }
        })
    };

    // ~12 MB of messages: far more than the socket buffers of a client that never reads.
    // Bob notes when each one reaches him.
    let big = "x".repeat(50_000);
    let total = 240;
    let reader = tokio::spawn(async move {
        let mut arrived = Vec::with_capacity(total);
        while arrived.len() < total {
            if let ServerFrame::Message(m) = b.recv().await {
                let index: usize = m.content[..4].parse().unwrap();
                assert_eq!(index, arrived.len(), "in order, once each");
                arrived.push(Instant::now());
            }
        }
        (b, arrived)
    });
    let mut sent = Vec::with_capacity(total);
    for i in 0..total {
        sent.push(Instant::now());
        let ack = a.say(&room, &format!("{i:04}{big}")).await;
        assert!(matches!(ack, ServerFrame::MessageAck { .. }), "{ack:?}");
    }
    let (mut b, arrived) = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("the fast reader got everything")
        .unwrap();
    // The room did not wait for Sloth: every message reached Bob soon after Ann sent it.
    // (Waiting on Sloth would hold deliveries for the server's 10 s write timeout.)
    let mut delays: Vec<Duration> = arrived
        .iter()
        .zip(&sent)
        .map(|(arrived, sent)| arrived.saturating_duration_since(*sent))
        .collect();
    delays.sort();
    let (median, slowest) = (delays[total / 2], delays[total - 1]);
    assert!(
        slowest < Duration::from_secs(5),
        "Bob waited up to {slowest:?} for a message (median {median:?})"
    );

    let (code, last_seq) = tokio::time::timeout(Duration::from_secs(60), sloth_reader)
        .await
        .expect("Sloth's connection ends")
        .unwrap();
    assert_eq!(
        code,
        Some(close::SLOW_CONSUMER),
        "after {last_seq} messages"
    );
    assert!(last_seq < 240, "Sloth was closed before he had everything");
    assert!(b.drain().await.is_empty(), "Bob is still connected");
    assert_eq!(
        server.metric(slow_closes).await,
        1.0,
        "only Sloth was closed"
    );
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let server = TestServer::start_with(|c| {
        c.heartbeat_interval = Duration::from_millis(100);
        c.idle_timeout = Duration::from_millis(400);
    })
    .await;
    let ann = server.register("ann").await;
    let mut awake = server.client(&ann.token).await;
    let mut asleep = server.client(&ann.token).await;
    // `awake` keeps reading (its client library answers the server's pings); `asleep`
    // reads nothing, so it never answers.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(900) {
        assert!(awake.drain().await.is_empty());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(asleep.closed().await, Some(close::POLICY_LIMIT));
    assert!(
        awake.drain().await.is_empty(),
        "the responsive connection is still open"
    );
}

#[tokio::test]
async fn a_frame_flood_is_closed_with_4008() {
    let server = TestServer::start_with(|c| {
        c.frames_per_second = 5;
        c.frame_burst = 10;
    })
    .await;
    let ann = server.register("ann").await;
    let mut flooder = server.client(&ann.token).await;
    for _ in 0..30 {
        flooder.send(&ClientFrame::Ping).await;
    }
    let mut pongs = 0;
    let code = loop {
        match flooder.ws_next_frame_or_close().await {
            Ok(ServerFrame::Pong { .. }) => pongs += 1,
            Ok(_) => {}
            Err(code) => break code,
        }
    };
    assert_eq!(code, Some(close::POLICY_LIMIT));
    assert!(
        (10..30).contains(&pongs),
        "the burst is served, the flood is not: {pongs}"
    );
}

#[tokio::test]
async fn registrations_and_logins_are_rate_limited_per_address() {
    let server = TestServer::start_with(|c| c.auth_attempts_per_minute = 3).await;
    server.register("ann").await;
    let login = || {
        server
            .http
            .post(server.url("/v1/auth/login"))
            .json(&serde_json::json!({"username": "ann", "password": "wrong password"}))
            .send()
    };
    assert_eq!(login().await.unwrap().status(), 401);
    assert_eq!(login().await.unwrap().status(), 401);
    let limited = login().await.unwrap();
    assert_eq!(limited.status(), 429);
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
}

/// A failed login from `client`, as a reverse proxy in front of the server would forward
/// it (`X-Forwarded-For` written by the client, then the proxy's own entry).
async fn login_via_proxy(server: &TestServer, forwarded_for: &str) -> u16 {
    server
        .http
        .post(server.url("/v1/auth/login"))
        .header("X-Forwarded-For", forwarded_for)
        .json(&serde_json::json!({"username": "ann", "password": "wrong password"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_sign_in_attempts_count_per_forwarded_client() {
    let server = TestServer::start_with(|c| {
        c.auth_attempts_per_minute = 2;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    server.register("ann").await; // one attempt of 127.0.0.1's
    for _ in 0..2 {
        assert_eq!(login_via_proxy(&server, "203.0.113.1").await, 401);
    }
    assert_eq!(login_via_proxy(&server, "203.0.113.1").await, 429);
    // Another client behind the same proxy has a budget of its own.
    assert_eq!(login_via_proxy(&server, "203.0.113.2").await, 401);
    // A client that forges an entry is still counted by the address the proxy appended.
    assert_eq!(
        login_via_proxy(&server, "198.51.100.9, 203.0.113.1").await,
        429
    );
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_address_is_not_believed() {
    let server = TestServer::start_with(|c| c.auth_attempts_per_minute = 2).await;
    assert_eq!(login_via_proxy(&server, "203.0.113.1").await, 401);
    assert_eq!(login_via_proxy(&server, "203.0.113.2").await, 401);
    assert_eq!(
        login_via_proxy(&server, "203.0.113.3").await,
        429,
        "every attempt counts against the TCP peer"
    );
}

#[tokio::test]
async fn connections_beyond_the_server_limit_are_refused_with_503() {
    let server = TestServer::start_with(|c| c.max_connections = 2).await;
    let ann = server.register("ann").await;
    let _one = server.client(&ann.token).await;
    let _two = server.client(&ann.token).await;
    match tokio_tungstenite::connect_async(server.ws_url()).await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
        }
        other => panic!("expected HTTP 503, got {other:?}"),
    }
    drop(_one);
    // The slot comes back once the connection is gone.
    let mut admitted = false;
    for _ in 0..50 {
        if tokio_tungstenite::connect_async(server.ws_url())
            .await
            .is_ok()
        {
            admitted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(admitted);
}

#[tokio::test]
async fn typing_and_receipt_floods_are_rate_limited() {
    let server = TestServer::start().await;
    let crate::common::Duo {
        room, mut a, mut b, ..
    } = server.duo("public").await;
    for i in 0..40 {
        a.send(&ClientFrame::Typing {
            room_id: room.clone().into(),
            is_typing: i % 2 == 0,
        })
        .await;
    }
    let (code, _, reference) = a.expect_error().await;
    assert_eq!(
        (code.as_str(), reference.as_deref()),
        ("rate_limited", Some(room.as_str()))
    );
    // Bob saw the burst, not all forty changes.
    let mut seen = 0;
    b.send(&ClientFrame::Ping).await;
    loop {
        match b.recv().await {
            ServerFrame::Typing { .. } => seen += 1,
            ServerFrame::Pong { .. } => break,
            _ => {}
        }
    }
    assert!(seen < 40, "{seen} typing frames reached the room");
}

#[tokio::test]
async fn a_connection_is_closed_when_its_token_expires() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let exp = crate::common::now_secs() + 1;
    let short_lived = server.sign(&serde_json::json!({"sub": ann.user_id, "exp": exp}));
    let mut client = server.client(&short_lived).await;
    match client
        .recv_where(|f| matches!(f, ServerFrame::Error { .. }))
        .await
    {
        ServerFrame::Error { code, message, .. } => {
            assert_eq!(code.as_str(), "unauthorized");
            assert!(message.contains("expired"), "{message}");
        }
        _ => unreachable!(),
    }
    assert_eq!(client.closed().await, Some(close::UNAUTHORIZED));
}

#[tokio::test]
async fn nonsensical_configuration_is_refused_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = chat_server::Config::for_data_dir(dir.path());
    config.heartbeat_interval = Duration::ZERO;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let error = chat_server::run(listener, config, async {})
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("--heartbeat-interval"),
        "{error}"
    );
}
