//! The SQLite cache on real files: idempotent applies, the outbox across reopen,
//! statuses from receipts.

use chat_protocol::v1::{
    ErrorCode, MemberReceipts, MemberRole, Message, ReceiptKind, RoomChanged, RoomKind, RoomMember,
    RoomPlacement, RoomSummary, RoomVisibility, ServerFrame,
};
use chat_sdk::cache::{Cache, Draft, MessageStatus, NoticeChange};

fn message(room: &str, seq: u64, sender: &str, content: &str) -> Message {
    Message {
        room_id: room.into(),
        seq,
        message_id: format!("m{seq}").into(),
        client_msg_id: format!("c{seq}"),
        sender_id: sender.into(),
        content: content.into(),
        created_at: 1_000 + i64::try_from(seq).unwrap(),
        edited_at: None,
        deleted: false,
        reply_to: None,
        mentions: Vec::new(),
        reactions: Vec::new(),
        attachments: Vec::new(),
    }
}

#[test]
fn the_outbox_survives_reopening_and_keeps_its_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let ids: Vec<String> = {
        let mut cache = Cache::open(&path).unwrap();
        ["one", "two", "three"]
            .iter()
            .map(|text| {
                cache
                    .enqueue("r", "me", &Draft::text(text), 5)
                    .unwrap()
                    .client_msg_id
            })
            .collect()
    };
    let cache = Cache::open(&path).unwrap();
    let outbox = cache.outbox().unwrap();
    let stored: Vec<&str> = outbox
        .iter()
        .map(|(m, _)| m.client_msg_id.as_str())
        .collect();
    assert_eq!(stored, ids.iter().map(String::as_str).collect::<Vec<_>>());
    let page = cache.messages("r", "me", None, 50).unwrap();
    assert_eq!(page.len(), 3);
    assert!(
        page.iter()
            .all(|m| m.status == MessageStatus::Pending && m.seq.is_none())
    );
}

#[test]
fn applying_the_same_frames_twice_changes_nothing() {
    let mut cache = Cache::in_memory().unwrap();
    for _ in 0..2 {
        for seq in 1..=3 {
            cache
                .apply(&ServerFrame::Message(message("r", seq, "bob", "hi")), None)
                .unwrap();
        }
        cache
            .apply(
                &ServerFrame::MessageEdited {
                    room_id: "r".into(),
                    seq: 4,
                    message_id: "m2".into(),
                    sender_id: "bob".into(),
                    content: "edited".into(),
                    edited_at: 2_000,
                },
                None,
            )
            .unwrap();
        cache
            .apply(
                &ServerFrame::MessageDeleted {
                    room_id: "r".into(),
                    seq: 5,
                    message_id: "m3".into(),
                    sender_id: "bob".into(),
                    deleted_at: 3_000,
                    deleted_by: None,
                },
                None,
            )
            .unwrap();
    }
    assert_eq!(cache.seqs("r").unwrap(), [1, 2, 3]);
    let page = cache.messages("r", "me", None, 10).unwrap();
    let shown: Vec<(&str, bool)> = page
        .iter()
        .map(|m| (m.content.as_str(), m.deleted))
        .collect();
    assert_eq!(shown, [("hi", false), ("edited", false), ("", true)]);

    // An older edit arriving late does not undo a newer one; a history page (current
    // state) refreshes rows.
    cache
        .apply(
            &ServerFrame::MessageEdited {
                room_id: "r".into(),
                seq: 6,
                message_id: "m2".into(),
                sender_id: "bob".into(),
                content: "stale".into(),
                edited_at: 1_500,
            },
            None,
        )
        .unwrap();
    let mut current = message("r", 1, "bob", "fixed by history");
    current.edited_at = Some(4_000);
    cache
        .apply(
            &ServerFrame::History {
                room_id: "r".into(),
                messages: vec![current],
                has_more: false,
            },
            None,
        )
        .unwrap();
    let page = cache.messages("r", "me", None, 10).unwrap();
    assert_eq!(page[0].content, "fixed by history");
    assert_eq!(page[1].content, "edited");
}

