//! Records and enums as Kotlin and Swift see them, converted from the SDK's types.

use chat_sdk::ClientEvent;
use chat_sdk::cache::{LocalMessage, MessageStatus as SdkStatus};
use chat_sdk::core::ConnectionState as SdkState;

/// A signed-in user. Keep it in the platform's secure storage.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Session {
    /// The user's id.
    pub user_id: String,
    /// The access token.
    pub token: String,
    /// Expiry, ms since the epoch.
    pub expires_at: i64,
    /// With the server's built-in accounts: the single-use token the client renews the
    /// session with (it then sends `Event.SessionRenewed`; store that session).
    pub refresh_token: Option<String>,
    /// When `refresh_token` expires, ms since the epoch.
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

/// Where one of the user's own messages stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum MessageStatus {
    /// In the outbox.
    Pending,
    /// Stored by the server.
    Sent,
    /// Received by another member's device.
    Delivered,
    /// Read by another member.
    Read,
    /// Refused for good; retry or cancel.
    Failed {
        /// The server's code.
        code: String,
        /// The server's explanation.
        message: String,
    },
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

/// A message as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Message {
    /// The room.
    pub room_id: String,
    /// The room seq, once stored.
    pub seq: Option<u64>,
    /// The server's id, once stored.
    pub message_id: Option<String>,
    /// The client's id.
    pub client_msg_id: String,
    /// The author.
    pub sender_id: String,
    /// The text (render it as text, never as markup).
    pub content: String,
    /// ms since the epoch.
    pub created_at: i64,
    /// Latest edit, ms since the epoch.
    pub edited_at: Option<i64>,
    /// Deleted by its sender.
    pub deleted: bool,
    /// Status of the user's own messages.
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

/// The connection as the app shows it (an offline banner, a spinner).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ConnectionState {
    /// Not connected and not trying.
    Disconnected,
    /// Opening or authenticating.
    Connecting {
        /// Attempts since the last stable connection.
        attempt: u32,
    },
    /// Connected and in sync.
    Connected,
    /// Waiting before the next attempt.
    Reconnecting {
        /// The attempt that will follow.
        attempt: u32,
        /// The wait.
        delay_ms: u64,
        /// Why the previous connection ended.
        reason: String,
    },
    /// The token was refused: sign in again (or the token provider is asked).
    NeedsToken {
        /// Why.
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

/// Something that changed; the cache already holds it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Event {
    /// The connection state changed.
    Connection {
        /// The new state.
        state: ConnectionState,
    },
    /// A message arrived or changed.
    Message {
        /// The message.
        message: Message,
    },
    /// One of the user's messages moved on; `status` is `None` when it was cancelled.
    Status {
        /// The room.
        room_id: String,
        /// The message.
        client_msg_id: String,
        /// Its status.
        status: Option<MessageStatus>,
    },
    /// Someone started or stopped typing.
    Typing {
        /// The room.
        room_id: String,
        /// Who.
        user_id: String,
        /// Typing or not.
        is_typing: bool,
    },
    /// A member's delivered or read position advanced.
    Receipt {
        /// The room.
        room_id: String,
        /// Whose.
        user_id: String,
        /// Up to which seq.
        seq: u64,
        /// `delivered` or `read`.
        kind: String,
    },
    /// A room-mate came online or went offline.
    Presence {
        /// Who.
        user_id: String,
        /// Online or not.
        online: bool,
        /// Last seen (offline only), ms since the epoch.
        last_seen: Option<i64>,
    },
    /// A room is joined on the current connection.
    RoomJoined {
        /// The room.
        room_id: String,
        /// Its last seq then.
        last_seq: u64,
    },
    /// Older messages were stored in the cache.
    HistoryLoaded {
        /// The room.
        room_id: String,
        /// How many.
        count: u32,
        /// Whether older ones exist.
        has_more: bool,
    },
    /// The client renewed the session with its refresh token: store this session in
    /// place of the old one (whose refresh token is used up).
    SessionRenewed {
        /// The new session.
        session: Session,
    },
    /// A request other than a send was refused.
    Error {
        /// The code.
        code: String,
        /// The explanation.
        message: String,
        /// The room or message concerned.
        reference: Option<String>,
    },
}

impl From<ClientEvent> for Event {
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
                online: status == chat_protocol::v1::PresenceStatus::Online,
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

/// Who may join a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RoomVisibility {
    /// Anyone signed in.
    Public,
    /// Members, and whoever they add.
    Private,
    /// Exactly two users.
    Direct,
}

impl From<RoomVisibility> for chat_protocol::v1::RoomVisibility {
    fn from(v: RoomVisibility) -> Self {
        match v {
            RoomVisibility::Public => Self::Public,
            RoomVisibility::Private => Self::Private,
            RoomVisibility::Direct => Self::Direct,
        }
    }
}

impl From<chat_protocol::v1::RoomVisibility> for RoomVisibility {
    fn from(v: chat_protocol::v1::RoomVisibility) -> Self {
        match v {
            chat_protocol::v1::RoomVisibility::Public => Self::Public,
            chat_protocol::v1::RoomVisibility::Private => Self::Private,
            chat_protocol::v1::RoomVisibility::Direct => Self::Direct,
        }
    }
}

/// A room in a list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RoomSummary {
    /// The room.
    pub room_id: String,
    /// Its name.
    pub name: String,
    /// Who may join.
    pub visibility: RoomVisibility,
    /// Its highest seq.
    pub last_seq: u64,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
}

impl From<chat_protocol::v1::RoomSummary> for RoomSummary {
    fn from(r: chat_protocol::v1::RoomSummary) -> Self {
        Self {
            room_id: r.room_id,
            name: r.name,
            visibility: r.visibility.into(),
            last_seq: r.last_seq,
            created_at: r.created_at,
        }
    }
}

/// A user as others see them: the id messages carry and the name to show for it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UserProfile {
    /// The user's id.
    pub user_id: String,
    /// The user's name.
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
