//! The user's changes still in the outbox, shown on the messages they change before the
//! server confirms them: a pending edit's text, a pending delete, reaction or pin.

use rusqlite::{Connection, params};

use super::{LocalMessage, Result};

/// One queued change as the outbox holds it.
struct Pending {
    kind: String,
    target_message_id: Option<String>,
    target_client_msg_id: Option<String>,
    content: String,
    emoji: Option<String>,
    flag: Option<bool>,
    created_at: i64,
}

impl Pending {
    fn targets(&self, message: &LocalMessage) -> bool {
        match (&self.target_message_id, &message.message_id) {
            (Some(target), Some(id)) => target == id,
            _ => self
                .target_client_msg_id
                .as_ref()
                .is_some_and(|target| *target == message.client_msg_id),
        }
    }
}

/// Lays the room's queued changes of `me` over a page of its messages, in the order
/// they were made.
pub(super) fn overlay(
    db: &Connection,
    room_id: &str,
    me: &str,
    page: &mut [LocalMessage],
) -> Result<()> {
    let mut query = db.prepare_cached(
        "SELECT kind, target_message_id, target_client_msg_id, content, emoji, flag, created_at
         FROM outbox WHERE room_id = ?1 AND kind <> 'send' AND failed_code IS NULL
         ORDER BY position",
    )?;
    let changes = query
        .query_map(params![room_id], |row| {
            Ok(Pending {
                kind: row.get(0)?,
                target_message_id: row.get(1)?,
                target_client_msg_id: row.get(2)?,
                content: row.get(3)?,
                emoji: row.get(4)?,
                flag: row.get(5)?,
                created_at: row.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for change in changes {
        let Some(message) = page.iter_mut().find(|m| change.targets(m)) else {
            continue;
        };
        match change.kind.as_str() {
            "edit" if !message.deleted => {
                message.content = change.content;
                message.edited_at = Some(change.created_at);
            }
            "delete" => {
                message.deleted = true;
                message.content.clear();
                message.reactions.clear();
                message.mentions.clear();
                message.attachments.clear();
            }
            "react" if !message.deleted => {
                if let (Some(emoji), Some(on)) = (&change.emoji, change.flag) {
                    super::reactions::set_mine(&mut message.reactions, emoji, on, me);
                }
            }
            "pin" if !message.deleted => message.pinned = change.flag.unwrap_or(false),
            _ => {}
        }
    }
    Ok(())
}
