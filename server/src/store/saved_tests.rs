//! Saved messages on every backend (see `tests.rs`): only a message of the room that is
//! not deleted can be saved, saving again keeps the first time, and a deleted account
//! or room takes its saved rows with it.

use super::tests::{message, open, room, user};
use super::*;

#[tokio::test]
async fn saves_keep_their_first_time_and_go_with_the_account_or_the_room() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob"] {
        user(store, id).await;
    }
    room(store, "r", "ann", &["bob"]).await;
    room(store, "s", "ann", &["bob"]).await;
    let in_r = store.send(message("r", "bob", "c1", "hi")).await.unwrap();
    let in_r = in_r.message.message_id.to_string();
    let in_s = store.send(message("s", "bob", "c2", "ho")).await.unwrap();
    let in_s = in_s.message.message_id.to_string();

    store.set_saved("ann", "r", &in_r, true, 100).await.unwrap();
    store.set_saved("ann", "r", &in_r, true, 300).await.unwrap();
    store.set_saved("ann", "s", &in_s, true, 200).await.unwrap();
    store.set_saved("bob", "r", &in_r, true, 400).await.unwrap();
    let anns = store.saved_messages("ann", None, 10).await.unwrap();
    let listed: Vec<(i64, &str)> = anns
        .iter()
        .map(|(at, m)| (*at, m.message_id.as_str()))
        .collect();
    assert_eq!(listed, [(200, in_s.as_str()), (100, in_r.as_str())]);
    // Not a message of that room: nothing saved.
    assert!(matches!(
        store.set_saved("ann", "s", &in_r, true, 500).await,
        Err(Error::NoSuchMessage)
    ));
    // Taking out what was never saved changes nothing.
    store
        .set_saved("ann", "s", "nothing", false, 500)
        .await
        .unwrap();

    // The room goes with its saves (the rows themselves, which the export reads every
    // one of); the account with its own.
    assert!(store.delete_room("s").await.unwrap().is_some());
    let rows = store.saves_of("ann", None, 10).await.unwrap();
    let saved: Vec<&str> = rows.iter().map(|s| s.message_id.as_str()).collect();
    assert_eq!(saved, [in_r.as_str()]);
    assert!(
        store
            .close_account("bob", AccountStatus::Deleted)
            .await
            .unwrap()
    );
    assert!(store.saves_of("bob", None, 10).await.unwrap().is_empty());
    assert_eq!(
        store.saved_messages("ann", None, 10).await.unwrap().len(),
        1
    );
}
