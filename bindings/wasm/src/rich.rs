//! Replies, mentions, reactions, pins, threads, search and saved messages for
//! JavaScript: each method delegates to the SDK.

use chat_sdk::cache::LocalMessage;
use chat_sdk::{SavedPage, SearchPage, ThreadPage};
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::client::{ChatClient, seq_arg, typed, typed_all};
use crate::error::to_js;

type Result<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen]
impl ChatClient {
    /// Sends a message that replies to `replyTo` (a message id of the room) and
    /// mentions `mentions` (member user ids); otherwise like `sendMessage`.
    #[wasm_bindgen(js_name = sendMessageWith)]
    pub async fn send_message_with(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        content: String,
        #[wasm_bindgen(js_name = replyTo)] reply_to: Option<String>,
        mentions: Vec<String>,
    ) -> Result<Ts<LocalMessage>> {
        let echo = self
            .inner
            .send_message_with(&room_id, &content, reply_to, mentions)
            .map_err(to_js)?;
        self.inner.persisted().await.map_err(to_js)?;
        typed(&echo)
    }

    /// Sets (`on`) or removes the user's reaction, online or offline (queued, shown at
    /// once); resolves to the change's id once it is stored. `kind: "invalid_argument"`
    /// when `emoji` is not one emoji or a `:shortcode:`.
    pub async fn react(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = messageId)] message_id: String,
        emoji: String,
        on: bool,
    ) -> Result<String> {
        let id = self
            .inner
            .react(&room_id, &message_id, &emoji, on)
            .map_err(to_js)?;
        self.inner.persisted().await.map_err(to_js)?;
        Ok(id)
    }

    /// Pins or unpins a message (owners and admins), online or offline; resolves to the
    /// change's id once it is stored.
    pub async fn pin(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = messageId)] message_id: String,
        pinned: bool,
    ) -> Result<String> {
        let id = self
            .inner
            .pin(&room_id, &message_id, pinned)
            .map_err(to_js)?;
        self.inner.persisted().await.map_err(to_js)?;
        Ok(id)
    }

    /// The room's pinned messages from the server, newest pin first (kept for
    /// `cachedPins`).
    pub async fn pins(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
    ) -> Result<Vec<Ts<LocalMessage>>> {
        typed_all(self.inner.pins(&room_id).await.map_err(to_js)?)
    }

    /// The room's pinned messages as cached, offline.
    #[wasm_bindgen(js_name = cachedPins)]
    pub fn cached_pins(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
    ) -> Result<Vec<Ts<LocalMessage>>> {
        typed_all(self.inner.cached_pins(&room_id).map_err(to_js)?)
    }

    /// A page of the replies to a message, oldest first, after `afterSeq` (0: from the
    /// start).
    pub async fn replies(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = messageId)] message_id: String,
        #[wasm_bindgen(js_name = afterSeq)] after_seq: f64,
        limit: u32,
    ) -> Result<Ts<ThreadPage>> {
        let after_seq = seq_arg("afterSeq", after_seq)?;
        let page = self
            .inner
            .replies(&room_id, &message_id, after_seq, limit)
            .await;
        typed(&page.map_err(to_js)?)
    }

    /// Searches the server: messages of the user's rooms (or of `roomId`) holding every
    /// word of `query`, newest first; `before` is the previous page's `nextBefore`.
    #[wasm_bindgen(js_name = searchMessages)]
    pub async fn search_messages(
        &self,
        query: String,
        #[wasm_bindgen(js_name = roomId)] room_id: Option<String>,
        before: Option<String>,
        limit: u32,
    ) -> Result<Ts<SearchPage>> {
        let page = self
            .inner
            .search_messages(&query, room_id, before, limit)
            .await;
        typed(&page.map_err(to_js)?)
    }

    /// Searches the cache, offline: the same matching as `searchMessages`, over what
    /// this device holds.
    #[wasm_bindgen(js_name = searchLocal)]
    pub fn search_local(
        &self,
        query: String,
        #[wasm_bindgen(js_name = roomId)] room_id: Option<String>,
        limit: u32,
    ) -> Result<Vec<Ts<LocalMessage>>> {
        typed_all(
            self.inner
                .search_local(&query, room_id, limit)
                .map_err(to_js)?,
        )
    }

    /// Saves a message (`saved` true) or takes it out of the user's saved messages, on
    /// every device of the user (a `savedChanged` event on each).
    #[wasm_bindgen(js_name = saveMessage)]
    pub async fn save_message(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = messageId)] message_id: String,
        saved: bool,
    ) -> Result<()> {
        self.inner
            .save_message(&room_id, &message_id, saved)
            .await
            .map_err(to_js)
    }

    /// The user's saved messages from the server, most recently saved first; `before` is
    /// the previous page's `nextBefore`.
    #[wasm_bindgen(js_name = savedMessages)]
    pub async fn saved_messages(
        &self,
        before: Option<String>,
        limit: u32,
    ) -> Result<Ts<SavedPage>> {
        let page = self.inner.saved_messages(before, limit).await;
        typed(&page.map_err(to_js)?)
    }
}
