//! The writer task: the only code that writes to the socket. It sends queued frames in
//! order, ending with a queued close frame; an urgent close skips the queue.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// Longest a single frame may take to reach the socket before the peer counts as dead.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest the close frame may take; the connection is dropped after that anyway.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Something for the writer to send.
#[derive(Debug)]
pub(super) enum Outgoing {
    /// A JSON text frame (often shared bytes from a fan-out).
    Text(Utf8Bytes),
    /// A WebSocket ping (heartbeat).
    Ping,
    /// Send a close frame after everything queued before it, then stop.
    Close(u16, &'static str),
}

/// Runs until the queue closes, a close is requested, or the socket fails; then marks
/// `done` so the session stops too.
pub(super) async fn run(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Outgoing>,
    mut close: oneshot::Receiver<(u16, &'static str)>,
    done: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            biased;
            request = &mut close => {
                if let Ok((code, reason)) = request {
                    send_close(&mut sink, code, reason).await;
                }
                break;
            }
            next = queue.recv() => next,
        };
        let Some(outgoing) = next else { break };
        let message = match outgoing {
            Outgoing::Text(text) => Message::Text(text),
            Outgoing::Ping => Message::Ping(Default::default()),
            Outgoing::Close(code, reason) => {
                send_close(&mut sink, code, reason).await;
                break;
            }
        };
        tokio::select! {
            biased;
            request = &mut close => {
                if let Ok((code, reason)) = request {
                    send_close(&mut sink, code, reason).await;
                }
                break;
            }
            sent = tokio::time::timeout(WRITE_TIMEOUT, sink.send(message)) => {
                if !matches!(sent, Ok(Ok(()))) {
                    break;
                }
            }
        }
    }
    done.cancel();
}

async fn send_close(sink: &mut SplitSink<WebSocket, Message>, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
}
