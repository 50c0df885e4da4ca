//! Placing a room in the user's own list: a favorite (listed first), archived (set
//! aside, still counting unread messages), or back in the main list. The place is
//! the user's on every device: each hears of it as a `room_updated`.

use chat_protocol::v1::{PlacementRequest, RoomPlacement};
use reqwest::Method;

use super::{ChatClient, ClientError};

impl ChatClient {
    /// Makes `room_id` a favorite or archives it (`placement`), or puts it back in the
    /// main list with `None`. A placement replaces the one before; archiving does not
    /// mute. Every device of the user sees the room's `placement` change in its room
    /// list ([`ClientEvent::RoomListChanged`](super::ClientEvent::RoomListChanged)).
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not a member) or `not_found` (no such room);
    /// `NotSignedIn`, `Network`.
    pub async fn set_room_placement(
        &self,
        room_id: &str,
        placement: Option<RoomPlacement>,
    ) -> Result<(), ClientError> {
        let body = PlacementRequest { placement };
        let _: Option<serde_json::Value> = self
            .request(
                Method::PUT,
                &["v1", "rooms", room_id, "placement"],
                Some(&body),
            )
            .await?;
        Ok(())
    }
}
