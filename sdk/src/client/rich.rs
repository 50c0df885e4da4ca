//! Rich messages: reactions and pins (queued in the outbox like every change), threads,
//! pins and search from the server, and search over the cache offline.

use chat_protocol::v1::{MAX_SEARCH_LIMIT, MessagesPage, PinList, check_reaction_emoji};

use super::{ChatClient, ClientError};
use crate::cache::LocalMessage;
use crate::core::Change;

/// A page of search results from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, tsify::Tsify),
    serde(rename_all = "camelCase")
)]
pub struct SearchPage {
    /// Matching messages, newest first; each names its room and seq.
    pub messages: Vec<LocalMessage>,
    /// Pass as `before` for the next page; `None` on the last one.
    pub next_before: Option<String>,
}

/// A page of a thread: replies to one message, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, tsify::Tsify),
    serde(rename_all = "camelCase")
)]
pub struct ThreadPage {
    /// The replies, in seq order.
    pub messages: Vec<LocalMessage>,
    /// Whether more follow (page on with `after_seq` = the last reply's seq).
    pub has_more: bool,
}

impl ChatClient {
    /// Sets (`on`) or removes the user's reaction to a message (`message`: its server
    /// id, or the `client_msg_id` of one of the user's own messages still pending,
    /// which the reaction then waits for), online or offline: queued in the outbox,
    /// shown at once, sent in order. Returns the change's id.
    ///
    /// # Errors
    ///
    /// `Invalid` (not one emoji or `:shortcode:`), `NotSignedIn`, `Cache`, `Closed`; a
    /// refusal by the server arrives as [`super::ClientEvent::ChangeFailed`].
    pub fn react(
        &self,
        room_id: &str,
        message: &str,
        emoji: &str,
        on: bool,
    ) -> Result<String, ClientError> {
        check_reaction_emoji(emoji).map_err(|e| ClientError::Invalid(e.to_string()))?;
        self.queue_change(room_id, message, |target| Change::React {
            target,
            emoji: emoji.to_owned(),
            on,
        })
    }

    /// Pins or unpins a message (owners and admins of a group room, either member of a
    /// direct room), queued as [`Self::react`] is. Returns the change's id.
    ///
    /// # Errors
    ///
    /// As for [`Self::react`].
    pub fn pin(&self, room_id: &str, message: &str, pinned: bool) -> Result<String, ClientError> {
        self.queue_change(room_id, message, |target| Change::Pin { target, pinned })
    }

    /// The room's pinned messages, from the server, kept in the cache for
    /// [`Self::cached_pins`].
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not a member) or `not_found`; `NotSignedIn`,
    /// `Network`, `Cache`.
    pub async fn pins(&self, room_id: &str) -> Result<Vec<LocalMessage>, ClientError> {
        let url = self.endpoint(&["v1", "rooms", room_id, "pins"])?;
        let list: Option<PinList> = self.get(url).await?;
        let pins = list.map(|l| l.pins).unwrap_or_default();
        self.shared
            .cache
            .lock()
            .expect("cache lock")
            .store_pins(room_id, &pins)?;
        self.cached_pins(room_id)
    }

    /// The room's pinned messages as the cache holds them (the last [`Self::pins`],
    /// moved on by `message_pinned` events), most recently pinned first. Offline.
    ///
    /// # Errors
    ///
    /// `Cache`.
    pub fn cached_pins(&self, room_id: &str) -> Result<Vec<LocalMessage>, ClientError> {
        let me = self.shared.me().unwrap_or_default();
        Ok(self
            .shared
            .cache
            .lock()
            .expect("cache lock")
            .pinned_messages(room_id, &me)?)
    }

    /// The replies to a message (its thread) after `after_seq`, oldest first, from the
    /// server.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` or `not_found` (no such message in the room);
    /// `NotSignedIn`, `Network`.
    pub async fn replies(
        &self,
        room_id: &str,
        message_id: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<ThreadPage, ClientError> {
        let mut url =
            self.endpoint(&["v1", "rooms", room_id, "messages", message_id, "replies"])?;
        url.query_pairs_mut()
            .append_pair("after_seq", &after_seq.to_string())
            .append_pair("limit", &limit.clamp(1, MAX_SEARCH_LIMIT).to_string());
        let page: Option<MessagesPage> = self.get(url).await?;
        let Some(page) = page else {
            return Ok(ThreadPage {
                messages: Vec::new(),
                has_more: false,
            });
        };
        Ok(ThreadPage {
            messages: self.as_shown(page.messages),
            has_more: page.has_more,
        })
    }

    /// Searches the server for messages containing every word of `query` (each as the
    /// start of a word; punctuation is never syntax) in the user's rooms, or in
    /// `room_id` only; newest first, `limit` at most 50, after the `before` of the
    /// previous page.
    ///
    /// # Errors
    ///
    /// `Invalid` (no words, too many, too long), `Server` (`forbidden` for a room the
    /// user is not in), `NotSignedIn`, `Network`.
    pub async fn search_messages(
        &self,
        query: &str,
        room_id: Option<String>,
        before: Option<String>,
        limit: u32,
    ) -> Result<SearchPage, ClientError> {
        chat_protocol::v1::search_words(query).map_err(|e| ClientError::Invalid(e.to_string()))?;
        let mut url = self.endpoint(&["v1", "search", "messages"])?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs
                .append_pair("q", query)
                .append_pair("limit", &limit.clamp(1, MAX_SEARCH_LIMIT).to_string());
            if let Some(room_id) = &room_id {
                pairs.append_pair("room_id", room_id);
            }
            if let Some(before) = &before {
                pairs.append_pair("before", before);
            }
        }
        let results: Option<chat_protocol::v1::SearchResults> = self.get(url).await?;
        let Some(results) = results else {
            return Ok(SearchPage {
                messages: Vec::new(),
                next_before: None,
            });
        };
        Ok(SearchPage {
            messages: self.as_shown(results.messages),
            next_before: results.next_before.map(|id| id.to_string()),
        })
    }

    /// Searches the cache, offline, with the same rules as [`Self::search_messages`]:
    /// messages that are held locally and not deleted, newest first.
    ///
    /// # Errors
    ///
    /// `Invalid` (no words, too many, too long), `Cache`.
    pub fn search_local(
        &self,
        query: &str,
        room_id: Option<String>,
        limit: u32,
    ) -> Result<Vec<LocalMessage>, ClientError> {
        let me = self.shared.me().unwrap_or_default();
        let cache = self.shared.cache.lock().expect("cache lock");
        match cache.search(query, room_id.as_deref(), limit.clamp(1, 200), &me) {
            Err(crate::cache::CacheError::Query(why)) => Err(ClientError::Invalid(why)),
            other => Ok(other?),
        }
    }

    /// Messages the server sent outside the timeline, as the app shows them.
    fn as_shown(&self, messages: Vec<chat_protocol::v1::Message>) -> Vec<LocalMessage> {
        let me = self.shared.me().unwrap_or_default();
        messages
            .into_iter()
            .map(|m| LocalMessage::from_server(m, &me))
            .collect()
    }
}
