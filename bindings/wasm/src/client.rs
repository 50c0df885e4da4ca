//! `ChatClient` for JavaScript: each method delegates to the SDK and hands its values
//! to JavaScript as the objects their TypeScript declarations describe.

use chat_protocol::v1::{RoomPlacement, RoomVisibility};
use chat_sdk::cache::LocalMessage;
use chat_sdk::core::ConnectionState;
use chat_sdk::{ClientConfig, Session};
use wasm_bindgen::prelude::*;

use tsify::{Ts, Tsify};

use crate::convert::{RoomMember, RoomSummary, UserProfile};
use crate::error::{bad_argument, to_js};
use crate::subscription::{Listener, Subscription};
use crate::token_provider::JsTokenProvider;

type Result<T> = std::result::Result<T, JsValue>;

/// A chat client: one connection and one cache (one IndexedDB-backed database per
/// signed-in user, named by `open`).
#[wasm_bindgen]
#[derive(Debug)]
pub struct ChatClient {
    pub(crate) inner: chat_sdk::ChatClient,
}

#[wasm_bindgen]
impl ChatClient {
    /// Opens the cache `database` (kept in IndexedDB; `undefined`: in memory) for the
    /// server at `serverUrl` (e.g. `location.origin`). Not connected yet. Messages left
    /// unsent on an earlier visit go out once connected.
    pub async fn open(
        #[wasm_bindgen(js_name = serverUrl)] server_url: String,
        database: Option<String>,
    ) -> Result<ChatClient> {
        let config = ClientConfig::new(server_url, database.map(Into::into));
        let inner = chat_sdk::ChatClient::open_in_browser(config)
            .await
            .map_err(to_js)?;
        Ok(Self { inner })
    }

    /// Creates an account and signs in.
    pub async fn register(&self, username: String, password: String) -> Result<Ts<Session>> {
        let session = self.inner.register(&username, &password).await;
        typed(&session.map_err(to_js)?)
    }

    /// Signs in.
    pub async fn login(&self, username: String, password: String) -> Result<Ts<Session>> {
        let session = self.inner.login(&username, &password).await;
        typed(&session.map_err(to_js)?)
    }

    /// Uses a stored session. With a refresh token, the client renews it by itself
    /// before the access token expires (and emits `sessionRenewed`); otherwise call
    /// this again with a fresh token: the live connection is renewed without
    /// reconnecting.
    #[wasm_bindgen(js_name = setSession)]
    pub fn set_session(&self, session: Ts<Session>) -> Result<()> {
        let session: Session = session.to_rust().map_err(|e| bad_argument("session", e))?;
        self.inner.set_session(&session).map_err(to_js)
    }

