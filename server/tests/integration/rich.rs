//! Rich messages over the wire: replies and mentions on sends, reactions and pins as
//! room events (live, to the acting connection too, and on resume), threads, pins and
//! search over REST, and every bad input refused with nothing changed.

use chat_protocol::v1::{ClientFrame, Message, MessagePinned, Reaction, ServerFrame};
use serde_json::Value;

use crate::common::{Client, TestServer, ack_id, ack_seq};

fn send_frame(room: &str, text: &str, reply_to: Option<&str>, mentions: &[&str]) -> ClientFrame {
    ClientFrame::SendMessage {
        room_id: room.into(),
        client_msg_id: uuid::Uuid::new_v4().to_string(),
        content: text.into(),
        reply_to: reply_to.map(Into::into),
        mentions: mentions.iter().map(|m| (*m).into()).collect(),
        attachments: Vec::new(),
    }
}

/// Sends a message with a reply and mentions; returns its ack or error frame.
async fn send_rich(
    client: &mut Client,
    room: &str,
    text: &str,
    reply_to: Option<&str>,
    mentions: &[&str],
) -> ServerFrame {
    client
        .send(&send_frame(room, text, reply_to, mentions))
        .await;
    client
        .recv_where(|f| {
            matches!(
                f,
                ServerFrame::MessageAck { .. } | ServerFrame::Error { .. }
            )
        })
        .await
}

fn react(room: &str, message: &str, emoji: &str, on: bool) -> ClientFrame {
    ClientFrame::React {
        room_id: room.into(),
        message_id: message.into(),
        emoji: emoji.into(),
        on,
    }
}

fn pin(room: &str, message: &str, pinned: bool) -> ClientFrame {
    ClientFrame::Pin {
        room_id: room.into(),
        message_id: message.into(),
        pinned,
    }
}

async fn next_reaction(client: &mut Client) -> Reaction {
    match client
        .recv_where(|f| matches!(f, ServerFrame::Reaction(_)))
        .await
    {
        ServerFrame::Reaction(reaction) => reaction,
        _ => unreachable!(),
    }
}

async fn next_pin(client: &mut Client) -> MessagePinned {
    match client
        .recv_where(|f| matches!(f, ServerFrame::MessagePinned(_)))
        .await
    {
        ServerFrame::MessagePinned(pinned) => pinned,
        _ => unreachable!(),
    }
}

/// Sends `frame` and expects an error with this code; returns its ref.
async fn refused(client: &mut Client, frame: &ClientFrame, code: &str) -> Option<String> {
    client.send(frame).await;
    let (got, message, reference) = client.expect_error().await;
    assert_eq!(got, code, "{frame:?}: {message}");
    reference
}

/// The REST message with this id in a page's `messages`.
fn find<'a>(body: &'a Value, message_id: &str) -> &'a Value {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_id"] == message_id)
        .unwrap_or_else(|| panic!("{message_id} not in {body}"))
}

/// Carol, a room of hers the duo is not in, and a message in it: what the bad-input
/// tests name as "another room's message".
async fn outsiders_message(
    server: &TestServer,
) -> (chat_protocol::v1::AuthResponse, String, String) {
    let carol = server.register("carol").await;
    let elsewhere = server
        .create_room(&carol.token, "elsewhere", "private", &[])
        .await;
    let mut c = server.client(&carol.token).await;
    c.join(&elsewhere, None).await;
    let message_id = ack_id(&c.say(&elsewhere, "not yours").await);
    (carol, elsewhere, message_id)
}

