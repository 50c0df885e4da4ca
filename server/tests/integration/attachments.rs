//! Attachments over the wire: uploads (checked by their bytes, stripped of metadata,
//! thumbnailed), sends that carry them exactly once, downloads for members only (by
//! token or signed link, with ranges and ETags), and removal with their message or
//! when never sent. Every refusal changes nothing.

use std::time::Duration;

use axum::body::Bytes;
use chat_protocol::v1::{Attachment, ClientFrame, MessageId, ServerFrame, ThumbnailSize};
use image::metadata::Orientation;
use image::{DynamicImage, GenericImageView as _, ImageFormat};
use img_parts::ImageEXIF as _;
use serde_json::Value;

use crate::common::{Client, TestServer, send_json};

/// Text inside the test photo's EXIF that must never be served.
const SECRET: &[u8] = b"GPS 51.5007N 0.1246W secret";

/// An encoded image of `width` × `height`.
pub(crate) fn image_bytes(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = DynamicImage::new_rgb8(width, height);
    let mut bytes = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut bytes), format)
        .expect("encode");
    bytes
}

/// An EXIF block (big-endian TIFF, one IFD of two entries) that says to turn the image
/// 90° (Orientation = 6) and carries [`SECRET`] as its ImageDescription.
fn exif_with_secret() -> Bytes {
    let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x02".to_vec();
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    let text_at: u32 = 8 + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&[0x01, 0x0e, 0, 2]);
    tiff.extend_from_slice(&u32::try_from(SECRET.len() + 1).unwrap().to_be_bytes());
    tiff.extend_from_slice(&text_at.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(SECRET);
    tiff.push(0);
    Bytes::from(tiff)
}

/// A JPEG of 40 × 20 pixels with [`exif_with_secret`].
fn photo_with_exif() -> Vec<u8> {
    let mut jpeg =
        img_parts::jpeg::Jpeg::from_bytes(Bytes::from(image_bytes(40, 20, ImageFormat::Jpeg)))
            .expect("a jpeg");
    jpeg.set_exif(Some(exif_with_secret()));
    jpeg.encoder().bytes().to_vec()
}

/// A PNG of 40 × 20 pixels with [`exif_with_secret`] (an `eXIf` chunk) and [`SECRET`]
/// again in a text chunk.
fn png_with_metadata() -> Vec<u8> {
    let mut png =
        img_parts::png::Png::from_bytes(Bytes::from(image_bytes(40, 20, ImageFormat::Png)))
            .expect("a png");
    let mut comment = b"Comment\0".to_vec();
    comment.extend_from_slice(SECRET);
    // After the header, before the image data.
    png.chunks_mut().insert(
        1,
        img_parts::png::PngChunk::new(*b"tEXt", Bytes::from(comment)),
    );
    png.set_exif(Some(exif_with_secret()));
    png.encoder().bytes().to_vec()
}

/// A lossless WebP of 40 × 20 pixels with transparency, [`exif_with_secret`] and
/// [`SECRET`] again as XMP (the extended format, as cameras and editors write it).
fn webp_with_metadata() -> Vec<u8> {
    use img_parts::riff::{RiffChunk, RiffContent};
    let mut encoded = Vec::new();
    DynamicImage::new_rgba8(40, 20)
        .write_to(&mut std::io::Cursor::new(&mut encoded), ImageFormat::WebP)
        .expect("encode");
    let mut webp = img_parts::webp::WebP::from_bytes(Bytes::from(encoded)).expect("a webp");
    let mut xmp = b"<x:xmpmeta><dc:description>".to_vec();
    xmp.extend_from_slice(SECRET);
    xmp.extend_from_slice(b"</dc:description></x:xmpmeta>");
    webp.chunks_mut().push(RiffChunk::new(
        *b"XMP ",
        RiffContent::Data(Bytes::from(xmp)),
    ));
    // Setting the EXIF adds the extended header, its flags naming both blocks.
    webp.set_exif(Some(exif_with_secret()));
    webp.encoder().bytes().to_vec()
}

/// A GIF of 40 × 20 pixels.
fn gif() -> Vec<u8> {
    image_bytes(40, 20, ImageFormat::Gif)
}

