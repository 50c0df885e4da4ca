//! Closing accounts: a user deletes their own (confirmed with their password), a server
//! admin deactivates one; the server admins' API and who may use it.

use chat_protocol::v1::{MemberRole, MembershipChange, ServerFrame, close};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Client, TestServer, ack_id, now_secs, send_json};

async fn delete_me(server: &TestServer, token: &str, query: &str, body: Option<Value>) -> u16 {
    let mut request = server
        .http
        .delete(server.url(&format!("/v1/users/me{query}")))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_deleted_account_is_gone_everywhere_and_its_name_is_free() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let room = server
        .create_room(&ann.token, "team", "private", &[&bob.user_id])
        .await;
    let mut a = server.client(&ann.token).await;
    a.join(&room, None).await;
    let mut b = server.client(&bob.token).await;
    b.join(&room, None).await;
    let anns = a.say(&room, "from ann").await;
    b.recv_message().await;
    let bobs = b.say(&room, "from bob").await;
    a.recv_message().await;

    // The password confirms it: none or a wrong one changes nothing.
    assert_eq!(delete_me(&server, &ann.token, "", None).await, 403);
    let wrong = json!({"password": "not the password"});
    assert_eq!(delete_me(&server, &ann.token, "", Some(wrong)).await, 403);
    assert_eq!(
        delete_me(&server, &ann.token, "?erase_messages=maybe", None).await,
        400
    );
    assert_eq!(server.stored_seqs(&ann.token, &room).await, [1, 2]);

    let right = json!({"password": "correct horse battery"});
    assert_eq!(
        delete_me(&server, &ann.token, "?erase_messages=true", Some(right)).await,
        204
    );
    // Bob sees Ann's message erased, Ann leave, and the room pass to him.
    let erased = b
        .recv_where(|f| matches!(f, ServerFrame::MessageDeleted { .. }))
        .await;
    assert!(
        matches!(&erased, ServerFrame::MessageDeleted { message_id, .. } if *message_id == ack_id(&anns)),
        "{erased:?}"
    );
    let mut changes = Vec::new();
    while changes.len() < 2 {
        if let ServerFrame::MemberChanged(m) = b
            .recv_where(|f| matches!(f, ServerFrame::MemberChanged(_)))
            .await
        {
            changes.push((m.user_id.to_string(), m.change, m.role));
        }
    }
    assert_eq!(
        changes,
        [
            (ann.user_id.to_string(), MembershipChange::Left, None),
            (
                bob.user_id.to_string(),
                MembershipChange::Role,
                Some(MemberRole::Owner)
            )
        ]
    );
    // Ann's connection is closed, her tokens and refresh token refused.
    assert_eq!(a.closed().await, Some(close::UNAUTHORIZED));
    let (status, _) = server.get_json(&ann.token, "/v1/users/me").await;
    assert_eq!(status, 401);
    let refreshed = send_json(
        &server,
        Method::POST,
        None,
        "/v1/auth/refresh",
        json!({"refresh_token": ann.refresh_token}),
    )
    .await;
    assert_eq!(refreshed.0, 401, "{}", refreshed.1);
    let mut again = Client::connect(&server).await;
    again
        .send(&chat_protocol::v1::ClientFrame::Authenticate {
            token: ann.token.clone(),
        })
        .await;
    assert_eq!(again.closed().await, Some(close::UNAUTHORIZED));

    // Her profile reads as a deleted user; her name is free for someone new.
    let (status, profile) = server
        .get_json(&bob.token, &format!("/v1/users/{}", ann.user_id))
        .await;
    assert_eq!(
        (status, &profile["display_name"]),
        (200, &json!("Deleted user"))
    );
    let new_ann = server.register("ann").await;
    assert_ne!(new_ann.user_id, ann.user_id);
    // Bob's message is untouched; Ann's is a deleted message.
    let (_, page) = server
        .get_json(
            &bob.token,
            &format!("/v1/rooms/{room}/messages?after_seq=0"),
        )
        .await;
    let messages = page["messages"].as_array().unwrap();
    assert_eq!(
        (&messages[0]["deleted"], &messages[0]["content"]),
        (&json!(true), &json!(""))
    );
    assert_eq!(messages[1]["message_id"], json!(ack_id(&bobs)));
    assert_eq!(messages[1]["content"], "from bob");
}

