//! Deleting a room for good (a server admin's decision), for every backend: its
//! messages, events, reactions, pins, saves, members, bans and invites go in one transaction, and its
//! attachments and picture are doomed. Reports about it stay,
//! with the reported messages' content they copied.

use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::error::Result;

/// The room's tables, children first (foreign keys).
const ROOM_TABLES: [&str; 12] = [
    "DELETE FROM room_invites WHERE room_id = $1",
    "DELETE FROM saved_messages WHERE room_id = $1",
    "DELETE FROM room_events WHERE room_id = $1",
    "DELETE FROM reactions WHERE room_id = $1",
    "DELETE FROM pins WHERE room_id = $1",
    "DELETE FROM message_mentions WHERE room_id = $1",
    "DELETE FROM messages WHERE room_id = $1",
    "DELETE FROM receipts WHERE room_id = $1",
    "DELETE FROM room_notices WHERE room_id = $1",
    "DELETE FROM room_bans WHERE room_id = $1",
    "DELETE FROM room_members WHERE room_id = $1",
    "DELETE FROM rooms WHERE id = $1",
];

impl<DB> SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    /// Deletes the room; its members until then, or `None` when there is no such room.
    pub(super) async fn remove_room(&self, room_id: &str) -> Result<Option<Vec<String>>> {
        let mut tx = DB::begin_write(&self.pool).await?;
        // Locks the room first, as the writer does, so no commit to it interleaves.
        let found = sqlx::query::<DB>(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM rooms WHERE id = $1{}",
            DB::LOCK_ROW
        )))
        .bind(room_id)
        .fetch_optional(&mut *tx)
        .await?;
        if found.is_none() {
            return Ok(None);
        }
        let members = sqlx::query::<DB>("SELECT user_id FROM room_members WHERE room_id = $1")
            .bind(room_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| row.try_get("user_id"))
            .collect::<sqlx::Result<Vec<String>>>()?;
        // Its picture goes too (before its row, which names it).
        sqlx::query::<DB>(crate::store::avatars::RELEASE_ROOMS)
            .bind(crate::clock::now_ms())
            .bind(room_id)
            .execute(&mut *tx)
            .await?;
        for statement in ROOM_TABLES {
            sqlx::query::<DB>(statement)
                .bind(room_id)
                .execute(&mut *tx)
                .await?;
        }
        // What was sent to it is never served again; the janitor removes the files.
        sqlx::query::<DB>(super::attachments::DOOM_ROOM_ATTACHMENTS)
            .bind(crate::clock::now_ms())
            .bind(room_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(members))
    }
}