/// A PNG that declares 100,000 × 100,000 pixels in a few dozen bytes.
fn png_bomb() -> Vec<u8> {
    let mut png = img_parts::png::Png::from_bytes(Bytes::from(image_bytes(1, 1, ImageFormat::Png)))
        .expect("a png");
    let header = png.chunks_mut().first_mut().expect("IHDR");
    let mut contents = header.contents().to_vec();
    contents[0..4].copy_from_slice(&100_000u32.to_be_bytes());
    contents[4..8].copy_from_slice(&100_000u32.to_be_bytes());
    *header = img_parts::png::PngChunk::new(*b"IHDR", Bytes::from(contents));
    png.encoder().bytes().to_vec()
}

/// `POST /v1/uploads`: status and JSON body.
pub(crate) async fn upload(
    server: &TestServer,
    token: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let response = server
        .http
        .post(server.url(&format!(
            "/v1/uploads?filename={}",
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
        )))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn uploaded(
    server: &TestServer,
    token: &str,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> Attachment {
    let (status, body) = upload(server, token, name, mime, bytes).await;
    assert_eq!(status, 201, "{body}");
    serde_json::from_value(body).expect("an attachment")
}

/// A GET (with `token` if given): status, headers, body.
pub(crate) async fn get(
    server: &TestServer,
    token: Option<&str>,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = server.http.get(server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("get");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.bytes().await.expect("body").to_vec(),
    )
}

pub(crate) fn send_frame(
    room: &str,
    client_msg_id: &str,
    caption: &str,
    attachments: &[&str],
) -> ClientFrame {
    ClientFrame::SendMessage {
        room_id: room.into(),
        client_msg_id: client_msg_id.into(),
        content: caption.into(),
        reply_to: None,
        mentions: Vec::new(),
        attachments: attachments.iter().map(|id| (*id).into()).collect(),
    }
}

/// Sends a message with attachments; its ack or error.
pub(crate) async fn send(
    client: &mut Client,
    room: &str,
    client_msg_id: &str,
    caption: &str,
    ids: &[&str],
) -> ServerFrame {
    client
        .send(&send_frame(room, client_msg_id, caption, ids))
        .await;
    client
        .recv_where(|f| {
            matches!(
                f,
                ServerFrame::MessageAck { .. } | ServerFrame::Error { .. }
            )
        })
        .await
}

/// Sends a new message carrying `ids` and checks it was stored; its server id.
async fn sent(client: &mut Client, room: &str, caption: &str, ids: &[&str]) -> MessageId {
    let ack = send(
        client,
        room,
        &uuid::Uuid::new_v4().to_string(),
        caption,
        ids,
    )
    .await;
    match ack {
        ServerFrame::MessageAck { message_id, .. } => message_id,
        other => panic!("expected an ack, got {other:?}"),
    }
}

pub(crate) fn error_code(frame: &ServerFrame) -> String {
    match frame {
        ServerFrame::Error { code, .. } => code.to_string(),
        other => panic!("expected an error, got {other:?}"),
    }
}

/// Files under the attachment directory (and uploads still arriving).
pub(crate) fn stored_files(server: &TestServer) -> Vec<String> {
    let mut found = Vec::new();
    for dir in ["attachments", "uploads-in-progress"] {
        let root = server.dir.path().join(dir);
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if entry.path().is_dir() {
                    stack.push(entry.path());
                } else {
                    found.push(entry.path().display().to_string());
                }
            }
        }
    }
    found
}

