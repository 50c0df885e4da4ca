//! `ChatClient` for Kotlin and Swift: each method delegates to the SDK, on its runtime.

use std::sync::Arc;

use chat_protocol::v1::{RoomMember, RoomPlacement, RoomSummary, RoomVisibility, UserProfile};
use chat_sdk::Session;
use chat_sdk::cache::LocalMessage;
use chat_sdk::core::ConnectionState;

use crate::error::ChatError;
use crate::listener::{ChatListener, ListenerHandle, forward};
use crate::runtime::{RUNTIME, on_runtime};
use crate::token_provider::{AppTokenProvider, TokenProvider};

/// A chat client: one connection and one cache (one database file per signed-in user).
#[derive(Debug, uniffi::Object)]
pub struct ChatClient {
    pub(crate) inner: chat_sdk::ChatClient,
}

type Result<T, E = ChatError> = std::result::Result<T, E>;

#[uniffi::export]
impl ChatClient {
    /// Opens the cache at `database_path` (`None`: in memory) for the server at
    /// `server_url` (e.g. `http://10.0.2.2:8080`). Not connected yet.
    #[uniffi::constructor]
    pub fn new(server_url: String, database_path: Option<String>) -> Result<Arc<Self>> {
        Self::with_root_certificates(server_url, database_path, Vec::new())
    }

    /// As `new`, also trusting `root_certificates` (PEM) for an `https://` server whose
    /// certificate comes from a private CA.
    #[uniffi::constructor]
    pub fn with_root_certificates(
        server_url: String,
        database_path: Option<String>,
        root_certificates: Vec<String>,
    ) -> Result<Arc<Self>> {
        let _runtime = RUNTIME.enter();
        let mut config = chat_sdk::ClientConfig::new(server_url, database_path.map(Into::into));
        config.extra_root_certificates = root_certificates;
        Ok(Arc::new(Self {
            inner: chat_sdk::ChatClient::open(config)?,
        }))
    }

