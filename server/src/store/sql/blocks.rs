//! Blocks between users, for every backend. The rules that use them are enforced where
//! the blocked act happens: opening a direct room and adding members (`create_room`,
//! `store::membership`), sending in a direct room (the writers), typing (`crate::typing`).

use chat_protocol::v1::BlockedUser;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::error::Result;

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
    /// `blocker` blocks `blocked`; blocking again changes nothing (the first time stays).
    pub(super) async fn insert_block(&self, blocker: &str, blocked: &str, now: i64) -> Result<()> {
        sqlx::query::<DB>(
            "INSERT INTO user_blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (blocker_id, blocked_id) DO NOTHING",
        )
        .bind(blocker)
        .bind(blocked)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Lifts a block (none: nothing changes).
    pub(super) async fn delete_block(&self, blocker: &str, blocked: &str) -> Result<()> {
        sqlx::query::<DB>("DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2")
            .bind(blocker)
            .bind(blocked)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The users `blocker` blocked, most recently blocked first.
    pub(super) async fn blocks_of(&self, blocker: &str) -> Result<Vec<BlockedUser>> {
        let rows = sqlx::query::<DB>(
            "SELECT u.id, u.username, COALESCE(u.display_name, u.username) AS display_name,
                    b.created_at
             FROM user_blocks b JOIN users u ON u.id = b.blocked_id
             WHERE b.blocker_id = $1 ORDER BY b.created_at DESC, u.id",
        )
        .bind(blocker)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(BlockedUser {
                    user_id: row.try_get::<String, _>("id")?.into(),
                    username: row.try_get("username")?,
                    display_name: row.try_get("display_name")?,
                    blocked_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// The users who blocked `user_id`.
    pub(super) async fn blockers(&self, user_id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query::<DB>("SELECT blocker_id FROM user_blocks WHERE blocked_id = $1")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok(row.try_get("blocker_id")?))
            .collect()
    }
}
