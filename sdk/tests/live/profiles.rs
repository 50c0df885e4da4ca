//! Profiles and pictures through the SDK: a new name and picture reach the other
//! members' devices (event, cached members, room list), anyone signed in sees the
//! picture, a room's picture is a notice and shows in the list, and refusals keep
//! everything as it was.

use chat_protocol::v1::{ErrorCode, RoomVisibility};
use chat_sdk::cache::NoticeChange;
use chat_sdk::{ChatClient, ClientError, ClientEvent, ThumbnailVariant};

use crate::attachments::png;
use crate::harness::{Server, connected, eventually, signed_up};

/// Waits (5 s at most) for a `UserUpdated` event; its name and picture.
async fn user_updated(
    events: &mut tokio::sync::broadcast::Receiver<ClientEvent>,
) -> (String, Option<String>) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("user_updated in time")
            .expect("event stream");
        if let ClientEvent::UserUpdated {
            display_name,
            avatar_id,
            ..
        } = event
        {
            return (display_name, avatar_id);
        }
    }
}

/// Waits (5 s at most) for `client` to have joined `room`.
async fn room_joined(events: &mut tokio::sync::broadcast::Receiver<ClientEvent>, room: &str) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("room joined in time")
            .expect("event stream");
        if let ClientEvent::RoomJoined { room_id, .. } = event
            && room_id == room
        {
            return;
        }
    }
}

fn listed_picture(client: &ChatClient, room: &str) -> Option<String> {
    client
        .room_list()
        .unwrap()
        .into_iter()
        .find(|r| r.room_id == room)
        .and_then(|r| r.avatar_id.map(|id| id.into_string()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_pictures_reach_every_device_and_the_cache() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let (ann, ann_session) = signed_up(&url, "ann").await;
    let (bob, bob_session) = signed_up(&url, "bob").await;
    let (eve, _) = signed_up(&url, "eve").await;
    let room = ann
        .create_room(
            "team",
            RoomVisibility::Private,
            std::slice::from_ref(&bob_session.user_id),
        )
        .await
        .unwrap();
    let direct = bob
        .create_room(
            "",
            RoomVisibility::Direct,
            std::slice::from_ref(&ann_session.user_id),
        )
        .await
        .unwrap();
    for client in [&ann, &bob] {
        client.connect().unwrap();
        connected(client).await;
    }
    bob.refresh_room_list().await.unwrap();
    bob.members(&room).await.unwrap();
    let mut bob_events = bob.subscribe();

    // A name, then a picture: Bob's device hears of both and caches them.
    let me = ann.set_display_name("  Ann Smith ").await.unwrap();
    assert_eq!(
        (me.display_name.as_str(), me.avatar_id.as_ref()),
        ("Ann Smith", None)
    );
    assert_eq!(
        user_updated(&mut bob_events).await,
        ("Ann Smith".into(), None)
    );
    let me = ann
        .set_avatar(png(64, 64), "me.png", "image/png")
        .await
        .unwrap();
    let picture = me.avatar_id.clone().expect("a picture").into_string();
    let heard = user_updated(&mut bob_events).await;
    assert_eq!(heard, ("Ann Smith".into(), Some(picture.clone())));
    let cached = bob.cached_members(&room).unwrap();
    assert_eq!(cached[0].display_name, "Ann Smith");
    assert_eq!(
        cached[0].avatar_id.as_ref().map(|id| id.as_str()),
        Some(picture.as_str())
    );
    eventually(5, "the direct room pictured after Ann", || {
        listed_picture(&bob, &direct).as_deref() == Some(picture.as_str())
    })
    .await;
    // Anyone signed in sees it, and its thumbnail.
    let seen = eve.user_profile(&ann_session.user_id).await.unwrap();
    assert_eq!(
        seen.avatar_id.as_ref().map(|id| id.as_str()),
        Some(picture.as_str())
    );
    let small = eve
        .thumbnail(&picture, ThumbnailVariant::Small)
        .await
        .unwrap();
    assert!(!small.is_empty());
    assert_eq!(ann.my_profile().await.unwrap(), me);

    // Refusals change nothing: a name that is too long, a file that is not an image.
    let refused = ann.set_display_name(&"x".repeat(65)).await;
    assert!(
        matches!(
            refused,
            Err(ClientError::Server {
                code: ErrorCode::InvalidRequest,
                ..
            })
        ),
        "{refused:?}"
    );
    let refused = ann
        .set_avatar(b"%PDF-1.4".to_vec(), "a.pdf", "application/pdf")
        .await;
    assert!(refused.is_err(), "not an image: {refused:?}");
    assert_eq!(ann.my_profile().await.unwrap(), me);

    // The room's picture: a notice in the cache of Bob's device, which follows the
    // room, and his list shows it.
    bob.join_room(&room).unwrap();
    room_joined(&mut bob_events, &room).await;
    let details = ann
        .set_room_avatar(&room, png(80, 40), "cover.png", "image/png")
        .await
        .unwrap();
    let cover = details.avatar_id.expect("a room picture").into_string();
    eventually(5, "the room pictured in Bob's list", || {
        listed_picture(&bob, &room).as_deref() == Some(cover.as_str())
    })
    .await;
    let refused = bob
        .set_room_avatar(&room, png(8, 8), "b.png", "image/png")
        .await;
    assert!(
        matches!(
            refused,
            Err(ClientError::Server {
                code: ErrorCode::Forbidden,
                ..
            })
        ),
        "a member who is not an admin: {refused:?}"
    );
    let details = ann.remove_room_avatar(&room).await.unwrap();
    assert_eq!(details.avatar_id, None);
    eventually(5, "the room's picture gone from Bob's list", || {
        listed_picture(&bob, &room).is_none()
    })
    .await;
    eventually(5, "both notices cached on Bob's device", || {
        let notices = bob.notices(&room, None, 10).unwrap();
        let pictures: Vec<Option<String>> = notices
            .into_iter()
            .filter_map(|n| match n.change {
                NoticeChange::Settings { avatar_id, .. } => Some(avatar_id),
                NoticeChange::Member { .. } => None,
            })
            .collect();
        pictures == [Some(cover.clone()), Some(String::new())]
    })
    .await;

    // Removed: Bob's device shows none.
    let me = ann.remove_avatar().await.unwrap();
    assert_eq!(me.avatar_id, None);
    assert_eq!(user_updated(&mut bob_events).await.1, None);
    let cached = bob.cached_members(&room).unwrap();
    assert_eq!(cached[0].avatar_id, None);
}
