//! The writer task: the only code that writes to the socket. It sends queued frames in
//! order, ending with a queued close frame; an urgent close skips the queue.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use chat_protocol::v1::close;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Longest a single frame may take to reach the socket before the peer counts as dead.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest the close frame may take; the connection is dropped after that anyway.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// A slow consumer's close frame waits behind everything already handed to its socket,
/// so it gets longer: a client that starts reading again within this time learns why it
/// was closed (4011, "resume") instead of seeing a dropped connection.
const SLOW_CONSUMER_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long closing may take: the writer's last frames, then the client's close reply.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// Most frames handed to the socket before one flush.
const MAX_FRAMES_PER_WRITE: usize = 64;

/// Something for the writer to send.
#[derive(Debug)]
pub(super) enum Outgoing {
    /// A JSON text frame (often shared bytes from a fan-out), with its share of the
    /// connection's byte budget once reserved (released when written).
    Text(Utf8Bytes, Option<OwnedSemaphorePermit>),
    /// A WebSocket ping (heartbeat).
    Ping,
    /// Send a close frame after everything queued before it, then stop.
    Close(u16, &'static str),
}

/// The connection's handle on its writer task.
#[derive(Debug)]
pub(super) struct Writer {
    queue: mpsc::Sender<Outgoing>,
    bytes: Arc<Semaphore>,
    urgent_close: oneshot::Sender<(u16, &'static str)>,
    task: JoinHandle<()>,
    done: CancellationToken,
}

impl Writer {
    /// Starts the writer with a queue of `capacity` frames holding at most `byte_budget`
    /// bytes of text (a frame larger than the budget takes all of it).
    pub(super) fn spawn(
        sink: SplitSink<WebSocket, Message>,
        capacity: usize,
        byte_budget: usize,
    ) -> Self {
        let bytes = Arc::new(Semaphore::new(byte_budget.clamp(1, Semaphore::MAX_PERMITS)));
        let (queue, queued) = mpsc::channel(capacity.max(1));
        let (urgent_close, urgent) = oneshot::channel();
        let done = CancellationToken::new();
        let task = tokio::spawn(run(sink, queued, urgent, done.clone()));
        Self {
            queue,
            bytes,
            urgent_close,
            task,
            done,
        }
    }

    /// The byte budget that [`Outgoing::Text`] frames reserve from.
    pub(super) fn byte_budget(&self) -> Arc<Semaphore> {
        Arc::clone(&self.bytes)
    }

    /// A sender for the queue.
    pub(super) fn queue(&self) -> mpsc::Sender<Outgoing> {
        self.queue.clone()
    }

    /// Cancelled when the writer stops (socket failure or close sent).
    pub(super) fn done(&self) -> CancellationToken {
        self.done.clone()
    }

    /// Ends the connection. With a close code, the close frame follows the frames
    /// already queued (an `error` or `server_shutdown` explaining it), or jumps the queue
    /// when it is full (a slow consumer); then the client's close reply is awaited
    /// briefly, so that it sees our close frame rather than a reset connection.
    pub(super) async fn finish(
        self,
        close_with: Option<(u16, &'static str)>,
        stream: &mut SplitStream<WebSocket>,
    ) {
        crate::telemetry::closed(close_with.map(|(code, _)| code));
        let Some((code, reason)) = close_with else {
            self.task.abort();
            return;
        };
        let urgent = code == close::SLOW_CONSUMER
            || self.queue.try_send(Outgoing::Close(code, reason)).is_err();
        let keep_open = if urgent {
            let _ = self.urgent_close.send((code, reason));
            None
        } else {
            // Dropping this sender would stop the writer before the queued close.
            Some(self.urgent_close)
        };
        drop(self.queue);
        if tokio::time::timeout(CLOSE_GRACE, self.task).await.is_err() {
            tracing::debug!("writer did not finish in time");
        }
        drop(keep_open);
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            while let Some(Ok(message)) = stream.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}

/// Runs until the queue closes, a close is sent, or the socket fails; then marks `done`.
///
/// Frames already queued go out together: each is fed to the socket and one flush
/// writes them all. The sockets use TCP_NODELAY, so a lone frame leaves at once, and a
/// busy connection still pays one `write` per batch instead of one per frame.
async fn run(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Outgoing>,
    mut urgent: oneshot::Receiver<(u16, &'static str)>,
    done: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            biased;
            request = &mut urgent => {
                if let Ok((code, reason)) = request {
                    send_close(&mut sink, code, reason).await;
                }
                break;
            }
            next = queue.recv() => next,
        };
        let Some(first) = next else { break };
        let mut messages = Vec::new();
        // Byte permits are released once their frames are written.
        let mut permits = Vec::new();
        let mut close_after = None;
        let mut pending = Some(first);
        while let Some(outgoing) = pending.take() {
            match outgoing {
                Outgoing::Text(text, reserved) => {
                    crate::telemetry::frame_sent(text.as_str());
                    messages.push(Message::Text(text));
                    permits.extend(reserved);
                }
                Outgoing::Ping => messages.push(Message::Ping(Default::default())),
                Outgoing::Close(code, reason) => {
                    close_after = Some((code, reason));
                    break;
                }
            }
            if messages.len() < MAX_FRAMES_PER_WRITE {
                pending = queue.try_recv().ok();
            }
        }
        if !messages.is_empty() {
            let write = async {
                for message in messages {
                    sink.feed(message).await?;
                }
                sink.flush().await
            };
            tokio::select! {
                biased;
                request = &mut urgent => {
                    if let Ok((code, reason)) = request {
                        send_close(&mut sink, code, reason).await;
                    }
                    break;
                }
                sent = tokio::time::timeout(WRITE_TIMEOUT, write) => {
                    if !matches!(sent, Ok(Ok(()))) {
                        break;
                    }
                }
            }
        }
        drop(permits);
        if let Some((code, reason)) = close_after {
            send_close(&mut sink, code, reason).await;
            break;
        }
    }
    done.cancel();
}

async fn send_close(sink: &mut SplitSink<WebSocket, Message>, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let timeout = if code == close::SLOW_CONSUMER {
        SLOW_CONSUMER_CLOSE_TIMEOUT
    } else {
        CLOSE_TIMEOUT
    };
    let _ = tokio::time::timeout(timeout, sink.send(Message::Close(Some(frame)))).await;
}
