//! Membership and moderation through the SDK: roles and settings as notices in the
//! cache, a kick that takes the room out of the list on every device (live, or on the
//! next resume of a device that was away), and the REST calls' refusals.

use chat_protocol::v1::{ErrorCode, LeaveReason, MemberRole, MembershipChange, RoomVisibility};
use chat_sdk::cache::NoticeChange;
use chat_sdk::{ChatClient, ClientError, ClientEvent};

use crate::harness::{Server, connected, contents, eventually, fast_config};

/// Waits (5 s at most) for the membership of `room` to end on `client`; its reason.
async fn membership_ended(
    events: &mut tokio::sync::broadcast::Receiver<ClientEvent>,
    room: &str,
) -> Option<LeaveReason> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("membership ended in time")
            .expect("event stream");
        if let ClientEvent::MembershipEnded { room_id, reason } = event
            && room_id == room
        {
            return reason;
        }
    }
}

fn listed(client: &ChatClient, room: &str) -> bool {
    client
        .room_list()
        .unwrap()
        .iter()
        .any(|r| r.room_id == room)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderation_reaches_every_device_and_the_cache_keeps_the_story() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let ann = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let ann_session = ann.register("ann", "correct horse battery").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bob_db = dir.path().join("bob.db");
    let bob = ChatClient::open(fast_config(url.clone(), Some(bob_db.clone()))).unwrap();
    let bob_session = bob.register("bob", "correct horse battery").await.unwrap();
    let carol = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let carol_session = carol
        .register("carol", "correct horse battery")
        .await
        .unwrap();
    let room = ann
        .create_room(
            "team",
            RoomVisibility::Private,
            &[bob_session.user_id.clone(), carol_session.user_id.clone()],
        )
        .await
        .unwrap();
    for client in [&ann, &bob, &carol] {
        client.join_room(&room).unwrap();
        client.connect().unwrap();
        connected(client).await;
    }
    eventually(5, "the room listed on Bob's device", || listed(&bob, &room)).await;

    // Roles: Ann owns the room and makes Bob an admin; everyone's cache has the notice.
    let members = bob.members(&room).await.unwrap();
    assert_eq!(
        members.iter().map(|m| m.role).collect::<Vec<_>>(),
        [MemberRole::Owner, MemberRole::Member, MemberRole::Member]
    );
    ann.set_member_role(&room, &bob_session.user_id, MemberRole::Admin)
        .await
        .unwrap();
    eventually(5, "the role notice cached on Carol's device", || {
        carol.notices(&room, None, 10).unwrap().len() == 1
    })
    .await;
    let notice = &carol.notices(&room, None, 10).unwrap()[0];
    assert_eq!(
        notice.change,
        NoticeChange::Member {
            user_id: bob_session.user_id.clone(),
            change: MembershipChange::Role,
            role: Some(MemberRole::Admin)
        }
    );
    assert_eq!(
        (notice.seq, notice.by.as_str()),
        (1, ann_session.user_id.as_str())
    );
    // Bob read the members before: his cache applies the role change by itself.
    eventually(5, "Bob's cached members show his new role", || {
        bob.cached_members(&room)
            .unwrap()
            .iter()
            .any(|m| m.user_id.as_str() == bob_session.user_id && m.role == MemberRole::Admin)
    })
    .await;
    assert_eq!(ann.members(&room).await.unwrap().len(), 3);
    let details = bob.room_details(&room).await.unwrap();
    assert_eq!((details.role, details.member_count), (MemberRole::Admin, 3));

    // A rename by the new admin renames the room in every list.
    bob.update_room(&room, Some("launch".into()), Some("Friday".into()), None)
        .await
        .unwrap();
    eventually(5, "the new name in Carol's list", || {
        carol
            .room_list()
            .unwrap()
            .iter()
            .any(|r| r.room_id == room && r.name == "launch")
    })
    .await;

    // Carol, a member, may not kick; her refusal changes nothing.
    let refused = carol.remove_member(&room, &bob_session.user_id).await;
    assert!(
        matches!(
            refused,
            Err(ClientError::Server {
                code: ErrorCode::Forbidden,
                ..
            })
        ),
        "{refused:?}"
    );

    // Bob's device goes away; Carol writes; then Ann kicks Bob.
    ann.send_message(&room, "before the kick").unwrap();
    eventually(5, "Bob has the message", || {
        contents(&bob, &room).contains(&"before the kick".to_owned())
    })
    .await;
    bob.disconnect().unwrap();
    ann.remove_member(&room, &bob_session.user_id)
        .await
        .unwrap();
    ann.send_message(&room, "after the kick").unwrap();
    eventually(5, "Carol has both messages and the kick", || {
        contents(&carol, &room).len() == 2 && carol.notices(&room, None, 10).unwrap().len() == 3
    })
    .await;

    eventually(5, "Ann's cached members lose Bob", || {
        ann.cached_members(&room)
            .unwrap()
            .iter()
            .all(|m| m.user_id.as_str() != bob_session.user_id)
    })
    .await;
    // Back online, Bob's device learns it is out: the room leaves the list, what it
    // had stays readable (nothing after the kick), and it stops following the room.
    let mut events = bob.subscribe();
    bob.connect().unwrap();
    assert_eq!(membership_ended(&mut events, &room).await, None);
    assert!(!listed(&bob, &room));
    assert_eq!(contents(&bob, &room), ["before the kick"]);
    assert!(
        bob.cached_members(&room).unwrap().is_empty(),
        "no stale member list"
    );
    bob.shutdown();
    drop(bob);
    let bob = ChatClient::open(fast_config(url.clone(), Some(bob_db))).unwrap();
    bob.set_session(&bob_session).unwrap();
    let mut events = bob.subscribe();
    bob.connect().unwrap();
    connected(&bob).await;
    assert_eq!(contents(&bob, &room), ["before the kick"]);
    assert!(!listed(&bob, &room), "after a restart too");

    // Added back and live, Bob is banned while connected: told at once, with the reason.
    ann.add_member(&room, &bob_session.user_id).await.unwrap();
    eventually(5, "the room back in Bob's list", || listed(&bob, &room)).await;
    bob.join_room(&room).unwrap();
    eventually(5, "Bob follows the room again", || {
        contents(&bob, &room).contains(&"after the kick".to_owned())
    })
    .await;
    ann.ban_user(&room, &bob_session.user_id, Some("spam".into()))
        .await
        .unwrap();
    assert_eq!(
        membership_ended(&mut events, &room).await,
        Some(LeaveReason::Banned)
    );
    assert!(!listed(&bob, &room));
    let bans = ann.room_bans(&room).await.unwrap();
    assert_eq!((bans.len(), bans[0].reason.as_deref()), (1, Some("spam")));
    let again = ann.add_member(&room, &bob_session.user_id).await;
    assert!(matches!(
        again,
        Err(ClientError::Server {
            code: ErrorCode::Forbidden,
            ..
        })
    ));
    ann.unban_user(&room, &bob_session.user_id).await.unwrap();
    assert!(ann.room_bans(&room).await.unwrap().is_empty());

    // Carol leaves for good: her device is told, Ann's cache has the notice.
    let mut carol_events = carol.subscribe();
    carol.end_membership(&room).await.unwrap();
    assert_eq!(
        membership_ended(&mut carol_events, &room).await,
        Some(LeaveReason::Left)
    );
    eventually(5, "Ann's cache has Carol leaving", || {
        ann.notices(&room, None, 20).unwrap().iter().any(|n| {
            matches!(&n.change, NoticeChange::Member { user_id, change: MembershipChange::Left, .. }
                if *user_id == carol_session.user_id)
        })
    })
    .await;
    let seqs: Vec<u64> = ann
        .notices(&room, None, 20)
        .unwrap()
        .iter()
        .map(|n| n.seq)
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_senders_are_marked_on_every_device_and_reports_keep_the_content() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let ann = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let ann_session = ann.register("ann", "correct horse battery").await.unwrap();
    let bob = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let bob_session = bob.register("bob", "correct horse battery").await.unwrap();
    let group = ann
        .create_room(
            "g",
            RoomVisibility::Private,
            std::slice::from_ref(&bob_session.user_id),
        )
        .await
        .unwrap();
    let direct = ann
        .create_room(
            "",
            RoomVisibility::Direct,
            std::slice::from_ref(&bob_session.user_id),
        )
        .await
        .unwrap();
    for client in [&ann, &bob] {
        client.join_room(&group).unwrap();
        client.join_room(&direct).unwrap();
        client.connect().unwrap();
        connected(client).await;
    }
    bob.send_message(&group, "from bob").unwrap();
    eventually(5, "Ann has Bob's message", || {
        contents(&ann, &group) == ["from bob"]
    })
    .await;
    let blocked_flags = |client: &ChatClient| -> Vec<bool> {
        client
            .messages(&group, None, 10)
            .unwrap()
            .iter()
            .map(|m| m.sender_blocked)
            .collect()
    };
    assert_eq!(blocked_flags(&ann), [false]);

    ann.block_user(&bob_session.user_id).await.unwrap();
    assert_eq!(blocked_flags(&ann), [true], "marked at once on this device");
    let blocks = ann.blocked_users().await.unwrap();
    assert_eq!(
        blocks
            .iter()
            .map(|b| b.username.as_str())
            .collect::<Vec<_>>(),
        ["bob"]
    );
    // Ann's other device learns of the block when it connects.
    let tablet = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    tablet.set_session(&ann_session).unwrap();
    tablet.join_room(&group).unwrap();
    tablet.connect().unwrap();
    eventually(5, "the tablet marks Bob's message", || {
        blocked_flags(&tablet) == [true]
    })
    .await;

    // Bob's send in their direct room is refused for good; in the group it goes on.
    let mut events = bob.subscribe();
    let refused = bob.send_message(&direct, "hello?").unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    let code = loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("a refusal in time")
            .unwrap();
        if let ClientEvent::Status {
            client_msg_id,
            status: Some(chat_sdk::cache::MessageStatus::Failed { code, .. }),
            ..
        } = event
            && client_msg_id == refused.client_msg_id
        {
            break code;
        }
    };
    assert_eq!(code, ErrorCode::Forbidden);
    bob.send_message(&group, "still in the group").unwrap();
    eventually(5, "the group message reaches Ann, marked", || {
        blocked_flags(&ann) == [true, true]
    })
    .await;

    // A report keeps the reported message's content.
    let message_id = ann.messages(&group, None, 10).unwrap()[0]
        .message_id
        .clone()
        .unwrap();
    let report = ann
        .report(&group, Some(message_id), None, "abuse")
        .await
        .unwrap();
    assert_eq!(
        (
            report.message_content.as_deref(),
            report.user_id.as_ref().map(|u| u.as_str())
        ),
        (Some("from bob"), Some(bob_session.user_id.as_str()))
    );
    let empty = ann.report(&group, None, None, " ").await;
    assert!(matches!(
        empty,
        Err(ClientError::Server {
            code: ErrorCode::InvalidRequest,
            ..
        })
    ));

    // A block lifted on one device reaches the other live: its messages show again and
    // its room list counts them.
    let unread = |client: &ChatClient| {
        client
            .room_list()
            .unwrap()
            .iter()
            .find(|r| r.room_id.as_str() == group)
            .map(|r| r.unread_count)
    };
    eventually(5, "the tablet's list leaves Bob out", || {
        unread(&tablet) == Some(0)
    })
    .await;
    let mut tablet_events = tablet.subscribe();
    ann.unblock_user(&bob_session.user_id).await.unwrap();
    assert_eq!(blocked_flags(&ann), [false, false]);
    assert!(ann.blocked_users().await.unwrap().is_empty());
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !matches!(
        tokio::time::timeout_at(deadline, tablet_events.recv())
            .await
            .expect("BlocksChanged on the tablet in time"),
        Ok(ClientEvent::BlocksChanged)
    ) {}
    assert_eq!(
        blocked_flags(&tablet),
        [false, false],
        "shown again at once"
    );
    eventually(5, "the tablet's list counts Bob's messages again", || {
        unread(&tablet) == Some(2)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_account_leaves_nothing_on_the_device_and_its_messages_erased() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let ann = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    ann.register("ann", "correct horse battery").await.unwrap();
    let dave = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let dave_session = dave
        .register("dave", "correct horse battery")
        .await
        .unwrap();
    let room = ann
        .create_room(
            "r",
            RoomVisibility::Private,
            std::slice::from_ref(&dave_session.user_id),
        )
        .await
        .unwrap();
    for client in [&ann, &dave] {
        client.join_room(&room).unwrap();
        client.connect().unwrap();
        connected(client).await;
    }
    dave.send_message(&room, "soon gone").unwrap();
    eventually(5, "Ann has Dave's message", || {
        contents(&ann, &room) == ["soon gone"]
    })
    .await;

    let refused = dave.delete_account(None, true).await;
    assert!(
        matches!(
            refused,
            Err(ClientError::Server {
                code: ErrorCode::Forbidden,
                ..
            })
        ),
        "{refused:?}"
    );
    dave.delete_account(Some("correct horse battery".into()), true)
        .await
        .unwrap();
    assert!(dave.current_session().is_none());
    assert!(dave.messages(&room, None, 10).unwrap().is_empty());
    assert!(dave.room_list().unwrap().is_empty());
    eventually(5, "Ann sees the message erased and Dave gone", || {
        ann.messages(&room, None, 10)
            .unwrap()
            .iter()
            .all(|m| m.deleted)
            && ann.notices(&room, None, 10).unwrap().iter().any(|n| {
                matches!(
                    &n.change,
                    NoticeChange::Member {
                        change: MembershipChange::Left,
                        ..
                    }
                )
            })
    })
    .await;
    // The name is free again.
    let newcomer = ChatClient::open(fast_config(url, None)).unwrap();
    let again = newcomer
        .register("dave", "another good password")
        .await
        .unwrap();
    assert_ne!(again.user_id, dave_session.user_id);
}
