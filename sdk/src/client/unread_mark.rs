//! Marking a room unread ("mark as unread" in a room list): the user's own, on every
//! device, until they read the room. Each device hears of the mark as a `room_updated`.

use chat_protocol::v1::MarkUnreadRequest;
use reqwest::Method;

use super::{ChatClient, ClientError};

impl ChatClient {
    /// Marks `room_id` unread (`unread: true`), or takes the mark away. The mark shows
    /// as `marked_unread` on the room's summary on every device of the user
    /// ([`ClientEvent::RoomListChanged`](super::ClientEvent::RoomListChanged)); it does
    /// not change the unread count. Reading the room ([`ChatClient::mark_read`], on any
    /// device, also up to a message read before) takes it away.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not a member) or `not_found` (no such room);
    /// `NotSignedIn`, `Network`.
    pub async fn mark_room_unread(&self, room_id: &str, unread: bool) -> Result<(), ClientError> {
        let body = MarkUnreadRequest { unread };
        let _: Option<serde_json::Value> = self
            .request(
                Method::PUT,
                &["v1", "rooms", room_id, "unread"],
                Some(&body),
            )
            .await?;
        Ok(())
    }
}
