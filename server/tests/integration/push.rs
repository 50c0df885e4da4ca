//! Pushes end to end, through the real protocols to local endpoints
//! (tests/push_endpoints): who gets one, what it says, the badge, pruning of gone
//! devices, retries of throttled ones, and chat that never waits for a push service.

use std::time::Duration;

use chat_protocol::v1::AuthResponse;
use p256::elliptic_curve::rand_core::OsRng;
use p256::pkcs8::LineEnding;
use serde_json::{Value, json};

use reqwest::Method;

use crate::common::{TestServer, send_json};
use crate::push_endpoints::apns::{self as apns_endpoint, ApnsEndpoint};
use crate::push_endpoints::fcm::FcmEndpoint;
use crate::push_endpoints::web_push::{self as web_push_receiver, WebPushReceiver};
use crate::push_endpoints::write_file;

/// The three local push services, and the files that lead a server to them.
struct Services {
    apns: ApnsEndpoint,
    fcm: FcmEndpoint,
    web: WebPushReceiver,
    vapid_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Services {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let vapid = p256::SecretKey::random(&mut OsRng);
        let vapid_pem = vapid.to_sec1_pem(LineEnding::LF).unwrap();
        Self {
            apns: ApnsEndpoint::start(dir.path()).await,
            fcm: FcmEndpoint::start(dir.path()).await,
            web: WebPushReceiver::start().await,
            vapid_file: write_file(dir.path(), "vapid.pem", &vapid_pem),
            _dir: dir,
        }
    }

    /// A server that pushes through these services, with `adjust` applied after.
    async fn server(&self, adjust: impl FnOnce(&mut chat_server::Config)) -> TestServer {
        let apns_key = self.apns.key_file.clone();
        let apns_url = self.apns.url.clone();
        let ca_file = self.apns.ca_file.clone();
        let fcm_account = self.fcm.account_file.clone();
        let fcm_url = self.fcm.url.clone();
        let vapid_file = self.vapid_file.clone();
        TestServer::start_with(move |c| {
            let push = &mut c.push;
            push.apns_key_file = Some(apns_key);
            push.apns_key_id = Some(apns_endpoint::KEY_ID.into());
            push.apns_team_id = Some(apns_endpoint::TEAM_ID.into());
            push.apns_topic = Some(apns_endpoint::TOPIC.into());
            push.apns_url = Some(apns_url);
            push.fcm_service_account_file = Some(fcm_account);
            push.fcm_url = fcm_url;
            push.vapid_key_file = Some(vapid_file);
            push.vapid_subject = Some(web_push_receiver::SUBJECT.into());
            push.push_ca_file = Some(ca_file);
            push.push_allow_private_endpoints = true;
            push.push_retry = Duration::from_millis(50);
            push.push_concurrency = 16;
            adjust(c);
        })
        .await
    }
}

