//! Where the cache stops being complete, so that scrolling past it fetches history.
//!
//! The floor is the seq above which the cache holds every message of a room (up to the
//! resume cursor). A join sets it where the live feed begins; a history page that
//! reaches down from the complete part lowers it; a page that says `has_more: false`
//! brings it to 0 (the whole room is cached).

use rusqlite::{OptionalExtension, params};

use super::apply::sql_seq;
use super::{Cache, Result};

impl Cache {
    /// The room's floor, if the room has been joined.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn floor(&self, room_id: &str) -> Result<Option<u64>> {
        let floor: Option<Option<i64>> = self
            .db
            .query_row(
                "SELECT floor FROM rooms WHERE room_id = ?1",
                params![room_id],
                |row| row.get(0),
            )
            .optional()?;
        Ok(floor.flatten().map(|f| u64::try_from(f).unwrap_or(0)))
    }

    /// A join was answered: the cache is complete above `cursor` from now on (the replay
    /// and the live feed bring everything after it). Only the first join sets it.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn joined_at(&mut self, room_id: &str, cursor: u64) -> Result<()> {
        self.db.execute(
            "UPDATE rooms SET floor = ?2 WHERE room_id = ?1 AND floor IS NULL",
            params![room_id, sql_seq(cursor)],
        )?;
        Ok(())
    }

    /// A history page covering every message with seq in `[first_seq, before_seq)` was
    /// stored (`before_seq` `None`: up to the newest). If it touches the complete part,
    /// the floor moves down to the page's start, or to 0 when nothing older exists.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn history_stored(
        &mut self,
        room_id: &str,
        before_seq: Option<u64>,
        first_seq: Option<u64>,
        has_more: bool,
    ) -> Result<()> {
        let Some(floor) = self.floor(room_id)? else {
            return Ok(());
        };
        let touches = before_seq.is_none_or(|before| before > floor);
        if !touches {
            return Ok(());
        }
        let new_floor = if has_more {
            first_seq.map_or(floor, |first| floor.min(first.saturating_sub(1)))
        } else {
            0
        };
        self.db.execute(
            "UPDATE rooms SET floor = ?2 WHERE room_id = ?1",
            params![room_id, sql_seq(new_floor)],
        )?;
        Ok(())
    }
}
