//! The values JavaScript sees, as TypeScript-typed plain objects (tsify): camelCase
//! fields, string unions for enums, and events as a union tagged by `type`.

use chat_protocol::v1::PresenceStatus;
use chat_sdk::ClientEvent;
use chat_sdk::cache::{LocalMessage, MessageStatus as SdkStatus};
use chat_sdk::core::ConnectionState as SdkState;
use serde::{Deserialize, Serialize};
use tsify::Tsify;

/// A signed-in user. Keep it (for example in `localStorage`) to sign in again without
/// a password.
#[derive(Clone, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub user_id: String,
    pub token: String,
    /// Expiry, ms since the epoch.
    pub expires_at: i64,
    /// With the server's built-in accounts: the single-use token the client renews the
    /// session with (it then emits `sessionRenewed`; store that session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub refresh_token: Option<String>,
    /// When `refreshToken` expires, ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub refresh_expires_at: Option<i64>,
}

// Tokens stay out of logs.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl From<chat_sdk::Session> for Session {
    fn from(s: chat_sdk::Session) -> Self {
        Self {
            user_id: s.user_id,
            token: s.token,
            expires_at: s.expires_at,
            refresh_token: s.refresh_token,
            refresh_expires_at: s.refresh_expires_at,
        }
    }
}

impl From<Session> for chat_sdk::Session {
    fn from(s: Session) -> Self {
        Self {
            user_id: s.user_id,
            token: s.token,
            expires_at: s.expires_at,
            refresh_token: s.refresh_token,
            refresh_expires_at: s.refresh_expires_at,
        }
    }
}

/// Where one of the user's messages stands.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum MessageStatus {
    /// In the outbox: shown with a clock.
    Pending,
    /// Stored by the server: one tick.
    Sent,
    /// On another member's device: two ticks.
    Delivered,
    /// Read by another member: two ticks in colour.
    Read,
    /// Refused for good; retry or cancel.
    Failed { code: String, message: String },
}

impl From<SdkStatus> for MessageStatus {
    fn from(s: SdkStatus) -> Self {
        match s {
            SdkStatus::Pending => Self::Pending,
            SdkStatus::Sent => Self::Sent,
            SdkStatus::Delivered => Self::Delivered,
            SdkStatus::Read => Self::Read,
            SdkStatus::Failed { code, message } => Self::Failed {
                code: code.as_str().to_owned(),
                message,
            },
        }
    }
}

/// A message as a page shows it. Render `content` as text (`textContent`), never as
/// HTML.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub room_id: String,
    /// The room's sequence number, once the server has stored it.
    pub seq: Option<u64>,
    pub message_id: Option<String>,
    pub client_msg_id: String,
    pub sender_id: String,
    pub content: String,
    /// ms since the epoch.
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted: bool,
    pub status: MessageStatus,
}

impl From<LocalMessage> for Message {
    fn from(m: LocalMessage) -> Self {
        Self {
            room_id: m.room_id,
            seq: m.seq,
            message_id: m.message_id,
            client_msg_id: m.client_msg_id,
            sender_id: m.sender_id,
            content: m.content,
            created_at: m.created_at,
            edited_at: m.edited_at,
            deleted: m.deleted,
            status: m.status.into(),
        }
    }
}

/// Messages, for methods that return several.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(transparent)]
pub struct Messages(pub Vec<Message>);