#[tokio::test]
async fn replies_and_mentions_travel_with_the_message_and_bad_ones_change_nothing() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let (carol, _, foreign) = outsiders_message(&server).await;

    let parent = duo.a.say(&duo.room, "lunch?").await;
    let parent_id = ack_id(&parent);
    duo.b.recv_message().await;
    let bob = duo.bob.user_id.to_string();
    let reply = send_rich(
        &mut duo.a,
        &duo.room,
        "@bob yes?",
        Some(&parent_id),
        &[&bob, &bob],
    )
    .await;
    let seen = duo.b.recv_message().await;
    assert_eq!(seen.reply_to.as_deref(), Some(parent_id.as_str()));
    // Repeats are dropped.
    assert_eq!(seen.mentions, [duo.bob.user_id.clone()]);

    // Each bad input is refused with its own code, and takes no seq.
    let before = server.stored_seqs(&duo.ann.token, &duo.room).await;
    let carol_id = carol.user_id.to_string();
    let too_many: Vec<String> = (0..51).map(|i| format!("user-{i}")).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    let long_id = "x".repeat(200);
    for (frame, code) in [
        (
            send_frame(&duo.room, "x", Some("no-such"), &[]),
            "not_found",
        ),
        (send_frame(&duo.room, "x", Some(&foreign), &[]), "not_found"),
        (
            send_frame(&duo.room, "x", Some(&long_id), &[]),
            "invalid_request",
        ),
        (
            send_frame(&duo.room, "x", None, &[&carol_id]),
            "invalid_request",
        ),
        (
            send_frame(&duo.room, "x", None, &too_many),
            "invalid_request",
        ),
        (send_frame(&duo.room, "x", None, &[""]), "invalid_request"),
    ] {
        refused(&mut duo.a, &frame, code).await;
    }
    assert_eq!(server.stored_seqs(&duo.ann.token, &duo.room).await, before);

    // History and REST carry them; a deleted parent leaves its thread readable.
    let (messages, _) = duo.a.history(&duo.room, None, 10).await;
    let stored: &Message = messages.last().unwrap();
    assert_eq!(stored.reply_to.as_deref(), Some(parent_id.as_str()));
    duo.a
        .send(&ClientFrame::DeleteMessage {
            room_id: duo.room.as_str().into(),
            message_id: parent_id.as_str().into(),
        })
        .await;
    duo.a
        .recv_where(|f| matches!(f, ServerFrame::MessageDeleted { .. }))
        .await;
    let thread = format!("/v1/rooms/{}/messages/{parent_id}/replies", duo.room);
    let (status, body) = server.get_json(&duo.bob.token, &thread).await;
    assert_eq!(status, 200, "{body}");
    let listed = find(&body, &ack_id(&reply));
    assert_eq!(listed["reply_to"], parent_id.as_str());
    assert_eq!(listed["mentions"][0], bob.as_str());
    assert_eq!(body["has_more"], false);
    // Only members read a thread, and only of a message of the room.
    let (status, body) = server.get_json(&carol.token, &thread).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    let (status, _) = server
        .get_json(
            &duo.bob.token,
            &format!("/v1/rooms/{}/messages/{foreign}/replies", duo.room),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = server
        .get_json(&duo.bob.token, &format!("{thread}?limit=0"))
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn reactions_reach_the_whole_room_once_and_replay_on_resume() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let ack = duo.a.say(&duo.room, "ship it").await;
    let (message_id, message_seq) = (ack_id(&ack), ack_seq(&ack));
    duo.b.recv_message().await;

    duo.b.send(&react(&duo.room, &message_id, "👍", true)).await;
    // The reacting connection hears its own reaction: it is the confirmation.
    let mine = next_reaction(&mut duo.b).await;
    let theirs = next_reaction(&mut duo.a).await;
    assert_eq!(mine, theirs);
    assert_eq!(
        (
            mine.seq,
            mine.emoji.as_str(),
            mine.on,
            mine.user_id.as_str()
        ),
        (message_seq + 1, "👍", true, duo.bob.user_id.as_str())
    );
    // Setting it again, or removing one never set, emits nothing.
    duo.b.send(&react(&duo.room, &message_id, "👍", true)).await;
    duo.b
        .send(&react(&duo.room, &message_id, "🎉", false))
        .await;
    assert!(duo.b.drain().await.is_empty());
    duo.a.send(&react(&duo.room, &message_id, "👍", true)).await;
    next_reaction(&mut duo.b).await;
    // Reactions are listed in the order of their first use, to the millisecond: the
    // second comes a millisecond later at least, or both could share one.
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    duo.a
        .send(&react(&duo.room, &message_id, ":shipit:", true))
        .await;
    let shipit = next_reaction(&mut duo.b).await;
    assert_eq!(
        (shipit.emoji.as_str(), shipit.seq),
        (":shipit:", message_seq + 3)
    );
    duo.b
        .send(&react(&duo.room, &message_id, "👍", false))
        .await;
    let off = next_reaction(&mut duo.b).await;
    assert!(!off.on);
    duo.a.drain().await;

    // History aggregates what is set now.
    let (messages, _) = duo.a.history(&duo.room, None, 10).await;
    let reactions = &messages[0].reactions;
    let summary: Vec<(&str, u64, Vec<&str>)> = reactions
        .iter()
        .map(|r| {
            let users = r.user_ids.iter().map(|u| u.as_str()).collect();
            (r.emoji.as_str(), r.count, users)
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("👍", 1, vec![duo.ann.user_id.as_str()]),
            (":shipit:", 1, vec![duo.ann.user_id.as_str()])
        ]
    );

    // A device that was away gets every reaction event after its position, in order.
    let mut again = server.client(&duo.bob.token).await;
    again.join(&duo.room, Some(message_seq)).await;
    let mut replayed = Vec::new();
    for _ in 0..4 {
        let r = next_reaction(&mut again).await;
        replayed.push((r.seq, r.emoji, r.on));
    }
    assert_eq!(
        replayed,
        [
            (message_seq + 1, "👍".to_owned(), true),
            (message_seq + 2, "👍".to_owned(), true),
            (message_seq + 3, ":shipit:".to_owned(), true),
            (message_seq + 4, "👍".to_owned(), false),
        ]
    );
    // Reactions are never unread.
    let (_, body) = server.get_json(&duo.ann.token, "/v1/rooms").await;
    assert_eq!(body["rooms"][0]["unread_count"], 0, "{body}");
}

