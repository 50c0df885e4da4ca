//! `ChatClient`: the one API every platform uses.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chat_protocol::v1::{
    AddMemberRequest, ClientFrame, CreateRoomRequest, CreateRoomResponse, MAX_HISTORY_LIMIT,
    MAX_MENTIONS, MemberList, RoomList, RoomMember, RoomSummary, RoomVisibility, UserId,
    UserProfile,
};
use tokio::sync::{broadcast, mpsc};

use super::bridge::{Bridge, Command, Shared};
use super::refresher::SessionRefresher;
use super::rest;
use super::room_list::RoomListSync;
use super::session::Session;
use super::uploads::Uploader;
use super::{ClientError, ClientEvent, TokenProvider};
use crate::cache::{Cache, Draft, LocalMessage};
use crate::core::{Change, ConnectionState, Core, CoreConfig, Input, OutboxEntry, Target};

/// Largest message the client accepts to send, measured as encoded in the frame (JSON
/// escaping can make content up to six times longer): a frame above the server's
/// default 64 KiB limit would be refused by closing the connection, over and over.
const MAX_CONTENT_BYTES: usize = 60 * 1024;

fn check_size(content: &str) -> Result<(), ClientError> {
    let encoded = serde_json::to_string(content).map_or(usize::MAX, |json| json.len());
    if encoded > MAX_CONTENT_BYTES {
        return Err(ClientError::TooLarge(MAX_CONTENT_BYTES));
    }
    Ok(())
}

/// Where the client connects and keeps its data.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The server's base URL, e.g. `http://127.0.0.1:8080` (the WebSocket URL is derived).
    pub server_url: String,
    /// The cache file (one per signed-in user); `None` keeps everything in memory.
    pub database: Option<PathBuf>,
    /// Timing of reconnects, heartbeats and typing.
    pub core: CoreConfig,
    /// Certificates (PEM) trusted besides the public web PKI for `https://` servers:
    /// the private CA of a self-hosted deployment. Native only: a browser uses its own
    /// trust store.
    pub extra_root_certificates: Vec<String>,
}

impl ClientConfig {
    /// Defaults for a server and a cache file.
    pub fn new(server_url: impl Into<String>, database: Option<PathBuf>) -> Self {
        Self {
            server_url: server_url.into(),
            database,
            core: CoreConfig::default(),
            extra_root_certificates: Vec::new(),
        }
    }
}

/// What [`ChatClient::assemble`] hands a platform: the API, and the driver's half.
pub(crate) struct Assembled {
    pub(crate) client: ChatClient,
    pub(crate) bridge: Bridge,
    pub(crate) commands: mpsc::UnboundedReceiver<Command>,
    /// The loop the platform runs beside the driver (`Uploader::run`).
    pub(crate) uploader: Arc<Uploader>,
}

/// The server's base URL without a trailing slash, if it is `http://` or `https://`.
fn base_url(server_url: &str) -> Result<String, ClientError> {
    let base_url = server_url.trim_end_matches('/').to_owned();
    if base_url.starts_with("http://") || base_url.starts_with("https://") {
        Ok(base_url)
    } else {
        Err(ClientError::InvalidConfig(format!(
            "server URL must start with http:// or https://: {base_url}"
        )))
    }
}

/// A chat client: cheap to clone, all clones share one connection and one cache.
#[derive(Debug, Clone)]
pub struct ChatClient {
    pub(super) shared: Arc<Shared>,
    commands: mpsc::UnboundedSender<Command>,
    pub(super) http: reqwest::Client,
    pub(super) base_url: String,
}

