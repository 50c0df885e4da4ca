//! Membership and moderation: roles, leaving, kicks, bans, who may add members, room
//! settings and moderators' deletes, each refusal included. Membership and settings
//! changes are room events with their own seq, live and on resume.

use chat_protocol::v1::{
    ClientFrame, LeaveReason, MemberChanged, MemberRole, MembershipChange, RoomChanged, ServerFrame,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Client, TestServer, ack_id, ack_seq, send_json};

/// The next `member_changed` frame (skipping presence, typing, receipts, room list).
async fn member_change(client: &mut Client) -> MemberChanged {
    let frame = client
        .recv_where(|f| matches!(f, ServerFrame::MemberChanged(_)))
        .await;
    let ServerFrame::MemberChanged(change) = frame else {
        unreachable!()
    };
    change
}

/// The next `room_changed` frame.
async fn room_change(client: &mut Client) -> RoomChanged {
    let frame = client
        .recv_where(|f| matches!(f, ServerFrame::RoomChanged(_)))
        .await;
    let ServerFrame::RoomChanged(change) = frame else {
        unreachable!()
    };
    change
}

/// The next `room_left` frame's room and reason.
async fn room_left(client: &mut Client) -> (String, Option<LeaveReason>) {
    let frame = client
        .recv_where(|f| matches!(f, ServerFrame::RoomLeft { .. }))
        .await;
    let ServerFrame::RoomLeft { room_id, reason } = frame else {
        unreachable!()
    };
    (room_id.into_string(), reason)
}

/// Status and error code of a request.
async fn call(
    server: &TestServer,
    method: Method,
    token: &str,
    path: &str,
    body: Value,
) -> (u16, Option<String>) {
    let (status, body) = send_json(server, method, Some(token), path, body).await;
    (status, body["code"].as_str().map(str::to_owned))
}

fn ok() -> (u16, Option<String>) {
    (204, None)
}

fn refused(status: u16, code: &str) -> (u16, Option<String>) {
    (status, Some(code.to_owned()))
}

/// The members of a room as (user id, role) pairs, in the order they joined.
async fn roles(server: &TestServer, token: &str, room: &str) -> Vec<(String, String)> {
    let (status, body) = server
        .get_json(token, &format!("/v1/rooms/{room}/members"))
        .await;
    assert_eq!(status, 200, "{body}");
    body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The ids of the rooms in a user's list.
async fn listed_rooms(server: &TestServer, token: &str) -> Vec<String> {
    let (status, body) = server.get_json(token, "/v1/rooms").await;
    assert_eq!(status, 200, "{body}");
    body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["room_id"].as_str().unwrap().to_owned())
        .collect()
}

fn pair(user: &str, role: &str) -> (String, String) {
    (user.to_owned(), role.to_owned())
}

