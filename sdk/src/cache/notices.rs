//! Membership and settings changes of a room ("Bob left", "Ann renamed the room"), kept
//! by seq so that the app shows them in their place among the messages, offline too.

use chat_protocol::v1::ServerFrame;
use rusqlite::{Connection, params};

use super::apply::sql_seq;
use super::{Cache, CacheError, Result, RoomNotice};

impl Cache {
    /// Up to `limit` notices of a room with seq below `before_seq` (the newest when
    /// `None`), oldest first: the same window as a page of [`Cache::messages`].
    ///
    /// # Errors
    ///
    /// When SQLite fails or a stored notice does not decode.
    pub fn notices(
        &self,
        room_id: &str,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<RoomNotice>> {
        let mut query = self.db.prepare(
            "SELECT frame FROM notices WHERE room_id = ?1 AND seq < ?2
             ORDER BY seq DESC LIMIT ?3",
        )?;
        let before = before_seq.map_or(i64::MAX, sql_seq);
        let rows = query.query_map(params![room_id, before, limit], |row| {
            row.get::<_, String>(0)
        })?;
        let mut notices = rows
            .map(|json| decode(&json?))
            .collect::<Result<Vec<_>>>()?;
        notices.reverse();
        Ok(notices)
    }

    /// The user is no longer a member of the room (they left, or were kicked or banned):
    /// it leaves the room list and is no longer followed. Its messages and notices stay
    /// readable, up to the change that ended the membership.
    ///
    /// # Errors
    ///
    /// When SQLite fails (then nothing changed).
    pub fn membership_ended(&mut self, room_id: &str) -> Result<()> {
        let tx = self.db.transaction()?;
        tx.execute("DELETE FROM rooms WHERE room_id = ?1", params![room_id])?;
        tx.execute("DELETE FROM room_list WHERE room_id = ?1", params![room_id])?;
        tx.execute("DELETE FROM members WHERE room_id = ?1", params![room_id])?;
        tx.commit()?;
        Ok(())
    }
}

/// Stores a `member_changed` or `room_changed` frame (a repeat is ignored).
pub(super) fn store_notice(db: &Connection, frame: &ServerFrame) -> Result<()> {
    let Some(notice) = RoomNotice::from_frame(frame) else {
        return Ok(());
    };
    db.execute(
        "INSERT INTO notices (room_id, seq, frame) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        params![notice.room_id, sql_seq(notice.seq), frame.encode()],
    )?;
    Ok(())
}

fn decode(json: &str) -> Result<RoomNotice> {
    ServerFrame::decode(json)
        .ok()
        .as_ref()
        .and_then(RoomNotice::from_frame)
        .ok_or_else(|| CacheError::Storage(format!("a stored notice does not decode: {json}")))
}