impl ChatClient {
    /// Everything a platform's `open` needs besides its driver: checks the server URL,
    /// loads the followed rooms and the outbox from `cache` into a new core, and wires
    /// the API to the returned bridge and command queue, which the platform's driver
    /// task then runs.
    // In the browser the shared state holds the app's token provider, a JavaScript
    // callback that is neither `Send` nor `Sync`; there is only one thread there.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub(crate) fn assemble(
        server_url: &str,
        cache: Cache,
        http: reqwest::Client,
        core: CoreConfig,
        seed: u64,
    ) -> Result<Assembled, ClientError> {
        let base_url = base_url(server_url)?;
        let (events, _) = broadcast::channel(1024);
        let followed = cache.followed_rooms()?;
        let outbox = cache.outbox()?;
        let shared = Arc::new(Shared {
            cache: Mutex::new(cache),
            me: Mutex::new(None),
            token: Mutex::new(None),
            state: Mutex::new(ConnectionState::Disconnected),
            events,
            token_provider: Mutex::new(None),
            refresh_token: Mutex::new(None),
            refresher: std::sync::OnceLock::new(),
            session: Mutex::new(None),
            room_list_sync: std::sync::OnceLock::new(),
            uploader: std::sync::OnceLock::new(),
            device_name: Mutex::new(None),
        });
        let refresher: Arc<dyn TokenProvider> = Arc::new(SessionRefresher {
            http: http.clone(),
            base_url: base_url.clone(),
            shared: Arc::downgrade(&shared),
            one_at_a_time: tokio::sync::Mutex::new(()),
        });
        let _ = shared.refresher.set(refresher);
        let _ = shared.room_list_sync.set(Arc::new(RoomListSync {
            http: http.clone(),
            base_url: base_url.clone(),
            shared: Arc::downgrade(&shared),
        }));
        let (commands, queue) = mpsc::unbounded_channel();
        let uploader = Arc::new(Uploader::new(
            http.clone(),
            base_url.clone(),
            Arc::downgrade(&shared),
            commands.downgrade(),
        ));
        let _ = shared.uploader.set(Arc::clone(&uploader));
        for (room_id, since_seq) in followed {
            let _ = commands.send(Command::Input(Box::new(Input::JoinRoom {
                room_id,
                since_seq,
            })));
        }
        for (entry, failed) in outbox {
            let input = if failed {
                Input::EnqueueFailed(entry)
            } else {
                Input::Restore(entry)
            };
            let _ = commands.send(Command::Input(Box::new(input)));
        }
        let bridge = Bridge::new(Core::new(core, None, seed), Arc::clone(&shared));
        Ok(Assembled {
            client: Self {
                shared,
                commands,
                http,
                base_url,
            },
            bridge,
            commands: queue,
            uploader,
        })
    }

    /// The WebSocket URL: `ws(s)://` for `http(s)://`, and the protocol's path.
    pub(crate) fn ws_url(&self) -> String {
        format!(
            "{}{}",
            self.base_url.replacen("http", "ws", 1),
            chat_protocol::v1::WS_PATH
        )
    }

    fn input(&self, input: Input) -> Result<(), ClientError> {
        self.commands
            .send(Command::Input(Box::new(input)))
            .map_err(|_| ClientError::Closed)
    }

    /// Creates an account and signs in with it.
    ///
    /// # Errors
    ///
    /// `Server` with `conflict` (name taken), `invalid_request`, or a network error.
    pub async fn register(&self, username: &str, password: &str) -> Result<Session, ClientError> {
        self.sign_in("/v1/auth/register", username, password).await
    }

    /// Signs in.
    ///
    /// # Errors
    ///
    /// `Server` with `unauthorized` (wrong name or password), or a network error.
    pub async fn login(&self, username: &str, password: &str) -> Result<Session, ClientError> {
        self.sign_in("/v1/auth/login", username, password).await
    }

    /// Trades a refresh token for the next session (a fresh access token and the next
    /// refresh token). It changes nothing locally: a [`TokenProvider`] returns the new
    /// access token (the client renews the live connection with it), and the app stores
    /// the new refresh token, because the one presented is now used up. Outside a
    /// provider, pass the session to [`ChatClient::set_session`].
    ///
    /// # Errors
    ///
    /// `Server` with `unauthorized` when the refresh token is expired, revoked or was
    /// used before (the user must sign in again), or a network error.
    pub async fn refresh_session(&self, refresh_token: &str) -> Result<Session, ClientError> {
        rest::refresh(&self.http, &self.base_url, refresh_token).await
    }

    /// Signs out on the server: ends this sign-in (its refresh and access tokens are
    /// refused from then on, and the push device it registered is forgotten). Also
    /// disconnects.
    ///
    /// # Errors
    ///
    /// A network error; the local sign-out (disconnect) happens regardless.
    pub async fn sign_out(&self, refresh_token: &str) -> Result<(), ClientError> {
        let _ = self.disconnect();
        // The server forgets this install's push device with the sign-in.
        let device_id = self.push_device_for_sign_out();
        // Nothing may renew the session any more, here or in a refresh still running.
        *self.shared.refresh_token.lock().expect("refresh lock") = None;
        *self.shared.token.lock().expect("token lock") = None;
        *self.shared.session.lock().expect("session lock") = None;
        rest::logout(&self.http, &self.base_url, refresh_token, device_id).await
    }

    /// Register or login, then use the session.
    async fn sign_in(
        &self,
        path: &str,
        username: &str,
        password: &str,
    ) -> Result<Session, ClientError> {
        let credentials = chat_protocol::v1::Credentials {
            username: username.to_owned(),
            password: password.to_owned(),
            device_name: self.shared.device_name.lock().expect("name lock").clone(),
        };
        let session = rest::authenticate(&self.http, &self.base_url, path, &credentials).await?;
        self.set_session(&session)?;
        self.register_kept_push().await;
        Ok(session)
    }

    /// The newest session: the one set, or the one the client renewed it to with its
    /// refresh token since. Store this (not an older copy) when the app goes to the
    /// background or exits: a refresh token is single-use, and presenting a used one
    /// signs the user out everywhere. `None` before a sign-in and after `sign_out`.
    pub fn current_session(&self) -> Option<Session> {
        self.shared.session.lock().expect("session lock").clone()
    }

    /// Uses a session obtained elsewhere (an existing auth service, a stored token).
    ///
    /// # Errors
    ///
    /// `OtherUser` if the client already belongs to another user (its cache and send
    /// queue are that user's; nothing changes); `Closed` if the client was shut down.
    pub fn set_session(&self, session: &Session) -> Result<(), ClientError> {
        {
            let mut me = self.shared.me.lock().expect("me lock");
            match me.as_deref() {
                Some(owner) if owner != session.user_id => {
                    return Err(ClientError::OtherUser(owner.to_owned()));
                }
                Some(_) => {}
                None => *me = Some(session.user_id.clone()),
            }
        }
        *self.shared.token.lock().expect("token lock") = Some(session.token.clone());
        *self.shared.refresh_token.lock().expect("refresh lock") = session.refresh_token.clone();
        *self.shared.session.lock().expect("session lock") = Some(session.clone());
        self.input(Input::Token(session.token.clone()))
    }

    pub(super) fn token(&self) -> Result<String, ClientError> {
        self.shared
            .token
            .lock()
            .expect("token lock")
            .clone()
            .ok_or(ClientError::NotSignedIn)
    }

    /// Creates a room; `members` are added with the caller. A direct room needs exactly
    /// one other member (the existing room of the pair is returned if there is one).
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Server` (`invalid_request`, `not_found` for an unknown member), `Network`.
    pub async fn create_room(
        &self,
        name: &str,
        visibility: RoomVisibility,
        members: &[String],
    ) -> Result<String, ClientError> {
        let body = CreateRoomRequest {
            name: name.to_owned(),
            visibility,
            members: members.iter().map(UserId::from).collect(),
        };
        let created: Option<CreateRoomResponse> =
            self.post(self.endpoint(&["v1", "rooms"])?, &body).await?;
        created
            .map(|c| c.room_id.into_string())
            .ok_or_else(|| ClientError::Network("empty answer".into()))
    }

    /// The room list (the app's home screen) as the cache holds it: every room of the
    /// user, favorites first, then the others, each part most recent activity first,
    /// with its last message, unread count, read position and placement (an app shows
    /// the archived ones apart). Instant and offline; [`ClientEvent::RoomListChanged`]
    /// says when to read it again.
    ///
    /// # Errors
    ///
    /// `Cache`.
    pub fn room_list(&self) -> Result<Vec<RoomSummary>, ClientError> {
        Ok(self.shared.cache.lock().expect("cache lock").room_list()?)
    }

    /// Reads the room list from the server into the cache now and returns it (the
    /// client also does this by itself each time the connection goes live).
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Server`, `Network`, `Cache`.
    pub async fn refresh_room_list(&self) -> Result<Vec<RoomSummary>, ClientError> {
        let sync = self
            .shared
            .room_list_sync
            .get()
            .cloned()
            .ok_or(ClientError::Closed)?;
        sync.run().await
    }

    /// The rooms the user is a member of, most recent activity first, as the server
    /// lists them now (the first page, up to 1000 rooms; see [`Self::room_list`] for
    /// the cached, live list).
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Server`, `Network`.
    pub async fn rooms(&self) -> Result<Vec<RoomSummary>, ClientError> {
        self.fetch_rooms(&["v1", "rooms"]).await
    }

    /// Public rooms anyone may join, newest first.
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Server`, `Network`.
    pub async fn public_rooms(&self) -> Result<Vec<RoomSummary>, ClientError> {
        self.fetch_rooms(&["v1", "rooms", "public"]).await
    }

    async fn fetch_rooms(&self, segments: &[&str]) -> Result<Vec<RoomSummary>, ClientError> {
        let list: Option<RoomList> = self.get(self.endpoint(segments)?).await?;
        Ok(list.map(|l| l.rooms).unwrap_or_default())
    }

    /// Adds a member to a room (members add others; anyone may add themself to a public
    /// room).
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not allowed), `not_found`; `NotSignedIn`, `Network`.
    pub async fn add_member(&self, room_id: &str, user_id: &str) -> Result<(), ClientError> {
        let url = self.endpoint(&["v1", "rooms", room_id, "members"])?;
        let body = AddMemberRequest {
            user_id: user_id.into(),
        };
        let _: Option<serde_json::Value> = self.post(url, &body).await?;
        Ok(())
    }

    /// The members of a room with their names and roles, in the order they joined, from
    /// the server (and kept in the cache for [`ChatClient::cached_members`]).
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not a member), `not_found`; `NotSignedIn`, `Network`,
    /// `Cache`.
    pub async fn members(&self, room_id: &str) -> Result<Vec<RoomMember>, ClientError> {
        let url = self.endpoint(&["v1", "rooms", room_id, "members"])?;
        let list: Option<MemberList> = self.get(url).await?;
        let members = list.map(|l| l.members).unwrap_or_default();
        // Kept for `cached_members`: room info offline, moved on by membership notices.
        self.shared
            .cache
            .lock()
            .expect("cache lock")
            .put_members(room_id, &members)?;
        Ok(members)
    }

    /// The members of a room with their roles as the cache holds them: the last
    /// [`ChatClient::members`] read, moved on by the room's membership notices since.
    /// Instant and offline; empty before the first read.
    ///
    /// # Errors
    ///
    /// `Cache`.
    pub fn cached_members(&self, room_id: &str) -> Result<Vec<RoomMember>, ClientError> {
        Ok(self
            .shared
            .cache
            .lock()
            .expect("cache lock")
            .members(room_id)?)
    }

    /// Finds a user by name (ignoring case), to add them to a room or open a direct
    /// room with them.
    ///
    /// # Errors
    ///
    /// `Server` with `not_found` (nobody has that name) or `invalid_request` (not a
    /// valid name); `NotSignedIn`, `Network`.
    pub async fn find_user(&self, username: &str) -> Result<UserProfile, ClientError> {
        let url = self.endpoint(&["v1", "users", "by-name", username])?;
        let user: Option<UserProfile> = self.get(url).await?;
        user.ok_or_else(|| ClientError::Network("empty answer".into()))
    }

    /// A signed-in call of the REST path `segments` with an optional JSON body; the
    /// JSON answer, if any (none for 204).
    pub(super) async fn request<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        segments: &[&str],
        body: Option<&(impl serde::Serialize + ?Sized)>,
    ) -> Result<Option<T>, ClientError> {
        let url = self.endpoint(segments)?;
        rest::call(&self.http, method, url, &self.token()?, body).await
    }

    /// A signed-in GET; the JSON answer, if any.
    pub(super) async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: reqwest::Url,
    ) -> Result<Option<T>, ClientError> {
        rest::call(
            &self.http,
            reqwest::Method::GET,
            url,
            &self.token()?,
            None::<&()>,
        )
        .await
    }

    /// A signed-in POST of `body`; the JSON answer, if any.
    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        url: reqwest::Url,
        body: &impl serde::Serialize,
    ) -> Result<Option<T>, ClientError> {
        rest::call(
            &self.http,
            reqwest::Method::POST,
            url,
            &self.token()?,
            Some(body),
        )
        .await
    }

    /// The URL of a REST path, each segment percent-encoded (names come from users).
    pub(super) fn endpoint(&self, segments: &[&str]) -> Result<reqwest::Url, ClientError> {
        let mut url = reqwest::Url::parse(&self.base_url)
            .map_err(|e| ClientError::Network(format!("invalid server URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| ClientError::Network("invalid server URL".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Installs the callback asked for a fresh token when the server refuses one.
    pub fn set_token_provider(&self, provider: Arc<dyn TokenProvider>) {
        *self.shared.token_provider.lock().expect("provider lock") = Some(provider);
    }

    /// Connects and stays connected (reconnecting as needed) until [`Self::disconnect`].
    ///
    /// # Errors
    ///
    /// `Closed` if the client was shut down.
    pub fn connect(&self) -> Result<(), ClientError> {
        self.input(Input::Connect)
    }

    /// Disconnects and stops reconnecting.
    ///
    /// # Errors
    ///
    /// `Closed` if the client was shut down.
    pub fn disconnect(&self) -> Result<(), ClientError> {
        self.input(Input::Disconnect)
    }

    /// The network is back (the OS said so): reconnect now instead of after the backoff.
    ///
    /// # Errors
    ///
    /// `Closed` if the client was shut down.
    pub fn notify_network_available(&self) -> Result<(), ClientError> {
        self.input(Input::NetworkAvailable)
    }

    /// The current connection state.
    pub fn connection_state(&self) -> ConnectionState {
        self.shared.state.lock().expect("state lock").clone()
    }

    /// Events: new and changed messages, statuses, typing, receipts, presence, connection.
    pub fn subscribe(&self) -> broadcast::Receiver<ClientEvent> {
        self.shared.events.subscribe()
    }

    /// Follows a room: joins it now if connected, and resumes it after every reconnect
    /// from the newest message the cache holds.
    ///
    /// # Errors
    ///
    /// `Cache` or `Closed`.
    pub fn join_room(&self, room_id: &str) -> Result<(), ClientError> {
        let since_seq = {
            let mut cache = self.shared.cache.lock().expect("cache lock");
            let cursor = cache.cursor(room_id)?;
            cache.set_cursor(room_id, cursor)?;
            cursor
        };
        self.input(Input::JoinRoom {
            room_id: room_id.to_owned(),
            since_seq,
        })
    }

    /// Stops following a room (its cached messages stay).
    ///
    /// # Errors
    ///
    /// `Cache` or `Closed`.
    pub fn leave_room(&self, room_id: &str) -> Result<(), ClientError> {
        // The driver forgets the room once the core has stopped following it, so that
        // no event still in flight can bring it back.
        self.input(Input::LeaveRoom(room_id.to_owned()))
    }

    /// Sends a message: it is in the persisted outbox when this returns (shown as
    /// pending), and is sent — in order, with the same id on every retry — whenever a
    /// connection is up, even after the app restarts.
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Cache` (then nothing is queued), or `Closed`.
    pub fn send_message(&self, room_id: &str, content: &str) -> Result<LocalMessage, ClientError> {
        self.send_draft(
            room_id,
            &Draft {
                content: content.to_owned(),
                ..Draft::default()
            },
        )
    }

    /// [`Self::send_message`] with a reply (`reply_to`: the server id of a message of
    /// the room) and mentions (user ids of members, at most 50).
    ///
    /// # Errors
    ///
    /// As for `send_message`, and `Invalid` for more than 50 mentions.
    pub fn send_message_with(
        &self,
        room_id: &str,
        content: &str,
        reply_to: Option<String>,
        mentions: Vec<String>,
    ) -> Result<LocalMessage, ClientError> {
        let draft = Draft {
            content: content.to_owned(),
            reply_to,
            mentions: unique_mentions(mentions)?,
            files: Vec::new(),
        };
        self.send_draft(room_id, &draft)
    }

    pub(super) fn send_draft(
        &self,
        room_id: &str,
        draft: &Draft,
    ) -> Result<LocalMessage, ClientError> {
        let me = self.shared.me().ok_or(ClientError::NotSignedIn)?;
        if self.commands.is_closed() {
            return Err(ClientError::Closed);
        }
        check_size(&draft.content)?;
        let echo =
            self.shared
                .cache
                .lock()
                .expect("cache lock")
                .enqueue(room_id, &me, draft, now_ms())?;
        // Persisted: even if the client is shutting down right now, the message goes
        // out on the next run, so this is a success either way.
        let _ = self.input(Input::Enqueue(OutboxEntry {
            room_id: echo.room_id.clone(),
            client_msg_id: echo.client_msg_id.clone(),
            change: Change::Send {
                content: echo.content.clone(),
                reply_to: echo.reply_to.clone(),
                mentions: echo.mentions.clone(),
                attachments: Vec::new(),
                uploading: !draft.files.is_empty(),
            },
        }));
        if !draft.files.is_empty()
            && let Some(uploader) = self.shared.uploader.get()
        {
            uploader.kick();
        }
        Ok(echo)
    }

    /// Queues a change to a message (`message`: its server id, or the `client_msg_id`
    /// of one of the user's own messages, stored or still pending) in the outbox: it
    /// shows at once, survives restarts, and reaches the server in order with the
    /// room's other entries. Returns the change's id.
    pub(super) fn queue_change(
        &self,
        room_id: &str,
        message: &str,
        make: impl FnOnce(Target) -> Change,
    ) -> Result<String, ClientError> {
        let me = self.shared.me().ok_or(ClientError::NotSignedIn)?;
        if self.commands.is_closed() {
            return Err(ClientError::Closed);
        }
        let entry = {
            let mut cache = self.shared.cache.lock().expect("cache lock");
            let target = cache.target(message, &me)?;
            cache.enqueue_change(room_id, make(target), now_ms())?
        };
        let change_id = entry.client_msg_id.clone();
        // Persisted: it goes out on the next run if not on this one.
        let _ = self.input(Input::Enqueue(entry));
        Ok(change_id)
    }

    /// Cached messages of a room, oldest first: up to `limit` with seq below
    /// `before_seq` (the newest, plus pending echoes, when `None`). When the cache runs
    /// out before `limit` and the server has older messages, they are fetched in the
    /// background and [`ClientEvent::HistoryLoaded`] follows: read again then.
    ///
    /// # Errors
    ///
    /// `Cache`.
    pub fn messages(
        &self,
        room_id: &str,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<LocalMessage>, ClientError> {
        let me = self.shared.me().unwrap_or_default();
        let (page, floor) = {
            let cache = self.shared.cache.lock().expect("cache lock");
            (
                cache.messages(room_id, &me, before_seq, limit)?,
                cache.floor(room_id)?,
            )
        };
        // A short page with older messages still on the server: fetch them in the
        // background; `HistoryLoaded` says when to read again.
        let stored = page.iter().filter(|m| m.seq.is_some()).count();
        if stored < limit as usize && floor.is_some_and(|f| f > 0) {
            let limit = limit.clamp(1, MAX_HISTORY_LIMIT);
            let _ = self.commands.send(Command::FillGap {
                room_id: room_id.to_owned(),
                limit,
            });
        }
        Ok(page)
    }

    /// Fetches older messages from the server into the cache (answered by
    /// [`ClientEvent::HistoryLoaded`]); use it when the cache runs out while scrolling.
    ///
    /// # Errors
    ///
    /// `Closed`. When offline, an [`ClientEvent::Error`] says it was not sent.
    pub fn load_older(
        &self,
        room_id: &str,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<(), ClientError> {
        let limit = limit.clamp(1, MAX_HISTORY_LIMIT);
        self.input(Input::Request(ClientFrame::History {
            room_id: room_id.into(),
            before_seq,
            limit,
        }))
    }

    /// The user is typing (call on every keystroke; the core throttles) or stopped.
    ///
    /// # Errors
    ///
    /// `Closed`.
    pub fn set_typing(&self, room_id: &str, typing: bool) -> Result<(), ClientError> {
        let room_id = room_id.to_owned();
        self.input(if typing {
            Input::Keystroke(room_id)
        } else {
            Input::StopTyping(room_id)
        })
    }

    /// The user has read a room up to `seq` (sent now, or once connected). The room
    /// list's badge moves at once on this device, and through the server on the user's
    /// others.
    ///
    /// # Errors
    ///
    /// `Closed`, `Cache`.
    pub fn mark_read(&self, room_id: &str, seq: u64) -> Result<(), ClientError> {
        let me = self.shared.me().unwrap_or_default();
        let moved = self
            .shared
            .cache
            .lock()
            .expect("cache lock")
            .room_read(room_id, seq, &me)?;
        if moved.is_some() {
            self.shared.emit(ClientEvent::RoomListChanged {
                room_id: Some(room_id.to_owned()),
            });
        }
        self.input(Input::MarkRead {
            room_id: room_id.to_owned(),
            seq,
        })
    }

    /// Edits one of the user's messages (`message`: its server id, or its
    /// `client_msg_id` while it is still pending), online or offline: the change is
    /// queued in the outbox and shown at once. An edit of a message that was never sent
    /// replaces its text instead. Returns the change's id.
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `TooLarge`, `Cache` or `Closed`; a refusal by the server arrives
    /// as [`ClientEvent::ChangeFailed`].
    pub fn edit_message(
        &self,
        room_id: &str,
        message: &str,
        content: &str,
    ) -> Result<String, ClientError> {
        check_size(content)?;
        self.queue_change(room_id, message, |target| Change::Edit {
            target,
            content: content.to_owned(),
        })
    }

    /// Deletes a message (the user's own, or any as an owner or admin), online or
    /// offline, as [`Self::edit_message`] does; deleting a message that was never sent
    /// withdraws it. Returns the change's id.
    ///
    /// # Errors
    ///
    /// As for [`Self::edit_message`].
    pub fn delete_message(&self, room_id: &str, message: &str) -> Result<String, ClientError> {
        self.queue_change(room_id, message, |target| Change::Delete { target })
    }

    /// Sends a failed message again (same id).
    ///
    /// # Errors
    ///
    /// `Cache` or `Closed`.
    pub fn retry(&self, client_msg_id: &str) -> Result<(), ClientError> {
        let message = {
            let mut cache = self.shared.cache.lock().expect("cache lock");
            cache.retrying(client_msg_id)?;
            cache
                .outbox()?
                .into_iter()
                .map(|(m, _)| m)
                .find(|m| m.client_msg_id == client_msg_id)
        };
        if let Some(message) = message {
            self.input(Input::Enqueue(message))?;
            self.input(Input::Retry(client_msg_id.to_owned()))?;
            // A message whose upload was refused uploads again.
            if let Some(uploader) = self.shared.uploader.get() {
                uploader.kick();
            }
        }
        Ok(())
    }

    /// Removes a pending or failed message that is not being sent right now.
    ///
    /// # Errors
    ///
    /// `Closed`.
    pub fn cancel(&self, client_msg_id: &str) -> Result<(), ClientError> {
        self.input(Input::Cancel(client_msg_id.to_owned()))
    }

    /// Stops the client: closes the connection; the outbox stays for the next run.
    pub fn shutdown(&self) {
        let _ = self.commands.send(Command::Shutdown);
        if let Some(uploader) = self.shared.uploader.get() {
            uploader.close();
        }
    }
}

/// The mentioned user ids without repeats, in the order given; `Invalid` past
/// [`MAX_MENTIONS`].
pub(super) fn unique_mentions(mentions: Vec<String>) -> Result<Vec<String>, ClientError> {
    if mentions.len() > MAX_MENTIONS {
        return Err(ClientError::Invalid(format!(
            "a message may mention at most {MAX_MENTIONS} users"
        )));
    }
    let mut unique: Vec<String> = Vec::with_capacity(mentions.len());
    for user_id in mentions {
        if !unique.contains(&user_id) {
            unique.push(user_id);
        }
    }
    Ok(unique)
}

/// Wall-clock time in ms since the epoch (`SystemTime` does not exist in browsers).
pub(super) fn now_ms() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}
