//! The store's own test suite, run against every backend: SQLite (a fresh file) by
//! default, PostgreSQL (a fresh database) with `CHAT_TEST_STORE=postgres` under
//! `pg_virtualenv` (scripts/postgres-test.sh). Each test opens a store of its own.

use std::sync::{Arc, Mutex};

use chat_protocol::v1::{ReceiptKind, RoomVisibility};
use tempfile::TempDir;

use super::*;

/// A store under test, with what it was opened on and the events its writer announced.
pub(super) struct Opened {
    pub(super) store: Arc<dyn Store>,
    /// `(room, seq)` of every event handed to the commit hook, in order.
    announced: Arc<Mutex<Vec<(String, u64)>>>,
    pub(super) _dir: TempDir,
}

/// Batches of 64, and commits at least 2 ms apart under load (so that the store's
/// rules are also checked with writes gathered into a commit while they wait). SQLite's
/// writer leaves new messages to a search to index (its passes have tests of their
/// own), so that every search test also checks a search's own catching up.
pub(super) fn test_commit() -> GroupCommit {
    GroupCommit {
        max_batch: 64,
        min_interval: std::time::Duration::from_millis(2),
        search_index_interval: std::time::Duration::from_secs(3600),
    }
}

/// A SQLite store on `chat.db` in `dir`, announcing its commits to no one.
pub(super) async fn sqlite_store_in(dir: &std::path::Path) -> SqliteStore {
    let url = format!("sqlite://{}", dir.join("chat.db").display());
    SqliteStore::open(
        &url,
        test_commit(),
        EventOutbox::default(),
        Arc::new(|_| {}),
    )
    .await
    .expect("open the SQLite store")
}

pub(super) async fn open() -> Opened {
    open_with(EventOutbox::default()).await
}

async fn open_with(outbox: EventOutbox) -> Opened {
    let dir = tempfile::tempdir().expect("temp dir");
    let announced = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&announced);
    let on_commit: OnCommit = Arc::new(move |event: NewEvent<'_>| {
        let entry = (event.room_id().to_owned(), event.seq());
        log.lock().expect("log").push(entry);
    });
    let store: Arc<dyn Store> = match crate::testing::postgres_database(dir.path()).await {
        Some(url) => Arc::new(
            PostgresStore::open(&url, test_commit(), outbox, on_commit)
                .await
                .expect("open the PostgreSQL store"),
        ),
        None => {
            let url = format!("sqlite://{}", dir.path().join("chat.db").display());
            Arc::new(
                SqliteStore::open(&url, test_commit(), outbox, on_commit)
                    .await
                    .expect("open the SQLite store"),
            )
        }
    };
    Opened {
        store,
        announced,
        _dir: dir,
    }
}

/// `by` adds `user_id` to the room (the membership change every join and add makes).
pub(super) async fn add_member(
    store: &dyn Store,
    room_id: &str,
    user_id: &str,
    by: &str,
    now: i64,
) {
    let write = MembershipWrite {
        room_id: room_id.to_owned(),
        actor: by.to_owned(),
        action: MembershipAction::Add {
            user_id: user_id.to_owned(),
        },
        now,
    };
    store.change_membership(write).await.expect("add a member");
}

pub(super) async fn user(store: &dyn Store, id: &str) {
    let record = UserRecord {
        id: id.to_owned(),
        username: format!("name-{id}"),
        password_hash: None,
        display_name: None,
        avatar_id: None,
    };
    store.create_user(&record, 1).await.expect("create user");
}

pub(super) async fn room(
    store: &dyn Store,
    id: &str,
    creator: &str,
    members: &[&str],
) -> RoomRecord {
    let new = NewRoom {
        id: id.to_owned(),
        name: format!("room {id}"),
        visibility: RoomVisibility::Private,
        creator: creator.to_owned(),
        members: members.iter().map(|m| (*m).to_owned()).collect(),
        now: 10,
    };
    store.create_room(new).await.expect("create room").0
}

