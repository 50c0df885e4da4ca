//! The SDK's browser platform in headless Chromium (wasm-bindgen-test), against the
//! real chat-server that `scripts/web-test.sh` starts and names in
//! `CHAT_TEST_SERVER_URL` at build time: the page's WebSocket, IndexedDB storage of the
//! cache and outbox, and reconnecting on the window's `online` event.

#![cfg(all(target_arch = "wasm32", feature = "web"))]

use std::time::Duration;

use chat_protocol::v1::RoomVisibility;
use chat_sdk::cache::MessageStatus;
use chat_sdk::core::{BackoffPolicy, ConnectionState, CoreConfig};
use chat_sdk::{ChatClient, ClientConfig, ClientEvent, Session};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const SERVER: &str = env!("CHAT_TEST_SERVER_URL");

#[wasm_bindgen(inline_js = r#"
export function storedFile(database, path) {
    return new Promise((resolve, reject) => {
        const open = indexedDB.open(database);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const all = open.result.transaction("blocks").objectStore("blocks").getAll();
            all.onerror = () => reject(all.error);
            all.onsuccess = () => {
                const blocks = all.result.filter(b => b.path === path)
                    .sort((a, b) => a.offset - b.offset);
                const size = blocks.reduce((n, b) => n + b.data.length, 0);
                const file = new Uint8Array(size);
                let at = 0;
                for (const b of blocks) { file.set(b.data, at); at += b.data.length; }
                open.result.close();
                resolve(file);
            };
        };
    });
}
"#)]
extern "C" {
    /// The bytes of `path` as stored in the IndexedDB database `database`.
    #[wasm_bindgen(js_name = storedFile)]
    async fn stored_file(database: &str, path: &str) -> JsValue;
}

/// A name no earlier run used (IndexedDB outlives a test run in the same profile).
fn unique(prefix: &str) -> String {
    format!("{prefix}{}", (js_sys::Math::random() * 1e12) as u64)
}

fn config(server: &str, database: Option<&str>) -> ClientConfig {
    ClientConfig::new(server, database.map(Into::into))
}

/// Polls `condition` every 20 ms for up to ten seconds.
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        gloo_timers::future::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Waits for a connection state matching `want`, naming the last one seen on timeout.
async fn state_becomes(client: &ChatClient, what: &str, want: impl Fn(&ConnectionState) -> bool) {
    for _ in 0..500 {
        if want(&client.connection_state()) {
            return;
        }
        gloo_timers::future::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "timed out waiting for {what}; last state {:?}",
        client.connection_state()
    );
}

#[wasm_bindgen_test]
async fn a_message_goes_out_over_the_browser_socket_and_is_acknowledged() {
    let client = ChatClient::open_in_browser(config(SERVER, Some(&unique("chat-web-"))))
        .await
        .unwrap();
    client
        .register(&unique("web"), "correct horse battery")
        .await
        .unwrap();
    let room = client
        .create_room("browser", RoomVisibility::Public, &[])
        .await
        .unwrap();
    client.join_room(&room).unwrap();
    client.connect().unwrap();
    state_becomes(&client, "connected", |state| {
        *state == ConnectionState::Connected
    })
    .await;

    let echo = client.send_message(&room, "hello from Chromium").unwrap();
    assert_eq!(echo.status, MessageStatus::Pending);
    eventually("acknowledged", || {
        client.messages(&room, None, 10).unwrap()[0].status == MessageStatus::Sent
    })
    .await;
    assert_eq!(client.messages(&room, None, 10).unwrap()[0].seq, Some(1));

    // Rich messages over the browser socket: a queued reaction comes back counted, and
    // local search runs on SQLite-on-wasm's FTS5.
    let message_id = client.messages(&room, None, 10).unwrap()[0]
        .message_id
        .clone()
        .unwrap();
    client.react(&room, &message_id, "👍", true).unwrap();
    eventually("the reaction is confirmed", || {
        let shown = &client.messages(&room, None, 10).unwrap()[0];
        shown.reactions.len() == 1 && shown.reactions[0].user_ids.len() == 1
    })
    .await;
    let found = client.search_local("CHROMIUM", None, 10).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].message_id.as_deref(), Some(message_id.as_str()));
    client.shutdown();
}

