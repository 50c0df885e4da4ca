//! The registry of live connections on this process: who is connected and which rooms
//! each connection follows. Delivery never blocks: a connection whose queue is full is
//! marked as a slow consumer and closed by its own task.

mod room_list;

use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chat_protocol::v1::{LeaveReason, RoomSummary, ServerFrame};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tungstenite::Utf8Bytes;

use self::room_list::RoomList;
pub use self::room_list::{ListChange, LoadRequest, RoomRefresh};

/// Identifies one WebSocket connection within this process.
pub type ConnectionId = u64;

/// A committed room event, encoded once and shared by every recipient.
#[derive(Debug)]
pub struct RoomEvent {
    /// The room whose log holds the event.
    pub room_id: String,
    /// The event's seq in the room.
    pub seq: u64,
    /// The WebSocket connection that sent it, if this process has it: that connection
    /// gets the send's `message_ack` in the event's place.
    pub origin: Option<Origin>,
    /// The encoded `message` / `message_edited` / `message_deleted` frame.
    pub frame: Utf8Bytes,
    /// What it changed in the room's summary, for connections that have not joined
    /// the room.
    pub change: ListChange,
}

/// The connection a new message came from, and its acknowledgement. The ack travels
/// with the event so that it reaches its connection at the event's place in the room's
/// order, however many sends that connection has in flight.
#[derive(Debug)]
pub struct Origin {
    /// The sending connection.
    pub connection: ConnectionId,
    /// The encoded `message_ack`.
    pub ack: Utf8Bytes,
}

/// An ephemeral frame about a room (typing, receipt), shared by every recipient.
#[derive(Debug)]
pub struct RoomFrame {
    /// The room; a connection that left it meanwhile drops the frame.
    pub room_id: String,
    /// The encoded frame.
    pub frame: Utf8Bytes,
}

/// What the hub hands to a connection's task.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// A room event; the connection applies its per-room cursor to it.
    Room(Arc<RoomEvent>),
    /// An ephemeral room frame, sent if the connection still follows the room.
    RoomFrame(Arc<RoomFrame>),
    /// A frame for the user (presence), sent as it is. Shared, like the others, so
    /// that a delivery is two words: every connection's queue holds a block of them
    /// from its first delivery on (docs/benchmarks.md, idle memory).
    Frame(Arc<Utf8Bytes>),
    /// Live events may have been missed (the cluster bus was interrupted): read every
    /// followed room's events after its cursor from the store.
    Resync,
    /// The user's account was closed: end the connection.
    Close(AccountClosed),
    /// A server admin deleted this room, of which the user was a member.
    RoomDeleted(Arc<str>),
}

/// Why a user's connections are closed at once, wherever they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountClosed {
    /// A server admin deactivated the account (close code 4003).
    Deactivated,
    /// The user deleted their account (close code 4001).
    Deleted,
    /// The user changed their password: connections on a token issued before the
    /// second `before` (seconds since the epoch) close with 4001, but for those on the
    /// token the change was made with (`kept`, its [`crate::access::token_tag`]),
    /// whose client moves them to its new session itself.
    SignedOut {
        /// The cutoff, seconds since the epoch.
        before: u64,
        /// The tag of the token the change was made with.
        kept: u64,
    },
    /// A sign-in ended (signed out, or ended by the user from another device): the
    /// connections on its tokens close with 4001.
    SignInEnded {
        /// The sign-in.
        sign_in: uuid::Uuid,
    },
    /// Every sign-in of the user but `kept` ended: the connections on tokens of another
    /// sign-in close with 4001 (those on tokens naming none, an external auth
    /// service's, stay).
    OtherSignInsEnded {
        /// The sign-in that goes on.
        kept: Option<uuid::Uuid>,
    },
}

/// The hub's end of a connection's delivery queue.
///
/// futures-channel rather than tokio's mpsc: tokio's channel allocates a block of 32
/// slots and cache-padded state up front, about 800 bytes for every connection, idle or
/// not; this one about 180 bytes, and one small node per queued delivery
/// (docs/benchmarks.md, idle memory).
pub type DeliveryQueue = futures_channel::mpsc::Sender<Delivery>;

/// The connection's end of its delivery queue.
pub type Deliveries = futures_channel::mpsc::Receiver<Delivery>;

/// A delivery queue that holds `capacity` deliveries (at least one).
pub fn delivery_queue(capacity: usize) -> (DeliveryQueue, Deliveries) {
    // A futures-channel queue holds its buffer plus one delivery per sender, and the
    // hub is the only sender.
    futures_channel::mpsc::channel(capacity.saturating_sub(1))
}