/// The connection as a page shows it (an offline banner).
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(
    tag = "state",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ConnectionState {
    Disconnected,
    Connecting {
        attempt: u32,
    },
    Connected,
    /// Waiting `delayMs` before the next attempt (or the browser's `online` event).
    Reconnecting {
        attempt: u32,
        delay_ms: u64,
        reason: String,
    },
    /// The token was refused: sign in again.
    NeedsToken {
        reason: String,
    },
}

impl From<SdkState> for ConnectionState {
    fn from(s: SdkState) -> Self {
        match s {
            SdkState::Disconnected => Self::Disconnected,
            SdkState::Connecting { attempt } => Self::Connecting { attempt },
            SdkState::Connected => Self::Connected,
            SdkState::Reconnecting {
                attempt,
                delay_ms,
                reason,
            } => Self::Reconnecting {
                attempt,
                delay_ms,
                reason: reason.to_string(),
            },
            SdkState::NeedsToken(reason) => Self::NeedsToken {
                reason: reason.to_string(),
            },
        }
    }
}

/// Something changed; the cache already holds it, so a page may simply read again.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ChatEvent {
    Connection {
        state: ConnectionState,
    },
    /// A message arrived or changed (edited, deleted).
    Message {
        message: Message,
    },
    /// One of the user's messages moved on; `status` is null when it was cancelled.
    Status {
        room_id: String,
        client_msg_id: String,
        status: Option<MessageStatus>,
    },
    Typing {
        room_id: String,
        user_id: String,
        is_typing: bool,
    },
    /// A member's `delivered` or `read` position advanced.
    Receipt {
        room_id: String,
        user_id: String,
        seq: u64,
        kind: String,
    },
    Presence {
        user_id: String,
        online: bool,
        last_seen: Option<i64>,
    },
    RoomJoined {
        room_id: String,
        last_seq: u64,
    },
    /// Older messages reached the cache.
    HistoryLoaded {
        room_id: String,
        count: u32,
        has_more: bool,
    },
    /// The client renewed the session with its refresh token: store this session in
    /// place of the old one (whose refresh token is used up).
    SessionRenewed {
        session: Session,
    },
    /// A request other than a send was refused.
    Error {
        code: String,
        message: String,
        reference: Option<String>,
    },
}

impl From<ClientEvent> for ChatEvent {
    fn from(e: ClientEvent) -> Self {
        match e {
            ClientEvent::Connection(state) => Self::Connection {
                state: state.into(),
            },
            ClientEvent::Message(message) => Self::Message {
                message: message.into(),
            },
            ClientEvent::Status {
                room_id,
                client_msg_id,
                status,
            } => Self::Status {
                room_id,
                client_msg_id,
                status: status.map(Into::into),
            },
            ClientEvent::Typing {
                room_id,
                user_id,
                is_typing,
            } => Self::Typing {
                room_id,
                user_id,
                is_typing,
            },
            ClientEvent::Receipt {
                room_id,
                user_id,
                seq,
                kind,
            } => Self::Receipt {
                room_id,
                user_id,
                seq,
                kind: kind.as_str().to_owned(),
            },
            ClientEvent::Presence {
                user_id,
                status,
                last_seen,
            } => Self::Presence {
                user_id,
                online: status == PresenceStatus::Online,
                last_seen,
            },
            ClientEvent::RoomJoined { room_id, last_seq } => Self::RoomJoined { room_id, last_seq },
            ClientEvent::HistoryLoaded {
                room_id,
                count,
                has_more,
            } => Self::HistoryLoaded {
                room_id,
                count: u32::try_from(count).unwrap_or(u32::MAX),
                has_more,
            },
            ClientEvent::SessionRenewed(session) => Self::SessionRenewed {
                session: session.into(),
            },
            ClientEvent::Error {
                code,
                message,
                reference,
            } => Self::Error {
                code: code.as_str().to_owned(),
                message,
                reference,
            },
        }
    }
}

/// A room in a list.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RoomSummary {
    pub room_id: String,
    pub name: String,
    /// `public`, `private` or `direct`.
    pub visibility: String,
    pub last_seq: u64,
    pub created_at: i64,
}

impl From<chat_protocol::v1::RoomSummary> for RoomSummary {
    fn from(r: chat_protocol::v1::RoomSummary) -> Self {
        Self {
            room_id: r.room_id,
            name: r.name,
            visibility: r.visibility.as_str().to_owned(),
            last_seq: r.last_seq,
            created_at: r.created_at,
        }
    }
}

/// Rooms, for methods that return several.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(transparent)]
pub struct Rooms(pub Vec<RoomSummary>);

/// A user as others see them: the id messages carry and the name to show.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub user_id: String,
    pub username: String,
}

impl From<chat_protocol::v1::UserProfile> for UserProfile {
    fn from(u: chat_protocol::v1::UserProfile) -> Self {
        Self {
            user_id: u.user_id,
            username: u.username,
        }
    }
}

/// Users, for methods that return several.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(transparent)]
pub struct Users(pub Vec<UserProfile>);
