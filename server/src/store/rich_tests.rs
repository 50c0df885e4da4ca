//! The store's rich-message rules, on every backend (see `tests.rs`): reactions are a
//! set per (message, emoji, user) with exact counts, replies and mentions are checked
//! inside the writer, pins need a moderator in a group room, and search sees only the
//! searcher's rooms and the messages' current text.

use std::sync::Arc;

use chat_protocol::v1::{MAX_REACTION_USER_IDS, ReceiptKind, UserId, search_words};

use super::tests::{change, message, open, room, test_commit, user};
use super::*;

fn react(room_id: &str, user_id: &str, message_id: &str, emoji: &str, on: bool) -> MessageChange {
    let action = ChangeAction::React {
        emoji: emoji.to_owned(),
        on,
    };
    change(room_id, user_id, message_id, action)
}

fn search(words: &str, room_id: Option<&str>) -> SearchFilter {
    SearchFilter {
        words: search_words(words).expect("words"),
        room_id: room_id.map(str::to_owned),
        before: None,
        limit: 20,
    }
}

#[tokio::test]
async fn reaction_counts_are_exact_and_list_the_first_reactors_in_order() {
    let opened = open().await;
    let store = opened.store.as_ref();
    let users: Vec<String> = (0..MAX_REACTION_USER_IDS + 5)
        .map(|i| format!("u{i:02}"))
        .collect();
    for id in &users {
        user(store, id).await;
    }
    let others: Vec<&str> = users[1..].iter().map(String::as_str).collect();
    room(store, "r", &users[0], &others).await;
    let sent = store.send(message("r", "u00", "c1", "hi")).await.unwrap();
    let id = sent.message.message_id.to_string();
    let mut write = react("r", "u00", &id, "🎉", true);
    write.now = 150;
    store.change(write).await.unwrap();
    for (n, id_of_user) in users.iter().enumerate() {
        let mut write = react("r", id_of_user, &id, "👍", true);
        write.now = 200 + i64::try_from(n).unwrap();
        store.change(write).await.unwrap();
    }
    // Setting it again changes nothing; removing one that is not set neither.
    assert!(matches!(
        store.change(react("r", "u03", &id, "👍", true)).await,
        Err(Error::Unchanged)
    ));
    assert!(matches!(
        store.change(react("r", "u03", &id, "😀", false)).await,
        Err(Error::Unchanged)
    ));
    store
        .change(react("r", "u01", &id, "👍", false))
        .await
        .unwrap();

    let page = store.messages("r", PageRange::Latest, 10).await.unwrap();
    let reactions = &page.messages[0].reactions;
    assert_eq!(reactions.len(), 2);
    // The emoji first used comes first.
    assert_eq!((reactions[0].emoji.as_str(), reactions[0].count), ("🎉", 1));
    let thumbs = &reactions[1];
    assert_eq!(thumbs.count, u64::try_from(users.len() - 1).unwrap());
    let listed: Vec<&str> = thumbs.user_ids.iter().map(|u| u.as_str()).collect();
    let expected: Vec<&str> = users
        .iter()
        .map(String::as_str)
        .filter(|u| *u != "u01")
        .take(MAX_REACTION_USER_IDS)
        .collect();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn replies_and_mentions_are_checked_in_the_writer() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob", "cid"] {
        user(store, id).await;
    }
    room(store, "r", "ann", &["bob"]).await;
    room(store, "other", "cid", &[]).await;
    let parent = store
        .send(message("r", "ann", "p", "parent"))
        .await
        .unwrap();
    let elsewhere = store.send(message("other", "cid", "e", "x")).await.unwrap();
    let parent_id = parent.message.message_id.to_string();

    let mut reply = message("r", "bob", "r1", "reply");
    reply.reply_to = Some(parent_id.clone());
    reply.mentions = vec!["ann".into()];
    let stored = store.send(reply.clone()).await.unwrap().message;
    assert_eq!(stored.reply_to.as_deref(), Some(parent_id.as_str()));
    assert_eq!(stored.mentions, [UserId::from("ann".to_owned())]);
    // A resend is answered with what was stored, reply and mentions included.
    let again = store.send(reply).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.message.mentions, [UserId::from("ann".to_owned())]);

    let mut foreign = message("r", "bob", "r2", "x");
    foreign.reply_to = Some(elsewhere.message.message_id.to_string());
    assert!(matches!(
        store.send(foreign).await,
        Err(Error::NoSuchParent)
    ));
    let mut stranger = message("r", "bob", "r3", "x");
    stranger.mentions = vec!["cid".into()];
    assert!(matches!(
        store.send(stranger).await,
        Err(Error::MentionNotMember)
    ));
    // Neither refusal took a seq.
    let last = store.room("r").await.unwrap().unwrap().last_seq;
    assert_eq!(last, 2);

    // The parent's delete leaves the thread readable.
    store
        .change(change("r", "ann", &parent_id, ChangeAction::Delete))
        .await
        .unwrap();
    let thread = store
        .replies("r", &parent_id, 0, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(thread.messages.len(), 1);
    assert_eq!(thread.messages[0].content, "reply");
    assert!(
        store
            .replies("other", &parent_id, 0, 10)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn pins_need_a_moderator_and_reactions_a_live_message() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob"] {
        user(store, id).await;
    }
    room(store, "r", "ann", &["bob"]).await;
    let sent = store
        .send(message("r", "bob", "c", "pin me"))
        .await
        .unwrap();
    let id = sent.message.message_id.to_string();
    assert!(matches!(
        store
            .change(change("r", "bob", &id, ChangeAction::Pin(true)))
            .await,
        Err(Error::Refused(Refusal::NotModerator))
    ));
    let event = store
        .change(change("r", "ann", &id, ChangeAction::Pin(true)))
        .await
        .unwrap();
    assert!(matches!(&event.kind, EventKind::Pinned(p) if p.pinned && p.by.as_str() == "ann"));
    assert!(matches!(
        store
            .change(change("r", "ann", &id, ChangeAction::Pin(true)))
            .await,
        Err(Error::Unchanged)
    ));
    let pins = store.pins("r").await.unwrap();
    assert_eq!(pins.len(), 1);
    assert_eq!(pins[0].pinned_by.as_str(), "ann");

    // The replay carries the pin at its seq, as the live event said.
    let replay = store.events_after("r", event.seq - 1, 10).await.unwrap();
    assert_eq!(replay, [event]);

    store
        .change(change("r", "bob", &id, ChangeAction::Delete))
        .await
        .unwrap();
    assert!(store.pins("r").await.unwrap().is_empty());
    assert!(matches!(
        store.change(react("r", "ann", &id, "👍", true)).await,
        Err(Error::MessageDeleted)
    ));
}

