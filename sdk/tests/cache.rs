//! The SQLite cache on real files: idempotent applies, the outbox across reopen,
//! statuses from receipts.

use chat_protocol::v1::{
    ErrorCode, MemberReceipts, Message, ReceiptKind, RoomVisibility, ServerFrame,
};
use chat_sdk::cache::{Cache, MessageStatus};

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
            .map(|text| cache.enqueue("r", "me", text, 5).unwrap().client_msg_id)
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
    let echo = cache.enqueue("r", "me", "hello", 5).unwrap();
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
    let a = cache.enqueue("r", "me", "too long", 1).unwrap();
    let b = cache.enqueue("r", "me", "fine", 2).unwrap();
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
    let echo = cache.enqueue("r", "me", "hello", 5).unwrap();
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
    let a = cache.enqueue("r", "me", "a", 1).unwrap();
    let b = cache.enqueue("r", "me", "b", 2).unwrap();
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
