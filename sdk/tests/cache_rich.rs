//! The cache's rich messages on real files: reaction counts and pins from room events
//! (replays change nothing), changes queued offline shown at once and kept across
//! reopening, and local full-text search.

use chat_protocol::v1::{Message, MessagePinned, Reaction, ServerFrame};
use chat_sdk::cache::{Cache, CacheError};
use chat_sdk::core::{Change, Target};

fn message(seq: u64, sender: &str, content: &str) -> Message {
    Message {
        room_id: "r".into(),
        seq,
        message_id: format!("m{seq}").into(),
        client_msg_id: format!("c{seq}"),
        sender_id: sender.into(),
        content: content.into(),
        created_at: 1_000 + i64::try_from(seq).unwrap(),
        ..Message::default()
    }
}

fn reaction(seq: u64, message: &str, user: &str, emoji: &str, on: bool) -> ServerFrame {
    ServerFrame::Reaction(Reaction {
        room_id: "r".into(),
        seq,
        message_id: message.into(),
        user_id: user.into(),
        emoji: emoji.into(),
        on,
        created_at: 2_000,
    })
}

fn pinned(seq: u64, message: &str, pinned: bool) -> ServerFrame {
    ServerFrame::MessagePinned(MessagePinned {
        room_id: "r".into(),
        seq,
        message_id: message.into(),
        pinned,
        by: "owner".into(),
        created_at: 3_000,
    })
}

/// Message `id`'s reactions as (emoji, count, mine) for `me`.
fn reactions(cache: &Cache, id: &str, me: &str) -> Vec<(String, u64, bool)> {
    cache
        .messages("r", me, None, 50)
        .unwrap()
        .into_iter()
        .find(|m| m.message_id.as_deref() == Some(id))
        .unwrap()
        .reactions
        .into_iter()
        .map(|r| (r.emoji, r.count, r.mine))
        .collect()
}

fn r(emoji: &str, count: u64, mine: bool) -> (String, u64, bool) {
    (emoji.to_owned(), count, mine)
}

#[test]
fn reaction_counts_and_pins_follow_room_events_and_a_replay_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let events = [
        ServerFrame::Message(message(1, "ann", "hello")),
        reaction(2, "m1", "bob", "👍", true),
        reaction(3, "m1", "me", ":tada:", true),
        reaction(4, "m1", "carol", "👍", true),
        reaction(5, "m1", "bob", "👍", false),
        pinned(6, "m1", true),
    ];
    {
        let mut cache = Cache::open(&path).unwrap();
        for event in events.iter().chain(events.iter()) {
            cache.apply(event, None).unwrap();
        }
        assert_eq!(
            reactions(&cache, "m1", "me"),
            [r("👍", 1, false), r(":tada:", 1, true)],
            "emoji in the order first used; each user once"
        );
        assert_eq!(reactions(&cache, "m1", "carol")[0], r("👍", 1, true));
    }
    let mut cache = Cache::open(&path).unwrap();
    assert_eq!(reactions(&cache, "m1", "me").len(), 2, "kept on disk");
    let pins = cache.pinned_messages("r", "me").unwrap();
    assert_eq!(pins.len(), 1);
    assert!(pins[0].pinned && pins[0].content == "hello");
    cache
        .apply(&reaction(7, "m1", "carol", "👍", false), None)
        .unwrap();
    cache.apply(&pinned(8, "m1", false), None).unwrap();
    assert_eq!(
        reactions(&cache, "m1", "me"),
        [r(":tada:", 1, true)],
        "an emoji nobody uses any more leaves the list"
    );
    assert!(cache.pinned_messages("r", "me").unwrap().is_empty());
    // Deleting a message drops its reactions and pin.
    cache.apply(&pinned(9, "m1", true), None).unwrap();
    cache
        .apply(
            &ServerFrame::MessageDeleted {
                room_id: "r".into(),
                seq: 10,
                message_id: "m1".into(),
                sender_id: "ann".into(),
                deleted_at: 20,
                deleted_by: None,
            },
            None,
        )
        .unwrap();
    let deleted = &cache.messages("r", "me", None, 50).unwrap()[0];
    assert!(deleted.deleted && deleted.reactions.is_empty() && !deleted.pinned);
    assert!(cache.pinned_messages("r", "me").unwrap().is_empty());
}