/// The hub's handle on one connection.
#[derive(Debug)]
struct Connection {
    user_id: String,
    queue: DeliveryQueue,
    /// Cancelled when the queue overflows: the connection's task closes it with 4011.
    /// A child of the shutdown token, so it is also cancelled at shutdown (and then
    /// nobody is warned about a slow consumer).
    slow: CancellationToken,
    /// Rooms the connection joined: it gets their events.
    rooms: HashSet<String>,
    /// Rooms its user is a member of, joined or not: those it does not follow, it
    /// hears of through `room_updated`.
    member_rooms: HashSet<String>,
}

#[derive(Debug)]
struct State {
    connections: HashMap<ConnectionId, Connection>,
    by_user: HashMap<String, HashSet<ConnectionId>>,
    by_room: HashMap<String, HashSet<ConnectionId>>,
    room_list: RoomList,
}

impl State {
    /// The user's membership of the room ended (they left, or were removed or banned):
    /// from now on none of their connections here hears of the room. A connection that
    /// joined the room has the event that ended it queued already, and ends its cursor
    /// when it gets there (followed by `room_left`); the others, which heard of the room
    /// through their list, get `room_left` now.
    fn end_membership(&mut self, room_id: &str, user_id: &str, reason: LeaveReason) {
        let Some(ids) = self.by_user.get(user_id) else {
            return;
        };
        let left = Arc::new(Utf8Bytes::from(
            ServerFrame::RoomLeft {
                room_id: room_id.into(),
                reason: Some(reason),
            }
            .encode(),
        ));
        for id in ids.clone() {
            let Some(conn) = self.connections.get_mut(&id) else {
                continue;
            };
            if !conn.member_rooms.remove(room_id) && !conn.rooms.contains(room_id) {
                continue; // It never knew of the room.
            }
            if conn.rooms.remove(room_id) {
                if let Some(subs) = self.by_room.get_mut(room_id) {
                    subs.remove(&id);
                    if subs.is_empty() {
                        self.by_room.remove(room_id);
                    }
                }
            } else {
                queue_for(id, conn, Delivery::Frame(Arc::clone(&left)));
                self.room_list
                    .unwatch(id, room_id, user_id, &self.connections);
            }
        }
    }
}

/// Why a connection could not be registered.
#[derive(Debug, PartialEq, Eq)]
pub struct TooManyConnections;

/// What unregistering a connection changed.
#[derive(Debug)]
pub struct Departure {
    /// The user's last connection on this process closed.
    pub went_offline: bool,
}

/// Connection registry and subscriptions for this process.
#[derive(Debug)]
pub struct Hub {
    state: Mutex<State>,
    next_id: AtomicU64,
    /// How many times connections of some user were told to close here (account closed,
    /// password changed, sign-in ended). A connection reads it before its token is
    /// checked and again once registered: a change means a closure may have come in
    /// between, before the connection could receive it, so its token is checked again.
    closures: AtomicU64,
    /// Until the room feed takes them: the room-list entries to read from the store.
    loads: Mutex<Option<mpsc::UnboundedReceiver<LoadRequest>>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    /// An empty hub.
    pub fn new() -> Self {
        let (requests, loads) = mpsc::unbounded_channel();
        Self {
            state: Mutex::new(State {
                connections: HashMap::new(),
                by_user: HashMap::new(),
                by_room: HashMap::new(),
                room_list: RoomList::new(requests),
            }),
            next_id: AtomicU64::new(0),
            closures: AtomicU64::new(0),
            loads: Mutex::new(Some(loads)),
        }
    }

    /// The room-list entries the hub needs read from the store (once: for the room
    /// feed, which answers each with [`Hub::install_room_summary`]).
    pub fn take_load_requests(&self) -> Option<mpsc::UnboundedReceiver<LoadRequest>> {
        self.loads.lock().expect("hub loads lock").take()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("hub lock poisoned")
    }

