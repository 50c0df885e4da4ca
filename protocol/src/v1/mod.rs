//! Protocol version 1: WebSocket frames at `/v1/ws` and REST bodies under `/v1`.

mod attachments;
mod client;
mod codes;
mod emoji;
mod export;
mod ids;
mod invites;
mod limits;
mod moderation;
mod password_reset;
mod push;
mod rest;
mod rich;
mod safety;
mod saved;
mod search;
mod server;
mod sign_ins;
mod types;

pub use attachments::{
    Attachment, AttachmentLinks, IMAGE_MIME_TYPES, OTHER_MIME_TYPE, THUMBNAIL_MEDIUM_PX,
    THUMBNAIL_SMALL_PX, ThumbnailSize,
};
pub use client::{ClientFrame, DecodeError};
pub use codes::{ErrorCode, close};
pub use emoji::{EmojiError, check_reaction_emoji};
pub use export::{DataExport, ExportedReaction, ExportedRoom, ExportedSave};
pub use ids::{AttachmentId, MessageId, RoomId, UserId};
pub use invites::{CreateInviteRequest, InviteList, InvitePreview, JoinedRoom, RoomInvite};
pub use limits::{
    LAST_MESSAGE_PREVIEW_CHARS, MAX_ATTACHMENTS, MAX_DEVICE_NAME_CHARS, MAX_DEVICES_PER_USER,
    MAX_DISPLAY_NAME_CHARS, MAX_HISTORY_LIMIT, MAX_ID_LEN, MAX_MENTIONS, MAX_PUSH_ENDPOINT_BYTES,
    MAX_PUSH_TOKEN_BYTES, MAX_REACTION_BYTES, MAX_REACTION_USER_IDS, MAX_REASON_CHARS,
    MAX_ROOM_NAME_CHARS, MAX_SEARCH_LIMIT, MAX_SEARCH_QUERY_CHARS, MAX_SEARCH_WORDS,
    MAX_TOPIC_CHARS,
};
pub use moderation::{
    BanList, BanRequest, LeaveReason, MemberChanged, MemberRole, MembershipChange, RoomBan,
    RoomChanged, RoomDetails, SetRoleRequest, UpdateRoomRequest, WhoCanAdd,
};
pub use password_reset::{PasswordReset, PasswordResetGrant};
pub use push::{
    Device, DeviceList, PushEnvironment, PushPlatform, RegisterDeviceRequest, VapidPublicKey,
    WebPushKeys, WebPushSubscription,
};
pub use rest::{
    AddMemberRequest, ApiError, AuthResponse, CreateRoomRequest, CreateRoomResponse, Credentials,
    LogoutRequest, MarkUnreadRequest, MemberList, MessagesPage, MuteRequest, PasswordChange,
    PlacementRequest, RefreshRequest, RoomList, RoomMember, RoomSummary, SendMessageRequest,
    SendMessageResponse, UpdateProfileRequest, UserProfile,
};
pub use rich::{MessagePinned, PinList, PinnedMessage, Reaction, ReactionCount, SearchResults};
pub use safety::{BlockList, BlockedUser, DeleteAccountRequest, Report, ReportList, ReportRequest};
pub use saved::{MAX_SAVED_PAGE, SavedList, SavedMessage};
pub use search::{SearchQueryError, fts5_match, search_words};
pub use server::ServerFrame;
pub use sign_ins::{EndedSignIns, SignIn, SignInList};
pub use types::{
    LastMessage, MemberReceipts, Message, PresenceStatus, ReceiptKind, RoomKind, RoomPlacement,
    RoomVisibility,
};

/// The WebSocket path of this protocol version.
pub const WS_PATH: &str = "/v1/ws";
