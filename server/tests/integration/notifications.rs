//! Notifications for offline recipients, received by a webhook on loopback that answers
//! 500 at first: signed, retried, for offline members only.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::common::TestServer;

const SECRET: &str = "webhook-test-secret-0123456789";

/// A webhook receiver: records every request, and answers 500 to the first `fail` ones.
struct Receiver {
    url: String,
    requests: Arc<Mutex<Vec<(HeaderMap, String, u16)>>>,
}

impl Receiver {
    async fn start(fail: usize) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let failures = Arc::new(AtomicUsize::new(fail));
        let app = Router::new().route(
            "/hook",
            post({
                let requests = Arc::clone(&requests);
                move |headers: HeaderMap, body: String| {
                    let requests = Arc::clone(&requests);
                    let failures = Arc::clone(&failures);
                    async move {
                        let failing = failures
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok();
                        let status = if failing {
                            StatusCode::INTERNAL_SERVER_ERROR
                        } else {
                            StatusCode::NO_CONTENT
                        };
                        requests
                            .lock()
                            .unwrap()
                            .push((headers, body, status.as_u16()));
                        status
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, requests }
    }

    /// The bodies of delivered notifications (answered 2xx), once `count` arrived.
    async fn delivered(&self, count: usize) -> Vec<Value> {
        for _ in 0..500 {
            let delivered: Vec<Value> = self
                .requests
                .lock()
                .unwrap()
                .iter()
                .filter(|(_, _, status)| *status < 300)
                .map(|(_, body, _)| serde_json::from_str(body).unwrap())
                .collect();
            if delivered.len() >= count {
                return delivered;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("fewer than {count} notifications delivered");
    }
}

/// A server that notifies `webhook`, with `adjust` applied to its configuration.
async fn server_notifying(
    webhook: &Receiver,
    adjust: impl FnOnce(&mut chat_server::Config) + Send + 'static,
) -> TestServer {
    let url = webhook.url.clone();
    TestServer::start_with(move |c| {
        c.notify_webhook_url = Some(url);
        c.notify_webhook_secret = Some(SECRET.into());
        adjust(c);
    })
    .await
}

/// A notification's recipients, sorted.
fn recipients(note: &Value) -> Vec<String> {
    let mut ids: Vec<String> = note["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    ids.sort_unstable();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    ids.sort_unstable();
    ids
}

fn expected_signature(timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn offline_members_get_signed_notifications_and_retries_survive_500s() {
    let webhook = Receiver::start(2).await;
    let server = server_notifying(&webhook, move |c| {
        c.notify_retry = Duration::from_millis(50);
    })
    .await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let room = server
        .create_room(
            &ann.token,
            "plans",
            "private",
            &[&bob.user_id, &carol.user_id],
        )
        .await;
    let mut a = server.client(&ann.token).await;
    let b = server.client(&bob.token).await; // Bob is online; Carol is not.
    let ack = a.say(&room, "the secret plan").await;

    let delivered = webhook.delivered(1).await;
    let note = &delivered[0];
    assert_eq!(note["type"], "notification.offline");
    assert_eq!(note["recipients"], serde_json::json!([carol.user_id]));
    assert_eq!(note["room_name"], "plans");
    assert_eq!(note["sender_name"], "ann");
    assert_eq!(note["message_id"], crate::common::ack_id(&ack).as_str());
    assert!(note.get("content").is_none(), "no text unless enabled");

    // The two 500s were retried with the same notification, each request signed.
    let requests = webhook.requests.lock().unwrap().clone();
    assert_eq!(
        requests.iter().map(|(_, _, s)| *s).collect::<Vec<_>>(),
        [500, 500, 204]
    );
    for (headers, body, _) in &requests {
        let timestamp = headers["x-chat-timestamp"].to_str().unwrap();
        assert_eq!(
            headers["x-chat-signature"].to_str().unwrap(),
            expected_signature(timestamp, body)
        );
        assert_eq!(
            headers["x-chat-notification-id"].to_str().unwrap(),
            note["notification_id"].as_str().unwrap()
        );
    }

    // Once Bob's last connection closes, he is notified too; Ann, the sender, never.
    drop(b);
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.say(&room, "are you there?").await;
    let delivered = webhook.delivered(2).await;
    assert_eq!(
        recipients(&delivered[1]),
        sorted(&[&bob.user_id, &carol.user_id])
    );
}

#[tokio::test]
async fn a_graceful_shutdown_posts_the_notifications_it_accepted() {
    // The first post fails, and its retry waits longer than the rest of the shutdown.
    let webhook = Receiver::start(1).await;
    let server = server_notifying(&webhook, |c| {
        c.notify_retry = Duration::from_millis(400);
    })
    .await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id])
        .await;
    let mut a = server.client(&ann.token).await;
    a.say(&room, "just before the deployment").await;
    for _ in 0..500 {
        if !webhook.requests.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(a);
    server.stop().await;
    let delivered = webhook.delivered(1).await;
    assert_eq!(delivered[0]["recipients"], serde_json::json!([bob.user_id]));
}

#[tokio::test]
async fn nobody_offline_means_no_notification_and_content_only_when_enabled() {
    let webhook = Receiver::start(0).await;
    let server = server_notifying(&webhook, move |c| {
        c.notify_include_content = true;
    })
    .await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id])
        .await;
    let mut a = server.client(&ann.token).await;
    let b = server.client(&bob.token).await;
    a.say(&room, "everyone is here").await;
    // The offline check runs in a task of its own after the ack (it reads the members
    // first): give it time while Bob is still connected, so that his leaving below
    // cannot race it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        webhook.requests.lock().unwrap().is_empty(),
        "everyone was online"
    );
    drop(b);
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.say(&room, "now bob is away").await;
    let delivered = webhook.delivered(1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        webhook.requests.lock().unwrap().len(),
        1,
        "only the second message"
    );
    assert_eq!(delivered[0]["content"], "now bob is away");
    assert!(delivered[0].get("attachment_count").is_none());

    // A photo without a caption: the notification says what it carries.
    let upload: Value = server
        .http
        .post(server.url("/v1/uploads?filename=notes.txt"))
        .bearer_auth(&ann.token)
        .body("meeting notes")
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("an attachment");
    a.send(&chat_protocol::v1::ClientFrame::SendMessage {
        room_id: room.as_str().into(),
        client_msg_id: uuid::Uuid::new_v4().to_string(),
        content: String::new(),
        reply_to: None,
        mentions: Vec::new(),
        attachments: vec![upload["attachment_id"].as_str().unwrap().into()],
    })
    .await;
    let delivered = webhook.delivered(2).await;
    assert_eq!(delivered[1]["attachment_count"], 1);
    assert_eq!(delivered[1]["attachments"][0]["name"], "notes.txt");
}

#[tokio::test]
async fn a_member_who_muted_the_room_is_not_notified_until_they_unmute() {
    let webhook = Receiver::start(0).await;
    let server = server_notifying(&webhook, |_| {}).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let room = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id, &carol.user_id])
        .await;
    let mute = |token: String, until: Value| {
        let request = server
            .http
            .put(server.url(&format!("/v1/rooms/{room}/mute")))
            .bearer_auth(token)
            .json(&serde_json::json!({ "until": until }));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        mute(bob.token.clone(), Value::from(4_102_444_800_000_i64)).await,
        204
    );

    // Bob and Carol are offline; Bob muted the room.
    let mut a = server.client(&ann.token).await;
    a.say(&room, "while bob has it muted").await;
    let delivered = webhook.delivered(1).await;
    assert_eq!(
        delivered[0]["recipients"],
        serde_json::json!([carol.user_id])
    );

    assert_eq!(mute(bob.token.clone(), Value::Null).await, 204);
    a.say(&room, "after bob unmuted").await;
    let delivered = webhook.delivered(2).await;
    assert_eq!(
        recipients(&delivered[1]),
        sorted(&[&bob.user_id, &carol.user_id])
    );
}

#[tokio::test]
async fn reports_reach_the_webhook_signed_with_the_content_only_when_enabled() {
    for include_content in [false, true] {
        let webhook = Receiver::start(0).await;
        let server = server_notifying(&webhook, move |c| {
            c.notify_include_content = include_content;
        })
        .await;
        let mut duo = server.duo("private").await;
        let ack = duo.b.say(&duo.room, "report me").await;
        let body = serde_json::json!({
            "room_id": duo.room,
            "message_id": crate::common::ack_id(&ack),
            "reason": "abuse"
        });
        // Ann is connected: the message notifies nobody, so the only post is the report.
        let (status, report) = crate::common::send_json(
            &server,
            reqwest::Method::POST,
            Some(&duo.ann.token),
            "/v1/reports",
            body,
        )
        .await;
        assert_eq!(status, 201, "{report}");
        let delivered = webhook.delivered(1).await;
        let post = &delivered[0];
        assert_eq!(post["type"], "report.created", "{post}");
        for field in [
            "report_id",
            "reporter_id",
            "room_id",
            "message_id",
            "user_id",
            "reason",
        ] {
            assert_eq!(post[field], report[field], "{field}");
        }
        let expected = include_content.then_some("report me");
        assert_eq!(post["message_content"].as_str(), expected);
        let requests = webhook.requests.lock().unwrap();
        let (headers, raw, _) = &requests[0];
        let timestamp = headers["x-chat-timestamp"].to_str().unwrap();
        assert_eq!(
            headers["x-chat-signature"].to_str().unwrap(),
            expected_signature(timestamp, raw)
        );
        assert_eq!(
            headers["x-chat-notification-id"],
            report["report_id"].as_str().unwrap()
        );
    }
}

#[tokio::test]
async fn mentioned_recipients_are_named_and_those_who_blocked_the_sender_are_left_out() {
    let webhook = Receiver::start(0).await;
    let server = server_notifying(&webhook, |_| {}).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let dave = server.register("dave").await;
    let room = server
        .create_room(
            &ann.token,
            "r",
            "private",
            &[&bob.user_id, &carol.user_id, &dave.user_id],
        )
        .await;
    let blocked = server
        .http
        .put(server.url(&format!("/v1/users/me/blocks/{}", ann.user_id)))
        .bearer_auth(&dave.token)
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status(), 204);

