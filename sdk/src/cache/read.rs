//! Reading the cache: pages of messages with local echoes and statuses, cursors.

use rusqlite::{OptionalExtension, params};

use super::apply::sql_seq;
use super::outbox::error_code;
use super::{Cache, LocalMessage, MessageStatus, Result};

impl Cache {
    /// Rooms this client follows, with their resume cursors.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn followed_rooms(&self) -> Result<Vec<(String, Option<u64>)>> {
        let mut query = self
            .db
            .prepare("SELECT room_id, cursor FROM rooms ORDER BY room_id")?;
        let rows = query.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<i64>>(1)?.map(to_seq),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The resume cursor of a followed room.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn cursor(&self, room_id: &str) -> Result<Option<u64>> {
        let cursor: Option<Option<i64>> = self
            .db
            .query_row(
                "SELECT cursor FROM rooms WHERE room_id = ?1",
                params![room_id],
                |row| row.get(0),
            )
            .optional()?;
        Ok(cursor.flatten().map(to_seq))
    }

    /// Up to `limit` stored messages of a room with seq below `before_seq` (the newest
    /// when `None`), oldest first; the newest page ends with the room's local echoes.
    /// `me` is the signed-in user, whose messages get a delivery status.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn messages(
        &self,
        room_id: &str,
        me: &str,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<LocalMessage>> {
        let (delivered, read) = self.others_receipts(room_id, me)?;
        let mut query = self.db.prepare(
            "SELECT room_id, seq, message_id, client_msg_id, sender_id, content, created_at,
                    edited_at, deleted,
                    EXISTS (SELECT 1 FROM blocked_users b WHERE b.user_id = sender_id),
                    reply_to, mentions,
                    EXISTS (SELECT 1 FROM pins p
                            WHERE p.room_id = messages.room_id
                              AND p.message_id = messages.message_id),
                    attachments
             FROM messages WHERE room_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
        )?;
        let before = before_seq.map_or(i64::MAX, sql_seq);
        let rows = query.query_map(params![room_id, before, limit], |row| {
            let seq = to_seq(row.get(1)?);
            let sender_id: String = row.get(4)?;
            let status = if sender_id != me {
                MessageStatus::Sent
            } else if seq <= read {
                MessageStatus::Read
            } else if seq <= delivered {
                MessageStatus::Delivered
            } else {
                MessageStatus::Sent
            };
            Ok(LocalMessage {
                room_id: row.get(0)?,
                seq: Some(seq),
                message_id: Some(row.get(2)?),
                client_msg_id: row.get(3)?,
                sender_id,
                content: row.get(5)?,
                created_at: row.get(6)?,
                edited_at: row.get(7)?,
                deleted: row.get(8)?,
                status,
                sender_blocked: row.get(9)?,
                reply_to: row.get(10)?,
                mentions: mentions(row.get(11)?),
                reactions: Vec::new(),
                pinned: row.get(12)?,
                attachments: super::attachments::of_stored_message(row.get(13)?),
            })
        })?;
        let mut page = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        page.reverse();
        if let (Some(first), Some(last)) = (
            page.first().and_then(|m| m.seq),
            page.last().and_then(|m| m.seq),
        ) {
            let mut reactions =
                super::reactions::of_page(&self.db, room_id, sql_seq(first), sql_seq(last), me)?;
            for message in &mut page {
                if let Some(found) = message
                    .message_id
                    .as_deref()
                    .and_then(|id| reactions.remove(id))
                {
                    message.reactions = found;
                }
            }
        }
        if before_seq.is_none() {
            page.extend(self.echoes(room_id, me)?);
        }
        super::pending::overlay(&self.db, room_id, me, &mut page)?;
        Ok(page)
    }

    /// One stored message by its server id.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn message_by_id(&self, message_id: &str, me: &str) -> Result<Option<LocalMessage>> {
        let found: Option<(String, i64)> = self
            .db
            .query_row(
                "SELECT room_id, seq FROM messages WHERE message_id = ?1",
                params![message_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((room_id, seq)) = found else {
            return Ok(None);
        };
        let page = self.messages(&room_id, me, Some(to_seq(seq) + 1), 1)?;
        Ok(page.into_iter().next())
    }

    /// The room of an outbox message, if it is still there.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn outbox_room(&self, client_msg_id: &str) -> Result<Option<String>> {
        Ok(self
            .db
            .query_row(
                "SELECT room_id FROM outbox WHERE client_msg_id = ?1",
                params![client_msg_id],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// The room's outbox messages as local echoes, in the order written.
    fn echoes(&self, room_id: &str, me: &str) -> Result<Vec<LocalMessage>> {
        let mut query = self.db.prepare(
            "SELECT client_msg_id, content, created_at, failed_code, failed_message, reply_to,
                    mentions
             FROM outbox WHERE room_id = ?1 AND kind = 'send'
               -- Stored already (its ack was lost and the replay brought it): show once.
               AND client_msg_id NOT IN (SELECT client_msg_id FROM messages WHERE room_id = ?1)
             ORDER BY position",
        )?;
        let rows = query.query_map(params![room_id], |row| {
            let failed: Option<String> = row.get(3)?;
            let status = match failed {
                Some(code) => MessageStatus::Failed {
                    code: error_code(&code),
                    message: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
                },
                None => MessageStatus::Pending,
            };
            Ok(LocalMessage {
                room_id: room_id.to_owned(),
                seq: None,
                message_id: None,
                client_msg_id: row.get(0)?,
                sender_id: me.to_owned(),
                content: row.get(1)?,
                created_at: row.get(2)?,
                edited_at: None,
                deleted: false,
                status,
                sender_blocked: false,
                reply_to: row.get(5)?,
                mentions: mentions(row.get(6)?),
                reactions: Vec::new(),
                pinned: false,
                attachments: Vec::new(),
            })
        })?;
        let mut echoes = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        for echo in &mut echoes {
            echo.attachments =
                super::attachments::of_outbox_message(&self.db, &echo.client_msg_id)?;
        }
        Ok(echoes)
    }

    /// The highest delivered and read positions among the room's other members.
    fn others_receipts(&self, room_id: &str, me: &str) -> Result<(u64, u64)> {
        let (delivered, read): (Option<i64>, Option<i64>) = self.db.query_row(
            "SELECT MAX(MAX(delivered_seq, read_seq)), MAX(read_seq) FROM receipts
             WHERE room_id = ?1 AND user_id <> ?2",
            params![room_id, me],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        Ok((delivered.map_or(0, to_seq), read.map_or(0, to_seq)))
    }

    /// Every stored seq of a room, ascending (for consistency checks).
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn seqs(&self, room_id: &str) -> Result<Vec<u64>> {
        let mut query = self
            .db
            .prepare("SELECT seq FROM messages WHERE room_id = ?1 ORDER BY seq")?;
        let rows = query.query_map(params![room_id], |row| Ok(to_seq(row.get(0)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A stored JSON array of user ids (`NULL`: none; unreadable: none).
pub(super) fn mentions(stored: Option<String>) -> Vec<String> {
    stored
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Stored seqs are never negative.
fn to_seq(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
