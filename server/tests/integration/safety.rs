//! Blocks and reports: what a blocked user can no longer do to the blocker (open a
//! direct room, add them, send in their direct room, show them typing), what they still
//! can (talk in shared group rooms, whose seq stream stays whole), and reports of
//! messages and users with their refusals.

use chat_protocol::v1::{ClientFrame, ServerFrame};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{TestServer, ack_id, send_json};

/// Status and error code of a request.
async fn call(
    server: &TestServer,
    method: Method,
    token: Option<&str>,
    path: &str,
    body: Value,
) -> (u16, Option<String>) {
    let (status, body) = send_json(server, method, token, path, body).await;
    (status, body["code"].as_str().map(str::to_owned))
}

fn code(status: u16, code: &str) -> (u16, Option<String>) {
    (status, Some(code.to_owned()))
}

/// POSTs a room creation; status and error code.
async fn create(
    server: &TestServer,
    token: &str,
    visibility: &str,
    members: &[&str],
) -> (u16, Option<String>) {
    let body = json!({"name": "r", "visibility": visibility, "members": members});
    call(server, Method::POST, Some(token), "/v1/rooms", body).await
}

#[tokio::test]
async fn a_blocked_user_cannot_reach_the_blocker_outside_shared_group_rooms() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let carol = server.register("carol").await;
    // Before the block: a direct room and a group room of the three.
    let direct = server
        .create_room(&ann.token, "", "direct", &[&bob.user_id])
        .await;
    let group = server
        .create_room(&carol.token, "g", "private", &[&ann.user_id, &bob.user_id])
        .await;
    let block = format!("/v1/users/me/blocks/{}", bob.user_id);
    let ann_token = Some(ann.token.as_str());
    assert_eq!(
        call(&server, Method::PUT, ann_token, &block, Value::Null).await,
        (204, None)
    );
    assert_eq!(
        call(&server, Method::PUT, ann_token, &block, Value::Null).await,
        (204, None),
        "blocking again changes nothing"
    );
    let (status, list) = server.get_json(&ann.token, "/v1/users/me/blocks").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        (
            &list["blocks"][0]["user_id"],
            &list["blocks"][0]["username"],
            list["blocks"].as_array().unwrap().len()
        ),
        (&json!(bob.user_id), &json!("bob"), 1)
    );

    // Bob cannot open a direct room with Ann (not even the existing one), nor add her
    // to a room; Ann may still open hers with him.
    assert_eq!(
        create(&server, &bob.token, "direct", &[&ann.user_id]).await,
        code(403, "forbidden")
    );
    assert_eq!(
        create(&server, &bob.token, "private", &[&ann.user_id]).await,
        code(403, "forbidden")
    );
    let own = server.create_room(&bob.token, "own", "private", &[]).await;
    let add = json!({"user_id": ann.user_id});
    let add_path = format!("/v1/rooms/{own}/members");
    assert_eq!(
        call(
            &server,
            Method::POST,
            Some(&bob.token),
            &add_path,
            add.clone()
        )
        .await,
        code(403, "forbidden")
    );
    assert_eq!(
        create(&server, &ann.token, "direct", &[&bob.user_id])
            .await
            .0,
        200
    );

    // In the direct room, Bob's sends are refused, over the WebSocket and REST; Ann's
    // go through.
    let mut a = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    let mut c = server.client(&carol.token).await;
    for (client, rooms) in [(&mut a, [&direct, &group]), (&mut b, [&direct, &group])] {
        for room in rooms {
            assert!(matches!(
                client.join(room, None).await,
                ServerFrame::RoomJoined { .. }
            ));
        }
    }
    assert!(matches!(
        c.join(&group, None).await,
        ServerFrame::RoomJoined { .. }
    ));
    let refused = b.say(&direct, "can you hear me?").await;
    assert!(
        matches!(&refused, ServerFrame::Error { code, .. } if code.as_str() == "forbidden"),
        "{refused:?}"
    );
    let rest_send = format!("/v1/rooms/{direct}/messages");
    let (status, _) = server
        .http
        .post(server.url(&rest_send))
        .bearer_auth(&bob.token)
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .json(&json!({"content": "and now?"}))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 403);
    assert!(matches!(
        a.say(&direct, "I can").await,
        ServerFrame::MessageAck { .. }
    ));
    b.recv_message().await;
    assert_eq!(
        server.stored_seqs(&ann.token, &direct).await,
        [1],
        "nothing of Bob's stored"
    );

    // In the group room Bob still talks (the seq stream stays gap-free for everyone);
    // his typing reaches Carol but not Ann.
    b.send(&ClientFrame::Typing {
        room_id: group.clone().into(),
        is_typing: true,
    })
    .await;
    let typing = c
        .recv_where(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    assert!(
        matches!(typing, ServerFrame::Typing { ref user_id, .. } if user_id.as_str() == bob.user_id)
    );
    let said = b.say(&group, "hello group").await;
    assert!(
        matches!(said, ServerFrame::MessageAck { seq: 1, .. }),
        "{said:?}"
    );
    let got = a.recv_message().await;
    assert_eq!((got.seq, got.content.as_str()), (1, "hello group"));
    let seen_by_ann = a.drain().await;
    assert!(
        !seen_by_ann
            .iter()
            .any(|f| matches!(f, ServerFrame::Typing { .. })),
        "Ann blocked Bob: {seen_by_ann:?}"
    );

    // Unblocked, Bob may write to Ann again and add her.
    assert_eq!(
        call(&server, Method::DELETE, ann_token, &block, Value::Null).await,
        (204, None)
    );
    assert!(matches!(
        b.say(&direct, "thanks").await,
        ServerFrame::MessageAck { .. }
    ));
    assert_eq!(
        call(&server, Method::POST, Some(&bob.token), &add_path, add).await,
        (204, None)
    );
    let (_, list) = server.get_json(&ann.token, "/v1/users/me/blocks").await;
    assert_eq!(list["blocks"], json!([]));
}

