//! The `chat-server` binary: configuration, logging and signals; the rest is the library.

use anyhow::Context;
use chat_server::config::{Config, LogFormat};
use clap::Parser;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpSocket};
use tracing_subscriber::EnvFilter;

/// mimalloc rather than the system's malloc: connection set-up and teardown allocate
/// and free many small buffers, and in a reconnect storm of 10,000 clients glibc's
/// malloc cost the server 18 % more CPU (docs/benchmarks.md).
///
/// Built without its transparent-huge-page advice (the `no_thp` feature): on kernels
/// that give huge pages on request (`madvise`, the Debian and Ubuntu default) it made
/// every first touch of a fresh 2 MiB region clear the whole of it (15 % of the
/// server's samples in a reconnect storm) and idle connections a ninth larger
/// (docs/benchmarks.md, 2026-12-05). Where the kernel hands them out to
/// everyone (`always`), `MIMALLOC_ALLOW_THP=0` turns them off for the process
/// (docs/operations.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match config.log_format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init(),
    }
    let listener = listen(config.listen, config.listen_backlog)
        .with_context(|| format!("binding {}", config.listen))?;
    chat_server::run(listener, config, shutdown_signal()).await
}

/// The listening socket, with `backlog` as its accept queue (tokio's `bind` uses 1,024).
fn listen(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As `TcpListener::bind` does: a restarted server can bind while old connections
    // of the previous one linger in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
