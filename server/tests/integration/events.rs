//! The event stream, against librdkafka's mock Kafka cluster (a real Kafka protocol
//! peer in this process): every room event arrives in per-room order, and none is lost
//! when Kafka is down and the server crashes meanwhile.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::Message as _;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::mocking::MockCluster;
use serde_json::{Value, json};

use crate::common::{ServerProcess, TestServer, ack_id, free_port};

const TOPIC: &str = "chat-events";

fn kafka() -> MockCluster<'static, rdkafka::producer::DefaultProducerContext> {
    let cluster = MockCluster::new(1).expect("mock Kafka cluster");
    cluster.create_topic(TOPIC, 3, 1).expect("topic");
    cluster
}

/// How many of `events` are message events.
fn message_events(events: &[Value]) -> usize {
    events
        .iter()
        .filter(|e| {
            e["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("message."))
        })
        .count()
}

/// Reads events until `done` says enough distinct ones arrived; returns them in arrival
/// order (per partition, which is per room) and how many were duplicates.
async fn consume(brokers: &str, done: impl Fn(&[Value]) -> bool) -> (Vec<Value>, usize) {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("test-{}", uuid::Uuid::new_v4()))
        .set("auto.offset.reset", "earliest")
        .set("enable.partition.eof", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[TOPIC]).expect("subscribe");
    let mut seen = HashSet::new();
    let mut events = Vec::new();
    let mut duplicates = 0;
    while !done(&events) {
        let message = tokio::time::timeout(Duration::from_secs(20), consumer.recv())
            .await
            .unwrap_or_else(|_| panic!("stopped after {} events: {events:#?}", seen.len()))
            .expect("kafka message");
        let event: Value = serde_json::from_slice(message.payload().expect("payload")).unwrap();
        assert_eq!(
            message
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned()),
            event["key"].as_str().map(str::to_owned),
            "keyed by room (by user for presence): {event}"
        );
        if seen.insert(event["event_id"].as_str().unwrap().to_owned()) {
            events.push(event);
        } else {
            duplicates += 1;
        }
    }
    (events, duplicates)
}

