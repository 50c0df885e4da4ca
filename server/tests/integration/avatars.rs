//! Pictures of users and rooms over the wire: set with `PATCH /v1/users/me` and `PATCH
//! /v1/rooms/{id}` from an image the caller uploaded, shown in profiles, member lists,
//! room lists and room details, announced by `user_updated` and `room_changed`, and
//! downloadable by any signed-in user. A replaced picture is removed; a picture never
//! expires unsent and is never sent. Every refusal changes nothing.

use std::time::Duration;

use chat_protocol::v1::ServerFrame;
use image::ImageFormat;
use serde_json::{Value, json};

use crate::attachments::{
    error_code, eventually, get, image_bytes, send, send_frame, stored_files, uploaded,
};
use crate::common::{Client, TestServer, send_json};

async fn picture(server: &TestServer, token: &str) -> String {
    let png = image_bytes(64, 64, ImageFormat::Png);
    let upload = uploaded(server, token, "me.png", "image/png", png).await;
    upload.attachment_id.to_string()
}

async fn patch(server: &TestServer, token: &str, path: &str, body: Value) -> (u16, Value) {
    send_json(server, reqwest::Method::PATCH, Some(token), path, body).await
}

/// Sends `attachment` in a message and waits for its ack (past the message itself,
/// which a connection that joined the room hears too).
async fn send_it(client: &mut Client, room: &str, attachment: &str) {
    let client_msg_id = uuid::Uuid::new_v4().to_string();
    client
        .send(&send_frame(room, &client_msg_id, "", &[attachment]))
        .await;
    let answer = client
        .recv_where(|f| {
            matches!(
                f,
                ServerFrame::MessageAck { .. }
                    | ServerFrame::Error { .. }
                    | ServerFrame::Message(_)
            )
        })
        .await;
    let answer = match answer {
        ServerFrame::Message(_) => client.recv().await,
        other => other,
    };
    assert!(
        matches!(answer, ServerFrame::MessageAck { .. }),
        "{answer:?}"
    );
}

fn is_user_updated(frame: &ServerFrame) -> bool {
    matches!(frame, ServerFrame::UserUpdated { .. })
}

fn is_room_changed(frame: &ServerFrame) -> bool {
    matches!(frame, ServerFrame::RoomChanged(_))
}

