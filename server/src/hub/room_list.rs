//! The live room list of this process's connections: which connections hear of a room
//! through `room_updated` rather than its own events, and what was last sent to each of
//! their users.
//!
//! A connection of a member that has not joined a room *watches* it. For each user
//! watching a room, the hub keeps the room's summary as last sent (a *badge*), and moves
//! it on with each of the room's events: a message from someone else is one more unread
//! message, so the common case costs no read. Whatever the hub cannot work out exactly
//! from the event alone (a delete, a gap in the room's seqs, a read position that moved
//! on another process, a user just added) makes the badge *load*: the room feed
//! (`crate::room_feed`) reads the user's entry from the store and hands it back to
//! [`RoomList::install`]. An event that arrives while a badge loads marks it dirty, and
//! the load is repeated, so what is installed is never older than an event the hub has
//! seen: counts are exact, not estimated.

use foldhash::{HashMap, HashMapExt as _, HashSet};
use std::sync::Arc;

use chat_protocol::v1::{LastMessage, LeaveReason, RoomKind, RoomSummary, ServerFrame};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tungstenite::Utf8Bytes;

use super::{Connection, ConnectionId, Delivery, RoomEvent, queue_for};

/// What a committed room event changed, as far as a room list can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListChange {
    /// A new message (its preview: the text already cut).
    Message(LastMessage),
    /// A new message that mentions users (a process of an earlier version reads it as
    /// `Unknown`, and so reads the store).
    Mentioning {
        /// Its preview, as for `Message`.
        message: LastMessage,
        /// Whom it mentions.
        mentions: Vec<String>,
    },
    /// A message's text was replaced.
    Edited {
        /// The edited message.
        message_id: String,
        /// Its new text, cut like a preview.
        content: String,
    },
    /// A message was deleted: which message is last, and whether it counted as unread,
    /// are in the store.
    Deleted,
    /// A membership changed; when it ended (`left` says why), the room leaves the
    /// user's list, and their connections stop hearing of it.
    Member {
        /// Whose membership.
        user_id: String,
        /// Why it ended; `None` when it did not (joined, unbanned, role).
        left: Option<LeaveReason>,
    },
    /// The room's settings changed; `name` and `avatar_id` when they did.
    Settings {
        /// The new name.
        name: Option<String>,
        /// The new picture (empty: removed). Processes of an earlier version leave it
        /// out.
        #[serde(default)]
        avatar_id: Option<String>,
    },
    /// A room event the list does not show (a reaction, a pin): only the seq moves.
    NotShown,
    /// Not said (an event from a process of an earlier version): read the store.
    #[default]
    #[serde(other)]
    Unknown,
}

/// A user's rooms changed in a way only the store can tell: their read position or
/// mute moved, or they were added to the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomRefresh {
    /// The room.
    pub room_id: String,
    /// Whose entry to read again.
    pub user_ids: Vec<String>,
    /// The users were just added: their connections start watching the room.
    pub added: bool,
}

/// A request to the room feed: read this user's entry for this room.
pub type LoadRequest = (String, String);

#[derive(Debug)]
enum Badge {
    /// Read from the store; `dirty` when an event came meanwhile (read it again), and
    /// `everyone` when the result goes to every connection of the user, joined or not.
    Loading { dirty: bool, everyone: bool },
    /// The summary as last sent (boxed: it is ten times the size of `Loading`).
    Loaded(Box<Loaded>),
}

/// A summary as last sent, with the users its user had blocked when it was read: their
/// messages move only the seq and the activity, as in the store's room list.
#[derive(Debug)]
struct Loaded {
    summary: RoomSummary,
    blocked: Box<[String]>,
}

/// What an event did to a loaded badge.
enum Applied {
    /// A new summary to send.
    Changed,
    /// Nothing the list shows.
    Unchanged,
    /// Only the store can tell: load it.
    Reload,
}

/// The room-list part of the hub's state (under the hub's lock).
#[derive(Debug)]
pub(super) struct RoomList {
    /// Connections of members that have not joined the room, by room.
    watching: HashMap<String, HashSet<ConnectionId>>,
    /// By user, then room.
    badges: HashMap<String, HashMap<String, Badge>>,
    loads: mpsc::UnboundedSender<LoadRequest>,
}

