//! The live room list across processes: a message committed through one process moves
//! the badge of a member connected to another, and so do a read, a mute, a placement, an
//! unread mark and a block on another device (whose `block_changed` reaches the other
//! process too).

use chat_protocol::v1::{ClientFrame, ReceiptKind, RoomPlacement, ServerFrame};

use crate::common::http_client;
use crate::harness::Cluster;

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_message_on_one_process_moves_a_badge_on_the_other() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let ann = one.register("ann").await;
    let bob = two.register("bob").await;
    // Ann's phone (room list) is on process two; her laptop, in the room, on one.
    let mut phone = two.client(&ann.token).await;
    let mut laptop = one.client(&ann.token).await;
    let room = one.create_room(&bob.token, &[&ann.user_id]).await;
    let added = phone.room_update_until(&room, |_| true).await;
    assert_eq!((added.unread_count, added.last_seq), (0, 0));
    laptop.join(&room, None).await;

    let mut b = one.client(&bob.token).await;
    for text in ["one", "two", "three"] {
        b.say(&room, text).await;
    }
    let badge = phone.room_update_until(&room, |s| s.last_seq == 3).await;
    assert_eq!(badge.unread_count, 3);
    assert_eq!(badge.last_message.as_ref().unwrap().content, "three");

    // Read on the laptop (process one): the phone (process two) hears of it.
    laptop
        .send(&ClientFrame::Receipt {
            room_id: room.clone().into(),
            seq: 2,
            kind: ReceiptKind::Read,
        })
        .await;
    let read = phone.room_update_until(&room, |s| s.read_seq == 2).await;
    assert_eq!(read.unread_count, 1);

    // And a message after it counts from there.
    b.say(&room, "four").await;
    let after = phone.room_update_until(&room, |s| s.last_seq == 4).await;
    assert_eq!((after.unread_count, after.read_seq), (2, 2));

    // Muted through process one, mentions too: the phone hears until when, and that
    // mentions no longer notify.
    let status = http_client()
        .put(one.url(&format!("/v1/rooms/{room}/mute")))
        .bearer_auth(&ann.token)
        .json(&serde_json::json!({"until": 4_102_444_800_000_i64, "mentions": false}))
        .send()
        .await
        .expect("mute")
        .status();
    assert_eq!(status, 204);
    let muted = phone.room_update_until(&room, |s| s.muted).await;
    assert_eq!(
        (muted.muted_until, muted.notify_mentions, muted.unread_count),
        (Some(4_102_444_800_000), Some(false), 2)
    );

    // Archived through process one: the phone hears it, and process two's list of
    // archived rooms holds the room (the placement is in the shared database).
    let status = http_client()
        .put(one.url(&format!("/v1/rooms/{room}/placement")))
        .bearer_auth(&ann.token)
        .json(&serde_json::json!({"placement": "archived"}))
        .send()
        .await
        .expect("placement")
        .status();
    assert_eq!(status, 204);
    let archived = phone
        .room_update_until(&room, |s| s.placement == Some(RoomPlacement::Archived))
        .await;
    assert_eq!((archived.unread_count, archived.muted), (2, true));
    let listed: serde_json::Value = http_client()
        .get(two.url("/v1/rooms?archived=true"))
        .bearer_auth(&ann.token)
        .send()
        .await
        .expect("archived rooms")
        .json()
        .await
        .expect("a room list");
    assert_eq!(listed["rooms"][0]["room_id"], room.as_str());

    // Marked unread through process two; the laptop (process one) reads the room, which
    // takes the mark away, and the phone (process two) hears of both.
    let status = http_client()
        .put(two.url(&format!("/v1/rooms/{room}/unread")))
        .bearer_auth(&ann.token)
        .json(&serde_json::json!({"unread": true}))
        .send()
        .await
        .expect("mark unread")
        .status();
    assert_eq!(status, 204);
    phone.room_update_until(&room, |s| s.marked_unread).await;
    // A read up to where she had read already (as an app does when the room is opened
    // again): the position and the badge stay, the mark goes.
    laptop
        .send(&ClientFrame::Receipt {
            room_id: room.clone().into(),
            seq: 2,
            kind: ReceiptKind::Read,
        })
        .await;
    let read = phone.room_update_until(&room, |s| !s.marked_unread).await;
    assert_eq!((read.read_seq, read.unread_count), (2, 2));

    // Bob blocked through process one: the phone's list leaves his messages out.
    let status = http_client()
        .put(one.url(&format!("/v1/users/me/blocks/{}", bob.user_id)))
        .bearer_auth(&ann.token)
        .send()
        .await
        .expect("block")
        .status();
    assert_eq!(status, 204);
    // The phone is told of the block itself and gets the recounted summary; the two
    // travel apart between processes, so either may come first.
    let (mut told, mut recounted) = (None, None);
    for _ in 0..200 {
        if told.is_some() && recounted.is_some() {
            break;
        }
        match phone.recv().await {
            frame @ ServerFrame::BlockChanged { .. } => told = Some(frame),
            ServerFrame::RoomUpdated(s) if s.room_id == room && s.unread_count == 0 => {
                recounted = Some(s);
            }
            _ => {}
        }
    }
    assert_eq!(
        told,
        Some(ServerFrame::BlockChanged {
            user_id: bob.user_id.as_str().into(),
            blocked: true
        })
    );
    let recounted = recounted.expect("a recounted summary");
    assert_eq!((recounted.last_seq, recounted.last_message), (4, None));
}