pub(super) fn message(
    room_id: &str,
    sender_id: &str,
    client_msg_id: &str,
    content: &str,
) -> NewMessage {
    NewMessage {
        room_id: room_id.to_owned(),
        sender_id: sender_id.to_owned(),
        client_msg_id: client_msg_id.to_owned(),
        content: content.to_owned(),
        reply_to: None,
        mentions: Vec::new(),
        attachments: Vec::new(),
        now: 100,
        origin: Some(7),
    }
}

pub(super) fn change(
    room_id: &str,
    user_id: &str,
    message_id: &str,
    action: ChangeAction,
) -> MessageChange {
    MessageChange {
        room_id: room_id.to_owned(),
        user_id: user_id.to_owned(),
        message_id: message_id.to_owned(),
        action,
        now: 200,
    }
}

/// Ann and Bob share room `r`; Cid is in no room.
async fn ann_and_bob() -> Opened {
    let opened = open().await;
    for id in ["ann", "bob", "cid"] {
        user(opened.store.as_ref(), id).await;
    }
    room(opened.store.as_ref(), "r", "ann", &["bob"]).await;
    opened
}

#[tokio::test]
async fn usernames_are_unique_regardless_of_case_and_found_the_same_way() {
    let Opened { store, _dir, .. } = open().await;
    let ann = UserRecord {
        id: "u1".into(),
        username: "Ann".into(),
        password_hash: Some("hash".into()),
        display_name: None,
        avatar_id: None,
    };
    store.create_user(&ann, 1).await.unwrap();
    let twin = UserRecord {
        id: "u2".into(),
        username: "aNN".into(),
        password_hash: None,
        display_name: None,
        avatar_id: None,
    };
    assert!(matches!(
        store.create_user(&twin, 1).await,
        Err(Error::UsernameTaken)
    ));
    let found = store.user_by_name("ANN").await.unwrap().expect("found");
    assert_eq!((found.id.as_str(), found.username.as_str()), ("u1", "Ann"));
    assert_eq!(found.password_hash.as_deref(), Some("hash"));
    assert!(store.user_by_name("nobody").await.unwrap().is_none());
    assert!(store.user_exists("u1").await.unwrap());
    assert!(!store.user_exists("u2").await.unwrap());

    // An external user gets a row once; a name taken (in any case) is refused.
    assert!(store.ensure_external_user("ext", "Eve", 1).await.unwrap());
    assert!(store.ensure_external_user("ext", "Eve", 2).await.unwrap());
    assert!(!store.ensure_external_user("ext2", "ann", 1).await.unwrap());
    assert!(!store.user_exists("ext2").await.unwrap());
}

/// `count` users asking at the same moment to be added to private room `r` by its
/// owner, and `outsider` asking to join it by themself (refused: the room is private).
/// Returns each change's outcome, the outsider's last.
pub(super) async fn burst_of_joins(
    store: &Arc<dyn Store>,
    count: usize,
) -> Vec<Result<Vec<CommittedEvent>>> {
    let writes = joins_for_a_burst(store, count).await;
    answers(all_at_once(store, writes)).await
}

/// The users and the room of [`burst_of_joins`], and its changes, not made yet.
pub(super) async fn joins_for_a_burst(
    store: &Arc<dyn Store>,
    count: usize,
) -> Vec<MembershipWrite> {
    user(&**store, "owner").await;
    user(&**store, "outsider").await;
    room(&**store, "r", "owner", &[]).await;
    let mut changes = Vec::new();
    for i in 0..count {
        let id = format!("joiner-{i}");
        user(&**store, &id).await;
        changes.push(MembershipWrite {
            room_id: "r".into(),
            actor: "owner".into(),
            action: MembershipAction::Add { user_id: id },
            now: 20,
        });
    }
    changes.push(MembershipWrite {
        room_id: "r".into(),
        actor: "outsider".into(),
        action: MembershipAction::Add {
            user_id: "outsider".into(),
        },
        now: 20,
    });
    changes
}

/// Each of `writes` made in a task of its own, all started at once.
pub(super) fn all_at_once(
    store: &Arc<dyn Store>,
    writes: Vec<MembershipWrite>,
) -> Vec<tokio::task::JoinHandle<Result<Vec<CommittedEvent>>>> {
    writes
        .into_iter()
        .map(|write| {
            let store = Arc::clone(store);
            tokio::spawn(async move { store.change_membership(write).await })
        })
        .collect()
}

