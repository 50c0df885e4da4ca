//! Restarts and shutdown: history, seqs and tokens survive; clients are told to come back.

use chat_protocol::v1::{ServerFrame, close};
use serde_json::json;

use crate::common::{TestServer, ack_seq};

#[tokio::test]
async fn a_restart_keeps_history_seqs_and_tokens() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let room = server.create_room(&ann.token, "r", "public", &[]).await;
    let mut a = server.client(&ann.token).await;
    for i in 1..=5 {
        a.say(&room, &format!("before {i}")).await;
    }
    drop(a);
    let dir = server.stop().await;

    let server = TestServer::start_in(dir, |_| {}).await;
    // The token minted before the restart is still valid: the secret was kept.
    let mut a = server.client(&ann.token).await;
    assert!(matches!(
        a.join(&room, Some(3)).await,
        ServerFrame::RoomJoined { last_seq: 5, .. }
    ));
    assert_eq!(a.drain().await.len(), 2);
    assert_eq!(ack_seq(&a.say(&room, "after").await), 6);
    assert_eq!(
        server.stored_seqs(&ann.token, &room).await,
        (1..=6).collect::<Vec<_>>()
    );
    let login = server
        .http
        .post(server.url("/v1/auth/login"))
        .json(&json!({"username": "ann", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
}

#[tokio::test]
async fn shutdown_tells_clients_to_reconnect_and_closes_with_1012() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let mut a = server.client(&ann.token).await;
    let stopping = tokio::spawn(server.stop());
    match a.recv().await {
        ServerFrame::ServerShutdown { reconnect_after_ms } => assert!(reconnect_after_ms > 0),
        other => panic!("{other:?}"),
    }
    assert_eq!(a.closed().await, Some(close::RESTARTING));
    stopping.await.unwrap();
}