#[tokio::test]
async fn search_follows_edits_and_deletes_and_stays_in_the_searchers_rooms() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob", "cid"] {
        user(store, id).await;
    }
    room(store, "r", "ann", &["bob"]).await;
    room(store, "secret", "cid", &[]).await;
    let first = store
        .send(message("r", "ann", "1", "Lunch at the café?"))
        .await
        .unwrap();
    store
        .send(message("r", "bob", "2", "lunchtime plans"))
        .await
        .unwrap();
    store
        .send(message("secret", "cid", "3", "lunch secrets"))
        .await
        .unwrap();
    let found = store.search("bob", &search("LUNCH", None)).await.unwrap();
    let texts: Vec<&str> = found.iter().map(|m| m.content.as_str()).collect();
    // Newest first; a prefix matches; another room's message is not found.
    assert_eq!(texts, ["lunchtime plans", "Lunch at the café?"]);
    let first_id = first.message.message_id.to_string();
    store
        .change(change(
            "r",
            "ann",
            &first_id,
            ChangeAction::Edit("dinner instead".into()),
        ))
        .await
        .unwrap();
    let found = store.search("bob", &search("café", None)).await.unwrap();
    assert!(found.is_empty(), "{found:?}");
    let found = store
        .search("bob", &search("dinner", Some("r")))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    store
        .change(change("r", "ann", &first_id, ChangeAction::Delete))
        .await
        .unwrap();
    assert!(
        store
            .search("bob", &search("dinner", None))
            .await
            .unwrap()
            .is_empty()
    );
    // Paging: only what is older than `before`.
    let all = store
        .search("bob", &search("lunchtime", None))
        .await
        .unwrap();
    let mut older = search("lunchtime", None);
    older.before = Some(all[0].message_id.to_string());
    assert!(store.search("bob", &older).await.unwrap().is_empty());
}