#[tokio::test]
async fn a_photo_is_stripped_thumbnailed_sent_and_served_to_members_only() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let carol = server.register("carol").await;
    let photo = uploaded(
        &server,
        &duo.ann.token,
        "beach.jpg",
        "image/jpeg",
        photo_with_exif(),
    )
    .await;
    // Turned as the EXIF says: 40 × 20 stored, 20 × 40 shown.
    assert_eq!(
        (photo.mime.as_str(), photo.width, photo.height),
        ("image/jpeg", Some(20), Some(40))
    );
    assert_eq!(
        photo.thumbnail,
        Some(ThumbnailSize {
            width: 20,
            height: 40
        })
    );
    assert_eq!(photo.name, "beach.jpg");

    let id = photo.attachment_id.to_string();
    sent(&mut duo.a, &duo.room, "", &[&id]).await;
    let live = duo.b.recv_message().await;
    assert_eq!(live.attachments, vec![photo.clone()]);
    assert_eq!(live.content, "");
    let (status, page) = server
        .get_json(&duo.bob.token, &format!("/v1/rooms/{}/messages", duo.room))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        page["messages"][0]["attachments"][0]["attachment_id"],
        id.as_str()
    );

    // The original, as a member downloads it: no metadata but the orientation.
    let path = format!("/v1/attachments/{id}");
    let (status, headers, body) = get(&server, Some(&duo.bob.token), &path, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    assert_eq!(body.len() as u64, photo.size);
    assert!(!tells_the_secret(&body), "EXIF text was served");
    let served = img_parts::jpeg::Jpeg::from_bytes(Bytes::from(body.clone())).expect("a jpeg");
    let orientation = served
        .exif()
        .and_then(|exif| Orientation::from_exif_chunk(&exif));
    assert_eq!(orientation, Some(Orientation::Rotate90));
    assert_eq!(
        image::load_from_memory(&body)
            .expect("decodes")
            .dimensions(),
        (40, 20)
    );

    // Caching and ranges.
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, _) = get(
        &server,
        Some(&duo.bob.token),
        &path,
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(status, 304);
    let (status, headers, part) = get(
        &server,
        Some(&duo.bob.token),
        &path,
        &[("range", "bytes=0-9")],
    )
    .await;
    assert_eq!((status, part.as_slice()), (206, &body[..10]));
    assert_eq!(
        headers["content-range"],
        format!("bytes 0-9/{}", body.len()).as_str()
    );
    let beyond = format!("bytes={}-", body.len());
    let (status, headers, _) =
        get(&server, Some(&duo.bob.token), &path, &[("range", &beyond)]).await;
    assert_eq!(status, 416);
    assert_eq!(
        headers["content-range"],
        format!("bytes */{}", body.len()).as_str()
    );

    // Thumbnails, turned.
    for size in ["small", "medium"] {
        let (status, headers, body) = get(
            &server,
            Some(&duo.bob.token),
            &format!("{path}/thumbnail?size={size}"),
            &[],
        )
        .await;
        assert_eq!(
            (status, headers["content-type"].to_str().unwrap()),
            (200, "image/jpeg")
        );
        assert_eq!(
            image::load_from_memory(&body)
                .expect("decodes")
                .dimensions(),
            (20, 40)
        );
    }
    let (status, _, _) = get(
        &server,
        Some(&duo.bob.token),
        &format!("{path}/thumbnail?size=huge"),
        &[],
    )
    .await;
    assert_eq!(status, 400);

    // Not a member: as if it did not exist. No token: unauthorized.
    for what in ["", "/thumbnail", "/links"] {
        let (status, _, _) = get(&server, Some(&carol.token), &format!("{path}{what}"), &[]).await;
        assert_eq!(status, 404, "{what}");
        let (status, _, _) = get(&server, None, &format!("{path}{what}"), &[]).await;
        assert_eq!(status, 401, "{what}");
    }

    // Signed links work without a token, for what they were signed for only.
    let (status, links) = server
        .get_json(&duo.bob.token, &format!("{path}/links"))
        .await;
    assert_eq!(status, 200, "{links}");
    let url = links["url"].as_str().unwrap();
    let (status, _, signed) = get(&server, None, url, &[]).await;
    assert_eq!((status, signed.len()), (200, body.len()));
    let (status, _, _) = get(&server, None, links["thumbnail_url"].as_str().unwrap(), &[]).await;
    assert_eq!(status, 200);
    let forged = url.replace("signature=", "signature=00");
    let (status, _, _) = get(&server, None, &forged, &[]).await;
    assert_eq!(status, 403);
    let (_, query) = url.split_once('?').unwrap();
    let (status, _, _) = get(
        &server,
        None,
        &format!("{path}/thumbnail?size=medium&{query}"),
        &[],
    )
    .await;
    assert_eq!(
        status, 403,
        "a link to the original must not open a thumbnail"
    );
    server.stop().await;
}