#[tokio::test]
async fn the_creator_owns_the_room_and_moderators_set_roles_within_their_rank() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let dave = server.register("dave").await;
    let room = server
        .create_room(
            &ann.token,
            "team",
            "private",
            &[&bob.user_id, &carol.user_id],
        )
        .await;
    assert_eq!(
        roles(&server, &ann.token, &room).await,
        [
            pair(&ann.user_id, "owner"),
            pair(&bob.user_id, "member"),
            pair(&carol.user_id, "member")
        ]
    );
    let mut c = server.client(&carol.token).await;
    c.join(&room, None).await;
    let role_path = |user: &str| format!("/v1/rooms/{room}/members/{user}/role");
    let put = Method::PUT;

    // A member may not promote anyone.
    let to_admin = json!({"role": "admin"});
    assert_eq!(
        call(
            &server,
            put.clone(),
            &bob.token,
            &role_path(&carol.user_id),
            to_admin.clone()
        )
        .await,
        refused(403, "forbidden")
    );
    // The owner makes Bob an admin: the room hears of it as an event.
    assert_eq!(
        call(
            &server,
            put.clone(),
            &ann.token,
            &role_path(&bob.user_id),
            to_admin.clone()
        )
        .await,
        ok()
    );
    let change = member_change(&mut c).await;
    assert_eq!(
        (
            change.user_id.as_str(),
            change.change,
            change.role,
            change.by.as_str()
        ),
        (
            bob.user_id.as_str(),
            MembershipChange::Role,
            Some(MemberRole::Admin),
            ann.user_id.as_str()
        )
    );
    let promoted_at = change.seq;
    // Setting a role a member already has changes nothing and tells nobody.
    assert_eq!(
        call(
            &server,
            put.clone(),
            &ann.token,
            &role_path(&bob.user_id),
            to_admin.clone()
        )
        .await,
        ok()
    );
    // An admin promotes a member, but cannot demote another admin or touch the owner.
    assert_eq!(
        call(
            &server,
            put.clone(),
            &bob.token,
            &role_path(&carol.user_id),
            to_admin.clone()
        )
        .await,
        ok()
    );
    let change = member_change(&mut c).await;
    assert_eq!(
        (change.seq, change.user_id.as_str()),
        (promoted_at + 1, carol.user_id.as_str()),
        "the idempotent repeat took no seq"
    );
    let to_member = json!({"role": "member"});
    // An admin demotes no admin and touches no owner; nobody becomes owner by a role
    // change, nobody changes their own role, a non-member is not a target, an outsider
    // may not, and the body must name a role.
    let malformed = format!("/v1/rooms/{}/members/x/role", "r".repeat(129));
    for (caller, path, body, want) in [
        (
            &bob.token,
            role_path(&carol.user_id),
            to_member.clone(),
            refused(403, "forbidden"),
        ),
        (
            &bob.token,
            role_path(&ann.user_id),
            to_member.clone(),
            refused(403, "forbidden"),
        ),
        (
            &ann.token,
            role_path(&bob.user_id),
            json!({"role": "owner"}),
            refused(403, "forbidden"),
        ),
        (
            &ann.token,
            role_path(&ann.user_id),
            to_admin.clone(),
            refused(400, "invalid_request"),
        ),
        (
            &ann.token,
            role_path(&dave.user_id),
            to_admin.clone(),
            refused(404, "not_found"),
        ),
        (
            &dave.token,
            role_path(&bob.user_id),
            to_admin.clone(),
            refused(403, "forbidden"),
        ),
        (
            &ann.token,
            role_path(&bob.user_id),
            json!({"role": "boss"}),
            refused(400, "invalid_request"),
        ),
        (
            &ann.token,
            role_path(&bob.user_id),
            json!({}),
            refused(400, "invalid_request"),
        ),
        (
            &ann.token,
            role_path(&bob.user_id),
            json!(["admin"]),
            refused(400, "invalid_request"),
        ),
        (
            &ann.token,
            malformed,
            to_admin.clone(),
            refused(400, "invalid_request"),
        ),
    ] {
        let got = call(&server, put.clone(), caller, &path, body.clone()).await;
        assert_eq!(got, want, "{path} {body}");
    }
    // The owner demotes Carol again.
    assert_eq!(
        call(
            &server,
            put,
            &ann.token,
            &role_path(&carol.user_id),
            to_member
        )
        .await,
        ok()
    );
    assert_eq!(member_change(&mut c).await.role, Some(MemberRole::Member));
    assert_eq!(
        roles(&server, &carol.token, &room).await,
        [
            pair(&ann.user_id, "owner"),
            pair(&bob.user_id, "admin"),
            pair(&carol.user_id, "member")
        ]
    );
    // The room's details name the caller's role; role events never count as unread.
    let (status, details) = server
        .get_json(&bob.token, &format!("/v1/rooms/{room}"))
        .await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(
        (
            &details["role"],
            &details["member_count"],
            &details["who_can_add"]
        ),
        (&json!("admin"), &json!(3), &json!("members"))
    );
    let (_, list) = server.get_json(&carol.token, "/v1/rooms").await;
    assert_eq!(list["rooms"][0]["unread_count"], 0, "{list}");
}

