//! The data export through the SDK: the server's document as it came, holding the
//! user's messages and rooms; refused without a session.

use chat_protocol::v1::{DataExport, RoomVisibility};
use chat_sdk::{ChatClient, ClientError};

use crate::harness::{Server, connected, eventually, fast_config, signed_up};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_is_the_users_data_as_the_server_wrote_it() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let (ann, session) = signed_up(&url, "ann").await;
    let room = ann
        .create_room("notes", RoomVisibility::Private, &[])
        .await
        .unwrap();
    ann.join_room(&room).unwrap();
    ann.connect().unwrap();
    connected(&ann).await;
    ann.send_message(&room, "remember the milk").unwrap();
    eventually(5, "the message is acknowledged", || {
        ann.messages(&room, None, 10)
            .unwrap()
            .iter()
            .any(|m| m.seq.is_some())
    })
    .await;

    let bytes = ann.export_my_data().await.unwrap();
    let export: DataExport = serde_json::from_slice(&bytes).expect("the server's DataExport");
    assert_eq!(export.profile.user_id.as_str(), session.user_id);
    assert_eq!(export.rooms.len(), 1);
    assert_eq!(export.rooms[0].room_id.as_str(), room);
    assert_eq!(export.messages.len(), 1);
    assert_eq!(export.messages[0].content, "remember the milk");

    let stranger = ChatClient::open(fast_config(url, None)).unwrap();
    let refused = stranger.export_my_data().await;
    assert!(
        matches!(refused, Err(ClientError::NotSignedIn)),
        "{refused:?}"
    );
}
