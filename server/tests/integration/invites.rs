//! Invite links over the wire: a member who may add others makes a link to a private
//! room; whoever holds it sees the room and joins (their connections start hearing of
//! it, the members hear `member_changed`) until it is used up, revoked or, for the
//! banned, never. Every refusal changes nothing.

use chat_protocol::v1::{MembershipChange, ServerFrame};
use serde_json::{Value, json};

use crate::common::{TestServer, now_secs, send_json};

async fn call(
    server: &TestServer,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    send_json(server, method, Some(token), path, body).await
}

/// A `POST` of `body` to `path` as `token`: status and answer.
async fn post(server: &TestServer, token: &str, path: &str, body: Value) -> (u16, Value) {
    call(server, reqwest::Method::POST, token, path, body).await
}

/// A `DELETE` of `path` as `token`: status and answer.
async fn delete(server: &TestServer, token: &str, path: &str) -> (u16, Value) {
    call(server, reqwest::Method::DELETE, token, path, Value::Null).await
}

#[tokio::test]
async fn an_invite_lets_its_holders_into_a_private_room_until_used_up_or_revoked() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let cid = server.register("cid").await;
    let dan = server.register("dan").await;
    let room = server.create_room(&ann.token, "club", "private", &[]).await;
    let mut a = server.client(&ann.token).await;
    a.join(&room, None).await;
    let mut b = server.client(&bob.token).await;
    b.drain().await;

    let invites = format!("/v1/rooms/{room}/invites");
    let before = i64::try_from(now_secs()).unwrap() * 1000;
    let (status, invite) = post(&server, &ann.token, &invites, json!({"max_uses": 2})).await;
    assert_eq!(status, 201, "{invite}");
    let code = invite["code"].as_str().expect("the code, once").to_owned();
    assert_eq!(code.len(), 32);
    assert_eq!(
        (invite["room_id"].as_str(), invite["uses"].as_u64()),
        (Some(room.as_str()), Some(0))
    );
    let week = 7 * 24 * 3600 * 1000;
    assert!(
        invite["expires_at"].as_i64().unwrap() >= before + week,
        "{invite}"
    );

    // Bob sees where it leads, then joins: Ann hears of it, Bob's list gets the room.
    let (status, preview) = server
        .get_json(&bob.token, &format!("/v1/invites/{code}"))
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(
        (
            preview["name"].as_str(),
            preview["visibility"].as_str(),
            preview["member_count"].as_u64(),
            preview["member"].as_bool()
        ),
        (Some("club"), Some("private"), Some(1), Some(false))
    );
    let join_path = format!("/v1/invites/{code}/join");
    let (status, joined) = post(&server, &bob.token, &join_path, Value::Null).await;
    assert_eq!(
        (status, joined["room_id"].as_str()),
        (200, Some(room.as_str())),
        "{joined}"
    );
    let ServerFrame::MemberChanged(changed) = a
        .recv_where(|f| matches!(f, ServerFrame::MemberChanged(_)))
        .await
    else {
        unreachable!()
    };
    assert_eq!(
        (changed.user_id.as_str(), changed.change),
        (bob.user_id.as_str(), MembershipChange::Joined)
    );
    let listed = b.room_update_until(&room, |_| true).await;
    assert_eq!(listed.name, "club");
    b.join(&room, None).await;
    // Again: a member spends no use.
    let (status, _) = post(&server, &bob.token, &join_path, Value::Null).await;
    assert_eq!(status, 200);
    let (_, list) = server.get_json(&ann.token, &invites).await;
    assert_eq!(list["invites"][0]["uses"], 1, "{list}");
    assert!(
        list["invites"][0].get("code").is_none(),
        "codes are never shown again"
    );

    // The second use is Cid's; Dan finds it used up.
    let (status, _) = post(&server, &cid.token, &join_path, Value::Null).await;
    assert_eq!(status, 200);
    let (status, answer) = post(&server, &dan.token, &join_path, Value::Null).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (404, Some("not_found")),
        "{answer}"
    );
    let (status, _) = server
        .get_json(&dan.token, &format!("/v1/invites/{code}"))
        .await;
    assert_eq!(status, 404);
    let (_, list) = server.get_json(&ann.token, &invites).await;
    assert_eq!(list["invites"], json!([]), "a used-up invite is not listed");

    // Revoked: a plain member may revoke only their own; Ann any.
    let (_, second) = post(&server, &ann.token, &invites, json!({})).await;
    let (second_id, second_code) = (
        second["invite_id"].as_str().unwrap().to_owned(),
        second["code"].as_str().unwrap().to_owned(),
    );
    let revoke = format!("{invites}/{second_id}");
    let (status, _) = delete(&server, &bob.token, &revoke).await;
    assert_eq!(status, 404, "not bob's to revoke");
    let (status, _) = delete(&server, &ann.token, &revoke).await;
    assert_eq!(status, 204);
    let (status, _) = post(
        &server,
        &dan.token,
        &format!("/v1/invites/{second_code}/join"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 404, "revoked");
    let (_, members) = server
        .get_json(&ann.token, &format!("/v1/rooms/{room}/members"))
        .await;
    assert_eq!(
        members["members"].as_array().unwrap().len(),
        3,
        "ann, bob and cid: {members}"
    );

    // Bob, a member, makes one of his own; once he is removed it lets nobody in.
    let (status, bobs) = post(&server, &bob.token, &invites, json!({})).await;
    assert_eq!(status, 201, "{bobs}");
    let bobs_join = format!("/v1/invites/{}/join", bobs["code"].as_str().unwrap());
    let kick = format!("/v1/rooms/{room}/members/{}", bob.user_id);
    let (status, _) = delete(&server, &ann.token, &kick).await;
    assert_eq!(status, 204);
    let (status, _) = post(&server, &dan.token, &bobs_join, Value::Null).await;
    assert_eq!(status, 404, "the invite of a removed member");
    server.stop().await;
}