impl RoomList {
    pub(super) fn new(loads: mpsc::UnboundedSender<LoadRequest>) -> Self {
        Self {
            watching: HashMap::new(),
            badges: HashMap::new(),
            loads,
        }
    }

    /// The connection is a member of the room and has not joined it.
    pub(super) fn watch(&mut self, id: ConnectionId, room_id: &str) {
        self.watching
            .entry(room_id.to_owned())
            .or_default()
            .insert(id);
    }

    /// The connection joined the room, left the hub, or left the room's membership.
    /// A user no connection of whom watches the room any more drops its badge: events
    /// it does not hear of would leave it behind.
    pub(super) fn unwatch(
        &mut self,
        id: ConnectionId,
        room_id: &str,
        user_id: &str,
        connections: &HashMap<ConnectionId, Connection>,
    ) {
        let Some(watchers) = self.watching.get_mut(room_id) else {
            return;
        };
        watchers.remove(&id);
        let still_watched = watchers
            .iter()
            .any(|other| connections.get(other).is_some_and(|c| c.user_id == user_id));
        if watchers.is_empty() {
            self.watching.remove(room_id);
        }
        if !still_watched {
            self.forget(user_id, room_id);
        }
    }

    fn forget(&mut self, user_id: &str, room_id: &str) {
        if let Some(rooms) = self.badges.get_mut(user_id) {
            if matches!(rooms.get(room_id), Some(Badge::Loaded(_))) {
                rooms.remove(room_id);
            }
            if rooms.is_empty() {
                self.badges.remove(user_id);
            }
        }
    }

    /// The user has no connection here any more.
    pub(super) fn user_gone(&mut self, user_id: &str) {
        self.badges.remove(user_id);
    }

    /// Moves the badges of the room's watchers on by a committed event, and sends the
    /// new summaries.
    pub(super) fn on_event(
        &mut self,
        event: &RoomEvent,
        connections: &mut HashMap<ConnectionId, Connection>,
    ) {
        let Some(watchers) = self.watching.get(&event.room_id) else {
            return;
        };
        let mut by_user: HashMap<String, Vec<ConnectionId>> = HashMap::new();
        for id in watchers {
            if let Some(conn) = connections.get(id) {
                by_user.entry(conn.user_id.clone()).or_default().push(*id);
            }
        }
        for (user_id, ids) in by_user {
            let rooms = self.badges.entry(user_id.clone()).or_default();
            let badge = rooms.get_mut(&event.room_id);
            let reload = match badge {
                None => true,
                Some(Badge::Loading { dirty, .. }) => {
                    *dirty = true;
                    false
                }
                Some(Badge::Loaded(loaded)) => match apply(loaded, event, &user_id) {
                    Applied::Changed => {
                        let frame = frame_of(&loaded.summary);
                        for id in &ids {
                            send(connections, *id, &frame);
                        }
                        false
                    }
                    Applied::Unchanged => false,
                    Applied::Reload => true,
                },
            };
            if reload {
                rooms.insert(
                    event.room_id.clone(),
                    Badge::Loading {
                        dirty: false,
                        everyone: false,
                    },
                );
                self.request(&user_id, &event.room_id);
            }
        }
    }

    /// Starts loading the users' entries for the room; `refresh.added` first makes their
    /// connections members that watch it (unless they joined it already).
    pub(super) fn refresh(
        &mut self,
        refresh: &RoomRefresh,
        connections: &mut HashMap<ConnectionId, Connection>,
        by_user: &HashMap<String, HashSet<ConnectionId>>,
    ) {
        for user_id in &refresh.user_ids {
            let Some(ids) = by_user.get(user_id) else {
                continue;
            };
            if refresh.added {
                let mut watching = false;
                for id in ids {
                    let Some(conn) = connections.get_mut(id) else {
                        continue;
                    };
                    conn.member_rooms.insert(refresh.room_id.clone());
                    if !conn.rooms.contains(&refresh.room_id) {
                        self.watch(*id, &refresh.room_id);
                        watching = true;
                    }
                }
                // Every connection of the user here joined the room (the one that joined
                // a public room, say): they follow its events; there is no list to tell.
                if !watching {
                    continue;
                }
            }
            let rooms = self.badges.entry(user_id.clone()).or_default();
            match rooms.get_mut(&refresh.room_id) {
                Some(Badge::Loading { dirty, everyone }) => {
                    *dirty = true;
                    *everyone = true;
                }
                _ => {
                    rooms.insert(
                        refresh.room_id.clone(),
                        Badge::Loading {
                            dirty: false,
                            everyone: true,
                        },
                    );
                    self.request(user_id, &refresh.room_id);
                }
            }
        }
    }

