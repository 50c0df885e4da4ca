//! The native driver task: the bridge's socket is tokio-tungstenite (TLS by rustls), its
//! clock is tokio's, and token requests run as tokio tasks.

use std::sync::Arc;

use chat_protocol::v1::ServerFrame;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::client::{Bridge, Command, Io, RoomListSync, TokenProvider};
use crate::core::{Input, Millis};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long opening a socket may take before it counts as failed.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one frame may take to go out before the connection counts as dead.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the WebSocket connects, and the TLS configuration for `wss://`.
pub(super) struct Endpoint {
    /// The WebSocket URL (`ws://` or `wss://`).
    pub url: String,
    /// Shared with the REST client.
    pub tls: Arc<rustls::ClientConfig>,
}

/// The socket side of the native driver.
struct NativeIo {
    endpoint: Endpoint,
    socket: Option<Socket>,
    opening: Option<JoinHandle<Result<Socket, String>>>,
    tokens: mpsc::UnboundedSender<String>,
}

impl Io for NativeIo {
    fn open_socket(&mut self) {
        self.socket = None;
        if let Some(opening) = self.opening.take() {
            opening.abort();
        }
        let url = self.endpoint.url.clone();
        let tls = tokio_tungstenite::Connector::Rustls(Arc::clone(&self.endpoint.tls));
        self.opening = Some(tokio::spawn(async move {
            let connect =
                tokio_tungstenite::connect_async_tls_with_config(url, None, true, Some(tls));
            match tokio::time::timeout(OPEN_TIMEOUT, connect).await {
                Ok(Ok((socket, _))) => Ok(socket),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("timed out opening the connection".into()),
            }
        }));
    }

    fn close_socket(&mut self) {
        if let Some(opening) = self.opening.take() {
            opening.abort();
        }
        if let Some(mut socket) = self.socket.take() {
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
            });
        }
    }

    fn has_socket(&self) -> bool {
        self.socket.is_some()
    }

    async fn send(&mut self, text: String) -> Result<(), String> {
        let Some(socket) = self.socket.as_mut() else {
            return Err("not connected".into());
        };
        // A dead path with full buffers must not freeze the driver: bound the send.
        let failure =
            match tokio::time::timeout(SEND_TIMEOUT, socket.send(WsMessage::text(text))).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) => e.to_string(),
                Err(_) => "sending timed out".to_owned(),
            };
        self.socket = None;
        Err(failure)
    }

    fn refresh_token(&mut self, provider: Arc<dyn TokenProvider>) {
        let tokens = self.tokens.clone();
        tokio::spawn(async move {
            if let Some(token) = provider.fresh_token().await {
                let _ = tokens.send(token);
            }
        });
    }

    fn sync_room_list(&mut self, sync: Arc<RoomListSync>, recounted: bool) {
        tokio::spawn(async move {
            if let Err(e) = sync.read(recounted).await {
                tracing::warn!(error = %e, "could not read the room list");
            }
        });
    }
}

/// Runs until [`Command::Shutdown`] or until every API handle is dropped.
pub(super) async fn run(
    mut bridge: Bridge,
    endpoint: Endpoint,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let (tokens, mut fresh_tokens) = mpsc::unbounded_channel();
    let mut io = NativeIo {
        endpoint,
        socket: None,
        opening: None,
        tokens,
    };
    let start = Instant::now();
    let now = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    loop {
        let wake = bridge.wake();
        let input = tokio::select! {
            command = commands.recv() => match command {
                Some(Command::Shutdown) | None => break,
                Some(command) => match bridge.command(command) {
                    Some(input) => input,
                    None => continue,
                },
            },
            opened = async { io.opening.as_mut().expect("guarded").await }, if io.opening.is_some() => {
                io.opening = None;
                match opened {
                    Ok(Ok(socket)) => {
                        io.socket = Some(socket);
                        Input::SocketOpened
                    }
                    Ok(Err(why)) => Input::SocketFailed(why),
                    Err(e) => Input::SocketFailed(e.to_string()),
                }
            },
            received = async { io.socket.as_mut().expect("guarded").next().await }, if io.socket.is_some() => {
                match received {
                    Some(Ok(WsMessage::Text(text))) => match ServerFrame::decode(text.as_str()) {
                        Ok(frame) => Input::Frame(frame),
                        Err(e) => {
                            tracing::warn!(error = %e, "undecodable frame ignored");
                            continue;
                        }
                    },
                    Some(Ok(WsMessage::Close(frame))) => {
                        io.socket = None;
                        let (code, reason) = frame
                            .map(|f| (Some(u16::from(f.code)), f.reason.to_string()))
                            .unwrap_or((None, String::new()));
                        Input::SocketClosed { code, reason }
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => {
                        io.socket = None;
                        Input::SocketFailed(e.to_string())
                    }
                    None => {
                        io.socket = None;
                        Input::SocketClosed { code: None, reason: String::new() }
                    }
                }
            },
            () = sleep_until(start, wake), if wake.is_some() => Input::Tick,
            Some(token) = fresh_tokens.recv() => Input::Token(token),
        };
        bridge.handle(input, &mut io, now).await;
    }
    if let Some(mut socket) = io.socket.take() {
        let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
    }
    if let Some(opening) = io.opening.take() {
        opening.abort();
    }
}

async fn sleep_until(start: Instant, at: Option<Millis>) {
    tokio::time::sleep_until(start + Duration::from_millis(at.unwrap_or(0))).await;
}