/// What each task answered, in order.
pub(super) async fn answers<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("no write panics"));
    }
    outcomes
}

/// A burst of membership changes (a class joining at once): every allowed change
/// commits with a seq of its own, together one gap-free run of the room's seqs, and a
/// refused change among them gets its own refusal and changes nothing.
#[tokio::test]
async fn changes_of_membership_made_at_once_each_get_their_own_seq_and_outcome() {
    let opened = open().await;
    let mut outcomes = burst_of_joins(&opened.store, 40).await;
    let outsider = outcomes.pop().expect("the outsider's outcome");
    assert!(
        matches!(outsider, Err(Error::Refused(Refusal::PrivateRoom))),
        "{outsider:?}"
    );
    let mut seqs: Vec<u64> = outcomes
        .into_iter()
        .map(|outcome| {
            let events = outcome.expect("the owner may add anyone");
            assert_eq!(events.len(), 1, "one member_changed per join");
            events[0].seq
        })
        .collect();
    seqs.sort_unstable();
    let first = seqs[0];
    assert_eq!(seqs, (first..first + 40).collect::<Vec<_>>());
    let members = opened.store.members("r").await.expect("members");
    assert_eq!(members.len(), 41, "the owner and the 40 joiners");
    assert!(members.iter().all(|m| m.user_id.as_str() != "outsider"));
    let replayed = opened
        .store
        .events_after("r", first - 1, 100)
        .await
        .expect("replay");
    assert_eq!(
        replayed.iter().map(|e| e.seq).collect::<Vec<_>>(),
        seqs,
        "the replay holds exactly the joins"
    );
}

#[tokio::test]
async fn rooms_memberships_and_the_direct_room_of_a_pair() {
    let Opened { store, _dir, .. } = open().await;
    for id in ["ann", "bob", "cid"] {
        user(store.as_ref(), id).await;
    }
    let first = room(store.as_ref(), "r1", "ann", &["bob"]).await;
    assert_eq!((first.id.as_str(), first.last_seq), ("r1", 0));
    let public = NewRoom {
        id: "r2".into(),
        name: "lobby".into(),
        visibility: RoomVisibility::Public,
        creator: "bob".into(),
        members: vec![],
        now: 20,
    };
    store.create_room(public).await.unwrap();

    let direct = |id: &str, creator: &str, other: &str| NewRoom {
        id: id.into(),
        name: String::new(),
        visibility: RoomVisibility::Direct,
        creator: creator.into(),
        members: vec![other.into()],
        now: 30,
    };
    let (made, created) = store.create_room(direct("d1", "ann", "cid")).await.unwrap();
    assert!(created);
    // The same pair, either way round, finds the same room.
    let (again, created) = store.create_room(direct("d2", "cid", "ann")).await.unwrap();
    assert!(!created);
    assert_eq!(again.id, made.id);
    assert!(store.room("d2").await.unwrap().is_none());

    let ann_rooms: Vec<String> = store
        .room_list("ann", None, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.room.id)
        .collect();
    assert_eq!(ann_rooms, ["d1", "r1"], "the latest joined first");
    let public: Vec<String> = store
        .public_rooms("ann", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.room.id)
        .collect();
    assert_eq!(public, ["r2"]);

    assert!(store.is_member("r1", "bob").await.unwrap());
    assert!(!store.is_member("r1", "cid").await.unwrap());
    let (room, bob_is_member) = store.room_for("r1", "bob").await.unwrap().unwrap();
    assert_eq!((room.id.as_str(), bob_is_member), ("r1", true));
    let (_, cid_is_member) = store.room_for("r1", "cid").await.unwrap().unwrap();
    assert!(!cid_is_member);
    assert!(store.room_for("nowhere", "bob").await.unwrap().is_none());
    add_member(store.as_ref(), "r1", "cid", "bob", 40).await;
    add_member(store.as_ref(), "r1", "cid", "bob", 41).await;
    let members: Vec<String> = store
        .members("r1")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.user_id.into_string())
        .collect();
    assert_eq!(members, ["ann", "bob", "cid"], "in the order they joined");
    let mut co = store.co_members("cid").await.unwrap();
    co.sort();
    assert_eq!(co, ["ann", "bob"]);
    let circle = store.known_user_circle("cid").await.unwrap().unwrap();
    assert_eq!(circle.co_members, co, "one read gives the same co-members");
    assert_eq!(circle.rooms, ["d1", "r1"], "and the user's rooms");
    user(store.as_ref(), "eve").await;
    assert_eq!(
        store.known_user_circle("eve").await.unwrap(),
        Some(Circle::default()),
        "a user in no room exists and shares no room"
    );
    assert_eq!(store.known_user_circle("nobody").await.unwrap(), None);
}