    /// Installs a loaded entry (`None`: the user is no longer a member), with the users
    /// they blocked, and sends it, unless an event came while it loaded: then it loads
    /// again.
    pub(super) fn install(
        &mut self,
        user_id: &str,
        room_id: &str,
        summary: Option<RoomSummary>,
        blocked: Vec<String>,
        connections: &mut HashMap<ConnectionId, Connection>,
        by_user: &HashMap<String, HashSet<ConnectionId>>,
    ) {
        let Some(rooms) = self.badges.get_mut(user_id) else {
            return; // The user left this process meanwhile.
        };
        let Some(Badge::Loading { dirty, everyone }) = rooms.get(room_id) else {
            return;
        };
        let everyone = *everyone;
        if *dirty {
            rooms.insert(
                room_id.to_owned(),
                Badge::Loading {
                    dirty: false,
                    everyone,
                },
            );
            self.request(user_id, room_id);
            return;
        }
        let Some(summary) = summary else {
            rooms.remove(room_id);
            return;
        };
        let frame = frame_of(&summary);
        let watchers = self.watching.get(room_id);
        let mut watched = false;
        for id in by_user.get(user_id).into_iter().flatten() {
            let watching = watchers.is_some_and(|w| w.contains(id));
            watched |= watching;
            if everyone || watching {
                send(connections, *id, &frame);
            }
        }
        if watched {
            let loaded = Loaded {
                summary,
                blocked: blocked.into_boxed_slice(),
            };
            rooms.insert(room_id.to_owned(), Badge::Loaded(Box::new(loaded)));
        } else {
            // Only joined connections: they follow the room's own events.
            rooms.remove(room_id);
            if rooms.is_empty() {
                self.badges.remove(user_id);
            }
        }
    }

    /// A load failed: the badge is dropped, so that the room's next event asks again.
    pub(super) fn abandon(&mut self, user_id: &str, room_id: &str) {
        if let Some(rooms) = self.badges.get_mut(user_id) {
            rooms.remove(room_id);
            if rooms.is_empty() {
                self.badges.remove(user_id);
            }
        }
    }

    /// Everything may have been missed (the cluster bus was interrupted): every badge
    /// loads again before its next summary.
    pub(super) fn reload_all(&mut self) {
        for (user_id, rooms) in &mut self.badges {
            for (room_id, badge) in rooms.iter_mut() {
                match badge {
                    Badge::Loading { dirty, .. } => *dirty = true,
                    Badge::Loaded(_) => {
                        *badge = Badge::Loading {
                            dirty: false,
                            everyone: false,
                        };
                        let _ = self.loads.send((user_id.clone(), room_id.clone()));
                    }
                }
            }
        }
    }

    fn request(&self, user_id: &str, room_id: &str) {
        // Fails only once the feed has stopped, at shutdown.
        let _ = self.loads.send((user_id.to_owned(), room_id.to_owned()));
    }
}

/// Moves `summary` on by a new message at `seq` (that mentions `user_id` if
/// `mentioned`).
fn add_message(
    summary: &mut RoomSummary,
    seq: u64,
    message: &LastMessage,
    mentioned: bool,
    user_id: &str,
) -> Applied {
    summary.last_seq = seq;
    if message.sender_id.as_str() != user_id {
        summary.unread_count += 1;
        if mentioned {
            summary.mention_count += 1;
        }
    }
    summary.last_activity_at = summary.last_activity_at.max(message.created_at);
    summary.last_message = Some(message.clone());
    Applied::Changed
}