#[test]
fn changes_queued_offline_show_at_once_survive_reopening_and_leave_when_done() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let ids: Vec<String> = {
        let mut cache = Cache::open(&path).unwrap();
        cache
            .apply(&ServerFrame::Message(message(1, "me", "first")), None)
            .unwrap();
        let target = || Target::Message("m1".into());
        [
            Change::Edit {
                target: target(),
                content: "first, edited".into(),
            },
            Change::React {
                target: target(),
                emoji: "👍".into(),
                on: true,
            },
            Change::Pin {
                target: target(),
                pinned: true,
            },
        ]
        .into_iter()
        .map(|change| cache.enqueue_change("r", change, 5).unwrap().client_msg_id)
        .collect()
    };
    let mut cache = Cache::open(&path).unwrap();
    let queued: Vec<String> = cache
        .outbox()
        .unwrap()
        .into_iter()
        .map(|(entry, _)| entry.client_msg_id)
        .collect();
    assert_eq!(queued, ids, "in the order made");
    let shown = &cache.messages("r", "me", None, 50).unwrap()[0];
    assert_eq!(shown.content, "first, edited");
    assert!(shown.pinned);
    assert_eq!(reactions(&cache, "m1", "me"), [r("👍", 1, true)]);

    // The server confirms: its events arrive, the changes leave the outbox, and the
    // message shows once as the server has it (no double count).
    cache
        .apply(
            &ServerFrame::MessageEdited {
                room_id: "r".into(),
                seq: 2,
                message_id: "m1".into(),
                sender_id: "me".into(),
                content: "first, edited".into(),
                edited_at: 10,
            },
            None,
        )
        .unwrap();
    cache
        .apply(&reaction(3, "m1", "me", "👍", true), None)
        .unwrap();
    cache.apply(&pinned(4, "m1", true), None).unwrap();
    for id in &ids {
        cache.finish_change(id).unwrap();
    }
    assert!(cache.outbox().unwrap().is_empty());
    let shown = &cache.messages("r", "me", None, 50).unwrap()[0];
    assert_eq!(shown.content, "first, edited");
    assert!(shown.pinned);
    assert_eq!(reactions(&cache, "m1", "me"), [r("👍", 1, true)]);
}

#[test]
fn a_refused_change_leaves_the_message_as_the_server_has_it() {
    let mut cache = Cache::in_memory().unwrap();
    cache
        .apply(&ServerFrame::Message(message(1, "ann", "theirs")), None)
        .unwrap();
    let pin = cache
        .enqueue_change(
            "r",
            Change::Pin {
                target: Target::Message("m1".into()),
                pinned: true,
            },
            5,
        )
        .unwrap();
    assert!(cache.messages("r", "me", None, 50).unwrap()[0].pinned);
    cache.finish_change(&pin.client_msg_id).unwrap();
    assert!(!cache.messages("r", "me", None, 50).unwrap()[0].pinned);
}

#[test]
fn local_search_matches_word_prefixes_follows_edits_and_deletes_and_refuses_bad_queries() {
    let mut cache = Cache::in_memory().unwrap();
    for (seq, text) in [
        (1, "Deploy on Friday?"),
        (2, "deployment went fine"),
        (3, "unrelated"),
        (4, "Déploiement demain"),
    ] {
        cache
            .apply(&ServerFrame::Message(message(seq, "ann", text)), None)
            .unwrap();
    }
    let found = |cache: &Cache, query: &str| -> Vec<u64> {
        cache
            .search(query, None, 10, "me")
            .unwrap()
            .into_iter()
            .map(|m| m.seq.unwrap())
            .collect()
    };
    assert_eq!(found(&cache, "DEPLOY"), [2, 1], "newest first, any case");
    assert_eq!(found(&cache, "deploy friday"), [1], "every word");
    assert_eq!(found(&cache, "déploiement"), [4]);
    assert_eq!(
        found(&cache, "\"*deploy* ("),
        [2, 1],
        "query syntax is text"
    );
    cache
        .apply(
            &ServerFrame::MessageEdited {
                room_id: "r".into(),
                seq: 5,
                message_id: "m3".into(),
                sender_id: "ann".into(),
                content: "deploy again".into(),
                edited_at: 10,
            },
            None,
        )
        .unwrap();
    cache
        .apply(
            &ServerFrame::MessageDeleted {
                room_id: "r".into(),
                seq: 6,
                message_id: "m1".into(),
                sender_id: "ann".into(),
                deleted_at: 20,
                deleted_by: None,
            },
            None,
        )
        .unwrap();
    assert_eq!(
        found(&cache, "deploy"),
        [3, 2],
        "the edit found, the delete gone"
    );
    for bad in ["", "   ", "*()", &"a".repeat(201)] {
        assert!(
            matches!(cache.search(bad, None, 10, "me"), Err(CacheError::Query(_))),
            "{bad:?}"
        );
    }
}
