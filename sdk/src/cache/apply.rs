//! Applying what the server says to the cache. Every operation is idempotent: a frame
//! received twice (a replay overlapping the live feed) changes nothing the second time.

use chat_protocol::v1::{Message, ReceiptKind, ServerFrame};
use rusqlite::{Connection, params};

use super::{Cache, Result};

/// SQLite integers are signed; seqs never get near `i64::MAX`.
pub(super) fn sql_seq(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// A room's new resume cursor, saved together with the event that moved it.
#[derive(Debug, Clone, Copy)]
pub struct CursorUpdate<'a> {
    /// The room whose cursor moved.
    pub room_id: &'a str,
    /// The highest seq the cache now holds without a gap below it.
    pub cursor: u64,
}

impl Cache {
    /// Applies one server frame (messages, edits, deletes, membership and settings
    /// changes, receipts, history pages, room snapshots; other frames are ignored) and, in the same transaction, the
    /// cursor it moved: either both are stored or neither.
    ///
    /// # Errors
    ///
    /// When SQLite fails (then nothing changed).
    pub fn apply(&mut self, frame: &ServerFrame, cursor: Option<CursorUpdate<'_>>) -> Result<()> {
        let tx = self.db.transaction()?;
        apply_frame(&tx, frame)?;
        if let Some(update) = cursor {
            set_cursor(&tx, update.room_id, Some(update.cursor))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records the resume cursor of a followed room.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn set_cursor(&mut self, room_id: &str, cursor: Option<u64>) -> Result<()> {
        set_cursor(&self.db, room_id, cursor)
    }

    /// Stops following a room (its messages stay cached).
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn forget_room(&mut self, room_id: &str) -> Result<()> {
        self.db
            .execute("DELETE FROM rooms WHERE room_id = ?1", params![room_id])?;
        Ok(())
    }
}

fn apply_frame(db: &Connection, frame: &ServerFrame) -> Result<()> {
    match frame {
        ServerFrame::Message(message) => store_message(db, message, false),
        ServerFrame::History { messages, .. } => {
            for message in messages {
                store_current(db, message)?;
            }
            Ok(())
        }
        ServerFrame::MessageEdited {
            message_id,
            content,
            edited_at,
            ..
        } => {
            db.execute(
                "UPDATE messages SET content = ?1, edited_at = ?2
                 WHERE message_id = ?3 AND deleted = 0 AND (edited_at IS NULL OR edited_at <= ?2)",
                params![content, edited_at, message_id.as_str()],
            )?;
            Ok(())
        }
        ServerFrame::MessageDeleted { message_id, .. } => {
            db.execute(
                "UPDATE messages SET content = '', mentions = NULL, attachments = NULL,
                     deleted = 1
                 WHERE message_id = ?1",
                params![message_id.as_str()],
            )?;
            // A deleted message is no longer listed as pinned (as on the server).
            db.execute(
                "DELETE FROM pins WHERE message_id = ?1",
                params![message_id.as_str()],
            )?;
            super::reactions::clear(db, message_id)
        }
        ServerFrame::Reaction(reaction) => super::reactions::apply(db, reaction),
        ServerFrame::MessagePinned(pinned) => super::pins::apply(db, pinned),
        ServerFrame::Receipt {
            room_id,
            user_id,
            seq,
            kind,
        } => raise_receipt(db, room_id, user_id, *seq, *kind),
        ServerFrame::RoomJoined {
            room_id, receipts, ..
        } => {
            for r in receipts {
                raise_receipt(
                    db,
                    room_id,
                    &r.user_id,
                    r.delivered_seq,
                    ReceiptKind::Delivered,
                )?;
                raise_receipt(db, room_id, &r.user_id, r.read_seq, ReceiptKind::Read)?;
            }
            Ok(())
        }
        ServerFrame::MemberChanged(change) => {
            super::notices::store_notice(db, frame)?;
            super::members::apply_member_change(db, change)
        }
        ServerFrame::RoomChanged(_) => super::notices::store_notice(db, frame),
        ServerFrame::UserUpdated {
            user_id,
            display_name,
            avatar_id,
            ..
        } => super::members::apply_profile(
            db,
            user_id.as_str(),
            display_name,
            avatar_id.as_ref().map(|id| id.as_str()),
        ),
        _ => Ok(()),
    }
}

fn set_cursor(db: &Connection, room_id: &str, cursor: Option<u64>) -> Result<()> {
    db.execute(
        "INSERT INTO rooms (room_id, cursor) VALUES (?1, ?2)
         ON CONFLICT (room_id) DO UPDATE SET cursor = excluded.cursor",
        params![room_id, cursor.map(sql_seq)],
    )?;
    Ok(())
}

fn raise_receipt(
    db: &Connection,
    room_id: &str,
    user_id: &str,
    seq: u64,
    kind: ReceiptKind,
) -> Result<()> {
    let column = match kind {
        ReceiptKind::Delivered => "delivered_seq",
        ReceiptKind::Read => "read_seq",
    };
    db.execute(
        &format!(
            "INSERT INTO receipts (room_id, user_id, {column}) VALUES (?1, ?2, ?3)
             ON CONFLICT (room_id, user_id) DO UPDATE SET {column} = MAX({column}, excluded.{column})"
        ),
        params![room_id, user_id, sql_seq(seq)],
    )?;
    Ok(())
}

/// Stores a message as a history page (or the pins list) says it is now: its row,
/// refreshed if held already, and its reactions.
pub(super) fn store_current(db: &Connection, message: &Message) -> Result<()> {
    store_message(db, message, true)?;
    super::reactions::replace(db, message)
}

/// Inserts a message. A live or replayed message is stored once (a repeat is ignored);
/// a history page carries the current state, so it also refreshes an existing row.
fn store_message(db: &Connection, m: &Message, current_state: bool) -> Result<()> {
    let conflict = if current_state {
        "ON CONFLICT (room_id, seq) DO UPDATE SET content = excluded.content,
             edited_at = excluded.edited_at, deleted = excluded.deleted,
             mentions = excluded.mentions, attachments = excluded.attachments"
    } else {
        "ON CONFLICT DO NOTHING"
    };
    let mentions = (!m.mentions.is_empty())
        .then(|| serde_json::to_string(&m.mentions).expect("ids serialise"));
    db.execute(
        &format!(
            "INSERT INTO messages (room_id, seq, message_id, client_msg_id, sender_id, content,
                                   created_at, edited_at, deleted, reply_to, mentions,
                                   attachments)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) {conflict}"
        ),
        params![
            m.room_id.as_str(),
            sql_seq(m.seq),
            m.message_id.as_str(),
            m.client_msg_id,
            m.sender_id.as_str(),
            m.content,
            m.created_at,
            m.edited_at,
            m.deleted,
            m.reply_to.as_deref(),
            mentions,
            super::attachments::stored_json(&m.attachments)
        ],
    )?;
    Ok(())
}
