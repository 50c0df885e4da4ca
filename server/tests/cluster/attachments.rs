//! Attachments across processes on S3-compatible storage: a file uploaded through one
//! process is served by the other, a message carrying it reaches members on both, one
//! upload sent through both processes at once is stored with one message only, ranges
//! are served from the bucket, and the files of a deleted message, of a deleted room and
//! of an upload never sent leave it. Pictures of users and rooms set through one process
//! reach the other's connections, and a replaced one leaves the bucket.

use std::time::Duration;

use chat_protocol::v1::{Attachment, ClientFrame, ServerFrame};

use crate::common::{Client, http_client};
use crate::harness::{Cluster, Conversation, Node, S3Server};

const BUCKET: &str = "chat-attachments";

async fn upload(node: &Node, token: &str, name: &str, mime: &str, bytes: Vec<u8>) -> Attachment {
    let response = http_client()
        .post(node.url(&format!("/v1/uploads?filename={name}")))
        .bearer_auth(token)
        .header("content-type", mime)
        .body(bytes)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.expect("an attachment")
}

async fn download(node: &Node, token: &str, path: &str) -> (u16, Vec<u8>) {
    download_range(node, token, path, None).await
}

/// A GET, of `range` (a `Range` header) if given.
async fn download_range(
    node: &Node,
    token: &str,
    path: &str,
    range: Option<&str>,
) -> (u16, Vec<u8>) {
    let mut request = http_client().get(node.url(path)).bearer_auth(token);
    if let Some(range) = range {
        request = request.header("range", range);
    }
    let response = request.send().await.expect("download");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").to_vec())
}

