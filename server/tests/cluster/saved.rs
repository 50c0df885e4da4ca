//! Saved messages across processes: a message saved through one process reaches the
//! user's device connected to the other, and the other process lists it (one store).

use chat_protocol::v1::ServerFrame;

use crate::common::http_client;
use crate::harness::Cluster;

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_message_saved_through_one_process_is_heard_and_listed_on_the_other() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let ann = one.register("ann").await;
    let room = one.create_room(&ann.token, &[]).await;
    let mut laptop = one.client(&ann.token).await;
    let said = laptop.say(&room, "remember this").await;
    let ServerFrame::MessageAck { message_id, .. } = said else {
        panic!("{said:?}")
    };
    let mut phone = two.client(&ann.token).await;

    let status = http_client()
        .put(one.url(&format!("/v1/rooms/{room}/messages/{message_id}/saved")))
        .bearer_auth(&ann.token)
        .send()
        .await
        .expect("save")
        .status();
    assert_eq!(status, 204);
    let heard = phone
        .recv_where(|f| matches!(f, ServerFrame::SavedChanged { .. }))
        .await;
    assert_eq!(
        heard,
        ServerFrame::SavedChanged {
            room_id: room.as_str().into(),
            message_id: message_id.clone(),
            saved: true
        }
    );
    let listed: serde_json::Value = http_client()
        .get(two.url("/v1/users/me/saved"))
        .bearer_auth(&ann.token)
        .send()
        .await
        .expect("saved messages")
        .json()
        .await
        .expect("a saved list");
    assert_eq!(listed["saved"][0]["message"]["content"], "remember this");
}
