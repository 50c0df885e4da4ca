//! Typing indicators, and their one owner: [`Typing`] keeps this process's states (a
//! room hears of a change, and of the stop when a state is not refreshed in time) and,
//! in a cluster, their copies in Redis, from which any process announces the stop of a
//! user whose process died. Users who blocked the typer hear nothing of it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chat_protocol::v1::ServerFrame;
use tokio_util::sync::CancellationToken;
use tungstenite::Utf8Bytes;

use crate::bus::Bus;
use crate::roster::Roster;
use crate::store::Store;

/// Who is typing where, on this process and (through the roster) across the cluster.
#[derive(Debug)]
pub struct Typing {
    states: States,
    bus: Arc<dyn Bus>,
    roster: Option<Arc<Roster>>,
    /// Who blocked a typer (read at each change: typing changes are rare next to
    /// messages, and a block made on any process counts at once).
    store: Arc<dyn Store>,
}

impl Typing {
    /// Announces through `bus`; keeps cluster copies in `roster` when there is one.
    /// A `typing` frame holds for `ttl` without a refresh (`--typing-ttl`).
    pub fn new(
        bus: Arc<dyn Bus>,
        roster: Option<Arc<Roster>>,
        store: Arc<dyn Store>,
        ttl: Duration,
    ) -> Self {
        Self {
            states: States::new(ttl),
            bus,
            roster,
            store,
        }
    }

    /// Applies a client's `typing` frame. The room hears only of a change; a refresh
    /// moves the expiry forward, here and in the cluster.
    pub async fn update(&self, room_id: &str, user_id: &str, is_typing: bool) {
        let changed = if is_typing {
            self.states.start(room_id, user_id, Instant::now())
        } else {
            self.states.stop(room_id, user_id)
        };
        // In a cluster, a start is in Redis before anyone hears of it, and a stop leaves
        // Redis only once it was announced: if this process dies in between, the other
        // processes' sweepers announce the stop when the TTL passes. The other order left
        // a room with an indicator nobody would end, when the process died after telling
        // the room and before writing to Redis (at worst now, a stop is heard twice).
        if is_typing {
            self.record_in_cluster(room_id, user_id, true).await;
        }
        if changed {
            self.announce(room_id, user_id, is_typing).await;
        }
        if !is_typing {
            self.record_in_cluster(room_id, user_id, false).await;
        }
    }

    /// Writes the state to the cluster's Redis copy (nothing without a cluster).
    async fn record_in_cluster(&self, room_id: &str, user_id: &str, is_typing: bool) {
        if let Some(roster) = &self.roster {
            roster
                .set_typing(room_id, user_id, is_typing, self.states.ttl)
                .await;
        }
    }

    /// A connection of `user_id` left the room: if they were typing there, they stop.
    pub async fn left_room(&self, room_id: &str, user_id: &str) {
        if self.states.stop(room_id, user_id) {
            self.announce(room_id, user_id, false).await;
            self.record_in_cluster(room_id, user_id, false).await;
        }
    }

    /// The last connection of `user_id` on this process closed: every room they were
    /// typing in hears that they stopped.
    pub async fn disconnected(&self, user_id: &str) {
        let rooms = self.forget(user_id);
        for room_id in &rooms {
            self.announce(room_id, user_id, false).await;
            self.record_in_cluster(room_id, user_id, false).await;
        }
    }

    /// Drops every state of `user_id` without announcing anything (for a connection
    /// that ended abnormally); returns the rooms they were typing in.
    pub fn forget(&self, user_id: &str) -> Vec<String> {
        self.states.forget(user_id)
    }

    /// Tells the room's other users, on every process, that `user_id` started or
    /// stopped typing; those who blocked them are left out.
    async fn announce(&self, room_id: &str, user_id: &str, is_typing: bool) {
        let frame = ServerFrame::Typing {
            room_id: room_id.into(),
            user_id: user_id.into(),
            is_typing,
        };
        let mut left_out = match self.store.blockers_of(user_id).await {
            Ok(blockers) => blockers,
            Err(e) => {
                // Rather no indicator than one a blocker should not see.
                tracing::warn!(error = %e, "typing not announced: blocks unreadable");
                return;
            }
        };
        left_out.push(user_id.to_owned());
        self.bus
            .publish_to_room(room_id, Utf8Bytes::from(frame.encode()), &left_out);
    }
}