#[test]
fn own_messages_go_pending_sent_delivered_read() {
    let mut cache = Cache::in_memory().unwrap();
    let echo = cache.enqueue("r", "me", &Draft::text("hello"), 5).unwrap();
    let status = |cache: &Cache| {
        cache.messages("r", "me", None, 10).unwrap()[0]
            .status
            .clone()
    };
    assert_eq!(status(&cache), MessageStatus::Pending);

    cache
        .sent(&echo.client_msg_id, "me", "m7", 7, 1_007, None)
        .unwrap();
    assert!(cache.outbox().unwrap().is_empty());
    let page = cache.messages("r", "me", None, 10).unwrap();
    assert_eq!((page[0].seq, page[0].content.as_str()), (Some(7), "hello"));
    assert_eq!(status(&cache), MessageStatus::Sent);

    // The replayed copy of my own message (another device resuming) is the same row.
    let mut replayed = message("r", 7, "me", "hello");
    replayed.message_id = "m7".into();
    replayed.client_msg_id = echo.client_msg_id.clone();
    cache.apply(&ServerFrame::Message(replayed), None).unwrap();
    assert_eq!(cache.seqs("r").unwrap(), [7]);

    cache
        .apply(
            &ServerFrame::Receipt {
                room_id: "r".into(),
                user_id: "bob".into(),
                seq: 7,
                kind: ReceiptKind::Delivered,
            },
            None,
        )
        .unwrap();
    assert_eq!(status(&cache), MessageStatus::Delivered);
    // My own read receipt (from my other device) does not count.
    cache
        .apply(
            &ServerFrame::Receipt {
                room_id: "r".into(),
                user_id: "me".into(),
                seq: 7,
                kind: ReceiptKind::Read,
            },
            None,
        )
        .unwrap();
    assert_eq!(status(&cache), MessageStatus::Delivered);
    cache
        .apply(
            &ServerFrame::RoomJoined {
                room_id: "r".into(),
                name: "r".into(),
                visibility: RoomVisibility::Private,
                last_seq: 7,
                receipts: vec![MemberReceipts {
                    user_id: "bob".into(),
                    delivered_seq: 7,
                    read_seq: 7,
                }],
            },
            None,
        )
        .unwrap();
    assert_eq!(status(&cache), MessageStatus::Read);
}

#[test]
fn failed_messages_can_be_retried_or_cancelled() {
    let mut cache = Cache::in_memory().unwrap();
    let a = cache
        .enqueue("r", "me", &Draft::text("too long"), 1)
        .unwrap();
    let b = cache.enqueue("r", "me", &Draft::text("fine"), 2).unwrap();
    cache
        .failed(
            &a.client_msg_id,
            ErrorCode::TooLarge,
            "content is longer than 4000 characters",
        )
        .unwrap();
    let page = cache.messages("r", "me", None, 10).unwrap();
    assert_eq!(
        page[0].status,
        MessageStatus::Failed {
            code: ErrorCode::TooLarge,
            message: "content is longer than 4000 characters".into()
        }
    );
    assert_eq!(
        cache
            .outbox()
            .unwrap()
            .iter()
            .map(|(_, failed)| *failed)
            .collect::<Vec<_>>(),
        [true, false]
    );
    cache.retrying(&a.client_msg_id).unwrap();
    assert_eq!(
        cache.messages("r", "me", None, 10).unwrap()[0].status,
        MessageStatus::Pending
    );
    cache.cancelled(&b.client_msg_id).unwrap();
    assert_eq!(cache.outbox().unwrap().len(), 1);
}

#[test]
fn cursors_and_paging() {
    let mut cache = Cache::in_memory().unwrap();
    cache.set_cursor("r", Some(9)).unwrap();
    cache.set_cursor("s", None).unwrap();
    assert_eq!(
        cache.followed_rooms().unwrap(),
        [("r".to_owned(), Some(9)), ("s".to_owned(), None)]
    );
    cache.forget_room("s").unwrap();
    assert_eq!(cache.cursor("r").unwrap(), Some(9));
    for seq in 1..=9 {
        cache
            .apply(&ServerFrame::Message(message("r", seq, "bob", "x")), None)
            .unwrap();
    }
    let older = cache.messages("r", "me", Some(5), 3).unwrap();
    assert_eq!(
        older.iter().map(|m| m.seq.unwrap()).collect::<Vec<_>>(),
        [2, 3, 4]
    );
}

