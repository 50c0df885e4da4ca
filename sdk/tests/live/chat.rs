//! Everyday use: two users chat, statuses advance, typing, edits and deletes.

use chat_sdk::cache::MessageStatus;
use chat_sdk::{ChatClient, ClientEvent};

use crate::harness::{Proxy, Server, connected, contents, create_room, eventually, fast_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_chat_and_see_delivered_then_read() {
    let server = Server::start().await;
    let proxy = Proxy::start(server.addr).await;
    let crate::harness::Pair {
        ann,
        bob,
        ann_session,
        room,
    } = crate::harness::pair(proxy.url()).await;
    let mut bob_events = bob.subscribe();

    let echo = ann.send_message(&room, "hi bob").unwrap();
    assert_eq!(echo.status, MessageStatus::Pending);
    eventually(10, "bob has ann's message", || {
        contents(&bob, &room) == ["hi bob"]
    })
    .await;
    // Bob's client acknowledges delivery by itself; Ann sees it.
    eventually(10, "delivered", || {
        ann.messages(&room, None, 10).unwrap()[0].status == MessageStatus::Delivered
    })
    .await;
    let seq = bob.messages(&room, None, 10).unwrap()[0].seq.unwrap();
    bob.mark_read(&room, seq).unwrap();
    eventually(10, "read", || {
        ann.messages(&room, None, 10).unwrap()[0].status == MessageStatus::Read
    })
    .await;

    assert!(matches!(
        bob.send_message(&room, &"x".repeat(70 * 1024)),
        Err(chat_sdk::ClientError::TooLarge(_))
    ));
    // Size counts as encoded: 40 KiB of newlines is 80 KiB of JSON.
    assert!(matches!(
        bob.send_message(&room, &"\n".repeat(40 * 1024)),
        Err(chat_sdk::ClientError::TooLarge(_))
    ));
    bob.send_message(&room, "hi ann").unwrap();
    eventually(10, "ann has bob's reply", || {
        contents(&ann, &room) == ["hi bob", "hi ann"]
    })
    .await;

    // Typing reaches the other side as an event.
    ann.set_typing(&room, true).unwrap();
    let typing = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            if let Ok(ClientEvent::Typing {
                user_id,
                is_typing: true,
                ..
            }) = bob_events.recv().await
            {
                return user_id;
            }
        }
    })
    .await
    .expect("typing event");
    assert_eq!(typing, ann_session.user_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletes_made_while_offline_reach_the_client() {
    let server = Server::start().await;
    let ann_proxy = Proxy::start(server.addr).await;
    let bob_proxy = Proxy::start(server.addr).await;
    let ann = ChatClient::open(fast_config(ann_proxy.url(), None)).unwrap();
    let bob = ChatClient::open(fast_config(bob_proxy.url(), None)).unwrap();
    let ann_session = ann.register("ann", "correct horse battery").await.unwrap();
    bob.register("bob", "correct horse battery").await.unwrap();
    let room = create_room(&ann_proxy.url(), &ann_session.token, "r", "public", &[]).await;
    for client in [&ann, &bob] {
        client.join_room(&room).unwrap();
        client.connect().unwrap();
        connected(client).await;
    }
    ann.send_message(&room, "first").unwrap();
    ann.send_message(&room, "second").unwrap();
    eventually(10, "bob has both", || contents(&bob, &room).len() == 2).await;

    bob_proxy.set_offline(true);
    eventually(10, "bob offline", || {
        bob.connection_state() != chat_sdk::core::ConnectionState::Connected
    })
    .await;
    let ids: Vec<String> = ann
        .messages(&room, None, 10)
        .unwrap()
        .into_iter()
        .map(|m| m.message_id.unwrap())
        .collect();
    ann.edit_message(&room, &ids[0], "first (edited)").unwrap();
    ann.delete_message(&room, &ids[1]).unwrap();
    ann.send_message(&room, "third").unwrap();
    eventually(10, "ann sees her edit", || {
        contents(&ann, &room)[0] == "first (edited)"
    })
    .await;

    bob_proxy.set_offline(false);
    bob.notify_network_available().unwrap();
    eventually(10, "bob converges", || {
        contents(&bob, &room) == ["first (edited)", "", "third"]
    })
    .await;
    assert!(bob.messages(&room, None, 10).unwrap()[1].deleted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrolling_back_fetches_what_the_cache_lacks_until_the_first_message() {
    let server = Server::start().await;
    let proxy = Proxy::start(server.addr).await;
    let (ann, session, room) = crate::harness::solo(proxy.url(), "public").await;
    for i in 0..130 {
        ann.send_message(&room, &format!("m{i}")).unwrap();
    }
    eventually(20, "all sent", || {
        ann.messages(&room, None, 1000)
            .unwrap()
            .iter()
            .all(|m| m.seq.is_some())
    })
    .await;

    // A new device: empty cache. Joining brings the newest page; scrolling up brings
    // the rest, page by page, without the app tracking what is missing.
    let tablet = ChatClient::open(fast_config(proxy.url(), None)).unwrap();
    tablet.set_session(&session).unwrap();
    tablet.join_room(&room).unwrap();
    tablet.connect().unwrap();
    connected(&tablet).await;
    eventually(10, "newest page", || {
        tablet.messages(&room, None, 50).unwrap().len() == 50
    })
    .await;
    let mut oldest = tablet.messages(&room, None, 50).unwrap()[0].seq;
    for _ in 0..100 {
        let page = tablet.messages(&room, oldest, 40).unwrap();
        if let Some(first) = page.first() {
            oldest = first.seq;
        }
        if oldest == Some(1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(oldest, Some(1), "scrolled to the first message");
    assert_eq!(
        contents(&tablet, &room),
        (0..130).map(|i| format!("m{i}")).collect::<Vec<_>>()
    );
}