#[tokio::test]
async fn invites_are_refused_where_the_rules_say_and_refusals_change_nothing() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let eve = server.register("eve").await;
    let room = server
        .create_room(&ann.token, "club", "private", &[&bob.user_id])
        .await;
    let direct = server
        .create_room(&ann.token, "", "direct", &[&bob.user_id])
        .await;
    let invites = format!("/v1/rooms/{room}/invites");
    for (token, path, body, want) in [
        (
            &ann.token,
            invites.clone(),
            json!({"expires_in_secs": 59}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            invites.clone(),
            json!({"expires_in_secs": 2_592_001}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            invites.clone(),
            json!({"max_uses": 0}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            invites.clone(),
            json!({"max_uses": 1001}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            invites.clone(),
            json!({"max_uses": "two"}),
            (400, "invalid_request"),
        ),
        (&eve.token, invites.clone(), json!({}), (403, "forbidden")),
        (
            &ann.token,
            format!("/v1/rooms/{direct}/invites"),
            json!({}),
            (403, "forbidden"),
        ),
        (
            &ann.token,
            "/v1/rooms/nope/invites".to_owned(),
            json!({}),
            (404, "not_found"),
        ),
    ] {
        let (status, answer) =
            call(&server, reqwest::Method::POST, token, &path, body.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str().unwrap_or_default()),
            want,
            "{path} {body}: {answer}"
        );
    }
    let (status, _) = server.get_json(&eve.token, &invites).await;
    assert_eq!(status, 403, "a non-member lists nothing");
    let (_, list) = server.get_json(&ann.token, &invites).await;
    assert_eq!(
        list["invites"],
        json!([]),
        "no refused request made an invite"
    );

    // Only admins may invite where only admins may add.
    let (status, _) = call(
        &server,
        reqwest::Method::PATCH,
        &ann.token,
        &format!("/v1/rooms/{room}"),
        json!({"who_can_add": "admins"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(&server, &bob.token, &invites, json!({})).await;
    assert_eq!(status, 403);

    // The banned get nothing from a working invite, and spend no use of it.
    let (status, _) = post(
        &server,
        &ann.token,
        &format!("/v1/rooms/{room}/bans"),
        json!({"user_id": eve.user_id}),
    )
    .await;
    assert_eq!(status, 204);
    let (_, invite) = post(&server, &ann.token, &invites, json!({"max_uses": 1})).await;
    let code = invite["code"].as_str().unwrap();
    let (status, answer) = post(
        &server,
        &eve.token,
        &format!("/v1/invites/{code}/join"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (403, Some("forbidden")),
        "{answer}"
    );
    let (_, list) = server.get_json(&ann.token, &invites).await;
    assert_eq!(list["invites"][0]["uses"], 0);
    let (status, _) = delete(
        &server,
        &ann.token,
        &format!("{invites}/{}", "x".repeat(129)),
    )
    .await;
    assert_eq!(status, 400, "a malformed invite id");
    for (path, want) in [
        (format!("/v1/invites/{}", "x".repeat(129)), 400),
        (
            "/v1/invites/0123456789abcdef0123456789abcdef".to_owned(),
            404,
        ),
    ] {
        let (status, _) = server.get_json(&eve.token, &path).await;
        assert_eq!(status, want, "{path}");
    }
    let (status, _) = post(
        &server,
        "not a token",
        &format!("/v1/invites/{code}/join"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 401);

    // At most 100 working invites per room (the server's `MAX_WORKING_INVITES`): one
    // works already.
    for n in 1..100 {
        let (status, _) = post(&server, &ann.token, &invites, json!({})).await;
        assert_eq!(status, 201, "invite {n}");
    }
    let (status, answer) = post(&server, &ann.token, &invites, json!({})).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (409, Some("conflict")),
        "{answer}"
    );
    let (_, list) = server.get_json(&ann.token, &invites).await;
    assert_eq!(list["invites"].as_array().unwrap().len(), 100);
    server.stop().await;
}
