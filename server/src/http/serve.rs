//! The accept loop: every TCP connection gets HTTP/1.1 with deadlines, so that a client
//! that connects and then sends nothing, half a request or an idle keep-alive cannot
//! hold a socket (and a file descriptor) forever.
//!
//! `axum::serve` gives hyper no timer, and without one hyper applies no header-read
//! timeout at all; this loop is `axum::serve` with that timer and the deadline set.
//! Writes have a deadline too (hyper has none): a client that stops reading would
//! otherwise hold its connection as long as the server has something to send.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::serve::Listener;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_io_timeout::TimeoutStream;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

/// How long a TCP connection may wait on its client.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// The time a client has to send a request's head, counted from the moment the
    /// connection opens or from the end of the previous response: it closes connections
    /// that never send a request, send it too slowly, or sit idle between requests.
    /// Request bodies have their own idle timeout (a layer in the router).
    pub header: Duration,
    /// The longest a write may make no progress (the client stopped reading), for
    /// responses and for the WebSocket a connection upgrades to.
    pub write: Duration,
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then stops accepting and
/// waits for the requests in flight (WebSocket sessions live on in their own tasks).
pub async fn serve(
    mut listener: TcpListener,
    router: Router,
    deadlines: Deadlines,
    shutdown: CancellationToken,
) {
    // Each connection task holds a receiver; closing the sender tells them to finish,
    // and `closed()` on the sender completes once every receiver is gone.
    let (stop_tx, stop_rx) = watch::channel(());
    loop {
        let (stream, peer) = tokio::select! {
            // axum's accept retries on errors (such as running out of file descriptors)
            // after a pause, instead of failing the server.
            accepted = Listener::accept(&mut listener) => accepted,
            () = shutdown.cancelled() => break,
        };
        // Chat frames are small and latency-bound: without TCP_NODELAY, Nagle's algorithm
        // holds a frame back until the previous one is acknowledged, and the client's
        // delayed ACK turns that into ~40 ms (the benchmark's p99 floor at light load).
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let mut stream = TimeoutStream::new(stream);
        stream.set_write_timeout(Some(deadlines.write));
        let mut stop = stop_rx.clone();
        tokio::spawn(serve_connection(
            Box::pin(stream),
            peer,
            router.clone(),
            deadlines.header,
            async move {
                let _ = stop.changed().await;
            },
        ));
    }
    drop(stop_rx);
    drop(listener);
    stop_tx.send_replace(());
    // Connections finish their current request and close; the caller bounds the wait.
    stop_tx.closed().await;
}

/// Serves one HTTP/1.1 connection (and the WebSocket it may upgrade to) over `io`.
/// When `stop` completes, the connection finishes its current request and closes.
pub async fn serve_connection<I>(
    io: I,
    peer: SocketAddr,
    router: Router,
    header_timeout: Duration,
    stop: impl Future<Output = ()>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request.map(Body::new))
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let mut connection = pin!(
        builder
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades()
    );
    let mut stop = pin!(stop);
    // A stop signal is acted on once; after that the connection only has to finish.
    let mut stopping = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::trace!(%peer, error = %e, "HTTP connection ended with an error");
                }
                break;
            }
            () = &mut stop, if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}
