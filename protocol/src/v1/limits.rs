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

/// Most characters of a sign-in's device name (after trimming).
pub const MAX_DEVICE_NAME_CHARS: usize = 64;

/// Most characters of a room name (after trimming).
pub const MAX_ROOM_NAME_CHARS: usize = 100;

/// Most characters of a room topic.
pub const MAX_TOPIC_CHARS: usize = 500;

/// Most users one message may mention.
pub const MAX_MENTIONS: usize = 50;

/// Most attachments one message may carry.
pub const MAX_ATTACHMENTS: usize = 10;

/// Longest reaction emoji (or `:shortcode:`), in bytes of UTF-8.
pub const MAX_REACTION_BYTES: usize = 32;

/// Most user ids a message object lists per reaction emoji (the count stays exact).
pub const MAX_REACTION_USER_IDS: usize = 20;

/// Longest search query, in characters.
pub const MAX_SEARCH_QUERY_CHARS: usize = 200;

/// Most words a search query may have.
pub const MAX_SEARCH_WORDS: usize = 16;

/// Largest page of search results or thread replies.
pub const MAX_SEARCH_LIMIT: u32 = 50;

/// Most characters of the reason given for a ban or a report.
pub const MAX_REASON_CHARS: usize = 500;

/// Most push devices one user may have registered; registering one more forgets the
/// one registered longest ago (an app reinstalled many times leaves stale tokens).
pub const MAX_DEVICES_PER_USER: usize = 20;

/// Longest APNs or FCM device token, in bytes.
pub const MAX_PUSH_TOKEN_BYTES: usize = 4096;

/// Longest Web Push endpoint URL, in bytes.
pub const MAX_PUSH_ENDPOINT_BYTES: usize = 2048;
