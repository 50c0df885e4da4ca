//! Sessions across processes: refresh tokens are one store's state, so a token rotated
//! on one process is spent on every process, and a live connection renews its token on
//! whichever process it is connected to.

use chat_protocol::v1::{AuthResponse, ClientFrame, ServerFrame};
use serde_json::json;

use crate::common::{http_client, now_secs};
use crate::harness::{Cluster, Node};

async fn refresh(node: &Node, refresh_token: &str) -> (u16, Option<AuthResponse>) {
    let response = http_client()
        .post(node.url("/v1/auth/refresh"))
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.ok())
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_refresh_token_rotated_on_one_process_is_spent_on_the_other() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&["--token-ttl", "1h"]).await;
    let ann = one.register("ann").await;
    let first = ann.refresh_token.clone().expect("refresh token");

    let (status, renewed) = refresh(&two, &first).await;
    assert_eq!(status, 200);
    let renewed = renewed.unwrap();
    // The next token works on the first process; the spent one does not, anywhere,
    // and replaying it there revokes the sign-in everywhere.
    let (status, _) = refresh(&one, &first).await;
    assert_eq!(status, 401);
    let (status, _) = refresh(&two, renewed.refresh_token.as_deref().unwrap()).await;
    assert_eq!(status, 401, "the replay revoked the whole sign-in");

    // A connection on the second process renews with a token minted by the first.
    let mut client = two.client(&ann.token).await;
    let fresh = one.register("bob").await;
    client
        .send(&ClientFrame::Authenticate {
            token: renewed.token.clone(),
        })
        .await;
    let answer = client
        .recv_where(|f| matches!(f, ServerFrame::Authenticated { .. }))
        .await;
    assert!(
        matches!(answer, ServerFrame::Authenticated { ref user_id, expires_at: Some(e), .. }
            if *user_id == ann.user_id && e >= i64::try_from(now_secs()).unwrap() * 1000),
        "{answer:?}"
    );
    // Another user's token is still refused there.
    client
        .send(&ClientFrame::Authenticate { token: fresh.token })
        .await;
    let (code, _, _) = client.expect_error().await;
    assert_eq!(code, "forbidden");
}