#[tokio::test]
async fn a_users_picture_reaches_whoever_shares_a_room_and_anyone_may_fetch_it() {
    let server =
        TestServer::start_with(|config| config.attachments.upload_ttl = Duration::from_secs(1))
            .await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let eve = server.register("eve").await;
    let room = server
        .create_room(&ann.token, "r", "private", &[&bob.user_id])
        .await;
    let direct = server
        .create_room(&bob.token, "", "direct", &[&ann.user_id])
        .await;
    let mut a = server.client(&ann.token).await;
    let mut b = server.client(&bob.token).await;
    let mut e = server.client(&eve.token).await;
    for client in [&mut a, &mut b, &mut e] {
        client.drain().await;
    }

    let first = picture(&server, &ann.token).await;
    let (status, me) = patch(
        &server,
        &ann.token,
        "/v1/users/me",
        json!({"avatar_id": first}),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        me,
        json!({"user_id": ann.user_id, "username": "ann", "display_name": "ann", "avatar_id": first})
    );
    let ServerFrame::UserUpdated { avatar_id, .. } = a.recv_where(is_user_updated).await else {
        unreachable!()
    };
    assert_eq!(
        avatar_id.as_deref(),
        Some(first.as_str()),
        "ann's other devices"
    );
    // Bob hears of it, and his direct room with ann shows it.
    let (mut told, mut listed) = (None, None);
    for _ in 0..20 {
        match b.recv().await {
            ServerFrame::UserUpdated { avatar_id, .. } => told = Some(avatar_id),
            ServerFrame::RoomUpdated(summary) if summary.room_id == direct.as_str() => {
                listed = Some(summary.avatar_id);
            }
            ServerFrame::Presence { .. } | ServerFrame::RoomUpdated(_) => {}
            other => panic!("unexpected {other:?}"),
        }
        if told.is_some() && listed.is_some() {
            break;
        }
    }
    let want = Some(Some(first.clone().into()));
    assert_eq!(
        (told, listed),
        (want.clone(), want),
        "bob's user_updated and room_updated"
    );
    assert!(
        !e.drain().await.iter().any(is_user_updated),
        "eve shares no room"
    );
    let (_, rooms) = server.get_json(&bob.token, "/v1/rooms").await;
    let direct_entry = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["room_id"] == direct.as_str())
        .unwrap();
    assert_eq!(direct_entry["avatar_id"], first.as_str());
    let (_, members) = server
        .get_json(&bob.token, &format!("/v1/rooms/{room}/members"))
        .await;
    assert_eq!(members["members"][0]["avatar_id"], first.as_str());
    assert!(
        members["members"][1].get("avatar_id").is_none(),
        "bob has none"
    );

    // Eve shares no room with ann, and may still see her picture.
    let (_, seen) = server
        .get_json(&eve.token, &format!("/v1/users/{}", ann.user_id))
        .await;
    assert_eq!(seen["avatar_id"], first.as_str());
    let (_, found) = server.get_json(&eve.token, "/v1/users/by-name/ann").await;
    assert_eq!(found["avatar_id"], first.as_str());
    for path in [
        format!("/v1/attachments/{first}/thumbnail?size=small"),
        format!("/v1/attachments/{first}"),
    ] {
        let (status, _, _) = get(&server, Some(&eve.token), &path, &[]).await;
        assert_eq!(status, 200, "{path}");
    }

    // A picture outlives `--upload-ttl`, where an upload never sent does not.
    let unsent = picture(&server, &ann.token).await;
    eventually("the unsent upload expiring", async || {
        let path = format!("/v1/attachments/{unsent}");
        get(&server, Some(&ann.token), &path, &[]).await.0 == 404
    })
    .await;
    let path = format!("/v1/attachments/{first}");
    assert_eq!(get(&server, Some(&eve.token), &path, &[]).await.0, 200);
    // A picture is never sent with a message.
    let refused = send(
        &mut a,
        &room,
        &uuid::Uuid::new_v4().to_string(),
        "",
        &[&first],
    )
    .await;
    assert_eq!(error_code(&refused), "conflict");

    // Replaced: the first is no longer served, and its files go.
    let second = picture(&server, &ann.token).await;
    let (status, me) = patch(
        &server,
        &ann.token,
        "/v1/users/me",
        json!({"avatar_id": second}),
    )
    .await;
    assert_eq!((status, &me["avatar_id"]), (200, &json!(second)));
    let ServerFrame::UserUpdated { avatar_id, .. } = b.recv_where(is_user_updated).await else {
        unreachable!()
    };
    assert_eq!(avatar_id.as_deref(), Some(second.as_str()));
    assert_eq!(get(&server, Some(&eve.token), &path, &[]).await.0, 404);
    eventually("removing the replaced picture's files", async || {
        !stored_files(&server)
            .iter()
            .any(|file| file.contains(&first))
    })
    .await;
    // Removed, with a new name in the same request.
    let body = json!({"avatar_id": "", "display_name": "Ann"});
    let (status, me) = patch(&server, &ann.token, "/v1/users/me", body).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        me,
        json!({"user_id": ann.user_id, "username": "ann", "display_name": "Ann"})
    );
    let updated = b.recv_where(is_user_updated).await;
    let ServerFrame::UserUpdated {
        display_name,
        avatar_id,
        ..
    } = updated
    else {
        unreachable!()
    };
    assert_eq!((display_name.as_str(), avatar_id), ("Ann", None));
    server.stop().await;
}

