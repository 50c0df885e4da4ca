//! Membership and settings changes through sqlx (every backend; SQLite commits its
//! own in batches, `store::sqlite::batched_writes`), each in one write transaction
//! made by `store::membership_change`. Also the reads of members with their roles, of
//! a room's settings and of its bans.
//!
//! These changes are rarer than messages, so they do not go through the group-commit
//! writer: the seq they take is serialised with the writer's by the room's lock
//! (PostgreSQL) or the database's write lock (SQLite), and a connection that hears of an
//! event before an earlier one fills the gap from the store, as it does across
//! processes.

use chat_protocol::v1::{MemberRole, RoomBan, RoomMember};
use sqlx::query::Query;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::error::Result;
use crate::store::membership::MembershipWrite;
use crate::store::membership_change::{
    self, LOCK_ROOM, Param, Statements, role_of, who_can_add_of,
};
use crate::store::rows::{Columns, SqlxRow, room_from_row, to_u64};
use crate::store::{CommittedEvent, RoomInfo};

/// The statements of a membership change, on a sqlx connection inside its write
/// transaction.
struct SqlxStatements<'c, DB: Backend>(&'c mut DB::Connection);

impl<DB> Statements for SqlxStatements<'_, DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    async fn lock_room(&mut self, room_id: &str) -> Result<bool> {
        // SQLite's write transaction already holds the database's one write lock.
        if DB::LOCK_ROW.is_empty() {
            return Ok(true);
        }
        let locked = sqlx::query::<DB>(sqlx::AssertSqlSafe(format!("{LOCK_ROOM}{}", DB::LOCK_ROW)))
            .bind(room_id)
            .fetch_optional(&mut *self.0)
            .await?;
        Ok(locked.is_some())
    }

    async fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<()> {
        bound::<DB>(sql, params).execute(&mut *self.0).await?;
        Ok(())
    }

    async fn rows<T: Send + 'static>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        read: fn(&dyn Columns) -> Result<T>,
    ) -> Result<Vec<T>> {
        let rows = bound::<DB>(sql, params).fetch_all(&mut *self.0).await?;
        rows.iter().map(|row| read(&SqlxRow(row))).collect()
    }
}

/// `sql` with `params` bound in order (sqlx numbers `$n` by its digits on both
/// databases).
fn bound<DB>(sql: &'static str, params: &[Param<'_>]) -> Query<'static, DB, DB::Arguments>
where
    DB: Backend,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    params
        .iter()
        .fold(sqlx::query::<DB>(sql), |query, param| match *param {
            Param::Text(text) => query.bind(text),
            Param::MaybeText(text) => query.bind(text),
            Param::Integer(integer) => query.bind(integer),
        })
}

impl<DB> SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    /// Makes a membership or settings change if the room's rules allow it, in a write
    /// transaction of its own; returns the room events it committed, in seq order (none
    /// when nothing changed).
    pub(super) async fn apply_membership(
        &self,
        write: MembershipWrite,
    ) -> Result<Vec<CommittedEvent>> {
        let mut tx = DB::begin_write(&self.pool).await?;
        let events =
            membership_change::apply(&mut SqlxStatements::<DB>(&mut tx), self.outbox, write)
                .await?;
        tx.commit().await?;
        Ok(events)
    }

    /// Members of a room with their names and roles, in the order they joined.
    pub(super) async fn members_with_roles(&self, room_id: &str) -> Result<Vec<RoomMember>> {
        let rows = sqlx::query::<DB>(
            "SELECT u.id, u.username, COALESCE(u.display_name, u.username) AS display_name,
                    u.avatar_id, m.role, m.joined_at
             FROM room_members m JOIN users u ON u.id = m.user_id
             WHERE m.room_id = $1 ORDER BY m.joined_at, m.user_id",
        )
        .bind(room_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RoomMember {
                    user_id: row.try_get::<String, _>("id")?.into(),
                    username: row.try_get("username")?,
                    display_name: row.try_get("display_name")?,
                    role: role_of(row.try_get("role")?)?.unwrap_or(MemberRole::Member),
                    joined_at: row.try_get("joined_at")?,
                    avatar_id: row
                        .try_get::<Option<String>, _>("avatar_id")?
                        .map(Into::into),
                })
            })
            .collect()
    }

    /// A room's settings, member count and the user's role (`None`: not a member).
    pub(super) async fn room_info_of(
        &self,
        room_id: &str,
        user_id: &str,
    ) -> Result<Option<RoomInfo>> {
        let row = sqlx::query::<DB>(
            "SELECT r.id, r.name, r.visibility, r.last_seq, r.created_at, r.topic,
                    r.who_can_add, r.avatar_id,
                    (SELECT COUNT(*) FROM room_members c WHERE c.room_id = r.id) AS member_count,
                    (SELECT m.role FROM room_members m
                     WHERE m.room_id = r.id AND m.user_id = $2) AS role
             FROM rooms r WHERE r.id = $1",
        )
        .bind(room_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(RoomInfo {
            room: room_from_row(&SqlxRow(&row))?,
            topic: row.try_get("topic")?,
            who_can_add: who_can_add_of(row.try_get("who_can_add")?)?,
            avatar_id: row.try_get("avatar_id")?,
            member_count: to_u64(row.try_get("member_count")?),
            role: role_of(row.try_get("role")?)?,
        }))
    }

    /// A room's bans, newest first.
    pub(super) async fn bans_of(&self, room_id: &str) -> Result<Vec<RoomBan>> {
        let rows = sqlx::query::<DB>(
            "SELECT user_id, banned_by, reason, created_at FROM room_bans
             WHERE room_id = $1 ORDER BY created_at DESC, user_id",
        )
        .bind(room_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RoomBan {
                    user_id: row.try_get::<String, _>("user_id")?.into(),
                    banned_by: row.try_get::<String, _>("banned_by")?.into(),
                    reason: row.try_get("reason")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }
}
