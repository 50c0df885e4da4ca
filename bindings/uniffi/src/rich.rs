//! Replies, mentions, reactions, pins, search and saved messages for Kotlin and Swift:
//! each method delegates to the SDK.

use chat_sdk::cache::LocalMessage;
use chat_sdk::{SavedPage, SearchPage, ThreadPage};

use crate::client::ChatClient;
use crate::error::ChatError;
use crate::runtime::on_runtime;

type Result<T, E = ChatError> = std::result::Result<T, E>;

#[uniffi::export]
impl ChatClient {
    /// Sends a message that replies to `reply_to` (a message id of the room) and
    /// mentions `mentions` (member user ids), persisted and delivered like any send.
    pub fn send_message_with(
        &self,
        room_id: String,
        content: String,
        reply_to: Option<String>,
        mentions: Vec<String>,
    ) -> Result<LocalMessage> {
        Ok(self
            .inner
            .send_message_with(&room_id, &content, reply_to, mentions)?)
    }

    /// Sets (`on`) or removes a reaction, online or offline; returns the change's id.
    /// `Invalid` when `emoji` is not one emoji or a `:shortcode:`.
    pub fn react(
        &self,
        room_id: String,
        message: String,
        emoji: String,
        on: bool,
    ) -> Result<String> {
        Ok(self.inner.react(&room_id, &message, &emoji, on)?)
    }

    /// Pins or unpins a message, online or offline; returns the change's id.
    pub fn pin(&self, room_id: String, message: String, pinned: bool) -> Result<String> {
        Ok(self.inner.pin(&room_id, &message, pinned)?)
    }

    /// The room's pinned messages from the server (kept for `cached_pins`).
    pub async fn pins(&self, room_id: String) -> Result<Vec<LocalMessage>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.pins(&room_id).await }).await
    }

    /// The room's pinned messages as cached, offline.
    pub fn cached_pins(&self, room_id: String) -> Result<Vec<LocalMessage>> {
        Ok(self.inner.cached_pins(&room_id)?)
    }

    /// A page of the replies to a message, oldest first.
    pub async fn replies(
        &self,
        room_id: String,
        message_id: String,
        after_seq: u64,
        limit: u32,
    ) -> Result<ThreadPage> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.replies(&room_id, &message_id, after_seq, limit).await })
            .await
    }

    /// Searches the server: messages with every word of `query`, newest first.
    pub async fn search_messages(
        &self,
        query: String,
        room_id: Option<String>,
        before: Option<String>,
        limit: u32,
    ) -> Result<SearchPage> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.search_messages(&query, room_id, before, limit).await }).await
    }

    /// Searches the cache, offline, with the same rules.
    pub fn search_local(
        &self,
        query: String,
        room_id: Option<String>,
        limit: u32,
    ) -> Result<Vec<LocalMessage>> {
        Ok(self.inner.search_local(&query, room_id, limit)?)
    }

    /// Saves a message (`saved = true`) or takes it out of the user's saved messages, on
    /// every device of the user (`ClientEvent.SavedChanged`).
    pub async fn save_message(
        &self,
        room_id: String,
        message_id: String,
        saved: bool,
    ) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.save_message(&room_id, &message_id, saved).await }).await
    }

    /// The user's saved messages from the server, most recently saved first; `before` is
    /// the previous page's `nextBefore`.
    pub async fn saved_messages(&self, before: Option<String>, limit: u32) -> Result<SavedPage> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.saved_messages(before, limit).await }).await
    }
}
