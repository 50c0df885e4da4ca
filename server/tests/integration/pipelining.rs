//! Pipelined sends: a client that does not wait for each ack before sending the next
//! still gets every ack and room event in one increasing seq order per room; resends
//! and refusals keep their places; a SIGKILL mid-burst loses nothing acknowledged.

use std::collections::HashMap;
use std::time::Duration;

use chat_protocol::v1::{AuthResponse, ClientFrame, ServerFrame};
use serde_json::{Value, json};

use crate::common::{
    Client, Duo, ServerProcess, TestServer, free_port, http_client, postgres_database,
    stored_messages,
};

/// Limits high enough that a burst is never rate-limited.
fn unlimited(config: &mut chat_server::Config) {
    config.messages_per_second = 100_000;
    config.message_burst = 100_000;
    config.frames_per_second = 100_000;
    config.frame_burst = 100_000;
}

/// A client message id (a UUID, as the protocol asks) made from `n`.
fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn send(room: &str, client_msg_id: &str, content: &str) -> ClientFrame {
    ClientFrame::SendMessage {
        room_id: room.into(),
        client_msg_id: client_msg_id.into(),
        content: content.into(),
        reply_to: None,
        mentions: Vec::new(),
        attachments: Vec::new(),
    }
}

/// The seq in `room` that a frame tells of: an ack's or a new message's.
fn room_seq(frame: &ServerFrame, room: &str) -> Option<u64> {
    match frame {
        ServerFrame::MessageAck { room_id, seq, .. } if room_id.as_str() == room => Some(*seq),
        ServerFrame::Message(m) if m.room_id.as_str() == room => Some(m.seq),
        _ => None,
    }
}

/// Reads frames until `count` acks or messages of `room` have arrived; returns them.
async fn room_frames(client: &mut Client, room: &str, count: usize) -> Vec<ServerFrame> {
    let mut frames = Vec::new();
    while frames.len() < count {
        let frame = client
            .recv_where(|f| room_seq(f, room).is_some() || matches!(f, ServerFrame::Error { .. }))
            .await;
        assert!(
            !matches!(frame, ServerFrame::Error { .. }),
            "no send of the burst is refused: {frame:?}"
        );
        frames.push(frame);
    }
    frames
}

