//! Protocol version 1: WebSocket frames at `/v1/ws` and REST bodies under `/v1`.

mod client;
mod codes;
mod ids;
mod limits;
mod rest;
mod server;
mod types;

pub use client::{ClientFrame, DecodeError};
pub use codes::{ErrorCode, close};
pub use ids::{MessageId, RoomId, UserId};
pub use limits::{MAX_HISTORY_LIMIT, MAX_ID_LEN};
pub use rest::{
    AddMemberRequest, ApiError, AuthResponse, CreateRoomRequest, CreateRoomResponse, Credentials,
    MemberList, MessagesPage, RefreshRequest, RoomList, RoomSummary, SendMessageRequest,
    SendMessageResponse, UserProfile,
};
pub use server::ServerFrame;
pub use types::{MemberReceipts, Message, PresenceStatus, ReceiptKind, RoomVisibility};

/// The WebSocket path of this protocol version.
pub const WS_PATH: &str = "/v1/ws";
