//! Every frame type against a `json!` literal, both ways: the literal is the
//! contract documented in docs/protocol.md, so a change here is a protocol change.

use chat_protocol::v1::{
    ClientFrame, DecodeError, ErrorCode, LastMessage, LeaveReason, MemberChanged, MemberReceipts,
    MemberRole, MembershipChange, Message, MessagePinned, PresenceStatus, Reaction, ReactionCount,
    ReceiptKind, RoomChanged, RoomKind, RoomPlacement, RoomSummary, RoomVisibility, ServerFrame,
    WhoCanAdd, close,
};
use serde_json::{Value, json};

fn assert_client(frame: ClientFrame, expected: Value) {
    let encoded: Value = serde_json::from_str(&frame.encode()).unwrap();
    assert_eq!(encoded, expected, "encoding of {frame:?}");
    assert_eq!(ClientFrame::decode(&expected.to_string()).unwrap(), frame);
}

fn assert_server(frame: ServerFrame, expected: Value) {
    let encoded: Value = serde_json::from_str(&frame.encode()).unwrap();
    assert_eq!(encoded, expected, "encoding of {frame:?}");
    assert_eq!(ServerFrame::decode(&expected.to_string()).unwrap(), frame);
}

const ROOM: &str = "0193a0c2-7d5e-7c3a-9d1e-2f4b6a8c0e11";
const USER: &str = "0193a0c2-1111-7c3a-9d1e-2f4b6a8c0e11";
const OTHER: &str = "0193a0c2-3333-7c3a-9d1e-2f4b6a8c0e11";
const MSG: &str = "0193a0c2-2222-7c3a-9d1e-2f4b6a8c0e11";
const CMID: &str = "6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e";
const PICTURE: &str = "0190f4c0-7d2a-7000-8000-00000000a002";

fn sample_message() -> Message {
    Message {
        room_id: ROOM.into(),
        seq: 42,
        message_id: MSG.into(),
        client_msg_id: CMID.into(),
        sender_id: USER.into(),
        content: "hello".into(),
        created_at: 1_764_000_000_000,
        edited_at: None,
        deleted: false,
        reply_to: None,
        mentions: Vec::new(),
        reactions: Vec::new(),
        attachments: Vec::new(),
    }
}

#[test]
fn client_frames_match_the_documented_json() {
    assert_client(
        ClientFrame::Authenticate {
            token: "eyJ...".into(),
        },
        json!({"type": "authenticate", "token": "eyJ..."}),
    );
    assert_client(
        ClientFrame::JoinRoom {
            room_id: ROOM.into(),
            since_seq: Some(41),
        },
        json!({"type": "join_room", "room_id": ROOM, "since_seq": 41}),
    );
    assert_client(
        ClientFrame::JoinRoom {
            room_id: ROOM.into(),
            since_seq: None,
        },
        json!({"type": "join_room", "room_id": ROOM}),
    );
    assert_client(
        ClientFrame::LeaveRoom {
            room_id: ROOM.into(),
        },
        json!({"type": "leave_room", "room_id": ROOM}),
    );
    assert_client(
        ClientFrame::SendMessage {
            room_id: ROOM.into(),
            client_msg_id: CMID.into(),
            content: "hi".into(),
            reply_to: None,
            mentions: Vec::new(),
            attachments: Vec::new(),
        },
        json!({"type": "send_message", "room_id": ROOM, "client_msg_id": CMID, "content": "hi"}),
    );
    assert_client(
        ClientFrame::SendMessage {
            room_id: ROOM.into(),
            client_msg_id: CMID.into(),
            content: "@bob agreed".into(),
            reply_to: Some(MSG.into()),
            mentions: vec![OTHER.into()],
            attachments: Vec::new(),
        },
        json!({"type": "send_message", "room_id": ROOM, "client_msg_id": CMID,
               "content": "@bob agreed", "reply_to": MSG, "mentions": [OTHER]}),
    );
    assert_client(
        ClientFrame::SendMessage {
            room_id: ROOM.into(),
            client_msg_id: CMID.into(),
            content: String::new(),
            reply_to: None,
            mentions: Vec::new(),
            attachments: vec!["a1".into(), "a2".into()],
        },
        json!({"type": "send_message", "room_id": ROOM, "client_msg_id": CMID,
               "content": "", "attachments": ["a1", "a2"]}),
    );
    assert_client(
        ClientFrame::React {
            room_id: ROOM.into(),
            message_id: MSG.into(),
            emoji: "👍".into(),
            on: true,
        },
        json!({"type": "react", "room_id": ROOM, "message_id": MSG, "emoji": "👍", "on": true}),
    );
    assert_client(
        ClientFrame::Pin {
            room_id: ROOM.into(),
            message_id: MSG.into(),
            pinned: false,
        },
        json!({"type": "pin", "room_id": ROOM, "message_id": MSG, "pinned": false}),
    );
    assert_client(
        ClientFrame::Typing {
            room_id: ROOM.into(),
            is_typing: true,
        },
        json!({"type": "typing", "room_id": ROOM, "is_typing": true}),
    );
    assert_client(
        ClientFrame::Receipt {
            room_id: ROOM.into(),
            seq: 42,
            kind: ReceiptKind::Read,
        },
        json!({"type": "receipt", "room_id": ROOM, "seq": 42, "kind": "read"}),
    );
    assert_client(
        ClientFrame::EditMessage {
            room_id: ROOM.into(),
            message_id: MSG.into(),
            content: "fixed".into(),
        },
        json!({"type": "edit_message", "room_id": ROOM, "message_id": MSG, "content": "fixed"}),
    );
    assert_client(
        ClientFrame::DeleteMessage {
            room_id: ROOM.into(),
            message_id: MSG.into(),
        },
        json!({"type": "delete_message", "room_id": ROOM, "message_id": MSG}),
    );
    assert_client(
        ClientFrame::History {
            room_id: ROOM.into(),
            before_seq: Some(100),
            limit: 50,
        },
        json!({"type": "history", "room_id": ROOM, "before_seq": 100, "limit": 50}),
    );
    assert_client(ClientFrame::Ping, json!({"type": "ping"}));
}

