//! Rooms and users over REST through the SDK: the calls an app makes before chatting.

use chat_protocol::v1::{ErrorCode, RoomVisibility};
use chat_sdk::{ChatClient, ClientError};

use crate::harness::{Server, fast_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_are_created_with_users_found_by_name() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let ann = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let bob = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let eve = ChatClient::open(fast_config(url, None)).unwrap();
    let ann_session = ann.register("ann", "correct horse battery").await.unwrap();
    let bob_session = bob.register("Bob", "correct horse battery").await.unwrap();
    eve.register("eve", "correct horse battery").await.unwrap();

    // Ann types "bob": the name resolves to Bob's id, whatever the case.
    let found = ann.find_user("bob").await.unwrap();
    assert_eq!(
        (found.user_id.as_str(), found.username.as_str()),
        (bob_session.user_id.as_str(), "Bob")
    );
    let room = ann
        .create_room(
            "plans",
            RoomVisibility::Private,
            &[found.user_id.to_string()],
        )
        .await
        .unwrap();
    let names: Vec<String> = bob
        .members(&room)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.username)
        .collect();
    assert_eq!(names, ["ann", "Bob"]);
    assert!(bob.rooms().await.unwrap().iter().any(|r| r.room_id == room));
    let direct = ann
        .create_room(
            "",
            RoomVisibility::Direct,
            std::slice::from_ref(&bob_session.user_id),
        )
        .await
        .unwrap();
    assert_ne!(direct, room);

    // What an app must handle: nobody by that name, a name that cannot exist, a
    // stranger looking into a private room or adding themself to it.
    let refused = |result: Result<_, ClientError>, want: ErrorCode| match result {
        Err(ClientError::Server { code, .. }) => assert_eq!(code, want),
        other => panic!("expected {want:?}, got {other:?}"),
    };
    refused(
        ann.find_user("nobody").await.map(|_| ()),
        ErrorCode::NotFound,
    );
    refused(
        ann.find_user("../rooms").await.map(|_| ()),
        ErrorCode::InvalidRequest,
    );
    refused(eve.members(&room).await.map(|_| ()), ErrorCode::Forbidden);
    refused(
        eve.add_member(&room, &ann_session.user_id).await,
        ErrorCode::Forbidden,
    );
    assert!(!eve.rooms().await.unwrap().iter().any(|r| r.room_id == room));
}
