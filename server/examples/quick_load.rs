//! A quick load run against a running chat-server: N clients in one room, each keeping
//! W sends in flight until it has M acknowledged messages. Prints acked messages per
//! second, deliveries per second and ack latency percentiles. The full benchmark is
//! `chat-bench` (a later issue); this is for a first figure.
//!
//! ```text
//! cargo run --release -p chat-server -- --messages-per-second 1000000 --message-burst 1000000 \
//!     --frames-per-second 1000000 --frame-burst 1000000 &
//! cargo run --release -p chat-server --example quick_load -- 127.0.0.1:8080 20 500 16
//! ```
//!
//! The first argument may list several servers of one cluster (`host:port,host:port`):
//! client `i` then connects to server `i % count`, and accounts and the room are made on
//! the first.

use std::time::{Duration, Instant};

use chat_protocol::v1::{AuthResponse, ClientFrame, CreateRoomResponse, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let servers: Vec<String> = args
        .first()
        .map_or("127.0.0.1:8080", String::as_str)
        .split(',')
        .map(str::to_owned)
        .collect();
    let addr = servers[0].clone();
    let clients: usize = args.get(1).map_or(Ok(20), |a| a.parse())?;
    let per_client: usize = args.get(2).map_or(Ok(500), |a| a.parse())?;
    let window: usize = args.get(3).map_or(Ok(16), |a| a.parse())?;
    anyhow::ensure!(
        clients > 0 && per_client > 0 && window > 0,
        "all counts must be positive"
    );

    let http = reqwest::Client::new();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut tokens = Vec::new();
    for i in 0..clients {
        let auth: AuthResponse = http
            .post(format!("http://{addr}/v1/auth/register"))
            .json(&json!({"username": format!("load{}_{i}", &run[..8]), "password": "load test password"}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        tokens.push(auth.token);
    }
    let room: CreateRoomResponse = http
        .post(format!("http://{addr}/v1/rooms"))
        .bearer_auth(&tokens[0])
        .json(&json!({"name": "load", "visibility": "public"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;

    let mut sockets = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let server = &servers[i % servers.len()];
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{server}/v1/ws")).await?;
        ws.send(Message::text(
            ClientFrame::Authenticate {
                token: token.clone(),
            }
            .encode(),
        ))
        .await?;
        ws.send(Message::text(
            ClientFrame::JoinRoom {
                room_id: room.room_id.clone(),
                since_seq: None,
            }
            .encode(),
        ))
        .await?;
        loop {
            let Some(Ok(Message::Text(text))) = ws.next().await else {
                anyhow::bail!("connection lost")
            };
            if matches!(
                ServerFrame::decode(text.as_str())?,
                ServerFrame::RoomJoined { .. }
            ) {
                break;
            }
        }
        sockets.push(ws);
    }

    let expected_deliveries = clients * per_client * (clients - 1);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for ws in sockets {
        let room_id = room.room_id.clone();
        tasks.push(tokio::spawn(async move {
            let (mut tx, mut rx) = ws.split();
            let mut sent_at = std::collections::HashMap::new();
            let mut latencies = Vec::with_capacity(per_client);
            let mut deliveries = 0usize;
            let mut sent = 0;
            let deadline = Instant::now() + Duration::from_secs(120);
            while latencies.len() < per_client || deliveries < per_client * (clients - 1) {
                while sent < per_client && sent_at.len() < window {
                    let id = uuid::Uuid::new_v4().to_string();
                    let frame = ClientFrame::SendMessage {
                        room_id: room_id.clone(),
                        client_msg_id: id.clone(),
                        content: "x".repeat(100),
                        reply_to: None,
                        mentions: Vec::new(),
                        attachments: Vec::new(),
                    };
                    tx.send(Message::text(frame.encode())).await?;
                    sent_at.insert(id, Instant::now());
                    sent += 1;
                }
                let next = tokio::time::timeout_at(deadline.into(), rx.next()).await?;
                let text = match next {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(frame))) => anyhow::bail!("server closed: {frame:?}"),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => anyhow::bail!("connection failed: {e}"),
                    None => anyhow::bail!("connection ended"),
                };
                match ServerFrame::decode(text.as_str())? {
                    ServerFrame::MessageAck { client_msg_id, .. } => {
                        if let Some(t) = sent_at.remove(&client_msg_id) {
                            latencies.push(t.elapsed());
                        }
                    }
                    ServerFrame::Message(_) => deliveries += 1,
                    ServerFrame::Error { code, message, .. } => anyhow::bail!("{code}: {message}"),
                    _ => {}
                }
            }
            anyhow::Ok((latencies, deliveries))
        }));
    }
    let mut latencies = Vec::new();
    let mut deliveries = 0;
    for task in tasks {
        let (l, d) = task.await??;
        latencies.extend(l);
        deliveries += d;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let acked = latencies.len();
    let mut report = format!(
        "{clients} clients x {per_client} messages, window {window}: {acked} acked in {elapsed:.2}s = {:.0} acked msg/s; \
         {deliveries}/{expected_deliveries} deliveries = {:.0} deliveries/s; ack latency p50 {:?} p99 {:?}",
        acked as f64 / elapsed,
        deliveries as f64 / elapsed,
        pct(0.50),
        pct(0.99)
    );
    report.push('\n');
    std::io::Write::write_all(&mut std::io::stdout(), report.as_bytes())?;
    Ok(())
}
