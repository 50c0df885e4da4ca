//! Fan-out of committed events to every process that has connections.
//!
//! The default [`LocalBus`] hands events straight to this process's [`Hub`]; a
//! clustered deployment uses [`RedisBus`], which also passes them to the other processes
//! through Redis pub/sub.

mod redis;

use std::sync::Arc;

use tungstenite::Utf8Bytes;

use crate::hub::{AccountClosed, Hub, RoomEvent, RoomRefresh};

pub use self::redis::RedisBus;

/// Publishes events to every connection that should receive them, on any process.
pub trait Bus: Send + Sync + std::fmt::Debug + 'static {
    /// A committed room event, to every connection following the room.
    fn publish_room_event(&self, event: Arc<RoomEvent>);
    /// An ephemeral room frame (typing, receipt), optionally not to one user.
    fn publish_to_room(&self, room_id: &str, frame: Utf8Bytes, except_users: &[String]);
    /// A frame to every connection of the given users (presence).
    fn publish_to_users(&self, user_ids: &[String], frame: Utf8Bytes);
    /// Users' room summaries to read again, wherever they have connections.
    fn publish_room_refresh(&self, refresh: RoomRefresh);
    /// Ends every connection of the user, on every process (their account was closed).
    fn publish_close_user(&self, user_id: &str, why: AccountClosed);
    /// A room was deleted: its former members' connections everywhere stop following it.
    fn publish_room_deleted(&self, room_id: &str, members: &[String]);
    /// Whether events reach the other processes right now (for `/readyz`).
    fn healthy(&self) -> bool {
        true
    }
}

/// In-process bus: one server process, no external dependency.
#[derive(Debug)]
pub struct LocalBus {
    hub: Arc<Hub>,
}

impl LocalBus {
    /// A bus delivering to `hub`.
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

impl Bus for LocalBus {
    fn publish_room_event(&self, event: Arc<RoomEvent>) {
        self.hub.deliver_room_event(&event);
    }

    fn publish_to_room(&self, room_id: &str, frame: Utf8Bytes, except_users: &[String]) {
        self.hub.deliver_to_room(room_id, &frame, except_users);
    }

    fn publish_to_users(&self, user_ids: &[String], frame: Utf8Bytes) {
        self.hub.deliver_to_users(user_ids, &frame);
    }

    fn publish_room_refresh(&self, refresh: RoomRefresh) {
        self.hub.refresh_room(&refresh);
    }

    fn publish_close_user(&self, user_id: &str, why: AccountClosed) {
        self.hub.close_user(user_id, why);
    }

    fn publish_room_deleted(&self, room_id: &str, members: &[String]) {
        self.hub.room_deleted(room_id, members);
    }
}
