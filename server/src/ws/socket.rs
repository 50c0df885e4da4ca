//! The connection's socket, written by the connection's own task.
//!
//! Frames are fed into the WebSocket's small write buffer and flushed once per turn of
//! the connection loop, so a connection that has several frames ready (a busy room, an
//! ack behind its room's events) pays one `write` for all of them. A peer that stops
//! reading makes a write wait; the wait is the backpressure, and it ends when the peer
//! reads, the hub marks the connection slow, the server shuts down, or
//! [`WRITE_TIMEOUT`] passes.
//!
//! One task instead of a reader and a writer: no queue and no wake-up between them per
//! frame, and one task's state per connection instead of two.

use std::future::Future;
use std::time::Duration;

use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, Utf8Bytes};

use super::WebSocket;
use chat_protocol::v1::close;
use futures_util::{FutureExt as _, SinkExt as _, StreamExt as _};
use tokio_util::sync::CancellationToken;

/// Longest a write may wait for the peer to read before the peer counts as dead.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest the close frame may take; the connection is dropped after that anyway.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// A slow consumer's close frame waits behind everything already handed to its socket,
/// so it gets longer: a client that starts reading again within this time learns why it
/// was closed (4011, "resume") instead of seeing a dropped connection.
const SLOW_CONSUMER_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the client's close reply is awaited after our close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Why a write did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stopped {
    /// The hub found the connection's delivery queue full while it waited.
    Slow,
    /// The server began shutting down while it waited.
    ShuttingDown,
    /// The peer is gone, or did not read for [`WRITE_TIMEOUT`].
    Gone,
}

/// What may interrupt a write that waits for the peer.
#[derive(Debug, Clone)]
pub(super) struct Interrupts {
    /// Cancelled by the hub when the connection's delivery queue overflows, and with the
    /// server's shutdown (a child of it): one token to wait on for both.
    pub(super) stop: CancellationToken,
    /// The server's shutdown.
    pub(super) shutdown: CancellationToken,
}

impl Interrupts {
    /// The connection's interrupts under the server's `shutdown`.
    pub(super) fn new(shutdown: &CancellationToken) -> Self {
        Self {
            stop: shutdown.child_token(),
            shutdown: shutdown.clone(),
        }
    }

    /// Why `stop` was cancelled, once it was.
    pub(super) fn reason(&self) -> Stopped {
        if self.shutdown.is_cancelled() {
            Stopped::ShuttingDown
        } else {
            Stopped::Slow
        }
    }
}

/// The WebSocket, and whether frames are waiting in its buffer for a flush.
#[derive(Debug)]
pub(super) struct Socket {
    ws: WebSocket,
    unflushed: bool,
}

impl Socket {
    /// Wraps an upgraded WebSocket.
    pub(super) fn new(ws: WebSocket) -> Self {
        Self {
            ws,
            unflushed: false,
        }
    }

    /// The next message from the peer (cancel-safe).
    pub(super) async fn next(&mut self) -> Option<Result<Message, tungstenite::Error>> {
        self.ws.next().await
    }

    /// A message already read, if any, without waiting.
    pub(super) fn next_ready(&mut self) -> Option<Option<Result<Message, tungstenite::Error>>> {
        self.ws.next().now_or_never()
    }

    /// Adds a text frame to the write buffer; it leaves at the next [`Socket::flush`] (or
    /// sooner, when the buffer fills).
    pub(super) async fn feed_text(
        &mut self,
        text: Utf8Bytes,
        interrupts: &Interrupts,
    ) -> Result<(), Stopped> {
        crate::telemetry::frame_sent(text.as_str());
        self.feed(Message::Text(text), interrupts).await
    }

    /// Adds a ping to the write buffer.
    pub(super) async fn feed_ping(&mut self, interrupts: &Interrupts) -> Result<(), Stopped> {
        self.feed(Message::Ping(Default::default()), interrupts)
            .await
    }

    async fn feed(&mut self, message: Message, interrupts: &Interrupts) -> Result<(), Stopped> {
        self.unflushed = true;
        guarded(self.ws.feed(message), interrupts).await
    }

    /// Adds a text frame if that needs no wait (for the `error` or `server_shutdown`
    /// frame that explains a close); otherwise it is dropped.
    pub(super) fn feed_text_now(&mut self, text: Utf8Bytes) {
        crate::telemetry::frame_sent(text.as_str());
        self.unflushed = true;
        let _ = self.ws.feed(Message::Text(text)).now_or_never();
    }

    /// Writes out whatever was fed since the last flush.
    pub(super) async fn flush(&mut self, interrupts: &Interrupts) -> Result<(), Stopped> {
        if !self.unflushed {
            return Ok(());
        }
        guarded(self.ws.flush(), interrupts).await?;
        self.unflushed = false;
        Ok(())
    }

    /// Ends the connection. With a close code, the close frame follows the frames
    /// already fed (an `error` or `server_shutdown` explaining it), then the client's
    /// close reply is awaited briefly, so that it sees our close frame rather than a
    /// reset connection.
    pub(super) async fn finish(mut self, close_with: Option<(u16, &'static str)>) {
        crate::telemetry::closed(close_with.map(|(code, _)| code));
        let Some((code, reason)) = close_with else {
            return;
        };
        let frame = CloseFrame {
            code: code.into(),
            reason: Utf8Bytes::from_static(reason),
        };
        let timeout = if code == close::SLOW_CONSUMER {
            SLOW_CONSUMER_CLOSE_TIMEOUT
        } else {
            CLOSE_TIMEOUT
        };
        let sent = tokio::time::timeout(timeout, self.ws.send(Message::Close(Some(frame)))).await;
        if !matches!(sent, Ok(Ok(()))) {
            return;
        }
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            while let Some(Ok(message)) = self.ws.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}

/// Runs a write, unless the connection is declared slow, the server shuts down or the
/// peer does not read for [`WRITE_TIMEOUT`] first.
async fn guarded(
    write: impl Future<Output = Result<(), tungstenite::Error>>,
    interrupts: &Interrupts,
) -> Result<(), Stopped> {
    let mut write = std::pin::pin!(write);
    // Most writes complete at once: only one that must wait arms the interrupts, and
    // what that takes (a timer and a cancellation wait) lives on the heap for as long
    // as it waits, rather than in every connection's task (docs/benchmarks.md, idle
    // memory).
    if let Some(written) = write.as_mut().now_or_never() {
        return written.map_err(|_| Stopped::Gone);
    }
    let waited = Box::pin(wait_for_peer(write, interrupts));
    waited.await
}

/// The rest of a write that could not complete at once.
async fn wait_for_peer(
    write: std::pin::Pin<&mut impl Future<Output = Result<(), tungstenite::Error>>>,
    interrupts: &Interrupts,
) -> Result<(), Stopped> {
    tokio::select! {
        biased;
        () = interrupts.stop.cancelled() => Err(interrupts.reason()),
        written = tokio::time::timeout(WRITE_TIMEOUT, write) => match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Stopped::Gone),
        }
    }
}
