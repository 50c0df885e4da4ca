//! Replies, mentions, reactions, pins, threads and search between real clients, and
//! the changes a user makes offline surviving a client restart and a server kill.

use std::time::Duration;

use chat_protocol::v1::ErrorCode;
use chat_sdk::cache::{LocalMessage, MessageStatus};
use chat_sdk::{ChatClient, ClientError, ClientEvent};

use crate::harness::{
    Proxy, ServerProcess, connected, contents, create_room, eventually, fast_config, free_addr,
    pair, server_seqs,
};

fn message(client: &ChatClient, room: &str, id: &str) -> Option<LocalMessage> {
    client
        .messages(room, None, 1_000)
        .unwrap()
        .into_iter()
        .find(|m| m.message_id.as_deref() == Some(id) || m.client_msg_id == id)
}

/// A message's reactions as (emoji, count, mine).
fn reactions(client: &ChatClient, room: &str, id: &str) -> Vec<(String, u64, bool)> {
    message(client, room, id).map_or_else(Vec::new, |m| {
        m.reactions
            .into_iter()
            .map(|r| (r.emoji, r.count, r.mine))
            .collect()
    })
}

fn reaction(emoji: &str, count: u64, mine: bool) -> (String, u64, bool) {
    (emoji.to_owned(), count, mine)
}

/// What every device must agree on: order, ids, text, replies, mentions and reaction
/// counts (not `mine` or the delivery status, which depend on who looks).
fn history(client: &ChatClient, room: &str) -> Vec<String> {
    client
        .messages(room, None, 1_000)
        .unwrap()
        .into_iter()
        .map(|m| {
            let counts: Vec<String> = m
                .reactions
                .iter()
                .map(|r| format!("{}×{}", r.emoji, r.count))
                .collect();
            format!(
                "{:?} {:?} {:?} deleted={} reply_to={:?} mentions={:?} reactions={counts:?}",
                m.seq, m.message_id, m.content, m.deleted, m.reply_to, m.mentions
            )
        })
        .collect()
}