    /// Registers an authenticated connection of a member of `rooms`. Returns its id and
    /// whether it is the user's first connection (they just came online).
    ///
    /// # Errors
    ///
    /// When the user already holds `max_per_user` connections.
    pub fn register(
        &self,
        user_id: &str,
        queue: DeliveryQueue,
        slow: CancellationToken,
        max_per_user: usize,
        rooms: Vec<String>,
    ) -> Result<(ConnectionId, bool), TooManyConnections> {
        let mut state = self.lock();
        let existing = state.by_user.get(user_id).map_or(0, HashSet::len);
        if existing >= max_per_user {
            return Err(TooManyConnections);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        for room in &rooms {
            state.room_list.watch(id, room);
        }
        state.connections.insert(
            id,
            Connection {
                user_id: user_id.to_owned(),
                queue,
                slow,
                rooms: HashSet::new(),
                member_rooms: rooms.into_iter().collect(),
            },
        );
        state
            .by_user
            .entry(user_id.to_owned())
            .or_default()
            .insert(id);
        Ok((id, existing == 0))
    }

    /// Removes a connection and everything it followed.
    pub fn unregister(&self, id: ConnectionId) -> Option<Departure> {
        let mut state = self.lock();
        let conn = state.connections.remove(&id)?;
        let State {
            connections,
            room_list,
            ..
        } = &mut *state;
        for room in conn.member_rooms.difference(&conn.rooms) {
            room_list.unwatch(id, room, &conn.user_id, connections);
        }
        for room in &conn.rooms {
            if let Some(subs) = state.by_room.get_mut(room) {
                subs.remove(&id);
                if subs.is_empty() {
                    state.by_room.remove(room);
                }
            }
        }
        let went_offline = match state.by_user.get_mut(&conn.user_id) {
            Some(ids) => {
                ids.remove(&id);
                ids.is_empty()
            }
            None => true,
        };
        if went_offline {
            state.by_user.remove(&conn.user_id);
            state.room_list.user_gone(&conn.user_id);
        }
        Some(Departure { went_offline })
    }

    /// Starts delivering a room's events to a connection.
    pub fn subscribe(&self, id: ConnectionId, room_id: &str) {
        let mut state = self.lock();
        let State {
            connections,
            by_room,
            room_list,
            ..
        } = &mut *state;
        let Some(conn) = connections.get_mut(&id) else {
            return;
        };
        if conn.rooms.insert(room_id.to_owned()) && conn.member_rooms.contains(room_id) {
            let user_id = conn.user_id.clone();
            room_list.unwatch(id, room_id, &user_id, connections);
        }
        by_room.entry(room_id.to_owned()).or_default().insert(id);
    }

    /// Stops delivering a room's events to a connection.
    pub fn unsubscribe(&self, id: ConnectionId, room_id: &str) {
        let mut state = self.lock();
        if let Some(conn) = state.connections.get_mut(&id)
            && conn.rooms.remove(room_id)
            && conn.member_rooms.contains(room_id)
        {
            state.room_list.watch(id, room_id);
        }
        if let Some(subs) = state.by_room.get_mut(room_id) {
            subs.remove(&id);
            if subs.is_empty() {
                state.by_room.remove(room_id);
            }
        }
    }

    /// Queues a room event for every connection following the room. The sending
    /// connection, which answers its send from this event, is queued last: once its
    /// client holds the `message_ack`, every other connection here already holds the
    /// event, as when the ack left only after the fan-out (a client that acts on the
    /// ack, e.g. pings a room-mate, never sees the room-mate miss it).
    pub fn deliver_room_event(&self, event: &Arc<RoomEvent>) {
        let mut state = self.lock();
        let State {
            connections,
            by_room,
            room_list,
            ..
        } = &mut *state;
        if let Some(subs) = by_room.get(&event.room_id) {
            let origin = event.origin.as_ref().map(|o| o.connection);
            for id in origin_last(subs, origin) {
                push(connections, id, Delivery::Room(Arc::clone(event)));
            }
            crate::telemetry::fanned_out(subs.len());
        }
        room_list.on_event(event, connections);
        if let ListChange::Member {
            user_id,
            left: Some(reason),
        } = &event.change
        {
            state.end_membership(&event.room_id, user_id, *reason);
        }
    }

    /// Reads the users' summaries of a room again (their read position or mute moved,
    /// or they were just added to it, which makes their connections watch it), and
    /// sends them to every connection of theirs here.
    pub fn refresh_room(&self, refresh: &RoomRefresh) {
        self.with_room_list(|room_list, connections, by_user| {
            room_list.refresh(refresh, connections, by_user);
        });
    }

    /// The room feed's answer to a load request: the user's summary of the room as the
    /// store has it now (`None`: no longer a member), and the users they blocked.
    pub fn install_room_summary(
        &self,
        user_id: &str,
        room_id: &str,
        summary: Option<RoomSummary>,
        blocked: Vec<String>,
    ) {
        self.with_room_list(|room_list, connections, by_user| {
            room_list.install(user_id, room_id, summary, blocked, connections, by_user);
        });
    }

    /// Runs `f` on the room list with the connections it delivers to, under the lock.
    fn with_room_list(
        &self,
        f: impl FnOnce(
            &mut RoomList,
            &mut HashMap<ConnectionId, Connection>,
            &HashMap<String, HashSet<ConnectionId>>,
        ),
    ) {
        let mut state = self.lock();
        let State {
            connections,
            by_user,
            room_list,
            ..
        } = &mut *state;
        f(room_list, connections, by_user);
    }

    /// The room feed could not read a summary it was asked for.
    pub fn abandon_room_summary(&self, user_id: &str, room_id: &str) {
        self.lock().room_list.abandon(user_id, room_id);
    }

    /// Distinct users with a connection here.
    pub fn user_count(&self) -> usize {
        self.lock().by_user.len()
    }

    /// Queues an ephemeral frame for every connection following the room, skipping the
    /// connections of `except_users` (a typer does not see their own indicator, nor do
    /// users who blocked them).
    pub fn deliver_to_room(&self, room_id: &str, frame: &Utf8Bytes, except_users: &[String]) {
        let mut state = self.lock();
        let State {
            connections,
            by_room,
            ..
        } = &mut *state;
        let Some(subs) = by_room.get(room_id) else {
            return;
        };
        let shared = Arc::new(RoomFrame {
            room_id: room_id.to_owned(),
            frame: frame.clone(),
        });
        for id in subs {
            let skip = connections
                .get(id)
                .is_some_and(|c| except_users.contains(&c.user_id));
            if !skip {
                push(connections, *id, Delivery::RoomFrame(Arc::clone(&shared)));
            }
        }
    }

    /// A server admin deleted the room: every connection of its former `members` here
    /// stops following it and gets `room_left` (reason `room_deleted`).
    pub fn room_deleted(&self, room_id: &str, members: &[String]) {
        let gone: Arc<str> = Arc::from(room_id);
        let mut state = self.lock();
        state.by_room.remove(room_id);
        for user_id in members {
            let ids: Vec<ConnectionId> = state
                .by_user
                .get(user_id)
                .map(|ids| ids.iter().copied().collect())
                .unwrap_or_default();
            for id in ids {
                let State {
                    connections,
                    room_list,
                    ..
                } = &mut *state;
                let Some(conn) = connections.get_mut(&id) else {
                    continue;
                };
                let joined = conn.rooms.remove(room_id);
                if conn.member_rooms.remove(room_id) || joined {
                    if !joined {
                        room_list.unwatch(id, room_id, user_id, connections);
                    }
                    push(connections, id, Delivery::RoomDeleted(Arc::clone(&gone)));
                }
            }
        }
    }

    /// How many closures this hub has handed out (see the field): compare a reading
    /// taken before a token check with one taken after registering.
    pub fn closures(&self) -> u64 {
        self.closures.load(Ordering::SeqCst)
    }

    /// Ends every connection of the user here: their account was closed.
    pub fn close_user(&self, user_id: &str, why: AccountClosed) {
        let mut state = self.lock();
        // Under the lock: a connection registering after this sees the count moved.
        self.closures.fetch_add(1, Ordering::SeqCst);
        let State {
            connections,
            by_user,
            ..
        } = &mut *state;
        for id in by_user.get(user_id).into_iter().flatten() {
            push(connections, *id, Delivery::Close(why));
        }
    }

    /// Queues a frame for every connection of the given users.
    pub fn deliver_to_users(&self, user_ids: &[String], frame: &Utf8Bytes) {
        let frame = Arc::new(frame.clone());
        let mut state = self.lock();
        let State {
            connections,
            by_user,
            ..
        } = &mut *state;
        for user in user_ids {
            for id in by_user.get(user).into_iter().flatten() {
                push(connections, *id, Delivery::Frame(Arc::clone(&frame)));
            }
        }
    }

    /// Every connection with its user (for the cluster roster's refresh).
    pub fn connections(&self) -> Vec<(String, ConnectionId)> {
        let state = self.lock();
        state
            .connections
            .iter()
            .map(|(id, conn)| (conn.user_id.clone(), *id))
            .collect()
    }

    /// Asks every connection to catch up from the store (after a bus interruption).
    pub fn resync_all(&self) {
        let mut state = self.lock();
        for (id, conn) in &mut state.connections {
            queue_for(*id, conn, Delivery::Resync);
        }
        state.room_list.reload_all();
    }

    /// Which of the given users have at least one connection.
    pub fn online_among(&self, user_ids: &[String]) -> Vec<String> {
        let state = self.lock();
        user_ids
            .iter()
            .filter(|u| state.by_user.contains_key(*u))
            .cloned()
            .collect()
    }

    /// Number of live connections (for logs and readiness).
    pub fn connection_count(&self) -> usize {
        self.lock().connections.len()
    }
}

/// The room's connections in delivery order: the sender's own, if it follows the room,
/// last.
fn origin_last(
    subs: &HashSet<ConnectionId>,
    origin: Option<ConnectionId>,
) -> impl Iterator<Item = ConnectionId> + '_ {
    let origin = origin.filter(|id| subs.contains(id));
    subs.iter()
        .copied()
        .filter(move |id| Some(*id) != origin)
        .chain(origin)
}

