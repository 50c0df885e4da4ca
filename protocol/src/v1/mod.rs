//! Protocol version 1: WebSocket frames at `/v1/ws` and REST bodies under `/v1`.

mod client;
mod codes;
mod ids;
mod limits;
mod moderation;
mod rest;
mod safety;
mod server;
mod types;

pub use client::{ClientFrame, DecodeError};
pub use codes::{ErrorCode, close};
pub use ids::{MessageId, RoomId, UserId};
pub use limits::{
    LAST_MESSAGE_PREVIEW_CHARS, MAX_DISPLAY_NAME_CHARS, MAX_HISTORY_LIMIT, MAX_ID_LEN,
    MAX_REASON_CHARS, MAX_ROOM_NAME_CHARS, MAX_TOPIC_CHARS,
};
pub use moderation::{
    BanList, BanRequest, LeaveReason, MemberChanged, MemberRole, MembershipChange, RoomBan,
    RoomChanged, RoomDetails, SetRoleRequest, UpdateRoomRequest, WhoCanAdd,
};
pub use rest::{
    AddMemberRequest, ApiError, AuthResponse, CreateRoomRequest, CreateRoomResponse, Credentials,
    MemberList, MessagesPage, MuteRequest, RefreshRequest, RoomList, RoomMember, RoomSummary,
    SendMessageRequest, SendMessageResponse, UpdateProfileRequest, UserProfile,
};
pub use safety::{BlockList, BlockedUser, DeleteAccountRequest, Report, ReportList, ReportRequest};
pub use server::ServerFrame;
pub use types::{
    LastMessage, MemberReceipts, Message, PresenceStatus, ReceiptKind, RoomKind, RoomVisibility,
};

/// The WebSocket path of this protocol version.
pub const WS_PATH: &str = "/v1/ws";
