//! The room list, profiles, mute and placements, against every backend (like `tests`, whose
//! helpers this uses): what `GET /v1/rooms` reads.

use std::collections::HashMap;

use chat_protocol::v1::{ReceiptKind, RoomPlacement, RoomVisibility};

use super::tests::{Opened, add_member, change, message, open, room, user};
use super::*;

async fn list(store: &dyn Store, user_id: &str) -> Vec<RoomListEntry> {
    store
        .room_list(user_id, None, None, 100)
        .await
        .expect("room list")
}

fn named(display_name: &str) -> ProfileChange {
    ProfileChange {
        display_name: Some(display_name.to_owned()),
        ..ProfileChange::default()
    }
}

fn entry<'a>(entries: &'a [RoomListEntry], room_id: &str) -> &'a RoomListEntry {
    entries
        .iter()
        .find(|e| e.room.id == room_id)
        .unwrap_or_else(|| panic!("{room_id} is listed"))
}

async fn say(store: &dyn Store, room_id: &str, sender: &str, key: &str, now: i64) -> Message {
    let write = NewMessage {
        now,
        ..message(room_id, sender, &uuid::Uuid::new_v4().to_string(), key)
    };
    store.send(write).await.expect("send").message
}

#[tokio::test]
async fn unread_counts_only_other_peoples_messages_after_the_read_position_not_deleted() {
    let Opened { store, _dir, .. } = open().await;
    for id in ["ann", "bob"] {
        user(store.as_ref(), id).await;
    }
    room(store.as_ref(), "r", "ann", &["bob"]).await;
    let store = store.as_ref();
    let first = say(store, "r", "bob", "one", 100).await;
    say(store, "r", "bob", "two", 101).await;
    say(store, "r", "ann", "mine", 102).await;
    let third = say(store, "r", "bob", "three", 103).await;
    // An edit and a delete take seqs of their own, and neither counts.
    store
        .change(change(
            "r",
            "bob",
            &first.message_id,
            ChangeAction::Edit("one, edited".into()),
        ))
        .await
        .unwrap();
    let ann = list(store, "ann").await;
    let r = entry(&ann, "r");
    assert_eq!((r.unread_count, r.read_seq, r.room.last_seq), (3, 0, 5));
    let bob = list(store, "bob").await;
    assert_eq!(entry(&bob, "r").unread_count, 1, "ann's one message");

    store
        .change(change("r", "bob", &third.message_id, ChangeAction::Delete))
        .await
        .unwrap();
    let ann = list(store, "ann").await;
    let r = entry(&ann, "r");
    assert_eq!(r.unread_count, 2, "a deleted message no longer counts");
    let last = r.last_message.as_ref().expect("a visible message is left");
    assert_eq!(
        (last.content.as_str(), last.seq),
        ("mine", 3),
        "the last message is the newest one not deleted"
    );
    assert_eq!(
        r.last_activity_at, 103,
        "a deleted message was still activity"
    );

    assert!(
        store
            .set_receipt("r", "ann", first.seq, ReceiptKind::Read)
            .await
            .unwrap()
            .advanced
    );
    let r = list(store, "ann").await.remove(0);
    assert_eq!((r.unread_count, r.read_seq), (1, first.seq));
    // Read up to the edit's seq: everything is read.
    store
        .set_receipt("r", "ann", 6, ReceiptKind::Read)
        .await
        .unwrap();
    let r = list(store, "ann").await.remove(0);
    assert_eq!((r.unread_count, r.read_seq), (0, 6));
}