/// Sends made at once share group commits; every message of a commit is indexed (the
/// SQLite writer puts a whole batch on the search backlog in one statement, and the
/// search indexes it).
#[tokio::test]
async fn search_finds_every_message_of_a_group_commit() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob"] {
        user(store, id).await;
    }
    room(store, "r", "ann", &["bob"]).await;
    let words: Vec<String> = (0..40).map(|n| format!("word{n:02}")).collect();
    let mut sends = tokio::task::JoinSet::new();
    for (n, word) in words.iter().enumerate() {
        let store = Arc::clone(&opened.store);
        let sender = if n % 2 == 0 { "ann" } else { "bob" };
        let write = message("r", sender, &format!("c{n}"), &format!("batch {word}"));
        sends.spawn(async move { store.send(write).await });
    }
    while let Some(sent) = sends.join_next().await {
        sent.expect("task").expect("stored");
    }
    for word in &words {
        let found = store.search("ann", &search(word, None)).await.unwrap();
        assert_eq!(found.len(), 1, "{word}: {found:?}");
        assert_eq!(found[0].content, format!("batch {word}"));
    }
    let sqlite_file = opened._dir.path().join("chat.db");
    if sqlite_file.exists() {
        assert_search_index_intact(&sqlite_file);
    }
}

/// FTS5's own check of its index against the messages' text, row by row (SQLite).
fn assert_search_index_intact(sqlite_file: &std::path::Path) {
    let conn = rusqlite::Connection::open(sqlite_file).expect("open");
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .expect("timeout");
    conn.execute(
        "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the search index matches the messages");
}

/// How many messages wait for SQLite's index, and how many indexed ones match `word`
/// (read from the file: a search would first index what waits).
fn search_index_state(sqlite_file: &std::path::Path, word: &str) -> (i64, i64) {
    let conn = rusqlite::Connection::open(sqlite_file).expect("open");
    let waiting = conn
        .query_row("SELECT COUNT(*) FROM search_backlog", [], |row| row.get(0))
        .expect("backlog");
    let indexed = conn
        .query_row(
            "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH ?1",
            [word],
            |row| row.get(0),
        )
        .expect("index");
    (waiting, indexed)
}

/// A message edited, deleted or in a deleted room before SQLite's trailing index held
/// it is found by its current text only; one edited or deleted after it was indexed
/// is un-indexed as before, and the index stays consistent throughout.
#[tokio::test]
async fn search_sees_text_changed_before_and_after_it_was_indexed() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob"] {
        user(store, id).await;
    }
    room(store, "r", "ann", &["bob"]).await;
    room(store, "gone", "ann", &["bob"]).await;
    let mut ids = Vec::new();
    for (n, text) in ["alpha one", "beta two", "gamma three", "delta four"]
        .iter()
        .enumerate()
    {
        let sent = store
            .send(message("r", "ann", &format!("c{n}"), text))
            .await
            .unwrap();
        ids.push(sent.message.message_id.to_string());
    }
    store
        .send(message("gone", "ann", "g", "omega in a doomed room"))
        .await
        .unwrap();
    // Ann edits one of her messages and deletes another.
    let edit_and_delete = |edited: usize, text: &'static str, deleted: usize| {
        let ids = &ids;
        async move {
            let edit = ChangeAction::Edit(text.into());
            store
                .change(change("r", "ann", &ids[edited], edit))
                .await
                .unwrap();
            let delete = ChangeAction::Delete;
            store
                .change(change("r", "ann", &ids[deleted], delete))
                .await
                .unwrap();
        }
    };
    // Before any search: still waiting for the index on SQLite.
    edit_and_delete(0, "alpha edited epsilon", 1).await;
    store.delete_room("gone").await.unwrap();
    let found = |words: &'static str| async move {
        let hits = store.search("bob", &search(words, None)).await.unwrap();
        hits.into_iter().map(|m| m.content).collect::<Vec<String>>()
    };
    assert_eq!(found("alpha").await, ["alpha edited epsilon"]);
    assert_eq!(found("epsilon").await, ["alpha edited epsilon"]);
    assert!(found("one").await.is_empty(), "the text before the edit");
    assert!(found("beta").await.is_empty(), "deleted");
    assert!(found("omega").await.is_empty(), "in a deleted room");
    // Indexed by now: changes un-index the old text.
    edit_and_delete(2, "gamma became zeta", 3).await;
    assert!(found("three").await.is_empty());
    assert_eq!(found("zeta").await, ["gamma became zeta"]);
    assert!(found("delta").await.is_empty());
    let sqlite_file = opened._dir.path().join("chat.db");
    if sqlite_file.exists() {
        assert_search_index_intact(&sqlite_file);
    }
}