async fn change_failed(
    events: &mut tokio::sync::broadcast::Receiver<ClientEvent>,
    id: &str,
) -> ErrorCode {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the refusal arrives")
            .expect("events");
        if let ClientEvent::ChangeFailed {
            change_id, code, ..
        } = event
            && change_id == id
        {
            return code;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_mentions_reactions_pins_threads_and_search_reach_every_device() {
    let server = crate::harness::Server::start().await;
    let proxy = Proxy::start(server.addr).await;
    let crate::harness::Pair {
        ann,
        bob,
        ann_session,
        room,
    } = pair(proxy.url()).await;
    let ann_id = ann_session.user_id.clone();
    ann.send_message(&room, "Lunch at noon?").unwrap();
    eventually(10, "bob has it", || {
        bob.messages(&room, None, 10).unwrap().len() == 1
    })
    .await;
    let question = bob.messages(&room, None, 10).unwrap()[0]
        .message_id
        .clone()
        .unwrap();

    // A reply that mentions ann.
    let answer = bob
        .send_message_with(
            &room,
            "Yes, @ann",
            Some(question.clone()),
            vec![ann_id.clone()],
        )
        .unwrap();
    assert_eq!(
        answer.reply_to.as_deref(),
        Some(question.as_str()),
        "the echo"
    );
    eventually(10, "ann sees the reply", || {
        ann.messages(&room, None, 10)
            .unwrap()
            .get(1)
            .is_some_and(|m| {
                m.reply_to.as_deref() == Some(question.as_str()) && m.mentions == [ann_id.clone()]
            })
    })
    .await;

    // Reactions: counted per emoji, `mine` per device.
    bob.react(&room, &question, "👍", true).unwrap();
    ann.react(&room, &question, "👍", true).unwrap();
    ann.react(&room, &question, ":tada:", true).unwrap();
    eventually(10, "both see three reactions", || {
        reactions(&ann, &room, &question) == [reaction("👍", 2, true), reaction(":tada:", 1, true)]
            && reactions(&bob, &room, &question)
                == [reaction("👍", 2, true), reaction(":tada:", 1, false)]
    })
    .await;
    ann.react(&room, &question, ":tada:", false).unwrap();
    eventually(10, "the removal reaches bob", || {
        reactions(&bob, &room, &question) == [reaction("👍", 2, true)]
    })
    .await;

    // Pins: the owner may; a member is refused, and the pin shown at once is undone.
    let mut bob_events = bob.subscribe();
    ann.pin(&room, &question, true).unwrap();
    eventually(10, "bob sees the pin", || {
        message(&bob, &room, &question).is_some_and(|m| m.pinned)
    })
    .await;
    let pins = bob.pins(&room).await.unwrap();
    assert_eq!(pins.len(), 1);
    assert_eq!(pins[0].message_id.as_deref(), Some(question.as_str()));
    assert_eq!(bob.cached_pins(&room).unwrap(), pins, "kept offline");
    let refused = bob.pin(&room, &question, false).unwrap();
    assert_eq!(
        change_failed(&mut bob_events, &refused).await,
        ErrorCode::Forbidden
    );
    assert!(message(&bob, &room, &question).unwrap().pinned, "undone");

    // The thread and search, on the server and in the cache.
    let thread = ann.replies(&room, &question, 0, 10).await.unwrap();
    assert_eq!(
        thread
            .messages
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>(),
        ["Yes, @ann"]
    );
    assert!(!thread.has_more);
    let found = bob.search_messages("lunch", None, None, 10).await.unwrap();
    assert_eq!(found.messages.len(), 1);
    assert_eq!(
        found.messages[0].message_id.as_deref(),
        Some(question.as_str())
    );
    assert_eq!(found.messages[0].reactions.len(), 1, "with its reactions");
    let local = ann.search_local("LUNCH noon", None, 10).unwrap();
    assert_eq!(local.len(), 1);
    assert!(ann.search_local("dinner", None, 10).unwrap().is_empty());

    // Bad input: refused locally with a reason, or by the server as a failed message.
    assert!(matches!(
        ann.react(&room, &question, "not an emoji", true),
        Err(ClientError::Invalid(_))
    ));
    assert!(matches!(
        ann.search_messages("  ", None, None, 10).await,
        Err(ClientError::Invalid(_))
    ));
    let orphan = ann
        .send_message_with(&room, "re: nothing", Some("no-such-message".into()), vec![])
        .unwrap();
    let stranger = ann
        .send_message_with(&room, "hi @carol", None, vec!["no-such-user".into()])
        .unwrap();
    eventually(10, "both refused", || {
        [&orphan, &stranger].iter().all(|sent| {
            message(&ann, &room, &sent.client_msg_id)
                .is_some_and(|m| matches!(m.status, MessageStatus::Failed { .. }))
        })
    })
    .await;
    eventually(10, "the devices agree", || {
        history(&ann, &room).len() == 4 && history(&bob, &room) == history(&ann, &room)[..2]
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_offline_survive_a_client_restart_and_a_server_kill_and_land_once() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let server = ServerProcess::start(dir.path(), addr).await;
    let proxy = Proxy::start(addr).await;
    let db = dir.path().join("ann-device.db");
    let direct = format!("http://{addr}");

    let ann = ChatClient::open(fast_config(proxy.url(), Some(db.clone()))).unwrap();
    let bob = ChatClient::open(fast_config(direct.clone(), None)).unwrap();
    let ann_session = ann.register("ann", "correct horse battery").await.unwrap();
    let bob_session = bob.register("bob", "correct horse battery").await.unwrap();
    let room = create_room(
        &direct,
        &ann_session.token,
        "r",
        "private",
        &[&bob_session.user_id],
    )
    .await;
    for client in [&ann, &bob] {
        client.join_room(&room).unwrap();
        client.connect().unwrap();
        connected(client).await;
    }
    for text in ["one", "two", "three"] {
        ann.send_message(&room, text).unwrap();
    }
    eventually(10, "bob has three", || {
        bob.messages(&room, None, 10).unwrap().len() == 3
    })
    .await;
    // Ann's acks come after bob's deliveries (commit, fan out, then acknowledge): until
    // they arrive, her copies are known only by their client ids, and the changes below
    // name the server's.
    eventually(10, "ann's three acknowledged", || {
        let mine = ann.messages(&room, None, 10).unwrap();
        mine.len() == 3 && mine.iter().all(|m| m.message_id.is_some())
    })
    .await;
    let ids: Vec<String> = bob
        .messages(&room, None, 10)
        .unwrap()
        .into_iter()
        .map(|m| m.message_id.unwrap())
        .collect();

    // Offline: a reaction, an edit, a pin, a reply (and a reaction to that reply while
    // it is still pending), then a delete — shown at once, in the order made.
    proxy.set_offline(true);
    eventually(10, "ann offline", || {
        ann.connection_state() != chat_sdk::core::ConnectionState::Connected
    })
    .await;
    ann.react(&room, &ids[0], "👍", true).unwrap();
    ann.edit_message(&room, &ids[1], "two (edited)").unwrap();
    ann.pin(&room, &ids[0], true).unwrap();
    let reply = ann
        .send_message_with(
            &room,
            "four",
            Some(ids[0].clone()),
            vec![bob_session.user_id.clone()],
        )
        .unwrap();
    ann.react(&room, &reply.client_msg_id, "🎉", true).unwrap();
    ann.delete_message(&room, &ids[2]).unwrap();
    // An edit of a message still queued changes the queued send; a delete drops it.
    let five = ann.send_message(&room, "five").unwrap();
    ann.edit_message(&room, &five.client_msg_id, "five (edited)")
        .unwrap();
    let six = ann.send_message(&room, "six").unwrap();
    ann.delete_message(&room, &six.client_msg_id).unwrap();
    let shown = |ann: &ChatClient| {
        let one = message(ann, &room, &ids[0]).unwrap();
        let two = message(ann, &room, &ids[1]).unwrap();
        let three = message(ann, &room, &ids[2]).unwrap();
        let four = message(ann, &room, &reply.client_msg_id).unwrap();
        assert_eq!(reactions(ann, &room, &ids[0]), [reaction("👍", 1, true)]);
        assert!(one.pinned);
        assert_eq!(two.content, "two (edited)");
        assert!(three.deleted);
        assert_eq!(four.status, MessageStatus::Pending);
        assert_eq!(
            reactions(ann, &room, &reply.client_msg_id),
            [reaction("🎉", 1, true)]
        );
        assert_eq!(
            message(ann, &room, &five.client_msg_id).unwrap().content,
            "five (edited)"
        );
        let six = message(ann, &room, &six.client_msg_id);
        assert!(
            six.as_ref().is_none_or(|m| m.deleted),
            "withdrawn (or shown deleted until the outbox drops it): {six:?}"
        );
    };
    shown(&ann);
    ann.shutdown();
    drop(ann);

    // The server dies and comes back while the device is closed.
    server.kill();
    let _server = ServerProcess::start(dir.path(), addr).await;
    proxy.set_offline(false);

    let ann = ChatClient::open(fast_config(proxy.url(), Some(db))).unwrap();
    shown(&ann);
    let mut events = ann.subscribe();
    ann.set_session(&ann_session).unwrap();
    ann.connect().unwrap();
    eventually(20, "bob sees every change", || {
        let Some(four) = bob
            .messages(&room, None, 10)
            .unwrap()
            .into_iter()
            .find(|m| m.content == "four")
        else {
            return false;
        };
        reactions(&bob, &room, &ids[0]) == [reaction("👍", 1, false)]
            && message(&bob, &room, &ids[0]).is_some_and(|m| m.pinned)
            && message(&bob, &room, &ids[1]).is_some_and(|m| m.content == "two (edited)")
            && message(&bob, &room, &ids[2]).is_some_and(|m| m.deleted)
            && four.reply_to.as_deref() == Some(ids[0].as_str())
            && four.mentions == [bob_session.user_id.clone()]
            && four.reactions.len() == 1
            && four.reactions[0].count == 1
            && contents(&bob, &room).last().map(String::as_str) == Some("five (edited)")
    })
    .await;
    let on_server = server_seqs(&direct, &ann_session.token, &room).await;
    assert_eq!(
        on_server.len(),
        5,
        "each send stored once, the withdrawn one never"
    );
    assert!(!contents(&bob, &room).contains(&"six".to_owned()));
    eventually(20, "ann converges with bob", || {
        history(&ann, &room) == history(&bob, &room)
    })
    .await;
    while let Ok(event) = events.try_recv() {
        assert!(
            !matches!(event, ClientEvent::ChangeFailed { .. }),
            "nothing refused: {event:?}"
        );
    }
}
