//! REST bodies against `json!` literals (the examples of docs/protocol.md §8).

use chat_protocol::v1::{
    AddMemberRequest, ApiError, AuthResponse, CreateRoomRequest, CreateRoomResponse, Credentials,
    ErrorCode, MemberList, MessagesPage, RefreshRequest, RoomList, RoomSummary, RoomVisibility,
    SendMessageRequest, SendMessageResponse, UserProfile,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    value: &T,
    expected: &Value,
) {
    assert_eq!(&serde_json::to_value(value).unwrap(), expected);
    assert_eq!(
        &serde_json::from_value::<T>(expected.clone()).unwrap(),
        value
    );
}

const ROOM: &str = "0193a0c2-7d5e-7c3a-9d1e-2f4b6a8c0e11";
const USER: &str = "0193a0c2-1111-7c3a-9d1e-2f4b6a8c0e11";

#[test]
fn account_bodies() {
    round_trip(
        &Credentials {
            username: "ann".into(),
            password: "correct horse".into(),
        },
        &json!({"username": "ann", "password": "correct horse"}),
    );
    // An external issuer's server (or an older one) sends no refresh token.
    round_trip(
        &AuthResponse {
            user_id: USER.into(),
            token: "eyJ...".into(),
            expires_at: 1_764_086_400_000,
            refresh_token: None,
            refresh_expires_at: None,
        },
        &json!({"user_id": USER, "token": "eyJ...", "expires_at": 1_764_086_400_000_i64}),
    );
    round_trip(
        &AuthResponse {
            user_id: USER.into(),
            token: "eyJ...".into(),
            expires_at: 1_764_086_400_000,
            refresh_token: Some("9f86d081884c7d65".into()),
            refresh_expires_at: Some(1_766_592_000_000),
        },
        &json!({"user_id": USER, "token": "eyJ...", "expires_at": 1_764_086_400_000_i64,
                "refresh_token": "9f86d081884c7d65", "refresh_expires_at": 1_766_592_000_000_i64}),
    );
    round_trip(
        &RefreshRequest {
            refresh_token: "9f86d081884c7d65".into(),
        },
        &json!({"refresh_token": "9f86d081884c7d65"}),
    );
    // Secrets stay out of logs.
    let debug = format!(
        "{:?}",
        RefreshRequest {
            refresh_token: "9f86d081884c7d65".into()
        }
    );
    assert!(!debug.contains("9f86d081884c7d65"), "{debug}");
}

#[test]
fn room_bodies() {
    round_trip(
        &CreateRoomRequest {
            name: "team".into(),
            visibility: RoomVisibility::Private,
            members: vec![USER.into()],
        },
        &json!({"name": "team", "visibility": "private", "members": [USER]}),
    );
    // name and members may be omitted.
    let direct: CreateRoomRequest =
        serde_json::from_value(json!({"visibility": "direct"})).unwrap();
    assert_eq!((direct.name.as_str(), direct.members.len()), ("", 0));
    round_trip(
        &CreateRoomResponse {
            room_id: ROOM.into(),
        },
        &json!({"room_id": ROOM}),
    );
    round_trip(
        &RoomList {
            rooms: vec![RoomSummary {
                room_id: ROOM.into(),
                name: "general".into(),
                visibility: RoomVisibility::Public,
                last_seq: 42,
                created_at: 1_764_000_000_000,
            }],
        },
        &json!({"rooms": [{"room_id": ROOM, "name": "general", "visibility": "public",
                           "last_seq": 42, "created_at": 1_764_000_000_000_i64}]}),
    );
    round_trip(
        &AddMemberRequest {
            user_id: USER.into(),
        },
        &json!({"user_id": USER}),
    );
    round_trip(
        &MemberList {
            members: vec![UserProfile {
                user_id: USER.into(),
                username: "ann".into(),
            }],
        },
        &json!({"members": [{"user_id": USER, "username": "ann"}]}),
    );
    round_trip(
        &UserProfile {
            user_id: USER.into(),
            username: "ann".into(),
        },
        &json!({"user_id": USER, "username": "ann"}),
    );
}

#[test]
fn message_bodies() {
    round_trip(
        &MessagesPage {
            messages: vec![],
            has_more: false,
        },
        &json!({"messages": [], "has_more": false}),
    );
    round_trip(
        &SendMessageRequest {
            content: "hi".into(),
        },
        &json!({"content": "hi"}),
    );
    round_trip(
        &SendMessageResponse {
            room_id: ROOM.into(),
            client_msg_id: "6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e".into(),
            message_id: "m".into(),
            seq: 42,
            created_at: 1_764_000_000_000,
        },
        &json!({"room_id": ROOM, "client_msg_id": "6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e",
                "message_id": "m", "seq": 42, "created_at": 1_764_000_000_000_i64}),
    );
    round_trip(
        &ApiError {
            code: ErrorCode::Forbidden,
            message: "you are not a member of this room".into(),
        },
        &json!({"code": "forbidden", "message": "you are not a member of this room"}),
    );
}
