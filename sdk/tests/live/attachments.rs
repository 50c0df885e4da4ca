//! Attachments through the SDK against the real server binary: a photo queued offline
//! survives an app restart and a SIGKILLed server, and is sent exactly once, before the
//! text written after it; an upload cut off by a dying server is sent again and lands
//! once; a file the server refuses (too large, or not what it claims) fails its message
//! with the reason, and the room goes on; thumbnails come once and then from the cache.

use chat_protocol::v1::ErrorCode;
use chat_sdk::cache::MessageStatus;
use chat_sdk::{ChatClient, ClientEvent, ThumbnailVariant};

use crate::harness::{
    Proxy, ServerProcess, connected, contents, create_room, eventually, fast_config, free_addr,
    server_seqs,
};

/// A PNG of `width` × `height`.
pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::DynamicImage::new_rgb8(width, height)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode");
    bytes
}

/// Ann (a file-backed device, through `proxy`) and Bob (direct) in a private room,
/// both connected.
async fn two_devices(
    proxy: &Proxy,
    direct: &str,
    db: std::path::PathBuf,
) -> (ChatClient, chat_sdk::Session, ChatClient, String) {
    let ann = ChatClient::open(fast_config(proxy.url(), Some(db))).unwrap();
    let bob = ChatClient::open(fast_config(direct.to_owned(), None)).unwrap();
    let ann_session = ann.register("ann", "correct horse battery").await.unwrap();
    let bob_session = bob.register("bob", "correct horse battery").await.unwrap();
    let room = create_room(
        direct,
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
    (ann, ann_session, bob, room)
}

#[tokio::test]
async fn a_photo_queued_offline_survives_a_restart_and_a_server_kill_and_is_sent_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let server = ServerProcess::start(dir.path(), addr).await;
    let proxy = Proxy::start(addr).await;
    let direct = format!("http://{addr}");
    let db = dir.path().join("ann-device.db");
    let (ann, ann_session, bob, room) = two_devices(&proxy, &direct, db.clone()).await;

    proxy.set_offline(true);
    eventually(10, "ann offline", || {
        ann.connection_state() != chat_sdk::core::ConnectionState::Connected
    })
    .await;
    let photo = png(64, 32);
    let echo = ann
        .send_attachment(&room, photo.clone(), "beach.png", "image/png", None)
        .unwrap();
    ann.send_message(&room, "after the photo").unwrap();
    let shown = |ann: &ChatClient| {
        let page = ann.messages(&room, None, 10).unwrap();
        assert_eq!(page.len(), 2, "{page:?}");
        let pending = &page[0];
        assert_eq!(pending.status, MessageStatus::Pending);
        assert_eq!(pending.attachments.len(), 1);
        assert_eq!(pending.attachments[0].attachment_id, None);
        assert_eq!(pending.attachments[0].name, "beach.png");
        assert_eq!(
            ann.pending_file(&echo.client_msg_id, 0).unwrap(),
            Some(photo.clone()),
            "the SDK keeps its own copy"
        );
    };
    shown(&ann);
    ann.shutdown();
    drop(ann);

    // The server dies and comes back while the app is closed; then the app opens again.
    server.kill();
    let _server = ServerProcess::start(dir.path(), addr).await;
    proxy.set_offline(false);
    let ann = ChatClient::open(fast_config(proxy.url(), Some(db))).unwrap();
    shown(&ann);
    let mut events = ann.subscribe();
    ann.set_session(&ann_session).unwrap();
    ann.connect().unwrap();

    eventually(20, "bob has the photo, then the text", || {
        let page = bob.messages(&room, None, 10).unwrap();
        page.len() == 2 && page[0].attachments.len() == 1 && page[1].content == "after the photo"
    })
    .await;
    let page = bob.messages(&room, None, 10).unwrap();
    let received = &page[0].attachments[0];
    assert_eq!(
        (
            received.name.as_str(),
            received.mime.as_str(),
            received.width,
            received.height
        ),
        ("beach.png", "image/png", Some(64), Some(32))
    );
    assert_eq!(
        (received.thumbnail_width, received.thumbnail_height),
        (Some(64), Some(32))
    );
    assert_eq!(
        server_seqs(&direct, &ann_session.token, &room).await.len(),
        2,
        "each message stored once"
    );
    eventually(20, "ann's copy is sent too", || {
        let page = ann.messages(&room, None, 10).unwrap();
        page.len() == 2
            && page.iter().all(|m| m.seq.is_some())
            && page[0].attachments[0].attachment_id == received.attachment_id
    })
    .await;
    assert_eq!(ann.pending_file(&echo.client_msg_id, 0).unwrap(), None);
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
    let total = photo.len() as u64;
    assert_eq!(progress.first(), Some(&(0, total)), "{progress:?}");
    assert_eq!(progress.last(), Some(&(total, total)), "{progress:?}");

    // Thumbnails: fetched once, then from the cache (even with the server gone).
    let id = received.attachment_id.clone().unwrap();
    let small = bob.thumbnail(&id, ThumbnailVariant::Small).await.unwrap();
    assert_eq!(image::load_from_memory(&small).unwrap().width(), 64);
    drop(_server);
    assert_eq!(
        bob.thumbnail(&id, ThumbnailVariant::Small).await.unwrap(),
        small
    );
}

