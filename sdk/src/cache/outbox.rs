//! The persisted outbox: a message is written here before `send_message` returns, and
//! leaves it in the same transaction that stores the server's copy; a change to a
//! message (edit, delete, reaction, pin) is written here before it returns, and leaves
//! once the server applied or refused it.

use chat_protocol::v1::ErrorCode;
use rusqlite::{OptionalExtension, params};

use super::apply::sql_seq;
use super::{Cache, LocalMessage, MessageStatus, Result};
use crate::core::{Change, OutboxEntry, Target};

/// A new message as the user wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// The text.
    pub content: String,
    /// The message it replies to (a server id).
    pub reply_to: Option<String>,
    /// The user ids it mentions.
    pub mentions: Vec<String>,
    /// Files it carries (kept in the cache until uploaded).
    pub files: Vec<super::NewFile>,
}

impl Draft {
    /// A message of plain text.
    #[must_use]
    pub fn text(content: &str) -> Self {
        Self {
            content: content.to_owned(),
            ..Self::default()
        }
    }
}

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
        draft: &Draft,
        now_ms: i64,
    ) -> Result<LocalMessage> {
        let client_msg_id = uuid::Uuid::new_v4().hyphenated().to_string();
        let tx = self.db.transaction()?;
        tx.execute(
            "INSERT INTO outbox (client_msg_id, room_id, content, created_at, reply_to, mentions)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                client_msg_id,
                room_id,
                draft.content,
                now_ms,
                draft.reply_to,
                mentions_json(&draft.mentions)
            ],
        )?;
        super::attachments::store_files(&tx, &client_msg_id, &draft.files)?;
        let attachments = super::attachments::of_outbox_message(&tx, &client_msg_id)?;
        tx.commit()?;
        Ok(LocalMessage {
            room_id: room_id.to_owned(),
            seq: None,
            message_id: None,
            client_msg_id,
            sender_id: sender_id.to_owned(),
            content: draft.content.clone(),
            created_at: now_ms,
            edited_at: None,
            deleted: false,
            status: MessageStatus::Pending,
            sender_blocked: false,
            reply_to: draft.reply_to.clone(),
            mentions: draft.mentions.clone(),
            reactions: Vec::new(),
            pinned: false,
            attachments,
        })
    }

    /// Persists a change to a message (edit, delete, reaction, pin); returns the entry
    /// to hand to the core.
    ///
    /// # Errors
    ///
    /// When SQLite fails (the change is then not made either).
    pub fn enqueue_change(
        &mut self,
        room_id: &str,
        change: Change,
        now_ms: i64,
    ) -> Result<OutboxEntry> {
        let client_msg_id = uuid::Uuid::new_v4().hyphenated().to_string();
        let (kind, content, emoji, flag) = match &change {
            Change::Send { .. } => unreachable!("new messages are queued by `enqueue`"),
            Change::Edit { content, .. } => ("edit", content.as_str(), None, None),
            Change::Delete { .. } => ("delete", "", None, None),
            Change::React { emoji, on, .. } => ("react", "", Some(emoji.as_str()), Some(*on)),
            Change::Pin { pinned, .. } => ("pin", "", None, Some(*pinned)),
        };
        let (target_message_id, target_client_msg_id) = match change.target() {
            Some(Target::Message(id)) => (Some(id.as_str()), None),
            Some(Target::Pending(id)) => (None, Some(id.as_str())),
            None => (None, None),
        };
        self.db.execute(
            "INSERT INTO outbox (client_msg_id, room_id, content, created_at, kind,
                                 target_message_id, target_client_msg_id, emoji, flag)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                client_msg_id,
                room_id,
                content,
                now_ms,
                kind,
                target_message_id,
                target_client_msg_id,
                emoji,
                flag
            ],
        )?;
        Ok(OutboxEntry {
            room_id: room_id.to_owned(),
            client_msg_id,
            change,
        })
    }

    /// What a change made by the app names as its message, told apart: a stored
    /// message's server id, or the `client_msg_id` of one of `me`'s messages (stored
    /// already, or still in the outbox).
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn target(&self, id: &str, me: &str) -> Result<Target> {
        let stored: Option<String> = self
            .db
            .query_row(
                "SELECT message_id FROM messages
                 WHERE message_id = ?1 OR (client_msg_id = ?1 AND sender_id = ?2)",
                params![id, me],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(message_id) = stored {
            return Ok(Target::Message(message_id));
        }
        let queued = self
            .db
            .query_row(
                "SELECT 1 FROM outbox WHERE client_msg_id = ?1 AND kind = 'send'",
                params![id],
                |_| Ok(()),
            )
            .optional()?;
        Ok(match queued {
            Some(()) => Target::Pending(id.to_owned()),
            // Not cached: the server tells whether it exists.
            None => Target::Message(id.to_owned()),
        })
    }

    /// Everything in the outbox, in the order written (to hand to the core on start),
    /// and whether each was refused for good.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn outbox(&self) -> Result<Vec<(OutboxEntry, bool)>> {
        let mut query = self.db.prepare(
            "SELECT room_id, client_msg_id, content, failed_code IS NOT NULL, kind, reply_to,
                    mentions, target_message_id, target_client_msg_id, emoji, flag
             FROM outbox ORDER BY position",
        )?;
        let rows = query.query_map([], |row| {
            let client_msg_id: String = row.get(1)?;
            let target = match (
                row.get::<_, Option<String>>(7)?,
                row.get::<_, Option<String>>(8)?,
            ) {
                (Some(id), _) => Target::Message(id),
                (None, Some(id)) => Target::Pending(id),
                (None, None) => Target::Message(String::new()),
            };
            let content: String = row.get(2)?;
            let kind: String = row.get(4)?;
            let flag = row.get::<_, Option<bool>>(10)?.unwrap_or(false);
            let change = match kind.as_str() {
                "edit" => Change::Edit { target, content },
                "delete" => Change::Delete { target },
                "react" => Change::React {
                    target,
                    emoji: row.get::<_, Option<String>>(9)?.unwrap_or_default(),
                    on: flag,
                },
                "pin" => Change::Pin {
                    target,
                    pinned: flag,
                },
                _ => Change::Send {
                    content,
                    reply_to: row.get(5)?,
                    mentions: super::read::mentions(row.get(6)?),
                    attachments: Vec::new(),
                    uploading: false,
                },
            };
            Ok((
                OutboxEntry {
                    room_id: row.get(0)?,
                    client_msg_id,
                    change,
                },
                row.get::<_, bool>(3)?,
            ))
        })?;
        let mut entries = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        for (entry, _) in &mut entries {
            if let Change::Send {
                attachments,
                uploading,
                ..
            } = &mut entry.change
            {
                (*attachments, *uploading) =
                    super::attachments::upload_state(&self.db, &entry.client_msg_id)?;
            }
        }
        Ok(entries)
    }

    /// A change left the outbox (done, or refused for good); returns the server id of
    /// the message it was about, if known.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn finish_change(&mut self, change_id: &str) -> Result<Option<String>> {
        let target: Option<Option<String>> = self
            .db
            .query_row(
                "SELECT target_message_id FROM outbox WHERE client_msg_id = ?1",
                params![change_id],
                |row| row.get(0),
            )
            .optional()?;
        self.db.execute(
            "DELETE FROM outbox WHERE client_msg_id = ?1",
            params![change_id],
        )?;
        Ok(target.flatten())
    }

    /// An edit of a message that was never sent replaced its text: the message's
    /// entry takes it, and the edit's entry goes.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn amended(&mut self, client_msg_id: &str, edit_id: &str, content: &str) -> Result<()> {
        let tx = self.db.transaction()?;
        tx.execute(
            "UPDATE outbox SET content = ?2 WHERE client_msg_id = ?1 AND kind = 'send'",
            params![client_msg_id, content],
        )?;
        tx.execute(
            "DELETE FROM outbox WHERE client_msg_id = ?1",
            params![edit_id],
        )?;
        tx.commit()?;
        Ok(())
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
        let pending: Option<(String, String, Option<String>, Option<String>)> = tx
            .query_row(
                "SELECT room_id, content, reply_to, mentions FROM outbox
                 WHERE client_msg_id = ?1 AND kind = 'send'",
                params![client_msg_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        if let Some((room_id, content, reply_to, mentions)) = pending {
            let attachments = super::attachments::take_for_stored_message(&tx, client_msg_id)?;
            tx.execute(
                "INSERT INTO messages (room_id, seq, message_id, client_msg_id, sender_id, content,
                                       created_at, reply_to, mentions, attachments)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
                params![
                    room_id,
                    sql_seq(seq),
                    message_id,
                    client_msg_id,
                    sender_id,
                    content,
                    created_at,
                    reply_to,
                    mentions,
                    attachments
                ],
            )?;
            // Changes made to it while it was pending name it by id from now on.
            tx.execute(
                "UPDATE outbox SET target_message_id = ?2
                 WHERE target_client_msg_id = ?1 AND target_message_id IS NULL",
                params![client_msg_id, message_id],
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

    /// An entry left the outbox without being sent (cancelled), or a change is done or
    /// was refused for good.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn cancelled(&mut self, client_msg_id: &str) -> Result<()> {
        let tx = self.db.transaction()?;
        tx.execute(
            "DELETE FROM outbox WHERE client_msg_id = ?1",
            params![client_msg_id],
        )?;
        super::attachments::forget_files(&tx, client_msg_id)?;
        tx.commit()?;
        Ok(())
    }
}

/// A list of user ids as stored (`NULL` for none).
fn mentions_json(mentions: &[String]) -> Option<String> {
    (!mentions.is_empty()).then(|| serde_json::to_string(mentions).expect("ids serialise"))
}

/// Decodes a stored error code (unknown codes stay unknown).
pub(super) fn error_code(text: &str) -> ErrorCode {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).unwrap_or(ErrorCode::Unknown)
}
