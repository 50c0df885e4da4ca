//! The REST API: accounts, rooms, members, health, and its error bodies.

use serde_json::{Value, json};

use crate::common::TestServer;

async fn post(server: &TestServer, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = server.http.post(server.url(path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn accounts_register_and_log_in() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    assert!(ann.expires_at > 0);

    let (status, body) = post(
        &server,
        "/v1/auth/register",
        None,
        json!({"username": "ANN", "password": "another password"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("conflict")),
        "usernames are case-insensitive"
    );
    for bad in [
        json!({"username": "a", "password": "long enough pw"}),
        json!({"username": "ann smith", "password": "long enough pw"}),
        json!({"username": "zed", "password": "short"}),
        json!({"username": "zed"}),
        json!({"username": 5, "password": "long enough pw"}),
    ] {
        let (status, body) = post(&server, "/v1/auth/register", None, bad.clone()).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_request")),
            "{bad}"
        );
    }

    let (status, body) = post(
        &server,
        "/v1/auth/login",
        None,
        json!({"username": "Ann", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["user_id"], ann.user_id.as_str());
    assert!(body["token"].is_string() && body["expires_at"].is_i64());
    for (user, pass) in [
        ("ann", "wrong password"),
        ("nobody", "correct horse battery"),
    ] {
        let (status, body) = post(
            &server,
            "/v1/auth/login",
            None,
            json!({"username": user, "password": pass}),
        )
        .await;
        assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    }
}

#[tokio::test]
async fn rooms_are_created_listed_and_joined() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let eve = server.register("eve").await;
    let public = server.create_room(&ann.token, "lobby", "public", &[]).await;
    let private = server
        .create_room(&ann.token, "team", "private", &[&bob.user_id])
        .await;

    let (_, mine) = server.get_json(&bob.token, "/v1/rooms").await;
    let names: Vec<&str> = mine["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["team"]);
    let (_, listed) = server.get_json(&eve.token, "/v1/rooms/public").await;
    assert_eq!(listed["rooms"][0]["room_id"], public.as_str());
    assert_eq!(
        listed["rooms"].as_array().unwrap().len(),
        1,
        "private rooms are not listed"
    );

    // Eve joins the public room herself; she cannot add herself to the private one.
    let (status, _) = post(
        &server,
        &format!("/v1/rooms/{public}/members"),
        Some(&eve.token),
        json!({"user_id": eve.user_id}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = post(
        &server,
        &format!("/v1/rooms/{private}/members"),
        Some(&eve.token),
        json!({"user_id": eve.user_id}),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    // A member adds her.
    let (status, _) = post(
        &server,
        &format!("/v1/rooms/{private}/members"),
        Some(&bob.token),
        json!({"user_id": eve.user_id}),
    )
    .await;
    assert_eq!(status, 204);
    let (_, members) = server
        .get_json(&eve.token, &format!("/v1/rooms/{private}/members"))
        .await;
    assert_eq!(members["members"].as_array().unwrap().len(), 3);

    for (body, code) in [
        (
            json!({"name": "", "visibility": "public"}),
            "invalid_request",
        ),
        (
            json!({"name": "x", "visibility": "secretive"}),
            "invalid_request",
        ),
        (
            json!({"name": "x", "visibility": "private", "members": ["no-such-user"]}),
            "not_found",
        ),
        (
            json!({"visibility": "direct", "members": []}),
            "invalid_request",
        ),
    ] {
        let (status, reply) = post(&server, "/v1/rooms", Some(&ann.token), body.clone()).await;
        assert_eq!(
            reply["code"].as_str(),
            Some(code),
            "{body} -> {status} {reply}"
        );
    }
    let (status, _) = post(
        &server,
        "/v1/rooms/nope/members",
        Some(&ann.token),
        json!({"user_id": eve.user_id}),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn users_are_found_by_name() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("Bob.B").await;

    let (status, body) = server.get_json(&ann.token, "/v1/users/by-name/bob.b").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"user_id": bob.user_id, "username": "Bob.B", "display_name": "Bob.B"})
    );

    let (status, body) = server
        .get_json(&ann.token, "/v1/users/by-name/nobody")
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = server
        .get_json(&ann.token, "/v1/users/by-name/a%20b%27%3B--")
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = server
        .get_json("not-a-token", "/v1/users/by-name/ann")
        .await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
}

#[tokio::test]
async fn requests_without_valid_auth_or_body_get_json_errors() {
    let server = TestServer::start_with(|c| c.max_body_bytes = 1024).await;
    let ann = server.register("ann").await;
    let response = server
        .http
        .get(server.url("/v1/rooms"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    assert!(body["message"].as_str().unwrap().contains("Bearer"));

    let response = server
        .http
        .post(server.url("/v1/rooms"))
        .bearer_auth(&ann.token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "invalid_request"
    );

    let (status, body) = post(
        &server,
        "/v1/rooms",
        Some(&ann.token),
        json!({"name": "x".repeat(2000), "visibility": "public"}),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (413, Some("too_large")));

    let (status, body) = server.get_json(&ann.token, "/v1/nothing-here").await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = server
        .get_json(&ann.token, "/v1/rooms/r/messages?limit=abc")
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_request"))
    );
    // Path parameters that do not decode to UTF-8 answer JSON too, on every route
    // that takes one.
    for path in [
        "/v1/rooms/%FF%FE/messages",
        "/v1/rooms/%C3%28/members",
        "/v1/users/by-name/%80ann",
    ] {
        let (status, body) = server.get_json(&ann.token, path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_request")),
            "{path}: {body}"
        );
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let server = TestServer::start().await;
    let health = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (health.status().as_u16(), health.text().await.unwrap()),
        (200, "ok".to_owned())
    );
    let ready = server.http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn the_openapi_document_describes_every_rest_endpoint() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(server.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    let operations: Vec<String> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    // Every route of the router except the WebSocket upgrade and this document.
    let expected = [
        "POST /v1/auth/register",
        "POST /v1/auth/login",
        "POST /v1/auth/refresh",
        "POST /v1/auth/logout",
        "POST /v1/auth/password-reset",
        "POST /v1/rooms",
        "GET /v1/rooms",
        "GET /v1/rooms/public",
        "GET /v1/rooms/{room_id}/members",
        "POST /v1/rooms/{room_id}/members",
        "PUT /v1/rooms/{room_id}/mute",
        "PUT /v1/rooms/{room_id}/placement",
        "PUT /v1/rooms/{room_id}/unread",
        "PUT /v1/rooms/{room_id}/messages/{message_id}/saved",
        "DELETE /v1/rooms/{room_id}/messages/{message_id}/saved",
        "GET /v1/users/me/saved",
        "GET /v1/users/me/export",
        "GET /v1/rooms/{room_id}",
        "PATCH /v1/rooms/{room_id}",
        "POST /v1/rooms/{room_id}/leave",
        "DELETE /v1/rooms/{room_id}/members/{user_id}",
        "PUT /v1/rooms/{room_id}/members/{user_id}/role",
        "GET /v1/rooms/{room_id}/bans",
        "POST /v1/rooms/{room_id}/bans",
        "DELETE /v1/rooms/{room_id}/bans/{user_id}",
        "POST /v1/rooms/{room_id}/invites",
        "GET /v1/rooms/{room_id}/invites",
        "DELETE /v1/rooms/{room_id}/invites/{invite_id}",
        "GET /v1/invites/{code}",
        "POST /v1/invites/{code}/join",
        "GET /v1/users/by-name/{username}",
        "GET /v1/users/me",
        "PATCH /v1/users/me",
        "DELETE /v1/users/me",
        "GET /v1/users/me/blocks",
        "PUT /v1/users/me/blocks/{user_id}",
        "DELETE /v1/users/me/blocks/{user_id}",
        "POST /v1/reports",
        "POST /v1/devices",
        "GET /v1/devices",
        "DELETE /v1/devices/{device_id}",
        "GET /v1/push/vapid-public-key",
        "GET /v1/admin/reports",
        "POST /v1/admin/users/{user_id}/deactivate",
        "POST /v1/admin/users/{user_id}/password-reset",
        "DELETE /v1/admin/rooms/{room_id}",
        "GET /v1/users/{user_id}",
        "GET /v1/rooms/{room_id}/messages",
        "POST /v1/rooms/{room_id}/messages",
        "GET /v1/rooms/{room_id}/messages/{message_id}/replies",
        "GET /v1/rooms/{room_id}/pins",
        "GET /v1/search/messages",
        "POST /v1/uploads",
        "POST /v1/users/me/password",
        "GET /v1/users/me/sign-ins",
        "DELETE /v1/users/me/sign-ins/{sign_in_id}",
        "POST /v1/users/me/sign-ins/end-others",
        "GET /v1/attachments/{attachment_id}",
        "GET /v1/attachments/{attachment_id}/thumbnail",
        "GET /v1/attachments/{attachment_id}/links",
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
    ];
    let mut want: Vec<&str> = expected.to_vec();
    want.sort_unstable();
    let mut have: Vec<&str> = operations.iter().map(String::as_str).collect();
    have.sort_unstable();
    assert_eq!(have, want);
    // Each documented operation is a real route: none of them answers "no such endpoint".
    let ann = server.register("ann").await;
    for operation in expected {
        let (method, path) = operation.split_once(' ').unwrap();
        let path = path
            .replace("{room_id}", "no-such-room")
            .replace("{username}", "nobody")
            .replace("{user_id}", "nobody");
        let response = server
            .http
            .request(method.parse().unwrap(), server.url(&path))
            .bearer_auth(&ann.token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let body = response.text().await.unwrap();
        assert!(!body.contains("no such endpoint"), "{operation}: {body}");
    }
    // Authenticated operations name the bearer scheme; sign-in and probes do not.
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(paths["/v1/rooms"]["get"]["security"].is_array());
    assert!(paths["/v1/auth/login"]["post"].get("security").is_none());
}
