//! The room list: every room's summary (last message, unread count, read position),
//! readable offline at once, kept exact as the server's summaries and the room's own
//! events come in.
//!
//! The server sends a summary (`room_updated`) for rooms this connection has not
//! joined; for joined rooms it sends the events instead, and the cache moves the
//! summary on by them. A summary from the server is exact as of its `last_seq`: messages
//! this cache already holds beyond it (a joined room's events can overtake it) are
//! added on, and a summary older than the one held never replaces it.
//!
//! As on the server, messages from a user this user blocked are not unread and are
//! never the last message (their apps hide them), but still move the room's activity.

use chat_protocol::v1::{
    LAST_MESSAGE_PREVIEW_CHARS, LastMessage, Message, RoomKind, RoomPlacement, RoomSummary,
    ServerFrame,
};
use rusqlite::{Connection, OptionalExtension as _, params};

use super::apply::sql_seq;
use super::{Cache, CacheError, Result};

impl Cache {
    /// Every room of the list, favorites first, each part most recent activity first
    /// (the server's order).
    ///
    /// # Errors
    ///
    /// When SQLite fails or a stored summary does not decode.
    pub fn room_list(&self) -> Result<Vec<RoomSummary>> {
        let mut statement = self.db.prepare(
            "SELECT summary FROM room_list ORDER BY last_activity_at DESC, room_id DESC",
        )?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
        let mut rooms = rows
            .map(|json| decode(&json?))
            .collect::<Result<Vec<_>>>()?;
        // Stable: each part keeps the activity order.
        rooms.sort_by_key(|room| room.placement != Some(RoomPlacement::Favorite));
        Ok(rooms)
    }

    /// One room's summary, if the list holds the room.
    ///
    /// # Errors
    ///
    /// When SQLite fails or the stored summary does not decode.
    pub fn room_summary(&self, room_id: &str) -> Result<Option<RoomSummary>> {
        load(&self.db, room_id)
    }