/// Moves `summary` on by `event`, for `user_id`.
fn apply(loaded: &mut Loaded, event: &RoomEvent, user_id: &str) -> Applied {
    let summary = &mut loaded.summary;
    if event.seq <= summary.last_seq {
        // Committed before the summary was read: already in it.
        return Applied::Unchanged;
    }
    if event.seq != summary.last_seq + 1 {
        return Applied::Reload;
    }
    match &event.change {
        ListChange::Message(message) | ListChange::Mentioning { message, .. }
            if loaded
                .blocked
                .iter()
                .any(|blocked| blocked == message.sender_id.as_str()) =>
        {
            // Hidden by the user's apps: neither unread nor the last message.
            summary.last_seq = event.seq;
            summary.last_activity_at = summary.last_activity_at.max(message.created_at);
            Applied::Changed
        }
        ListChange::Message(message) => add_message(summary, event.seq, message, false, user_id),
        ListChange::Mentioning { message, mentions } => {
            let mentioned = mentions.iter().any(|mentioned| mentioned == user_id);
            add_message(summary, event.seq, message, mentioned, user_id)
        }
        ListChange::Edited {
            message_id,
            content,
        } => {
            summary.last_seq = event.seq;
            match &mut summary.last_message {
                Some(last) if last.message_id.as_str() == message_id => {
                    last.content.clone_from(content);
                    Applied::Changed
                }
                _ => Applied::Unchanged,
            }
        }
        // Never unread, and nothing the list shows: the next summary carries the seq.
        ListChange::Member { .. } | ListChange::NotShown => {
            summary.last_seq = event.seq;
            Applied::Unchanged
        }
        ListChange::Settings { name, avatar_id } => {
            summary.last_seq = event.seq;
            // A direct room shows the other member's name and picture, not its own.
            if summary.kind != RoomKind::Group || (name.is_none() && avatar_id.is_none()) {
                return Applied::Unchanged;
            }
            if let Some(name) = name {
                summary.name.clone_from(name);
            }
            if let Some(avatar_id) = avatar_id {
                summary.avatar_id = Some(avatar_id.clone())
                    .filter(|id| !id.is_empty())
                    .map(Into::into);
            }
            Applied::Changed
        }
        ListChange::Deleted | ListChange::Unknown => Applied::Reload,
    }
}

fn frame_of(summary: &RoomSummary) -> Arc<Utf8Bytes> {
    Arc::new(Utf8Bytes::from(
        ServerFrame::RoomUpdated(summary.clone()).encode(),
    ))
}

fn send(
    connections: &mut HashMap<ConnectionId, Connection>,
    id: ConnectionId,
    frame: &Arc<Utf8Bytes>,
) {
    if let Some(conn) = connections.get_mut(&id) {
        queue_for(id, conn, Delivery::Frame(Arc::clone(frame)));
    }
}

#[cfg(test)]
mod tests {
    use chat_protocol::v1::RoomVisibility;
    use tokio_util::sync::CancellationToken;

    use super::super::{Deliveries, Hub, delivery_queue};
    use super::*;

    fn summary(last_seq: u64, unread_count: u64) -> RoomSummary {
        RoomSummary {
            room_id: "r".into(),
            name: "room".into(),
            visibility: RoomVisibility::Private,
            last_seq,
            created_at: 1,
            kind: RoomKind::Group,
            last_message: None,
            last_activity_at: 1,
            unread_count,
            mention_count: 0,
            read_seq: 0,
            muted: false,
            muted_until: None,
            notify_mentions: None,
            avatar_id: None,
            placement: None,
            marked_unread: false,
        }
    }

    fn message(seq: u64, sender: &str) -> Arc<RoomEvent> {
        message_in("r", seq, sender)
    }

    fn message_in(room_id: &str, seq: u64, sender: &str) -> Arc<RoomEvent> {
        Arc::new(RoomEvent {
            room_id: room_id.into(),
            seq,
            origin: None,
            frame: Utf8Bytes::from_static("{}"),
            change: ListChange::Message(LastMessage {
                message_id: format!("m{seq}").into(),
                seq,
                sender_id: sender.into(),
                content: format!("text {seq}"),
                created_at: 100 + i64::try_from(seq).unwrap(),
            }),
        })
    }