/// Whether `haystack` contains [`SECRET`].
fn tells_the_secret(haystack: &[u8]) -> bool {
    haystack.windows(SECRET.len()).any(|w| w == SECRET)
}

#[tokio::test]
async fn png_webp_and_gif_are_taken_stripped_thumbnailed_and_listed_in_history() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    // (name, bytes, sniffed type, shown size, thumbnail type, EXIF orientation served)
    let cases = [
        (
            "map.png",
            png_with_metadata(),
            "image/png",
            (20, 40),
            "image/jpeg",
            Some(Orientation::Rotate90),
        ),
        (
            "sticker.webp",
            webp_with_metadata(),
            "image/webp",
            (20, 40),
            // Transparency is kept: the thumbnail is a PNG.
            "image/png",
            Some(Orientation::Rotate90),
        ),
        (
            "wave.gif",
            gif(),
            "image/gif",
            (40, 20),
            // GIF may be transparent (it decodes with alpha): a PNG too.
            "image/png",
            None,
        ),
    ];
    let mut attachments = Vec::new();
    for (name, bytes, mime, shown, thumbnail_mime, orientation) in cases {
        assert!(
            mime == "image/gif" || tells_the_secret(&bytes),
            "{name}: the test file must carry the secret"
        );
        // Declared generically: the bytes decide.
        let attachment = uploaded(
            &server,
            &duo.ann.token,
            name,
            "application/octet-stream",
            bytes.clone(),
        )
        .await;
        assert_eq!(
            (
                attachment.mime.as_str(),
                attachment.width,
                attachment.height
            ),
            (mime, Some(shown.0), Some(shown.1)),
            "{name}"
        );
        assert_eq!(
            attachment.thumbnail,
            Some(ThumbnailSize {
                width: shown.0,
                height: shown.1
            }),
            "{name}"
        );
        let path = format!("/v1/attachments/{}", attachment.attachment_id);
        let (status, headers, served) = get(&server, Some(&duo.ann.token), &path, &[]).await;
        assert_eq!(
            (status, headers["content-type"].to_str().unwrap()),
            (200, mime),
            "{name}"
        );
        assert_eq!(served.len() as u64, attachment.size, "{name}");
        assert!(!tells_the_secret(&served), "{name}: metadata was served");
        let exif = match mime {
            "image/png" => img_parts::png::Png::from_bytes(Bytes::from(served.clone()))
                .expect("a png")
                .exif(),
            "image/webp" => img_parts::webp::WebP::from_bytes(Bytes::from(served.clone()))
                .expect("a webp")
                .exif(),
            _ => {
                // GIF carries no EXIF or XMP: served byte for byte.
                assert_eq!(served, bytes, "{name}");
                None
            }
        };
        assert_eq!(
            exif.and_then(|exif| Orientation::from_exif_chunk(&exif)),
            orientation,
            "{name}: the orientation alone is kept"
        );
        // Still the same picture, stored as it came (40 × 20, turned when shown).
        assert_eq!(
            image::load_from_memory(&served)
                .expect("decodes")
                .dimensions(),
            (40, 20),
            "{name}"
        );
        for size in ["small", "medium"] {
            let (status, headers, thumbnail) = get(
                &server,
                Some(&duo.ann.token),
                &format!("{path}/thumbnail?size={size}"),
                &[],
            )
            .await;
            assert_eq!(
                (status, headers["content-type"].to_str().unwrap()),
                (200, thumbnail_mime),
                "{name} {size}"
            );
            assert_eq!(
                image::load_from_memory(&thumbnail)
                    .expect("decodes")
                    .dimensions(),
                shown,
                "{name} {size}"
            );
        }
        attachments.push(attachment);
    }

    // All three in one message: the live frame, the WebSocket history page and the
    // REST page list them in the order they were given.
    let ids: Vec<String> = attachments
        .iter()
        .map(|a| a.attachment_id.to_string())
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    sent(&mut duo.a, &duo.room, "three pictures", &ids).await;
    assert_eq!(duo.b.recv_message().await.attachments, attachments);
    let (page, _) = duo.b.history(&duo.room, None, 10).await;
    let last = page.last().expect("the message");
    assert_eq!(
        (last.content.as_str(), &last.attachments),
        ("three pictures", &attachments)
    );
    let (status, page) = server
        .get_json(&duo.bob.token, &format!("/v1/rooms/{}/messages", duo.room))
        .await;
    assert_eq!(status, 200);
    let listed: Vec<Attachment> =
        serde_json::from_value(page["messages"][0]["attachments"].clone()).expect("attachments");
    assert_eq!(listed, attachments);
    server.stop().await;
}