#[tokio::test]
async fn leaving_ends_the_membership_on_every_connection_at_once() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let room = duo.room.clone();
    // Bob's second device is connected but has not joined the room.
    let mut b2 = server.client(&duo.bob.token).await;
    duo.a.say(&room, "before").await;
    duo.b.recv_message().await;

    let leave = format!("/v1/rooms/{room}/leave");
    assert_eq!(
        call(&server, Method::POST, &duo.bob.token, &leave, Value::Null).await,
        ok()
    );
    // Ann sees Bob leave, in the room's seq order.
    let left = member_change(&mut duo.a).await;
    assert_eq!(
        (
            left.user_id.as_str(),
            left.change,
            left.by.as_str(),
            left.seq
        ),
        (
            duo.bob.user_id.as_str(),
            MembershipChange::Left,
            duo.bob.user_id.as_str(),
            2
        )
    );
    // Bob's joined connection hears of it, then is out of the room; so is his other
    // device.
    assert_eq!(member_change(&mut duo.b).await.seq, 2);
    assert_eq!(
        room_left(&mut duo.b).await,
        (room.clone(), Some(LeaveReason::Left))
    );
    assert_eq!(
        room_left(&mut b2).await,
        (room.clone(), Some(LeaveReason::Left))
    );

    // Nothing of the room reaches him any more, and nothing he does reaches it.
    duo.a.say(&room, "after").await;
    let ack = duo.b.say(&room, "still here?").await;
    assert!(
        matches!(&ack, ServerFrame::Error { code, .. } if code.as_str() == "forbidden"),
        "{ack:?}"
    );
    duo.b
        .send(&ClientFrame::Typing {
            room_id: room.clone().into(),
            is_typing: true,
        })
        .await;
    assert_eq!(duo.b.expect_error().await.0, "forbidden");
    duo.b
        .send(&ClientFrame::Receipt {
            room_id: room.clone().into(),
            seq: 1,
            kind: chat_protocol::v1::ReceiptKind::Read,
        })
        .await;
    assert_eq!(duo.b.expect_error().await.0, "forbidden");
    duo.b
        .send(&ClientFrame::History {
            room_id: room.clone().into(),
            before_seq: None,
            limit: 10,
        })
        .await;
    assert_eq!(duo.b.expect_error().await.0, "forbidden");
    let rejoin = duo.b.join(&room, Some(0)).await;
    assert!(
        matches!(&rejoin, ServerFrame::Error { code, .. } if code.as_str() == "forbidden"),
        "a private room is not joined again by oneself: {rejoin:?}"
    );
    let (status, _) = server
        .get_json(
            &duo.bob.token,
            &format!("/v1/rooms/{room}/messages?after_seq=0"),
        )
        .await;
    assert_eq!(status, 403);
    assert!(listed_rooms(&server, &duo.bob.token).await.is_empty());
    assert_eq!(
        call(&server, Method::POST, &duo.bob.token, &leave, Value::Null).await,
        refused(403, "forbidden"),
        "leaving twice"
    );
    assert!(
        duo.b.drain().await.is_empty(),
        "Ann's message after the leave did not reach Bob"
    );
    // Ann still has the room and both messages; the leave did not count as unread.
    assert_eq!(server.stored_seqs(&duo.ann.token, &room).await, [1, 3]);
    assert_eq!(
        roles(&server, &duo.ann.token, &room).await,
        [pair(&duo.ann.user_id, "owner")]
    );
    // Added back by Ann, Bob is a member again (with a join event) and may read it all.
    let add = format!("/v1/rooms/{room}/members");
    let (status, _) = send_json(
        &server,
        Method::POST,
        Some(&duo.ann.token),
        &add,
        json!({"user_id": duo.bob.user_id}),
    )
    .await;
    assert_eq!(status, 204);
    let joined = member_change(&mut duo.a).await;
    assert_eq!((joined.change, joined.seq), (MembershipChange::Joined, 4));
    assert_eq!(server.stored_seqs(&duo.bob.token, &room).await, [1, 3]);
}

#[tokio::test]
async fn an_owner_who_leaves_hands_the_room_to_the_longest_standing_admin_else_member() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let dave = server.register("dave").await;
    // Bob joins first, then Carol, then Dave (a moment apart: joins are ordered by
    // time). Dave is made admin before Carol, but she has been a member for longer.
    let room = server
        .create_room(&ann.token, "team", "private", &[&bob.user_id])
        .await;
    let add = format!("/v1/rooms/{room}/members");
    for user in [&carol.user_id, &dave.user_id] {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let body = json!({"user_id": user});
        assert_eq!(
            send_json(&server, Method::POST, Some(&ann.token), &add, body)
                .await
                .0,
            204
        );
    }
    let role = |user: &str| format!("/v1/rooms/{room}/members/{user}/role");
    for user in [&dave.user_id, &carol.user_id] {
        let admin = json!({"role": "admin"});
        assert_eq!(
            call(&server, Method::PUT, &ann.token, &role(user), admin).await,
            ok()
        );
    }
    let mut b = server.client(&bob.token).await;
    b.join(&room, None).await;
    let leave = format!("/v1/rooms/{room}/leave");
    assert_eq!(
        call(&server, Method::POST, &ann.token, &leave, Value::Null).await,
        ok()
    );
    let left = member_change(&mut b).await;
    assert_eq!(
        (left.change, left.user_id.as_str()),
        (MembershipChange::Left, ann.user_id.as_str())
    );
    let handed = member_change(&mut b).await;
    assert_eq!(
        (
            handed.change,
            handed.user_id.as_str(),
            handed.role,
            handed.seq
        ),
        (
            MembershipChange::Role,
            carol.user_id.as_str(),
            Some(MemberRole::Owner),
            left.seq + 1
        ),
        "Carol is the longest-standing admin; Bob, a member for longer, is not an admin"
    );
    // Carol, the new owner, leaves too: Dave is the only admin left.
    assert_eq!(
        call(&server, Method::POST, &carol.token, &leave, Value::Null).await,
        ok()
    );
    member_change(&mut b).await;
    assert_eq!(
        member_change(&mut b).await.user_id.as_str(),
        dave.user_id.as_str()
    );
    // Dave leaves: no admin is left, so the longest-standing member, Bob, owns it.
    assert_eq!(
        call(&server, Method::POST, &dave.token, &leave, Value::Null).await,
        ok()
    );
    member_change(&mut b).await;
    let handed = member_change(&mut b).await;
    assert_eq!(
        (handed.user_id.as_str(), handed.role),
        (bob.user_id.as_str(), Some(MemberRole::Owner))
    );
    assert_eq!(
        roles(&server, &bob.token, &room).await,
        [pair(&bob.user_id, "owner")]
    );
    // The last member may leave too; the room then has nobody, and Bob is told.
    assert_eq!(
        call(&server, Method::POST, &bob.token, &leave, Value::Null).await,
        ok()
    );
    assert_eq!(room_left(&mut b).await.1, Some(LeaveReason::Left));
}

