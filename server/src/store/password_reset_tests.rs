//! Password reset tokens on every backend (see `tests.rs`): granted only for an active
//! user with a password, one per user, redeemed once before they expire together with
//! the password change, and purged once expired.

use super::tests::{open, user};
use super::*;

async fn with_password(store: &dyn Store, id: &str) {
    let record = UserRecord {
        id: id.to_owned(),
        username: format!("name-{id}"),
        password_hash: Some("$argon2id$old".into()),
        display_name: None,
        avatar_id: None,
    };
    store.create_user(&record, 1).await.unwrap();
}

#[tokio::test]
async fn a_reset_token_is_granted_for_a_password_redeemed_once_and_expires() {
    let opened = open().await;
    let store = opened.store.as_ref();
    with_password(store, "ann").await;
    user(store, "ext").await; // no password here: an external auth service's user
    assert!(
        store
            .grant_password_reset("ann", "r1", 10, 100)
            .await
            .unwrap()
    );
    assert!(
        !store
            .grant_password_reset("ext", "r2", 10, 100)
            .await
            .unwrap()
    );
    assert!(
        !store
            .grant_password_reset("nobody", "r3", 10, 100)
            .await
            .unwrap()
    );
    assert_eq!(
        store.password_reset_user("r1", 50).await.unwrap(),
        Some("ann".into())
    );
    assert_eq!(
        store.password_reset_user("r1", 100).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(store.password_reset_user("r2", 50).await.unwrap(), None);

    // A new grant replaces the user's token.
    assert!(
        store
            .grant_password_reset("ann", "r4", 20, 200)
            .await
            .unwrap()
    );
    assert_eq!(store.password_reset_user("r1", 50).await.unwrap(), None);
    assert_eq!(
        store
            .redeem_password_reset("r1", "$argon2id$new", 50)
            .await
            .unwrap(),
        None
    );

    // Redeemed: the password changes and every sign-in ends; once only.
    let first = RefreshTokenRecord {
        token_hash: "t1".into(),
        family_id: "phone".into(),
        user_id: "ann".into(),
        created_at: 30,
        expires_at: 10_000,
    };
    store.start_sign_in(&first, None).await.unwrap();
    assert_eq!(
        store
            .redeem_password_reset("r4", "$argon2id$new", 200)
            .await
            .unwrap(),
        None,
        "expired"
    );
    assert!(
        store
            .grant_password_reset("ann", "r5", 40, 400)
            .await
            .unwrap()
    );
    let redeemed = store
        .redeem_password_reset("r5", "$argon2id$new", 60)
        .await
        .unwrap();
    assert_eq!(redeemed, Some("ann".into()));
    let account = store.account("ann", Some("phone")).await.unwrap().unwrap();
    assert_eq!(
        (account.signed_out_before, account.sign_in_ended),
        (Some(60), true)
    );
    let record = store.user_by_name("name-ann").await.unwrap().unwrap();
    assert_eq!(record.password_hash.as_deref(), Some("$argon2id$new"));
    assert_eq!(
        store
            .redeem_password_reset("r5", "$argon2id$again", 61)
            .await
            .unwrap(),
        None
    );

    // A password change spends a token granted before it; expired tokens are purged.
    assert!(
        store
            .grant_password_reset("ann", "r6", 70, 700)
            .await
            .unwrap()
    );
    assert!(
        store
            .change_password("ann", "$argon2id$other", 80)
            .await
            .unwrap()
    );
    assert_eq!(store.password_reset_user("r6", 90).await.unwrap(), None);
    assert!(
        store
            .grant_password_reset("ann", "r7", 90, 900)
            .await
            .unwrap()
    );
    assert_eq!(
        store.purge_expired_password_resets(899, 10).await.unwrap(),
        0
    );
    assert_eq!(
        store.purge_expired_password_resets(901, 10).await.unwrap(),
        1
    );
}