/// This process's typing states: (room, user) → when the state expires unless
/// refreshed.
#[derive(Debug)]
struct States {
    expiries: Mutex<HashMap<(String, String), Instant>>,
    ttl: Duration,
}

impl States {
    fn new(ttl: Duration) -> Self {
        Self {
            expiries: Mutex::default(),
            ttl,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Instant>> {
        self.expiries.lock().expect("typing lock poisoned")
    }

    /// Marks (room, user) as typing until `now + ttl`. True when they were not typing
    /// before (or their state had expired), i.e. the room must be told.
    fn start(&self, room_id: &str, user_id: &str, now: Instant) -> bool {
        self.lock()
            .insert((room_id.to_owned(), user_id.to_owned()), now + self.ttl)
            .is_none_or(|expiry| expiry <= now)
    }

    /// Clears (room, user). True when they were typing.
    fn stop(&self, room_id: &str, user_id: &str) -> bool {
        self.lock()
            .remove(&(room_id.to_owned(), user_id.to_owned()))
            .is_some()
    }

    /// Removes the states not refreshed by `now` and returns them as (room, user).
    fn expire(&self, now: Instant) -> Vec<(String, String)> {
        let mut expired = Vec::new();
        self.lock().retain(|key, expiry| {
            let keep = *expiry > now;
            if !keep {
                expired.push(key.clone());
            }
            keep
        });
        expired
    }

    /// Drops every state of `user_id`; returns the rooms they were typing in.
    fn forget(&self, user_id: &str) -> Vec<String> {
        let mut rooms = Vec::new();
        self.lock().retain(|(room, user), _| {
            let drop = user == user_id;
            if drop {
                rooms.push(room.clone());
            }
            !drop
        });
        rooms
    }
}

/// Until `shutdown`: expires this process's states that were not refreshed (a few
/// times per TTL) and, in a cluster, as often as the roster sweeps, the Redis copies of
/// users whose process died.
pub async fn run_sweeper(typing: Arc<Typing>, shutdown: CancellationToken) {
    let mut local = tokio::time::interval((typing.states.ttl / 4).max(Duration::from_millis(50)));
    local.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Without a roster this timer is never polled; any period will do.
    let cluster_every = typing
        .roster
        .as_ref()
        .map_or(Duration::from_secs(60), |roster| roster.sweep_period());
    let mut cluster = tokio::time::interval(cluster_every);
    cluster.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = local.tick() => {
                for (room_id, user_id) in typing.states.expire(Instant::now()) {
                    typing.announce(&room_id, &user_id, false).await;
                }
            }
            _ = cluster.tick(), if typing.roster.is_some() => {
                if let Some(roster) = &typing.roster {
                    for (room_id, user_id) in roster.sweep_typing().await {
                        typing.announce(&room_id, &user_id, false).await;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typing() -> States {
        States::new(Duration::from_secs(5))
    }

    #[test]
    fn a_refresh_is_no_change_and_an_unrefreshed_state_expires() {
        let typing = typing();
        let t0 = Instant::now();
        assert!(typing.start("r1", "u", t0));
        assert!(!typing.start("r1", "u", t0 + Duration::from_secs(1)));
        assert!(typing.start("r2", "u", t0));
        assert!(typing.expire(t0 + Duration::from_secs(4)).is_empty());
        assert_eq!(
            typing.expire(t0 + Duration::from_secs(5)),
            vec![("r2".into(), "u".into())]
        );
        // After expiring, typing again is a change the room must hear of.
        assert!(typing.start("r2", "u", t0 + Duration::from_secs(6)));
    }

    #[test]
    fn forgetting_a_user_clears_their_rooms_only() {
        let typing = typing();
        let t0 = Instant::now();
        typing.start("r1", "u", t0);
        typing.start("r2", "u", t0);
        typing.start("r1", "v", t0);
        let mut rooms = typing.forget("u");
        rooms.sort();
        assert_eq!(rooms, ["r1", "r2"]);
        assert!(typing.stop("r1", "v"));
        assert!(!typing.stop("r1", "u"));
    }
}
