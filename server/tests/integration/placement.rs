//! Placing rooms in one's own list (`PUT /v1/rooms/{room_id}/placement`): favorites
//! first, archived rooms left out on request, the same on every device, and refusals
//! that change nothing.

use chat_protocol::v1::RoomPlacement;
use serde_json::{Value, json};

use crate::common::{TestServer, send_json};

async fn place(
    server: &TestServer,
    token: Option<&str>,
    room_id: &str,
    body: Value,
) -> (u16, Value) {
    let path = format!("/v1/rooms/{room_id}/placement");
    send_json(server, reqwest::Method::PUT, token, &path, body).await
}

/// Every room of `path`'s list, page after page, with the placement of each.
async fn listed(server: &TestServer, token: &str, path: &str) -> Vec<(String, Option<String>)> {
    let mut rooms = Vec::new();
    let joiner = if path.contains('?') { '&' } else { '?' };
    let mut page = format!("{path}{joiner}limit=1");
    for _ in 0..20 {
        let (status, body) = server.get_json(token, &page).await;
        assert_eq!(status, 200, "{body}");
        for room in body["rooms"].as_array().unwrap() {
            rooms.push((
                room["room_id"].as_str().unwrap().to_owned(),
                room["placement"].as_str().map(str::to_owned),
            ));
        }
        match body["next_after"].as_str() {
            Some(after) => page = format!("{path}{joiner}limit=1&after={after}"),
            None => return rooms,
        }
    }
    panic!("more pages than rooms");
}

fn ids(rooms: &[(String, Option<String>)]) -> Vec<&str> {
    rooms.iter().map(|(id, _)| id.as_str()).collect()
}

#[tokio::test]
async fn favorites_come_first_archived_rooms_can_be_left_out_and_every_device_hears() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let mut made = Vec::new();
    for name in ["r0", "r1", "r2", "r3"] {
        made.push(
            server
                .create_room(&ann.token, name, "private", &[&bob.user_id])
                .await,
        );
    }
    let [r0, r1, r2, r3] = [&made[0], &made[1], &made[2], &made[3]];
    let mut ann_phone = server.client(&ann.token).await;
    ann_phone.drain().await;

    assert_eq!(
        place(
            &server,
            Some(&ann.token),
            r0,
            json!({"placement": "favorite"})
        )
        .await
        .0,
        204
    );
    let heard = ann_phone
        .room_update_until(r0, |s| s.placement == Some(RoomPlacement::Favorite))
        .await;
    assert_eq!(heard.room_id, *r0, "the other device hears of it");
    assert_eq!(
        place(
            &server,
            Some(&ann.token),
            r2,
            json!({"placement": "archived"})
        )
        .await
        .0,
        204
    );
    ann_phone
        .room_update_until(r2, |s| s.placement == Some(RoomPlacement::Archived))
        .await;

    // Newest first, the favorite before all; in pages of one, the cursor crosses from
    // the favorites to the rest.
    let all = listed(&server, &ann.token, "/v1/rooms").await;
    assert_eq!(ids(&all), [r0.as_str(), r3, r2, r1]);
    assert_eq!(all[0].1.as_deref(), Some("favorite"));
    assert_eq!(all[2].1.as_deref(), Some("archived"));
    assert_eq!(all[1].1, None, "the main list has no placement field");
    let main = listed(&server, &ann.token, "/v1/rooms?archived=false").await;
    assert_eq!(ids(&main), [r0.as_str(), r3, r1]);
    let archived = listed(&server, &ann.token, "/v1/rooms?archived=true").await;
    assert_eq!(ids(&archived), [r2.as_str()]);
    assert!(
        listed(&server, &bob.token, "/v1/rooms")
            .await
            .iter()
            .all(|(_, p)| p.is_none()),
        "placements are ann's own"
    );

    // A message keeps an archived room archived, and reaches ann's list with its
    // placement.
    let mut bob_laptop = server.client(&bob.token).await;
    bob_laptop.join(r2, None).await;
    bob_laptop.say(r2, "still there?").await;
    let moved = ann_phone
        .room_update_until(r2, |s| s.last_message.is_some())
        .await;
    assert_eq!(moved.placement, Some(RoomPlacement::Archived));

    // Back to the main list with null, or with the field left out.
    assert_eq!(
        place(&server, Some(&ann.token), r2, json!({"placement": null}))
            .await
            .0,
        204
    );
    assert_eq!(place(&server, Some(&ann.token), r0, json!({})).await.0, 204);
    ann_phone
        .room_update_until(r0, |s| s.placement.is_none())
        .await;
    let all = listed(&server, &ann.token, "/v1/rooms").await;
    assert!(all.iter().all(|(_, p)| p.is_none()), "{all:?}");
    assert_eq!(all[0].0, *r2, "its message made it the newest");
}

#[tokio::test]
async fn bad_placements_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let eve = server.register("eve").await;
    let room = server.create_room(&ann.token, "r", "private", &[]).await;
    assert_eq!(
        place(
            &server,
            Some(&ann.token),
            &room,
            json!({"placement": "favorite"})
        )
        .await
        .0,
        204
    );
    let archive = json!({"placement": "archived"});
    let overlong = "r".repeat(200);
    for (token, target, body, want) in [
        (
            &eve.token,
            room.as_str(),
            archive.clone(),
            (403, "forbidden"),
        ),
        (
            &ann.token,
            "no-such-room",
            archive.clone(),
            (404, "not_found"),
        ),
        (
            &ann.token,
            overlong.as_str(),
            archive.clone(),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            room.as_str(),
            json!({"placement": "pinned"}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            room.as_str(),
            json!({"placement": 1}),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            room.as_str(),
            json!(["favorite"]),
            (400, "invalid_request"),
        ),
        (
            &ann.token,
            room.as_str(),
            json!("archived"),
            (400, "invalid_request"),
        ),
    ] {
        let (status, answer) = place(&server, Some(token), target, body.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (want.0, Some(want.1)),
            "{target} {body}"
        );
    }
    assert_eq!(place(&server, None, &room, archive).await.0, 401);
    let all = listed(&server, &ann.token, "/v1/rooms").await;
    assert_eq!(
        all,
        [(room.clone(), Some("favorite".to_owned()))],
        "nothing changed"
    );

    for bad in [
        "/v1/rooms?archived=maybe",
        "/v1/rooms?archived=1",
        "/v1/rooms?after=f12.",
        "/v1/rooms?after=fx.room",
    ] {
        let (status, body) = server.get_json(&ann.token, bad).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_request")),
            "{bad}"
        );
    }
}