    /// Stores a summary from the server (`room_updated`, or one room of a fetched list)
    /// unless the list holds a newer one; returns what the list holds now.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn put_room_summary(&mut self, summary: RoomSummary, me: &str) -> Result<RoomSummary> {
        let tx = self.db.transaction()?;
        let stored = put(&tx, summary, me, false)?;
        tx.commit()?;
        Ok(stored)
    }

    /// Stores every room of a fetched list as [`Cache::put_room_summary`] does, in one
    /// transaction.
    ///
    /// # Errors
    ///
    /// When SQLite fails (then nothing changed).
    pub fn put_room_list(&mut self, rooms: Vec<RoomSummary>, me: &str) -> Result<()> {
        let tx = self.db.transaction()?;
        for summary in rooms {
            put(&tx, summary, me, false)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores a fetched list read after this user blocked or unblocked someone: each
    /// summary replaces the one held even where that one is further on (its counts were
    /// made with the old block list); messages held beyond it are added on as always.
    ///
    /// # Errors
    ///
    /// When SQLite fails (then nothing changed).
    pub fn put_recounted_room_list(&mut self, rooms: Vec<RoomSummary>, me: &str) -> Result<()> {
        let tx = self.db.transaction()?;
        for summary in rooms {
            put(&tx, summary, me, true)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Moves a room's summary on by one of its events (already applied to the
    /// messages); returns the new summary when it changed.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn room_event_seen(
        &mut self,
        frame: &ServerFrame,
        me: &str,
    ) -> Result<Option<RoomSummary>> {
        let (room_id, seq) = match frame {
            ServerFrame::Message(m) => (m.room_id.as_str(), m.seq),
            ServerFrame::MessageEdited { room_id, seq, .. }
            | ServerFrame::MessageDeleted { room_id, seq, .. } => (room_id.as_str(), *seq),
            ServerFrame::MemberChanged(m) => (m.room_id.as_str(), m.seq),
            ServerFrame::RoomChanged(r) => (r.room_id.as_str(), r.seq),
            _ => return Ok(None),
        };
        let tx = self.db.transaction()?;
        let Some(mut summary) = load(&tx, room_id)? else {
            return Ok(None);
        };
        if seq <= summary.last_seq {
            return Ok(None); // Already in the summary.
        }
        match frame {
            ServerFrame::Message(message) => {
                summary.last_activity_at = summary.last_activity_at.max(message.created_at);
                if !is_blocked(&tx, &message.sender_id)? {
                    if message.sender_id.as_str() != me && message.seq > summary.read_seq {
                        summary.unread_count += 1;
                    }
                    summary.last_message = Some(preview(message));
                }
            }
            ServerFrame::MessageEdited {
                message_id,
                content,
                ..
            } => {
                if let Some(last) = summary
                    .last_message
                    .as_mut()
                    .filter(|last| last.message_id == *message_id)
                {
                    last.content = cut(content);
                }
            }
            ServerFrame::MessageDeleted {
                message_id,
                sender_id,
                ..
            } => {
                let counted = tx
                    .query_row(
                        "SELECT seq FROM messages WHERE message_id = ?1",
                        params![message_id.as_str()],
                        |row| row.get::<_, i64>(0),
                    )
                    .optional()?
                    .is_some_and(|deleted| u64::try_from(deleted).unwrap_or(0) > summary.read_seq);
                if counted && sender_id.as_str() != me && !is_blocked(&tx, sender_id)? {
                    summary.unread_count = summary.unread_count.saturating_sub(1);
                }
                if summary
                    .last_message
                    .as_ref()
                    .is_some_and(|last| last.message_id == *message_id)
                {
                    summary.last_message = newest_visible(&tx, room_id)?;
                }
            }
            // A direct room is named and pictured after the other member, never
            // renamed.
            ServerFrame::RoomChanged(changed) if summary.kind == RoomKind::Group => {
                if let Some(name) = &changed.name {
                    summary.name.clone_from(name);
                }
                if let Some(avatar_id) = &changed.avatar_id {
                    summary.avatar_id = Some(avatar_id.clone())
                        .filter(|id| !id.is_empty())
                        .map(Into::into);
                }
            }
            // Membership changes never count as unread: only the seq moves.
            _ => {}
        }
        summary.last_seq = seq;
        store(&tx, &summary)?;
        tx.commit()?;
        Ok(Some(summary))
    }

    /// The user read up to `seq` on this device: the read position moves, the unread
    /// count becomes what the cache holds from others above it, and a mark as unread
    /// goes. (The server's `room_updated` for the read follows, exact, and replaces it.)
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn room_read(&mut self, room_id: &str, seq: u64, me: &str) -> Result<Option<RoomSummary>> {
        let tx = self.db.transaction()?;
        let Some(mut summary) = load(&tx, room_id)? else {
            return Ok(None);
        };
        if seq <= summary.read_seq && !summary.marked_unread {
            return Ok(None);
        }
        // Reading takes the user's mark as unread away (the server does the same on
        // this receipt), also when the position was there already.
        summary.marked_unread = false;
        if seq > summary.read_seq {
            summary.read_seq = seq;
            summary.unread_count = unread_above(&tx, room_id, seq, me)?.min(summary.unread_count);
        }
        store(&tx, &summary)?;
        tx.commit()?;
        Ok(Some(summary))
    }
}

/// Stores `summary` unless the one held is newer in every respect (neither its
/// `last_seq` nor its `read_seq` behind, one of them ahead) and `recounted` is false.
/// Messages held beyond the summary's `last_seq` are added on.
fn put(
    db: &Connection,
    mut summary: RoomSummary,
    me: &str,
    recounted: bool,
) -> Result<RoomSummary> {
    let held = load(db, &summary.room_id)?;
    if let Some(held) = held.as_ref() {
        if !recounted
            && held.last_seq >= summary.last_seq
            && held.read_seq >= summary.read_seq
            && (held.last_seq, held.read_seq) != (summary.last_seq, summary.read_seq)
        {
            // Keep what only the newer summary can know, take the rest (name, mute,
            // placement, and the unread mark unless this device read further since).
            let newer = RoomSummary {
                name: summary.name,
                muted: summary.muted,
                muted_until: summary.muted_until,
                notify_mentions: summary.notify_mentions,
                placement: summary.placement,
                marked_unread: summary.marked_unread && held.read_seq == summary.read_seq,
                ..held.clone()
            };
            store(db, &newer)?;
            return Ok(newer);
        }
        // Events seen here after the summary was made (edits and deletes too).
        summary.last_activity_at = summary.last_activity_at.max(held.last_activity_at);
    }
    let held_seq = held.map_or(0, |held| held.last_seq);
    let beyond = held_beyond(db, &summary.room_id, summary.last_seq)?;
    for message in beyond {
        summary.last_seq = summary.last_seq.max(message.seq);
        if message.deleted {
            continue;
        }
        summary.last_activity_at = summary.last_activity_at.max(message.created_at);
        if is_blocked(db, &message.sender_id)? {
            continue;
        }
        if message.sender_id.as_str() != me && message.seq > summary.read_seq {
            summary.unread_count += 1;
        }
        summary.last_message = Some(preview(&message));
    }
    summary.last_seq = summary.last_seq.max(held_seq);
    store(db, &summary)?;
    Ok(summary)
}

fn load(db: &Connection, room_id: &str) -> Result<Option<RoomSummary>> {
    db.query_row(
        "SELECT summary FROM room_list WHERE room_id = ?1",
        params![room_id],
        |row| row.get::<_, String>(0),
    )
    .optional()?
    .map(|json| decode(&json))
    .transpose()
}

fn store(db: &Connection, summary: &RoomSummary) -> Result<()> {
    let json = serde_json::to_string(summary).expect("a summary always encodes");
    db.execute(
        "INSERT INTO room_list (room_id, last_activity_at, summary) VALUES (?1, ?2, ?3)
         ON CONFLICT (room_id) DO UPDATE
         SET last_activity_at = excluded.last_activity_at, summary = excluded.summary",
        params![summary.room_id.as_str(), summary.last_activity_at, json],
    )?;
    Ok(())
}

fn decode(json: &str) -> Result<RoomSummary> {
    serde_json::from_str(json).map_err(|e| CacheError::Storage(format!("room summary: {e}")))
}

/// Messages the cache holds in `room_id` above `seq`, oldest first.
fn held_beyond(db: &Connection, room_id: &str, seq: u64) -> Result<Vec<Message>> {
    let mut statement = db.prepare(
        "SELECT room_id, seq, message_id, client_msg_id, sender_id, content, created_at,
                edited_at, deleted
         FROM messages WHERE room_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let rows = statement.query_map(params![room_id, sql_seq(seq)], |row| {
        Ok(Message {
            room_id: row.get::<_, String>(0)?.into(),
            seq: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
            message_id: row.get::<_, String>(2)?.into(),
            client_msg_id: row.get(3)?,
            sender_id: row.get::<_, String>(4)?.into(),
            content: row.get(5)?,
            created_at: row.get(6)?,
            edited_at: row.get(7)?,
            deleted: row.get::<_, i64>(8)? != 0,
            reply_to: None,
            mentions: Vec::new(),
            reactions: Vec::new(),
            attachments: Vec::new(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Messages from others the cache holds in `room_id` above `seq`, not deleted, not
/// from a blocked user.
fn unread_above(db: &Connection, room_id: &str, seq: u64, me: &str) -> Result<u64> {
    let count: i64 = db.query_row(
        "SELECT COUNT(*) FROM messages
         WHERE room_id = ?1 AND seq > ?2 AND sender_id <> ?3 AND deleted = 0
           AND sender_id NOT IN (SELECT user_id FROM blocked_users)",
        params![room_id, sql_seq(seq), me],
        |row| row.get(0),
    )?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The newest message the cache holds in `room_id` that is not deleted nor from a
/// blocked user.
fn newest_visible(db: &Connection, room_id: &str) -> Result<Option<LastMessage>> {
    Ok(db
        .query_row(
            "SELECT message_id, seq, sender_id, content, created_at FROM messages
             WHERE room_id = ?1 AND deleted = 0
               AND sender_id NOT IN (SELECT user_id FROM blocked_users)
             ORDER BY seq DESC LIMIT 1",
            params![room_id],
            |row| {
                Ok(LastMessage {
                    message_id: row.get::<_, String>(0)?.into(),
                    seq: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                    sender_id: row.get::<_, String>(2)?.into(),
                    content: cut(&row.get::<_, String>(3)?),
                    created_at: row.get(4)?,
                })
            },
        )
        .optional()?)
}

/// Whether this user blocked `user_id`.
fn is_blocked(db: &Connection, user_id: &str) -> Result<bool> {
    Ok(db.query_row(
        "SELECT EXISTS (SELECT 1 FROM blocked_users WHERE user_id = ?1)",
        params![user_id],
        |row| row.get(0),
    )?)
}

fn preview(message: &Message) -> LastMessage {
    LastMessage {
        message_id: message.message_id.clone(),
        seq: message.seq,
        sender_id: message.sender_id.clone(),
        content: cut(&message.content),
        created_at: message.created_at,
    }
}

/// At most the preview's length, cut at a character.
fn cut(text: &str) -> String {
    text.chars().take(LAST_MESSAGE_PREVIEW_CHARS).collect()
}