#[tokio::test]
async fn an_external_user_confirms_with_the_token_and_unerased_messages_stay() {
    let keys = crate::common::IssuerKeys::generate();
    let server = keys.server().await;
    let sign = |sub: &str| keys.sign(&json!({"sub": sub, "exp": now_secs() + 600}));
    let (ann, bob) = (sign("emp-ann"), sign("emp-bob"));
    let room = server.create_room(&bob, "ops", "public", &[]).await;
    let mut a = server.client(&ann).await;
    a.join(&room, None).await;
    a.say(&room, "kept").await;
    let mut b = server.client(&bob).await;
    b.join(&room, None).await;

    // No password to give: the token is the confirmation.
    assert_eq!(delete_me(&server, &ann, "", None).await, 204);
    let left = b
        .recv_where(|f| matches!(f, ServerFrame::MemberChanged(_)))
        .await;
    assert!(
        matches!(&left, ServerFrame::MemberChanged(m) if m.change == MembershipChange::Left && m.user_id.as_str() == "emp-ann"),
        "{left:?}"
    );
    assert_eq!(a.closed().await, Some(close::UNAUTHORIZED));
    // The issuer's next token for the same subject is refused: the account stays
    // deleted rather than coming back as a new one.
    let (status, _) = server.get_json(&sign("emp-ann"), "/v1/users/me").await;
    assert_eq!(status, 401);
    // Without erase_messages, what Ann said stays.
    let (_, page) = server
        .get_json(&bob, &format!("/v1/rooms/{room}/messages?after_seq=0"))
        .await;
    assert_eq!(page["messages"][0]["content"], "kept");
}

