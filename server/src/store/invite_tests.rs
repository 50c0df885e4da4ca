//! Invite links against the real store (SQLite, or PostgreSQL under
//! `CHAT_TEST_STORE=postgres`): a join spends a use in its own transaction, and an
//! invite that expired, was used up, revoked or belongs to another room lets nobody in.

use super::tests::{open, room, user};
use super::*;

fn invite(id: &str, room_id: &str, expires_at: i64, max_uses: Option<u32>) -> NewInvite {
    NewInvite {
        id: id.to_owned(),
        code_hash: format!("hash-{id}"),
        room_id: room_id.to_owned(),
        created_by: "ann".to_owned(),
        created_at: 10,
        expires_at,
        max_uses,
    }
}

/// The cap of [`Store::create_invite`] that these tests never reach.
const CAP: u32 = 100;

fn join(room_id: &str, user_id: &str, code_hash: &str, now: i64) -> MembershipWrite {
    MembershipWrite {
        room_id: room_id.to_owned(),
        actor: user_id.to_owned(),
        action: MembershipAction::JoinWithInvite {
            code_hash: code_hash.to_owned(),
        },
        now,
    }
}

#[tokio::test]
async fn a_join_spends_a_use_and_an_invite_stops_when_expired_used_up_or_revoked() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob", "cid", "dan"] {
        user(store, id).await;
    }
    room(store, "g", "ann", &[]).await;
    room(store, "other", "ann", &[]).await;
    store
        .create_invite(&invite("once", "g", 1_000, Some(1)), CAP)
        .await
        .unwrap();
    store
        .create_invite(&invite("open", "g", 1_000, None), CAP)
        .await
        .unwrap();

    let preview = store.invite_preview("hash-once", "bob", 100).await.unwrap();
    let preview = preview.expect("a working invite");
    assert_eq!(
        (preview.name.as_str(), preview.member_count, preview.member),
        ("room g", 1, false)
    );
    assert_eq!(preview.expires_at, 1_000);

    let events = store
        .change_membership(join("g", "bob", "hash-once", 100))
        .await
        .unwrap();
    let [event] = events.as_slice() else {
        panic!("{events:?}")
    };
    let EventKind::Member(joined) = &event.kind else {
        panic!("{event:?}")
    };
    assert_eq!(
        (joined.user_id.as_str(), joined.by.as_str()),
        ("bob", "bob")
    );
    assert_eq!(joined.change, chat_protocol::v1::MembershipChange::Joined);
    // Used up: nobody else gets in with it, and it is no longer listed.
    let refused = store
        .change_membership(join("g", "cid", "hash-once", 110))
        .await;
    assert!(matches!(refused, Err(Error::InviteUnusable)), "{refused:?}");
    assert!(
        store
            .invite_preview("hash-once", "cid", 110)
            .await
            .unwrap()
            .is_none()
    );
    let listed: Vec<String> = store
        .room_invites("g", 110)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.invite_id)
        .collect();
    assert_eq!(listed, ["open"]);
    // A member already spends no use.
    assert!(
        store
            .change_membership(join("g", "bob", "hash-open", 120))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.room_invites("g", 120).await.unwrap()[0].uses, 0);
    // Not the room's invite.
    let refused = store
        .change_membership(join("other", "cid", "hash-open", 130))
        .await;
    assert!(matches!(refused, Err(Error::InviteUnusable)), "{refused:?}");
    // Expired.
    assert!(
        store
            .invite_preview("hash-open", "cid", 1_000)
            .await
            .unwrap()
            .is_none()
    );
    let refused = store
        .change_membership(join("g", "cid", "hash-open", 1_000))
        .await;
    assert!(matches!(refused, Err(Error::InviteUnusable)), "{refused:?}");
    assert_eq!(
        store.room_info("g", "cid").await.unwrap().unwrap().role,
        None
    );

    // Revoked: by its maker or a moderator only.
    store
        .create_invite(&invite("later", "g", 5_000, None), CAP)
        .await
        .unwrap();
    assert!(
        !store
            .revoke_invite("g", "later", "bob", false)
            .await
            .unwrap(),
        "not bob's"
    );
    assert!(
        store
            .revoke_invite("g", "later", "bob", true)
            .await
            .unwrap(),
        "a moderator's"
    );
    let refused = store
        .change_membership(join("g", "dan", "hash-later", 200))
        .await;
    assert!(matches!(refused, Err(Error::InviteUnusable)), "{refused:?}");

    // A room has at most the cap of working invites (a used-up or expired one does not
    // count).
    for n in 0..2 {
        assert!(
            store
                .create_invite(&invite(&format!("c{n}"), "other", 5_000, None), 2)
                .await
                .unwrap()
        );
    }
    assert!(
        !store
            .create_invite(&invite("c2", "other", 5_000, None), 2)
            .await
            .unwrap()
    );
    assert!(
        store
            .invite_preview("hash-c2", "dan", 200)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .revoke_invite("other", "c0", "ann", true)
            .await
            .unwrap()
    );
    assert!(
        store
            .create_invite(&invite("c2", "other", 5_000, None), 2)
            .await
            .unwrap()
    );

    // Expired rows are purged; a deleted room takes its invites along.
    assert_eq!(store.purge_expired_invites(2_000, 100).await.unwrap(), 2);
    store
        .create_invite(&invite("gone", "g", 9_000, None), CAP)
        .await
        .unwrap();
    store.delete_room("g").await.unwrap();
    assert!(
        store
            .invite_preview("hash-gone", "dan", 200)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_invite_stops_working_when_its_maker_may_no_longer_add_members() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob", "cid", "dan"] {
        user(store, id).await;
    }
    room(store, "g", "ann", &["bob"]).await;
    let by_bob = |id: &str| NewInvite {
        created_by: "bob".into(),
        ..invite(id, "g", 1_000, None)
    };
    store.create_invite(&by_bob("bobs"), CAP).await.unwrap();
    // Where only admins may add, a plain member's invite lets nobody in.
    let admins_add = MembershipWrite {
        room_id: "g".into(),
        actor: "ann".into(),
        action: MembershipAction::Update(RoomSettings {
            who_can_add: Some(WhoCanAdd::Admins),
            ..RoomSettings::default()
        }),
        now: 20,
    };
    store.change_membership(admins_add).await.unwrap();
    assert!(
        store
            .invite_preview("hash-bobs", "cid", 30)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store.room_invites("g", 30).await.unwrap().is_empty(),
        "not listed either"
    );
    let refused = store
        .change_membership(join("g", "cid", "hash-bobs", 30))
        .await;
    assert!(matches!(refused, Err(Error::InviteUnusable)), "{refused:?}");
    // Made an admin, his invites work again; removed, they stop.
    let promote = MembershipWrite {
        room_id: "g".into(),
        actor: "ann".into(),
        action: MembershipAction::SetRole {
            user_id: "bob".into(),
            role: MemberRole::Admin,
        },
        now: 40,
    };
    store.change_membership(promote).await.unwrap();
    assert_eq!(
        store
            .change_membership(join("g", "cid", "hash-bobs", 50))
            .await
            .unwrap()
            .len(),
        1
    );
    let kick = MembershipWrite {
        room_id: "g".into(),
        actor: "ann".into(),
        action: MembershipAction::Remove {
            user_id: "bob".into(),
        },
        now: 60,
    };
    store.change_membership(kick).await.unwrap();
    let refused = store
        .change_membership(join("g", "dan", "hash-bobs", 70))
        .await;
    assert!(matches!(refused, Err(Error::InviteUnusable)), "{refused:?}");
}

#[tokio::test]
async fn the_banned_get_no_use_of_an_invite() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "eve"] {
        user(store, id).await;
    }
    room(store, "g", "ann", &[]).await;
    store
        .create_invite(&invite("open", "g", 1_000, Some(5)), CAP)
        .await
        .unwrap();
    let ban = MembershipWrite {
        room_id: "g".into(),
        actor: "ann".into(),
        action: MembershipAction::Ban {
            user_id: "eve".into(),
            reason: None,
        },
        now: 20,
    };
    store.change_membership(ban).await.unwrap();
    let refused = store
        .change_membership(join("g", "eve", "hash-open", 30))
        .await;
    assert!(
        matches!(refused, Err(Error::Refused(Refusal::YouAreBanned))),
        "{refused:?}"
    );
    assert_eq!(
        store.room_invites("g", 30).await.unwrap()[0].uses,
        0,
        "no use spent"
    );
}
