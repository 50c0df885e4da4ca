//! Pictures of users and rooms against the real store (SQLite, or PostgreSQL when the
//! suite runs under `CHAT_TEST_STORE=postgres`): which uploads may become one, who may
//! download them, and that a replaced, removed or orphaned picture is doomed.

use chat_protocol::v1::{MemberRole, RoomVisibility, ThumbnailSize};

use super::tests::{message, open, room, user};
use super::*;

/// Long after every upload of these tests would have expired unsent.
const LATER: i64 = 10_000_000;

/// `uploader`'s upload `id`: an image unless `image` is false.
async fn upload(store: &dyn Store, id: &str, uploader: &str, image: bool) {
    let size = ThumbnailSize {
        width: 10,
        height: 10,
    };
    let record = AttachmentRecord {
        id: id.to_owned(),
        uploader_id: uploader.to_owned(),
        name: format!("{id}.png"),
        mime: if image {
            "image/png"
        } else {
            "application/octet-stream"
        }
        .to_owned(),
        size: 100,
        dimensions: image.then_some((10, 10)),
        thumbnails: image.then(|| Thumbnails {
            mime: "image/png".into(),
            small: size,
            medium: size,
        }),
        created_at: 1,
        message_id: None,
        avatar: false,
    };
    assert!(store.create_attachment(&record, u64::MAX).await.unwrap());
}

fn picture(avatar_id: &str) -> ProfileChange {
    ProfileChange {
        avatar_id: Some(avatar_id.to_owned()),
        ..ProfileChange::default()
    }
}

async fn doomed(store: &dyn Store) -> Vec<String> {
    let mut ids: Vec<String> = store
        .doomed_attachments(LATER, LATER, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|record| record.id)
        .collect();
    ids.sort();
    ids
}

fn settings(avatar_id: &str) -> MembershipWrite {
    MembershipWrite {
        room_id: "g".into(),
        actor: "ann".into(),
        action: MembershipAction::Update(RoomSettings {
            avatar_id: Some(avatar_id.into()),
            ..RoomSettings::default()
        }),
        now: 50,
    }
}

#[tokio::test]
async fn a_users_picture_is_seen_by_everyone_and_a_replaced_one_is_doomed() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob", "cid"] {
        user(store, id).await;
    }
    room(store, "g", "ann", &["bob"]).await;
    let direct = NewRoom {
        id: "d".into(),
        name: String::new(),
        visibility: RoomVisibility::Direct,
        creator: "bob".into(),
        members: vec!["ann".into()],
        now: 10,
    };
    store.create_room(direct).await.unwrap();
    upload(store, "p1", "ann", true).await;
    upload(store, "p2", "ann", true).await;

    let change = ProfileChange {
        display_name: Some("Ann".into()),
        avatar_id: Some("p1".into()),
    };
    let profile = store
        .update_profile("ann", &change, 20)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(profile.display_name, "Ann");
    assert_eq!(profile.avatar_id.as_deref(), Some("p1"));
    let by_name = store.user_by_name("name-ann").await.unwrap().unwrap();
    assert_eq!(by_name.profile().avatar_id.as_deref(), Some("p1"));
    let members = store.members("g").await.unwrap();
    assert_eq!(members[0].avatar_id.as_deref(), Some("p1"));
    assert_eq!(members[1].avatar_id, None, "bob has none");
    let bobs = store.room_list("bob", None, None, 10).await.unwrap();
    let direct = bobs.iter().find(|entry| entry.room.id == "d").unwrap();
    assert_eq!(
        direct.avatar_id.as_deref(),
        Some("p1"),
        "the peer's picture"
    );
    let entry = store
        .room_entry("bob", "d")
        .await
        .unwrap()
        .expect("bob's entry");
    assert_eq!(
        entry.avatar_id.as_deref(),
        Some("p1"),
        "one room's entry too"
    );
    let group = bobs.iter().find(|entry| entry.room.id == "g").unwrap();
    assert_eq!(group.avatar_id, None, "a group shows its own");

    // Cid shares no room with ann, and still sees her picture; an upload that is not
    // a picture stays hers.
    assert!(store.attachment("p1", Some("cid")).await.unwrap().is_some());
    assert!(store.attachment("p2", Some("cid")).await.unwrap().is_none());
    assert_eq!(
        doomed(store).await,
        ["p2"],
        "a picture never expires unsent"
    );

    // Again: nothing changes. Replaced: the old one is doomed.
    let again = store
        .update_profile("ann", &picture("p1"), 30)
        .await
        .unwrap();
    assert_eq!(again.unwrap().avatar_id.as_deref(), Some("p1"));
    upload(store, "p3", "ann", true).await;
    store
        .update_profile("ann", &picture("p3"), 40)
        .await
        .unwrap();
    assert!(store.attachment("p1", Some("ann")).await.unwrap().is_none());
    assert_eq!(doomed(store).await, ["p1", "p2"]);
    // Removed.
    let removed = store.update_profile("ann", &picture(""), 50).await.unwrap();
    assert_eq!(removed.unwrap().avatar_id, None);
    assert_eq!(doomed(store).await, ["p1", "p2", "p3"]);
}