#[tokio::test]
async fn a_file_is_a_download_and_its_name_stays_text() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let name = "<img src=x onerror=alert(1)>.html";
    let file = uploaded(
        &server,
        &duo.ann.token,
        name,
        "text/html",
        b"<script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(
        (
            file.mime.as_str(),
            file.name.as_str(),
            file.width,
            file.thumbnail
        ),
        ("application/octet-stream", name, None, None)
    );
    let id = file.attachment_id.to_string();
    sent(&mut duo.a, &duo.room, "the page", &[&id]).await;
    assert_eq!(duo.b.recv_message().await.attachments[0].name, name);
    let (status, headers, body) = get(
        &server,
        Some(&duo.bob.token),
        &format!("/v1/attachments/{id}"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/octet-stream");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(!disposition.contains('<'), "{disposition}");
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    assert_eq!(body, b"<script>alert(1)</script>");
    let (status, _, _) = get(
        &server,
        Some(&duo.bob.token),
        &format!("/v1/attachments/{id}/thumbnail"),
        &[],
    )
    .await;
    assert_eq!(status, 404, "a file has no thumbnail");
    server.stop().await;
}

#[tokio::test]
async fn bad_uploads_are_refused_and_leave_nothing_behind() {
    let server =
        TestServer::start_with(|config| config.attachments.max_upload_bytes = 64 * 1024).await;
    let ann = server.register("ann").await;
    let token = ann.token.as_str();
    let png = image_bytes(8, 8, ImageFormat::Png);
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        (
            "too big",
            "application/octet-stream",
            vec![7; 64 * 1024 + 1],
            413,
            "too_large",
        ),
        (
            "declared as another image",
            "image/jpeg",
            png.clone(),
            415,
            "unsupported_type",
        ),
        (
            "an image declared as a document",
            "application/pdf",
            png.clone(),
            415,
            "unsupported_type",
        ),
        (
            "not an image at all",
            "image/png",
            b"%PDF-1.7 not a png".to_vec(),
            415,
            "unsupported_type",
        ),
        (
            "a decompression bomb",
            "image/png",
            png_bomb(),
            413,
            "too_large",
        ),
        (
            "broken after its signature",
            "image/png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRbroken".to_vec(),
            400,
            "invalid_request",
        ),
        (
            "empty",
            "application/octet-stream",
            Vec::new(),
            400,
            "invalid_request",
        ),
    ];
    for (what, mime, bytes, status, code) in cases {
        let (got, body) = upload(&server, token, "f.png", mime, bytes).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some(code)),
            "{what}: {body}"
        );
    }
    // Without a Content-Length, the limit cuts the stream off.
    let chunks =
        futures_util::stream::iter((0..80).map(|_| Ok::<_, std::io::Error>(vec![1u8; 1024])));
    let response = server
        .http
        .post(server.url("/v1/uploads"))
        .bearer_auth(token)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status().as_u16(), 413);
    for (name, status) in [
        ("a\u{0}b", 400),
        ("..", 400),
        (&"x".repeat(256) as &str, 400),
    ] {
        let (got, _) = upload(&server, token, name, "application/octet-stream", vec![1]).await;
        assert_eq!(got, status, "{name:?}");
    }
    let response = server
        .http
        .post(server.url("/v1/uploads"))
        .body(vec![1])
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(stored_files(&server), Vec::<String>::new());
    server.stop().await;
}