    /// Creates an account and signs in.
    pub async fn register(&self, username: String, password: String) -> Result<Session> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.register(&username, &password).await }).await
    }

    /// Signs in.
    pub async fn login(&self, username: String, password: String) -> Result<Session> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.login(&username, &password).await }).await
    }

    /// Creates a room and returns its id.
    pub async fn create_room(
        &self,
        name: String,
        visibility: RoomVisibility,
        members: Vec<String>,
    ) -> Result<String> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.create_room(&name, visibility, &members).await }).await
    }

    /// The room list from the cache, favorites first, then the others, each part most
    /// recent activity first: instant, offline too.
    /// `ClientEvent.RoomListChanged` says when to read it again.
    pub fn room_list(&self) -> Result<Vec<RoomSummary>> {
        Ok(self.inner.room_list()?)
    }

    /// Makes a room a favorite (listed first) or archives it, or puts it back in the
    /// main list with `null`/`nil`, on every device of the user.
    pub async fn set_room_placement(
        &self,
        room_id: String,
        placement: Option<RoomPlacement>,
    ) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.set_room_placement(&room_id, placement).await }).await
    }

    /// Marks a room unread (`true`) or takes the mark away (`false`), on every device of
    /// the user; reading the room (`markRead`) takes it away too.
    pub async fn mark_room_unread(&self, room_id: String, unread: bool) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.mark_room_unread(&room_id, unread).await }).await
    }

    /// Reads the room list from the server into the cache now (the client also does it
    /// by itself each time it connects).
    pub async fn refresh_room_list(&self) -> Result<Vec<RoomSummary>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.refresh_room_list().await }).await
    }

    /// The rooms the user is a member of, as the server lists them now.
    pub async fn rooms(&self) -> Result<Vec<RoomSummary>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.rooms().await }).await
    }

    /// Public rooms anyone may join.
    pub async fn public_rooms(&self) -> Result<Vec<RoomSummary>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.public_rooms().await }).await
    }

    /// Adds a member to a room (`Server(code = Forbidden)` when not allowed).
    pub async fn add_member(&self, room_id: String, user_id: String) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.add_member(&room_id, &user_id).await }).await
    }

    /// The members of a room with their names, in the order they joined.
    pub async fn members(&self, room_id: String) -> Result<Vec<RoomMember>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.members(&room_id).await }).await
    }

    /// Finds a user by name, ignoring case (`Server(code = NotFound)` if nobody).
    pub async fn find_user(&self, username: String) -> Result<UserProfile> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.find_user(&username).await }).await
    }

    /// Uses a stored session. With a refresh token, the client renews it by itself
    /// before the access token expires; otherwise call this again with a fresh token
    /// (the live connection is renewed with it, without reconnecting).
    pub fn set_session(&self, session: Session) -> Result<()> {
        Ok(self.inner.set_session(&session)?)
    }

    /// For an external auth service: the app's source of fresh access tokens, asked
    /// ahead of expiry (the live connection is renewed, no reconnect), after a refusal
    /// and on `connect` without a token. Takes precedence over the built-in refresh.
    pub fn set_token_provider(&self, provider: Arc<dyn TokenProvider>) {
        self.inner
            .set_token_provider(Arc::new(AppTokenProvider(provider)));
    }

    /// The newest session (the one set, or what the client renewed it to): store this
    /// when the app goes to the background. `null` before a sign-in and after sign-out.
    pub fn current_session(&self) -> Option<Session> {
        self.inner.current_session()
    }

    /// Trades a refresh token for the next session (changes nothing locally; see
    /// `set_session`). `Server(code = Unauthorized)`: sign in again.
    pub async fn refresh_session(&self, refresh_token: String) -> Result<Session> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.refresh_session(&refresh_token).await }).await
    }

    /// Signs out on the server (revokes the sign-in's refresh tokens) and disconnects.
    pub async fn sign_out(&self, refresh_token: String) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.sign_out(&refresh_token).await }).await
    }

    /// Connects and stays connected until `disconnect`.
    pub fn connect(&self) -> Result<()> {
        Ok(self.inner.connect()?)
    }

    /// Disconnects and stops reconnecting.
    pub fn disconnect(&self) -> Result<()> {
        Ok(self.inner.disconnect()?)
    }

    /// The OS says the network is back: reconnect now.
    pub fn notify_network_available(&self) -> Result<()> {
        Ok(self.inner.notify_network_available()?)
    }

    /// The connection state now.
    pub fn connection_state(&self) -> ConnectionState {
        self.inner.connection_state()
    }

    /// Follows a room (resumed after every reconnect).
    pub fn join_room(&self, room_id: String) -> Result<()> {
        Ok(self.inner.join_room(&room_id)?)
    }

    /// Stops following a room.
    pub fn leave_room(&self, room_id: String) -> Result<()> {
        Ok(self.inner.leave_room(&room_id)?)
    }

    /// Sends a message: persisted before this returns, delivered once, in order.
    pub fn send_message(&self, room_id: String, content: String) -> Result<LocalMessage> {
        Ok(self.inner.send_message(&room_id, &content)?)
    }

    /// Cached messages, oldest first (see the SDK docs for paging).
    pub fn messages(
        &self,
        room_id: String,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<LocalMessage>> {
        Ok(self.inner.messages(&room_id, before_seq, limit)?)
    }

    /// Fetches older messages into the cache.
    pub fn load_older(&self, room_id: String, before_seq: Option<u64>, limit: u32) -> Result<()> {
        Ok(self.inner.load_older(&room_id, before_seq, limit)?)
    }

    /// Call on every keystroke (`true`) and when the field is cleared or sent (`false`).
    pub fn set_typing(&self, room_id: String, typing: bool) -> Result<()> {
        Ok(self.inner.set_typing(&room_id, typing)?)
    }

    /// The user has read the room up to `seq`; a mark as unread on it goes too.
    pub fn mark_read(&self, room_id: String, seq: u64) -> Result<()> {
        Ok(self.inner.mark_read(&room_id, seq)?)
    }

    /// Edits one of the user's messages (`message`: its server id, or its
    /// `client_msg_id` while pending), online or offline: queued like a send, shown at
    /// once. Returns the change's id (`ChangeFailed` names it if the server refuses).
    pub fn edit_message(
        &self,
        room_id: String,
        message: String,
        content: String,
    ) -> Result<String> {
        Ok(self.inner.edit_message(&room_id, &message, &content)?)
    }

    /// Deletes a message, online or offline (a pending one is withdrawn); returns the
    /// change's id.
    pub fn delete_message(&self, room_id: String, message: String) -> Result<String> {
        Ok(self.inner.delete_message(&room_id, &message)?)
    }

    /// Sends a failed message again.
    pub fn retry(&self, client_msg_id: String) -> Result<()> {
        Ok(self.inner.retry(&client_msg_id)?)
    }

    /// Drops a message the server cannot have stored yet.
    pub fn cancel(&self, client_msg_id: String) -> Result<()> {
        Ok(self.inner.cancel(&client_msg_id)?)
    }

    /// Delivers every event to `listener` until the returned handle is stopped.
    pub fn listen(&self, listener: Arc<dyn ChatListener>) -> Arc<ListenerHandle> {
        let events = self.inner.subscribe();
        Arc::new(ListenerHandle {
            task: RUNTIME.spawn(forward(events, listener)),
        })
    }

    /// Closes the connection; the outbox stays for the next run.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }
}