#[tokio::test]
async fn bad_reactions_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let (_, elsewhere, foreign) = outsiders_message(&server).await;
    let message_id = ack_id(&duo.a.say(&duo.room, "hello").await);
    let deleted = ack_id(&duo.a.say(&duo.room, "gone").await);
    duo.a
        .send(&ClientFrame::DeleteMessage {
            room_id: duo.room.as_str().into(),
            message_id: deleted.as_str().into(),
        })
        .await;
    duo.a
        .recv_where(|f| matches!(f, ServerFrame::MessageDeleted { .. }))
        .await;
    let before = server.stored_seqs(&duo.ann.token, &duo.room).await;
    let last_seq = |body: &Value| body["rooms"][0]["last_seq"].as_u64();
    let (_, list) = server.get_json(&duo.ann.token, "/v1/rooms").await;
    let oversized = "👍".repeat(9);
    for (frame, code) in [
        (react(&duo.room, &message_id, "a", true), "invalid_request"),
        (
            react(&duo.room, &message_id, "👍👍", true),
            "invalid_request",
        ),
        (
            react(&duo.room, &message_id, &oversized, true),
            "invalid_request",
        ),
        (react(&duo.room, &message_id, "", true), "invalid_request"),
        (
            react(&duo.room, &message_id, "<b>", true),
            "invalid_request",
        ),
        (react(&duo.room, "no-such", "👍", true), "not_found"),
        (react(&duo.room, &foreign, "👍", true), "not_found"),
        (react(&duo.room, &deleted, "👍", true), "not_found"),
        (react(&elsewhere, &foreign, "👍", true), "forbidden"),
        (react("no-such-room", &message_id, "👍", true), "not_found"),
    ] {
        let reference = refused(&mut duo.a, &frame, code).await;
        assert!(reference.is_some(), "{frame:?}");
    }
    // A malformed frame is an error too, and the connection stays usable.
    duo.a
        .send_raw(tungstenite::Message::text(format!(
            r#"{{"type":"react","room_id":"{}","message_id":"{message_id}","emoji":"👍"}}"#,
            duo.room
        )))
        .await;
    assert_eq!(duo.a.expect_error().await.0, "invalid_request");
    assert_eq!(server.stored_seqs(&duo.ann.token, &duo.room).await, before);
    let (_, after) = server.get_json(&duo.ann.token, "/v1/rooms").await;
    assert_eq!(last_seq(&after), last_seq(&list));
    assert!(
        duo.b
            .drain()
            .await
            .iter()
            .all(|f| !matches!(f, ServerFrame::Reaction(_)))
    );
    duo.a.say(&duo.room, "still here").await;
}