    /// Ann's connection, a member of room `r` that has not joined it.
    fn watcher() -> (
        Hub,
        ConnectionId,
        Deliveries,
        mpsc::UnboundedReceiver<LoadRequest>,
    ) {
        let hub = Hub::new();
        let loads = hub.take_load_requests().unwrap();
        let (tx, rx) = delivery_queue(16);
        let (id, _) = hub
            .register("ann", tx, CancellationToken::new(), 5, vec!["r".into()])
            .unwrap();
        (hub, id, rx, loads)
    }

    fn summaries(rx: &mut Deliveries) -> Vec<RoomSummary> {
        let mut out = Vec::new();
        while let Ok(delivery) = rx.try_recv() {
            match delivery {
                Delivery::Frame(frame) => match ServerFrame::decode(frame.as_str()).unwrap() {
                    ServerFrame::RoomUpdated(summary) => out.push(summary),
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            }
        }
        out
    }

    #[test]
    fn a_badge_loads_once_then_moves_on_by_events_and_reloads_at_a_gap() {
        let (hub, _, mut rx, mut loads) = watcher();
        hub.deliver_room_event(&message(1, "bob"));
        assert_eq!(loads.try_recv().unwrap(), ("ann".into(), "r".into()));
        assert!(summaries(&mut rx).is_empty(), "nothing until it is read");

        hub.install_room_summary("ann", "r", Some(summary(1, 1)), Vec::new());
        assert_eq!(summaries(&mut rx), [summary(1, 1)]);
        hub.deliver_room_event(&message(1, "bob"));
        assert!(summaries(&mut rx).is_empty(), "already in what was read");

        hub.deliver_room_event(&message(2, "bob"));
        hub.deliver_room_event(&message(3, "ann"));
        let sent = summaries(&mut rx);
        let counts: Vec<(u64, u64)> = sent.iter().map(|s| (s.last_seq, s.unread_count)).collect();
        assert_eq!(counts, [(2, 2), (3, 2)], "one's own message does not count");
        assert_eq!(sent[1].last_message.as_ref().unwrap().content, "text 3");
        assert!(
            loads.try_recv().is_err(),
            "no read for what the event tells"
        );

        hub.deliver_room_event(&message(5, "bob"));
        assert!(summaries(&mut rx).is_empty());
        assert!(loads.try_recv().is_ok(), "seq 4 was missed: read the store");
    }

    #[test]
    fn a_blocked_users_message_moves_only_the_seq_and_the_activity() {
        let (hub, _, mut rx, mut loads) = watcher();
        hub.deliver_room_event(&message(1, "bob"));
        loads.try_recv().unwrap();
        hub.install_room_summary("ann", "r", Some(summary(1, 1)), vec!["troll".into()]);
        summaries(&mut rx);

        hub.deliver_room_event(&message(2, "troll"));
        hub.deliver_room_event(&message(3, "bob"));
        hub.deliver_room_event(&message(4, "troll"));
        let sent = summaries(&mut rx);
        let seen: Vec<(u64, u64, i64, Option<&str>)> = sent
            .iter()
            .map(|s| {
                let last = s.last_message.as_ref().map(|m| m.content.as_str());
                (s.last_seq, s.unread_count, s.last_activity_at, last)
            })
            .collect();
        assert_eq!(
            seen,
            [
                (2, 1, 102, None),
                (3, 2, 103, Some("text 3")),
                (4, 2, 104, Some("text 3")),
            ]
        );
        assert!(loads.try_recv().is_err(), "no read for a blocked sender");
    }

    #[test]
    fn an_event_during_a_load_makes_it_load_again() {
        let (hub, _, mut rx, mut loads) = watcher();
        hub.deliver_room_event(&message(1, "bob"));
        loads.try_recv().unwrap();
        hub.deliver_room_event(&message(2, "bob"));
        // Read before message 2 was committed: it must not be installed.
        hub.install_room_summary("ann", "r", Some(summary(1, 1)), Vec::new());
        assert!(summaries(&mut rx).is_empty());
        assert!(loads.try_recv().is_ok(), "asked again");
        hub.install_room_summary("ann", "r", Some(summary(2, 2)), Vec::new());
        assert_eq!(summaries(&mut rx), [summary(2, 2)]);
    }

    #[test]
    fn joining_a_public_room_reads_nothing_when_every_connection_of_the_user_joined_it() {
        let (hub, id, mut rx, mut loads) = watcher();
        hub.subscribe(id, "lobby");
        let added = RoomRefresh {
            room_id: "lobby".into(),
            user_ids: vec!["ann".into()],
            added: true,
        };
        hub.refresh_room(&added);
        assert!(
            loads.try_recv().is_err(),
            "the joined connection follows the room"
        );
        assert!(rx.try_recv().is_err());
        // Her second device has not joined it: it is told.
        let (tx, _other_rx) = delivery_queue(16);
        hub.register("ann", tx, CancellationToken::new(), 5, Vec::new())
            .unwrap();
        hub.refresh_room(&added);
        assert_eq!(loads.try_recv().unwrap().1, "lobby");
    }

    #[test]
    fn after_a_bus_interruption_every_loaded_badge_is_read_again() {
        let (hub, _, mut rx, mut loads) = watcher();
        hub.deliver_room_event(&message(1, "bob"));
        loads.try_recv().unwrap();
        hub.install_room_summary("ann", "r", Some(summary(1, 1)), Vec::new());
        summaries(&mut rx);
        hub.resync_all();
        let _ = rx.try_recv(); // the connection's own resync
        assert_eq!(loads.try_recv().unwrap(), ("ann".into(), "r".into()));
        // What was missed meanwhile comes with the read.
        hub.install_room_summary("ann", "r", Some(summary(4, 4)), Vec::new());
        assert_eq!(summaries(&mut rx), [summary(4, 4)]);
    }

    #[test]
    fn a_joined_connection_follows_the_room_itself_and_watches_again_once_it_leaves() {
        let (hub, id, mut rx, mut loads) = watcher();
        hub.subscribe(id, "r");
        hub.deliver_room_event(&message(1, "bob"));
        assert!(loads.try_recv().is_err(), "nobody watches the room");
        assert!(matches!(rx.try_recv(), Ok(Delivery::Room(_))));

        hub.unsubscribe(id, "r");
        hub.deliver_room_event(&message(2, "bob"));
        assert!(loads.try_recv().is_ok());
        assert!(rx.try_recv().is_err());

        // A room the user is not a member of is never watched.
        hub.subscribe(id, "public");
        hub.unsubscribe(id, "public");
        hub.deliver_room_event(&message_in("public", 1, "bob"));
        assert!(loads.try_recv().is_err());
    }

    #[test]
    fn a_refresh_reaches_every_connection_and_adds_a_room() {
        let (hub, id, mut rx, mut loads) = watcher();
        let (tx, mut joined_rx) = delivery_queue(16);
        let (joined, _) = hub
            .register("ann", tx, CancellationToken::new(), 5, vec!["r".into()])
            .unwrap();
        hub.subscribe(joined, "r");
        hub.refresh_room(&RoomRefresh {
            room_id: "r".into(),
            user_ids: vec!["ann".into(), "offline".into()],
            added: false,
        });
        assert_eq!(loads.try_recv().unwrap().0, "ann");
        assert!(
            loads.try_recv().is_err(),
            "nobody here to tell the offline user"
        );
        hub.install_room_summary("ann", "r", Some(summary(0, 0)), Vec::new());
        assert_eq!(summaries(&mut rx).len(), 1);
        assert_eq!(
            summaries(&mut joined_rx).len(),
            1,
            "read moves reach joined devices"
        );

        hub.refresh_room(&RoomRefresh {
            room_id: "new".into(),
            user_ids: vec!["ann".into()],
            added: true,
        });
        loads.try_recv().unwrap();
        hub.deliver_room_event(&message_in("new", 1, "bob"));
        assert!(summaries(&mut rx).is_empty(), "still loading: marked dirty");
        hub.install_room_summary("ann", "new", None, Vec::new());
        assert!(loads.try_recv().is_ok(), "read again after the event");
        hub.unregister(id);
        hub.unregister(joined);
        hub.install_room_summary("ann", "new", Some(summary(1, 1)), Vec::new());
        assert!(
            summaries(&mut rx).is_empty(),
            "gone: nothing kept, nothing sent"
        );
    }
}