fn push(connections: &mut HashMap<ConnectionId, Connection>, id: ConnectionId, delivery: Delivery) {
    if let Some(conn) = connections.get_mut(&id) {
        queue_for(id, conn, delivery);
    }
}

/// Queues without waiting; a full queue marks the connection as a slow consumer.
fn queue_for(id: ConnectionId, conn: &mut Connection, delivery: Delivery) {
    match conn.queue.try_send(delivery) {
        Ok(()) => {}
        Err(e) if e.is_full() => {
            if !conn.slow.is_cancelled() {
                tracing::warn!(conn = id, user = %conn.user_id, "slow consumer: outbound queue full");
                conn.slow.cancel();
            }
        }
        // The connection's task has ended; it is being unregistered.
        Err(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(hub: &Hub, user: &str, cap: usize) -> (ConnectionId, Deliveries, CancellationToken) {
        let (tx, rx) = delivery_queue(cap);
        let slow = CancellationToken::new();
        let (id, _) = hub.register(user, tx, slow.clone(), 5, Vec::new()).unwrap();
        (id, rx, slow)
    }

    #[test]
    fn the_sending_connection_is_queued_after_its_room_mates() {
        let subs: HashSet<ConnectionId> = (1..=50).collect();
        for origin in [1, 17, 50] {
            let order: Vec<_> = origin_last(&subs, Some(origin)).collect();
            assert_eq!(order.len(), 50, "everyone once");
            assert_eq!(order.last(), Some(&origin));
            assert_eq!(order.iter().filter(|id| **id == origin).count(), 1);
        }
        // A sender that does not follow the room, or no sender: everyone, once.
        for origin in [Some(99), None] {
            let mut order: Vec<_> = origin_last(&subs, origin).collect();
            order.sort_unstable();
            assert_eq!(order, (1..=50).collect::<Vec<_>>());
        }
    }

    #[test]
    fn per_user_connection_limit_counts_live_connections() {
        let hub = Hub::new();
        let (tx, _rx) = delivery_queue(1);
        let mut ids = Vec::new();
        for i in 0..3 {
            let (id, first) = hub
                .register("u", tx.clone(), CancellationToken::new(), 3, Vec::new())
                .unwrap();
            assert_eq!(first, i == 0);
            ids.push(id);
        }
        assert_eq!(
            hub.register("u", tx.clone(), CancellationToken::new(), 3, Vec::new()),
            Err(TooManyConnections)
        );
        assert!(!hub.unregister(ids[0]).unwrap().went_offline);
        assert!(
            hub.register("u", tx, CancellationToken::new(), 3, Vec::new())
                .is_ok()
        );
    }

    #[test]
    fn a_full_queue_marks_the_connection_slow_without_blocking_others() {
        let hub = Hub::new();
        let (slow_id, _slow_rx, slow_token) = conn(&hub, "slow", 1);
        let (fast_id, mut fast_rx, fast_token) = conn(&hub, "fast", 8);
        hub.subscribe(slow_id, "r");
        hub.subscribe(fast_id, "r");
        for seq in 1..=3 {
            let event = Arc::new(RoomEvent {
                room_id: "r".into(),
                seq,
                origin: None,
                frame: Utf8Bytes::from_static("{}"),
                change: ListChange::Unknown,
            });
            hub.deliver_room_event(&event);
        }
        assert!(slow_token.is_cancelled());
        assert!(!fast_token.is_cancelled());
        let mut got = 0;
        while fast_rx.try_recv().is_ok() {
            got += 1;
        }
        assert_eq!(got, 3);
    }

    #[test]
    fn a_queue_holds_exactly_its_capacity() {
        for capacity in [1, 2, 5] {
            let hub = Hub::new();
            let (id, mut rx, slow) = conn(&hub, "u", capacity);
            let frame = Utf8Bytes::from_static("{}");
            for _ in 0..capacity {
                hub.deliver_to_users(&["u".to_owned()], &frame);
            }
            assert!(!slow.is_cancelled(), "{capacity} deliveries fit");
            hub.deliver_to_users(&["u".to_owned()], &frame);
            assert!(slow.is_cancelled(), "one more does not");
            let mut got = 0;
            while rx.try_recv().is_ok() {
                got += 1;
            }
            assert_eq!(got, capacity);
            assert!(hub.unregister(id).is_some());
        }
    }
}