#[tokio::test]
async fn owners_pin_members_do_not_and_pins_replay_on_resume() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let ack = duo.b.say(&duo.room, "the plan").await;
    let (message_id, seq) = (ack_id(&ack), ack_seq(&ack));
    duo.a.recv_message().await;
    // Bob is a plain member of Ann's group room.
    let reference = refused(&mut duo.b, &pin(&duo.room, &message_id, true), "forbidden").await;
    assert_eq!(reference.as_deref(), Some(message_id.as_str()));
    duo.a.send(&pin(&duo.room, &message_id, true)).await;
    let pinned = next_pin(&mut duo.a).await;
    assert_eq!(next_pin(&mut duo.b).await, pinned);
    assert_eq!(
        (pinned.seq, pinned.pinned, pinned.by.as_str()),
        (seq + 1, true, duo.ann.user_id.as_str())
    );
    duo.a.send(&pin(&duo.room, &message_id, true)).await;
    assert!(duo.a.drain().await.is_empty());

    let pins_path = format!("/v1/rooms/{}/pins", duo.room);
    let (status, body) = server.get_json(&duo.bob.token, &pins_path).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["pins"][0]["message"]["message_id"],
        message_id.as_str()
    );
    assert_eq!(body["pins"][0]["pinned_by"], duo.ann.user_id.as_str());
    let outsider = server.register("carol").await;
    let (status, _) = server.get_json(&outsider.token, &pins_path).await;
    assert_eq!(status, 403);

    duo.a.send(&pin(&duo.room, &message_id, false)).await;
    assert!(!next_pin(&mut duo.b).await.pinned);
    let mut again = server.client(&duo.bob.token).await;
    again.join(&duo.room, Some(seq)).await;
    let replayed = [next_pin(&mut again).await, next_pin(&mut again).await];
    assert_eq!(
        replayed.map(|p| (p.seq, p.pinned)),
        [(seq + 1, true), (seq + 2, false)]
    );
    let (_, body) = server.get_json(&duo.bob.token, &pins_path).await;
    assert_eq!(body["pins"], serde_json::json!([]));

    // In a direct room either member pins.
    let direct = server
        .create_room(&duo.bob.token, "", "direct", &[&duo.ann.user_id])
        .await;
    duo.b.join(&direct, None).await;
    let said = ack_id(&duo.b.say(&direct, "remember this").await);
    duo.b.send(&pin(&direct, &said, true)).await;
    assert!(next_pin(&mut duo.b).await.pinned);
}

#[tokio::test]
async fn mentions_count_in_the_room_list_until_read() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    // Bob's second device follows the room through its list.
    let mut list = server.client(&duo.bob.token).await;
    let bob = duo.bob.user_id.to_string();
    let mention = send_rich(&mut duo.a, &duo.room, "@bob", None, &[&bob]).await;
    let summary = list
        .room_update_until(&duo.room, |s| s.last_seq == ack_seq(&mention))
        .await;
    assert_eq!((summary.unread_count, summary.mention_count), (1, 1));
    let plain = duo.a.say(&duo.room, "and more").await;
    let summary = list
        .room_update_until(&duo.room, |s| s.last_seq == ack_seq(&plain))
        .await;
    assert_eq!((summary.unread_count, summary.mention_count), (2, 1));
    let (_, body) = server.get_json(&duo.bob.token, "/v1/rooms").await;
    assert_eq!(body["rooms"][0]["mention_count"], 1, "{body}");
    duo.b
        .send(&ClientFrame::Receipt {
            room_id: duo.room.as_str().into(),
            seq: ack_seq(&mention),
            kind: chat_protocol::v1::ReceiptKind::Read,
        })
        .await;
    let summary = list
        .room_update_until(&duo.room, |s| s.read_seq == ack_seq(&mention))
        .await;
    assert_eq!((summary.unread_count, summary.mention_count), (1, 0));
}