#[test]
fn a_message_stored_before_its_ack_arrived_is_shown_once() {
    let mut cache = Cache::in_memory().unwrap();
    let echo = cache.enqueue("r", "me", &Draft::text("hello"), 5).unwrap();
    // The ack was lost; the resume replay brings the stored message first.
    let mut stored = message("r", 1, "me", "hello");
    stored.client_msg_id = echo.client_msg_id.clone();
    cache.apply(&ServerFrame::Message(stored), None).unwrap();
    let page = cache.messages("r", "me", None, 10).unwrap();
    assert_eq!(page.len(), 1, "{page:?}");
    assert_eq!(page[0].seq, Some(1));
    // The resend's ack then just clears the outbox.
    cache
        .sent(&echo.client_msg_id, "me", "m1", 1, 1_001, None)
        .unwrap();
    assert!(cache.outbox().unwrap().is_empty());
    assert_eq!(cache.messages("r", "me", None, 10).unwrap().len(), 1);
}

#[test]
fn a_retried_message_goes_to_the_back_of_the_outbox() {
    let mut cache = Cache::in_memory().unwrap();
    let a = cache.enqueue("r", "me", &Draft::text("a"), 1).unwrap();
    let b = cache.enqueue("r", "me", &Draft::text("b"), 2).unwrap();
    cache
        .failed(&a.client_msg_id, ErrorCode::Forbidden, "no")
        .unwrap();
    cache.retrying(&a.client_msg_id).unwrap();
    let order: Vec<String> = cache
        .outbox()
        .unwrap()
        .into_iter()
        .map(|(m, _)| m.client_msg_id)
        .collect();
    assert_eq!(order, [b.client_msg_id, a.client_msg_id]);
}

#[test]
fn the_floor_follows_joins_and_history_pages() {
    let mut cache = Cache::in_memory().unwrap();
    cache.set_cursor("r", None).unwrap();
    assert_eq!(cache.floor("r").unwrap(), None);
    cache.joined_at("r", 100).unwrap();
    cache.joined_at("r", 120).unwrap(); // a later join does not move it
    assert_eq!(cache.floor("r").unwrap(), Some(100));
    // A page far below the complete part does not connect to it.
    cache.history_stored("r", Some(20), Some(10), true).unwrap();
    assert_eq!(cache.floor("r").unwrap(), Some(100));
    // The newest page reaches down to 60.
    cache.history_stored("r", None, Some(60), true).unwrap();
    assert_eq!(cache.floor("r").unwrap(), Some(59));
    // The page just below reaches the start of the room.
    cache.history_stored("r", Some(60), Some(1), false).unwrap();
    assert_eq!(cache.floor("r").unwrap(), Some(0));
}

fn summary(room: &str, last_seq: u64, unread_count: u64, read_seq: u64) -> RoomSummary {
    RoomSummary {
        room_id: room.into(),
        name: format!("room {room}"),
        visibility: RoomVisibility::Private,
        last_seq,
        created_at: 1,
        kind: RoomKind::Group,
        last_message: None,
        last_activity_at: i64::try_from(last_seq).unwrap(),
        unread_count,
        mention_count: 0,
        read_seq,
        muted: false,
        muted_until: None,
        notify_mentions: None,
        avatar_id: None,
        placement: None,
        marked_unread: false,
    }
}

#[test]
fn the_room_list_is_sorted_by_activity_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    {
        let mut cache = Cache::open(&path).unwrap();
        cache
            .put_room_list(
                vec![
                    summary("a", 1, 0, 0),
                    summary("b", 9, 2, 7),
                    summary("c", 5, 0, 0),
                ],
                "me",
            )
            .unwrap();
    }
    let cache = Cache::open(&path).unwrap();
    let ids: Vec<String> = cache
        .room_list()
        .unwrap()
        .into_iter()
        .map(|r| r.room_id.into_string())
        .collect();
    assert_eq!(ids, ["b", "c", "a"]);
    assert_eq!(cache.room_summary("b").unwrap().unwrap().unread_count, 2);
}

