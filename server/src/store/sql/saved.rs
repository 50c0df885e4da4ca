//! Saved messages, for every backend: a user saves a message of a room they are in (or
//! takes it out again), and lists what they saved, most recently first, with each
//! message in its current state. A deleted message, or one of a room the user left,
//! is not listed.

use chat_protocol::v1::{ExportedSave, Message};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::error::{Error, Result};
use crate::store::queries::MESSAGE_COLUMNS;
use crate::store::rows::message_from_row;

/// Saves `$2` for `$1` if it is a message of room `$3` that is not deleted; saving it
/// again keeps the first time.
const SAVE: &str = "INSERT INTO saved_messages (user_id, message_id, room_id, saved_at)
     SELECT $1, id, room_id, $4 FROM messages
     WHERE id = $2 AND room_id = $3 AND deleted_at IS NULL
     ON CONFLICT (user_id, message_id) DO NOTHING";

const SAVEABLE: &str =
    "SELECT 1 FROM messages WHERE id = $1 AND room_id = $2 AND deleted_at IS NULL";

const UNSAVE: &str = "DELETE FROM saved_messages WHERE user_id = $1 AND message_id = $2";

impl<DB> SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> Option<String>: Decode<'r, DB> + Type<DB>,
    for<'r> Option<i64>: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    /// Saves the message, or takes it out of the user's saved messages. Saving a
    /// message that is not in the room, or is deleted, is [`Error::NoSuchMessage`];
    /// taking out one that was never saved changes nothing.
    pub(super) async fn save_or_unsave(
        &self,
        user_id: &str,
        room_id: &str,
        message_id: &str,
        saved: bool,
        now: i64,
    ) -> Result<()> {
        if !saved {
            sqlx::query::<DB>(UNSAVE)
                .bind(user_id)
                .bind(message_id)
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        let inserted = sqlx::query::<DB>(SAVE)
            .bind(user_id)
            .bind(message_id)
            .bind(room_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        if DB::rows_affected(&inserted) > 0 {
            return Ok(());
        }
        // Saved already, or nothing to save.
        let found = sqlx::query::<DB>(SAVEABLE)
            .bind(message_id)
            .bind(room_id)
            .fetch_optional(&self.pool)
            .await?;
        found.map(|_| ()).ok_or(Error::NoSuchMessage)
    }

    /// Up to `limit` of the user's saved messages, most recently saved first, before
    /// `(saved_at, message id)` of the previous page's last.
    pub(super) async fn saved_page(
        &self,
        user_id: &str,
        before: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<(i64, Message)>> {
        let (before_at, before_id) = before.unwrap_or((i64::MAX, ""));
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS}, s.saved_at
             FROM (SELECT message_id, saved_at FROM saved_messages
                   WHERE user_id = $1 AND (saved_at < $2 OR (saved_at = $2 AND message_id < $3))
                   ORDER BY saved_at DESC, message_id DESC) s
             JOIN messages ON messages.id = s.message_id
             WHERE messages.deleted_at IS NULL
               AND EXISTS (SELECT 1 FROM room_members rm
                           WHERE rm.room_id = messages.room_id AND rm.user_id = $1)
             ORDER BY s.saved_at DESC, s.message_id DESC LIMIT $4"
        );
        let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .bind(before_at)
            .bind(before_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("saved_at")?, message_from_row(row)?)))
            .collect()
    }

    /// Up to `limit` of the user's saves, oldest first, after `(saved_at, message id)` of
    /// the previous page's last: every row, also of deleted messages and rooms left (a
    /// page of their data export).
    pub(super) async fn saves_page(
        &self,
        user_id: &str,
        after: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<ExportedSave>> {
        let (after_at, after_id) = after.unwrap_or((i64::MIN, ""));
        let rows = sqlx::query::<DB>(
            "SELECT room_id, message_id, saved_at FROM saved_messages
             WHERE user_id = $1 AND (saved_at > $2 OR (saved_at = $2 AND message_id > $3))
             ORDER BY saved_at, message_id LIMIT $4",
        )
        .bind(user_id)
        .bind(after_at)
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedSave {
                    room_id: row.try_get::<String, _>("room_id")?.into(),
                    message_id: row.try_get::<String, _>("message_id")?.into(),
                    saved_at: row.try_get("saved_at")?,
                })
            })
            .collect()
    }
}
