//! Receipts: stored per member as a high-water mark, fanned out, carried on resume.

use chat_protocol::v1::{ClientFrame, MemberReceipts, ReceiptKind, ServerFrame};

use crate::common::TestServer;

#[tokio::test]
async fn receipts_advance_fan_out_and_come_back_on_join() {
    let server = TestServer::start().await;
    let crate::common::Duo {
        ann,
        bob,
        room,
        mut a,
        mut b,
    } = server.duo("private").await;
    a.say(&room, "one").await;
    a.say(&room, "two").await;
    assert_eq!(b.drain().await.len(), 2);

    b.send(&ClientFrame::Receipt {
        room_id: room.clone().into(),
        seq: 1,
        kind: ReceiptKind::Delivered,
    })
    .await;
    b.send(&ClientFrame::Receipt {
        room_id: room.clone().into(),
        seq: 2,
        kind: ReceiptKind::Read,
    })
    .await;
    // Going backwards is a no-op, not an error, and is not fanned out.
    b.send(&ClientFrame::Receipt {
        room_id: room.clone().into(),
        seq: 1,
        kind: ReceiptKind::Read,
    })
    .await;
    b.send(&ClientFrame::Receipt {
        room_id: room.clone().into(),
        seq: 2,
        kind: ReceiptKind::Delivered,
    })
    .await;

    let mut got = Vec::new();
    while got.len() < 2 {
        if let ServerFrame::Receipt {
            user_id, seq, kind, ..
        } = a
            .recv_where(|f| matches!(f, ServerFrame::Receipt { .. }))
            .await
        {
            assert_eq!(user_id, bob.user_id);
            got.push((seq, kind));
        }
    }
    assert_eq!(
        got,
        vec![(1, ReceiptKind::Delivered), (2, ReceiptKind::Read)]
    );
    let rest = a.drain().await;
    assert!(rest.is_empty(), "no receipt for a non-advance: {rest:?}");

    // Out-of-range receipts are refused.
    for seq in [0, 3] {
        b.send(&ClientFrame::Receipt {
            room_id: room.clone().into(),
            seq,
            kind: ReceiptKind::Read,
        })
        .await;
        let (code, _, reference) = b.expect_error().await;
        assert_eq!(
            (code.as_str(), reference.as_deref()),
            ("invalid_request", Some(room.as_str()))
        );
    }

    // A client that was offline learns receipts from room_joined.
    let mut a2 = server.client(&ann.token).await;
    let ServerFrame::RoomJoined { receipts, .. } = a2.join(&room, Some(2)).await else {
        panic!()
    };
    assert_eq!(
        receipts,
        vec![MemberReceipts {
            user_id: bob.user_id.clone(),
            delivered_seq: 2,
            read_seq: 2
        }]
    );
}