async fn register_device(server: &TestServer, token: &str, body: Value) -> Value {
    let response = server
        .http
        .post(server.url("/v1/devices"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{body}");
    response.json().await.unwrap()
}

async fn register_web_push(server: &TestServer, token: &str, subscription: Value) -> Value {
    register_device(
        server,
        token,
        json!({"platform": "webpush", "subscription": subscription}),
    )
    .await
}

fn apns_token(n: u8) -> String {
    hex::encode([n; 32])
}

async fn devices_left(server: &TestServer, token: &str) -> usize {
    let (status, body) = server.get_json(token, "/v1/devices").await;
    assert_eq!(status, 200);
    body["devices"].as_array().unwrap().len()
}

/// Registers `names`; the first creates the private room `room` with the others.
async fn in_a_room(server: &TestServer, room: &str, names: &[&str]) -> (Vec<AuthResponse>, String) {
    let mut people = Vec::new();
    for name in names {
        people.push(server.register(name).await);
    }
    let others: Vec<&str> = people[1..].iter().map(|p| p.user_id.as_str()).collect();
    let room = server
        .create_room(&people[0].token, room, "private", &others)
        .await;
    (people, room)
}

/// Every device type for one user: APNs `apns_token(n)`, FCM `fcm-n`, Web Push `web-n`.
async fn register_all(services: &Services, server: &TestServer, token: &str, n: u8) {
    register_device(
        server,
        token,
        json!({"platform": "apns", "token": apns_token(n)}),
    )
    .await;
    register_device(
        server,
        token,
        json!({"platform": "fcm", "token": format!("fcm-{n}")}),
    )
    .await;
    let subscription = services.web.subscribe(&format!("web-{n}"));
    register_web_push(server, token, subscription).await;
}

fn badges(pushes: &[Value], badge: impl Fn(&Value) -> u64) -> Vec<u64> {
    let mut badges: Vec<u64> = pushes.iter().map(badge).collect();
    badges.sort_unstable();
    badges
}

#[tokio::test]
async fn offline_members_get_a_push_on_every_device_with_their_unread_total_as_badge() {
    let services = Services::start().await;
    let server = services.server(|_| {}).await;
    let (people, room) = in_a_room(&server, "plans", &["ann", "bob", "cat"]).await;
    let [ann, bob, cat] = people.as_slice() else {
        unreachable!("3 people")
    };
    register_all(&services, &server, &bob.token, 1).await;
    register_all(&services, &server, &cat.token, 2).await;
    let mut a = server.client(&ann.token).await;
    let _cat_online = server.client(&cat.token).await;
    a.say(&room, "the first secret").await;
    // The badge is the unread total when the push is made: the second message waits
    // for the first push, so that each badge is known.
    services.apns.log.delivered_to(&apns_token(1), 1).await;
    services.fcm.log.delivered_to("fcm-1", 1).await;
    services.web.log.delivered_to("web-1", 1).await;
    a.say(&room, "the second secret").await;

    // APNs: over HTTP/2 with a verified provider token, collapsed per room, the badge
    // counting both unread messages, and not a word of them.
    let pushes = services.apns.log.delivered_to(&apns_token(1), 2).await;
    assert_eq!(
        badges(&pushes, |p| p["aps"]["badge"].as_u64().unwrap()),
        [1, 2]
    );
    for push in &pushes {
        assert_eq!(push["aps"]["alert"]["title"], "plans");
        assert_eq!(push["aps"]["alert"]["body"], "New message in plans");
        assert_eq!(push["aps"]["mutable-content"], 1);
        assert_eq!(push["room_id"], room.as_str());
        assert_eq!(push["_collapse_id"], room.as_str());
        assert!(!push.to_string().contains("secret"), "{push}");
    }

    // FCM: one OAuth grant for both, the room as collapse key.
    let pushes = services.fcm.log.delivered_to("fcm-1", 2).await;
    let fcm_badge = |p: &Value| p["data"]["badge"].as_str().unwrap().parse().unwrap();
    assert_eq!(badges(&pushes, fcm_badge), [1, 2]);
    for push in &pushes {
        assert_eq!(push["notification"]["body"], "New message in plans");
        assert_eq!(push["android"]["collapse_key"], room.as_str());
        assert!(!push.to_string().contains("secret"), "{push}");
    }
    assert_eq!(services.fcm.grants(), 1);

    // Web Push: decrypted with the subscription's key, signed with the VAPID key the
    // server publishes.
    let pushes = services.web.log.delivered_to("web-1", 2).await;
    assert_eq!(badges(&pushes, |p| p["badge"].as_u64().unwrap()), [1, 2]);
    let (status, key) = server
        .get_json(&bob.token, "/v1/push/vapid-public-key")
        .await;
    assert_eq!(status, 200);
    assert_eq!(key["public_key"].as_str().unwrap().len(), 87);
    for push in &pushes {
        assert_eq!(push["title"], "plans");
        assert_eq!(push["room_id"], room.as_str());
        assert_eq!(push["_vapid_key"], key["public_key"]);
    }

    // Cat is online: none of her devices got anything.
    assert_eq!(services.apns.log.requests_for(&apns_token(2)), 0);
    assert_eq!(services.fcm.log.requests_for("fcm-2"), 0);
    assert_eq!(services.web.log.requests_for("web-2"), 0);
    server
        .wait_for_metric(
            r#"chat_push_total{platform="apns",outcome="delivered"}"#,
            2.0,
        )
        .await;
}

#[tokio::test]
async fn with_include_content_a_push_carries_the_text_and_names_a_mention() {
    let services = Services::start().await;
    let server = services.server(|c| c.notify_include_content = true).await;
    let (people, room) = in_a_room(&server, "plans", &["ann", "bob"]).await;
    let [ann, bob] = people.as_slice() else {
        unreachable!("2 people")
    };
    register_all(&services, &server, &bob.token, 1).await;
    let mut a = server.client(&ann.token).await;
    a.say(&room, "lunch at noon?").await;

    let push = &services.web.log.delivered_to("web-1", 1).await[0];
    assert!(
        push["body"].as_str().unwrap().ends_with(": lunch at noon?"),
        "{push}"
    );
    let push = &services.apns.log.delivered_to(&apns_token(1), 1).await[0];
    assert!(
        push["aps"]["alert"]["body"]
            .as_str()
            .unwrap()
            .contains("lunch at noon?")
    );
    assert_eq!(push["mentioned"], "false");
}

#[tokio::test]
async fn members_who_muted_the_room_or_blocked_the_sender_get_no_push() {
    let services = Services::start().await;
    let server = services.server(|_| {}).await;
    let (people, room) = in_a_room(&server, "r", &["ann", "bob", "cat", "dan"]).await;
    let [ann, bob, cat, dan] = people.as_slice() else {
        unreachable!("4 people")
    };
    for (n, user) in [(1, &bob), (2, &cat), (3, &dan)] {
        let subscription = services.web.subscribe(&format!("web-{n}"));
        register_web_push(&server, &user.token, subscription).await;
    }
    let mute = json!({"until": 4_102_444_800_000_i64});
    let (muted, _) = send_json(
        &server,
        Method::PUT,
        Some(&bob.token),
        &format!("/v1/rooms/{room}/mute"),
        mute,
    )
    .await;
    assert_eq!(muted, 204);
    let block = format!("/v1/users/me/blocks/{}", ann.user_id);
    let (blocked, _) = send_json(&server, Method::PUT, Some(&cat.token), &block, Value::Null).await;
    assert_eq!(blocked, 204);

    let mut a = server.client(&ann.token).await;
    a.say(&room, "one").await;
    a.say(&room, "two").await;
    // Dan's pushes of both arrived: Bob's and Cat's would have come with them.
    services.web.log.delivered_to("web-3", 2).await;
    assert_eq!(services.web.log.requests_for("web-1"), 0, "muted");
    assert_eq!(
        services.web.log.requests_for("web-2"),
        0,
        "blocked the sender"
    );
}

#[tokio::test]
async fn devices_their_service_says_are_gone_are_forgotten() {
    let services = Services::start().await;
    let server = services.server(|_| {}).await;
    let (people, room) = in_a_room(&server, "r", &["ann", "bob"]).await;
    let [ann, bob] = people.as_slice() else {
        unreachable!("2 people")
    };
    // Two of each: APNs answers 410 and 400 BadDeviceToken, FCM 404 UNREGISTERED (and
    // an invalid token it would refuse for good, kept), Web Push 410 and 404.
    for n in [1, 2] {
        register_device(
            &server,
            &bob.token,
            json!({"platform": "apns", "token": apns_token(n)}),
        )
        .await;
        let subscription = services.web.subscribe(&format!("web-{n}"));
        register_web_push(&server, &bob.token, subscription).await;
    }
    register_device(
        &server,
        &bob.token,
        json!({"platform": "fcm", "token": "fcm-1"}),
    )
    .await;
    services.apns.script.answer(&[410, 400]);
    services.fcm.script.answer(&[404]);
    services.web.script.answer(&[410, 404]);
    assert_eq!(devices_left(&server, &bob.token).await, 5);

    let mut a = server.client(&ann.token).await;
    a.say(&room, "anyone there?").await;
    server
        .wait_for_metric(r#"chat_push_total{platform="apns",outcome="pruned"}"#, 2.0)
        .await;
    server
        .wait_for_metric(r#"chat_push_total{platform="fcm",outcome="pruned"}"#, 1.0)
        .await;
    server
        .wait_for_metric(
            r#"chat_push_total{platform="webpush",outcome="pruned"}"#,
            2.0,
        )
        .await;
    assert_eq!(devices_left(&server, &bob.token).await, 0);

    // The next message finds no device to push to.
    let before = services.apns.log.all().len() + services.web.log.all().len();
    a.say(&room, "hello?").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        services.apns.log.all().len() + services.web.log.all().len(),
        before
    );
}

#[tokio::test]
async fn throttled_and_failing_pushes_are_retried_and_delivered_once() {
    let services = Services::start().await;
    let server = services.server(|_| {}).await;
    let (people, room) = in_a_room(&server, "r", &["ann", "bob"]).await;
    let [ann, bob] = people.as_slice() else {
        unreachable!("2 people")
    };
    register_all(&services, &server, &bob.token, 1).await;
    services.apns.script.answer(&[429, 503]);
    services.fcm.script.answer(&[429]);
    services.web.script.answer(&[429, 500]);

    let mut a = server.client(&ann.token).await;
    a.say(&room, "are you there").await;
    services.apns.log.delivered_to(&apns_token(1), 1).await;
    services.fcm.log.delivered_to("fcm-1", 1).await;
    services.web.log.delivered_to("web-1", 1).await;
    server
        .wait_for_metric(
            r#"chat_push_total{platform="webpush",outcome="delivered"}"#,
            1.0,
        )
        .await;
    assert_eq!(services.apns.log.requests_for(&apns_token(1)), 3);
    assert_eq!(services.fcm.log.requests_for("fcm-1"), 2);
    assert_eq!(services.web.log.requests_for("web-1"), 3);
    assert_eq!(
        devices_left(&server, &bob.token).await,
        3,
        "a retry prunes nothing"
    );
}

#[tokio::test]
async fn a_graceful_shutdown_sends_the_pushes_it_accepted_retries_included() {
    let services = Services::start().await;
    // The retry waits longer than the rest of the shutdown takes.
    let server = services
        .server(|c| c.push.push_retry = Duration::from_millis(400))
        .await;
    let (people, room) = in_a_room(&server, "r", &["ann", "bob"]).await;
    let [ann, bob] = people.as_slice() else {
        unreachable!("2 people")
    };
    register_all(&services, &server, &bob.token, 1).await;
    services.apns.script.answer(&[503]);
    services.fcm.script.answer(&[503]);
    services.web.script.answer(&[503]);
    let mut a = server.client(&ann.token).await;
    a.say(&room, "just before the deployment").await;
    for platform in ["apns", "fcm", "webpush"] {
        let retried = format!(r#"chat_push_total{{platform="{platform}",outcome="retried"}}"#);
        server.wait_for_metric(&retried, 1.0).await;
    }
    // SIGTERM's path, while every push waits for its retry.
    drop(a);
    server.stop().await;
    services.apns.log.delivered_to(&apns_token(1), 1).await;
    services.fcm.log.delivered_to("fcm-1", 1).await;
    services.web.log.delivered_to("web-1", 1).await;
}

#[tokio::test]
async fn a_push_service_that_never_answers_does_not_slow_chat() {
    let services = Services::start().await;
    let server = services
        .server(|c| {
            c.push.push_concurrency = 2;
            c.shutdown_grace = Duration::from_secs(1);
        })
        .await;
    // A tarpit: it accepts connections and never answers.
    let tarpit = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tarpit_url = format!("http://{}", tarpit.local_addr().unwrap());
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let holder = std::sync::Arc::clone(&held);
    tokio::spawn(async move {
        while let Ok((socket, _)) = tarpit.accept().await {
            holder.lock().unwrap().push(socket);
        }
    });
    let (people, room) = in_a_room(&server, "r", &["ann", "bob", "cat"]).await;
    let [ann, bob, cat] = people.as_slice() else {
        unreachable!("3 people")
    };
    for n in 0..10 {
        let mut subscription = services.web.subscribe(&format!("web-{n}"));
        subscription["endpoint"] = json!(format!("{tarpit_url}/push/{n}"));
        register_web_push(&server, &bob.token, subscription).await;
    }
    let mut a = server.client(&ann.token).await;
    let mut c = server.client(&cat.token).await;
    assert!(matches!(
        c.join(&room, None).await,
        chat_protocol::v1::ServerFrame::RoomJoined { .. }
    ));
    // The first message's pushes take both request slots, and hang there.
    a.say(&room, "message 0").await;
    assert_eq!(c.recv_message().await.content, "message 0");
    for _ in 0..500 {
        if held.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        held.lock().unwrap().len() >= 2,
        "the pushes did not reach the tarpit"
    );
    // Chat goes on meanwhile (under the sending rate limit), each message adding ten
    // pushes to the queue.
    for i in 1..8 {
        let ack = a.say(&room, &format!("message {i}")).await;
        assert!(
            matches!(ack, chat_protocol::v1::ServerFrame::MessageAck { .. }),
            "{ack:?}"
        );
        assert_eq!(c.recv_message().await.content, format!("message {i}"));
    }
    let delivered = server
        .metric(r#"chat_push_total{platform="webpush",outcome="delivered"}"#)
        .await;
    assert_eq!(delivered, 0.0);
    // Nor does it hold a shutdown past its grace (TestServer::stop fails after 20 s).
    drop((a, c));
    server.stop().await;
}

#[tokio::test]
async fn subscriptions_inside_the_network_are_refused_unless_allowed() {
    let services = Services::start().await;
    let server = services
        .server(|c| c.push.push_allow_private_endpoints = false)
        .await;
    let bob = server.register("bob").await;
    for endpoint in [
        "https://127.0.0.1/push/1",
        "https://10.0.0.7/push/1",
        "https://[::1]/push/1",
        "https://localhost/push/1",
        "http://push.example.com/push/1",
    ] {
        let mut subscription = services.web.subscribe("web-1");
        subscription["endpoint"] = json!(endpoint);
        let response = server
            .http
            .post(server.url("/v1/devices"))
            .bearer_auth(&bob.token)
            .json(&json!({"platform": "webpush", "subscription": subscription}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{endpoint}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "invalid_request", "{body}");
    }
    assert_eq!(devices_left(&server, &bob.token).await, 0);

    // A server without Web Push has no VAPID key to give.
    let plain = TestServer::start().await;
    let response = plain
        .http
        .get(plain.url("/v1/push/vapid-public-key"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn a_push_key_that_is_not_one_stops_the_server_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = write_file(
        dir.path(),
        "not-a-key.pem",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n",
    );
    for flag in [
        "--vapid-key-file",
        "--apns-key-file",
        "--fcm-service-account-file",
    ] {
        let mut config = chat_server::Config::for_data_dir(dir.path());
        config.push.vapid_subject = Some(web_push_receiver::SUBJECT.into());
        config.push.apns_key_id = Some(apns_endpoint::KEY_ID.into());
        config.push.apns_team_id = Some(apns_endpoint::TEAM_ID.into());
        match flag {
            "--vapid-key-file" => config.push.vapid_key_file = Some(garbage.clone()),
            "--apns-key-file" => config.push.apns_key_file = Some(garbage.clone()),
            _ => config.push.fcm_service_account_file = Some(garbage.clone()),
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let started = chat_server::run(listener, config, std::future::pending()).await;
        let error = format!("{:#}", started.expect_err(flag));
        assert!(error.contains(flag), "{flag}: {error}");
    }
}

#[tokio::test]
async fn a_push_service_that_drops_every_request_is_skipped_after_three() {
    let services = Services::start().await;
    let server = services.server(|_| {}).await;
    // It accepts each connection and closes it unanswered.
    let dropper = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dropper_url = format!("http://{}", dropper.local_addr().unwrap());
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((socket, _)) = dropper.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(socket);
        }
    });
    let (people, room) = in_a_room(&server, "r", &["ann", "bob"]).await;
    let [ann, bob] = people.as_slice() else {
        unreachable!("2 people")
    };
    let mut subscription = services.web.subscribe("web-1");
    subscription["endpoint"] = json!(format!("{dropper_url}/push/1"));
    register_web_push(&server, &bob.token, subscription).await;

    let mut a = server.client(&ann.token).await;
    a.say(&room, "one").await;
    let failed = r#"chat_push_total{platform="webpush",outcome="failed"}"#;
    server.wait_for_metric(failed, 1.0).await;
    // Three requests without an answer opened the breaker: the fourth attempt and the
    // next message's push were refused without a request.
    a.say(&room, "two").await;
    server.wait_for_metric(failed, 2.0).await;
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(
        devices_left(&server, &bob.token).await,
        1,
        "not pruned: it may come back"
    );
}
