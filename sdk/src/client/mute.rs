//! Muting a room: its messages still arrive and count as unread, but send no
//! notification to this user's devices (unless one mentions them, if they keep that).

use chat_protocol::v1::MuteRequest;
use reqwest::Method;

use super::{ChatClient, ClientError};

impl ChatClient {
    /// Mutes `room_id` until `until` (milliseconds since the epoch; a far-future time
    /// mutes for good), or unmutes it with `None`. With `mentions`, a message that
    /// mentions the user still notifies them meanwhile. Every device of the user sees
    /// the room's `muted` change in its room list.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not a member) or `invalid_request` (a negative time);
    /// `NotSignedIn`, `Network`.
    pub async fn set_mute(
        &self,
        room_id: &str,
        until: Option<i64>,
        mentions: bool,
    ) -> Result<(), ClientError> {
        let body = MuteRequest {
            until,
            mentions: Some(mentions),
        };
        let _: Option<serde_json::Value> = self
            .request(Method::PUT, &["v1", "rooms", room_id, "mute"], Some(&body))
            .await?;
        Ok(())
    }
}
