//! Rich messages across processes: a reaction or pin made through one process reaches
//! members connected to the other in seq order with the room's messages, a reply's
//! mentions count in a list followed on the other process, and search through either
//! process sees the same messages.

use chat_protocol::v1::{ClientFrame, ServerFrame};

use serde_json::Value;

use crate::common::{ack_id, ack_seq, http_client};
use crate::harness::Cluster;

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn reactions_pins_and_mentions_cross_processes_in_seq_order() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let ann = one.register("ann").await;
    let bob = two.register("bob").await;
    let room = one.create_room(&ann.token, &[&bob.user_id]).await;
    let mut a = one.client(&ann.token).await;
    a.join(&room, None).await;
    let mut b = two.client(&bob.token).await;
    b.join(&room, None).await;
    // Bob's phone, on process two, follows the room through its list.
    let mut phone = two.client(&bob.token).await;

    let ack = a.say(&room, "release notes").await;
    let (message_id, seq) = (ack_id(&ack), ack_seq(&ack));
    b.recv_message().await;
    b.send(&ClientFrame::React {
        room_id: room.as_str().into(),
        message_id: message_id.as_str().into(),
        emoji: "🚀".into(),
        on: true,
    })
    .await;
    a.send(&ClientFrame::Pin {
        room_id: room.as_str().into(),
        message_id: message_id.as_str().into(),
        pinned: true,
    })
    .await;
    for client in [&mut a, &mut b] {
        let mut seen = Vec::new();
        for _ in 0..2 {
            let frame = client
                .recv_where(|f| {
                    matches!(f, ServerFrame::Reaction(_) | ServerFrame::MessagePinned(_))
                })
                .await;
            seen.push(match frame {
                ServerFrame::Reaction(r) => r.seq,
                ServerFrame::MessagePinned(p) => p.seq,
                _ => unreachable!(),
            });
        }
        seen.sort_unstable();
        assert_eq!(seen, [seq + 1, seq + 2]);
    }

    // A mention committed through process one counts on Bob's phone on process two.
    a.send(&ClientFrame::SendMessage {
        room_id: room.as_str().into(),
        client_msg_id: uuid::Uuid::new_v4().to_string(),
        content: "@bob take a look".into(),
        reply_to: Some(message_id.as_str().into()),
        mentions: vec![bob.user_id.clone()],
        attachments: Vec::new(),
    })
    .await;
    let mention = b.recv_message().await;
    assert_eq!(mention.reply_to.as_deref(), Some(message_id.as_str()));
    let summary = phone
        .room_update_until(&room, |s| s.last_seq == mention.seq)
        .await;
    assert_eq!((summary.unread_count, summary.mention_count), (2, 1));

    // Both processes search the one database.
    let http = http_client();
    for node in [&one, &two] {
        let get = |path: String| http.get(node.url(&path)).bearer_auth(&bob.token).send();
        let found: Value = get("/v1/search/messages?q=release".to_owned())
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            found["messages"][0]["message_id"],
            message_id.as_str(),
            "{found}"
        );
        let pins: Value = get(format!("/v1/rooms/{room}/pins"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            pins["pins"][0]["message"]["reactions"][0]["emoji"], "🚀",
            "{pins}"
        );
    }
}