    // Bob, Carol and Dave are offline; Ann mentions Bob and Dave; Dave blocked her.
    let mut a = server.client(&ann.token).await;
    a.send(&chat_protocol::v1::ClientFrame::SendMessage {
        room_id: room.as_str().into(),
        client_msg_id: uuid::Uuid::new_v4().to_string(),
        content: "@bob @dave look".into(),
        reply_to: None,
        mentions: vec![bob.user_id.as_str().into(), dave.user_id.as_str().into()],
        attachments: Vec::new(),
    })
    .await;
    let delivered = webhook.delivered(1).await;
    assert_eq!(
        recipients(&delivered[0]),
        sorted(&[&bob.user_id, &carol.user_id])
    );
    assert_eq!(delivered[0]["mentioned"], serde_json::json!([bob.user_id]));

    // A message that mentions nobody leaves the field out.
    a.say(&room, "no mentions").await;
    let delivered = webhook.delivered(2).await;
    assert!(delivered[1].get("mentioned").is_none(), "{}", delivered[1]);
}

#[tokio::test]
async fn a_mention_reaches_a_member_who_muted_the_room_unless_they_said_otherwise() {
    let webhook = Receiver::start(0).await;
    let server = server_notifying(&webhook, |_| {}).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let room = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id, &carol.user_id])
        .await;
    // Both mute the room for good; Bob keeps mentions (the default), Carol does not.
    for (token, body) in [
        (
            &bob.token,
            serde_json::json!({"until": 4_102_444_800_000_i64}),
        ),
        (
            &carol.token,
            serde_json::json!({"until": 4_102_444_800_000_i64, "mentions": false}),
        ),
    ] {
        let path = format!("/v1/rooms/{room}/mute");
        let (status, _) =
            crate::common::send_json(&server, reqwest::Method::PUT, Some(token), &path, body).await;
        assert_eq!(status, 204);
    }
    // A `mentions` that is not a boolean is refused, and changes nothing.
    let path = format!("/v1/rooms/{room}/mute");
    let bad = serde_json::json!({"until": null, "mentions": "yes"});
    let (status, body) = crate::common::send_json(
        &server,
        reqwest::Method::PUT,
        Some(&carol.token),
        &path,
        bad,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    let mut a = server.client(&ann.token).await;
    let mention = || chat_protocol::v1::ClientFrame::SendMessage {
        room_id: room.as_str().into(),
        client_msg_id: uuid::Uuid::new_v4().to_string(),
        content: "@bob @carol look".into(),
        reply_to: None,
        mentions: vec![bob.user_id.as_str().into(), carol.user_id.as_str().into()],
        attachments: Vec::new(),
    };
    // A message without mentions notifies neither; one that mentions both, Bob only.
    a.say(&room, "nobody is mentioned").await;
    a.send(&mention()).await;
    let delivered = webhook.delivered(1).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(recipients(&delivered[0]), sorted(&[&bob.user_id]));
    assert_eq!(delivered[0]["mentioned"], serde_json::json!([bob.user_id]));
}