#[tokio::test]
async fn only_an_unsent_image_of_ones_own_becomes_a_picture_and_refusals_change_nothing() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let (ann, bob) = (duo.ann.clone(), duo.bob.clone());
    let bobs = picture(&server, &bob.token).await;
    let pdf = uploaded(
        &server,
        &ann.token,
        "a.pdf",
        "application/octet-stream",
        vec![1; 10],
    )
    .await
    .attachment_id
    .to_string();
    let sent = picture(&server, &ann.token).await;
    send_it(&mut duo.a, &duo.room, &sent).await;
    let mine = picture(&server, &ann.token).await;
    let shown = picture(&server, &bob.token).await;
    send_it(&mut duo.b, &duo.room, &shown).await;
    duo.b.drain().await;

    let unknown = uuid::Uuid::now_v7().to_string();
    for (body, want) in [
        (
            json!({"avatar_id": bobs, "display_name": "Changed"}),
            (404, "not_found"),
        ),
        (
            json!({"avatar_id": shown, "display_name": "Changed"}),
            (403, "forbidden"),
        ),
        (json!({"avatar_id": pdf}), (400, "invalid_request")),
        (json!({"avatar_id": sent}), (409, "conflict")),
        (json!({"avatar_id": unknown}), (404, "not_found")),
        (
            json!({"avatar_id": "x".repeat(129)}),
            (400, "invalid_request"),
        ),
        (json!({"avatar_id": 7}), (400, "invalid_request")),
        (json!({}), (400, "invalid_request")),
    ] {
        let (status, answer) = patch(&server, &ann.token, "/v1/users/me", body.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str().unwrap_or_default()),
            want,
            "{body}"
        );
    }
    // One upload is one picture: ann's own cannot be her room's as well.
    let (status, _) = patch(
        &server,
        &ann.token,
        "/v1/users/me",
        json!({"avatar_id": mine}),
    )
    .await;
    assert_eq!(status, 200);
    let room_path = format!("/v1/rooms/{}", duo.room);
    let (status, answer) = patch(&server, &ann.token, &room_path, json!({"avatar_id": mine})).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (409, Some("conflict")),
        "{answer}"
    );
    let (_, me) = server.get_json(&ann.token, "/v1/users/me").await;
    assert_eq!(
        me,
        json!({"user_id": ann.user_id, "username": "ann", "display_name": "ann", "avatar_id": mine}),
        "refused changes changed nothing, the name of a refused one neither"
    );
    let (_, details) = server.get_json(&ann.token, &room_path).await;
    assert!(details.get("avatar_id").is_none(), "{details}");
    let frames = duo.b.drain().await;
    assert_eq!(
        frames.iter().filter(|f| is_user_updated(f)).count(),
        1,
        "{frames:?}"
    );
    assert!(!frames.iter().any(is_room_changed), "{frames:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_rooms_picture_is_a_room_event_for_its_members_set_by_its_admins() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let (ann, bob) = (duo.ann.clone(), duo.bob.clone());
    duo.b.join(&duo.room, None).await;
    duo.b.drain().await;
    let room_path = format!("/v1/rooms/{}", duo.room);

    let first = picture(&server, &ann.token).await;
    let (status, details) =
        patch(&server, &ann.token, &room_path, json!({"avatar_id": first})).await;
    assert_eq!(
        (status, &details["avatar_id"]),
        (200, &json!(first)),
        "{details}"
    );
    let ServerFrame::RoomChanged(changed) = duo.b.recv_where(is_room_changed).await else {
        unreachable!()
    };
    assert_eq!(changed.avatar_id.as_deref(), Some(first.as_str()));
    assert_eq!(
        (changed.name, changed.topic, changed.who_can_add),
        (None, None, None)
    );
    let (_, rooms) = server.get_json(&bob.token, "/v1/rooms").await;
    assert_eq!(rooms["rooms"][0]["avatar_id"], first.as_str());
    let (_, details) = server.get_json(&bob.token, &room_path).await;
    assert_eq!(details["avatar_id"], first.as_str());
    // Replayed to a member who resumes from before it.
    let since = changed.seq - 1;
    let mut later = server.client(&bob.token).await;
    later.join(&duo.room, Some(since)).await;
    let ServerFrame::RoomChanged(replayed) = later.recv_where(is_room_changed).await else {
        unreachable!()
    };
    assert_eq!(replayed.avatar_id.as_deref(), Some(first.as_str()));

    // A member who is not an admin may not; nor may anyone in a direct room.
    let bobs = picture(&server, &bob.token).await;
    let (status, _) = patch(&server, &bob.token, &room_path, json!({"avatar_id": bobs})).await;
    assert_eq!(status, 403);
    let direct = server
        .create_room(&ann.token, "", "direct", &[&bob.user_id])
        .await;
    let mine = picture(&server, &ann.token).await;
    let (status, _) = patch(
        &server,
        &ann.token,
        &format!("/v1/rooms/{direct}"),
        json!({"avatar_id": mine}),
    )
    .await;
    assert_eq!(status, 403);

    // Removed: the event says so with an empty id, and the file goes.
    let (status, details) = patch(&server, &ann.token, &room_path, json!({"avatar_id": ""})).await;
    assert_eq!(status, 200);
    assert!(details.get("avatar_id").is_none(), "{details}");
    let ServerFrame::RoomChanged(changed) = duo.b.recv_where(is_room_changed).await else {
        unreachable!()
    };
    assert_eq!(changed.avatar_id.as_deref(), Some(""));
    let path = format!("/v1/attachments/{first}");
    assert_eq!(get(&server, Some(&bob.token), &path, &[]).await.0, 404);
    // The picture that was refused stays bob's upload, usable for a message.
    send_it(&mut duo.b, &duo.room, &bobs).await;
    server.stop().await;
}

#[tokio::test]
async fn profile_changes_past_the_minutes_budget_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    // The server's `limits::PROFILE_CHANGES_PER_MINUTE`.
    let budget = 30;
    for n in 0..budget {
        let body = json!({"display_name": format!("Ann {n}")});
        let (status, answer) = patch(&server, &ann.token, "/v1/users/me", body).await;
        assert_eq!(status, 200, "change {n}: {answer}");
    }
    let picture = picture(&server, &ann.token).await;
    for body in [
        json!({"display_name": "Ann again"}),
        json!({"avatar_id": picture}),
    ] {
        let (status, answer) = patch(&server, &ann.token, "/v1/users/me", body.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (429, Some("rate_limited")),
            "{body}"
        );
    }
    let (_, me) = server.get_json(&ann.token, "/v1/users/me").await;
    assert_eq!(
        me,
        json!({"user_id": ann.user_id, "username": "ann", "display_name": format!("Ann {}", budget - 1)}),
        "the refused changes changed nothing"
    );
    server.stop().await;
}
