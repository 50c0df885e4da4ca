//! Saved messages ("save for later"): the user's own list of messages to find again,
//! on every device. Each device hears of a change as
//! [`ClientEvent::SavedChanged`](super::ClientEvent::SavedChanged); the list itself is
//! read from the server (it spans rooms this device may not hold).

use chat_protocol::v1::{MAX_SAVED_PAGE, SavedList};
use reqwest::Method;

use super::{ChatClient, ClientError};
use crate::cache::LocalMessage;

/// A message the user saved, with when they saved it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, tsify::Tsify),
    serde(rename_all = "camelCase")
)]
pub struct SavedItem {
    /// When the user saved it, ms since the epoch.
    pub saved_at: i64,
    /// The message in its current state; it names its room.
    pub message: LocalMessage,
}

/// A page of the user's saved messages, most recently saved first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, tsify::Tsify),
    serde(rename_all = "camelCase")
)]
pub struct SavedPage {
    /// The saved messages.
    pub saved: Vec<SavedItem>,
    /// Pass as `before` for the next page; `None` on the last one.
    pub next_before: Option<String>,
}

impl ChatClient {
    /// Saves a message of `room_id` (`saved: true`: saving again keeps the first time),
    /// or takes it out of the user's saved messages, on every device of the user.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not a member) or `not_found` (no such room, or no
    /// such message in it to save); `NotSignedIn`, `Network`.
    pub async fn save_message(
        &self,
        room_id: &str,
        message_id: &str,
        saved: bool,
    ) -> Result<(), ClientError> {
        let method = if saved { Method::PUT } else { Method::DELETE };
        let path = ["v1", "rooms", room_id, "messages", message_id, "saved"];
        let _: Option<serde_json::Value> = self.request(method, &path, None::<&()>).await?;
        Ok(())
    }

    /// The user's saved messages from the server, most recently saved first: up to
    /// `limit` (1 to 100), after the page whose `next_before` is `before`. Deleted
    /// messages and those of rooms the user left are not in it.
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Network`, `Server` (`invalid_request` for a bad `before`).
    pub async fn saved_messages(
        &self,
        before: Option<String>,
        limit: u32,
    ) -> Result<SavedPage, ClientError> {
        let mut url = self.endpoint(&["v1", "users", "me", "saved"])?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("limit", &limit.clamp(1, MAX_SAVED_PAGE).to_string());
            if let Some(before) = &before {
                pairs.append_pair("before", before);
            }
        }
        let list: Option<SavedList> = self.get(url).await?;
        let Some(list) = list else {
            return Ok(SavedPage {
                saved: Vec::new(),
                next_before: None,
            });
        };
        let me = self.shared.me().unwrap_or_default();
        Ok(SavedPage {
            saved: list
                .saved
                .into_iter()
                .map(|s| SavedItem {
                    saved_at: s.saved_at,
                    message: LocalMessage::from_server(s.message, &me),
                })
                .collect(),
            next_before: list.next_before,
        })
    }
}