/// The seqs of each room's events, in the order they arrived.
fn seqs_by_room(events: &[Value]) -> HashMap<String, Vec<u64>> {
    let mut rooms: HashMap<String, Vec<u64>> = HashMap::new();
    for event in events.iter().filter(|e| {
        e["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("message."))
    }) {
        rooms
            .entry(event["room_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(event["data"]["seq"].as_u64().unwrap());
    }
    rooms
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_room_event_reaches_kafka_in_room_order() {
    let kafka = kafka();
    let brokers = kafka.bootstrap_servers();
    let server = TestServer::start_with(|c| c.kafka_brokers = Some(brokers.clone())).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let rooms = [
        server
            .create_room(&ann.token, "one", "private", &[&bob.user_id])
            .await,
        server
            .create_room(&ann.token, "two", "private", &[&bob.user_id])
            .await,
    ];
    let mut a = server.client(&ann.token).await;
    let mut first_id = String::new();
    for i in 0..5 {
        for room in &rooms {
            let ack = a.say(room, &format!("hello {i}")).await;
            if first_id.is_empty() {
                first_id = ack_id(&ack);
            }
        }
    }
    a.send(&chat_protocol::v1::ClientFrame::EditMessage {
        room_id: rooms[0].clone().into(),
        message_id: first_id.clone().into(),
        content: "edited".into(),
    })
    .await;
    a.send(&chat_protocol::v1::ClientFrame::DeleteMessage {
        room_id: rooms[0].clone().into(),
        message_id: first_id.clone().into(),
    })
    .await;

    let (events, _) = consume(&brokers, |e| message_events(e) >= 12).await;
    let by_room = seqs_by_room(&events);
    assert_eq!(by_room[&rooms[0]], (1..=7).collect::<Vec<_>>());
    assert_eq!(by_room[&rooms[1]], (1..=5).collect::<Vec<_>>());
    let first = events
        .iter()
        .find(|e| e["type"] == "message.created")
        .unwrap();
    assert_eq!(first["schema_version"], 1);
    assert_eq!(first["type"], "message.created");
    assert_eq!(first["sender_id"], ann.user_id.as_str());
    let mut recipients: Vec<&str> = first["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    recipients.sort_unstable();
    let mut expected = vec![ann.user_id.as_str(), bob.user_id.as_str()];
    expected.sort_unstable();
    assert_eq!(recipients, expected);
    assert!(
        first["data"].get("content").is_none(),
        "no text unless enabled"
    );
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e["room_id"] == rooms[0].as_str())
        .map(|e| e["type"].as_str().unwrap())
        .filter(|kind| kind.starts_with("message."))
        .collect();
    assert_eq!(kinds[5..], ["message.edited", "message.deleted"]);
}

/// A chat-server process on `port` and the SQLite database in `dir`, publishing to
/// `brokers`.
async fn spawn_server(dir: &std::path::Path, port: u16, brokers: &str) -> ServerProcess {
    let database = format!("sqlite://{}", dir.join("chat.db").display());
    let kafka = ["--kafka-brokers", brokers, "--events-include-content"];
    ServerProcess::start(dir, port, &database, &kafka).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_when_kafka_is_down_and_the_server_is_killed() {
    let kafka = kafka();
    let brokers = kafka.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = spawn_server(dir.path(), port, &brokers).await;
    let http = crate::common::http_client();
    let ann: chat_protocol::v1::AuthResponse = http
        .post(format!("http://127.0.0.1:{port}/v1/auth/register"))
        .json(&serde_json::json!({"username": "ann", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let room: Value = http
        .post(format!("http://127.0.0.1:{port}/v1/rooms"))
        .bearer_auth(&ann.token)
        .json(&serde_json::json!({"name": "r", "visibility": "public"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let room = room["room_id"].as_str().unwrap().to_owned();
    let ws = format!("ws://127.0.0.1:{port}/v1/ws");
    let mut a = crate::common::Client::authenticated(&ws, &ann.token).await;
    a.say(&room, "before the outage").await;
    consume(&brokers, |e| message_events(e) >= 1).await;

    // Kafka goes away; messages are still committed and acknowledged.
    kafka.broker_down(1).expect("broker down");
    for i in 0..10 {
        a.say(&room, &format!("during the outage {i}")).await;
    }
    // The process is SIGKILLed with those events only in its outbox.
    server.kill();
    kafka.broker_up(1).expect("broker up");

    // Started again on the same database, it publishes the backlog.
    let mut server = spawn_server(dir.path(), port, &brokers).await;
    let (events, duplicates) = consume(&brokers, |e| message_events(e) >= 11).await;
    server.kill();
    assert_eq!(seqs_by_room(&events)[&room], (1..=11).collect::<Vec<_>>());
    let texts: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "message.created")
        .map(|e| e["data"]["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts[1], "during the outage 0");
    // A resend could only repeat an event id, which consumers drop; the relay deletes
    // what Kafka acknowledged, so none here.
    assert_eq!(duplicates, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_membership_moderation_reports_and_presence_are_events_too() {
    let kafka = kafka();
    let brokers = kafka.bootstrap_servers();
    let server = TestServer::start_with(|c| c.kafka_brokers = Some(brokers.clone())).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    // Creating the room adds Ann; Bob joins it over the WebSocket.
    let room = server.create_room(&ann.token, "r", "public", &[]).await;
    let mut a = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    a.join(&room, None).await;
    b.join(&room, None).await;
    // Bob's joining is the room's first event, the message its second.
    a.say(&room, "hi").await;
    b.send(&chat_protocol::v1::ClientFrame::Receipt {
        room_id: room.clone().into(),
        seq: 2,
        kind: chat_protocol::v1::ReceiptKind::Read,
    })
    .await;
    // Once Ann hears of it, the receipt is stored, its event with it: otherwise, on a
    // busy machine, the kick below could overtake it, and it would be refused.
    a.recv_where(|f| matches!(f, chat_protocol::v1::ServerFrame::Receipt { .. }))
        .await;
    // Ann renames the room and gives it a picture, reports Bob, then removes him.
    let png = crate::attachments::image_bytes(16, 16, image::ImageFormat::Png);
    let picture = crate::attachments::uploaded(&server, &ann.token, "p.png", "image/png", png)
        .await
        .attachment_id
        .to_string();
    let bob_id = bob.user_id.clone();
    for (method, path, body, status) in [
        (
            reqwest::Method::PATCH,
            format!("/v1/rooms/{room}"),
            json!({"name": "lobby", "avatar_id": picture}),
            200,
        ),
        (
            reqwest::Method::POST,
            "/v1/reports".to_owned(),
            json!({"room_id": room, "user_id": bob_id, "reason": "spam"}),
            201,
        ),
        (
            reqwest::Method::DELETE,
            format!("/v1/rooms/{room}/members/{bob_id}"),
            Value::Null,
            204,
        ),
    ] {
        let sent = crate::common::send_json(&server, method, Some(&ann.token), &path, body).await;
        assert_eq!(sent.0, status, "{path}: {}", sent.1);
    }
    drop(b); // Bob's last connection: offline.

    // Ann added, Bob added, the message, Bob's read receipt, the rename, the report, the
    // kick, Bob offline.
    let (events, _) = consume(&brokers, |events| {
        events
            .iter()
            .any(|e| e["type"] == "presence.changed" && e["data"]["status"] == "offline")
            && events.iter().any(|e| e["type"] == "receipt.updated")
            && events.iter().any(|e| e["type"] == "room.member_changed")
    })
    .await;
    let has = |kind: &str, test: &dyn Fn(&Value) -> bool| {
        events.iter().any(|e| e["type"] == kind && test(e))
    };
    assert!(has("room.member_added", &|e| e["data"]["user_id"]
        == ann.user_id.as_str()));
    assert!(has("room.member_added", &|e| e["data"]["user_id"]
        == bob.user_id.as_str()
        && e["sender_id"] == bob.user_id.as_str()));
    assert!(has("room.member_added", &|e| e["data"]["seq"] == 1
        && e["data"]["change"] == "joined"));
    assert!(has("message.created", &|e| e["data"]["seq"] == 2));
    assert!(has("receipt.updated", &|e| e["data"]["kind"] == "read"
        && e["data"]["seq"] == 2
        && e["sender_id"] == bob.user_id.as_str()));
    assert!(has("room.changed", &|e| e["data"]["seq"] == 3
        && e["data"]["name"] == "lobby"
        && e["data"]["avatar_id"] == picture.as_str()
        && e["sender_id"] == ann.user_id.as_str()));
    assert!(has("report.created", &|e| e["data"]["user_id"]
        == bob.user_id.as_str()
        && e["data"]["reason"] == "spam"
        && e["sender_id"] == ann.user_id.as_str()));
    assert!(has("room.member_changed", &|e| e["data"]["seq"] == 4
        && e["data"]["change"] == "kicked"
        && e["data"]["user_id"] == bob.user_id.as_str()));
    assert!(has("presence.changed", &|e| e["key"]
        == bob.user_id.as_str()
        && e["data"]["status"] == "offline"
        && e["room_id"].is_null()));
    for event in &events {
        assert_eq!(event["schema_version"], 1);
        assert!(event["event_id"].as_str().is_some_and(|id| id.len() == 36));
        assert!(event["created_at"].as_i64().is_some_and(|t| t > 0));
    }
}