#[test]
fn server_frames_match_the_documented_json() {
    assert_server(
        ServerFrame::Authenticated {
            user_id: USER.into(),
            session_id: "s-1".into(),
            server_time: 1_764_000_000_000,
            heartbeat_interval_ms: 20_000,
            expires_at: Some(1_764_086_400_000),
        },
        json!({"type": "authenticated", "user_id": USER, "session_id": "s-1",
               "server_time": 1_764_000_000_000_i64, "heartbeat_interval_ms": 20_000,
               "expires_at": 1_764_086_400_000_i64}),
    );
    // Older servers leave `expires_at` out.
    assert_eq!(
        ServerFrame::decode(
            r#"{"type":"authenticated","user_id":"u","session_id":"s","server_time":1,"heartbeat_interval_ms":2}"#
        )
        .unwrap(),
        ServerFrame::Authenticated {
            user_id: "u".into(),
            session_id: "s".into(),
            server_time: 1,
            heartbeat_interval_ms: 2,
            expires_at: None,
        }
    );
    assert_server(
        ServerFrame::RoomJoined {
            room_id: ROOM.into(),
            name: "general".into(),
            visibility: RoomVisibility::Public,
            last_seq: 42,
            receipts: vec![MemberReceipts {
                user_id: USER.into(),
                delivered_seq: 42,
                read_seq: 40,
            }],
        },
        json!({"type": "room_joined", "room_id": ROOM, "name": "general", "visibility": "public",
               "last_seq": 42,
               "receipts": [{"user_id": USER, "delivered_seq": 42, "read_seq": 40}]}),
    );
    assert_server(
        ServerFrame::RoomLeft {
            room_id: ROOM.into(),
            reason: None,
        },
        json!({"type": "room_left", "room_id": ROOM}),
    );
    assert_server(
        ServerFrame::RoomLeft {
            room_id: ROOM.into(),
            reason: Some(LeaveReason::Kicked),
        },
        json!({"type": "room_left", "room_id": ROOM, "reason": "kicked"}),
    );
    assert_server(
        ServerFrame::MemberChanged(MemberChanged {
            room_id: ROOM.into(),
            seq: 45,
            user_id: USER.into(),
            change: MembershipChange::Role,
            role: Some(MemberRole::Admin),
            by: OTHER.into(),
            created_at: 1_764_000_001_000,
        }),
        json!({"type": "member_changed", "room_id": ROOM, "seq": 45, "user_id": USER,
               "change": "role", "role": "admin", "by": OTHER,
               "created_at": 1_764_000_001_000_i64}),
    );
    assert_server(
        ServerFrame::MemberChanged(MemberChanged {
            room_id: ROOM.into(),
            seq: 46,
            user_id: USER.into(),
            change: MembershipChange::Banned,
            role: None,
            by: OTHER.into(),
            created_at: 1_764_000_002_000,
        }),
        json!({"type": "member_changed", "room_id": ROOM, "seq": 46, "user_id": USER,
               "change": "banned", "by": OTHER, "created_at": 1_764_000_002_000_i64}),
    );
    assert_server(
        ServerFrame::RoomChanged(RoomChanged {
            room_id: ROOM.into(),
            seq: 47,
            name: None,
            topic: Some("launch plans".into()),
            who_can_add: Some(WhoCanAdd::Admins),
            avatar_id: None,
            by: OTHER.into(),
            created_at: 1_764_000_003_000,
        }),
        json!({"type": "room_changed", "room_id": ROOM, "seq": 47, "topic": "launch plans",
               "who_can_add": "admins", "by": OTHER, "created_at": 1_764_000_003_000_i64}),
    );
    assert_server(
        ServerFrame::Message(sample_message()),
        json!({"type": "message", "room_id": ROOM, "seq": 42, "message_id": MSG,
               "client_msg_id": CMID, "sender_id": USER, "content": "hello",
               "created_at": 1_764_000_000_000_i64}),
    );
    assert_server(
        ServerFrame::MessageAck {
            room_id: ROOM.into(),
            client_msg_id: CMID.into(),
            message_id: MSG.into(),
            seq: 42,
            created_at: 1_764_000_000_000,
        },
        json!({"type": "message_ack", "room_id": ROOM, "client_msg_id": CMID, "message_id": MSG,
               "seq": 42, "created_at": 1_764_000_000_000_i64}),
    );
    assert_server(
        ServerFrame::Typing {
            room_id: ROOM.into(),
            user_id: USER.into(),
            is_typing: false,
        },
        json!({"type": "typing", "room_id": ROOM, "user_id": USER, "is_typing": false}),
    );
    assert_server(
        ServerFrame::Receipt {
            room_id: ROOM.into(),
            user_id: USER.into(),
            seq: 42,
            kind: ReceiptKind::Delivered,
        },
        json!({"type": "receipt", "room_id": ROOM, "user_id": USER, "seq": 42,
               "kind": "delivered"}),
    );
    assert_server(
        ServerFrame::Presence {
            user_id: USER.into(),
            status: PresenceStatus::Offline,
            last_seen: Some(1_764_000_000_000),
        },
        json!({"type": "presence", "user_id": USER, "status": "offline",
               "last_seen": 1_764_000_000_000_i64}),
    );
    assert_server(
        ServerFrame::Presence {
            user_id: USER.into(),
            status: PresenceStatus::Online,
            last_seen: None,
        },
        json!({"type": "presence", "user_id": USER, "status": "online"}),
    );
    assert_server(
        ServerFrame::RoomUpdated(RoomSummary {
            room_id: ROOM.into(),
            name: "general".into(),
            visibility: RoomVisibility::Private,
            kind: RoomKind::Group,
            last_seq: 45,
            created_at: 1_763_900_000_000,
            last_message: Some(LastMessage {
                message_id: MSG.into(),
                seq: 45,
                sender_id: USER.into(),
                content: "see you at 6".into(),
                created_at: 1_764_000_100_000,
            }),
            last_activity_at: 1_764_000_100_000,
            unread_count: 4,
            read_seq: 40,
            muted: false,
            muted_until: None,
            notify_mentions: None,
            mention_count: 1,
            avatar_id: Some(PICTURE.into()),
            placement: Some(RoomPlacement::Favorite),
            marked_unread: true,
        }),
        json!({"type": "room_updated", "room_id": ROOM, "name": "general",
               "visibility": "private", "kind": "group", "last_seq": 45,
               "created_at": 1_763_900_000_000_i64,
               "last_message": {"message_id": MSG, "seq": 45, "sender_id": USER,
                                "content": "see you at 6", "created_at": 1_764_000_100_000_i64},
               "last_activity_at": 1_764_000_100_000_i64, "unread_count": 4, "read_seq": 40,
               "muted": false, "mention_count": 1, "avatar_id": PICTURE,
               "placement": "favorite", "marked_unread": true}),
    );
    assert_server(
        ServerFrame::UserUpdated {
            user_id: USER.into(),
            username: "ann".into(),
            display_name: "Ann Smith".into(),
            avatar_id: Some(PICTURE.into()),
        },
        json!({"type": "user_updated", "user_id": USER, "username": "ann",
               "display_name": "Ann Smith", "avatar_id": PICTURE}),
    );
    assert_server(
        ServerFrame::BlockChanged {
            user_id: USER.into(),
            blocked: true,
        },
        json!({"type": "block_changed", "user_id": USER, "blocked": true}),
    );
    assert_server(
        ServerFrame::SavedChanged {
            room_id: ROOM.into(),
            message_id: MSG.into(),
            saved: true,
        },
        json!({"type": "saved_changed", "room_id": ROOM, "message_id": MSG, "saved": true}),
    );
    assert_server(
        ServerFrame::MessageEdited {
            room_id: ROOM.into(),
            seq: 43,
            message_id: MSG.into(),
            sender_id: USER.into(),
            content: "fixed".into(),
            edited_at: 1_764_000_000_500,
        },
        json!({"type": "message_edited", "room_id": ROOM, "seq": 43, "message_id": MSG,
               "sender_id": USER, "content": "fixed", "edited_at": 1_764_000_000_500_i64}),
    );
    assert_server(
        ServerFrame::MessageDeleted {
            room_id: ROOM.into(),
            seq: 44,
            message_id: MSG.into(),
            sender_id: USER.into(),
            deleted_at: 1_764_000_000_900,
            deleted_by: None,
        },
        json!({"type": "message_deleted", "room_id": ROOM, "seq": 44, "message_id": MSG,
               "sender_id": USER, "deleted_at": 1_764_000_000_900_i64}),
    );
    assert_server(
        ServerFrame::MessageDeleted {
            room_id: ROOM.into(),
            seq: 44,
            message_id: MSG.into(),
            sender_id: USER.into(),
            deleted_at: 1_764_000_000_900,
            deleted_by: Some(OTHER.into()),
        },
        json!({"type": "message_deleted", "room_id": ROOM, "seq": 44, "message_id": MSG,
               "sender_id": USER, "deleted_at": 1_764_000_000_900_i64, "deleted_by": OTHER}),
    );
    assert_server(
        ServerFrame::Reaction(Reaction {
            room_id: ROOM.into(),
            seq: 46,
            message_id: MSG.into(),
            user_id: OTHER.into(),
            emoji: "👍".into(),
            on: true,
            created_at: 1_764_000_001_000,
        }),
        json!({"type": "reaction", "room_id": ROOM, "seq": 46, "message_id": MSG,
               "user_id": OTHER, "emoji": "👍", "on": true,
               "created_at": 1_764_000_001_000_i64}),
    );
    assert_server(
        ServerFrame::MessagePinned(MessagePinned {
            room_id: ROOM.into(),
            seq: 47,
            message_id: MSG.into(),
            pinned: true,
            by: USER.into(),
            created_at: 1_764_000_002_000,
        }),
        json!({"type": "message_pinned", "room_id": ROOM, "seq": 47, "message_id": MSG,
               "pinned": true, "by": USER, "created_at": 1_764_000_002_000_i64}),
    );
    let reply = Message {
        seq: 48,
        reply_to: Some(MSG.into()),
        mentions: vec![OTHER.into()],
        reactions: vec![ReactionCount {
            emoji: "👍".into(),
            count: 2,
            user_ids: vec![OTHER.into(), USER.into()],
        }],
        ..sample_message()
    };
    assert_server(
        ServerFrame::History {
            room_id: ROOM.into(),
            messages: vec![reply],
            has_more: false,
        },
        json!({"type": "history", "room_id": ROOM, "has_more": false, "messages": [
            {"room_id": ROOM, "seq": 48, "message_id": MSG, "client_msg_id": CMID,
             "sender_id": USER, "content": "hello", "created_at": 1_764_000_000_000_i64,
             "reply_to": MSG, "mentions": [OTHER],
             "reactions": [{"emoji": "👍", "count": 2, "user_ids": [OTHER, USER]}]}
        ]}),
    );
    let edited = Message {
        edited_at: Some(1_764_000_000_500),
        content: "fixed".into(),
        ..sample_message()
    };
    let deleted = Message {
        seq: 43,
        content: String::new(),
        deleted: true,
        ..sample_message()
    };
    assert_server(
        ServerFrame::History {
            room_id: ROOM.into(),
            messages: vec![edited, deleted],
            has_more: true,
        },
        json!({"type": "history", "room_id": ROOM, "has_more": true, "messages": [
            {"room_id": ROOM, "seq": 42, "message_id": MSG, "client_msg_id": CMID,
             "sender_id": USER, "content": "fixed", "created_at": 1_764_000_000_000_i64,
             "edited_at": 1_764_000_000_500_i64},
            {"room_id": ROOM, "seq": 43, "message_id": MSG, "client_msg_id": CMID,
             "sender_id": USER, "content": "", "created_at": 1_764_000_000_000_i64,
             "deleted": true}
        ]}),
    );
    assert_server(
        ServerFrame::Pong {
            server_time: 1_764_000_000_000,
        },
        json!({"type": "pong", "server_time": 1_764_000_000_000_i64}),
    );
    assert_server(
        ServerFrame::error(
            ErrorCode::Forbidden,
            "not a member of this room",
            Some(ROOM.into()),
        ),
        json!({"type": "error", "code": "forbidden", "message": "not a member of this room",
               "ref": ROOM}),
    );
    assert_server(
        ServerFrame::error(ErrorCode::InvalidRequest, "bad", None),
        json!({"type": "error", "code": "invalid_request", "message": "bad"}),
    );
    assert_server(
        ServerFrame::ServerShutdown {
            reconnect_after_ms: 2_000,
        },
        json!({"type": "server_shutdown", "reconnect_after_ms": 2_000}),
    );
}

