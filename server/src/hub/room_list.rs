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

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use chat_protocol::v1::{LastMessage, RoomSummary, ServerFrame};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::{Connection, ConnectionId, Delivery, RoomEvent, queue_for};

/// What a committed room event changed, as far as a room list can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListChange {
    /// A new message (its preview: the text already cut).
    Message(LastMessage),
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
    /// The summary as last sent.
    Loaded(RoomSummary),
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
                Some(Badge::Loaded(summary)) => match apply(summary, event, &user_id) {
                    Applied::Changed => {
                        let frame = frame_of(summary);
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
                for id in ids {
                    if let Some(conn) = connections.get_mut(id)
                        && conn.member_rooms.insert(refresh.room_id.clone())
                        && !conn.rooms.contains(&refresh.room_id)
                    {
                        self.watch(*id, &refresh.room_id);
                    }
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

    /// Installs a loaded entry (`None`: the user is no longer a member) and sends it,
    /// unless an event came while it loaded: then it loads again.
    pub(super) fn install(
        &mut self,
        user_id: &str,
        room_id: &str,
        summary: Option<RoomSummary>,
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
            rooms.insert(room_id.to_owned(), Badge::Loaded(summary));
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

/// Moves `summary` on by `event`, for `user_id`.
fn apply(summary: &mut RoomSummary, event: &RoomEvent, user_id: &str) -> Applied {
    if event.seq <= summary.last_seq {
        // Committed before the summary was read: already in it.
        return Applied::Unchanged;
    }
    if event.seq != summary.last_seq + 1 {
        return Applied::Reload;
    }
    match &event.change {
        ListChange::Message(message) => {
            summary.last_seq = event.seq;
            if message.sender_id.as_str() != user_id {
                summary.unread_count += 1;
            }
            summary.last_activity_at = summary.last_activity_at.max(message.created_at);
            summary.last_message = Some(message.clone());
            Applied::Changed
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