#[tokio::test]
async fn server_admins_read_reports_and_deactivate_accounts() {
    let server = TestServer::start_with(|c| c.admin_users = vec!["Root".into()]).await;
    let root = server.register("root").await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let duo_room = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id])
        .await;
    let mut a = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    b.join(&duo_room, None).await;
    for reason in ["one", "two", "three"] {
        let body = json!({"room_id": duo_room, "user_id": bob.user_id, "reason": reason});
        let (status, _) =
            send_json(&server, Method::POST, Some(&ann.token), "/v1/reports", body).await;
        assert_eq!(status, 201);
    }

    // Only admins read reports: by name (any case) or by the token's admin claim.
    let (status, _) = server.get_json(&ann.token, "/v1/admin/reports").await;
    assert_eq!(status, 403);
    let (status, page) = server
        .get_json(&root.token, "/v1/admin/reports?limit=2")
        .await;
    assert_eq!(status, 200, "{page}");
    let reasons: Vec<&str> = page["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["three", "two"], "newest first");
    let next = page["next_before"].as_str().unwrap().to_owned();
    let (_, rest) = server
        .get_json(
            &root.token,
            &format!("/v1/admin/reports?limit=2&before={next}"),
        )
        .await;
    assert_eq!(rest["reports"][0]["reason"], "one");
    assert_eq!(rest["next_before"], Value::Null);
    for bad in ["?limit=0", "?limit=201", "?before=nonsense", "?before=12:"] {
        let (status, body) = server
            .get_json(&root.token, &format!("/v1/admin/reports{bad}"))
            .await;
        assert_eq!(
            (status, &body["code"]),
            (400, &json!("invalid_request")),
            "{bad}"
        );
    }
    let claim_token = server.sign(&json!({
        "sub": ann.user_id, "exp": now_secs() + 600, "chat_admin": true
    }));
    let (status, _) = server.get_json(&claim_token, "/v1/admin/reports").await;
    assert_eq!(status, 200, "the admin claim makes an admin");
    let false_claim = server.sign(&json!({
        "sub": ann.user_id, "exp": now_secs() + 600, "chat_admin": "true"
    }));
    let (status, _) = server.get_json(&false_claim, "/v1/admin/reports").await;
    assert_eq!(status, 403, "only a boolean true counts");

    // Deactivating: admins only, not oneself, known users only.
    let deactivate = |user: &str| format!("/v1/admin/users/{user}/deactivate");
    let post = |token: &str, path: String| {
        let token = token.to_owned();
        let server = &server;
        async move {
            send_json(server, Method::POST, Some(&token), &path, Value::Null)
                .await
                .0
        }
    };
    assert_eq!(post(&ann.token, deactivate(&bob.user_id)).await, 403);
    assert_eq!(post(&root.token, deactivate(&root.user_id)).await, 400);
    assert_eq!(post(&root.token, deactivate("nobody")).await, 404);
    assert_eq!(post(&root.token, deactivate(&bob.user_id)).await, 204);
    assert_eq!(b.closed().await, Some(close::FORBIDDEN));
    // His room-mates see him go offline, as after any last disconnect.
    a
        .recv_where(|f| {
            matches!(f, ServerFrame::Presence { user_id, status: chat_protocol::v1::PresenceStatus::Offline, .. }
                if user_id.as_str() == bob.user_id)
        })
        .await;
    let (status, _) = server.get_json(&bob.token, "/v1/users/me").await;
    assert_eq!(status, 401, "his token is refused from now on");
    let login = send_json(
        &server,
        Method::POST,
        None,
        "/v1/auth/login",
        json!({"username": "bob", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(login.0, 401, "and he cannot sign in again: {}", login.1);
    // Nobody can add him to a room any more.
    let room_two = server.create_room(&ann.token, "two", "private", &[]).await;
    let add = json!({"user_id": bob.user_id});
    let added = send_json(
        &server,
        Method::POST,
        Some(&ann.token),
        &format!("/v1/rooms/{room_two}/members"),
        add,
    )
    .await;
    assert_eq!(added.0, 404, "{}", added.1);
    let (_, without_token) =
        send_json(&server, Method::GET, None, "/v1/admin/reports", Value::Null).await;
    assert_eq!(without_token["code"], "unauthorized");
}

#[tokio::test]
async fn a_server_admin_deletes_a_room_and_its_members_are_told_at_once() {
    let server = TestServer::start_with(|c| c.admin_users = vec!["root".into()]).await;
    let root = server.register("root").await;
    let mut duo = server.duo("private").await;
    let room = duo.room.clone();
    let mut watcher = server.client(&duo.bob.token).await;
    let said = duo.a.say(&room, "spam spam").await;
    duo.b.recv_message().await;
    let report = json!({"room_id": room, "message_id": ack_id(&said), "reason": "spam room"});
    let (status, _) = send_json(
        &server,
        Method::POST,
        Some(&duo.bob.token),
        "/v1/reports",
        report,
    )
    .await;
    assert_eq!(status, 201);

    let path = format!("/v1/admin/rooms/{room}");
    let delete = |token: &str, path: &str| {
        let (token, path) = (token.to_owned(), path.to_owned());
        let server = &server;
        async move {
            send_json(server, Method::DELETE, Some(&token), &path, Value::Null)
                .await
                .0
        }
    };
    assert_eq!(
        delete(&duo.ann.token, &path).await,
        403,
        "the room's owner is no server admin"
    );
    assert_eq!(
        delete(&root.token, "/v1/admin/rooms/no-such-room").await,
        404
    );
    assert_eq!(delete(&root.token, &path).await, 204);
    for client in [&mut duo.a, &mut duo.b, &mut watcher] {
        let left = client
            .recv_where(|f| matches!(f, ServerFrame::RoomLeft { .. }))
            .await;
        assert!(
            matches!(
                &left,
                ServerFrame::RoomLeft {
                    reason: Some(chat_protocol::v1::LeaveReason::RoomDeleted),
                    ..
                }
            ),
            "{left:?}"
        );
    }
    // The room is gone for everyone; the report about it stays, with its content.
    let said_again = duo.a.say(&room, "anyone?").await;
    assert!(
        matches!(&said_again, ServerFrame::Error { code, .. } if code.as_str() == "not_found"),
        "{said_again:?}"
    );
    let (status, _) = server
        .get_json(
            &duo.bob.token,
            &format!("/v1/rooms/{room}/messages?after_seq=0"),
        )
        .await;
    assert_eq!(status, 404);
    let (_, list) = server.get_json(&duo.bob.token, "/v1/rooms").await;
    assert_eq!(list["rooms"], json!([]));
    let (_, reports) = server.get_json(&root.token, "/v1/admin/reports").await;
    assert_eq!(reports["reports"][0]["message_content"], "spam spam");
    assert_eq!(delete(&root.token, &path).await, 404, "deleted once");
}
