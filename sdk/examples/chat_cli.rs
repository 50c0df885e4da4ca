//! A terminal chat client on the SDK.
//!
//! ```text
//! cargo run -p chat-sdk --example chat_cli -- http://127.0.0.1:8080 ann 'correct horse' [cache.db]
//! ```
//!
//! Signs in (registering the name if it is new), then reads commands from stdin:
//! `/create NAME` (public room), `/join ROOM_ID`, `/rooms`, `/history`, `/read`,
//! `/quit`; any other line is sent to the current room. Incoming messages, typing,
//! receipts, presence and connection changes are printed as they happen.

use std::io::Write;

use anyhow::Context;
use chat_protocol::v1::{ErrorCode, RoomList};
use chat_sdk::cache::MessageStatus;
use chat_sdk::{ChatClient, ClientConfig, ClientError, ClientEvent};
use tokio::io::{AsyncBufReadExt, BufReader};

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, username, password, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: chat_cli SERVER_URL USERNAME PASSWORD [CACHE_FILE]");
    };
    let database = rest.first().map(std::path::PathBuf::from);
    let client = ChatClient::open(ClientConfig::new(server.clone(), database))?;
    let session = match client.login(username, password).await {
        Ok(session) => session,
        Err(ClientError::Server {
            code: ErrorCode::Unauthorized,
            ..
        }) => client
            .register(username, password)
            .await
            .context("registering")?,
        Err(e) => return Err(e.into()),
    };
    say(&format!("signed in as {username} ({})", session.user_id));
    client.connect()?;

    let mut events = client.subscribe();
    let me = session.user_id.clone();
    tokio::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                // Missed some events: the cache has them; keep printing new ones.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return,
            };
            match event {
                ClientEvent::Message { message: m } if m.sender_id != me => {
                    say(&format!(
                        "[{}] {}: {}",
                        m.seq.unwrap_or_default(),
                        m.sender_id,
                        m.content
                    ));
                }
                ClientEvent::Status {
                    client_msg_id,
                    status: Some(MessageStatus::Failed { code, message }),
                    ..
                } => {
                    say(&format!("! not sent ({code}): {message} [{client_msg_id}]"));
                }
                ClientEvent::Typing {
                    user_id,
                    is_typing: true,
                    ..
                } => say(&format!("… {user_id} is typing")),
                ClientEvent::Presence {
                    user_id, status, ..
                } => say(&format!("* {user_id} is {status:?}")),
                ClientEvent::Connection { state } => say(&format!("~ {state:?}")),
                ClientEvent::Error { code, message, .. } => say(&format!("! {code}: {message}")),
                _ => {}
            }
        }
    });

    let http = reqwest::Client::new();
    let mut room: Option<String> = None;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let line = line.trim();
        match line.split_once(' ').unwrap_or((line, "")) {
            ("/quit", _) => break,
            ("/create", name) => {
                let body: serde_json::Value = http
                    .post(format!("{server}/v1/rooms"))
                    .bearer_auth(&session.token)
                    .json(&serde_json::json!({"name": name, "visibility": "public"}))
                    .send()
                    .await?
                    .json()
                    .await?;
                let id = body["room_id"].as_str().context("room id")?.to_owned();
                client.join_room(&id)?;
                say(&format!("created and joined {id}"));
                room = Some(id);
            }
            ("/join", id) => {
                client.join_room(id)?;
                room = Some(id.to_owned());
            }
            ("/rooms", _) => {
                let list: RoomList = http
                    .get(format!("{server}/v1/rooms/public"))
                    .bearer_auth(&session.token)
                    .send()
                    .await?
                    .json()
                    .await?;
                for r in list.rooms {
                    say(&format!(
                        "{}  {} (last seq {})",
                        r.room_id, r.name, r.last_seq
                    ));
                }
            }
            ("/history", _) => {
                if let Some(room) = &room {
                    for m in client.messages(room, None, 50)? {
                        say(&format!(
                            "[{:?}] {}: {} ({:?})",
                            m.seq, m.sender_id, m.content, m.status
                        ));
                    }
                }
            }
            ("/read", _) => {
                if let Some(room) = &room
                    && let Some(seq) = client.messages(room, None, 1)?.last().and_then(|m| m.seq)
                {
                    client.mark_read(room, seq)?;
                }
            }
            ("", _) => {}
            _ => match &room {
                Some(room) => {
                    client.send_message(room, line)?;
                }
                None => say("join or create a room first: /join ROOM_ID or /create NAME"),
            },
        }
    }
    client.shutdown();
    Ok(())
}