#[tokio::test]
async fn blocking_needs_a_token_another_user_who_exists_and_a_well_formed_id() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let token = Some(ann.token.as_str());
    let me = format!("/v1/users/me/blocks/{}", ann.user_id);
    assert_eq!(
        call(&server, Method::PUT, token, &me, Value::Null).await,
        code(400, "invalid_request")
    );
    let nobody = "/v1/users/me/blocks/0193a0c2-1111-7c3a-9d1e-2f4b6a8c0e11";
    assert_eq!(
        call(&server, Method::PUT, token, nobody, Value::Null).await,
        code(404, "not_found")
    );
    let long = format!("/v1/users/me/blocks/{}", "u".repeat(129));
    assert_eq!(
        call(&server, Method::PUT, token, &long, Value::Null).await,
        code(400, "invalid_request")
    );
    assert_eq!(
        call(&server, Method::DELETE, token, &long, Value::Null).await,
        code(400, "invalid_request")
    );
    for (method, path) in [
        (Method::PUT, nobody),
        (Method::DELETE, nobody),
        (Method::GET, "/v1/users/me/blocks"),
    ] {
        assert_eq!(
            call(&server, method, None, path, Value::Null).await,
            code(401, "unauthorized")
        );
    }
    let (_, list) = server.get_json(&ann.token, "/v1/users/me/blocks").await;
    assert_eq!(list["blocks"], json!([]), "none of it blocked anyone");
}

#[tokio::test]
async fn blocks_and_unblocks_past_the_minutes_budget_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let eve = server.register("eve").await;
    let token = Some(ann.token.as_str());
    let bob_path = format!("/v1/users/me/blocks/{}", bob.user_id);
    // The server's `limits::BLOCK_CHANGES_PER_MINUTE`.
    let budget = 30;
    for n in 0..budget {
        let method = if n % 2 == 0 {
            Method::PUT
        } else {
            Method::DELETE
        };
        assert_eq!(
            call(&server, method, token, &bob_path, Value::Null).await.0,
            204,
            "change {n}"
        );
    }
    // The budget is spent: neither a block nor an unblock goes through.
    let eve_path = format!("/v1/users/me/blocks/{}", eve.user_id);
    for (method, path) in [(Method::PUT, &eve_path), (Method::DELETE, &bob_path)] {
        assert_eq!(
            call(&server, method, token, path, Value::Null).await,
            code(429, "rate_limited")
        );
    }
    let (_, list) = server.get_json(&ann.token, "/v1/users/me/blocks").await;
    let blocked: Vec<&str> = list["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter_map(|b| b["user_id"].as_str())
        .collect();
    let expected: Vec<&str> = if budget % 2 == 1 {
        vec![bob.user_id.as_str()]
    } else {
        vec![]
    };
    assert_eq!(blocked, expected, "the refused changes changed nothing");
    // Another user's budget is their own.
    let eve_blocks_bob = Some(eve.token.as_str());
    assert_eq!(
        call(&server, Method::PUT, eve_blocks_bob, &bob_path, Value::Null)
            .await
            .0,
        204
    );
}