#[tokio::test]
async fn sends_get_gap_free_seqs_and_a_resend_gets_the_stored_message() {
    let Opened {
        store,
        announced,
        _dir,
    } = ann_and_bob().await;
    let first = store
        .send(message("r", "ann", "c1", "hello"))
        .await
        .unwrap();
    assert!(!first.duplicate);
    assert_eq!(first.message.seq, 1);
    let second = store.send(message("r", "bob", "c1", "hi")).await.unwrap();
    assert_eq!(second.message.seq, 2, "client ids are per sender");
    let resent = store
        .send(message("r", "ann", "c1", "hello"))
        .await
        .unwrap();
    assert!(resent.duplicate);
    assert_eq!(resent.message, first.message);
    assert_eq!(store.room("r").await.unwrap().unwrap().last_seq, 2);
    // The hook heard of each new message once, in seq order, and of no resend.
    assert_eq!(
        *announced.lock().unwrap(),
        [("r".to_owned(), 1), ("r".to_owned(), 2)]
    );

    // A resend whose answer was lost before its sender left still gets that answer.
    let leave = MembershipWrite {
        room_id: "r".to_owned(),
        actor: "bob".to_owned(),
        action: MembershipAction::Leave,
        now: 2,
    };
    store.change_membership(leave).await.expect("bob leaves");
    let resent_after_leaving = store.send(message("r", "bob", "c1", "hi")).await.unwrap();
    assert!(resent_after_leaving.duplicate);
    assert_eq!(resent_after_leaving.message, second.message);
    let new_after_leaving = store.send(message("r", "bob", "c2", "hi")).await;
    assert!(format!("{:?}", new_after_leaving.expect_err("not a member")).starts_with("NotMember"));
}

#[tokio::test]
async fn sends_the_data_does_not_allow_are_refused_and_change_nothing() {
    let Opened { store, _dir, .. } = ann_and_bob().await;
    room(store.as_ref(), "other", "ann", &[]).await;
    store
        .send(message("r", "ann", "c1", "hello"))
        .await
        .unwrap();

    let refusals = [
        (message("nowhere", "ann", "c2", "x"), "NoSuchRoom"),
        (message("r", "cid", "c2", "x"), "NotMember"),
        (message("other", "ann", "c1", "x"), "ClientMsgIdInOtherRoom"),
    ];
    for (write, expected) in refusals {
        let refused = store.send(write).await.expect_err("refused");
        assert!(format!("{refused:?}").starts_with(expected), "{refused:?}");
    }
    assert_eq!(store.room("r").await.unwrap().unwrap().last_seq, 1);
    assert_eq!(store.room("other").await.unwrap().unwrap().last_seq, 0);
}

