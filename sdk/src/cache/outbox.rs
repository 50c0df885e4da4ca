//! The persisted outbox: a message is written here before `send_message` returns, and
//! leaves it in the same transaction that stores the server's copy.

use chat_protocol::v1::ErrorCode;
use rusqlite::{OptionalExtension, params};

use super::apply::sql_seq;
use super::{Cache, LocalMessage, MessageStatus, Result};
use crate::core::OutgoingMessage;

impl Cache {
    /// Persists a new message from this user; returns its local echo.
    ///
    /// # Errors
    ///
    /// When SQLite fails (the message is then not sent either).
    pub fn enqueue(
        &mut self,
        room_id: &str,
        sender_id: &str,
        content: &str,
        now_ms: i64,
    ) -> Result<LocalMessage> {
        let client_msg_id = uuid::Uuid::new_v4().hyphenated().to_string();
        self.db.execute(
            "INSERT INTO outbox (client_msg_id, room_id, content, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![client_msg_id, room_id, content, now_ms],
        )?;
        Ok(LocalMessage {
            room_id: room_id.to_owned(),
            seq: None,
            message_id: None,
            client_msg_id,
            sender_id: sender_id.to_owned(),
            content: content.to_owned(),
            created_at: now_ms,
            edited_at: None,
            deleted: false,
            status: MessageStatus::Pending,
            sender_blocked: false,
        })
    }

    /// Everything in the outbox, in the order written (to hand to the core on start).
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn outbox(&self) -> Result<Vec<(OutgoingMessage, bool)>> {
        let mut query = self.db.prepare(
            "SELECT room_id, client_msg_id, content, failed_code IS NOT NULL FROM outbox ORDER BY position",
        )?;
        let rows = query.query_map([], |row| {
            Ok((
                OutgoingMessage {
                    room_id: row.get(0)?,
                    client_msg_id: row.get(1)?,
                    content: row.get(2)?,
                },
                row.get::<_, bool>(3)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The server stored an outbox message: it moves to the messages table, together
    /// with the room's new cursor, atomically.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn sent(
        &mut self,
        client_msg_id: &str,
        sender_id: &str,
        message_id: &str,
        seq: u64,
        created_at: i64,
        cursor: Option<super::CursorUpdate<'_>>,
    ) -> Result<()> {
        let tx = self.db.transaction()?;
        if let Some(update) = cursor {
            tx.execute(
                "INSERT INTO rooms (room_id, cursor) VALUES (?1, ?2)
                 ON CONFLICT (room_id) DO UPDATE SET cursor = excluded.cursor",
                params![update.room_id, sql_seq(update.cursor)],
            )?;
        }
        let pending: Option<(String, String)> = tx
            .query_row(
                "SELECT room_id, content FROM outbox WHERE client_msg_id = ?1",
                params![client_msg_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        if let Some((room_id, content)) = pending {
            tx.execute(
                "INSERT INTO messages (room_id, seq, message_id, client_msg_id, sender_id, content, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
                params![room_id, sql_seq(seq), message_id, client_msg_id, sender_id, content, created_at],
            )?;
            tx.execute(
                "DELETE FROM outbox WHERE client_msg_id = ?1",
                params![client_msg_id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The server refused a message for good.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn failed(&mut self, client_msg_id: &str, code: ErrorCode, message: &str) -> Result<()> {
        self.db.execute(
            "UPDATE outbox SET failed_code = ?2, failed_message = ?3 WHERE client_msg_id = ?1",
            params![client_msg_id, code.as_str(), message],
        )?;
        Ok(())
    }

    /// A failed message is queued again.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn retrying(&mut self, client_msg_id: &str) -> Result<()> {
        self.db.execute(
            // To the back of the line, as the core does: it is sent after what is queued.
            "UPDATE outbox SET failed_code = NULL, failed_message = NULL,
                 position = (SELECT MAX(position) + 1 FROM outbox)
             WHERE client_msg_id = ?1",
            params![client_msg_id],
        )?;
        Ok(())
    }

    /// A message is removed from the outbox without being sent.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn cancelled(&mut self, client_msg_id: &str) -> Result<()> {
        self.db.execute(
            "DELETE FROM outbox WHERE client_msg_id = ?1",
            params![client_msg_id],
        )?;
        Ok(())
    }
}

/// Decodes a stored error code (unknown codes stay unknown).
pub(super) fn error_code(text: &str) -> ErrorCode {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).unwrap_or(ErrorCode::Unknown)
}