#[tokio::test]
async fn members_report_messages_and_users_with_the_content_kept() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let room = duo.room.clone();
    let carol = server.register("carol").await;
    let ack = duo.b.say(&room, "something nasty").await;
    let message_id = ack_id(&ack);
    let ann = Some(duo.ann.token.as_str());

    let report = json!({"room_id": room, "message_id": message_id, "reason": "  abuse  "});
    let (status, body) = send_json(&server, Method::POST, ann, "/v1/reports", report.clone()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (
            &body["user_id"],
            &body["reporter_id"],
            &body["reason"],
            &body["message_content"]
        ),
        (
            &json!(duo.bob.user_id),
            &json!(duo.ann.user_id),
            &json!("abuse"),
            &json!("something nasty")
        ),
        "the sender is the reported user; the content is kept"
    );
    assert!(body["report_id"].as_str().is_some_and(|id| !id.is_empty()));
    // A user without a message, and a room as a whole.
    let user_report = json!({"room_id": room, "user_id": duo.bob.user_id, "reason": "spam"});
    assert_eq!(
        call(&server, Method::POST, ann, "/v1/reports", user_report)
            .await
            .0,
        201
    );
    let room_report = json!({"room_id": room, "reason": "this room is a scam"});
    assert_eq!(
        call(&server, Method::POST, ann, "/v1/reports", room_report)
            .await
            .0,
        201
    );

    // Refusals, each with its code.
    let other_room = server.create_room(&carol.token, "c", "private", &[]).await;
    let missing = "0193a0c2-7d5e-7c3a-9d1e-2f4b6a8c0e11";
    for (body, want) in [
        (
            json!({"room_id": other_room, "reason": "x"}),
            code(403, "forbidden"),
        ),
        (
            json!({"room_id": missing, "reason": "x"}),
            code(404, "not_found"),
        ),
        (
            json!({"room_id": room, "message_id": missing, "reason": "x"}),
            code(404, "not_found"),
        ),
        (
            json!({"room_id": room, "user_id": missing, "reason": "x"}),
            code(404, "not_found"),
        ),
        (
            json!({"room_id": room, "user_id": duo.ann.user_id, "reason": "x"}),
            code(400, "invalid_request"),
        ),
        (
            json!({"room_id": room, "reason": "   "}),
            code(400, "invalid_request"),
        ),
        (
            json!({"room_id": room, "reason": "x".repeat(501)}),
            code(400, "invalid_request"),
        ),
        (json!({"room_id": room}), code(400, "invalid_request")),
        (
            json!({"room_id": "r".repeat(129), "reason": "x"}),
            code(400, "invalid_request"),
        ),
    ] {
        assert_eq!(
            call(&server, Method::POST, ann, "/v1/reports", body.clone()).await,
            want,
            "{body}"
        );
    }
    assert_eq!(
        call(&server, Method::POST, None, "/v1/reports", report).await,
        code(401, "unauthorized")
    );
    // A message of another room is not found in this one.
    let mut c = server.client(&carol.token).await;
    c.join(&other_room, None).await;
    let elsewhere = ack_id(&c.say(&other_room, "elsewhere").await);
    let cross = json!({"room_id": room, "message_id": elsewhere, "reason": "x"});
    assert_eq!(
        call(&server, Method::POST, ann, "/v1/reports", cross).await,
        code(404, "not_found")
    );
    // Reporting changed nothing in the room.
    assert_eq!(server.stored_seqs(&duo.ann.token, &room).await, [1]);
}

/// The budget docs/protocol.md §8.7a gives.
const REPORTS_PER_HOUR: u32 = 20;

#[tokio::test]
async fn reports_have_an_hourly_budget_per_user_that_malformed_ones_do_not_spend() {
    let server = TestServer::start().await;
    let duo = server.duo("private").await;
    let room = duo.room.clone();
    let ann = Some(duo.ann.token.as_str());
    let report = json!({"room_id": room, "user_id": duo.bob.user_id, "reason": "spam"});
    // Malformed: refused before the budget.
    for _ in 0..5 {
        let blank = json!({"room_id": room, "reason": " "});
        assert_eq!(
            call(&server, Method::POST, ann, "/v1/reports", blank).await,
            code(400, "invalid_request")
        );
    }
    for _ in 0..REPORTS_PER_HOUR {
        assert_eq!(
            call(&server, Method::POST, ann, "/v1/reports", report.clone())
                .await
                .0,
            201
        );
    }
    assert_eq!(
        call(&server, Method::POST, ann, "/v1/reports", report.clone()).await,
        code(429, "rate_limited")
    );
    assert_eq!(
        server
            .metric("chat_rate_limited_total{scope=\"report\"}")
            .await,
        1.0
    );
    // The refused one was not stored: ann's export holds the others.
    let (status, export) = server.get_json(&duo.ann.token, "/v1/users/me/export").await;
    assert_eq!(status, 200);
    assert_eq!(
        export["reports"].as_array().unwrap().len(),
        REPORTS_PER_HOUR as usize
    );
    // The budget is each user's own.
    let about_ann = json!({"room_id": room, "user_id": duo.ann.user_id, "reason": "spam"});
    assert_eq!(
        call(
            &server,
            Method::POST,
            Some(duo.bob.token.as_str()),
            "/v1/reports",
            about_ann
        )
        .await
        .0,
        201
    );
}
