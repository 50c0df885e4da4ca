//! Typing indicators: fanned out on change, expired by a sweeper when not refreshed.

use std::time::Instant;

use axum::extract::ws::Utf8Bytes;
use chat_protocol::v1::ServerFrame;

use crate::state::AppState;

/// Tells the room's other users that `user_id` started or stopped typing.
pub fn announce(state: &AppState, room_id: &str, user_id: &str, is_typing: bool) {
    let frame = ServerFrame::Typing {
        room_id: room_id.to_owned(),
        user_id: user_id.to_owned(),
        is_typing,
    };
    state
        .bus()
        .publish_to_room(room_id, Utf8Bytes::from(frame.encode()), Some(user_id));
}

/// Applies a client's `typing` frame.
pub async fn update(state: &AppState, room_id: &str, user_id: &str, is_typing: bool) {
    let changed = if is_typing {
        state
            .hub()
            .typing_started(room_id, user_id, Instant::now(), state.config().typing_ttl)
    } else {
        state.hub().typing_stopped(room_id, user_id)
    };
    if changed {
        announce(state, room_id, user_id, is_typing);
    }
    // Refreshes count too: they move the cluster-wide expiry forward.
    if let Some(roster) = state.roster() {
        roster
            .set_typing(room_id, user_id, is_typing, state.config().typing_ttl)
            .await;
    }
}

/// Expires typing states that were not refreshed, until shutdown. Also trims the rate
/// limiter's memory of idle users.
pub async fn run_sweeper(state: AppState) {
    let period = (state.config().typing_ttl / 4).max(std::time::Duration::from_millis(50));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = state.shutdown().cancelled() => return,
            _ = tick.tick() => {}
        }
        for (room_id, user_id) in state.hub().expire_typing(Instant::now()) {
            announce(&state, &room_id, &user_id, false);
        }
        state.message_limiter().retain_recent();
        state.auth_limiter().retain_recent();
    }
}