#[tokio::test]
async fn only_an_unsent_image_of_ones_own_becomes_a_picture_and_a_refusal_changes_nothing() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob"] {
        user(store, id).await;
    }
    room(store, "g", "ann", &["bob"]).await;
    upload(store, "bobs", "bob", true).await;
    upload(store, "pdf", "ann", false).await;
    upload(store, "sent", "ann", true).await;
    upload(store, "mine", "ann", true).await;
    let mut sending = message("g", "ann", "0193a0c2-0000-7000-8000-000000000001", "look");
    let sent = store
        .attachment("sent", Some("ann"))
        .await
        .unwrap()
        .unwrap();
    sending.attachments = vec![sent.to_attachment()];
    store.send(sending).await.unwrap();

    for (id, why) in [
        ("bobs", "someone else's upload"),
        ("pdf", "not an image"),
        ("sent", "sent with a message"),
        ("gone", "no such upload"),
    ] {
        let change = ProfileChange {
            display_name: Some("Changed".into()),
            avatar_id: Some(id.into()),
        };
        let refused = store.update_profile("ann", &change, 20).await;
        assert!(matches!(refused, Err(Error::AvatarUnusable)), "{why}");
    }
    let ann = store.user_profile("ann").await.unwrap().unwrap();
    assert_eq!(
        (ann.display_name.as_str(), ann.avatar_id),
        ("name-ann", None),
        "the name of a refused change is not kept either"
    );

    // One upload is one picture: ann's own cannot also be her room's.
    store
        .update_profile("ann", &picture("mine"), 30)
        .await
        .unwrap();
    let refused = store.change_membership(settings("mine")).await;
    assert!(matches!(refused, Err(Error::AvatarUnusable)));
    assert_eq!(
        store
            .room_info("g", "ann")
            .await
            .unwrap()
            .unwrap()
            .avatar_id,
        None
    );
    assert!(
        store
            .update_profile("nobody", &picture("mine"), 40)
            .await
            .unwrap()
            .is_none(),
        "no such user"
    );
}

#[tokio::test]
async fn a_rooms_picture_is_a_room_event_and_goes_with_the_room() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob", "cid"] {
        user(store, id).await;
    }
    room(store, "g", "ann", &["bob"]).await;
    upload(store, "r1", "ann", true).await;
    upload(store, "r2", "ann", true).await;

    let events = store.change_membership(settings("r1")).await.unwrap();
    let [event] = events.as_slice() else {
        panic!("one event: {events:?}")
    };
    let EventKind::Room(changed) = &event.kind else {
        panic!("a room_changed: {event:?}")
    };
    assert_eq!(changed.avatar_id.as_deref(), Some("r1"));
    assert_eq!(
        (changed.name.as_ref(), changed.topic.as_ref()),
        (None, None)
    );
    let info = store.room_info("g", "bob").await.unwrap().unwrap();
    assert_eq!(
        (info.avatar_id.as_deref(), info.role),
        (Some("r1"), Some(MemberRole::Member))
    );
    let bobs = store.room_list("bob", None, None, 10).await.unwrap();
    assert_eq!(bobs[0].avatar_id.as_deref(), Some("r1"));
    assert!(store.attachment("r1", Some("cid")).await.unwrap().is_some());
    assert!(
        store
            .change_membership(settings("r1"))
            .await
            .unwrap()
            .is_empty(),
        "the same picture again: no event"
    );

    store.change_membership(settings("r2")).await.unwrap();
    assert_eq!(doomed(store).await, ["r1"]);
    // The user's own picture goes with their account; the room's with the room.
    upload(store, "face", "ann", true).await;
    store
        .update_profile("ann", &picture("face"), 60)
        .await
        .unwrap();
    assert!(
        store
            .close_account("ann", AccountStatus::Deleted)
            .await
            .unwrap()
    );
    assert_eq!(
        store.user_profile("ann").await.unwrap().unwrap().avatar_id,
        None
    );
    assert_eq!(doomed(store).await, ["face", "r1"]);
    store.delete_room("g").await.unwrap();
    assert_eq!(doomed(store).await, ["face", "r1", "r2"]);
}