#[tokio::test]
async fn the_unread_totals_of_a_push_badge_sum_every_room_of_each_user() {
    let Opened { store, _dir, .. } = open().await;
    for id in ["ann", "bob", "cid"] {
        user(store.as_ref(), id).await;
    }
    room(store.as_ref(), "r", "ann", &["bob", "cid"]).await;
    room(store.as_ref(), "s", "bob", &["ann"]).await;
    let store = store.as_ref();
    let first = say(store, "r", "bob", "one", 100).await;
    say(store, "r", "cid", "two", 101).await;
    say(store, "s", "bob", "three", 102).await;
    let gone = say(store, "s", "bob", "four", 103).await;
    store
        .change(change("s", "bob", &gone.message_id, ChangeAction::Delete))
        .await
        .unwrap();
    store
        .set_receipt("r", "ann", first.seq, ReceiptKind::Read)
        .await
        .unwrap();
    let who: Vec<String> = ["ann", "bob", "cid", "nobody"].map(String::from).to_vec();
    let totals = store.unread_totals(&who).await.unwrap();
    // Ann: cid's message in r (bob's first is read) and bob's one left in s. Bob: cid's
    // in r. Cid: bob's in r. Nobody has none, and is left out.
    assert_eq!(
        totals,
        HashMap::from([("ann".into(), 2), ("bob".into(), 1), ("cid".into(), 1)])
    );
    assert!(store.unread_totals(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn messages_from_a_blocked_user_are_not_unread_not_mentions_and_not_the_last_message() {
    let Opened { store, _dir, .. } = open().await;
    for id in ["ann", "bob", "cid"] {
        user(store.as_ref(), id).await;
    }
    room(store.as_ref(), "r", "ann", &["bob", "cid"]).await;
    let store = store.as_ref();
    say(store, "r", "cid", "from cid", 100).await;
    let mut mention = message("r", "bob", "m1", "@ann look");
    mention.mentions = vec!["ann".into()];
    mention.now = 101;
    store.send(mention).await.unwrap();
    say(store, "r", "bob", "bob again", 102).await;
    let seen = |entry: &RoomListEntry| {
        (
            entry.unread_count,
            entry.mention_count,
            entry.last_message.as_ref().map(|m| m.content.clone()),
            entry.last_activity_at,
        )
    };
    let before = store.room_entry("ann", "r").await.unwrap().unwrap();
    assert_eq!(seen(&before), (3, 1, Some("bob again".into()), 102));

    store.block_user("ann", "bob", 103).await.unwrap();
    let who: Vec<String> = ["ann", "cid"].map(String::from).to_vec();
    let blocked = store.room_entry("ann", "r").await.unwrap().unwrap();
    assert_eq!(
        seen(&blocked),
        (1, 0, Some("from cid".into()), 102),
        "bob's messages leave the counts and the preview; they stay activity"
    );
    assert_eq!(
        entry(&list(store, "ann").await, "r").unread_count,
        1,
        "the paged list reads the same"
    );
    assert_eq!(
        store.unread_totals(&who).await.unwrap(),
        HashMap::from([("ann".into(), 1), ("cid".into(), 2)]),
        "the push badge leaves them out too; cid blocked nobody"
    );

    store.unblock_user("ann", "bob").await.unwrap();
    let unblocked = store.room_entry("ann", "r").await.unwrap().unwrap();
    assert_eq!(
        seen(&unblocked),
        seen(&before),
        "unblocking counts them again"
    );
}

#[tokio::test]
async fn rooms_come_most_recent_activity_first_in_pages() {
    let Opened { store, _dir, .. } = open().await;
    for id in ["ann", "bob"] {
        user(store.as_ref(), id).await;
    }
    let store = store.as_ref();
    // Created at 10 (room helper), in id order; no room has a message yet.
    for id in ["a", "b", "c", "d", "e"] {
        room(store, id, "ann", &["bob"]).await;
    }
    say(store, "b", "bob", "late", 500).await;
    say(store, "d", "bob", "later", 600).await;
    let order: Vec<String> = list(store, "ann")
        .await
        .into_iter()
        .map(|e| e.room.id)
        .collect();
    // The same activity time comes in descending id order.
    assert_eq!(order, ["d", "b", "e", "c", "a"]);

    let mut paged = Vec::new();
    let mut after: Option<RoomListCursor> = None;
    for _ in 0..10 {
        let page = store
            .room_list("ann", None, after.as_ref(), 2)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(RoomListCursor {
            favorite: false,
            last_activity_at: last.last_activity_at,
            room_id: last.room.id.clone(),
        });
        paged.extend(page.into_iter().map(|e| e.room.id));
    }
    assert_eq!(paged, order, "pages cover every room once, in order");

    // Joining later counts as activity: a room one is added to comes first.
    user(store, "cid").await;
    add_member(store, "a", "cid", "ann", 700).await;
    add_member(store, "b", "cid", "ann", 50).await;
    let cid = list(store, "cid").await;
    let order: Vec<(&str, i64)> = cid
        .iter()
        .map(|e| (e.room.id.as_str(), e.last_activity_at))
        .collect();
    assert_eq!(order, [("a", 700), ("b", 500)]);
    assert_eq!(
        entry(&cid, "b").unread_count,
        1,
        "history before joining counts"
    );
}

#[tokio::test]
async fn a_direct_room_is_named_after_the_other_member_and_profiles_change_names() {
    let Opened { store, _dir, .. } = open().await;
    for id in ["ann", "bob"] {
        user(store.as_ref(), id).await;
    }
    let store = store.as_ref();
    let direct = NewRoom {
        id: "d".into(),
        name: String::new(),
        visibility: RoomVisibility::Direct,
        creator: "ann".into(),
        members: vec!["bob".into()],
        now: 5,
    };
    store.create_room(direct).await.unwrap();
    room(store, "g", "ann", &["bob"]).await;
    let ann = list(store, "ann").await;
    assert_eq!(entry(&ann, "d").peer_name.as_deref(), Some("name-bob"));
    assert_eq!(entry(&ann, "g").peer_name, None, "a group keeps its name");

    let profile = store
        .update_profile("bob", &named("Bob Builder"), 2)
        .await
        .unwrap()
        .expect("bob exists");
    assert_eq!(
        (profile.username.as_str(), profile.display_name.as_str()),
        ("name-bob", "Bob Builder")
    );
    let ann = list(store, "ann").await;
    assert_eq!(entry(&ann, "d").peer_name.as_deref(), Some("Bob Builder"));
    let bob = list(store, "bob").await;
    assert_eq!(entry(&bob, "d").peer_name.as_deref(), Some("name-ann"));
    let members = store.members("g").await.unwrap();
    let names: Vec<&str> = members.iter().map(|m| m.display_name.as_str()).collect();
    assert_eq!(names, ["name-ann", "Bob Builder"]);
    assert_eq!(
        store
            .user_profile("ann")
            .await
            .unwrap()
            .unwrap()
            .display_name,
        "name-ann",
        "no display name: the username"
    );
    assert!(store.user_profile("nobody").await.unwrap().is_none());
    assert!(
        store
            .update_profile("nobody", &named("X"), 2)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.direct_peers("bob").await.unwrap(),
        [("d".to_owned(), "ann".to_owned())],
        "group rooms have no peer"
    );
    assert!(store.direct_peers("nobody").await.unwrap().is_empty());
    let found = store.user_by_name("NAME-BOB").await.unwrap().unwrap();
    assert_eq!(found.profile().display_name, "Bob Builder");
}

#[tokio::test]
async fn a_member_mutes_and_unmutes_a_room_for_themself_only() {
    let Opened { store, _dir, .. } = open().await;
    for id in ["ann", "bob", "cid"] {
        user(store.as_ref(), id).await;
    }
    let store = store.as_ref();
    room(store, "r", "ann", &["bob"]).await;
    assert!(
        store
            .change_entry(
                "r",
                "ann",
                EntryChange::Mute {
                    until: Some(i64::MAX),
                    mentions: false
                }
            )
            .await
            .unwrap()
    );
    assert_eq!(list(store, "ann").await[0].muted_until, Some(i64::MAX));
    assert_eq!(list(store, "bob").await[0].muted_until, None);
    assert!(
        store
            .change_entry(
                "r",
                "ann",
                EntryChange::Mute {
                    until: None,
                    mentions: true
                }
            )
            .await
            .unwrap()
    );
    assert_eq!(list(store, "ann").await[0].muted_until, None);
    assert!(
        !store
            .change_entry(
                "r",
                "cid",
                EntryChange::Mute {
                    until: Some(1),
                    mentions: true
                }
            )
            .await
            .unwrap(),
        "not a member"
    );
    assert!(
        !store
            .change_entry(
                "nowhere",
                "ann",
                EntryChange::Mute {
                    until: Some(1),
                    mentions: true
                }
            )
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn favorites_come_first_archived_rooms_can_be_left_out_and_placements_are_per_member() {
    let Opened { store, _dir, .. } = open().await;
    for id in ["ann", "bob", "cid"] {
        user(store.as_ref(), id).await;
    }
    let store = store.as_ref();
    for id in ["a", "b", "c", "d", "e"] {
        room(store, id, "ann", &["bob"]).await;
    }
    for (i, id) in ["a", "b", "c", "d", "e"].into_iter().enumerate() {
        say(store, id, "bob", id, 100 + 100 * i64::try_from(i).unwrap()).await;
    }
    let place = |room_id: &'static str, placement| async move {
        assert!(
            store
                .change_entry(room_id, "ann", EntryChange::Placement(placement))
                .await
                .unwrap()
        );
    };
    place("a", Some(RoomPlacement::Favorite)).await;
    place("c", Some(RoomPlacement::Favorite)).await;
    place("d", Some(RoomPlacement::Archived)).await;

    let ids = |entries: Vec<RoomListEntry>| -> Vec<String> {
        entries.into_iter().map(|e| e.room.id).collect()
    };
    let order = ids(list(store, "ann").await);
    assert_eq!(
        order,
        ["c", "a", "e", "d", "b"],
        "favorites first, then by activity"
    );
    let anns = list(store, "ann").await;
    assert_eq!(entry(&anns, "a").placement, Some(RoomPlacement::Favorite));
    assert_eq!(entry(&anns, "d").placement, Some(RoomPlacement::Archived));
    assert_eq!(entry(&anns, "b").placement, None);
    assert!(
        list(store, "bob")
            .await
            .iter()
            .all(|e| e.placement.is_none()),
        "a placement is the member's own"
    );

    // Pages of one cross from the favorites to the rest without a gap or a repeat,
    // with archived rooms left out, kept or alone.
    for (archived, expected) in [
        (None, vec!["c", "a", "e", "d", "b"]),
        (Some(false), vec!["c", "a", "e", "b"]),
        (Some(true), vec!["d"]),
    ] {
        let mut paged = Vec::new();
        let mut after: Option<RoomListCursor> = None;
        for _ in 0..10 {
            let page = store
                .room_list("ann", archived, after.as_ref(), 1)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(RoomListCursor {
                favorite: last.placement == Some(RoomPlacement::Favorite),
                last_activity_at: last.last_activity_at,
                room_id: last.room.id.clone(),
            });
            paged.extend(ids(page));
        }
        assert_eq!(paged, expected, "archived: {archived:?}");
    }

    // A new message keeps an archived room archived; a placement replaces the last.
    say(store, "d", "bob", "again", 900).await;
    assert_eq!(
        ids(store.room_list("ann", Some(true), None, 10).await.unwrap()),
        ["d"]
    );
    place("d", Some(RoomPlacement::Favorite)).await;
    place("c", None).await;
    assert_eq!(ids(list(store, "ann").await), ["d", "a", "e", "c", "b"]);
    let one = store.room_entry("ann", "d").await.unwrap().unwrap();
    assert_eq!(one.placement, Some(RoomPlacement::Favorite));

    // Leaving takes the placement with the membership: back in the main list.
    let leave = MembershipWrite {
        room_id: "a".to_owned(),
        actor: "ann".to_owned(),
        action: MembershipAction::Leave,
        now: 1_000,
    };
    store.change_membership(leave).await.expect("leave");
    add_member(store, "a", "ann", "bob", 1_100).await;
    let anns = list(store, "ann").await;
    assert_eq!(entry(&anns, "a").placement, None);

    // Not a member, or no such room: nothing is placed.
    assert!(
        !store
            .change_entry(
                "a",
                "cid",
                EntryChange::Placement(Some(RoomPlacement::Favorite))
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .change_entry(
                "nowhere",
                "ann",
                EntryChange::Placement(Some(RoomPlacement::Archived))
            )
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_member_marks_a_room_unread_until_a_read_receipt_even_one_that_moves_nothing() {
    let Opened { store, _dir, .. } = open().await;
    for id in ["ann", "bob", "cid"] {
        user(store.as_ref(), id).await;
    }
    let store = store.as_ref();
    room(store, "r", "ann", &["bob"]).await;
    let last = say(store, "r", "bob", "hello", 100).await;
    let read = |user_id: &'static str| async move {
        store
            .set_receipt("r", user_id, last.seq, ReceiptKind::Read)
            .await
            .unwrap()
    };
    let marked = |user_id: &'static str| async move {
        store
            .room_entry(user_id, "r")
            .await
            .unwrap()
            .unwrap()
            .marked_unread
    };
    assert!(!marked("ann").await, "not marked by default");

    // Everything read, then marked: the mark stands beside an unread count of 0.
    assert!(read("ann").await.advanced);
    assert!(
        store
            .change_entry("r", "ann", EntryChange::MarkedUnread(true))
            .await
            .unwrap()
    );
    let entry = store.room_entry("ann", "r").await.unwrap().unwrap();
    assert_eq!((entry.marked_unread, entry.unread_count), (true, 0));
    assert!(!marked("bob").await, "a mark is the member's own");
    assert!(
        list(store, "ann").await[0].marked_unread,
        "the list reads it"
    );

    // Reading the room again takes the mark away, though the position stays.
    let change = read("ann").await;
    assert_eq!(
        (change.advanced, change.unmarked),
        (false, true),
        "{change:?}"
    );
    assert!(!marked("ann").await);
    let change = read("ann").await;
    assert!(!change.unmarked, "nothing left to take away");

    // A delivered receipt is not reading: the mark stays.
    assert!(
        store
            .change_entry("r", "ann", EntryChange::MarkedUnread(true))
            .await
            .unwrap()
    );
    let delivered = store
        .set_receipt("r", "ann", last.seq, ReceiptKind::Delivered)
        .await
        .unwrap();
    assert!(!delivered.unmarked);
    assert!(marked("ann").await);
    // Taken away by hand.
    assert!(
        store
            .change_entry("r", "ann", EntryChange::MarkedUnread(false))
            .await
            .unwrap()
    );
    assert!(!marked("ann").await);

    // Leaving takes the mark with the membership.
    assert!(
        store
            .change_entry("r", "bob", EntryChange::MarkedUnread(true))
            .await
            .unwrap()
    );
    let leave = MembershipWrite {
        room_id: "r".to_owned(),
        actor: "bob".to_owned(),
        action: MembershipAction::Leave,
        now: 1_000,
    };
    store.change_membership(leave).await.expect("leave");
    add_member(store, "r", "bob", "ann", 1_100).await;
    assert!(!marked("bob").await);

    // Not a member, or no such room: nothing is marked.
    assert!(
        !store
            .change_entry("r", "cid", EntryChange::MarkedUnread(true))
            .await
            .unwrap()
    );
    assert!(
        !store
            .change_entry("nowhere", "ann", EntryChange::MarkedUnread(true))
            .await
            .unwrap()
    );
}
