//! The room list through the SDK: read from the server once live, moved on by
//! `room_updated` and by the joined rooms' own events, exact across a user's devices,
//! and readable offline from the cache after a restart.

use chat_protocol::v1::{ErrorCode, RoomKind, RoomPlacement, RoomSummary, RoomVisibility};
use chat_sdk::ChatClient;

use crate::harness::{Server, connected, contents, eventually, fast_config, refused_with};

fn room_of(client: &ChatClient, room_id: &str) -> Option<RoomSummary> {
    client
        .room_list()
        .unwrap()
        .into_iter()
        .find(|r| r.room_id == room_id)
}

fn unread(client: &ChatClient, room_id: &str) -> Option<u64> {
    room_of(client, room_id).map(|r| r.unread_count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_list_is_live_exact_on_every_device_and_readable_offline() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let phone_db = dir.path().join("phone.db");
    let phone = ChatClient::open(fast_config(url.clone(), Some(phone_db.clone()))).unwrap();
    let session = phone
        .register("ann", "correct horse battery")
        .await
        .unwrap();
    let bob = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let bob_session = bob.register("bob", "correct horse battery").await.unwrap();
    let quiet = bob
        .create_room(
            "quiet",
            RoomVisibility::Private,
            std::slice::from_ref(&session.user_id),
        )
        .await
        .unwrap();
    let team = bob
        .create_room(
            "team",
            RoomVisibility::Private,
            std::slice::from_ref(&session.user_id),
        )
        .await
        .unwrap();

    // The phone shows the list without joining any room: read once live.
    phone.connect().unwrap();
    connected(&phone).await;
    eventually(5, "both rooms listed", || {
        phone.room_list().unwrap().len() == 2
    })
    .await;

    bob.join_room(&team).unwrap();
    bob.connect().unwrap();
    connected(&bob).await;
    for text in ["one", "two", "three"] {
        bob.send_message(&team, text).unwrap();
    }
    eventually(5, "three unread on the phone", || {
        unread(&phone, &team) == Some(3)
    })
    .await;
    let listed = phone.room_list().unwrap();
    assert_eq!(listed[0].room_id, team, "the busy room comes first");
    assert_eq!(listed[0].last_message.as_ref().unwrap().content, "three");
    assert_eq!(listed[0].kind, RoomKind::Group);
    assert_eq!(unread(&phone, &quiet), Some(0));

    // Ann's laptop has the room open.
    let laptop = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    laptop.set_session(&session).unwrap();
    laptop.join_room(&team).unwrap();
    laptop.connect().unwrap();
    connected(&laptop).await;
    eventually(5, "the laptop holds the messages", || {
        contents(&laptop, &team).len() == 3
    })
    .await;
    eventually(5, "and the badge", || unread(&laptop, &team) == Some(3)).await;

    // Reading on the laptop clears the badge there at once, and on the phone.
    let last_seq = room_of(&laptop, &team).unwrap().last_seq;
    laptop.mark_read(&team, last_seq).unwrap();
    assert_eq!(
        unread(&laptop, &team),
        Some(0),
        "at once, on the device that read"
    );
    eventually(5, "cleared on the phone", || {
        unread(&phone, &team) == Some(0)
    })
    .await;

    // A new message: the phone hears of it as a summary, the laptop from the room.
    bob.send_message(&team, "four").unwrap();
    eventually(5, "one unread on the phone", || {
        unread(&phone, &team) == Some(1)
    })
    .await;
    eventually(5, "one unread on the laptop", || {
        unread(&laptop, &team) == Some(1)
    })
    .await;
    assert_eq!(
        room_of(&laptop, &team)
            .unwrap()
            .last_message
            .unwrap()
            .content,
        "four"
    );
    // Bob's own list never counts his messages.
    eventually(5, "bob's list", || unread(&bob, &team) == Some(0)).await;
    let _ = bob_session;

    // The quiet room made a favorite on the laptop comes first on the phone too; the
    // busy one archived on the phone is archived on the laptop, which has it open.
    laptop
        .set_room_placement(&quiet, Some(RoomPlacement::Favorite))
        .await
        .unwrap();
    eventually(5, "the favorite first on the phone", || {
        phone.room_list().unwrap()[0].room_id == quiet
    })
    .await;
    phone
        .set_room_placement(&team, Some(RoomPlacement::Archived))
        .await
        .unwrap();
    eventually(5, "archived on the laptop", || {
        room_of(&laptop, &team).and_then(|r| r.placement) == Some(RoomPlacement::Archived)
    })
    .await;
    assert_eq!(
        room_of(&laptop, &quiet).and_then(|r| r.placement),
        Some(RoomPlacement::Favorite)
    );
    let refused = phone
        .set_room_placement("no-such-room", Some(RoomPlacement::Favorite))
        .await;
    assert!(refused_with(&refused, ErrorCode::NotFound), "{refused:?}");
    eventually(5, "the phone's list has both placements", || {
        room_of(&phone, &team).and_then(|r| r.placement) == Some(RoomPlacement::Archived)
    })
    .await;

    // Marked unread on the phone: the laptop shows the mark beside the one unread
    // message; reading the room on the laptop up to where it was read already (as an
    // app does when the room is opened again) takes the mark away on the phone, and
    // the message stays unread.
    phone.mark_room_unread(&team, true).await.unwrap();
    eventually(5, "marked on the laptop", || {
        room_of(&laptop, &team).is_some_and(|r| r.marked_unread && r.unread_count == 1)
    })
    .await;
    eventually(5, "and on the phone", || {
        room_of(&phone, &team).is_some_and(|r| r.marked_unread)
    })
    .await;
    let read_to = room_of(&laptop, &team).unwrap().read_seq;
    assert!(read_to > 0);
    laptop.mark_read(&team, read_to).unwrap();
    assert!(
        !room_of(&laptop, &team).unwrap().marked_unread,
        "at once on the device that read"
    );
    eventually(5, "unmarked on the phone", || {
        room_of(&phone, &team).is_some_and(|r| !r.marked_unread && r.unread_count == 1)
    })
    .await;
    let refused = laptop.mark_room_unread("no-such-room", true).await;
    assert!(refused_with(&refused, ErrorCode::NotFound), "{refused:?}");

    // The phone restarts with no server to reach: its list is there at once.
    phone.shutdown();
    drop(phone);
    drop(server);
    let offline = ChatClient::open(fast_config(url, Some(phone_db))).unwrap();
    let cached = offline.room_list().unwrap();
    let ids: Vec<&str> = cached.iter().map(|r| r.room_id.as_str()).collect();
    assert_eq!(ids, [quiet.as_str(), team.as_str()], "the favorite first");
    assert_eq!(cached[1].unread_count, 1);
    assert_eq!(cached[1].placement, Some(RoomPlacement::Archived));
}
