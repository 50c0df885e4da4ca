//! Staying signed in: short-lived access tokens renewed on the live connection, by the
//! client itself with the built-in accounts' refresh tokens, or through the app's token
//! provider. Nothing reconnects, and nothing is missed.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chat_protocol::v1::{ErrorCode, PushPlatform};
use chat_sdk::core::ConnectionState;
use chat_sdk::{ChatClient, ClientEvent, TokenProvider};

use crate::harness::{Server, connected, create_room, eventually, fast_config, http};

/// What an app's provider does with the built-in auth: trade the stored refresh token
/// for the next session and keep the new refresh token.
struct RefreshingProvider {
    client: ChatClient,
    refresh_token: Mutex<String>,
    renewals: Mutex<u32>,
}

impl TokenProvider for RefreshingProvider {
    fn fresh_token(&self) -> Pin<Box<dyn Future<Output = Option<String>> + Send + '_>> {
        Box::pin(async move {
            let presented = self.refresh_token.lock().unwrap().clone();
            let session = self.client.refresh_session(&presented).await.ok()?;
            *self.refresh_token.lock().unwrap() = session.refresh_token.clone()?;
            *self.renewals.lock().unwrap() += 1;
            Some(session.token)
        })
    }
}

/// Tokens live 8 s: the client renews 0 to 4 s before expiry.
const TOKEN_TTL: Duration = Duration::from_secs(8);
/// Longer than a token's lifetime.
const PAST_EXPIRY: Duration = Duration::from_secs(10);

async fn server() -> (Server, String) {
    let server = Server::start_with(|c| {
        c.token_ttl = TOKEN_TTL;
    })
    .await;
    let url = format!("http://{}", server.addr);
    (server, url)
}

fn connection_states(
    events: &mut tokio::sync::broadcast::Receiver<ClientEvent>,
) -> Vec<ConnectionState> {
    let mut states = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let ClientEvent::Connection { state } = event {
            states.push(state);
        }
    }
    states
}