#[tokio::test]
async fn the_quota_and_the_upload_rate_hold() {
    let server = TestServer::start_with(|config| {
        config.attachments.upload_quota_bytes = 3_000;
        config.attachments.uploads_per_minute = 3;
    })
    .await;
    let ann = server.register("ann").await;
    let bin = "application/octet-stream";
    uploaded(&server, &ann.token, "a", bin, vec![1; 2_000]).await;
    let (status, body) = upload(&server, &ann.token, "b", bin, vec![1; 2_000]).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("too_large")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("quota"),
        "{body}"
    );
    uploaded(&server, &ann.token, "c", bin, vec![1; 1_000]).await;
    let (status, body) = upload(&server, &ann.token, "d", bin, vec![1; 10]).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("rate_limited")),
        "{body}"
    );
    // Another user has a budget of their own.
    let bob = server.register("bob").await;
    uploaded(&server, &bob.token, "e", bin, vec![1; 2_000]).await;
    server.stop().await;
}

#[tokio::test]
async fn an_attachment_is_sent_once_by_its_uploader_and_a_resend_gets_the_same_message() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let bin = "application/octet-stream";
    let mine = uploaded(&server, &duo.ann.token, "mine", bin, vec![1; 10])
        .await
        .attachment_id
        .to_string();
    let bobs = uploaded(&server, &duo.bob.token, "bobs", bin, vec![2; 10])
        .await
        .attachment_id
        .to_string();
    let room = duo.room.clone();
    let a = &mut duo.a;
    let new_id = || uuid::Uuid::new_v4().to_string();
    assert_eq!(
        error_code(&send(a, &room, &new_id(), "", &[&bobs]).await),
        "forbidden"
    );
    assert_eq!(
        error_code(
            &send(
                a,
                &room,
                &new_id(),
                "",
                &["0190f4c0-0000-7000-8000-000000000000"]
            )
            .await
        ),
        "not_found"
    );
    assert_eq!(
        error_code(&send(a, &room, &new_id(), "", &[&mine, &mine]).await),
        "invalid_request"
    );
    let eleven: Vec<&str> = std::iter::repeat_n(mine.as_str(), 11).collect();
    assert_eq!(
        error_code(&send(a, &room, &new_id(), "", &eleven).await),
        "invalid_request"
    );
    assert_eq!(
        error_code(&send(a, &room, &new_id(), " ", &[]).await),
        "invalid_request"
    );

    let first = new_id();
    let ack = send(a, &room, &first, "caption", &[&mine]).await;
    let ServerFrame::MessageAck {
        message_id, seq, ..
    } = ack
    else {
        panic!("{ack:?}")
    };
    // The same send again is the same message; another send of the file is refused.
    let again = send(a, &room, &first, "caption", &[&mine]).await;
    assert!(
        matches!(&again, ServerFrame::MessageAck { message_id: m, seq: s, .. } if *m == message_id && *s == seq),
        "{again:?}"
    );
    assert_eq!(
        error_code(&send(a, &room, &new_id(), "", &[&mine]).await),
        "conflict"
    );
    // Over REST too.
    let (status, body) = send_json(
        &server,
        reqwest::Method::POST,
        Some(&duo.ann.token),
        &format!("/v1/rooms/{room}/messages"),
        serde_json::json!({"content": "", "attachments": [mine]}),
    )
    .await;
    assert_eq!(status, 400, "no Idempotency-Key: {body}");
    let rest = server
        .http
        .post(server.url(&format!("/v1/rooms/{room}/messages")))
        .bearer_auth(&duo.ann.token)
        .header("idempotency-key", new_id())
        .json(&serde_json::json!({"content": "", "attachments": [mine]}))
        .send()
        .await
        .expect("send");
    assert_eq!(rest.status().as_u16(), 409);
    let other = uploaded(&server, &duo.ann.token, "other", bin, vec![3; 10])
        .await
        .attachment_id
        .to_string();
    let rest = server
        .http
        .post(server.url(&format!("/v1/rooms/{room}/messages")))
        .bearer_auth(&duo.ann.token)
        .header("idempotency-key", new_id())
        .json(&serde_json::json!({"content": "", "attachments": [other]}))
        .send()
        .await
        .expect("send");
    assert_eq!(rest.status().as_u16(), 201);
    // Nothing but the two good sends was stored.
    let (_, page) = server
        .get_json(&duo.bob.token, &format!("/v1/rooms/{room}/messages"))
        .await;
    let messages = page["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{page}");
    assert_eq!(
        messages[0]["attachments"][0]["attachment_id"],
        mine.as_str()
    );
    assert_eq!(
        messages[1]["attachments"][0]["attachment_id"],
        other.as_str()
    );
    server.stop().await;
}