#[test]
fn unknown_server_frames_and_codes_decode_to_fallbacks() {
    let frame = ServerFrame::decode(r#"{"type":"room_archived","room_id":"r"}"#).unwrap();
    assert_eq!(frame, ServerFrame::Unknown);
    let frame =
        ServerFrame::decode(r#"{"type":"error","code":"quota_exceeded","message":"x"}"#).unwrap();
    assert_eq!(frame, ServerFrame::error(ErrorCode::Unknown, "x", None));
}

#[test]
fn client_decode_tells_problems_apart() {
    assert!(matches!(
        ClientFrame::decode("{not json"),
        Err(DecodeError::Malformed(_))
    ));
    assert!(matches!(
        ClientFrame::decode("[1,2]"),
        Err(DecodeError::Malformed(_))
    ));
    assert_eq!(
        ClientFrame::decode(r#"{"type":"shout","room_id":"r"}"#),
        Err(DecodeError::UnknownType("shout".into()))
    );
    assert_eq!(
        ClientFrame::decode(r#"{"room_id":"r"}"#),
        Err(DecodeError::UnknownType(String::new()))
    );
    let err = ClientFrame::decode(r#"{"type":"typing","room_id":"r","is_typing":"yes"}"#);
    assert!(
        matches!(err, Err(DecodeError::InvalidFields { ref frame_type, .. }) if frame_type == "typing"),
        "{err:?}"
    );
    let err = ClientFrame::decode(r#"{"type":"receipt","room_id":"r","seq":-1,"kind":"read"}"#);
    assert!(
        matches!(err, Err(DecodeError::InvalidFields { .. })),
        "{err:?}"
    );
}

#[test]
fn every_client_type_name_is_decodable() {
    // type_name() and the decoder's list of known types must agree.
    for frame in [
        ClientFrame::Ping,
        ClientFrame::LeaveRoom {
            room_id: "r".into(),
        },
        ClientFrame::Typing {
            room_id: "r".into(),
            is_typing: true,
        },
    ] {
        let json: Value = serde_json::from_str(&frame.encode()).unwrap();
        assert_eq!(json["type"], frame.type_name());
    }
}

#[test]
fn error_codes_and_close_codes_are_stable() {
    for (code, name) in [
        (ErrorCode::Unauthorized, "unauthorized"),
        (ErrorCode::Forbidden, "forbidden"),
        (ErrorCode::NotFound, "not_found"),
        (ErrorCode::InvalidRequest, "invalid_request"),
        (ErrorCode::UnknownType, "unknown_type"),
        (ErrorCode::TooLarge, "too_large"),
        (ErrorCode::UnsupportedType, "unsupported_type"),
        (ErrorCode::RateLimited, "rate_limited"),
        (ErrorCode::Conflict, "conflict"),
        (ErrorCode::Internal, "internal"),
        (ErrorCode::Unavailable, "unavailable"),
    ] {
        assert_eq!(serde_json::to_value(code).unwrap(), json!(name));
        assert_eq!(code.as_str(), name);
    }
    assert!(ErrorCode::RateLimited.is_retryable());
    assert!(!ErrorCode::Forbidden.is_retryable());
    assert!(!ErrorCode::UnsupportedType.is_retryable());
    assert_eq!(
        [
            close::UNAUTHORIZED,
            close::FORBIDDEN,
            close::POLICY_LIMIT,
            close::TOO_MANY_CONNECTIONS
        ],
        [4001, 4003, 4008, 4009]
    );
    assert_eq!(
        [close::TOO_LARGE, close::RESTARTING, close::SLOW_CONSUMER],
        [1009, 1012, 4011]
    );
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let creds = chat_protocol::v1::Credentials {
        username: "ann".into(),
        password: "hunter22".into(),
        device_name: None,
    };
    assert!(!format!("{creds:?}").contains("hunter22"));
}