/// Waits (10 s at most) until no key in the bucket contains `id`.
async fn until_gone(s3: &S3Server, id: &str, what: &str) {
    for _ in 0..200 {
        if !s3.keys(BUCKET).await.iter().any(|key| key.contains(id)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: still in the bucket");
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::DynamicImage::new_rgb8(width, height)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode");
    bytes
}

fn send(room: &str, attachment: &str) -> ClientFrame {
    ClientFrame::SendMessage {
        room_id: room.into(),
        client_msg_id: uuid::Uuid::new_v4().to_string(),
        content: String::new(),
        reply_to: None,
        mentions: Vec::new(),
        attachments: vec![attachment.into()],
    }
}

/// Two processes on `cluster`'s PostgreSQL and Redis that keep attachments in a new
/// bucket of `s3` (uploads never sent expire after 2 s), with `extra` flags.
async fn two_nodes_on_s3(cluster: &Cluster, s3: &S3Server, extra: &[&str]) -> (Node, Node) {
    s3.create_bucket(BUCKET).await;
    let url = format!("s3://{BUCKET}/chat");
    let endpoint = s3.endpoint();
    let mut flags = vec![
        "--attachments-url",
        url.as_str(),
        "--attachments-s3-endpoint",
        endpoint.as_str(),
        "--upload-ttl",
        "2s",
    ];
    flags.extend_from_slice(extra);
    let credentials = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
    ];
    cluster.two_nodes_with_env(&flags, &credentials).await
}

/// The next frame `want` takes on a connection that joined the room, past the message
/// of the same user's concurrent send through the other process, which this connection
/// hears (before or after its own answer) when that send wins.
async fn next_past_messages(client: &mut Client, want: fn(&ServerFrame) -> bool) -> ServerFrame {
    for _ in 0..10 {
        let frame = client
            .recv_where(|f| want(f) || matches!(f, ServerFrame::Message(_)))
            .await;
        if want(&frame) {
            return frame;
        }
    }
    panic!("no frame as wanted");
}

fn is_answer(frame: &ServerFrame) -> bool {
    matches!(
        frame,
        ServerFrame::MessageAck { .. } | ServerFrame::Error { .. }
    )
}

#[tokio::test]
#[ignore = "needs PostgreSQL, Redis and moto: scripts/cluster-test.sh"]
async fn attachments_on_s3_are_shared_by_every_process_sent_once_and_removed_with_their_room() {
    let s3 = S3Server::start();
    let cluster = Cluster::new().await;
    let (one, two) = two_nodes_on_s3(&cluster, &s3, &["--admin-user", "root"]).await;
    let mut talk = Conversation::start(&one, &two).await;

    // Uploaded through one, stored in the bucket, served by the other.
    let photo = upload(&one, &talk.ann.token, "p.png", "image/png", png(64, 32)).await;
    let id = photo.attachment_id.to_string();
    let mut keys = s3.keys(BUCKET).await;
    keys.sort();
    assert_eq!(
        keys,
        ["medium", "original", "small"].map(|v| format!("chat/{id}/{v}"))
    );
    let (status, original) =
        download(&two, &talk.ann.token, &format!("/v1/attachments/{id}")).await;
    assert_eq!((status, original.len() as u64), (200, photo.size));
    // Ranges come from the bucket as asked, from the start and to the end.
    let path = format!("/v1/attachments/{id}");
    let (status, head) = download_range(&two, &talk.ann.token, &path, Some("bytes=0-9")).await;
    assert_eq!((status, head.as_slice()), (206, &original[..10]));
    let (status, tail) = download_range(&two, &talk.ann.token, &path, Some("bytes=10-")).await;
    assert_eq!((status, tail.as_slice()), (206, &original[10..]));
    let (status, _) = download(
        &two,
        &talk.ann.token,
        &format!("/v1/attachments/{id}/thumbnail?size=medium"),
    )
    .await;
    assert_eq!(status, 200);

    // An upload never sent expires (`--upload-ttl 2s`), whichever process sweeps.
    let unsent = upload(
        &two,
        &talk.ann.token,
        "later.bin",
        "application/octet-stream",
        vec![3; 10],
    )
    .await;
    let unsent_id = unsent.attachment_id.to_string();
    assert!(s3.keys(BUCKET).await.iter().any(|k| k.contains(&unsent_id)));

    // Sent through process one, it reaches Bob on process two.
    talk.a.send(&send(&talk.room, &id)).await;
    let ack = talk.a.recv_where(is_answer).await;
    let ServerFrame::MessageAck { message_id, .. } = ack else {
        panic!("{ack:?}")
    };
    let received = talk.b.recv_message().await;
    assert_eq!(received.attachments, vec![photo]);

    // One upload sent through both processes at once: one message carries it.
    let file = upload(
        &two,
        &talk.ann.token,
        "f.bin",
        "application/octet-stream",
        vec![9; 100],
    )
    .await;
    let file_id = file.attachment_id.to_string();
    let mut on_two = two.client(&talk.ann.token).await;
    talk.a.send(&send(&talk.room, &file_id)).await;
    on_two.send(&send(&talk.room, &file_id)).await;
    let answers = [
        next_past_messages(&mut talk.a, is_answer).await,
        on_two.recv_where(is_answer).await,
    ];
    let acks = answers
        .iter()
        .filter(|f| matches!(f, ServerFrame::MessageAck { .. }))
        .count();
    let conflicts = answers
        .iter()
        .filter(|f| matches!(f, ServerFrame::Error { code, .. } if code.as_str() == "conflict"))
        .count();
    assert_eq!((acks, conflicts), (1, 1), "{answers:?}");

    // Deleting the photo's message empties its part of the bucket.
    talk.a
        .send(&ClientFrame::DeleteMessage {
            room_id: talk.room.as_str().into(),
            message_id,
        })
        .await;
    next_past_messages(&mut talk.a, |f| {
        matches!(f, ServerFrame::MessageDeleted { .. })
    })
    .await;
    until_gone(&s3, &id, "the deleted message's photo").await;
    until_gone(&s3, &unsent_id, "the upload never sent").await;
    assert_eq!(
        s3.keys(BUCKET).await,
        vec![format!("chat/{file_id}/original")],
        "the file that was sent stays"
    );

    // A room deleted by an admin (through the other process) takes the rest along.
    let root = one.register("root").await;
    let response = http_client()
        .delete(two.url(&format!("/v1/admin/rooms/{}", talk.room)))
        .bearer_auth(&root.token)
        .send()
        .await
        .expect("delete the room");
    assert_eq!(response.status().as_u16(), 204);
    until_gone(&s3, &file_id, "the deleted room's file").await;
    assert_eq!(s3.keys(BUCKET).await, Vec::<String>::new());
}

/// A `PATCH` of `body` to `path` on `node`: status and JSON answer.
async fn patch(
    node: &Node,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = http_client()
        .patch(node.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("patch");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
#[ignore = "needs PostgreSQL, Redis and moto: scripts/cluster-test.sh"]
async fn pictures_set_through_one_process_reach_the_other_and_replaced_ones_leave_the_bucket() {
    let s3 = S3Server::start();
    let cluster = Cluster::new().await;
    let (one, two) = two_nodes_on_s3(&cluster, &s3, &[]).await;
    let mut talk = Conversation::start(&one, &two).await;
    let eve = two.register("eve").await;
    let token = talk.ann.token.clone();

    // Ann's picture, uploaded and set through process one: Bob hears of it on two (and
    // Ann's own connection on one), and
    // Eve, who shares no room with her, fetches it there.
    let first = upload(&one, &token, "me.png", "image/png", png(48, 48)).await;
    let first = first.attachment_id.to_string();
    let (status, me) = patch(
        &one,
        &token,
        "/v1/users/me",
        serde_json::json!({"avatar_id": first}),
    )
    .await;
    assert_eq!(
        (status, me["avatar_id"].as_str()),
        (200, Some(first.as_str()))
    );
    for client in [&mut talk.a, &mut talk.b] {
        let updated = client
            .recv_where(|f| matches!(f, ServerFrame::UserUpdated { .. }))
            .await;
        let ServerFrame::UserUpdated { avatar_id, .. } = updated else {
            unreachable!()
        };
        assert_eq!(avatar_id.as_deref(), Some(first.as_str()));
    }
    let thumbnail = format!("/v1/attachments/{first}/thumbnail?size=small");
    assert_eq!(download(&two, &eve.token, &thumbnail).await.0, 200);

    // The room's picture, set through two, reaches both processes' members as a room
    // event.
    let cover = upload(&two, &token, "cover.png", "image/png", png(64, 32)).await;
    let cover = cover.attachment_id.to_string();
    let room_path = format!("/v1/rooms/{}", talk.room);
    let (status, _) = patch(
        &two,
        &token,
        &room_path,
        serde_json::json!({"avatar_id": cover}),
    )
    .await;
    assert_eq!(status, 200);
    for client in [&mut talk.a, &mut talk.b] {
        let changed = client
            .recv_where(|f| matches!(f, ServerFrame::RoomChanged(_)))
            .await;
        let ServerFrame::RoomChanged(changed) = changed else {
            unreachable!()
        };
        assert_eq!(changed.avatar_id.as_deref(), Some(cover.as_str()));
    }

    // A picture outlives `--upload-ttl` (2 s; each process sweeps every half second).
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(download(&one, &eve.token, &thumbnail).await.0, 200);
    // Replaced through two: the first picture's files leave the bucket, whichever
    // process sweeps.
    let second = upload(&two, &token, "me2.png", "image/png", png(48, 48)).await;
    let body = serde_json::json!({"avatar_id": second.attachment_id.to_string()});
    let (status, _) = patch(&two, &token, "/v1/users/me", body).await;
    assert_eq!(status, 200);
    assert_eq!(download(&one, &eve.token, &thumbnail).await.0, 404);
    until_gone(&s3, &first, "the replaced picture").await;
}