/// Connected once and never dropped since.
fn stayed_connected(states: &[ConnectionState]) {
    assert_eq!(
        states
            .iter()
            .filter(|s| **s == ConnectionState::Connected)
            .count(),
        1,
        "{states:?}"
    );
    assert!(
        !states.iter().any(|s| matches!(
            s,
            ConnectionState::Reconnecting { .. } | ConnectionState::NeedsToken { .. }
        )),
        "{states:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_in_accounts_renew_with_refresh_tokens_without_reconnecting() {
    let (server, url) = server().await;
    let ann = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let session = ann.register("ann", "correct horse battery").await.unwrap();
    let bob = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let bob_session = bob.register("bob", "correct horse battery").await.unwrap();
    let room = create_room(
        &url,
        &session.token,
        "renewal",
        "private",
        &[&bob_session.user_id],
    )
    .await;

    let mut events = ann.subscribe();
    ann.join_room(&room).unwrap();
    ann.connect().unwrap();
    connected(&ann).await;
    tokio::time::sleep(PAST_EXPIRY).await;

    // The client renewed by itself and handed the app each new session to store; the
    // newest is also there to read (read first: a renewal may land meanwhile).
    let current = ann.current_session().expect("a session");
    let mut renewed = Vec::new();
    let mut states = Vec::new();
    while let Ok(event) = events.try_recv() {
        match event {
            ClientEvent::SessionRenewed { session } => renewed.push(session),
            ClientEvent::Connection { state } => states.push(state),
            _ => {}
        }
    }
    assert!(!renewed.is_empty(), "no renewal in {PAST_EXPIRY:?}");
    let latest = renewed.last().unwrap();
    assert_eq!(latest.user_id, session.user_id);
    assert_ne!(
        latest.refresh_token, session.refresh_token,
        "the refresh token rotates"
    );
    stayed_connected(&states);
    assert!(
        renewed
            .iter()
            .any(|s| s.token == current.token && s.refresh_token == current.refresh_token),
        "current_session is a renewed session"
    );

    // Live and usable: Bob (signing in again, his token has expired) reaches Ann, and
    // REST calls use the renewed token.
    bob.login("bob", "correct horse battery").await.unwrap();
    bob.join_room(&room).unwrap();
    bob.connect().unwrap();
    connected(&bob).await;
    bob.send_message(&room, "still with us?").unwrap();
    eventually(10, "Ann hears Bob", || {
        ann.messages(&room, None, 10)
            .is_ok_and(|m| m.iter().any(|m| m.content == "still with us?"))
    })
    .await;
    assert!(ann.rooms().await.is_ok(), "REST with the renewed token");
    let metrics = http()
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("chat_token_renewals_total{via=\"websocket\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("chat_token_renewals_total{via=\"refresh_token\"}"),
        "{metrics}"
    );
    ann.shutdown();
    bob.shutdown();
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_stays_with_its_user_when_offered_another_users_session() {
    let (server, url) = server().await;
    let ann = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let ann_session = ann.register("ann", "correct horse battery").await.unwrap();
    let other = ChatClient::open(fast_config(url, None)).unwrap();
    let bob_session = other
        .register("bob", "correct horse battery")
        .await
        .unwrap();
    let mut events = ann.subscribe();
    ann.connect().unwrap();
    connected(&ann).await;

    match ann.set_session(&bob_session) {
        Err(chat_sdk::ClientError::OtherUser(owner)) => assert_eq!(owner, ann_session.user_id),
        other => panic!("another user's session was taken: {other:?}"),
    }
    // Nothing changed: still Ann, still connected, her own token still renews.
    let room = ann
        .create_room("ann's", chat_protocol::v1::RoomVisibility::Private, &[])
        .await
        .unwrap();
    let rooms = ann.rooms().await.unwrap();
    assert!(rooms.iter().any(|r| r.room_id == room), "REST as Ann");
    ann.set_session(&ann_session).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stayed_connected(&connection_states(&mut events));
    assert_eq!(
        ann.current_session().map(|s| s.user_id),
        Some(ann_session.user_id.clone())
    );
    ann.sign_out(ann_session.refresh_token.as_deref().unwrap())
        .await
        .unwrap();
    assert!(ann.current_session().is_none(), "forgotten on sign-out");
    ann.shutdown();
    other.shutdown();
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apps_token_provider_renews_the_live_connection() {
    let (server, url) = server().await;
    let ann = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let session = ann.register("ann", "correct horse battery").await.unwrap();
    // As an app of an external auth service would: a provider of its own, and a
    // session without a refresh token.
    let provider = Arc::new(RefreshingProvider {
        client: ann.clone(),
        refresh_token: Mutex::new(session.refresh_token.clone().expect("refresh token")),
        renewals: Mutex::new(0),
    });
    ann.set_session(&chat_sdk::Session {
        refresh_token: None,
        refresh_expires_at: None,
        ..session.clone()
    })
    .unwrap();
    ann.set_token_provider(provider.clone());
    let mut events = ann.subscribe();
    ann.connect().unwrap();
    connected(&ann).await;
    tokio::time::sleep(PAST_EXPIRY).await;
    assert!(
        *provider.renewals.lock().unwrap() >= 1,
        "the provider was asked"
    );
    stayed_connected(&connection_states(&mut events));
    assert!(ann.rooms().await.is_ok(), "REST with the renewed token");
    ann.shutdown();
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_keeps_this_device_and_signs_the_others_out() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let phone = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    phone
        .register("ann", "correct horse battery")
        .await
        .unwrap();
    let tablet = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    tablet.login("ann", "correct horse battery").await.unwrap();
    for client in [&phone, &tablet] {
        client.connect().unwrap();
        connected(client).await;
    }
    phone
        .register_push_token(PushPlatform::Fcm, "phone-push-token", None, None)
        .await
        .unwrap();
    // Token times are whole seconds: the change comes in a later one than the tokens.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let mut phone_events = phone.subscribe();

    let wrong = phone
        .change_password("not the password", "battery staple horse")
        .await;
    assert!(
        matches!(&wrong, Err(chat_sdk::ClientError::Server { code, .. }) if *code == ErrorCode::Forbidden),
        "{wrong:?}"
    );
    let session = phone
        .change_password("correct horse battery", "battery staple horse")
        .await
        .unwrap();
    assert_eq!(phone.current_session(), Some(session.clone()));
    // The tablet is signed out: its refresh token is revoked, so it waits for a sign-in.
    eventually(10, "the tablet needs a sign-in", || {
        matches!(
            tablet.connection_state(),
            ConnectionState::NeedsToken { .. }
        )
    })
    .await;
    // The phone stays connected on its new session, and the app was handed it to store.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(phone.connection_state(), ConnectionState::Connected);
    let mut renewed = None;
    while let Ok(event) = phone_events.try_recv() {
        if let ClientEvent::SessionRenewed { session } = event {
            renewed = Some(session);
        }
    }
    assert_eq!(renewed, Some(session));
    assert!(phone.rooms().await.is_ok(), "REST with the new session");
    // The change made the server forget every push device; the phone registered again.
    let devices = phone.push_devices().await.unwrap();
    assert_eq!(devices.len(), 1, "{devices:?}");
    // The new password signs in again on the tablet.
    tablet
        .login("ann", "battery staple horse")
        .await
        .expect("the new password");
    phone.shutdown();
    tablet.shutdown();
    drop(server);
}

fn needs_token(client: &ChatClient) -> bool {
    matches!(
        client.connection_state(),
        ConnectionState::NeedsToken { .. }
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_are_listed_by_device_name_and_ending_them_signs_those_devices_out() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let open = |name: Option<&str>| {
        let client = ChatClient::open(fast_config(url.clone(), None)).unwrap();
        client.set_device_name(name.map(Into::into));
        client
    };
    let phone = open(Some("Pixel 8"));
    phone
        .register("ann", "correct horse battery")
        .await
        .unwrap();
    let tablet = open(Some("iPad"));
    tablet.login("ann", "correct horse battery").await.unwrap();
    let laptop = open(None);
    laptop.login("ann", "correct horse battery").await.unwrap();
    for client in [&phone, &tablet, &laptop] {
        client.connect().unwrap();
        connected(client).await;
    }
    // A name the server refuses fails the sign-in and adds none.
    let nameless = open(Some(" "));
    let refused = nameless.login("ann", "correct horse battery").await;
    assert!(
        matches!(
            &refused,
            Err(chat_sdk::ClientError::Server {
                code: ErrorCode::InvalidRequest,
                ..
            })
        ),
        "{refused:?}"
    );

    let listed = phone.sign_ins().await.unwrap();
    let names: Vec<_> = listed
        .iter()
        .map(|s| (s.device_name.as_deref(), s.current))
        .collect();
    assert_eq!(
        names,
        [
            (None, false),
            (Some("iPad"), false),
            (Some("Pixel 8"), true)
        ]
    );
    let unknown = phone
        .end_sign_in("0193a0c2-7777-7c3a-9d1e-2f4b6a8c0e11")
        .await;
    assert!(
        matches!(
            &unknown,
            Err(chat_sdk::ClientError::Server {
                code: ErrorCode::NotFound,
                ..
            })
        ),
        "{unknown:?}"
    );

    // Ending the laptop's sign-in signs it out: it cannot renew, so it waits for one.
    phone.end_sign_in(&listed[0].id).await.unwrap();
    eventually(10, "the laptop needs a sign-in", || needs_token(&laptop)).await;
    assert_eq!(tablet.connection_state(), ConnectionState::Connected);

    // Ending every other one: the tablet is signed out and its push device forgotten;
    // the phone stays, with its own device.
    for (client, token) in [(&phone, "phone-push-token"), (&tablet, "tablet-push-token")] {
        client
            .register_push_token(PushPlatform::Fcm, token, None, None)
            .await
            .unwrap();
    }
    assert_eq!(phone.push_devices().await.unwrap().len(), 2);
    assert_eq!(phone.end_other_sign_ins().await.unwrap(), 1);
    eventually(10, "the tablet needs a sign-in", || needs_token(&tablet)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(phone.connection_state(), ConnectionState::Connected);
    let devices = phone.push_devices().await.unwrap();
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert_eq!(phone.sign_ins().await.unwrap().len(), 1);
    for client in [&phone, &tablet, &laptop, &nameless] {
        client.shutdown();
    }
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_with_an_admins_token_and_signs_the_old_devices_out() {
    let server = Server::start_with(|c| c.admin_users = vec!["root".into()]).await;
    let url = format!("http://{}", server.addr);
    let root = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    root.register("root", "correct horse battery")
        .await
        .unwrap();
    let phone = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    let ann = phone
        .register("ann", "correct horse battery")
        .await
        .unwrap();
    phone.connect().unwrap();
    connected(&phone).await;

    // The admin's side (the app's backend, say): a reset token for ann.
    let granted: serde_json::Value = http()
        .post(format!(
            "{url}/v1/admin/users/{}/password-reset",
            ann.user_id
        ))
        .bearer_auth(root.current_session().unwrap().token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reset_token = granted["reset_token"].as_str().unwrap();

    // A client that already belongs to a user does not reset anyone's password (the
    // token's user is known only once it is done), and the token stays usable.
    let refused = phone
        .reset_password(reset_token, "battery staple horse")
        .await;
    assert!(
        matches!(&refused, Err(chat_sdk::ClientError::OtherUser(_))),
        "{refused:?}"
    );
    // Ann's new phone: a wrong token and a short password are refused, then it works.
    let new_phone = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    new_phone.set_device_name(Some("New phone".into()));
    for (token, password, want) in [
        (
            "f".repeat(64),
            "battery staple horse",
            ErrorCode::Unauthorized,
        ),
        (reset_token.to_owned(), "short", ErrorCode::InvalidRequest),
    ] {
        let refused = new_phone.reset_password(&token, password).await;
        assert!(
            matches!(&refused, Err(chat_sdk::ClientError::Server { code, .. }) if *code == want),
            "{refused:?}"
        );
    }
    let session = new_phone
        .reset_password(reset_token, "battery staple horse")
        .await
        .unwrap();
    assert_eq!(session.user_id, ann.user_id);
    assert_eq!(new_phone.current_session(), Some(session));
    new_phone.connect().unwrap();
    connected(&new_phone).await;
    // The old phone is signed out everywhere: it waits for a sign-in.
    eventually(10, "the old phone needs a sign-in", || needs_token(&phone)).await;
    let listed = new_phone.sign_ins().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].device_name.as_deref(), Some("New phone"));
    for client in [&root, &phone, &new_phone] {
        client.shutdown();
    }
    drop(server);
}