#[wasm_bindgen_test]
async fn the_outbox_is_in_indexeddb_once_persisted_resolves() {
    let database = unique("chat-outbox-");
    let client = ChatClient::open_in_browser(config(SERVER, Some(&database)))
        .await
        .unwrap();
    // Signed in but never connected: both messages wait in the outbox.
    client
        .set_session(&Session {
            user_id: "u1".into(),
            token: "not-used".into(),
            expires_at: i64::MAX,
            refresh_token: None,
            refresh_expires_at: None,
        })
        .unwrap();
    client.send_message("room-1", "first, offline").unwrap();
    client.send_message("room-1", "second, offline").unwrap();
    client.persisted().await.unwrap();

    // Read the file back from IndexedDB itself, not from the VFS's memory.
    let bytes = js_sys::Uint8Array::new(&stored_file("chat-sdk", &database).await).to_vec();
    assert!(!bytes.is_empty(), "nothing of {database} is in IndexedDB");
    let mut copy = rusqlite::Connection::open_in_memory().unwrap();
    copy.deserialize_read_exact(rusqlite::MAIN_DB, bytes.as_slice(), bytes.len(), true)
        .unwrap();
    let queued: Vec<String> = copy
        .prepare("SELECT content FROM outbox ORDER BY position")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(queued, ["first, offline", "second, offline"]);
    client.shutdown();
}

#[wasm_bindgen_test]
async fn the_online_event_ends_the_backoff_wait() {
    // Nothing listens on port 1; a minute of backoff would outlast the test.
    let mut config = config("http://127.0.0.1:1", None);
    config.core = CoreConfig {
        backoff: BackoffPolicy {
            floor_ms: 60_000,
            ceiling_ms: 60_000,
            stable_after_ms: 60_000,
        },
        ..CoreConfig::default()
    };
    let client = ChatClient::open_in_browser(config).await.unwrap();
    client
        .set_session(&Session {
            user_id: "u1".into(),
            token: "t".into(),
            expires_at: i64::MAX,
            refresh_token: None,
            refresh_expires_at: None,
        })
        .unwrap();
    client.connect().unwrap();
    state_becomes(&client, "a backoff wait", |state| {
        matches!(state, ConnectionState::Reconnecting { attempt: 1, .. })
    })
    .await;

    // From now on, any new connection attempt shows as a Connecting event.
    let mut events = client.subscribe();
    let window = web_sys::window().unwrap();
    window
        .dispatch_event(&web_sys::Event::new("online").unwrap())
        .unwrap();
    let mut attempted = false;
    eventually("a new attempt right away", || {
        while let Ok(event) = events.try_recv() {
            attempted |= matches!(
                event,
                ClientEvent::Connection {
                    state: ConnectionState::Connecting { .. }
                }
            );
        }
        attempted
    })
    .await;
    client.shutdown();
}

#[wasm_bindgen_test]
async fn a_bad_server_url_is_refused_at_open() {
    let refused = ChatClient::open_in_browser(config("ws://example.com", None)).await;
    assert!(matches!(
        refused,
        Err(chat_sdk::ClientError::InvalidConfig(_))
    ));
}

/// A PNG of 4 × 2 blue pixels.
const PNG: [u8; 73] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 4, 0, 0, 0, 2, 8, 2, 0,
    0, 0, 240, 202, 234, 52, 0, 0, 0, 16, 73, 68, 65, 84, 120, 156, 99, 208, 207, 191, 7, 71, 12,
    200, 28, 0, 149, 2, 11, 225, 103, 206, 8, 189, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

#[wasm_bindgen_test]
async fn a_photo_is_uploaded_over_fetch_and_its_thumbnail_cached() {
    let client = ChatClient::open_in_browser(config(SERVER, Some(&unique("chat-photo-"))))
        .await
        .unwrap();
    client
        .register(&unique("photo"), "correct horse battery")
        .await
        .unwrap();
    let room = client
        .create_room("photos", RoomVisibility::Public, &[])
        .await
        .unwrap();
    let mut events = client.subscribe();
    client.join_room(&room).unwrap();
    client.connect().unwrap();
    state_becomes(&client, "connected", |state| {
        *state == ConnectionState::Connected
    })
    .await;
    let echo = client
        .send_attachment(
            &room,
            PNG.to_vec(),
            "blue.png",
            "image/png",
            Some("blue".into()),
        )
        .unwrap();
    assert_eq!(echo.attachments[0].attachment_id, None);
    eventually("the photo is sent", || {
        let shown = &client.messages(&room, None, 10).unwrap()[0];
        shown.status == MessageStatus::Sent && shown.attachments[0].attachment_id.is_some()
    })
    .await;
    let shown = client.messages(&room, None, 10).unwrap().remove(0);
    let photo = &shown.attachments[0];
    assert_eq!((photo.width, photo.height), (Some(4), Some(2)));
    assert_eq!(photo.thumbnail_width, Some(4));
    let mut progress = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let ClientEvent::UploadProgress {
            sent_bytes,
            total_bytes,
            ..
        } = event
        {
            progress.push((sent_bytes, total_bytes));
        }
    }
    assert_eq!(
        progress,
        [(0, 73), (73, 73)],
        "fetch reports the start and the end"
    );
    let id = photo.attachment_id.clone().unwrap();
    let thumbnail = client
        .thumbnail(&id, chat_sdk::ThumbnailVariant::Small)
        .await
        .unwrap();
    assert!(thumbnail.starts_with(&[0xFF, 0xD8]), "a JPEG thumbnail");
    client.shutdown();
}
