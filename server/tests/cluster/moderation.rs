//! Moderation across processes: a kick or ban made through one process takes the
//! target out of the room on every other process at once, settings changes reach
//! members wherever they are connected, and an invite made through one process lets a
//! user in through the other, as many times as it allows.

use chat_protocol::v1::{LeaveReason, MembershipChange, ServerFrame};
use serde_json::json;

use crate::common::{Client, http_client};
use crate::harness::Cluster;

async fn next_left(client: &mut Client) -> Option<LeaveReason> {
    match client
        .recv_where(|f| matches!(f, ServerFrame::RoomLeft { .. }))
        .await
    {
        ServerFrame::RoomLeft { reason, .. } => reason,
        _ => unreachable!(),
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn a_kick_on_one_process_takes_the_target_out_of_the_room_on_the_other() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let ann = one.register("ann").await;
    let bob = two.register("bob").await;
    let room = one.create_room(&ann.token, &[&bob.user_id]).await;
    let mut a = one.client(&ann.token).await;
    a.join(&room, None).await;
    // Bob's laptop has joined the room on process two; his phone only lists it.
    let mut laptop = two.client(&bob.token).await;
    laptop.join(&room, None).await;
    let mut phone = two.client(&bob.token).await;
    a.say(&room, "hello").await;
    laptop.recv_message().await;

    let http = http_client();
    let kicked = http
        .delete(one.url(&format!("/v1/rooms/{room}/members/{}", bob.user_id)))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(kicked.status(), 204);
    let event = laptop
        .recv_where(|f| matches!(f, ServerFrame::MemberChanged(_)))
        .await;
    assert!(
        matches!(&event, ServerFrame::MemberChanged(m)
            if m.change == MembershipChange::Kicked && m.seq == 2 && m.by.as_str() == ann.user_id),
        "{event:?}"
    );
    assert_eq!(next_left(&mut laptop).await, Some(LeaveReason::Kicked));
    assert_eq!(next_left(&mut phone).await, Some(LeaveReason::Kicked));

    // What Ann says next does not reach him; what he sends is refused.
    a.say(&room, "after the kick").await;
    let refused = laptop.say(&room, "let me back").await;
    assert!(
        matches!(&refused, ServerFrame::Error { code, .. } if code.as_str() == "forbidden"),
        "{refused:?}"
    );
    assert!(laptop.drain().await.is_empty());

    // Banned through process one, he cannot be added back through process two.
    let banned = http
        .post(one.url(&format!("/v1/rooms/{room}/bans")))
        .bearer_auth(&ann.token)
        .json(&json!({"user_id": bob.user_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(banned.status(), 204);
    let re_added = http
        .post(two.url(&format!("/v1/rooms/{room}/members")))
        .bearer_auth(&ann.token)
        .json(&json!({"user_id": bob.user_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(re_added.status(), 403);

    // A rename through process two reaches Ann's connection on process one.
    let renamed = http
        .patch(two.url(&format!("/v1/rooms/{room}")))
        .bearer_auth(&ann.token)
        .json(&json!({"name": "renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let change = a
        .recv_where(|f| matches!(f, ServerFrame::RoomChanged(_)))
        .await;
    assert!(
        matches!(&change, ServerFrame::RoomChanged(r) if r.name.as_deref() == Some("renamed")),
        "{change:?}"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn closing_an_account_on_one_process_ends_its_connections_on_the_other() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&["--admin-user", "root"]).await;
    let root = one.register("root").await;
    let bob = two.register("bob").await;
    let carol = two.register("carol").await;
    let mut b = two.client(&bob.token).await;
    let mut c = two.client(&carol.token).await;
    let http = http_client();

    let deactivated = http
        .post(one.url(&format!("/v1/admin/users/{}/deactivate", bob.user_id)))
        .bearer_auth(&root.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deactivated.status(), 204);
    assert_eq!(b.closed().await, Some(chat_protocol::v1::close::FORBIDDEN));

    let deleted = http
        .delete(one.url("/v1/users/me"))
        .bearer_auth(&carol.token)
        .json(&json!({"password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        c.closed().await,
        Some(chat_protocol::v1::close::UNAUTHORIZED)
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: scripts/cluster-test.sh"]
async fn an_invite_made_on_one_process_lets_a_user_of_the_other_in_once() {
    let cluster = Cluster::new().await;
    let (one, two) = cluster.two_nodes(&[]).await;
    let ann = one.register("ann").await;
    let bob = two.register("bob").await;
    let cid = two.register("cid").await;
    let room = one.create_room(&ann.token, &[]).await;
    let mut a = one.client(&ann.token).await;
    a.join(&room, None).await;
    let mut b = two.client(&bob.token).await;
    b.drain().await;

    let http = http_client();
    let invite: serde_json::Value = http
        .post(one.url(&format!("/v1/rooms/{room}/invites")))
        .bearer_auth(&ann.token)
        .json(&json!({"max_uses": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = invite["code"].as_str().expect("a code").to_owned();
    let join = |token: String| {
        let http = http.clone();
        let url = two.url(&format!("/v1/invites/{code}/join"));
        async move {
            http.post(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(join(bob.token.clone()).await, 200);
    // Ann, on process one, hears of it; Bob's connection on two gets the room listed.
    let event = a
        .recv_where(|f| matches!(f, ServerFrame::MemberChanged(_)))
        .await;
    assert!(
        matches!(&event, ServerFrame::MemberChanged(m)
            if m.change == MembershipChange::Joined && m.user_id.as_str() == bob.user_id),
        "{event:?}"
    );
    let listed = b.room_update_until(&room, |_| true).await;
    assert_eq!(listed.room_id.as_str(), room);
    b.join(&room, None).await;
    // Used up, on either process.
    assert_eq!(join(cid.token.clone()).await, 404);
}
