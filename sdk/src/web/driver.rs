//! The browser driver task: the bridge's socket is the page's WebSocket (gloo-net), its
//! clock is `performance.now()`, timers are `setTimeout`, and the window's `online`
//! event is fed to the core as `NetworkAvailable`.

use std::sync::Arc;
use std::time::Duration;

use chat_protocol::v1::ServerFrame;
use futures_util::future::{Either, LocalBoxFuture, select};
use futures_util::{FutureExt, SinkExt, StreamExt, pin_mut};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, State, WebSocketError};
use tokio::sync::mpsc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::client::{Bridge, Command, Io, RoomListSync, TokenProvider};
use crate::core::{Input, Millis};

/// How long opening a socket may take before it counts as failed.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// The socket side of the browser driver.
struct WebIo {
    url: String,
    socket: Option<WebSocket>,
    opening: Option<LocalBoxFuture<'static, Result<WebSocket, String>>>,
    tokens: mpsc::UnboundedSender<String>,
}

impl Io for WebIo {
    fn open_socket(&mut self) {
        // Dropping a gloo WebSocket closes it.
        self.socket = None;
        let url = self.url.clone();
        self.opening = Some(
            async move {
                let mut socket = WebSocket::open(&url).map_err(|e| e.to_string())?;
                // The sink is ready once the socket has left CONNECTING, open or not.
                let outcome = {
                    let ready = futures_util::future::poll_fn(|cx| socket.poll_ready_unpin(cx));
                    let timeout = gloo_timers::future::sleep(OPEN_TIMEOUT);
                    pin_mut!(ready, timeout);
                    match select(ready, timeout).await {
                        Either::Left((ready, _)) => ready.map_err(|e| e.to_string()),
                        Either::Right(_) => Err("timed out opening the connection".into()),
                    }
                };
                match outcome {
                    Ok(()) if matches!(socket.state(), State::Open) => Ok(socket),
                    Ok(()) => Err("the server could not be reached".into()),
                    Err(why) => Err(why),
                }
            }
            .boxed_local(),
        );
    }

    fn close_socket(&mut self) {
        self.opening = None;
        if let Some(socket) = self.socket.take() {
            let _ = socket.close(Some(1000), None);
        }
    }

    fn has_socket(&self) -> bool {
        self.socket.is_some()
    }

    async fn send(&mut self, text: String) -> Result<(), String> {
        let Some(socket) = self.socket.as_mut() else {
            return Err("not connected".into());
        };
        // The browser buffers what it cannot send yet: this does not wait for the wire.
        match socket.send(Message::Text(text)).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.socket = None;
                Err(e.to_string())
            }
        }
    }

    fn refresh_token(&mut self, provider: Arc<dyn TokenProvider>) {
        let tokens = self.tokens.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(token) = provider.fresh_token().await {
                let _ = tokens.send(token);
            }
        });
    }

    fn sync_room_list(&mut self, sync: Arc<RoomListSync>, recounted: bool) {
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = sync.read(recounted).await {
                tracing::warn!(error = %e, "could not read the room list");
            }
        });
    }
}

/// One thing the loop waits for.
enum Wakeup {
    Command(Option<Command>),
    Opened(Result<WebSocket, String>),
    Received(Option<Result<Message, WebSocketError>>),
    Tick,
    Token(Option<String>),
    Online,
}

/// Runs until [`Command::Shutdown`] or until every API handle is dropped.
pub(super) async fn run(
    mut bridge: Bridge,
    url: String,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let (tokens, mut fresh_tokens) = mpsc::unbounded_channel();
    let mut io = WebIo {
        url,
        socket: None,
        opening: None,
        tokens,
    };
    let (online_tx, mut online) = mpsc::unbounded_channel();
    let _online = OnlineListener::install(online_tx);
    let now = || now_ms();
    let start = now();
    loop {
        let wake = bridge.wake();
        let wakeup = {
            let command = commands.recv().map(Wakeup::Command).boxed_local();
            let opened = match io.opening.as_mut() {
                Some(opening) => opening.map(Wakeup::Opened).boxed_local(),
                None => futures_util::future::pending().boxed_local(),
            };
            let received = match io.socket.as_mut() {
                Some(socket) => socket.next().map(Wakeup::Received).boxed_local(),
                None => futures_util::future::pending().boxed_local(),
            };
            let tick = match wake {
                Some(at) => {
                    let wait = at.saturating_sub(now() - start);
                    gloo_timers::future::sleep(Duration::from_millis(wait))
                        .map(|()| Wakeup::Tick)
                        .boxed_local()
                }
                None => futures_util::future::pending().boxed_local(),
            };
            let token = fresh_tokens.recv().map(Wakeup::Token).boxed_local();
            // No window (a worker): no `online` events, rather than a closed channel.
            let online = async {
                match online.recv().await {
                    Some(()) => Wakeup::Online,
                    None => futures_util::future::pending().await,
                }
            }
            .boxed_local();
            futures_util::future::select_all([command, opened, received, tick, token, online])
                .await
                .0
        };
        let input = match wakeup {
            Wakeup::Command(None | Some(Command::Shutdown)) => break,
            Wakeup::Command(Some(command)) => match bridge.command(command) {
                Some(input) => input,
                None => continue,
            },
            Wakeup::Opened(opened) => {
                io.opening = None;
                match opened {
                    Ok(socket) => {
                        io.socket = Some(socket);
                        Input::SocketOpened
                    }
                    Err(why) => Input::SocketFailed(why),
                }
            }
            Wakeup::Received(received) => match received {
                Some(Ok(Message::Text(text))) => match ServerFrame::decode(&text) {
                    Ok(frame) => Input::Frame(frame),
                    Err(e) => {
                        tracing::warn!(error = %e, "undecodable frame ignored");
                        continue;
                    }
                },
                Some(Ok(Message::Bytes(_))) => continue,
                Some(Err(WebSocketError::ConnectionClose(event))) => {
                    io.socket = None;
                    Input::SocketClosed {
                        code: Some(event.code),
                        reason: event.reason,
                    }
                }
                Some(Err(e)) => {
                    io.socket = None;
                    Input::SocketFailed(e.to_string())
                }
                None => {
                    io.socket = None;
                    Input::SocketClosed {
                        code: None,
                        reason: String::new(),
                    }
                }
            },
            Wakeup::Tick => Input::Tick,
            Wakeup::Token(Some(token)) => Input::Token(token),
            Wakeup::Token(None) => continue,
            Wakeup::Online => Input::NetworkAvailable,
        };
        bridge.handle(input, &mut io, || now() - start).await;
    }
    io.close_socket();
}

/// Milliseconds on the page's monotonic clock.
fn now_ms() -> Millis {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or_else(js_sys::Date::now, |performance| performance.now()) as Millis
}

/// The window's `online` listener, removed when dropped.
struct OnlineListener {
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl OnlineListener {
    fn install(sender: mpsc::UnboundedSender<()>) -> Option<Self> {
        let window = web_sys::window()?;
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            let _ = sender.send(());
        });
        window
            .add_event_listener_with_callback("online", callback.as_ref().unchecked_ref())
            .ok()?;
        Some(Self { callback })
    }
}

impl Drop for OnlineListener {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(
                "online",
                self.callback.as_ref().unchecked_ref(),
            );
        }
    }
}
