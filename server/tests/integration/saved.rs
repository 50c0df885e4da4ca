//! Saved messages (`PUT`/`DELETE /v1/rooms/{room_id}/messages/{message_id}/saved`,
//! `GET /v1/users/me/saved`): the user's own, on every device, most recently saved
//! first in pages, without deleted messages or those of rooms they left; refusals
//! change nothing.

use chat_protocol::v1::{ClientFrame, ServerFrame};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{TestServer, ack_id, send_json};

async fn set(
    server: &TestServer,
    method: Method,
    token: Option<&str>,
    room: &str,
    message: &str,
) -> (u16, Value) {
    let path = format!("/v1/rooms/{room}/messages/{message}/saved");
    send_json(server, method, token, &path, json!(null)).await
}

/// Every saved message's id, page after page of `limit`.
async fn saved_ids(server: &TestServer, token: &str, limit: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut path = format!("/v1/users/me/saved?limit={limit}");
    for _ in 0..20 {
        let (status, body) = server.get_json(token, &path).await;
        assert_eq!(status, 200, "{body}");
        for saved in body["saved"].as_array().unwrap() {
            assert!(saved["saved_at"].as_i64().is_some_and(|at| at > 0));
            ids.push(saved["message"]["message_id"].as_str().unwrap().to_owned());
        }
        match body["next_before"].as_str() {
            Some(before) => path = format!("/v1/users/me/saved?limit={limit}&before={before}"),
            None => return ids,
        }
    }
    panic!("more pages than saved messages");
}

#[tokio::test]
async fn saved_messages_are_the_users_own_on_every_device_newest_first() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let room = duo.room.clone();
    let mut said = Vec::new();
    for text in ["one", "two", "three"] {
        said.push(ack_id(&duo.b.say(&room, text).await));
    }
    let ann = Some(duo.ann.token.as_str());
    let mut ann_phone = server.client(&duo.ann.token).await;

    for id in [&said[0], &said[2], &said[1]] {
        // Saved a few milliseconds apart: the list's order is by time.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        assert_eq!(set(&server, Method::PUT, ann, &room, id).await.0, 204);
        let heard = ann_phone
            .recv_where(|f| matches!(f, ServerFrame::SavedChanged { .. }))
            .await;
        assert_eq!(
            heard,
            ServerFrame::SavedChanged {
                room_id: room.as_str().into(),
                message_id: id.as_str().into(),
                saved: true
            },
            "her other device hears of it"
        );
    }
    // Most recently saved first, in pages of one as in one page; saving again keeps
    // the first time.
    assert_eq!(set(&server, Method::PUT, ann, &room, &said[0]).await.0, 204);
    ann_phone
        .recv_where(|f| matches!(f, ServerFrame::SavedChanged { saved: true, .. }))
        .await;
    let want = [said[1].clone(), said[2].clone(), said[0].clone()];
    assert_eq!(saved_ids(&server, &duo.ann.token, 1).await, want);
    assert_eq!(saved_ids(&server, &duo.ann.token, 50).await, want);
    let (_, page) = server.get_json(&duo.ann.token, "/v1/users/me/saved").await;
    assert_eq!(page["saved"][0]["message"]["content"], "two");
    assert!(
        saved_ids(&server, &duo.bob.token, 50).await.is_empty(),
        "saved messages are ann's own"
    );

    // Taken out (also once more: nothing changes); an edit shows in the list.
    for _ in 0..2 {
        assert_eq!(
            set(&server, Method::DELETE, ann, &room, &said[2]).await.0,
            204
        );
    }
    ann_phone
        .recv_where(|f| matches!(f, ServerFrame::SavedChanged { saved: false, .. }))
        .await;
    duo.b
        .send(&ClientFrame::EditMessage {
            room_id: room.as_str().into(),
            message_id: said[1].as_str().into(),
            content: "two, edited".into(),
        })
        .await;
    duo.b
        .recv_where(|f| matches!(f, ServerFrame::MessageEdited { .. }))
        .await;
    let (_, page) = server.get_json(&duo.ann.token, "/v1/users/me/saved").await;
    assert_eq!(page["saved"][0]["message"]["content"], "two, edited");
    assert_eq!(
        saved_ids(&server, &duo.ann.token, 50).await,
        [said[1].clone(), said[0].clone()]
    );

    // A deleted message leaves the list, and so does everything of a room she left.
    duo.b
        .send(&ClientFrame::DeleteMessage {
            room_id: room.as_str().into(),
            message_id: said[0].as_str().into(),
        })
        .await;
    duo.b
        .recv_where(|f| matches!(f, ServerFrame::MessageDeleted { .. }))
        .await;
    assert_eq!(
        saved_ids(&server, &duo.ann.token, 50).await,
        [said[1].clone()]
    );
    let (status, _) = send_json(
        &server,
        Method::POST,
        ann,
        &format!("/v1/rooms/{room}/leave"),
        json!(null),
    )
    .await;
    assert_eq!(status, 204);
    assert!(saved_ids(&server, &duo.ann.token, 50).await.is_empty());
}

#[tokio::test]
async fn bad_saves_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let room = duo.room.clone();
    let message = ack_id(&duo.b.say(&room, "keep me").await);
    let eve = server.register("eve").await;
    let elsewhere = server.create_room(&eve.token, "e", "private", &[]).await;
    let mut e = server.client(&eve.token).await;
    e.join(&elsewhere, None).await;
    let evess = ack_id(&e.say(&elsewhere, "eve's").await);
    let ann = Some(duo.ann.token.as_str());
    let missing = "0193a0c2-7d5e-7c3a-9d1e-2f4b6a8c0e11";
    let overlong = "m".repeat(200);
    for (method, token, target_room, target, want) in [
        (
            Method::PUT,
            Some(eve.token.as_str()),
            room.as_str(),
            message.as_str(),
            (403, "forbidden"),
        ),
        (
            Method::DELETE,
            Some(eve.token.as_str()),
            room.as_str(),
            message.as_str(),
            (403, "forbidden"),
        ),
        (
            Method::PUT,
            ann,
            missing,
            message.as_str(),
            (404, "not_found"),
        ),
        (Method::PUT, ann, room.as_str(), missing, (404, "not_found")),
        (
            Method::PUT,
            ann,
            room.as_str(),
            evess.as_str(),
            (404, "not_found"),
        ),
        (
            Method::PUT,
            ann,
            room.as_str(),
            overlong.as_str(),
            (400, "invalid_request"),
        ),
        (
            Method::PUT,
            ann,
            overlong.as_str(),
            message.as_str(),
            (400, "invalid_request"),
        ),
    ] {
        let (status, body) = set(&server, method.clone(), token, target_room, target).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (want.0, Some(want.1)),
            "{method} {target_room} {target}"
        );
    }
    assert_eq!(
        set(&server, Method::PUT, None, &room, &message).await.0,
        401
    );
    for bad in [
        "/v1/users/me/saved?limit=0",
        "/v1/users/me/saved?limit=101",
        "/v1/users/me/saved?before=12",
        "/v1/users/me/saved?before=x.m",
    ] {
        let (status, body) = server.get_json(&duo.ann.token, bad).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_request")),
            "{bad}"
        );
    }
    let (status, _) = server.get_json("not a token", "/v1/users/me/saved").await;
    assert_eq!(status, 401);
    assert!(
        saved_ids(&server, &duo.ann.token, 50).await.is_empty(),
        "nothing was saved"
    );
    assert!(saved_ids(&server, &eve.token, 50).await.is_empty());
}