#[test]
fn favorites_come_first_and_a_placement_is_taken_from_any_summary() {
    let mut cache = Cache::in_memory().unwrap();
    let favorite = RoomSummary {
        placement: Some(RoomPlacement::Favorite),
        ..summary("old", 1, 0, 0)
    };
    let archived = RoomSummary {
        placement: Some(RoomPlacement::Archived),
        ..summary("quiet", 8, 0, 0)
    };
    cache
        .put_room_list(
            vec![
                summary("a", 5, 0, 0),
                favorite,
                archived,
                summary("b", 9, 0, 0),
            ],
            "me",
        )
        .unwrap();
    let ids = |cache: &Cache| -> Vec<String> {
        let rooms = cache.room_list().unwrap();
        rooms.into_iter().map(|r| r.room_id.into_string()).collect()
    };
    assert_eq!(ids(&cache), ["old", "b", "quiet", "a"]);

    // The room moved on by its events here; a summary the server made earlier still
    // carries the placement set since (it is not a room event), and it counts.
    let frame = ServerFrame::Message(message("b", 10, "bob", "hi"));
    cache.apply(&frame, None).unwrap();
    cache.room_event_seen(&frame, "me").unwrap();
    let placed = RoomSummary {
        placement: Some(RoomPlacement::Favorite),
        ..summary("b", 9, 0, 0)
    };
    let held = cache.put_room_summary(placed, "me").unwrap();
    assert_eq!(
        (held.last_seq, held.placement),
        (10, Some(RoomPlacement::Favorite))
    );
    assert_eq!(ids(&cache), ["b", "old", "quiet", "a"]);
}

#[test]
fn reading_a_room_here_takes_its_unread_mark_away_and_an_older_summary_does_not_bring_it_back() {
    let mut cache = Cache::in_memory().unwrap();
    let marked = RoomSummary {
        marked_unread: true,
        ..summary("r", 4, 0, 4)
    };
    cache.put_room_summary(marked.clone(), "me").unwrap();
    assert!(cache.room_summary("r").unwrap().unwrap().marked_unread);

    // Read again up to where the user had read already: the mark goes all the same.
    let read = cache.room_read("r", 4, "me").unwrap().expect("changed");
    assert_eq!((read.marked_unread, read.read_seq), (false, 4));
    assert!(
        cache.room_read("r", 4, "me").unwrap().is_none(),
        "nothing left"
    );

    // Marked again on another device: the summary with the mark is taken.
    cache.put_room_summary(marked.clone(), "me").unwrap();
    assert!(cache.room_summary("r").unwrap().unwrap().marked_unread);
    // A message comes and is read here; the server's summary from before that read
    // still carries the mark, which this device's read took away.
    let frame = ServerFrame::Message(message("r", 5, "bob", "hi"));
    cache.apply(&frame, None).unwrap();
    cache.room_event_seen(&frame, "me").unwrap();
    cache.room_read("r", 5, "me").unwrap().expect("read");
    let held = cache.put_room_summary(marked, "me").unwrap();
    assert_eq!(
        (held.marked_unread, held.read_seq, held.unread_count),
        (false, 5, 0)
    );
    // A summary from after the read, marked again, counts.
    let again = RoomSummary {
        marked_unread: true,
        ..summary("r", 5, 0, 5)
    };
    assert!(cache.put_room_summary(again, "me").unwrap().marked_unread);
}

