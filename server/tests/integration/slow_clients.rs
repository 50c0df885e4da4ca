//! Slow and idle HTTP clients: a connection that sends nothing, half a request, a body
//! that never comes, or idles between requests is closed after the configured timeout,
//! while a slow upload that keeps sending and an open WebSocket are left alone.

use std::time::{Duration, Instant};

use chat_protocol::v1::{ClientFrame, ServerFrame};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::TestServer;

const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
const BODY_TIMEOUT: Duration = Duration::from_secs(1);
/// Far longer than either timeout: a connection still open by then was held.
const PATIENCE: Duration = Duration::from_secs(8);

async fn server() -> TestServer {
    TestServer::start_with(|c| {
        c.http_header_timeout = HEADER_TIMEOUT;
        c.http_body_timeout = BODY_TIMEOUT;
    })
    .await
}

/// Reads until the server closes the connection; returns what it sent and when it
/// closed, or panics if it is still open after [`PATIENCE`].
async fn read_until_closed(stream: &mut TcpStream, what: &str) -> (String, Duration) {
    let start = Instant::now();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = PATIENCE.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
            Err(_) => panic!("{what}: still open after {PATIENCE:?}"),
        }
    }
    (
        String::from_utf8_lossy(&received).into_owned(),
        start.elapsed(),
    )
}

#[tokio::test]
async fn connections_that_send_nothing_or_half_a_request_are_closed() {
    let server = server().await;
    let cases: [(&str, &[u8]); 5] = [
        ("silent connection", b""),
        ("one byte", b"G"),
        ("half-sent GET", b"GET /healthz HTTP/1.1\r\nHost: chat\r\n"),
        (
            "half-sent WebSocket upgrade",
            b"GET /v1/ws HTTP/1.1\r\nHost: chat\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
        ),
        ("request line only", b"POST /v1/auth/login HTTP/1.1\r\n"),
    ];
    // All at once: the timeouts run side by side, not one after the other.
    let mut streams = Vec::new();
    for (what, bytes) in cases {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(bytes).await.unwrap();
        streams.push((what, stream));
    }
    for (what, mut stream) in streams {
        let (_, after) = read_until_closed(&mut stream, what).await;
        assert!(after < PATIENCE, "{what}");
    }
    // The server is fine and still answers.
    let response = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_its_response() {
    let server = server().await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: chat\r\n\r\n")
        .await
        .unwrap();
    let (received, _) = read_until_closed(&mut stream, "idle keep-alive").await;
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
}

#[tokio::test]
async fn a_body_that_never_comes_fails_with_a_json_error_and_closes() {
    let server = server().await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            b"POST /v1/auth/login HTTP/1.1\r\nHost: chat\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"username\"",
        )
        .await
        .unwrap();
    let (received, _) = read_until_closed(&mut stream, "stalled body").await;
    assert!(received.starts_with("HTTP/1.1 400"), "{received}");
    let body = received.split("\r\n\r\n").nth(1).unwrap_or_default();
    let error: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(error["code"], "invalid_request");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("stopped arriving"),
        "{error}"
    );
}

#[tokio::test]
async fn a_slow_upload_that_keeps_sending_is_not_cut_off() {
    let server = server().await;
    let body = br#"{"username": "slow-sender", "password": "correct horse battery"}"#;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /v1/auth/register HTTP/1.1\r\nHost: chat\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // The whole body takes three times the body timeout, but no pause reaches it.
    let pause = BODY_TIMEOUT / 3;
    let chunks = body.chunks(body.len().div_ceil(9));
    let started = Instant::now();
    for chunk in chunks {
        stream.write_all(chunk).await.unwrap();
        tokio::time::sleep(pause).await;
    }
    assert!(started.elapsed() > BODY_TIMEOUT * 2);
    let (received, _) = read_until_closed(&mut stream, "slow upload").await;
    assert!(received.starts_with("HTTP/1.1 201"), "{received}");
}

#[tokio::test]
async fn a_websocket_outlives_the_http_timeouts() {
    let server = server().await;
    let ann = server.register("ann").await;
    let mut client = server.client(&ann.token).await;
    tokio::time::sleep(HEADER_TIMEOUT * 3).await;
    client.send(&ClientFrame::Ping).await;
    assert!(matches!(client.recv().await, ServerFrame::Pong { .. }));
}

#[tokio::test]
async fn a_client_that_stops_reading_a_large_response_is_disconnected() {
    // Far more than loopback's socket buffers hold, so that the server's writes stall.
    const SIZE: usize = 32 * 1024 * 1024;
    const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("big.bin"), vec![b'x'; SIZE]).unwrap();
    let web_root = root.path().to_path_buf();
    let server = TestServer::start_with(move |c| {
        c.web_root = Some(web_root);
        c.http_write_timeout = WRITE_TIMEOUT;
    })
    .await;

    // A client that reads is never cut off, however long the download takes.
    let whole = server
        .http
        .get(server.url("/big.bin"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(whole.len(), SIZE);

    // One that asks and then stops reading is dropped once writing has stalled for
    // the timeout: reading afterwards gets what the buffers held, then the end.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /big.bin HTTP/1.1\r\nHost: chat\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(WRITE_TIMEOUT * 4).await;
    let mut received = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => received += n,
            Err(_) => panic!("still open after {PATIENCE:?} of silence"),
        }
    }
    assert!(
        received < SIZE,
        "the whole file arrived: the write never timed out"
    );
}
