//! A data export across processes: what a user sent, reacted and set through one process
//! is in the export another process streams, from the one store they share.

use chat_protocol::v1::{ClientFrame, DataExport, RoomPlacement, ServerFrame};

use crate::common::http_client;
use crate::harness::Cluster;

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn an_export_through_one_process_holds_what_was_done_through_the_other() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let ann = one.register("ann").await;
    let room = one.create_room(&ann.token, &[]).await;
    let mut a = one.client(&ann.token).await;
    let said = a.say(&room, "written through one").await;
    let ServerFrame::MessageAck { message_id, .. } = said else {
        panic!("{said:?}")
    };
    a.send(&ClientFrame::React {
        room_id: room.as_str().into(),
        message_id: message_id.clone(),
        emoji: "👍".into(),
        on: true,
    })
    .await;
    a.recv_where(|f| matches!(f, ServerFrame::Reaction(_)))
        .await;
    let status = http_client()
        .put(one.url(&format!("/v1/rooms/{room}/placement")))
        .bearer_auth(&ann.token)
        .json(&serde_json::json!({"placement": "favorite"}))
        .send()
        .await
        .expect("placement")
        .status();
    assert_eq!(status, 204);

    let export: DataExport = http_client()
        .get(two.url("/v1/users/me/export"))
        .bearer_auth(&ann.token)
        .send()
        .await
        .expect("export")
        .json()
        .await
        .expect("a DataExport");
    assert_eq!(export.rooms.len(), 1);
    assert_eq!(export.rooms[0].placement, Some(RoomPlacement::Favorite));
    let texts: Vec<&str> = export.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, ["written through one"]);
    let reactions: Vec<(&str, &str)> = export
        .reactions
        .iter()
        .map(|r| (r.message_id.as_str(), r.emoji.as_str()))
        .collect();
    assert_eq!(reactions, [(message_id.as_str(), "👍")]);
}
