//! Invite links through the SDK: a member makes a link to a private room, another user
//! sees the room behind it and joins (the room is in their list at once, and they
//! follow it), and a used-up or revoked link is refused.

use chat_protocol::v1::{ErrorCode, RoomVisibility};
use chat_sdk::ClientError;

use crate::harness::{Server, connected, contents, eventually, signed_up};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_brings_a_user_into_a_private_room_once() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let (ann, _) = signed_up(&url, "ann").await;
    let (eve, _) = signed_up(&url, "eve").await;
    let (dan, _) = signed_up(&url, "dan").await;
    let room = ann
        .create_room("club", RoomVisibility::Private, &[])
        .await
        .unwrap();
    for client in [&ann, &eve] {
        client.connect().unwrap();
        connected(client).await;
    }
    ann.join_room(&room).unwrap();

    let invite = ann.create_invite(&room, Some(3600), Some(1)).await.unwrap();
    let code = invite.code.clone().expect("the code, once");
    assert_eq!((invite.uses, invite.max_uses), (0, Some(1)));
    let preview = eve.invite_preview(&code).await.unwrap();
    assert_eq!(
        (preview.name.as_str(), preview.member_count, preview.member),
        ("club", 1, false)
    );

    let joined = eve.join_with_invite(&code).await.unwrap();
    assert_eq!(joined, room);
    assert!(
        eve.room_list().unwrap().iter().any(|r| r.room_id == room),
        "listed at once"
    );
    eve.join_room(&room).unwrap();
    ann.send_message(&room, "welcome").unwrap();
    eventually(5, "eve reads the room", || {
        contents(&eve, &room).contains(&"welcome".to_owned())
    })
    .await;
    let listed = ann.invites(&room).await.unwrap();
    assert!(listed.is_empty(), "used up: {listed:?}");

    let refused = dan.join_with_invite(&code).await;
    assert!(
        matches!(
            refused,
            Err(ClientError::Server {
                code: ErrorCode::NotFound,
                ..
            })
        ),
        "{refused:?}"
    );
    let another = ann.create_invite(&room, None, None).await.unwrap();
    ann.revoke_invite(&room, &another.invite_id).await.unwrap();
    let refused = dan.invite_preview(another.code.as_deref().unwrap()).await;
    assert!(
        matches!(
            refused,
            Err(ClientError::Server {
                code: ErrorCode::NotFound,
                ..
            })
        ),
        "revoked: {refused:?}"
    );
}