    /// For an external auth service: `provider` returns a fresh access token (or a
    /// Promise of one; `undefined` when the user must sign in again). It is called
    /// ahead of the token's expiry (the live connection is renewed, no reconnect),
    /// after a refusal, and on `connect` without a token. Takes precedence over the
    /// built-in refresh.
    #[wasm_bindgen(js_name = setTokenProvider)]
    pub fn set_token_provider(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "() => Promise<string | undefined> | string | undefined"
        )]
        provider: js_sys::Function,
    ) {
        self.inner
            .set_token_provider(std::sync::Arc::new(JsTokenProvider(provider)));
    }

    /// The newest session (the one set, or what the client renewed it to): store this
    /// when the page is hidden. `undefined` before a sign-in and after sign-out.
    #[wasm_bindgen(js_name = currentSession)]
    pub fn current_session(&self) -> Result<Option<Ts<Session>>> {
        self.inner
            .current_session()
            .map(|session| typed(&session))
            .transpose()
    }

    /// Trades a refresh token for the next session (changes nothing locally; see
    /// `setSession`). A `ChatError` with code `unauthorized`: sign in again.
    #[wasm_bindgen(js_name = refreshSession)]
    pub async fn refresh_session(&self, refresh_token: String) -> Result<Ts<Session>> {
        let session = self.inner.refresh_session(&refresh_token).await;
        typed(&session.map_err(to_js)?)
    }

    /// Signs out on the server (revokes the sign-in's refresh tokens) and disconnects.
    #[wasm_bindgen(js_name = signOut)]
    pub async fn sign_out(&self, refresh_token: String) -> Result<()> {
        self.inner.sign_out(&refresh_token).await.map_err(to_js)
    }

    /// Creates a room (`visibility`: `public`, `private` or `direct`) and returns its id.
    #[wasm_bindgen(js_name = createRoom)]
    pub async fn create_room(
        &self,
        name: String,
        visibility: Ts<RoomVisibility>,
        members: Vec<String>,
    ) -> Result<String> {
        let visibility: RoomVisibility = visibility
            .to_rust()
            .map_err(|e| bad_argument("visibility", e))?;
        let created = self.inner.create_room(&name, visibility, &members).await;
        created.map_err(to_js)
    }

    /// The room list from the cache, favorites first, then the others, each part most
    /// recent activity first: instant, offline too. A `roomListChanged` event says when
    /// to read it again.
    #[wasm_bindgen(js_name = roomList)]
    pub fn room_list(&self) -> Result<Vec<Ts<RoomSummary>>> {
        let rooms = self.inner.room_list().map_err(to_js)?;
        typed_all(rooms.into_iter().map(RoomSummary::from))
    }

    /// Makes a room a favorite (`"favorite"`: listed first) or archives it
    /// (`"archived"`), or puts it back in the main list with `undefined`, on every
    /// device of the user.
    #[wasm_bindgen(js_name = setRoomPlacement)]
    pub async fn set_room_placement(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        placement: Option<Ts<RoomPlacement>>,
    ) -> Result<()> {
        let placement: Option<RoomPlacement> = placement
            .map(|p| p.to_rust().map_err(|e| bad_argument("placement", e)))
            .transpose()?;
        self.inner
            .set_room_placement(&room_id, placement)
            .await
            .map_err(to_js)
    }

    /// Marks a room unread (`true`) or takes the mark away (`false`), on every device of
    /// the user (`markedUnread` on its summary); reading the room (`markRead`) takes it
    /// away too.
    #[wasm_bindgen(js_name = markRoomUnread)]
    pub async fn mark_room_unread(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        unread: bool,
    ) -> Result<()> {
        self.inner
            .mark_room_unread(&room_id, unread)
            .await
            .map_err(to_js)
    }

    /// Reads the room list from the server into the cache now (the client also does it
    /// by itself each time it connects).
    #[wasm_bindgen(js_name = refreshRoomList)]
    pub async fn refresh_room_list(&self) -> Result<Vec<Ts<RoomSummary>>> {
        let rooms = self.inner.refresh_room_list().await.map_err(to_js)?;
        typed_all(rooms.into_iter().map(RoomSummary::from))
    }

    /// The rooms the user is a member of, as the server lists them now.
    pub async fn rooms(&self) -> Result<Vec<Ts<RoomSummary>>> {
        let rooms = self.inner.rooms().await.map_err(to_js)?;
        typed_all(rooms.into_iter().map(RoomSummary::from))
    }

    /// Public rooms anyone may join.
    #[wasm_bindgen(js_name = publicRooms)]
    pub async fn public_rooms(&self) -> Result<Vec<Ts<RoomSummary>>> {
        let rooms = self.inner.public_rooms().await.map_err(to_js)?;
        typed_all(rooms.into_iter().map(RoomSummary::from))
    }

    /// Adds a member (your own id joins a public room).
    #[wasm_bindgen(js_name = addMember)]
    pub async fn add_member(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = userId)] user_id: String,
    ) -> Result<()> {
        let added = self.inner.add_member(&room_id, &user_id).await;
        added.map_err(to_js)
    }

    /// The members of a room with their names and roles, in the order they joined.
    pub async fn members(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
    ) -> Result<Vec<Ts<RoomMember>>> {
        let members = self.inner.members(&room_id).await.map_err(to_js)?;
        typed_all(members.into_iter().map(RoomMember::from))
    }

    /// Finds a user by name, ignoring case (`code: "not_found"` if nobody).
    #[wasm_bindgen(js_name = findUser)]
    pub async fn find_user(&self, username: String) -> Result<Ts<UserProfile>> {
        let user = self.inner.find_user(&username).await.map_err(to_js)?;
        typed(&UserProfile::from(user))
    }

    /// Connects and stays connected until `disconnect`; reconnects by itself, at once
    /// when the browser reports it is back online.
    pub fn connect(&self) -> Result<()> {
        self.inner.connect().map_err(to_js)
    }

    /// Disconnects and stops reconnecting.
    pub fn disconnect(&self) -> Result<()> {
        self.inner.disconnect().map_err(to_js)
    }

    /// The connection state now.
    #[wasm_bindgen(js_name = connectionState)]
    pub fn connection_state(&self) -> Result<Ts<ConnectionState>> {
        typed(&self.inner.connection_state())
    }

    /// Follows a room (resumed after every reconnect and reload).
    #[wasm_bindgen(js_name = joinRoom)]
    pub fn join_room(&self, #[wasm_bindgen(js_name = roomId)] room_id: String) -> Result<()> {
        self.inner.join_room(&room_id).map_err(to_js)
    }

    /// Stops following a room.
    #[wasm_bindgen(js_name = leaveRoom)]
    pub fn leave_room(&self, #[wasm_bindgen(js_name = roomId)] room_id: String) -> Result<()> {
        self.inner.leave_room(&room_id).map_err(to_js)
    }

    /// Sends a message. Resolves with its pending echo once it is stored in IndexedDB,
    /// so that it survives a reload; it is delivered once, in order, whenever a
    /// connection is up.
    #[wasm_bindgen(js_name = sendMessage)]
    pub async fn send_message(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        content: String,
    ) -> Result<Ts<LocalMessage>> {
        let echo = self.inner.send_message(&room_id, &content).map_err(to_js)?;
        self.inner.persisted().await.map_err(to_js)?;
        typed(&echo)
    }

    /// Cached messages, oldest first: the newest `limit` (plus pending ones) when
    /// `beforeSeq` is undefined. Missing older ones are fetched in the background and
    /// announced by a `historyLoaded` event.
    pub fn messages(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = beforeSeq)] before_seq: Option<f64>,
        limit: u32,
    ) -> Result<Vec<Ts<LocalMessage>>> {
        let before_seq = before_seq
            .map(|seq| seq_arg("beforeSeq", seq))
            .transpose()?;
        let messages = self
            .inner
            .messages(&room_id, before_seq, limit)
            .map_err(to_js)?;
        typed_all(messages)
    }

    /// Call on every keystroke (`true`) and when the field is cleared or sent (`false`).
    #[wasm_bindgen(js_name = setTyping)]
    pub fn set_typing(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        typing: bool,
    ) -> Result<()> {
        self.inner.set_typing(&room_id, typing).map_err(to_js)
    }

    /// The user has read the room up to `seq`.
    #[wasm_bindgen(js_name = markRead)]
    pub fn mark_read(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        seq: f64,
    ) -> Result<()> {
        let seq = seq_arg("seq", seq)?;
        self.inner.mark_read(&room_id, seq).map_err(to_js)
    }

    /// Edits one of the user's messages, online or offline (queued, shown at once);
    /// resolves to the change's id once it is stored. A refusal arrives later as a
    /// `changeFailed` event.
    #[wasm_bindgen(js_name = editMessage)]
    pub async fn edit_message(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = messageId)] message_id: String,
        content: String,
    ) -> Result<String> {
        let edited = self.inner.edit_message(&room_id, &message_id, &content);
        let id = edited.map_err(to_js)?;
        self.inner.persisted().await.map_err(to_js)?;
        Ok(id)
    }

    /// Deletes one of the user's messages, online or offline, like `editMessage`.
    #[wasm_bindgen(js_name = deleteMessage)]
    pub async fn delete_message(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = messageId)] message_id: String,
    ) -> Result<String> {
        let deleted = self.inner.delete_message(&room_id, &message_id);
        let id = deleted.map_err(to_js)?;
        self.inner.persisted().await.map_err(to_js)?;
        Ok(id)
    }

    /// Sends a failed message again.
    pub fn retry(
        &self,
        #[wasm_bindgen(js_name = clientMsgId)] client_msg_id: String,
    ) -> Result<()> {
        self.inner.retry(&client_msg_id).map_err(to_js)
    }

    /// Drops a pending or failed message.
    pub fn cancel(
        &self,
        #[wasm_bindgen(js_name = clientMsgId)] client_msg_id: String,
    ) -> Result<()> {
        self.inner.cancel(&client_msg_id).map_err(to_js)
    }

    /// Calls `listener` with every event until the returned subscription is closed.
    pub fn subscribe(&self, listener: Listener) -> Subscription {
        Subscription::start(self.inner.subscribe(), listener)
    }

    /// Closes the connection; unsent messages stay stored for the next visit.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }
}

/// A value as the typed JavaScript object its TypeScript declaration describes.
pub(crate) fn typed<T: Tsify + serde::Serialize>(value: &T) -> Result<Ts<T>> {
    value
        .into_ts()
        .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))
}

/// Values as a JavaScript array of typed objects (`T[]` in TypeScript).
pub(crate) fn typed_all<T: Tsify + serde::Serialize>(
    values: impl IntoIterator<Item = T>,
) -> Result<Vec<Ts<T>>> {
    values.into_iter().map(|value| typed(&value)).collect()
}

/// A seq from JavaScript, where it is a `number` (as in `Message.seq`).
pub(crate) fn seq_arg(name: &str, value: f64) -> Result<u64> {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    if value.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(&value) {
        Ok(value as u64)
    } else {
        Err(bad_argument(
            name,
            format!("{value} is not a sequence number"),
        ))
    }
}
