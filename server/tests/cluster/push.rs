//! Pushes in a cluster: a device registered through one process gets the push of a
//! message sent through the other, encrypted and signed with the key both share.

use p256::elliptic_curve::rand_core::OsRng;
use p256::pkcs8::LineEnding;
use serde_json::json;

use crate::common::http_client;
use crate::harness::Cluster;
use crate::push_endpoints::web_push::{SUBJECT, WebPushReceiver};
use crate::push_endpoints::write_file;

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_device_registered_on_one_process_gets_the_push_of_a_message_sent_on_the_other() {
    let receiver = WebPushReceiver::start().await;
    let keys = tempfile::tempdir().unwrap();
    let vapid = p256::SecretKey::random(&mut OsRng)
        .to_sec1_pem(LineEnding::LF)
        .unwrap();
    let vapid_file = write_file(keys.path(), "vapid.pem", &vapid);
    let vapid_file = vapid_file.to_str().unwrap();
    let cluster = Cluster::new().await;
    let flags = [
        "--vapid-key-file",
        vapid_file,
        "--vapid-subject",
        SUBJECT,
        "--push-allow-private-endpoints",
    ];
    let (one, two) = cluster.two_nodes(&flags).await;
    let ann = two.register("ann").await;
    let bob = one.register("bob").await;
    let room = two.create_room(&ann.token, &[&bob.user_id]).await;

    // Bob subscribes through the first process, and goes offline.
    let registered = http_client()
        .post(one.url("/v1/devices"))
        .bearer_auth(&bob.token)
        .json(&json!({"platform": "webpush", "subscription": receiver.subscribe("bob")}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 200);
    let key_on = |node: &crate::harness::Node| {
        http_client()
            .get(node.url("/v1/push/vapid-public-key"))
            .send()
    };
    let key: serde_json::Value = key_on(&one).await.unwrap().json().await.unwrap();
    let same: serde_json::Value = key_on(&two).await.unwrap().json().await.unwrap();
    assert_eq!(key, same, "both processes sign with the one key");

    // Ann writes through the second process: it finds Bob offline on every process.
    let mut a = two.client(&ann.token).await;
    a.say(&room, "across the cluster").await;
    let pushes = receiver.log.delivered_to("bob", 1).await;
    assert_eq!(pushes[0]["room_id"], room.as_str());
    assert_eq!(pushes[0]["badge"], 1);
    assert_eq!(pushes[0]["_vapid_key"], key["public_key"]);
}
