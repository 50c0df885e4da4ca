//! REST bodies against `json!` literals (the examples of docs/protocol.md §8).

use chat_protocol::v1::{
    AddMemberRequest, ApiError, AuthResponse, CreateRoomRequest, CreateRoomResponse, Credentials,
    ErrorCode, LastMessage, MarkUnreadRequest, MemberList, MessagesPage, MuteRequest,
    PlacementRequest, RefreshRequest, RoomKind, RoomList, RoomPlacement, RoomSummary,
    RoomVisibility, SendMessageRequest, SendMessageResponse, UpdateProfileRequest, UserProfile,
};
use chat_protocol::v1::{Attachment, AttachmentLinks, DataExport, Message, ThumbnailSize};
use chat_protocol::v1::{
    BanList, BanRequest, MemberRole, RoomBan, RoomDetails, RoomMember, SetRoleRequest,
    UpdateRoomRequest, WhoCanAdd,
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
const MESSAGE: &str = "0193a0c2-2222-7c3a-9d1e-2f4b6a8c0e11";
const PICTURE: &str = "0190f4c0-7d2a-7000-8000-00000000a002";

#[test]
fn account_bodies() {
    round_trip(
        &Credentials {
            username: "ann".into(),
            password: "correct horse".into(),
            device_name: None,
        },
        &json!({"username": "ann", "password": "correct horse"}),
    );
    round_trip(
        &Credentials {
            username: "ann".into(),
            password: "correct horse".into(),
            device_name: Some("Pixel 8".into()),
        },
        &json!({"username": "ann", "password": "correct horse", "device_name": "Pixel 8"}),
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
            rooms: vec![
                RoomSummary {
                    room_id: ROOM.into(),
                    name: "general".into(),
                    visibility: RoomVisibility::Public,
                    last_seq: 42,
                    created_at: 1_764_000_000_000,
                    kind: RoomKind::Group,
                    last_message: Some(LastMessage {
                        message_id: MESSAGE.into(),
                        seq: 41,
                        sender_id: USER.into(),
                        content: "see you at 6".into(),
                        created_at: 1_764_000_100_000,
                    }),
                    last_activity_at: 1_764_000_100_000,
                    unread_count: 3,
                    read_seq: 38,
                    muted: false,
                    mention_count: 1,
                    muted_until: None,
                    notify_mentions: None,
                    avatar_id: None,
                    placement: Some(RoomPlacement::Favorite),
                    marked_unread: false,
                },
                RoomSummary {
                    room_id: "room-2".into(),
                    name: "Bob Builder".into(),
                    visibility: RoomVisibility::Direct,
                    last_seq: 0,
                    created_at: 1_764_000_000_000,
                    kind: RoomKind::Direct,
                    last_message: None,
                    last_activity_at: 1_764_000_000_000,
                    unread_count: 0,
                    read_seq: 0,
                    muted: true,
                    mention_count: 0,
                    muted_until: Some(1_764_086_400_000),
                    notify_mentions: Some(false),
                    avatar_id: Some(PICTURE.into()),
                    placement: Some(RoomPlacement::Archived),
                    marked_unread: true,
                },
            ],
            next_after: Some("1764000000000.room-2".into()),
        },
        &json!({"rooms": [
            {"room_id": ROOM, "name": "general", "visibility": "public", "last_seq": 42,
             "created_at": 1_764_000_000_000_i64, "kind": "group",
             "last_message": {"message_id": MESSAGE, "seq": 41, "sender_id": USER,
                              "content": "see you at 6", "created_at": 1_764_000_100_000_i64},
             "last_activity_at": 1_764_000_100_000_i64, "unread_count": 3, "read_seq": 38,
             "muted": false, "mention_count": 1, "placement": "favorite"},
            {"room_id": "room-2", "name": "Bob Builder", "visibility": "direct", "last_seq": 0,
             "created_at": 1_764_000_000_000_i64, "kind": "direct", "last_message": null,
             "last_activity_at": 1_764_000_000_000_i64, "unread_count": 0, "read_seq": 0,
             "muted": true, "mention_count": 0, "muted_until": 1_764_086_400_000_i64,
             "notify_mentions": false, "avatar_id": PICTURE, "placement": "archived",
             "marked_unread": true}],
            "next_after": "1764000000000.room-2"}),
    );
    // What a server from before the room list sent still reads, with the new fields
    // at their defaults.
    let old: RoomList = serde_json::from_value(json!({"rooms": [{"room_id": ROOM,
        "name": "general", "visibility": "public", "last_seq": 42,
        "created_at": 1_764_000_000_000_i64}]}))
    .unwrap();
    let room = &old.rooms[0];
    assert_eq!(
        (
            room.kind,
            &room.last_message,
            room.unread_count,
            room.muted,
            &old.next_after,
            room.muted_until,
            room.notify_mentions,
            room.placement,
            room.marked_unread
        ),
        (
            RoomKind::Group,
            &None,
            0,
            false,
            &None,
            None,
            None,
            None,
            false
        )
    );
    round_trip(
        &MarkUnreadRequest { unread: true },
        &json!({"unread": true}),
    );
    round_trip(
        &MarkUnreadRequest { unread: false },
        &json!({"unread": false}),
    );
    // `unread` says what to do: leaving it out, or null, is refused.
    for bad in [
        json!({}),
        json!({"unread": null}),
        json!({"unread": "true"}),
    ] {
        assert!(
            serde_json::from_value::<MarkUnreadRequest>(bad.clone()).is_err(),
            "{bad}"
        );
    }
    round_trip(
        &PlacementRequest {
            placement: Some(RoomPlacement::Favorite),
        },
        &json!({"placement": "favorite"}),
    );
    round_trip(
        &PlacementRequest { placement: None },
        &json!({"placement": null}),
    );
    // Left out is the main list too; a placement the protocol does not name is refused.
    let back: PlacementRequest = serde_json::from_value(json!({})).unwrap();
    assert_eq!(back.placement, None);
    assert!(serde_json::from_value::<PlacementRequest>(json!({"placement": "pinned"})).is_err());
    round_trip(
        &MuteRequest {
            until: Some(1_764_000_000_000),
            mentions: None,
        },
        &json!({"until": 1_764_000_000_000_i64}),
    );
    round_trip(
        &MuteRequest {
            until: None,
            mentions: None,
        },
        &json!({"until": null}),
    );
    round_trip(
        &MuteRequest {
            until: Some(4_102_444_800_000),
            mentions: Some(false),
        },
        &json!({"until": 4_102_444_800_000_i64, "mentions": false}),
    );
    round_trip(
        &UpdateProfileRequest {
            display_name: Some("Ann Smith".into()),
            avatar_id: None,
        },
        &json!({"display_name": "Ann Smith"}),
    );
    round_trip(
        &UpdateProfileRequest {
            display_name: None,
            avatar_id: Some(PICTURE.into()),
        },
        &json!({"avatar_id": PICTURE}),
    );
    round_trip(
        &AddMemberRequest {
            user_id: USER.into(),
        },
        &json!({"user_id": USER}),
    );
    round_trip(
        &MemberList {
            members: vec![RoomMember {
                user_id: USER.into(),
                username: "ann".into(),
                display_name: "Ann Smith".into(),
                role: MemberRole::Owner,
                joined_at: 1_764_000_000_000,
                avatar_id: Some(PICTURE.into()),
            }],
        },
        &json!({"members": [{"user_id": USER, "username": "ann", "display_name": "Ann Smith",
                             "role": "owner", "joined_at": 1_764_000_000_000_i64,
                             "avatar_id": PICTURE}]}),
    );
    // A member from a server before roles reads as a plain member.
    let old: MemberList = serde_json::from_value(
        json!({"members": [{"user_id": USER, "username": "ann", "display_name": "Ann"}]}),
    )
    .unwrap();
    assert_eq!(old.members[0].role, MemberRole::Member);
    assert_eq!(old.members[0].joined_at, 0);
    round_trip(
        &UserProfile {
            user_id: USER.into(),
            username: "ann".into(),
            display_name: "ann".into(),
            avatar_id: None,
        },
        &json!({"user_id": USER, "username": "ann", "display_name": "ann"}),
    );
    round_trip(
        &UserProfile {
            user_id: USER.into(),
            username: "ann".into(),
            display_name: "Ann Smith".into(),
            avatar_id: Some(PICTURE.into()),
        },
        &json!({"user_id": USER, "username": "ann", "display_name": "Ann Smith",
                "avatar_id": PICTURE}),
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
            reply_to: None,
            mentions: Vec::new(),
            attachments: Vec::new(),
        },
        &json!({"content": "hi"}),
    );
    // A photo with no caption: the text may then be empty (or left out).
    round_trip(
        &SendMessageRequest {
            content: String::new(),
            reply_to: None,
            mentions: Vec::new(),
            attachments: vec!["0190f4c0-7d2a-7000-8000-00000000a001".into()],
        },
        &json!({"content": "", "attachments": ["0190f4c0-7d2a-7000-8000-00000000a001"]}),
    );
    let without_text: SendMessageRequest =
        serde_json::from_value(json!({"attachments": ["a1"]})).expect("decodes");
    assert_eq!(without_text.content, "");
    round_trip(
        &SendMessageRequest {
            content: "@bob see above".into(),
            reply_to: Some(MESSAGE.into()),
            mentions: vec!["bob".into()],
            attachments: Vec::new(),
        },
        &json!({"content": "@bob see above", "reply_to": MESSAGE, "mentions": ["bob"]}),
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

#[test]
fn moderation_bodies_match_the_documented_json() {
    round_trip(
        &SetRoleRequest {
            role: MemberRole::Admin,
        },
        &json!({"role": "admin"}),
    );
    round_trip(
        &UpdateRoomRequest {
            name: None,
            topic: Some("launch".into()),
            who_can_add: Some(WhoCanAdd::Admins),
            avatar_id: None,
        },
        &json!({"topic": "launch", "who_can_add": "admins"}),
    );
    round_trip(
        &UpdateRoomRequest {
            avatar_id: Some(String::new()),
            ..UpdateRoomRequest::default()
        },
        &json!({"avatar_id": ""}),
    );
    round_trip(
        &RoomDetails {
            room_id: ROOM.into(),
            name: "general".into(),
            topic: "launch".into(),
            visibility: RoomVisibility::Private,
            who_can_add: WhoCanAdd::Members,
            member_count: 3,
            last_seq: 12,
            created_at: 1_764_000_000_000,
            role: MemberRole::Admin,
            avatar_id: Some(PICTURE.into()),
        },
        &json!({"room_id": ROOM, "name": "general", "topic": "launch",
                "visibility": "private", "who_can_add": "members", "member_count": 3,
                "last_seq": 12, "created_at": 1_764_000_000_000_i64, "role": "admin",
                "avatar_id": PICTURE}),
    );
    round_trip(
        &BanRequest {
            user_id: USER.into(),
            reason: Some("spam".into()),
        },
        &json!({"user_id": USER, "reason": "spam"}),
    );
    round_trip(
        &BanList {
            bans: vec![RoomBan {
                user_id: USER.into(),
                banned_by: USER.into(),
                reason: None,
                created_at: 1_764_000_000_000,
            }],
        },
        &json!({"bans": [{"user_id": USER, "banned_by": USER,
                          "created_at": 1_764_000_000_000_i64}]}),
    );
}

#[test]
fn attachment_bodies_match_the_documented_json() {
    let photo = Attachment {
        attachment_id: "0190f4c0-7d2a-7000-8000-00000000a001".into(),
        mime: "image/jpeg".into(),
        size: 183_402,
        name: "beach.jpg".into(),
        width: Some(3024),
        height: Some(4032),
        thumbnail: Some(ThumbnailSize {
            width: 240,
            height: 320,
        }),
    };
    assert!(photo.is_image());
    round_trip(
        &photo,
        &json!({
            "attachment_id": "0190f4c0-7d2a-7000-8000-00000000a001",
            "mime": "image/jpeg", "size": 183_402, "name": "beach.jpg",
            "width": 3024, "height": 4032, "thumbnail": {"width": 240, "height": 320}
        }),
    );
    let file = Attachment {
        attachment_id: "a2".into(),
        mime: "application/octet-stream".into(),
        size: 12,
        name: "notes.pdf".into(),
        width: None,
        height: None,
        thumbnail: None,
    };
    assert!(!file.is_image());
    round_trip(
        &file,
        &json!({"attachment_id": "a2", "mime": "application/octet-stream", "size": 12, "name": "notes.pdf"}),
    );
    // A message carries them; one without any leaves the field out.
    let message = Message {
        room_id: ROOM.into(),
        seq: 3,
        message_id: MESSAGE.into(),
        client_msg_id: "c".into(),
        sender_id: USER.into(),
        content: String::new(),
        created_at: 1,
        attachments: vec![file],
        ..Message::default()
    };
    let json = serde_json::to_value(&message).unwrap();
    assert_eq!(json["attachments"][0]["name"], "notes.pdf");
    let plain = Message {
        attachments: Vec::new(),
        ..message
    };
    assert!(
        serde_json::to_value(&plain)
            .unwrap()
            .get("attachments")
            .is_none()
    );
    round_trip(
        &AttachmentLinks {
            url: "/v1/attachments/a1?expires=1&signature=ab".into(),
            thumbnail_url: None,
            medium_thumbnail_url: None,
            expires_at: 1,
        },
        &json!({"url": "/v1/attachments/a1?expires=1&signature=ab", "expires_at": 1}),
    );
}

#[test]
fn push_device_bodies_match_the_documented_json() {
    use chat_protocol::v1::{
        Device, DeviceList, LogoutRequest, PushEnvironment, PushPlatform, RegisterDeviceRequest,
        VapidPublicKey, WebPushKeys, WebPushSubscription,
    };
    const DEVICE: &str = "0193a0c2-7777-7c3a-9d1e-2f4b6a8c0e11";
    round_trip(
        &RegisterDeviceRequest {
            platform: PushPlatform::Apns,
            token: Some("5f3be1".into()),
            subscription: None,
            app_id: Some("com.example.chat".into()),
            environment: Some(PushEnvironment::Production),
        },
        &json!({"platform": "apns", "token": "5f3be1", "app_id": "com.example.chat",
                "environment": "production"}),
    );
    round_trip(
        &RegisterDeviceRequest {
            platform: PushPlatform::Webpush,
            token: None,
            subscription: Some(WebPushSubscription {
                endpoint: "https://push.example.net/send/1".into(),
                keys: WebPushKeys {
                    p256dh: "BNcR".into(),
                    auth: "tBHI".into(),
                },
            }),
            app_id: None,
            environment: None,
        },
        &json!({"platform": "webpush", "subscription": {
            "endpoint": "https://push.example.net/send/1",
            "keys": {"p256dh": "BNcR", "auth": "tBHI"}}}),
    );
    let device = Device {
        device_id: DEVICE.into(),
        platform: PushPlatform::Fcm,
        app_id: None,
        environment: None,
        token_hint: "9c1d40e1".into(),
        registered_at: 1_764_000_000_000,
        refreshed_at: 1_764_000_000_000,
    };
    round_trip(
        &DeviceList {
            devices: vec![device],
        },
        &json!({"devices": [{"device_id": DEVICE, "platform": "fcm", "token_hint": "9c1d40e1",
                "registered_at": 1_764_000_000_000_i64,
                "refreshed_at": 1_764_000_000_000_i64}]}),
    );
    // The logout body is the refresh body, with the device to unregister beside it.
    let logout = LogoutRequest {
        refresh_token: "9f86d081884c7d65".into(),
        device_id: Some(DEVICE.into()),
    };
    round_trip(
        &logout,
        &json!({"refresh_token": "9f86d081884c7d65", "device_id": DEVICE}),
    );
    assert!(!format!("{logout:?}").contains("9f86d081884c7d65"));
    let older_client: LogoutRequest =
        serde_json::from_value(json!({"refresh_token": "9f86d081884c7d65"})).unwrap();
    assert_eq!(older_client.device_id, None);
    round_trip(
        &VapidPublicKey {
            public_key: "BCVxsr7N".into(),
        },
        &json!({"public_key": "BCVxsr7N"}),
    );
}

#[test]
fn a_data_export_reads_as_docs_protocol_md_shows_it() {
    // §8.7e's example, as written there.
    let example = json!({"exported_at": 1_764_000_200_000_i64,
     "profile": {"user_id": USER, "username": "ann", "display_name": "Ann"},
     "rooms": [{"room_id": ROOM, "name": "general", "visibility": "private",
                "role": "owner", "joined_at": 1_763_900_000_000_i64, "placement": "favorite"}],
     "blocks": [], "devices": [],
     "sign_ins": [{"id": "0193a0c2-5555-7c3a-9d1e-2f4b6a8c0e11", "device_name": "Pixel 8",
                   "created_at": 1_763_900_000_000_i64, "last_active_at": 1_764_000_100_000_i64,
                   "current": true}],
     "reports": [{"report_id": "0193a0c2-6666-7c3a-9d1e-2f4b6a8c0e11", "reporter_id": USER,
                  "room_id": ROOM, "message_id": "0193a0c2-3333-7c3a-9d1e-2f4b6a8c0e11",
                  "user_id": "0193a0c2-1111-7c3a-9d1e-2f4b6a8c0e11", "reason": "spam",
                  "message_content": "buy now", "created_at": 1_764_000_000_000_i64}],
     "reactions": [{"room_id": ROOM, "message_id": "0193a0c2-3333-7c3a-9d1e-2f4b6a8c0e11",
                    "emoji": "👍", "created_at": 1_764_000_050_000_i64}],
     "saved": [{"room_id": ROOM, "message_id": "0193a0c2-3333-7c3a-9d1e-2f4b6a8c0e11",
                "saved_at": 1_764_000_060_000_i64}],
     "messages": [{"room_id": ROOM, "seq": 43, "message_id": MESSAGE, "client_msg_id": "c-17",
                   "sender_id": USER, "content": "see you at 6",
                   "created_at": 1_764_000_100_000_i64}]});
    let export: DataExport = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(export.rooms[0].role, MemberRole::Owner);
    assert_eq!(export.rooms[0].placement, Some(RoomPlacement::Favorite));
    assert_eq!(export.rooms[0].muted_until, None);
    assert_eq!(export.messages[0].content, "see you at 6");
    assert_eq!(
        export.reports[0].message_content.as_deref(),
        Some("buy now")
    );
    assert_eq!(export.reactions[0].emoji, "👍");
    assert_eq!(export.saved[0].saved_at, 1_764_000_060_000);
    round_trip(&export, &example);

    // An export from a server before reports and reactions were in it still reads.
    let mut older = example;
    let fields = older.as_object_mut().unwrap();
    fields.remove("reports");
    fields.remove("reactions");
    fields.remove("saved");
    let older: DataExport = serde_json::from_value(older).unwrap();
    assert!(older.reports.is_empty() && older.reactions.is_empty() && older.saved.is_empty());
}