#[tokio::test]
async fn edits_and_deletes_are_room_events_replayed_in_order() {
    let Opened { store, _dir, .. } = ann_and_bob().await;
    let sent = store.send(message("r", "ann", "c1", "helo")).await.unwrap();
    let id = sent.message.message_id.clone();

    let edited = store
        .change(change("r", "ann", &id, ChangeAction::Edit("hello".into())))
        .await
        .unwrap();
    assert_eq!((edited.room_id.as_str(), edited.seq), ("r", 2));
    assert!(matches!(&edited.kind, EventKind::Edited { content, .. } if content == "hello"));

    let refused = [
        (change("r", "bob", &id, ChangeAction::Delete), "NotSender"),
        (
            change("r", "ann", "missing", ChangeAction::Delete),
            "NoSuchMessage",
        ),
        (change("r", "cid", &id, ChangeAction::Delete), "NotMember"),
        (
            change("gone", "ann", &id, ChangeAction::Delete),
            "NoSuchRoom",
        ),
    ];
    for (write, expected) in refused {
        let refusal = store.change(write).await.expect_err("refused");
        assert!(format!("{refusal:?}").starts_with(expected), "{refusal:?}");
    }

    let deleted = store
        .change(change("r", "ann", &id, ChangeAction::Delete))
        .await
        .unwrap();
    assert_eq!(deleted.seq, 3);
    let again = store
        .change(change("r", "ann", &id, ChangeAction::Edit("back".into())))
        .await
        .expect_err("a deleted message stays deleted");
    assert!(matches!(again, Error::MessageDeleted));

    // The log replays all three; the delete erased the text from every one of them.
    let events = store.events_after("r", 0, 10).await.unwrap();
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert!(matches!(&events[0].kind, EventKind::Message(m) if m.content.is_empty()));
    assert!(matches!(&events[1].kind, EventKind::Edited { content, .. } if content.is_empty()));
    assert!(matches!(events[2].kind, EventKind::Deleted { .. }));
    assert_eq!(store.events_after("r", 2, 10).await.unwrap().len(), 1);

    let page = store.messages("r", PageRange::Latest, 10).await.unwrap();
    assert_eq!(page.messages.len(), 1);
    assert!(page.messages[0].deleted && page.messages[0].content.is_empty());
}

