//! The servers the generator drives. Each adapter turns the same few actions (open a
//! connection as a user in a room, send a message, read what arrives) into its server's
//! protocol, so that every scenario runs unchanged against each of them.

mod chat;

pub use chat::ChatAuth;
mod socketio;
mod source_socket;
mod ws;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::cli::{Common, TargetKind, source_ip};

/// A setup step (connect, authenticate, join) that takes longer than this failed.
const SETUP_TIMEOUT: Duration = Duration::from_secs(30);

/// What one incoming text frame means to the generator.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A message delivered to this client; `stored` where the server stores messages
    /// (chat-server), used to resume after a reconnect and to compare histories.
    Delivery {
        body: String,
        stored: Option<Stored>,
    },
    /// The server acknowledged this client's message `id` (and, where it stores
    /// messages, where it stored it).
    Ack { id: String, stored: Option<Stored> },
    /// A protocol-level reply to send back at once (Engine.IO heartbeat).
    Reply(String),
    /// A room event that is not a message (chat-server's `member_changed` when a
    /// client joins, `room_changed`): it takes a seq in the room's run, so a client
    /// that resumes from its seq counts it as held.
    Notice { seq: u64 },
    /// The server refused something.
    Error(String),
    /// Anything else (presence, receipts, …).
    Other,
}

/// Where a server that keeps history stored a message: its room position and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub seq: u64,
    pub message_id: String,
}

/// One client's identity: its index in the run and the room it belongs to.
#[derive(Debug, Clone)]
pub struct Member {
    pub index: usize,
    pub room: String,
    /// chat-server: stays out of its room and follows it through `room_updated`, as an
    /// app showing its room list does.
    pub watch: bool,
}

/// A server and how to talk to it.
#[derive(Debug)]
pub struct Target {
    kind: TargetKind,
    addr: SocketAddr,
    source_ips: u8,
    chat: Option<ChatAuth>,
}

/// An open, set-up connection.
#[derive(Debug)]
pub struct Connection {
    socket: WebSocketStream<TcpStream>,
    kind: TargetKind,
    /// Socket.IO acknowledgement ids are numbers chosen by the client.
    next_ack: u64,
    /// chat-server: the room's last seq when the join was answered (a resume point for
    /// a client that has not received anything yet).
    pub joined_seq: Option<u64>,
    /// chat-server: the member follows its room through `room_updated` (`Member::watch`);
    /// any other connection ignores those (it hears of its room from the room itself).
    watching: bool,
}

impl Target {
    pub fn new(common: &Common) -> anyhow::Result<Self> {
        let chat = match (common.target, &common.jwt_secret) {
            (TargetKind::Chat, Some(secret)) => Some(ChatAuth::new(common.addr, secret)),
            (TargetKind::Chat, None) => anyhow::bail!("--target chat needs --jwt-secret"),
            _ => None,
        };
        Ok(Self {
            kind: common.target,
            addr: common.addr,
            source_ips: common.source_ips,
            chat,
        })
    }

    /// chat-server's REST side (rooms, messages, room lists as any user of the run).
    pub fn chat(&self) -> anyhow::Result<&ChatAuth> {
        self.chat
            .as_ref()
            .context("this scenario needs chat-server (--target chat)")
    }

    /// The server's (first) address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Creates the rooms, each by its first member, and returns their ids in order.
    /// The reference servers make a room when someone joins it, so names are ids there.
    pub async fn create_rooms(&self, first_members: &[usize]) -> anyhow::Result<Vec<String>> {
        match &self.chat {
            Some(chat) => chat.create_rooms(first_members).await,
            None => Ok((0..first_members.len())
                .map(|r| format!("room-{r}"))
                .collect()),
        }
    }

    /// Opens a connection for `member`, authenticated and in its room. With `resume`,
    /// chat-server replays the room's messages after that seq.
    pub async fn connect(
        &self,
        member: &Member,
        resume: Option<u64>,
    ) -> anyhow::Result<Connection> {
        self.connect_to(self.addr, member, resume).await
    }

    /// As `connect`, to another process of the same server (a cluster).
    pub async fn connect_to(
        &self,
        addr: SocketAddr,
        member: &Member,
        resume: Option<u64>,
    ) -> anyhow::Result<Connection> {
        tokio::time::timeout(SETUP_TIMEOUT, self.connect_inner(addr, member, resume))
            .await
            .context("connection set-up timed out")?
    }

