//! What a user has sent, joined and reacted, for every backend: their messages a page
//! at a time (what erasing an account deletes, and a data export streams, never holding
//! them all), their memberships, and their reactions a page at a time.

use chat_protocol::v1::{
    ExportedReaction, ExportedRoom, MemberRole, Message, RoomPlacement, RoomVisibility,
};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::error::Result;
use crate::store::queries::MESSAGE_COLUMNS;
use crate::store::rows::{message_from_row, named};

const MEMBERSHIPS: &str = "SELECT r.id, r.name, r.visibility, m.role, m.joined_at,
        m.placement, m.muted_until
     FROM room_members m JOIN rooms r ON r.id = m.room_id
     WHERE m.user_id = $1
     ORDER BY m.joined_at, r.id";

impl<DB> SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    pub(super) async fn memberships_of(&self, user_id: &str) -> Result<Vec<ExportedRoom>> {
        let rows = sqlx::query::<DB>(MEMBERSHIPS)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let placement = row
                    .try_get::<Option<String>, _>("placement")?
                    .map(|text| named("room_members.placement", text, RoomPlacement::parse))
                    .transpose()?;
                Ok(ExportedRoom {
                    room_id: row.try_get::<String, _>("id")?.into(),
                    name: row.try_get("name")?,
                    visibility: named(
                        "rooms.visibility",
                        row.try_get("visibility")?,
                        RoomVisibility::parse,
                    )?,
                    role: named("room_members.role", row.try_get("role")?, MemberRole::parse)?,
                    joined_at: row.try_get("joined_at")?,
                    placement,
                    muted_until: row.try_get("muted_until")?,
                })
            })
            .collect()
    }

    pub(super) async fn sent_messages_page(
        &self,
        user_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE sender_id = $1 AND deleted_at IS NULL AND id > $2
             ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// Up to `limit` of the user's reactions after `(message id, emoji)`, in that order
    /// (message ids are UUIDv7: the messages' time order).
    pub(super) async fn reactions_page(
        &self,
        user_id: &str,
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<ExportedReaction>> {
        let (message_id, emoji) = after.unwrap_or(("", ""));
        let rows = sqlx::query::<DB>(
            "SELECT room_id, message_id, emoji, created_at FROM reactions
             WHERE user_id = $1 AND (message_id > $2 OR (message_id = $2 AND emoji > $3))
             ORDER BY message_id, emoji LIMIT $4",
        )
        .bind(user_id)
        .bind(message_id)
        .bind(emoji)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedReaction {
                    room_id: row.try_get::<String, _>("room_id")?.into(),
                    message_id: row.try_get::<String, _>("message_id")?.into(),
                    emoji: row.try_get("emoji")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }
}