/// A replay reads new messages from their rows and edits and deletes from the log, in
/// one seq order, each once: also where the log repeats a message (PostgreSQL writes
/// that row still, and SQLite databases of earlier versions hold them).
#[tokio::test]
async fn a_replay_merges_messages_and_their_changes_in_seq_order() {
    let Opened {
        store, _dir: dir, ..
    } = ann_and_bob().await;
    let mut ids = Vec::new();
    for n in 1..=5 {
        let sent = store
            .send(message("r", "ann", &format!("c{n}"), &format!("m{n}")))
            .await
            .unwrap();
        ids.push(sent.message.message_id);
    }
    let edit = ChangeAction::Edit("m2 again".into());
    store
        .change(change("r", "ann", &ids[1], edit))
        .await
        .unwrap();
    store.send(message("r", "bob", "c7", "m7")).await.unwrap();
    store
        .change(change("r", "ann", &ids[3], ChangeAction::Delete))
        .await
        .unwrap();
    let sqlite_file = dir.path().join("chat.db");
    if sqlite_file.exists() {
        // This version logs no `message` row; one from an earlier version must not
        // be replayed twice.
        let conn = rusqlite::Connection::open(&sqlite_file).unwrap();
        let logged: i64 = conn
            .query_row(
                "SELECT count(*) FROM room_events WHERE kind = 'message'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(logged, 0, "a new message is only its `messages` row");
        conn.execute(
            "INSERT INTO room_events (room_id, seq, kind, message_id, sender_id, content, created_at)
             VALUES ('r', 1, 'message', ?1, 'ann', 'm1', 1)",
            [ids[0].as_str()],
        )
        .unwrap();
    }

    let describe = |events: Vec<CommittedEvent>| -> Vec<(u64, String)> {
        events
            .into_iter()
            .map(|e| {
                let what = match e.kind {
                    EventKind::Message(m) => format!("message {}", m.content),
                    EventKind::Edited { content, .. } => format!("edit {content}"),
                    EventKind::Deleted { .. } => "delete".to_owned(),
                    EventKind::Member(m) => format!("member {:?}", m.change),
                    EventKind::Room(_) => "room".to_owned(),
                    EventKind::Reaction(r) => format!("reaction {}", r.emoji),
                    EventKind::Pinned(p) => format!("pin {}", p.pinned),
                };
                (e.seq, what)
            })
            .collect()
    };
    let all = describe(store.events_after("r", 0, 100).await.unwrap());
    let expected: Vec<(u64, String)> = [
        "message m1",
        // A replayed message carries its current text; its edit follows.
        "message m2 again",
        "message m3",
        // Deleted: the text is gone from the message and from the log.
        "message ",
        "message m5",
        "edit m2 again",
        "message m7",
        "delete",
    ]
    .iter()
    .zip(1..)
    .map(|(what, seq)| (seq, (*what).to_owned()))
    .collect();
    assert_eq!(all, expected);
    // Pages cut anywhere: each event once, in order.
    for (after, limit) in [(0, 3), (3, 2), (5, 2), (6, 10), (8, 5)] {
        let page = describe(store.events_after("r", after, limit).await.unwrap());
        let want: Vec<(u64, String)> = expected
            .iter()
            .filter(|(seq, _)| *seq > after)
            .take(limit as usize)
            .cloned()
            .collect();
        assert_eq!(page, want, "after {after}, limit {limit}");
    }
}

#[tokio::test]
async fn pages_of_messages_in_every_direction() {
    let Opened { store, _dir, .. } = ann_and_bob().await;
    for n in 1..=5 {
        let write = message("r", "ann", &format!("c{n}"), &format!("m{n}"));
        store.send(write).await.unwrap();
    }
    let seqs = |page: &Page| page.messages.iter().map(|m| m.seq).collect::<Vec<_>>();
    let latest = store.messages("r", PageRange::Latest, 2).await.unwrap();
    assert_eq!((seqs(&latest), latest.has_more), (vec![4, 5], true));
    let before = store.messages("r", PageRange::Before(4), 2).await.unwrap();
    assert_eq!((seqs(&before), before.has_more), (vec![2, 3], true));
    let oldest = store.messages("r", PageRange::Before(2), 2).await.unwrap();
    assert_eq!((seqs(&oldest), oldest.has_more), (vec![1], false));
    let after = store.messages("r", PageRange::After(3), 5).await.unwrap();
    assert_eq!((seqs(&after), after.has_more), (vec![4, 5], false));
    let after = store.messages("r", PageRange::After(1), 2).await.unwrap();
    assert_eq!((seqs(&after), after.has_more), (vec![2, 3], true));
}

#[tokio::test]
async fn receipts_only_move_forward_and_read_raises_delivered() {
    let Opened { store, _dir, .. } = ann_and_bob().await;
    assert!(
        store
            .set_receipt("r", "bob", 3, ReceiptKind::Read)
            .await
            .unwrap()
            .advanced
    );
    assert!(
        !store
            .set_receipt("r", "bob", 2, ReceiptKind::Read)
            .await
            .unwrap()
            .advanced
    );
    assert!(
        !store
            .set_receipt("r", "bob", 3, ReceiptKind::Delivered)
            .await
            .unwrap()
            .advanced
    );
    assert!(
        store
            .set_receipt("r", "bob", 5, ReceiptKind::Delivered)
            .await
            .unwrap()
            .advanced
    );
    assert!(
        store
            .set_receipt("r", "ann", 1, ReceiptKind::Delivered)
            .await
            .unwrap()
            .advanced
    );
    let view = store.room_with_members("r").await.unwrap().unwrap();
    assert_eq!(view.room.id, "r");
    let (members, receipts) = (view.members, view.receipts);
    let receipts: Vec<(String, u64, u64)> = receipts
        .into_iter()
        .map(|r| (r.user_id.into_string(), r.delivered_seq, r.read_seq))
        .collect();
    assert_eq!(
        receipts,
        [("ann".to_owned(), 1, 0), ("bob".to_owned(), 5, 3)]
    );
    assert_eq!(members, ["ann", "bob"]);
    // A member with no receipt yet is a member, and has no receipt row.
    user(store.as_ref(), "dan").await;
    add_member(store.as_ref(), "r", "dan", "ann", 20).await;
    let view = store.room_with_members("r").await.unwrap().unwrap();
    assert_eq!(view.members, ["ann", "bob", "dan"]);
    assert_eq!(view.receipts.len(), 2);
    assert!(view.has_member("dan") && !view.has_member("eve"));
    assert!(store.room_with_members("nowhere").await.unwrap().is_none());
}

fn token(hash: &str, family: &str, expires_at: i64) -> RefreshTokenRecord {
    RefreshTokenRecord {
        token_hash: hash.into(),
        family_id: family.into(),
        user_id: "ann".into(),
        created_at: 1,
        expires_at,
    }
}

#[tokio::test]
async fn a_refresh_token_rotates_once_and_its_reuse_revokes_the_family() {
    let Opened { store, _dir, .. } = ann_and_bob().await;
    store
        .start_sign_in(&token("t1", "f", 1_000), None)
        .await
        .unwrap();
    let rotated = store
        .rotate_refresh_token("t1", "t2", 1_000, 10)
        .await
        .unwrap();
    assert_eq!(
        rotated,
        Rotation::Rotated {
            user_id: "ann".into(),
            sign_in: "f".into(),
        }
    );
    // A copy of t1 presented again: the whole family goes, t2 included.
    assert_eq!(
        store
            .rotate_refresh_token("t1", "t3", 1_000, 11)
            .await
            .unwrap(),
        Rotation::Reused
    );
    assert_eq!(
        store
            .rotate_refresh_token("t2", "t4", 1_000, 12)
            .await
            .unwrap(),
        Rotation::Invalid
    );
    assert_eq!(
        store
            .rotate_refresh_token("made-up", "t5", 1_000, 12)
            .await
            .unwrap(),
        Rotation::Invalid
    );

    // Sign-out revokes a family; expiry refuses a token; the purge removes expired ones.
    store
        .start_sign_in(&token("s1", "g", 1_000), None)
        .await
        .unwrap();
    store.revoke_refresh_family("s1", 13, None).await.unwrap();
    assert_eq!(
        store
            .rotate_refresh_token("s1", "s2", 1_000, 14)
            .await
            .unwrap(),
        Rotation::Invalid
    );
    store
        .start_sign_in(&token("e1", "h", 50), None)
        .await
        .unwrap();
    assert_eq!(
        store
            .rotate_refresh_token("e1", "e2", 1_000, 50)
            .await
            .unwrap(),
        Rotation::Invalid
    );
    assert_eq!(store.purge_expired_refresh_tokens(60, 10).await.unwrap(), 1);
    assert_eq!(store.purge_expired_refresh_tokens(60, 10).await.unwrap(), 0);
}

#[tokio::test]
async fn concurrent_sends_to_one_room_get_each_seq_once() {
    let Opened {
        store,
        announced,
        _dir,
    } = ann_and_bob().await;
    let sends = (0..40).map(|n| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let sender = if n % 2 == 0 { "ann" } else { "bob" };
            let write = message("r", sender, &format!("c{n}"), "x");
            store.send(write).await.unwrap().message.seq
        })
    });
    let mut seqs = Vec::new();
    for send in sends.collect::<Vec<_>>() {
        seqs.push(send.await.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=40).collect::<Vec<u64>>());
    let heard: Vec<u64> = announced.lock().unwrap().iter().map(|e| e.1).collect();
    assert_eq!(
        heard,
        (1..=40).collect::<Vec<u64>>(),
        "announced in seq order"
    );
}