#[tokio::test]
async fn owners_and_admins_kick_within_their_rank_and_the_target_is_out_at_once() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let dave = server.register("dave").await;
    let erin = server.register("erin").await;
    let room = server
        .create_room(
            &ann.token,
            "team",
            "private",
            &[&bob.user_id, &carol.user_id, &dave.user_id],
        )
        .await;
    let kick = |user: &str| format!("/v1/rooms/{room}/members/{user}");
    let role = |user: &str| format!("/v1/rooms/{room}/members/{user}/role");
    let del = Method::DELETE;
    assert_eq!(
        call(
            &server,
            Method::PUT,
            &ann.token,
            &role(&bob.user_id),
            json!({"role": "admin"})
        )
        .await,
        ok()
    );
    assert_eq!(
        call(
            &server,
            Method::PUT,
            &ann.token,
            &role(&carol.user_id),
            json!({"role": "admin"})
        )
        .await,
        ok()
    );
    let mut d = server.client(&dave.token).await;
    d.join(&room, None).await;

    // A member kicks nobody; an admin does not kick the owner or another admin;
    // nobody kicks themself (they leave) or a non-member; an outsider is not a member.
    let malformed = format!("/v1/rooms/{room}/members/{}", "u".repeat(129));
    for (caller, path, want) in [
        (&dave.token, kick(&carol.user_id), refused(403, "forbidden")),
        (&bob.token, kick(&ann.user_id), refused(403, "forbidden")),
        (&bob.token, kick(&carol.user_id), refused(403, "forbidden")),
        (
            &bob.token,
            kick(&bob.user_id),
            refused(400, "invalid_request"),
        ),
        (&bob.token, kick(&erin.user_id), refused(404, "not_found")),
        (&erin.token, kick(&dave.user_id), refused(403, "forbidden")),
        (&ann.token, malformed, refused(400, "invalid_request")),
    ] {
        let got = call(&server, del.clone(), caller, &path, Value::Null).await;
        assert_eq!(got, want, "{path}");
    }
    // None of that changed anything.
    assert_eq!(roles(&server, &ann.token, &room).await.len(), 4);

    // An admin kicks a member: Dave's connection is out at once, told why.
    assert_eq!(
        call(
            &server,
            del.clone(),
            &bob.token,
            &kick(&dave.user_id),
            Value::Null
        )
        .await,
        ok()
    );
    let kicked = member_change(&mut d).await;
    assert_eq!(
        (kicked.change, kicked.user_id.as_str(), kicked.by.as_str()),
        (
            MembershipChange::Kicked,
            dave.user_id.as_str(),
            bob.user_id.as_str()
        )
    );
    assert_eq!(
        room_left(&mut d).await,
        (room.clone(), Some(LeaveReason::Kicked))
    );
    let refused_send = d.say(&room, "let me back").await;
    assert!(
        matches!(&refused_send, ServerFrame::Error { code, .. } if code.as_str() == "forbidden")
    );
    // A kicked user is not banned: they may be added again.
    let (status, _) = send_json(
        &server,
        Method::POST,
        Some(&carol.token),
        &format!("/v1/rooms/{room}/members"),
        json!({"user_id": dave.user_id}),
    )
    .await;
    assert_eq!(status, 204);
    // The owner kicks an admin.
    assert_eq!(
        call(&server, del, &ann.token, &kick(&carol.user_id), Value::Null).await,
        ok()
    );
    let members: Vec<String> = roles(&server, &ann.token, &room)
        .await
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    assert_eq!(
        members,
        [
            ann.user_id.clone(),
            bob.user_id.clone(),
            dave.user_id.clone()
        ]
    );
}