/// The client message ids of the acks among `frames`, in order.
fn acked_ids(frames: &[ServerFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::MessageAck { client_msg_id, .. } => Some(client_msg_id.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_from_two_members_reach_both_in_one_seq_order() {
    const EACH: usize = 100;
    let server = TestServer::start_with(unlimited).await;
    let Duo {
        ann,
        room,
        mut a,
        mut b,
        ..
    } = server.duo("private").await;
    let ann_ids: Vec<String> = (0..EACH as u64).map(uuid).collect();
    let bob_ids: Vec<String> = (0..EACH as u64).map(|i| uuid(1000 + i)).collect();
    // Neither waits for an ack before its next send; both bursts run at once.
    let ann_burst = async {
        for id in &ann_ids {
            a.send(&send(&room, id, id)).await;
        }
        a
    };
    let bob_burst = async {
        for id in &bob_ids {
            b.send(&send(&room, id, id)).await;
        }
        b
    };
    let (mut a, mut b) = tokio::join!(ann_burst, bob_burst);

    for (client, own_ids) in [(&mut a, &ann_ids), (&mut b, &bob_ids)] {
        let frames = room_frames(client, &room, 2 * EACH).await;
        let seqs: Vec<u64> = frames.iter().filter_map(|f| room_seq(f, &room)).collect();
        assert_eq!(
            seqs,
            (1..=2 * EACH as u64).collect::<Vec<_>>(),
            "acks and events in one gap-free, increasing order"
        );
        assert_eq!(
            &acked_ids(&frames),
            own_ids,
            "every send acknowledged once, in the order sent"
        );
        assert!(
            client.drain().await.is_empty(),
            "nothing more: no duplicates"
        );
    }
    assert_eq!(
        server.stored_seqs(&ann.token, &room).await,
        (1..=2 * EACH as u64).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resends_and_refusals_in_a_burst_keep_their_places() {
    let server = TestServer::start_with(unlimited).await;
    let Duo {
        ann, room, mut a, ..
    } = server.duo("private").await;
    // A second room Ann belongs to but has not joined on this connection.
    let other = server
        .create_room(&ann.token, "other", "private", &[])
        .await;
    let [s0, s1, bad, s2, n0] = [0, 1, 2, 3, 4].map(uuid);
    for frame in [
        send(&room, &s0, "zero"),
        send(&room, &s1, "one"),
        send(&room, &s1, "one"),
        send(&room, &bad, ""),
        send(&room, &s2, "two"),
        send(&other, &n0, "elsewhere"),
        ClientFrame::History {
            room_id: room.clone().into(),
            before_seq: None,
            limit: 50,
        },
    ] {
        a.send(&frame).await;
    }
    let mut acks: Vec<(String, String, u64)> = Vec::new();
    let mut errors = Vec::new();
    let history = loop {
        match a.recv_where(|_| true).await {
            ServerFrame::MessageAck {
                room_id,
                client_msg_id,
                seq,
                ..
            } => acks.push((room_id.into_string(), client_msg_id, seq)),
            ServerFrame::Error {
                code, reference, ..
            } => errors.push((code.as_str().to_owned(), reference)),
            ServerFrame::History { messages, .. } => break messages,
            ServerFrame::Presence { .. } | ServerFrame::RoomUpdated(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(
        errors,
        [("invalid_request".to_owned(), Some(bad))],
        "the refused send is answered with its own id"
    );
    let in_room: Vec<(&str, u64)> = acks
        .iter()
        .filter(|(r, ..)| *r == room)
        .map(|(_, id, seq)| (id.as_str(), *seq))
        .collect();
    // The resend is answered with the stored message's ack, after the first send's
    // (the ack of the next new message may come between them: it travels with its event).
    let mut unique = Vec::new();
    for answer in &in_room {
        if !unique.contains(answer) {
            unique.push(*answer);
        }
    }
    assert_eq!(
        unique,
        [(s0.as_str(), 1), (s1.as_str(), 2), (s2.as_str(), 3)],
        "{in_room:?}"
    );
    assert_eq!(
        in_room
            .iter()
            .filter(|answer| **answer == (s1.as_str(), 2))
            .count(),
        2,
        "the resend gets the stored message's ack: {in_room:?}"
    );
    assert!(
        acks.contains(&(other.clone(), n0, 1)),
        "a send to a room not joined here is acknowledged too: {acks:?}"
    );
    let contents: Vec<&str> = history.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(
        contents,
        ["zero", "one", "two"],
        "a later request sees every earlier send, stored once"
    );
}

async fn post(url: String, token: Option<&str>, body: Value) -> Value {
    let mut request = http_client().post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipelining_client_cut_off_by_sigkill_resends_and_every_ack_holds() {
    const BURST: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let database = match postgres_database(dir.path()).await {
        Some(url) => url,
        None => format!("sqlite://{}", dir.path().join("chat.db").display()),
    };
    let port = free_port();
    let limits = [
        "--messages-per-second",
        "100000",
        "--message-burst",
        "100000",
        "--frames-per-second",
        "100000",
        "--frame-burst",
        "100000",
    ];
    let mut server = ServerProcess::start(dir.path(), port, &database, &limits).await;
    let credentials = json!({"username": "ann", "password": "correct horse battery"});
    let ann: AuthResponse =
        serde_json::from_value(post(server.url("/v1/auth/register"), None, credentials).await)
            .unwrap();
    let room = post(
        server.url("/v1/rooms"),
        Some(&ann.token),
        json!({"name": "r", "visibility": "private"}),
    )
    .await["room_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ids: Vec<String> = (0..BURST as u64).map(uuid).collect();

    // The whole burst is written at once; the server is killed once some of it is
    // acknowledged, with more in flight and the rest unread.
    let mut a = Client::authenticated(&server.ws_url(), &ann.token).await;
    a.join(&room, None).await;
    for id in &ids {
        a.send(&send(&room, id, id)).await;
    }
    let mut acked_before: HashMap<String, (u64, String)> = HashMap::new();
    while acked_before.len() < 20 {
        if let ServerFrame::MessageAck {
            client_msg_id,
            seq,
            message_id,
            ..
        } = a
            .recv_where(|f| matches!(f, ServerFrame::MessageAck { .. }))
            .await
        {
            acked_before.insert(client_msg_id, (seq, message_id.into_string()));
        }
    }
    server.kill();
    drop(a);

    // Back on the same database, the client resends everything it has no ack for and,
    // not knowing which of the acked ones were lost on the way, all of them.
    let server = ServerProcess::start(dir.path(), port, &database, &limits).await;
    let mut a = Client::authenticated(&server.ws_url(), &ann.token).await;
    a.join(&room, Some(0)).await;
    for id in &ids {
        a.send(&send(&room, id, id)).await;
    }
    let mut acked_after: Vec<(String, u64, String)> = Vec::new();
    while acked_after.len() < BURST {
        match a
            .recv_where(|f| {
                matches!(
                    f,
                    ServerFrame::MessageAck { .. }
                        | ServerFrame::Message(_)
                        | ServerFrame::Error { .. }
                )
            })
            .await
        {
            ServerFrame::MessageAck {
                client_msg_id,
                seq,
                message_id,
                ..
            } => acked_after.push((client_msg_id, seq, message_id.into_string())),
            // The replay of what was stored before the kill.
            ServerFrame::Message(_) => {}
            other => panic!("no resend is refused: {other:?}"),
        }
    }
    for (id, seq, message_id) in &acked_after {
        if let Some(before) = acked_before.get(id) {
            assert_eq!(
                before,
                &(*seq, message_id.clone()),
                "an ack from before the kill still holds for {id}"
            );
        }
    }
    // Resends of stored messages are answered when their turn comes; the acks of new
    // ones travel with their events and may overtake them, so only the set is fixed.
    let mut answered: Vec<&String> = acked_after.iter().map(|(id, ..)| id).collect();
    answered.sort();
    assert_eq!(
        answered,
        ids.iter().collect::<Vec<_>>(),
        "each resend acknowledged once"
    );
    let on_server: Vec<(u64, String)> = stored_messages(&server.url(""), &ann.token, &room)
        .await
        .into_iter()
        .map(|(seq, _, content)| (seq, content))
        .collect();
    assert_eq!(
        on_server,
        ids.iter()
            .enumerate()
            .map(|(i, id)| (i as u64 + 1, id.clone()))
            .collect::<Vec<_>>(),
        "every message stored once, gap-free, in the order written"
    );
}

/// A connection busy with a long run of room events reads its client's frames between
/// them, and answers them at once, even when the run ends right after: a `pong` read in
/// such a pause must not wait in the socket's buffer for the next event (which here
/// never comes, as Bob waits for the pong before his next burst) or for the heartbeat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_read_between_a_busy_rooms_events_are_answered_at_once() {
    const BURST: u64 = 64;
    let server = TestServer::start_with(unlimited).await;
    let Duo {
        room, mut a, mut b, ..
    } = server.duo("private").await;
    // Ann pings after 1, 2, … 64 of each burst's messages: at every place in the run.
    for round in 0..BURST {
        for i in 0..BURST {
            let id = uuid(round * 1000 + i);
            b.send(&send(&room, &id, &id)).await;
        }
        let before_ping = round + 1;
        for _ in 0..before_ping {
            a.recv_message().await;
        }
        a.send(&ClientFrame::Ping).await;
        let mut messages = before_ping;
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(2), a.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!("the ping after {before_ping} messages is not answered")
                });
            match frame {
                ServerFrame::Pong { .. } => break,
                ServerFrame::Message(_) => messages += 1,
                ServerFrame::Presence { .. } | ServerFrame::RoomUpdated(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        while messages < BURST {
            a.recv_message().await;
            messages += 1;
        }
        room_frames(&mut b, &room, BURST as usize).await;
    }
}
