//! A connection's entry in the hub, with the presence changes that come with it. The
//! entry is removed when the connection ends, even if its task panics.

use chat_protocol::v1::ServerFrame;
use tokio_util::sync::CancellationToken;

use crate::hub::{ConnectionId, DeliveryQueue, TooManyConnections};
use crate::roster::NotAdmitted;
use crate::state::AppState;
use crate::store::Circle;

/// An authenticated connection registered in the hub.
#[derive(Debug)]
pub(super) struct HubEntry {
    state: AppState,
    user_id: String,
    connection_id: ConnectionId,
    /// Cleared by [`HubEntry::leave`]; if still set on drop, the task ended abnormally.
    active: bool,
}

impl HubEntry {
    /// Registers the connection as a member of the `circle`'s rooms (whose room-list
    /// changes it then hears of) and announces the user online to its co-members (read
    /// before, so that no await separates the registration from the announcement) if
    /// this is their first connection. Returns the entry and the presence snapshot for
    /// the client.
    ///
    /// # Errors
    ///
    /// When the user already holds the maximum number of connections.
    pub(super) async fn enter(
        state: &AppState,
        user_id: &str,
        circle: Circle,
        queue: DeliveryQueue,
        slow: CancellationToken,
    ) -> Result<(Self, Vec<ServerFrame>), TooManyConnections> {
        let max = state.config().max_connections_per_user;
        let Circle {
            rooms, co_members, ..
        } = circle;
        let (connection_id, first_here) = state.hub().register(user_id, queue, slow, max, rooms)?;
        // In a cluster the user's connections on every process count, and "first"
        // means first anywhere. Without Redis, this process's own view stands in.
        let first = match state.roster() {
            Some(roster) => match roster.connect(user_id, connection_id, max).await {
                Ok(first) => first,
                Err(NotAdmitted::TooMany) => {
                    state.hub().unregister(connection_id);
                    return Err(TooManyConnections);
                }
                Err(NotAdmitted::Unavailable) => first_here,
            },
            None => first_here,
        };
        crate::telemetry::users(state.hub().user_count());
        let snapshot = state
            .presence()
            .came_online(user_id, &co_members, first)
            .await;
        let entry = Self {
            state: state.clone(),
            user_id: user_id.to_owned(),
            connection_id,
            active: true,
        };
        Ok((entry, snapshot))
    }

    /// This connection's id.
    pub(super) fn connection_id(&self) -> ConnectionId {
        self.connection_id
    }

    /// Unregisters; clears typing and announces the user offline if this was their last
    /// connection.
    pub(super) async fn leave(mut self) {
        let co_members = self.state.presence().co_members(&self.user_id).await;
        self.active = false;
        let Some(departure) = self.state.hub().unregister(self.connection_id) else {
            return;
        };
        crate::telemetry::users(self.state.hub().user_count());
        if departure.went_offline {
            self.state.typing().disconnected(&self.user_id).await;
        }
        let went_offline = match self.state.roster() {
            Some(roster) => roster
                .disconnect(&self.user_id, self.connection_id)
                .await
                .unwrap_or(departure.went_offline),
            None => departure.went_offline,
        };
        if went_offline {
            self.state
                .presence()
                .went_offline(&self.user_id, &co_members)
                .await;
        }
    }
}

impl Drop for HubEntry {
    fn drop(&mut self) {
        if self.active {
            // Only reached if the connection task panicked or was cancelled: free the
            // connection slot so the user is not locked out or shown online forever.
            if self
                .state
                .hub()
                .unregister(self.connection_id)
                .is_some_and(|departure| departure.went_offline)
            {
                self.state.typing().forget(&self.user_id);
            }
        }
    }
}