    /// Every message chat-server stored in `room`, oldest first, read as `reader`.
    pub async fn stored_history(
        &self,
        room: &str,
        reader: usize,
    ) -> anyhow::Result<Vec<chat_protocol::v1::Message>> {
        let chat = self
            .chat
            .as_ref()
            .context("only chat-server keeps history")?;
        chat.history(self.addr, room, reader).await
    }

    async fn connect_inner(
        &self,
        addr: SocketAddr,
        member: &Member,
        resume: Option<u64>,
    ) -> anyhow::Result<Connection> {
        let socket = source_socket::bound_to(source_ip(member.index, self.source_ips))?;
        let stream = socket.connect(addr).await.context("TCP connect")?;
        stream.set_nodelay(true)?;
        let url = match self.kind {
            TargetKind::Chat => format!("ws://{addr}/v1/ws"),
            TargetKind::Ws => ws::url(addr, member),
            TargetKind::Socketio => socketio::url(addr, member),
        };
        // Small buffers: the generator holds tens of thousands of mostly idle sockets.
        let config = WebSocketConfig::default()
            .read_buffer_size(8 * 1024)
            .write_buffer_size(0);
        let (socket, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(config))
            .await
            .context("WebSocket handshake")?;
        let mut connection = Connection {
            socket,
            kind: self.kind,
            next_ack: 0,
            joined_seq: None,
            watching: member.watch,
        };
        match self.kind {
            TargetKind::Chat => {
                let chat = self
                    .chat
                    .as_ref()
                    .context("chat-server needs a token secret")?;
                let seq = chat
                    .authenticate_and_join(&mut connection, member, resume)
                    .await?;
                connection.joined_seq = Some(seq);
            }
            TargetKind::Socketio => socketio::connect_namespace(&mut connection).await?,
            TargetKind::Ws => {}
        }
        Ok(connection)
    }
}

impl Connection {
    /// Sends a message with idempotency/ack id `id` and returns the id the server will
    /// acknowledge (the same, except for Socket.IO's numeric ack ids).
    pub async fn send_message(
        &mut self,
        room: &str,
        id: &str,
        body: &str,
    ) -> anyhow::Result<String> {
        let (frame, ack_id) = match self.kind {
            TargetKind::Chat => (chat::send_frame(room, id, body), id.to_owned()),
            TargetKind::Ws => (ws::send_frame(id, body), id.to_owned()),
            TargetKind::Socketio => {
                self.next_ack += 1;
                (
                    socketio::send_frame(self.next_ack, body),
                    self.next_ack.to_string(),
                )
            }
        };
        self.socket.send(Message::text(frame)).await?;
        Ok(ack_id)
    }

    /// The next frame, or `None` once the connection is closed.
    pub async fn next(&mut self) -> Option<anyhow::Result<Incoming>> {
        loop {
            let message = match self.socket.next().await? {
                Ok(message) => message,
                Err(error) => return Some(Err(error.into())),
            };
            let text = match message {
                Message::Text(text) => text,
                Message::Close(frame) => {
                    let reason = frame.map(|f| format!("{} {}", f.code, f.reason));
                    return Some(Err(anyhow::anyhow!(
                        "closed by the server: {}",
                        reason.unwrap_or_default()
                    )));
                }
                _ => continue,
            };
            let incoming = match self.kind {
                TargetKind::Chat => chat::parse(&text, self.watching),
                TargetKind::Ws => ws::parse(&text),
                TargetKind::Socketio => socketio::parse(&text),
            };
            if let Incoming::Reply(reply) = incoming {
                if let Err(error) = self.socket.send(Message::text(reply)).await {
                    return Some(Err(error.into()));
                }
                continue;
            }
            return Some(Ok(incoming));
        }
    }

    /// Sends a raw text frame (set-up handshakes).
    async fn send_text(&mut self, text: String) -> anyhow::Result<()> {
        self.socket.send(Message::text(text)).await?;
        Ok(())
    }

    /// Reads raw text frames until `done` accepts one (set-up handshakes).
    async fn read_until(
        &mut self,
        mut done: impl FnMut(&str) -> anyhow::Result<bool>,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + SETUP_TIMEOUT;
        loop {
            let next = tokio::time::timeout_at(deadline.into(), self.socket.next())
                .await
                .context("no answer during set-up")?;
            match next {
                Some(Ok(Message::Text(text))) => {
                    if done(&text)? {
                        return Ok(());
                    }
                }
                Some(Ok(Message::Close(frame))) => anyhow::bail!("closed during set-up: {frame:?}"),
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => anyhow::bail!("closed during set-up"),
            }
        }
    }

    /// Drops the connection without a closing handshake, as a lost network would.
    pub fn abort(self) {
        drop(self.socket);
    }
}
