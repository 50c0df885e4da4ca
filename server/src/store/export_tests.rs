//! The pages of a data export, on every backend (see `tests.rs`): a user's reports and
//! reactions come in key order, a page at a time, with no row skipped or repeated where
//! a page ends between two reactions on one message or two reports made at one time.

use super::tests::{change, message, open, room, user};
use super::*;

#[tokio::test]
async fn reports_and_reactions_page_by_their_keys_and_are_the_users_own() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob"] {
        user(store, id).await;
    }
    room(store, "r", "ann", &["bob"]).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let sent = store
            .send(message("r", "bob", &format!("c{n}"), "hi"))
            .await
            .unwrap();
        ids.push(sent.message.message_id.to_string());
    }
    // Two emoji on the first message, one on the others; bob's own is not ann's.
    for (id, emoji) in [
        (&ids[0], "👍"),
        (&ids[0], "🎉"),
        (&ids[1], "👍"),
        (&ids[2], "👍"),
    ] {
        let action = ChangeAction::React {
            emoji: emoji.to_owned(),
            on: true,
        };
        store.change(change("r", "ann", id, action)).await.unwrap();
    }
    let bobs = ChangeAction::React {
        emoji: "👎".to_owned(),
        on: true,
    };
    store
        .change(change("r", "bob", &ids[1], bobs))
        .await
        .unwrap();

    // Pages of one: every reaction once, message by message.
    let mut paged: Vec<(String, String)> = Vec::new();
    for _ in 0..10 {
        let last = paged.last().cloned();
        let after = last.as_ref().map(|(m, e)| (m.as_str(), e.as_str()));
        let page = store.reactions_by("ann", after, 1).await.unwrap();
        let Some(reaction) = page.first() else { break };
        assert_eq!(page.len(), 1);
        assert_eq!(reaction.room_id.as_str(), "r");
        paged.push((reaction.message_id.to_string(), reaction.emoji.clone()));
    }
    assert_eq!(paged.len(), 4, "{paged:?}");
    let messages: Vec<&str> = paged.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(messages, [&ids[0], &ids[0], &ids[1], &ids[2]]);
    assert!(paged[..2].iter().any(|(_, e)| e == "🎉"));
    assert_eq!(store.reactions_by("bob", None, 10).await.unwrap().len(), 1);

    // Three reports at one time and one later: pages of two, oldest first.
    for (n, now) in [(0, 500), (1, 500), (2, 500), (3, 600)] {
        store
            .create_report(NewReport {
                id: format!("0190-report-{n}"),
                reporter_id: "ann".to_owned(),
                room_id: "r".to_owned(),
                message_id: Some(ids[0].clone()),
                user_id: None,
                reason: "spam".to_owned(),
                now,
            })
            .await
            .unwrap();
    }
    let mut reports: Vec<String> = Vec::new();
    let mut after: Option<(i64, String)> = None;
    for _ in 0..10 {
        let page = store
            .reports_filed_by("ann", after.as_ref().map(|(at, id)| (*at, id.as_str())), 2)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.created_at, last.report_id.clone()));
        reports.extend(page.into_iter().map(|r| r.report_id));
    }
    assert_eq!(
        reports,
        [
            "0190-report-0",
            "0190-report-1",
            "0190-report-2",
            "0190-report-3"
        ]
    );
    assert!(
        store
            .reports_filed_by("bob", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