/// A second store on the same database: a second server process's writer.
async fn second_writer(dir: &std::path::Path) -> Arc<dyn Store> {
    let on_commit: OnCommit = Arc::new(|_: NewEvent<'_>| {});
    // The same directory names the same PostgreSQL database.
    match crate::testing::postgres_database(dir).await {
        Some(url) => Arc::new(
            PostgresStore::open(&url, test_commit(), EventOutbox::default(), on_commit)
                .await
                .expect("open the PostgreSQL store again"),
        ),
        None => {
            let url = format!("sqlite://{}", dir.join("chat.db").display());
            Arc::new(
                SqliteStore::open(&url, test_commit(), EventOutbox::default(), on_commit)
                    .await
                    .expect("open the SQLite store again"),
            )
        }
    }
}

#[tokio::test]
async fn two_writers_racing_with_one_client_msg_id_store_it_once_without_a_gap() {
    let opened = ann_and_bob().await;
    let first = Arc::clone(&opened.store);
    let second = second_writer(opened._dir.path()).await;
    room(first.as_ref(), "r2", "ann", &[]).await;
    let mut stored = 0;
    for n in 0..30 {
        let client_msg_id = format!("c{n}");
        // Even rounds race into one room, odd ones into two.
        let other_room = if n % 2 == 0 { "r" } else { "r2" };
        let (a, b) = tokio::join!(
            first.send(message("r", "ann", &client_msg_id, "one")),
            second.send(message(other_room, "ann", &client_msg_id, "two")),
        );
        let outcomes = [&a, &b];
        let new: Vec<_> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok().filter(|s| !s.duplicate))
            .collect();
        assert_eq!(new.len(), 1, "round {n}: stored once: {a:?} {b:?}");
        stored += 1;
        if other_room == "r" {
            let (a, b) = (a.unwrap().message, b.unwrap().message);
            assert_eq!(
                a, b,
                "round {n}: the resend is answered with the stored message"
            );
        } else {
            let refused = outcomes
                .iter()
                .filter(|o| matches!(o, Err(Error::ClientMsgIdInOtherRoom)));
            assert_eq!(refused.count(), 1, "round {n}: {a:?} {b:?}");
        }
    }
    // Every seq taken was used: the rooms' logs have no gap.
    let mut total = 0;
    for room_id in ["r", "r2"] {
        let last_seq = first.room(room_id).await.unwrap().unwrap().last_seq;
        let page = first
            .messages(room_id, PageRange::After(0), 100)
            .await
            .unwrap();
        let seqs: Vec<u64> = page.messages.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, (1..=last_seq).collect::<Vec<_>>(), "room {room_id}");
        total += seqs.len();
    }
    assert_eq!(total, stored);
    second.close().await;
}

