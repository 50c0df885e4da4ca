//! Limits that are part of the protocol itself (not server configuration).

/// Longest identifier (user, room, message id) the server accepts, in bytes.
///
/// Ids minted by the server are UUIDs; ids from an external auth service
/// (`sub` claims) may be any string up to this length.
pub const MAX_ID_LEN: usize = 128;

/// Largest page a `history` request or REST message page may ask for.
pub const MAX_HISTORY_LIMIT: u32 = 200;

/// Most characters of a message's text that a room list's `last_message` carries.
pub const LAST_MESSAGE_PREVIEW_CHARS: usize = 200;

/// Most characters of a display name (after trimming).
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;

/// Most characters of a room name (after trimming).
pub const MAX_ROOM_NAME_CHARS: usize = 100;

/// Most characters of a room topic.
pub const MAX_TOPIC_CHARS: usize = 500;

/// Most characters of the reason given for a ban or a report.
pub const MAX_REASON_CHARS: usize = 500;