/// Polls (5 s at most) until `done`.
pub(crate) async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 5 s");
}

#[tokio::test]
async fn a_deleted_message_takes_its_files_along_and_unsent_uploads_expire() {
    let server =
        TestServer::start_with(|config| config.attachments.upload_ttl = Duration::from_secs(1))
            .await;
    let mut duo = server.duo("private").await;
    let photo = uploaded(
        &server,
        &duo.ann.token,
        "p.png",
        "image/png",
        image_bytes(30, 30, ImageFormat::Png),
    )
    .await;
    let id = photo.attachment_id.to_string();
    let message_id = sent(&mut duo.a, &duo.room, "", &[&id]).await;
    let unsent = uploaded(
        &server,
        &duo.ann.token,
        "later",
        "application/octet-stream",
        vec![1; 10],
    )
    .await;
    assert_eq!(
        stored_files(&server).len(),
        4,
        "three files of the photo, one of the upload"
    );

    duo.a
        .send(&ClientFrame::DeleteMessage {
            room_id: duo.room.clone().into(),
            message_id: message_id.clone(),
        })
        .await;
    duo.a
        .recv_where(|f| matches!(f, ServerFrame::MessageDeleted { .. }))
        .await;
    let path = format!("/v1/attachments/{id}");
    let (status, _, _) = get(&server, Some(&duo.bob.token), &path, &[]).await;
    assert_eq!(status, 404, "served after its message was deleted");
    let (_, page) = server
        .get_json(&duo.bob.token, &format!("/v1/rooms/{}/messages", duo.room))
        .await;
    assert!(page["messages"][0].get("attachments").is_none(), "{page}");
    eventually("removing every file", async || {
        stored_files(&server).is_empty()
    })
    .await;
    let (status, _, _) = get(
        &server,
        Some(&duo.ann.token),
        &format!("/v1/attachments/{}", unsent.attachment_id),
        &[],
    )
    .await;
    assert_eq!(status, 404, "an expired upload");
    let late = send(
        &mut duo.a,
        &duo.room,
        &uuid::Uuid::new_v4().to_string(),
        "",
        &[unsent.attachment_id.as_str()],
    )
    .await;
    assert_eq!(error_code(&late), "not_found");
    server.stop().await;
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let server = TestServer::start_with(|config| {
        config.attachments.attachment_link_ttl = Duration::from_millis(1);
    })
    .await;
    let ann = server.register("ann").await;
    let file = uploaded(
        &server,
        &ann.token,
        "f",
        "application/octet-stream",
        vec![1; 10],
    )
    .await;
    let (status, links) = server
        .get_json(
            &ann.token,
            &format!("/v1/attachments/{}/links", file.attachment_id),
        )
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let response = server
        .http
        .get(server.url(links["url"].as_str().unwrap()))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status().as_u16(), 403);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_room_deleted_by_an_admin_takes_its_files_along() {
    let server = TestServer::start_with(|config| {
        config.admin_users = vec!["root".into()];
        config.attachments.upload_ttl = Duration::from_secs(1);
    })
    .await;
    let root = server.register("root").await;
    let mut duo = server.duo("private").await;
    let file = uploaded(
        &server,
        &duo.ann.token,
        "f",
        "application/octet-stream",
        vec![1; 10],
    )
    .await;
    let id = file.attachment_id.to_string();
    sent(&mut duo.a, &duo.room, "", &[&id]).await;
    let (status, _) = send_json(
        &server,
        reqwest::Method::DELETE,
        Some(&root.token),
        &format!("/v1/admin/rooms/{}", duo.room),
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _, _) = get(
        &server,
        Some(&duo.ann.token),
        &format!("/v1/attachments/{id}"),
        &[],
    )
    .await;
    assert_eq!(status, 404, "not even its uploader gets it");
    eventually("removing the room's files", async || {
        stored_files(&server).is_empty()
    })
    .await;
    server.stop().await;
}
