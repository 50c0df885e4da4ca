//! Pinned messages in the cache: moved on by `message_pinned` events, replaced by the
//! server's pins list, and read for the pinned banner offline.

use chat_protocol::v1::{Message, MessagePinned, PinnedMessage};
use rusqlite::{Connection, params};

use super::{Cache, LocalMessage, Result};

/// Applies one `message_pinned` event.
pub(super) fn apply(db: &Connection, pinned: &MessagePinned) -> Result<()> {
    if pinned.pinned {
        db.execute(
            "INSERT INTO pins (room_id, message_id, pinned_by, pinned_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (room_id, message_id) DO NOTHING",
            params![
                pinned.room_id.as_str(),
                pinned.message_id.as_str(),
                pinned.by.as_str(),
                pinned.created_at
            ],
        )?;
    } else {
        db.execute(
            "DELETE FROM pins WHERE room_id = ?1 AND message_id = ?2",
            params![pinned.room_id.as_str(), pinned.message_id.as_str()],
        )?;
    }
    Ok(())
}

impl Cache {
    /// Replaces a room's pins with the server's list (`GET /v1/rooms/{room_id}/pins`),
    /// each with the message as listed (the timeline's messages stay as they are: the
    /// cache holds history only in runs without holes).
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn store_pins(&mut self, room_id: &str, pins: &[PinnedMessage]) -> Result<()> {
        let tx = self.db.transaction()?;
        tx.execute("DELETE FROM pins WHERE room_id = ?1", params![room_id])?;
        for pin in pins {
            tx.execute(
                "INSERT OR REPLACE INTO pins (room_id, message_id, pinned_by, pinned_at, message)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    room_id,
                    pin.message.message_id.as_str(),
                    pin.pinned_by.as_str(),
                    pin.pinned_at,
                    serde_json::to_string(&pin.message).expect("messages serialise")
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The room's pinned messages that are not deleted, most recently pinned first: as
    /// the timeline holds them, else as the pins list last gave them. `me` is the
    /// signed-in user.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn pinned_messages(&self, room_id: &str, me: &str) -> Result<Vec<LocalMessage>> {
        let rows: Vec<(String, Option<String>)> = self
            .db
            .prepare(
                "SELECT message_id, message FROM pins WHERE room_id = ?1
                 ORDER BY pinned_at DESC, message_id DESC",
            )?
            .query_map(params![room_id], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut pinned = Vec::with_capacity(rows.len());
        for (id, listed) in rows {
            let message = match self.message_by_id(&id, me)? {
                Some(held) => Some(held),
                None => listed
                    .and_then(|json| serde_json::from_str::<Message>(&json).ok())
                    .map(|m| LocalMessage::from_server(m, me)),
            };
            if let Some(message) = message.filter(|m| !m.deleted) {
                pinned.push(message);
            }
        }
        Ok(pinned)
    }
}