#[tokio::test]
async fn search_finds_words_in_the_callers_rooms_only_and_refuses_bad_queries() {
    let server = TestServer::start().await;
    let mut duo = server.duo("private").await;
    let carol = server.register("carol").await;
    let secret = server
        .create_room(&carol.token, "secret", "private", &[])
        .await;
    let mut c = server.client(&carol.token).await;
    c.join(&secret, None).await;
    c.say(&secret, "deploy secrets").await;
    let first = ack_id(&duo.a.say(&duo.room, "Deploy on Friday?").await);
    duo.b.recv_message().await;
    let second = ack_id(&duo.b.say(&duo.room, "deployment went fine").await);
    duo.a.recv_message().await;
    duo.a.say(&duo.room, "unrelated").await;
    duo.b.recv_message().await;
    duo.a.send(&react(&duo.room, &first, "👍", true)).await;
    next_reaction(&mut duo.b).await;

    let search = search_path;
    let (status, body) = server.get_json(&duo.bob.token, &search("deploy")).await;
    assert_eq!(status, 200, "{body}");
    // Results carry their reactions, like timeline pages.
    assert_eq!(body["messages"][1]["reactions"][0]["emoji"], "👍");
    assert_eq!(body["messages"][1]["reactions"][0]["count"], 1);
    assert!(
        body["messages"][0]["reactions"].is_null()
            || body["messages"][0]["reactions"] == serde_json::json!([])
    );
    let ids: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);
    assert_eq!(body["messages"][0]["room_id"], duo.room.as_str());
    assert!(body["messages"][0]["seq"].is_u64());

    // Query syntax is plain text: no error, and the words still match.
    let (status, body) = server
        .get_json(&duo.bob.token, &search("\"deploy* +(friday:"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["messages"][0]["message_id"], first.as_str());
    // Paging.
    let (_, page) = server
        .get_json(&duo.bob.token, &format!("{}&limit=1", search("deploy")))
        .await;
    let next = page["next_before"].as_str().unwrap().to_owned();
    let (_, rest) = server
        .get_json(
            &duo.bob.token,
            &format!("{}&limit=1&before={next}", search("deploy")),
        )
        .await;
    assert_eq!(rest["messages"][0]["message_id"], first.as_str());
    assert!(rest.get("next_before").is_none(), "{rest}");

    for (path, status, code) in [
        (search(""), 400, "invalid_request"),
        (search("\"*()"), 400, "invalid_request"),
        (search(&"a".repeat(201)), 400, "invalid_request"),
        (
            format!("{}&limit=0", search("deploy")),
            400,
            "invalid_request",
        ),
        (
            format!("{}&room_id={secret}", search("deploy")),
            403,
            "forbidden",
        ),
        (
            format!("{}&room_id=nope", search("deploy")),
            404,
            "not_found",
        ),
        ("/v1/search/messages".to_owned(), 400, "invalid_request"),
    ] {
        let (got, body) = server.get_json(&duo.bob.token, &path).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some(code)),
            "{path}: {body}"
        );
    }
    let anonymous = crate::common::http_client()
        .get(server.url(&search("deploy")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}

/// `/v1/search/messages?q=…` with `q` percent-encoded.
fn search_path(q: &str) -> String {
    let url = reqwest::Url::parse_with_params("http://server/v1/search/messages", &[("q", q)])
        .expect("url");
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}
