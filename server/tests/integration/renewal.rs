//! Token renewal on a live connection: `authenticate` with a fresh token for the same
//! user moves the connection's expiry; another user's token or an invalid one is
//! refused and the connection goes on as it was.

use std::time::Duration;

use chat_protocol::v1::{ClientFrame, ServerFrame, close};
use serde_json::json;

use crate::common::{Client, TestServer, now_secs};

/// Authenticates with a token that expires in `seconds`; returns the client and the
/// `expires_at` the server announced.
async fn connect_expiring(server: &TestServer, user_id: &str, seconds: u64) -> (Client, i64) {
    let exp = now_secs() + seconds;
    let token = server.sign(&json!({"sub": user_id, "exp": exp}));
    let mut client = Client::connect(server).await;
    client.send(&ClientFrame::Authenticate { token }).await;
    let hello = client
        .recv_where(|f| matches!(f, ServerFrame::Authenticated { .. }))
        .await;
    let ServerFrame::Authenticated { expires_at, .. } = hello else {
        unreachable!()
    };
    let expires_at = expires_at.expect("the server announces the token's expiry");
    assert_eq!(expires_at, i64::try_from(exp).unwrap() * 1000);
    (client, expires_at)
}

async fn still_open(client: &mut Client) {
    client.send(&ClientFrame::Ping).await;
    let pong = client
        .recv_where(|f| matches!(f, ServerFrame::Pong { .. } | ServerFrame::Error { .. }))
        .await;
    assert!(matches!(pong, ServerFrame::Pong { .. }), "{pong:?}");
}

#[tokio::test]
async fn a_fresh_token_keeps_the_connection_past_the_old_expiry() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&ann.token, "renewal", "private", &[&bob.user_id])
        .await;
    let (mut client, first_expiry) = connect_expiring(&server, &ann.user_id, 2).await;
    client.join(&room, None).await;

    let fresh_exp = now_secs() + 3600;
    let fresh = server.sign(&json!({"sub": ann.user_id, "exp": fresh_exp}));
    client
        .send(&ClientFrame::Authenticate { token: fresh })
        .await;
    let renewed = client
        .recv_where(|f| matches!(f, ServerFrame::Authenticated { .. }))
        .await;
    let ServerFrame::Authenticated {
        user_id,
        expires_at,
        ..
    } = renewed
    else {
        unreachable!()
    };
    assert_eq!(user_id, ann.user_id);
    assert_eq!(expires_at, Some(i64::try_from(fresh_exp).unwrap() * 1000));
    assert!(expires_at.unwrap() > first_expiry);

    // Past the first token's expiry: the connection, and its room, are still live.
    tokio::time::sleep(Duration::from_secs(3)).await;
    still_open(&mut client).await;
    let mut bob_client = server.client(&bob.token).await;
    bob_client.join(&room, None).await;
    bob_client.say(&room, "still there?").await;
    assert_eq!(client.recv_message().await.content, "still there?");
}

#[tokio::test]
async fn another_users_or_an_invalid_token_changes_nothing() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let (mut client, _) = connect_expiring(&server, &ann.user_id, 2).await;

    client
        .send(&ClientFrame::Authenticate {
            token: bob.token.clone(),
        })
        .await;
    let (code, message, _) = client.expect_error().await;
    assert_eq!(code, "forbidden", "{message}");
    still_open(&mut client).await;

    let expired = server.sign(&json!({"sub": ann.user_id, "exp": now_secs() - 600}));
    for token in [expired, "not a token".to_owned()] {
        client.send(&ClientFrame::Authenticate { token }).await;
        let (code, message, _) = client.expect_error().await;
        assert_eq!(code, "unauthorized", "{message}");
        assert!(message.contains("keeps its current token"), "{message}");
        still_open(&mut client).await;
    }

    // None of them extended the session: it ends when the first token expires.
    match client
        .recv_where(|f| matches!(f, ServerFrame::Error { .. }))
        .await
    {
        ServerFrame::Error { code, message, .. } => {
            assert_eq!(code.as_str(), "unauthorized");
            assert!(message.contains("expired"), "{message}");
        }
        _ => unreachable!(),
    }
    assert_eq!(client.closed().await, Some(close::UNAUTHORIZED));
}

#[tokio::test]
async fn a_token_that_expires_sooner_does_not_shorten_the_session() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let (mut client, first_expiry) = connect_expiring(&server, &ann.user_id, 3600).await;
    let sooner = server.sign(&json!({"sub": ann.user_id, "exp": now_secs() + 60}));
    client
        .send(&ClientFrame::Authenticate { token: sooner })
        .await;
    let renewed = client
        .recv_where(|f| matches!(f, ServerFrame::Authenticated { .. }))
        .await;
    assert!(
        matches!(renewed, ServerFrame::Authenticated { expires_at: Some(e), .. } if e == first_expiry),
        "{renewed:?}"
    );
}