#[test]
fn a_followed_room_moves_its_summary_on_and_an_older_summary_never_wins() {
    let mut cache = Cache::in_memory().unwrap();
    cache.put_room_summary(summary("r", 2, 1, 1), "me").unwrap();
    // Events of a joined room move the summary on: others' messages count, one's own
    // do not; an edit of the last message changes the preview; a delete uncounts.
    for (seq, sender) in [(3, "bob"), (4, "me"), (5, "bob")] {
        let frame = ServerFrame::Message(message("r", seq, sender, &format!("text {seq}")));
        cache.apply(&frame, None).unwrap();
        cache.room_event_seen(&frame, "me").unwrap();
    }
    let held = cache.room_summary("r").unwrap().unwrap();
    assert_eq!((held.last_seq, held.unread_count), (5, 3));
    assert_eq!(held.last_message.as_ref().unwrap().content, "text 5");
    let edit = ServerFrame::MessageEdited {
        room_id: "r".into(),
        seq: 6,
        message_id: "m5".into(),
        sender_id: "bob".into(),
        content: "text 5, edited".into(),
        edited_at: 2_000,
    };
    cache.apply(&edit, None).unwrap();
    cache.room_event_seen(&edit, "me").unwrap();
    let delete = ServerFrame::MessageDeleted {
        room_id: "r".into(),
        seq: 7,
        message_id: "m5".into(),
        sender_id: "bob".into(),
        deleted_at: 2_001,
        deleted_by: None,
    };
    cache.apply(&delete, None).unwrap();
    let held = cache.room_event_seen(&delete, "me").unwrap().unwrap();
    assert_eq!((held.last_seq, held.unread_count), (7, 2));
    assert_eq!(
        held.last_message.as_ref().unwrap().content,
        "text 4",
        "the newest message left"
    );
    assert!(
        cache.room_event_seen(&delete, "me").unwrap().is_none(),
        "seen once"
    );

    // A summary from before those events (fetched earlier, delivered late) does not
    // replace them, but one with a read position that moved does, with the messages
    // held beyond it added on.
    let stale = cache.put_room_summary(summary("r", 2, 1, 1), "me").unwrap();
    assert_eq!(stale.last_seq, 7);
    let read = cache.put_room_summary(summary("r", 4, 0, 4), "me").unwrap();
    assert_eq!((read.last_seq, read.read_seq, read.unread_count), (7, 4, 0));

    // Reading on this device moves the badge at once.
    cache.put_room_summary(summary("r", 9, 3, 4), "me").unwrap();
    for seq in 8..=9 {
        cache
            .apply(
                &ServerFrame::Message(message("r", seq, "bob", "later")),
                None,
            )
            .unwrap();
    }
    let moved = cache.room_read("r", 8, "me").unwrap().unwrap();
    assert_eq!((moved.read_seq, moved.unread_count), (8, 1));
    assert!(
        cache.room_read("r", 8, "me").unwrap().is_none(),
        "not backwards"
    );
    assert!(cache.room_read("unknown", 3, "me").unwrap().is_none());
}

#[test]
fn a_blocked_users_messages_are_not_unread_nor_the_rooms_last_message() {
    let mut cache = Cache::in_memory().unwrap();
    cache.set_blocked("troll", true).unwrap();
    cache.put_room_summary(summary("r", 1, 0, 1), "me").unwrap();
    for (seq, sender) in [(2, "bob"), (3, "troll"), (4, "troll")] {
        let frame = ServerFrame::Message(message("r", seq, sender, &format!("text {seq}")));
        cache.apply(&frame, None).unwrap();
        cache.room_event_seen(&frame, "me").unwrap();
    }
    let held = cache.room_summary("r").unwrap().unwrap();
    assert_eq!(
        (held.last_seq, held.unread_count),
        (4, 1),
        "bob's one message"
    );
    assert_eq!(held.last_message.as_ref().unwrap().content, "text 2");
    assert_eq!(held.last_activity_at, 1_004, "still activity");

    // Deleting a blocked user's message uncounts nothing; deleting bob's leaves no
    // visible message to preview.
    for (seq, id, sender) in [(5, "m4", "troll"), (6, "m2", "bob")] {
        let delete = ServerFrame::MessageDeleted {
            room_id: "r".into(),
            seq,
            message_id: id.into(),
            sender_id: sender.into(),
            deleted_at: 2_000,
            deleted_by: None,
        };
        cache.apply(&delete, None).unwrap();
        cache.room_event_seen(&delete, "me").unwrap();
    }
    let held = cache.room_summary("r").unwrap().unwrap();
    assert_eq!((held.last_seq, held.unread_count), (6, 0));
    assert_eq!(held.last_message, None, "troll's message 3 is never shown");

    // A summary from the server behind what is held: the held messages beyond it are
    // added on, the blocked user's uncounted; reading counts only bob's.
    cache
        .apply(
            &ServerFrame::Message(message("r", 7, "troll", "later")),
            None,
        )
        .unwrap();
    cache
        .apply(
            &ServerFrame::Message(message("r", 8, "bob", "bob later")),
            None,
        )
        .unwrap();
    let merged = cache.put_room_summary(summary("r", 6, 0, 1), "me").unwrap();
    assert_eq!((merged.last_seq, merged.unread_count), (8, 1));
    assert_eq!(merged.last_message.as_ref().unwrap().content, "bob later");
    cache.put_room_summary(summary("r", 8, 2, 1), "me").unwrap();
    let read = cache.room_read("r", 6, "me").unwrap().unwrap();
    assert_eq!(read.unread_count, 1, "bob's message 8; troll's 7 not");
}

