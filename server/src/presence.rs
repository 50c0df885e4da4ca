//! Presence, and its one owner: [`Presence`]. A user is online while at least one of
//! their connections is authenticated, on any process; changes go to the users who share
//! a room with them.
//!
//! The co-member list is read from the store *before* a connection registers or
//! unregisters, so that the change itself is announced in the same step as the hub
//! update, with no await in between: otherwise a user who reconnects at once could
//! have their new "online" overtaken by the old connection's late "offline".

use std::sync::Arc;

use chat_protocol::v1::{PresenceStatus, ServerFrame};
use tokio_util::sync::CancellationToken;
use tungstenite::Utf8Bytes;

use crate::bus::Bus;
use crate::clock::now_ms;
use crate::hub::Hub;
use crate::roster::Roster;
use crate::store::Store;

/// Who is online, and the announcements when that changes.
#[derive(Debug)]
pub struct Presence {
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    /// This process's connections: the answer when there is no roster (or Redis is away).
    hub: Arc<Hub>,
    /// Every process's connections, in a cluster.
    roster: Option<Arc<Roster>>,
}

impl Presence {
    /// Reads co-members from `store`, announces through `bus`, and asks `roster` (in a
    /// cluster) or else `hub` who is online.
    pub fn new(
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        hub: Arc<Hub>,
        roster: Option<Arc<Roster>>,
    ) -> Self {
        Self {
            store,
            bus,
            hub,
            roster,
        }
    }

    /// The users who share a room with `user_id` (empty, with a warning, if the store
    /// fails: presence is best-effort and must not stop a connection).
    pub async fn co_members(&self, user_id: &str) -> Vec<String> {
        self.store.co_members(user_id).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "presence: could not list co-members");
            Vec::new()
        })
    }

    /// Which of `user_ids` are online: on any process of a cluster (the roster), else on
    /// this one (the hub). Without Redis, a cluster process answers for itself only.
    pub async fn online_among(&self, user_ids: &[String]) -> Vec<String> {
        if let Some(roster) = &self.roster
            && let Some(online) = roster.online_among(user_ids).await
        {
            return online;
        }
        self.hub.online_among(user_ids)
    }

    /// Announces that `user_id` came online (if this is their first connection) and
    /// returns the presence frames of the co-members already online, for the new
    /// connection.
    pub async fn came_online(
        &self,
        user_id: &str,
        co_members: &[String],
        first_connection: bool,
    ) -> Vec<ServerFrame> {
        if first_connection {
            self.announce(user_id, co_members, PresenceStatus::Online, None);
            self.record(user_id, true, co_members).await;
        }
        self.online_among(co_members)
            .await
            .into_iter()
            .map(|user_id| ServerFrame::Presence {
                user_id: user_id.into(),
                status: PresenceStatus::Online,
                last_seen: None,
            })
            .collect()
    }

    /// Announces that `user_id`'s last connection closed.
    pub async fn went_offline(&self, user_id: &str, co_members: &[String]) {
        let last_seen = Some(now_ms());
        self.announce(user_id, co_members, PresenceStatus::Offline, last_seen);
        self.record(user_id, false, co_members).await;
    }

    fn announce(
        &self,
        user_id: &str,
        co_members: &[String],
        status: PresenceStatus,
        last_seen: Option<i64>,
    ) {
        let frame = ServerFrame::Presence {
            user_id: user_id.into(),
            status,
            last_seen,
        };
        self.bus
            .publish_to_users(co_members, Utf8Bytes::from(frame.encode()));
    }

    /// Puts a presence change on the event stream (when one is configured). Presence is
    /// not stored, so this is written on its own, not in a transaction with anything.
    async fn record(&self, user_id: &str, online: bool, co_members: &[String]) {
        let event = crate::events::schema::presence_changed(user_id, online, now_ms(), co_members);
        if let Err(e) = self.store.append_event(&event).await {
            tracing::warn!(error = %e, "presence event not recorded");
        }
    }
}

/// In a cluster, until `shutdown`: refreshes this process's entries in the roster, and
/// sweeps the entries of processes that died, announcing their users offline where
/// nothing else of theirs is left.
pub async fn run_cluster_upkeep(
    presence: Arc<Presence>,
    roster: Arc<Roster>,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(roster.sweep_period());
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if !roster.refresh(&presence.hub.connections()).await {
            continue;
        }
        for user_id in roster.sweep().await {
            let co_members = presence.co_members(&user_id).await;
            presence.went_offline(&user_id, &co_members).await;
        }
    }
}