/// SQLite's writer indexes what waits once the oldest message has waited its interval,
/// in the commit of a later write, including what a stopped server left waiting.
#[tokio::test]
async fn the_sqlite_writer_indexes_what_waits_once_it_is_due_even_after_a_restart() {
    let opened = open().await;
    let sqlite_file = opened._dir.path().join("chat.db");
    if !sqlite_file.exists() {
        return; // PostgreSQL indexes every write in its transaction.
    }
    let store = opened.store.as_ref();
    for id in ["ann", "bob"] {
        user(store, id).await;
    }
    room(store, "r", "ann", &["bob"]).await;
    store
        .send(message("r", "ann", "1", "waiting alpha"))
        .await
        .unwrap();
    assert_eq!(
        search_index_state(&sqlite_file, "alpha"),
        (1, 0),
        "waits (the test writer's interval is an hour)"
    );
    store.close().await;
    // Opened again, with messages indexed as soon as a commit finds them waiting.
    let url = format!("sqlite://{}", sqlite_file.display());
    let commit = GroupCommit {
        search_index_interval: std::time::Duration::ZERO,
        ..test_commit()
    };
    let on_commit: OnCommit = Arc::new(|_: NewEvent<'_>| {});
    let again = SqliteStore::open(&url, commit, EventOutbox::default(), on_commit)
        .await
        .expect("open again");
    again
        .send(message("r", "ann", "2", "later beta"))
        .await
        .unwrap();
    assert_eq!(search_index_state(&sqlite_file, "alpha"), (0, 1));
    assert_eq!(search_index_state(&sqlite_file, "beta"), (0, 1));
    assert_search_index_intact(&sqlite_file);
    again.close().await;
}

/// However short the wait, SQLite's writer indexes the backlog once
/// [`sqlite::search_backlog::PASS_SIZE`] messages wait (the test writer's interval is an
/// hour).
#[tokio::test]
async fn the_sqlite_writer_indexes_the_backlog_once_enough_messages_wait() {
    let opened = open().await;
    let sqlite_file = opened._dir.path().join("chat.db");
    if !sqlite_file.exists() {
        return; // PostgreSQL indexes every write in its transaction.
    }
    for id in ["ann", "bob"] {
        user(opened.store.as_ref(), id).await;
    }
    room(opened.store.as_ref(), "r", "ann", &["bob"]).await;
    let count = usize::try_from(sqlite::search_backlog::PASS_SIZE).expect("small");
    let mut sends = tokio::task::JoinSet::new();
    for n in 0..count {
        let store = Arc::clone(&opened.store);
        let write = message("r", "ann", &format!("c{n}"), &format!("bulk word{n}"));
        sends.spawn(async move { store.send(write).await });
    }
    while let Some(sent) = sends.join_next().await {
        sent.expect("task").expect("stored");
    }
    let (waiting, indexed) = search_index_state(&sqlite_file, "bulk");
    assert_eq!(waiting, 0, "the commit that reached the size indexed them");
    assert_eq!(indexed, i64::try_from(count).expect("small"));
    assert_search_index_intact(&sqlite_file);
}

#[tokio::test]
async fn the_room_list_counts_unread_mentions() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob"] {
        user(store, id).await;
    }
    room(store, "r", "ann", &["bob"]).await;
    let mut mention = message("r", "ann", "1", "@bob look");
    mention.mentions = vec!["bob".into()];
    store.send(mention).await.unwrap();
    store.send(message("r", "ann", "2", "plain")).await.unwrap();
    let entry = store.room_entry("bob", "r").await.unwrap().unwrap();
    assert_eq!((entry.unread_count, entry.mention_count), (2, 1));
    // Ann's own mention of herself is not unread for her.
    let entry = store.room_entry("ann", "r").await.unwrap().unwrap();
    assert_eq!(entry.mention_count, 0);
    store
        .set_receipt("r", "bob", 1, ReceiptKind::Read)
        .await
        .unwrap();
    let entry = store.room_entry("bob", "r").await.unwrap().unwrap();
    assert_eq!((entry.unread_count, entry.mention_count), (1, 0));
}
