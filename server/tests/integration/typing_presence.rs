//! Ephemeral state: typing indicators (with expiry) and presence.

use std::time::{Duration, Instant};

use chat_protocol::v1::{ClientFrame, PresenceStatus, ServerFrame};

use crate::common::TestServer;

#[tokio::test]
async fn typing_reaches_the_others_and_expires_when_not_refreshed() {
    let server = TestServer::start_with(|c| c.typing_ttl = Duration::from_millis(400)).await;
    let crate::common::Duo {
        ann,
        bob,
        room,
        mut a,
        mut b,
    } = server.duo("public").await;

    a.send(&ClientFrame::Typing {
        room_id: room.clone().into(),
        is_typing: true,
    })
    .await;
    let started = Instant::now();
    let frame = b
        .recv_where(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    assert_eq!(
        frame,
        ServerFrame::Typing {
            room_id: room.clone().into(),
            user_id: ann.user_id.clone(),
            is_typing: true
        }
    );
    // Ann never says she stopped: the server expires it and tells the room.
    let frame = b
        .recv_where(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    assert_eq!(
        frame,
        ServerFrame::Typing {
            room_id: room.clone().into(),
            user_id: ann.user_id.clone(),
            is_typing: false
        }
    );
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "not before the TTL"
    );

    // An explicit stop is sent at once; the typer never sees their own indicator.
    a.send(&ClientFrame::Typing {
        room_id: room.clone().into(),
        is_typing: true,
    })
    .await;
    a.send(&ClientFrame::Typing {
        room_id: room.clone().into(),
        is_typing: false,
    })
    .await;
    let on = b
        .recv_where(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    let off = b
        .recv_where(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    assert!(matches!(
        (on, off),
        (
            ServerFrame::Typing {
                is_typing: true,
                ..
            },
            ServerFrame::Typing {
                is_typing: false,
                ..
            }
        )
    ));
    a.send(&ClientFrame::Ping).await;
    loop {
        match a.recv().await {
            ServerFrame::Pong { .. } => break,
            ServerFrame::Typing { .. } => panic!("own typing echoed"),
            _ => {}
        }
    }

    // Typing in a room not joined on this connection is refused.
    let other = server.create_room(&bob.token, "other", "public", &[]).await;
    a.send(&ClientFrame::Typing {
        room_id: other.into(),
        is_typing: true,
    })
    .await;
    assert_eq!(a.expect_error().await.0, "forbidden");
}

#[tokio::test]
async fn presence_follows_connections_and_reaches_room_mates() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let stranger = server.register("stranger").await;
    server
        .create_room(&ann.token, "r", "private", &[&bob.user_id])
        .await;

    let mut b = server.client(&bob.token).await;
    let mut s = server.client(&stranger.token).await;
    // Presence is state, not an edge: a user connecting at the same moment as a
    // room-mate may hear "online" twice. Let Bob's own snapshot finish first, so this
    // test can count frames exactly.
    assert!(b.drain().await.is_empty());
    let mut a1 = server.client(&ann.token).await;
    // Ann learns that Bob is already online.
    let frame = a1
        .recv_where(|f| matches!(f, ServerFrame::Presence { .. }))
        .await;
    assert!(
        matches!(frame, ServerFrame::Presence { ref user_id, status: PresenceStatus::Online, .. } if *user_id == bob.user_id)
    );
    // Bob learns that Ann came online.
    let frame = b
        .recv_where(|f| matches!(f, ServerFrame::Presence { .. }))
        .await;
    assert!(
        matches!(frame, ServerFrame::Presence { ref user_id, status: PresenceStatus::Online, .. } if *user_id == ann.user_id)
    );

    // A second device changes nothing, and closing one of two keeps Ann online: checked
    // once the server has handled the close (Bob, the stranger and Ann's second device
    // are the connections left).
    let a2 = server.client(&ann.token).await;
    drop(a1);
    server
        .wait_for_metric("chat_websocket_connections", 3.0)
        .await;
    assert!(
        b.presence_so_far().await.is_empty(),
        "no offline while a device is on"
    );
    let mut b2 = server.client(&bob.token).await;
    assert_eq!(
        b2.presence_so_far().await,
        [(ann.user_id.to_string(), true)],
        "a new connection's snapshot has Ann online"
    );
    drop(b2);
    // The last device closes: exactly one offline, with when she was last seen.
    drop(a2);
    let frame = b
        .recv_where(|f| matches!(f, ServerFrame::Presence { .. }))
        .await;
    match frame {
        ServerFrame::Presence {
            user_id,
            status: PresenceStatus::Offline,
            last_seen,
        } => {
            assert_eq!(user_id, ann.user_id);
            assert!(last_seen.is_some_and(|t| t > 0));
        }
        other => panic!(
            "expected Ann offline, got {other:?}; ann {} bob {} stranger {}",
            ann.user_id, bob.user_id, stranger.user_id
        ),
    }
    server
        .wait_for_metric("chat_websocket_connections", 2.0)
        .await;
    assert!(b.presence_so_far().await.is_empty(), "one offline, not two");
    assert!(b.drain().await.is_empty());
    // Someone who shares no room with Ann heard nothing.
    s.send(&ClientFrame::Ping).await;
    assert!(matches!(s.recv().await, ServerFrame::Pong { .. }));
}

#[tokio::test]
async fn joining_a_room_created_after_connecting_tells_who_of_its_members_is_online() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    // All connected while sharing no room: no presence so far.
    let mut a = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    let c = server.client(&carol.token).await;
    drop(c); // Carol is a member but offline.
    assert!(a.presence_so_far().await.is_empty());
    assert!(b.presence_so_far().await.is_empty());

    let room = server
        .create_room(
            &ann.token,
            "later",
            "private",
            &[&bob.user_id, &carol.user_id],
        )
        .await;
    assert!(matches!(
        a.join(&room, None).await,
        ServerFrame::RoomJoined { .. }
    ));
    // Bob, and only Bob: not Carol (offline), not Ann herself.
    assert_eq!(
        a.presence_so_far().await,
        [(bob.user_id.into_string(), true)]
    );
    // Bob's side is unchanged until he joins too; then he learns of Ann.
    assert!(b.presence_so_far().await.is_empty());
    b.join(&room, None).await;
    assert_eq!(
        b.presence_so_far().await,
        [(ann.user_id.into_string(), true)]
    );
}
