//! Push registration: the token is kept in the cache, a new one replaces the old device,
//! sign-out takes the device with it, and the next sign-in (also after a restart)
//! registers the kept token again.

use chat_protocol::v1::{ErrorCode, PushPlatform};
use chat_sdk::{ChatClient, ClientError};

use crate::harness::{Server, fast_config};

const PASSWORD: &str = "correct horse battery";

fn hints(devices: &[chat_protocol::v1::Device]) -> Vec<String> {
    devices.iter().map(|d| d.token_hint.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_push_token_is_kept_replaced_and_registered_again_after_sign_in() {
    let server = Server::start().await;
    let url = format!("http://{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("cache.db");

    let phone = ChatClient::open(fast_config(url.clone(), Some(database.clone()))).unwrap();
    let session = phone.register("ann", PASSWORD).await.unwrap();
    let first = phone
        .register_push_token(PushPlatform::Fcm, "fcm-token-one", None, None)
        .await
        .unwrap();
    assert_eq!(first.token_hint, "oken-one");
    // The push service rotated the token: the old device does not linger.
    let second = phone
        .register_push_token(PushPlatform::Fcm, "fcm-token-two", None, None)
        .await
        .unwrap();
    assert_ne!(second.device_id, first.device_id);
    assert_eq!(hints(&phone.push_devices().await.unwrap()), ["oken-two"]);

    // A malformed token is the server's to refuse, with its code.
    let refused = phone
        .register_push_token(PushPlatform::Apns, "not hex", None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            ClientError::Server {
                code: ErrorCode::InvalidRequest,
                ..
            }
        ),
        "{refused:?}"
    );

    // Signing out takes the device off the server.
    let refresh = session.refresh_token.clone().unwrap();
    phone.sign_out(&refresh).await.unwrap();
    let tablet = ChatClient::open(fast_config(url.clone(), None)).unwrap();
    tablet.login("ann", PASSWORD).await.unwrap();
    assert!(tablet.push_devices().await.unwrap().is_empty());
    drop(phone);

    // The app restarts and Ann signs in again: the kept token is registered again.
    let restarted = ChatClient::open(fast_config(url.clone(), Some(database.clone()))).unwrap();
    restarted.login("ann", PASSWORD).await.unwrap();
    assert_eq!(hints(&tablet.push_devices().await.unwrap()), ["oken-two"]);

    // Unregistering stops it for good: the next sign-in registers nothing.
    restarted.unregister_push().await.unwrap();
    assert!(tablet.push_devices().await.unwrap().is_empty());
    restarted.login("ann", PASSWORD).await.unwrap();
    assert!(tablet.push_devices().await.unwrap().is_empty());

    // A browser's subscription goes through the same registry.
    let device = tablet
        .register_web_push(
            "https://push.example.net/send/abc",
            "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
            "tBHItJI5svbpez7KI4CCXg",
        )
        .await
        .unwrap();
    assert_eq!(device.platform, PushPlatform::Webpush);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vapid_key_is_given_when_the_server_sends_web_push() {
    let plain = Server::start().await;
    let client = ChatClient::open(fast_config(format!("http://{}", plain.addr), None)).unwrap();
    client.register("ann", PASSWORD).await.unwrap();
    assert_eq!(client.vapid_public_key().await.unwrap(), None);

    let dir = tempfile::tempdir().unwrap();
    // A P-256 key in PKCS#8 PEM, as `openssl ecparam -name prime256v1 -genkey` makes.
    let key_file = dir.path().join("vapid.pem");
    std::fs::write(
        &key_file,
        rcgen::KeyPair::generate().unwrap().serialize_pem(),
    )
    .unwrap();
    let pushing = Server::start_with(move |config| {
        config.push.vapid_key_file = Some(key_file);
        config.push.vapid_subject = Some("mailto:ops@example.com".into());
    })
    .await;
    let client = ChatClient::open(fast_config(format!("http://{}", pushing.addr), None)).unwrap();
    client.register("ann", PASSWORD).await.unwrap();
    let key = client
        .vapid_public_key()
        .await
        .unwrap()
        .expect("a VAPID key");
    // An uncompressed P-256 point, base64url without padding.
    assert_eq!(key.len(), 87);
    assert!(key.starts_with('B'), "{key}");
}