#[tokio::test]
async fn with_an_event_stream_every_committed_change_has_an_outbox_row() {
    let outbox = EventOutbox {
        enabled: true,
        include_content: false,
    };
    let Opened { store, _dir, .. } = open_with(outbox).await;
    for id in ["ann", "bob"] {
        user(store.as_ref(), id).await;
    }
    room(store.as_ref(), "r", "ann", &["bob"]).await;
    let sent = store
        .send(message("r", "ann", "c1", "secret"))
        .await
        .unwrap();
    store
        .send(message("r", "ann", "c1", "secret"))
        .await
        .unwrap(); // a resend: no row
    store
        .change(change(
            "r",
            "ann",
            &sent.message.message_id,
            ChangeAction::Delete,
        ))
        .await
        .unwrap();
    store
        .set_receipt("r", "bob", 1, ReceiptKind::Read)
        .await
        .unwrap();

    // Two members added, one message, one delete, one receipt.
    assert_eq!(store.outbox_len().await.unwrap(), 5);
    let rows = store.outbox_batch(10).await.unwrap();
    assert!(rows.windows(2).all(|w| w[0].id < w[1].id), "in order");
    assert!(rows.iter().all(|row| row.key == "r"));
    assert!(rows.iter().all(|row| !row.payload.contains("secret")));
    store.outbox_delete(rows[2].id).await.unwrap();
    assert_eq!(store.outbox_len().await.unwrap(), 2);
}

#[tokio::test]
async fn a_closed_store_refuses_writes_and_reads_and_reports_not_ready() {
    let Opened { store, _dir, .. } = ann_and_bob().await;
    store.ping().await.unwrap();
    store
        .send(message("r", "ann", "c1", "before"))
        .await
        .unwrap();
    store.close().await;
    assert!(matches!(
        store.send(message("r", "ann", "c2", "after")).await,
        Err(Error::Closing)
    ));
    assert!(matches!(store.ping().await, Err(Error::WriterStopped)));
    // The reads of a reconnect too (on SQLite, its own reader threads answer them).
    assert!(store.known_user_circle("ann").await.is_err());
    assert!(store.room_with_members("r").await.is_err());
    assert!(store.events_after("r", 0, 10).await.is_err());
}