#[tokio::test]
async fn an_upload_cut_off_by_a_dying_server_is_sent_again_and_lands_once() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let server = ServerProcess::start(dir.path(), addr).await;
    let proxy = Proxy::start(addr).await;
    let direct = format!("http://{addr}");
    let (ann, ann_session, bob, room) =
        two_devices(&proxy, &direct, dir.path().join("ann.db")).await;
    let mut events = ann.subscribe();

    // Bytes stop mid-upload; the server is killed with the upload half received.
    proxy.set_stalled(true);
    let file: Vec<u8> = (0..3 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    ann.send_attachment(
        &room,
        file.clone(),
        "data.bin",
        "application/octet-stream",
        Some("the data".into()),
    )
    .unwrap();
    ann.send_message(&room, "and a word after it").unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the upload started")
            .unwrap();
        if matches!(event, ClientEvent::UploadProgress { sent_bytes, .. } if sent_bytes > 0) {
            break;
        }
    }
    server.kill();
    let _server = ServerProcess::start(dir.path(), addr).await;
    proxy.set_stalled(false);

    eventually(30, "bob has the file, then the word", || {
        contents(&bob, &room) == ["the data", "and a word after it"]
    })
    .await;
    let page = bob.messages(&room, None, 10).unwrap();
    let id = page[0].attachments[0].attachment_id.clone().unwrap();
    assert_eq!(bob.download_attachment(&id).await.unwrap(), file);
    assert_eq!(
        server_seqs(&direct, &ann_session.token, &room).await.len(),
        2
    );
}

#[tokio::test]
async fn a_file_the_server_refuses_fails_its_message_and_the_room_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let _server =
        ServerProcess::start_with(dir.path(), addr, &["--max-upload-bytes", "4096"]).await;
    let proxy = Proxy::start(addr).await;
    let direct = format!("http://{addr}");
    let (ann, _ann_session, bob, room) =
        two_devices(&proxy, &direct, dir.path().join("ann.db")).await;
    // A file over the server's limit: 413.
    let oversized = ann
        .send_attachment(
            &room,
            vec![7; 5000],
            "notes.bin",
            "application/octet-stream",
            None,
        )
        .unwrap();
    // PNG bytes declared as a JPEG: the server answers 415.
    let refused = ann
        .send_attachment(
            &room,
            png(4, 4),
            "x.jpg",
            "image/jpeg",
            Some("a photo".into()),
        )
        .unwrap();
    ann.send_message(&room, "still here").unwrap();
    eventually(20, "the next message goes out", || {
        contents(&bob, &room) == ["still here"]
    })
    .await;
    eventually(10, "the photo's message failed", || {
        ann.messages(&room, None, 10).unwrap().iter().any(|m| {
            m.client_msg_id == refused.client_msg_id
                && matches!(&m.status, MessageStatus::Failed { code: ErrorCode::UnsupportedType, message } if message.contains("image/png"))
        })
    })
    .await;
    assert!(
        ann.messages(&room, None, 10).unwrap().iter().any(|m| {
            m.client_msg_id == oversized.client_msg_id
                && matches!(
                    &m.status,
                    MessageStatus::Failed {
                        code: ErrorCode::TooLarge,
                        ..
                    }
                )
        }),
        "the oversized file's message failed as too large"
    );
    for failed in [&refused, &oversized] {
        ann.cancel(&failed.client_msg_id).unwrap();
        eventually(10, "cancelled", || {
            ann.messages(&room, None, 10)
                .unwrap()
                .iter()
                .all(|m| m.client_msg_id != failed.client_msg_id)
        })
        .await;
        assert_eq!(ann.pending_file(&failed.client_msg_id, 0).unwrap(), None);
    }

    // A photo can answer a message, and mention members, like a text.
    let parent = bob.messages(&room, None, 10).unwrap()[0]
        .message_id
        .clone()
        .unwrap();
    let file = chat_sdk::cache::NewFile {
        name: "answer.png".into(),
        mime: "image/png".into(),
        bytes: png(8, 8),
    };
    ann.send_attachments_with(
        &room,
        vec![file],
        "",
        Some(parent.clone()),
        vec![bob.current_session().unwrap().user_id],
    )
    .unwrap();
    eventually(20, "bob has the answer", || {
        bob.messages(&room, None, 10).unwrap().iter().any(|m| {
            m.reply_to.as_deref() == Some(parent.as_str())
                && m.mentions.len() == 1
                && m.attachments
                    .first()
                    .is_some_and(|a| a.name == "answer.png" && a.attachment_id.is_some())
        })
    })
    .await;
}