#[tokio::test]
async fn a_banned_user_cannot_rejoin_or_be_added_until_unbanned() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let room = server
        .create_room(&ann.token, "lobby", "public", &[&carol.user_id])
        .await;
    let mut b = server.client(&bob.token).await;
    assert!(matches!(
        b.join(&room, None).await,
        ServerFrame::RoomJoined { .. }
    ));
    let bans = format!("/v1/rooms/{room}/bans");
    let post = Method::POST;

    // Members may not ban, nor see the bans; reasons are bounded; the user must exist.
    assert_eq!(
        call(
            &server,
            post.clone(),
            &carol.token,
            &bans,
            json!({"user_id": bob.user_id})
        )
        .await,
        refused(403, "forbidden")
    );
    let (status, _) = server.get_json(&carol.token, &bans).await;
    assert_eq!(status, 403);
    let long = "x".repeat(501);
    assert_eq!(
        call(
            &server,
            post.clone(),
            &ann.token,
            &bans,
            json!({"user_id": bob.user_id, "reason": long})
        )
        .await,
        refused(400, "invalid_request")
    );
    assert_eq!(
        call(
            &server,
            post.clone(),
            &ann.token,
            &bans,
            json!({"reason": "no user"})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        call(
            &server,
            post.clone(),
            &ann.token,
            &bans,
            json!({"user_id": "0193a0c2-1111-7c3a-9d1e-2f4b6a8c0e11"})
        )
        .await,
        refused(404, "not_found")
    );
    assert_eq!(
        call(
            &server,
            post.clone(),
            &ann.token,
            &bans,
            json!({"user_id": ann.user_id})
        )
        .await,
        refused(400, "invalid_request")
    );

    // The ban removes Bob from the room at once.
    assert_eq!(
        call(
            &server,
            post.clone(),
            &ann.token,
            &bans,
            json!({"user_id": bob.user_id, "reason": "spam"})
        )
        .await,
        ok()
    );
    // (Bob's own join came first: a self-join is an event like any other.)
    assert_eq!(member_change(&mut b).await.change, MembershipChange::Joined);
    let banned = member_change(&mut b).await;
    assert_eq!(banned.change, MembershipChange::Banned);
    assert_eq!(room_left(&mut b).await.1, Some(LeaveReason::Banned));
    // Banning again changes nothing.
    assert_eq!(
        call(
            &server,
            post.clone(),
            &ann.token,
            &bans,
            json!({"user_id": bob.user_id})
        )
        .await,
        ok()
    );
    let (status, list) = server.get_json(&ann.token, &bans).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["bans"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(
        (
            &list["bans"][0]["user_id"],
            &list["bans"][0]["banned_by"],
            &list["bans"][0]["reason"]
        ),
        (&json!(bob.user_id), &json!(ann.user_id), &json!("spam"))
    );
    // Neither joining the public room nor being added lets him back in.
    let rejoin = b.join(&room, None).await;
    assert!(
        matches!(&rejoin, ServerFrame::Error { code, .. } if code.as_str() == "forbidden"),
        "{rejoin:?}"
    );
    let add = format!("/v1/rooms/{room}/members");
    assert_eq!(
        call(
            &server,
            post.clone(),
            &carol.token,
            &add,
            json!({"user_id": bob.user_id})
        )
        .await,
        refused(403, "forbidden")
    );
    // A user who never was a member can be banned beforehand.
    let erin = server.register("erin").await;
    assert_eq!(
        call(
            &server,
            post.clone(),
            &ann.token,
            &bans,
            json!({"user_id": erin.user_id})
        )
        .await,
        ok()
    );
    let mut e = server.client(&erin.token).await;
    assert!(matches!(
        e.join(&room, None).await,
        ServerFrame::Error { .. }
    ));

    // Members may not lift a ban; the owner does, and Bob may join again.
    let unban = format!("/v1/rooms/{room}/bans/{}", bob.user_id);
    assert_eq!(
        call(&server, Method::DELETE, &carol.token, &unban, Value::Null).await,
        refused(403, "forbidden")
    );
    assert_eq!(
        call(&server, Method::DELETE, &ann.token, &unban, Value::Null).await,
        ok()
    );
    assert!(matches!(
        b.join(&room, None).await,
        ServerFrame::RoomJoined { .. }
    ));
    // Only Erin's ban is left.
    let (status, list) = server.get_json(&ann.token, &bans).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["bans"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["bans"][0]["user_id"], json!(erin.user_id));
}

#[tokio::test]
async fn rooms_that_let_only_admins_add_members_refuse_members() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let room = server
        .create_room(&ann.token, "team", "private", &[&bob.user_id])
        .await;
    let add = format!("/v1/rooms/{room}/members");
    let settings = format!("/v1/rooms/{room}");
    // By default members add members (as before roles).
    let (status, details) = send_json(
        &server,
        Method::PATCH,
        Some(&ann.token),
        &settings,
        json!({"who_can_add": "admins"}),
    )
    .await;
    assert_eq!(
        (status, &details["who_can_add"]),
        (200, &json!("admins")),
        "{details}"
    );
    assert_eq!(
        call(
            &server,
            Method::POST,
            &bob.token,
            &add,
            json!({"user_id": carol.user_id})
        )
        .await,
        refused(403, "forbidden")
    );
    assert_eq!(roles(&server, &ann.token, &room).await.len(), 2);
    let (status, _) = send_json(
        &server,
        Method::POST,
        Some(&ann.token),
        &add,
        json!({"user_id": carol.user_id}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = send_json(
        &server,
        Method::PATCH,
        Some(&ann.token),
        &settings,
        json!({"who_can_add": "members"}),
    )
    .await;
    assert_eq!(status, 200);
    let dave = server.register("dave").await;
    let (status, _) = send_json(
        &server,
        Method::POST,
        Some(&bob.token),
        &add,
        json!({"user_id": dave.user_id}),
    )
    .await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn room_settings_change_by_moderators_as_room_events() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let room = duo.room.clone();
    // Ann's second device watches the room without joining it: its list follows.
    let mut a2 = server.client(&duo.ann.token).await;
    let settings = format!("/v1/rooms/{room}");
    let patch = Method::PATCH;

    let (status, details) = send_json(
        &server,
        patch.clone(),
        Some(&duo.ann.token),
        &settings,
        json!({"name": "launch", "topic": "Friday"}),
    )
    .await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(
        (&details["name"], &details["topic"], &details["role"]),
        (&json!("launch"), &json!("Friday"), &json!("owner"))
    );
    let change = room_change(&mut duo.b).await;
    assert_eq!(
        (
            change.seq,
            change.name.as_deref(),
            change.topic.as_deref(),
            change.who_can_add,
            change.by.as_str()
        ),
        (
            1,
            Some("launch"),
            Some("Friday"),
            None,
            duo.ann.user_id.as_str()
        )
    );
    assert_eq!(a2.next_room_update(&room).await.name, "launch");
    // Only what changed is named: the same name again with a new topic.
    let (status, _) = send_json(
        &server,
        patch.clone(),
        Some(&duo.ann.token),
        &settings,
        json!({"name": "launch", "topic": ""}),
    )
    .await;
    assert_eq!(status, 200);
    let change = room_change(&mut duo.b).await;
    assert_eq!(
        (change.seq, change.name, change.topic.as_deref()),
        (2, None, Some(""))
    );
    // Nothing changed: no event, no seq.
    let (status, _) = send_json(
        &server,
        patch.clone(),
        Some(&duo.ann.token),
        &settings,
        json!({"name": "launch"}),
    )
    .await;
    assert_eq!(status, 200);

    // A member may not; bad and empty bodies are refused, and change nothing.
    assert_eq!(
        call(
            &server,
            patch.clone(),
            &duo.bob.token,
            &settings,
            json!({"name": "mine"})
        )
        .await,
        refused(403, "forbidden")
    );
    for bad in [
        json!({}),
        json!({"name": ""}),
        json!({"name": "   "}),
        json!({"name": "x".repeat(101)}),
        json!({"topic": "x".repeat(501)}),
        json!({"name": "a\u{0}b"}),
        json!({"who_can_add": "everyone"}),
        json!({"name": 5}),
    ] {
        let (status, code) = call(
            &server,
            patch.clone(),
            &duo.ann.token,
            &settings,
            bad.clone(),
        )
        .await;
        assert_eq!(
            (status, code.as_deref()),
            (400, Some("invalid_request")),
            "{bad}"
        );
    }
    let (status, details) = server.get_json(&duo.bob.token, &settings).await;
    assert_eq!(
        (status, &details["name"], &details["topic"]),
        (200, &json!("launch"), &json!(""))
    );
    // Direct rooms have no settings to change.
    let carol = server.register("carol").await;
    let direct = server
        .create_room(&duo.ann.token, "", "direct", &[&carol.user_id])
        .await;
    assert_eq!(
        call(
            &server,
            patch,
            &duo.ann.token,
            &format!("/v1/rooms/{direct}"),
            json!({"name": "x"})
        )
        .await,
        refused(403, "forbidden")
    );
    // Settings events never count as unread, and messages go on after them.
    let ack = duo.a.say(&room, "after the rename").await;
    assert_eq!(ack_seq(&ack), 3);
    let (_, list) = server.get_json(&duo.bob.token, "/v1/rooms").await;
    let summary = &list["rooms"][0];
    assert_eq!(
        (&summary["name"], &summary["unread_count"]),
        (&json!("launch"), &json!(1)),
        "{list}"
    );
}

#[tokio::test]
async fn owners_and_admins_delete_any_message_and_the_event_names_them() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let room = duo.room.clone();
    let ack = duo.b.say(&room, "off topic").await;
    duo.a.recv_message().await;
    // Bob (a member) may not delete Ann's message.
    let anns = duo.a.say(&room, "mine").await;
    duo.b.recv_message().await;
    duo.b
        .send(&ClientFrame::DeleteMessage {
            room_id: room.clone().into(),
            message_id: ack_id(&anns).into(),
        })
        .await;
    assert_eq!(duo.b.expect_error().await.0, "forbidden");
    // Ann (the owner) deletes Bob's.
    duo.a
        .send(&ClientFrame::DeleteMessage {
            room_id: room.clone().into(),
            message_id: ack_id(&ack).into(),
        })
        .await;
    let deleted = duo
        .b
        .recv_where(|f| matches!(f, ServerFrame::MessageDeleted { .. }))
        .await;
    let ServerFrame::MessageDeleted {
        sender_id,
        deleted_by,
        ..
    } = deleted
    else {
        unreachable!()
    };
    assert_eq!(sender_id.as_str(), duo.bob.user_id);
    assert_eq!(
        deleted_by.as_ref().map(|u| u.as_str()),
        Some(duo.ann.user_id.as_str())
    );
    duo.a
        .recv_where(|f| matches!(f, ServerFrame::MessageDeleted { .. }))
        .await;
    // A sender deleting their own message is named too.
    let own = duo.b.say(&room, "oops").await;
    duo.b
        .send(&ClientFrame::DeleteMessage {
            room_id: room.clone().into(),
            message_id: ack_id(&own).into(),
        })
        .await;
    let own_id = ack_id(&own);
    duo.a.recv_message().await;
    let deleted = duo
        .a
        .recv_where(|f| {
            matches!(f, ServerFrame::MessageDeleted { message_id, .. } if *message_id == own_id)
        })
        .await;
    let ServerFrame::MessageDeleted { deleted_by, .. } = deleted else {
        unreachable!()
    };
    assert_eq!(
        deleted_by.as_ref().map(|u| u.as_str()),
        Some(duo.bob.user_id.as_str())
    );
}

#[tokio::test]
async fn membership_and_settings_events_replay_on_resume_in_seq_order() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    let dave = server.register("dave").await;
    let room = server
        .create_room(
            &ann.token,
            "team",
            "private",
            &[&bob.user_id, &carol.user_id],
        )
        .await;
    let mut c = server.client(&carol.token).await;
    c.join(&room, None).await;
    let mut a = server.client(&ann.token).await;
    a.join(&room, None).await;
    let first = a.say(&room, "one").await;
    c.recv_message().await;
    drop(c);

    // While Carol is away: a join, a role change, a kick, a rename and a message.
    let add = format!("/v1/rooms/{room}/members");
    assert_eq!(
        send_json(
            &server,
            Method::POST,
            Some(&ann.token),
            &add,
            json!({"user_id": dave.user_id})
        )
        .await
        .0,
        204
    );
    assert_eq!(
        call(
            &server,
            Method::PUT,
            &ann.token,
            &format!("/v1/rooms/{room}/members/{}/role", dave.user_id),
            json!({"role": "admin"})
        )
        .await,
        ok()
    );
    assert_eq!(
        call(
            &server,
            Method::DELETE,
            &ann.token,
            &format!("/v1/rooms/{room}/members/{}", bob.user_id),
            Value::Null
        )
        .await,
        ok()
    );
    assert_eq!(
        send_json(
            &server,
            Method::PATCH,
            Some(&ann.token),
            &format!("/v1/rooms/{room}"),
            json!({"name": "core"})
        )
        .await
        .0,
        200
    );
    a.say(&room, "two").await;

    let mut c = server.client(&carol.token).await;
    let ServerFrame::RoomJoined { last_seq, .. } = c.join(&room, Some(ack_seq(&first))).await
    else {
        panic!()
    };
    assert_eq!(last_seq, 6);
    let replay = c.drain().await;
    let kinds: Vec<(u64, String)> = replay
        .iter()
        .filter_map(|f| match f {
            ServerFrame::MemberChanged(m) => Some((m.seq, format!("{:?}", m.change))),
            ServerFrame::RoomChanged(r) => Some((r.seq, format!("name {:?}", r.name))),
            ServerFrame::Message(m) => Some((m.seq, m.content.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (2, "Joined".to_owned()),
            (3, "Role".to_owned()),
            (4, "Kicked".to_owned()),
            (5, "name Some(\"core\")".to_owned()),
            (6, "two".to_owned())
        ],
        "{replay:?}"
    );
    // The REST history holds messages only; the seqs between are events.
    assert_eq!(server.stored_seqs(&carol.token, &room).await, [1, 6]);
    // Bob, kicked while offline, resumes: he is told he is out instead of replayed to.
    let mut b = server.client(&bob.token).await;
    let resumed = b.join(&room, Some(1)).await;
    assert!(
        matches!(&resumed, ServerFrame::Error { code, .. } if code.as_str() == "forbidden"),
        "{resumed:?}"
    );
}

#[tokio::test]
async fn leaving_a_direct_room_hides_it_until_its_next_message() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let direct = server
        .create_room(&ann.token, "", "direct", &[&bob.user_id])
        .await;
    let mut a = server.client(&ann.token).await;
    a.join(&direct, None).await;
    a.say(&direct, "hi bob").await;
    let leave = format!("/v1/rooms/{direct}/leave");
    assert_eq!(
        call(&server, Method::POST, &bob.token, &leave, Value::Null).await,
        ok()
    );
    assert!(listed_rooms(&server, &bob.token).await.is_empty());
    assert_eq!(
        listed_rooms(&server, &ann.token).await,
        std::slice::from_ref(&direct)
    );
    // Nobody is kicked, banned or promoted in a direct room.
    let kick = format!("/v1/rooms/{direct}/members/{}", bob.user_id);
    assert_eq!(
        call(&server, Method::DELETE, &ann.token, &kick, Value::Null).await,
        refused(403, "forbidden")
    );
    let bans = format!("/v1/rooms/{direct}/bans");
    assert_eq!(
        call(
            &server,
            Method::POST,
            &ann.token,
            &bans,
            json!({"user_id": bob.user_id})
        )
        .await,
        refused(403, "forbidden")
    );
    // Ann writes again: the room is back in Bob's list with all of its history.
    a.say(&direct, "still there?").await;
    assert_eq!(
        listed_rooms(&server, &bob.token).await,
        std::slice::from_ref(&direct)
    );
    assert_eq!(server.stored_seqs(&bob.token, &direct).await, [1, 2]);
    // Opening the direct room again also brings it back, as the same room.
    assert_eq!(
        call(&server, Method::POST, &bob.token, &leave, Value::Null).await,
        ok()
    );
    assert!(listed_rooms(&server, &bob.token).await.is_empty());
    let again = server
        .create_room(&bob.token, "", "direct", &[&ann.user_id])
        .await;
    assert_eq!(again, direct);
    assert_eq!(listed_rooms(&server, &bob.token).await, [direct]);
}

#[tokio::test]
async fn moderation_requests_need_a_token_and_well_formed_ids() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let room = server.create_room(&ann.token, "r", "private", &[]).await;
    for (method, path) in [
        (Method::POST, format!("/v1/rooms/{room}/leave")),
        (
            Method::DELETE,
            format!("/v1/rooms/{room}/members/{}", ann.user_id),
        ),
        (
            Method::PUT,
            format!("/v1/rooms/{room}/members/{}/role", ann.user_id),
        ),
        (Method::POST, format!("/v1/rooms/{room}/bans")),
        (Method::GET, format!("/v1/rooms/{room}/bans")),
        (
            Method::DELETE,
            format!("/v1/rooms/{room}/bans/{}", ann.user_id),
        ),
        (Method::GET, format!("/v1/rooms/{room}")),
        (Method::PATCH, format!("/v1/rooms/{room}")),
    ] {
        let (status, body) = send_json(&server, method.clone(), None, &path, json!({})).await;
        assert_eq!(
            (status, &body["code"]),
            (401, &json!("unauthorized")),
            "{method} {path}"
        );
    }
    let missing = "0193a0c2-7d5e-7c3a-9d1e-2f4b6a8c0e11";
    assert_eq!(
        call(
            &server,
            Method::POST,
            &ann.token,
            &format!("/v1/rooms/{missing}/leave"),
            Value::Null
        )
        .await,
        refused(404, "not_found")
    );
    let (status, _) = server
        .get_json(&ann.token, &format!("/v1/rooms/{missing}"))
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        call(
            &server,
            Method::PATCH,
            &ann.token,
            &format!("/v1/rooms/{missing}"),
            json!({"name": "x"})
        )
        .await,
        refused(404, "not_found")
    );
    // A body that is not JSON is refused with the API's error shape.
    let response = server
        .http
        .patch(server.url(&format!("/v1/rooms/{room}")))
        .bearer_auth(&ann.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_request");
    // None of it changed the room.
    let (_, details) = server
        .get_json(&ann.token, &format!("/v1/rooms/{room}"))
        .await;
    assert_eq!(
        (&details["name"], &details["last_seq"]),
        (&json!("r"), &json!(0))
    );
}
