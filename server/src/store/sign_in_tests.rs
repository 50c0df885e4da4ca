//! Sign-ins on every backend (see `tests.rs`): each starts with its first refresh token,
//! refreshes note it active, ending one refuses its tokens and forgets the push devices
//! it registered, ending the others keeps the caller's, and lapsed ones are purged.

use chat_protocol::v1::PushPlatform;

use super::tests::{open, user};
use super::*;

fn first_token(hash: &str, sign_in: &str, user_id: &str, at: i64) -> RefreshTokenRecord {
    RefreshTokenRecord {
        token_hash: hash.into(),
        family_id: sign_in.into(),
        user_id: user_id.into(),
        created_at: at,
        expires_at: at + 1_000_000,
    }
}

fn device(token: &str, sign_in: Option<&str>) -> NewPushDevice {
    NewPushDevice {
        id: format!("device-{token}"),
        platform: PushPlatform::Fcm,
        token: token.into(),
        web_push_keys: None,
        app_id: None,
        environment: None,
        sign_in_id: sign_in.map(Into::into),
    }
}

async fn ended(store: &dyn Store, user_id: &str, sign_in: &str) -> bool {
    let account = store.account(user_id, Some(sign_in)).await.unwrap();
    account.expect("the user exists").sign_in_ended
}

async fn listed(store: &dyn Store, user_id: &str, since: i64) -> Vec<(String, Option<String>)> {
    let sign_ins = store.sign_ins(user_id, since).await.unwrap();
    sign_ins
        .into_iter()
        .map(|sign_in| (sign_in.id, sign_in.device_name))
        .collect()
}

#[tokio::test]
async fn sign_ins_are_listed_renewed_ended_and_purged() {
    let opened = open().await;
    let store = opened.store.as_ref();
    for id in ["ann", "bob"] {
        user(store, id).await;
    }
    store
        .start_sign_in(&first_token("a1", "phone", "ann", 10), Some("Pixel 8"))
        .await
        .unwrap();
    store
        .start_sign_in(&first_token("b1", "laptop", "ann", 20), None)
        .await
        .unwrap();
    store
        .start_sign_in(&first_token("c1", "tablet", "ann", 30), Some("iPad"))
        .await
        .unwrap();
    store
        .start_sign_in(&first_token("x1", "bobs", "bob", 40), None)
        .await
        .unwrap();
    assert_eq!(
        listed(store, "ann", 0).await,
        [
            ("tablet".into(), Some("iPad".into())),
            ("laptop".into(), None),
            ("phone".into(), Some("Pixel 8".into())),
        ]
    );
    // A refresh notes the sign-in active: it moves to the top.
    let rotation = store.rotate_refresh_token("a1", "a2", 2_000_000, 50).await;
    assert_eq!(
        rotation.unwrap(),
        Rotation::Rotated {
            user_id: "ann".into(),
            sign_in: "phone".into()
        }
    );
    let phone = &store.sign_ins("ann", 0).await.unwrap()[0];
    assert_eq!(
        (phone.id.as_str(), phone.created_at, phone.last_active_at),
        ("phone", 10, 50)
    );
    // Only sign-ins active since the cutoff are listed.
    assert_eq!(listed(store, "ann", 31).await.len(), 1);

    // Tokens with no sign-in, and with an unknown one, as the token check sees them.
    assert!(!ended(store, "ann", "phone").await);
    assert!(ended(store, "ann", "bobs").await, "another user's sign-in");
    assert!(ended(store, "ann", "nowhere").await);
    let plain = store.account("ann", None).await.unwrap().unwrap();
    assert!(!plain.sign_in_ended);
    // The WebSocket handshake asks in the circle's statement.
    let found = |sign_in| async move {
        let circle = store.known_user_circle_in("ann", sign_in).await.unwrap();
        circle.expect("the user exists").sign_in_found
    };
    assert!(found(Some("phone")).await);
    assert!(!found(Some("bobs")).await, "another user's sign-in");
    assert!(!found(None).await);

    // Ending one: its refresh token is refused, its device forgotten, nobody else's.
    for (token, sign_in) in [("p", "phone"), ("l", "laptop"), ("t", "tablet")] {
        store
            .register_push_device("ann", &device(token, Some(sign_in)), 60)
            .await
            .unwrap();
    }
    store
        .register_push_device("ann", &device("old", None), 60)
        .await
        .unwrap();
    store
        .register_push_device("bob", &device("b", Some("bobs")), 60)
        .await
        .unwrap();
    assert_eq!(
        store
            .end_sign_ins("ann", EndSignIns::One("laptop"))
            .await
            .unwrap(),
        ["laptop"]
    );
    assert!(ended(store, "ann", "laptop").await);
    assert!(!found(Some("laptop")).await);
    assert_eq!(
        store
            .rotate_refresh_token("b1", "b2", 2_000_000, 70)
            .await
            .unwrap(),
        Rotation::Invalid
    );
    let tokens = |user_id| async move {
        let devices = store.push_devices(user_id).await.unwrap();
        let mut tokens: Vec<String> = devices.into_iter().map(|d| d.device_id).collect();
        tokens.sort();
        tokens
    };
    assert_eq!(tokens("ann").await, ["device-old", "device-p", "device-t"]);
    // Someone else's sign-in, or one ended already, is not found.
    assert!(
        store
            .end_sign_ins("ann", EndSignIns::One("bobs"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .end_sign_ins("ann", EndSignIns::One("laptop"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!ended(store, "bob", "bobs").await);

    // Ending the others keeps the caller's sign-in and its device only.
    let others = store
        .end_sign_ins("ann", EndSignIns::AllBut(Some("tablet")))
        .await
        .unwrap();
    assert_eq!(others, ["phone"]);
    assert_eq!(
        listed(store, "ann", 0).await,
        [("tablet".into(), Some("iPad".into()))]
    );
    assert_eq!(tokens("ann").await, ["device-t"]);
    assert_eq!(
        store
            .rotate_refresh_token("a2", "a3", 2_000_000, 80)
            .await
            .unwrap(),
        Rotation::Invalid
    );
    assert!(matches!(
        store
            .rotate_refresh_token("c1", "c2", 2_000_000, 80)
            .await
            .unwrap(),
        Rotation::Rotated { .. }
    ));
    assert_eq!(tokens("bob").await, ["device-b"]);

    // A sign-out ends the sign-in with its devices.
    let out = store.revoke_refresh_family("c2", 90, None).await.unwrap();
    assert_eq!(out, Some(("ann".into(), "tablet".into())));
    assert!(ended(store, "ann", "tablet").await);
    assert!(tokens("ann").await.is_empty());
    assert_eq!(
        store
            .revoke_refresh_family("made-up", 90, None)
            .await
            .unwrap(),
        None
    );

    // Lapsed sign-ins are purged; active ones stay.
    assert_eq!(store.purge_lapsed_sign_ins(41, 10).await.unwrap(), 1);
    assert_eq!(store.purge_lapsed_sign_ins(41, 10).await.unwrap(), 0);
    assert!(listed(store, "bob", 0).await.is_empty());
}

#[tokio::test]
async fn a_password_change_ends_every_sign_in() {
    let opened = open().await;
    let store = opened.store.as_ref();
    user(store, "ann").await;
    store
        .start_sign_in(&first_token("a1", "phone", "ann", 10), None)
        .await
        .unwrap();
    assert!(
        store
            .change_password("ann", "$argon2id$x", 20)
            .await
            .unwrap()
    );
    assert!(ended(store, "ann", "phone").await);
    assert!(store.sign_ins("ann", 0).await.unwrap().is_empty());
}
