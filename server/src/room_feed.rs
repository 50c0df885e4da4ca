//! The room list as users see it: a room's summary for one user, what a committed
//! event changes in it, and the feed that keeps every connection's list live.
//!
//! The hub moves summaries on by events it can read them from (`hub::room_list`); for
//! the rest (a delete, a read position or mute that moved, a user added to a room) it
//! asks for the user's entry to be read from the store. [`run`] answers those requests,
//! and the functions below tell every process's hub when a user's entry changed
//! without a room event (through the bus, so the user's connections on every process
//! hear of it).

use chat_protocol::v1::{
    LAST_MESSAGE_PREVIEW_CHARS, LastMessage, LeaveReason, RoomKind, RoomSummary,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;
use crate::hub::{ListChange, LoadRequest, RoomRefresh};
use crate::state::AppState;
use crate::store::{EventKind, NewEvent, RoomListEntry};

/// The room as the list shows it to a user at `now`.
pub fn summary(entry: RoomListEntry, now: i64) -> RoomSummary {
    // A mute whose time has passed is no mute.
    let muted_until = entry.muted_until.filter(|&until| until > now);
    let room = entry.room;
    RoomSummary {
        kind: RoomKind::from(room.visibility),
        name: entry.peer_name.unwrap_or(room.name),
        room_id: room.id.into(),
        visibility: room.visibility,
        last_seq: room.last_seq,
        created_at: room.created_at,
        last_message: entry.last_message.map(preview),
        last_activity_at: entry.last_activity_at,
        unread_count: entry.unread_count,
        mention_count: entry.mention_count,
        read_seq: entry.read_seq,
        muted: muted_until.is_some(),
        muted_until,
        notify_mentions: muted_until.map(|_| entry.mute_mentions),
        avatar_id: entry.avatar_id.map(Into::into),
        placement: entry.placement,
        marked_unread: entry.marked_unread,
    }
}

/// The message with its text cut to the preview's length.
pub fn preview(mut message: LastMessage) -> LastMessage {
    message.content = cut(message.content);
    message
}

fn cut(mut text: String) -> String {
    if let Some((end, _)) = text.char_indices().nth(LAST_MESSAGE_PREVIEW_CHARS) {
        text.truncate(end);
    }
    text
}

/// What a committed event changes in its room's summaries.
pub fn list_change(event: &NewEvent<'_>) -> ListChange {
    match event {
        NewEvent::Message { message, .. } => {
            let last = LastMessage {
                message_id: message.message_id.clone(),
                seq: message.seq,
                sender_id: message.sender_id.clone(),
                content: cut(message.content.clone()),
                created_at: message.created_at,
            };
            if message.mentions.is_empty() {
                ListChange::Message(last)
            } else {
                ListChange::Mentioning {
                    message: last,
                    mentions: message.mentions.iter().map(ToString::to_string).collect(),
                }
            }
        }
        NewEvent::Change(event) => match &event.kind {
            EventKind::Edited {
                message_id,
                content,
                ..
            } => ListChange::Edited {
                message_id: message_id.to_string(),
                content: cut(content.clone()),
            },
            EventKind::Deleted { .. } => ListChange::Deleted,
            EventKind::Member(changed) => ListChange::Member {
                user_id: changed.user_id.to_string(),
                left: LeaveReason::of(changed.change),
            },
            EventKind::Room(changed) => ListChange::Settings {
                name: changed.name.clone(),
                avatar_id: changed.avatar_id.clone(),
            },
            EventKind::Reaction(_) | EventKind::Pinned(_) => ListChange::NotShown,
            // Never committed as a change.
            EventKind::Message(_) => ListChange::Unknown,
        },
    }
}

/// The users were added to the room: their connections start hearing of it.
pub fn members_added(state: &AppState, room_id: &str, user_ids: Vec<String>) {
    state.bus().publish_room_refresh(RoomRefresh {
        room_id: room_id.to_owned(),
        user_ids,
        added: true,
    });
}

/// The user's read position, mute, placement or unread mark in the room moved: every
/// connection of theirs, on every process, gets the room's summary again.
pub fn entry_changed(state: &AppState, room_id: &str, user_id: &str) {
    state.bus().publish_room_refresh(RoomRefresh {
        room_id: room_id.to_owned(),
        user_ids: vec![user_id.to_owned()],
        added: false,
    });
}

/// Answers the hub's load requests until shutdown: each is one read of the
/// user's entry. After a failed read the hub drops the badge, so that the room's next
/// event asks again.
pub async fn run(
    state: AppState,
    mut requests: mpsc::UnboundedReceiver<LoadRequest>,
    shutdown: CancellationToken,
) {
    loop {
        let (user_id, room_id) = tokio::select! {
            () = shutdown.cancelled() => return,
            request = requests.recv() => match request {
                Some(request) => request,
                None => return,
            },
        };
        match read_entry(&state, &user_id, &room_id).await {
            Ok((summary, blocked)) => {
                state
                    .hub()
                    .install_room_summary(&user_id, &room_id, summary, blocked);
            }
            Err(e) => {
                tracing::warn!(error = %e, room = %room_id, user = %user_id, "room list: cannot read a summary");
                state.hub().abandon_room_summary(&user_id, &room_id);
            }
        }
    }
}

/// The user's summary of the room, and the users they blocked (the hub leaves those
/// users' later messages out of it).
async fn read_entry(
    state: &AppState,
    user_id: &str,
    room_id: &str,
) -> crate::store::Result<(Option<RoomSummary>, Vec<String>)> {
    let Some(entry) = state.store().room_entry(user_id, room_id).await? else {
        return Ok((None, Vec::new()));
    };
    let blocked = state.store().blocked_users(user_id).await?;
    let blocked = blocked.into_iter().map(|b| b.user_id.to_string()).collect();
    Ok((Some(summary(entry, now_ms())), blocked))
}

/// The user blocked or unblocked someone: the unread counts and last messages of their
/// rooms change, so every connection of theirs, on every process, gets their rooms'
/// summaries again, read with the new block list. Every room of theirs, not only those
/// shared with the other user now: the other may have left a room where their messages
/// stay, or join one later, and a badge's block list is only read when it loads.
///
/// # Errors
///
/// When the store cannot list the user's rooms.
pub async fn blocks_changed(state: &AppState, user_id: &str) -> crate::store::Result<()> {
    for room_id in state.store().rooms_of(user_id).await? {
        entry_changed(state, &room_id, user_id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_is_cut_at_a_character_not_a_byte() {
        let long = "é".repeat(LAST_MESSAGE_PREVIEW_CHARS + 5);
        assert_eq!(cut(long).chars().count(), LAST_MESSAGE_PREVIEW_CHARS);
        let exact = "a".repeat(LAST_MESSAGE_PREVIEW_CHARS);
        assert_eq!(cut(exact.clone()), exact);
    }
}