#[test]
fn a_list_recounted_after_a_block_replaces_summaries_even_further_on() {
    let mut cache = Cache::in_memory().unwrap();
    cache.put_room_summary(summary("r", 1, 0, 1), "me").unwrap();
    for (seq, sender) in [(2, "troll"), (3, "bob"), (4, "troll")] {
        let frame = ServerFrame::Message(message("r", seq, sender, &format!("text {seq}")));
        cache.apply(&frame, None).unwrap();
        cache.room_event_seen(&frame, "me").unwrap();
    }
    assert_eq!(cache.room_summary("r").unwrap().unwrap().unread_count, 3);

    // Troll blocked; the server's list was read before message 4 was committed.
    cache.set_blocked("troll", true).unwrap();
    let read_before = summary("r", 3, 1, 1);
    let kept = cache.put_room_summary(read_before.clone(), "me").unwrap();
    assert_eq!(kept.unread_count, 3, "an ordinary read never goes back");
    cache
        .put_recounted_room_list(vec![read_before], "me")
        .unwrap();
    let recounted = cache.room_summary("r").unwrap().unwrap();
    assert_eq!(
        (recounted.last_seq, recounted.unread_count),
        (4, 1),
        "the recount wins; troll's message 4, held beyond it, stays uncounted"
    );
}

#[test]
fn pictures_move_with_profile_and_settings_changes_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let member = |user: &str, avatar: Option<&str>| RoomMember {
        user_id: user.into(),
        username: user.into(),
        display_name: user.into(),
        role: MemberRole::Member,
        joined_at: 1,
        avatar_id: avatar.map(Into::into),
    };
    {
        let mut cache = Cache::open(&path).unwrap();
        for room in ["r", "s"] {
            let members = [member("ann", Some("p1")), member("bob", None)];
            cache.put_members(room, &members).unwrap();
        }
        cache.put_room_summary(summary("r", 2, 0, 2), "me").unwrap();
        // Ann's new name and picture show in every room she is cached in.
        let updated = ServerFrame::UserUpdated {
            user_id: "ann".into(),
            username: "ann".into(),
            display_name: "Ann".into(),
            avatar_id: Some("p2".into()),
        };
        cache.apply(&updated, None).unwrap();
        // The room's own picture, set and then removed.
        for (seq, avatar) in [(3, "cover"), (4, "")] {
            let changed = ServerFrame::RoomChanged(RoomChanged {
                room_id: "r".into(),
                seq,
                name: None,
                topic: None,
                who_can_add: None,
                avatar_id: Some(avatar.into()),
                by: "ann".into(),
                created_at: 5,
            });
            cache.apply(&changed, None).unwrap();
            let held = cache.room_event_seen(&changed, "me").unwrap().unwrap();
            let want = Some(avatar).filter(|id| !id.is_empty());
            assert_eq!(held.avatar_id.as_ref().map(|id| id.as_str()), want);
        }
    }
    let cache = Cache::open(&path).unwrap();
    for room in ["r", "s"] {
        let members = cache.members(room).unwrap();
        let shown: Vec<(&str, Option<&str>)> = members
            .iter()
            .map(|m| {
                (
                    m.display_name.as_str(),
                    m.avatar_id.as_ref().map(|id| id.as_str()),
                )
            })
            .collect();
        assert_eq!(shown, [("Ann", Some("p2")), ("bob", None)], "room {room}");
    }
    let notices = cache.notices("r", None, 10).unwrap();
    assert!(
        matches!(&notices[0].change, NoticeChange::Settings { avatar_id: Some(id), .. } if id == "cover"),
        "{notices:?}"
    );
}
