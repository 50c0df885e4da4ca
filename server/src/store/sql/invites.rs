//! Invite links, for every backend: created (the code's hash kept), listed while they
//! work, revoked, looked up by a code to show or join, and purged once expired. Joining
//! spends a use in the membership change's own transaction (`store::membership_change`).

use chat_protocol::v1::{InvitePreview, RoomInvite, RoomVisibility};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::NewInvite;
use crate::store::error::{Error, Result};
use crate::store::rows::to_u64;

/// The columns [`invite_from_row`] reads, of `room_invites i`.
const COLUMNS: &str =
    "i.id, i.room_id, i.created_by, i.created_at, i.expires_at, i.max_uses, i.uses";

/// Whether invite `i` still works at `$2`: unexpired, not used up, and its maker still
/// a member who may add others ([`MAKER_MAY_ADD`]).
const USABLE: &str = "i.expires_at > $2 AND (i.max_uses IS NULL OR i.uses < i.max_uses)
     AND EXISTS (SELECT 1 FROM room_members mk JOIN rooms mr ON mr.id = mk.room_id
                 WHERE mk.room_id = i.room_id AND mk.user_id = i.created_by
                   AND (mr.who_can_add = 'members' OR mk.role IN ('owner', 'admin')))";

/// Records an invite unless room `$3` has `$8` that still work at `$5` already.
const INSERT_UNDER_CAP: &str = "INSERT INTO room_invites
     (id, code_hash, room_id, created_by, created_at, expires_at, max_uses)
     SELECT $1, $2, $3, $4, $5, $6, $7
     WHERE (SELECT COUNT(*) FROM room_invites w
            WHERE w.room_id = $3 AND w.expires_at > $5
              AND (w.max_uses IS NULL OR w.uses < w.max_uses)) < $8";

/// Revokes invite `$2` of room `$1`, if `$3` made it or `$4` is 1 (a moderator).
const REVOKE: &str = "DELETE FROM room_invites
     WHERE room_id = $1 AND id = $2 AND (created_by = $3 OR $4 = 1)";

const PURGE_EXPIRED: &str = "DELETE FROM room_invites WHERE id IN
     (SELECT id FROM room_invites WHERE expires_at < $1 LIMIT $2)";

impl<DB> SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    pub(super) async fn insert_invite(&self, invite: &NewInvite, cap: u32) -> Result<bool> {
        let inserted = sqlx::query::<DB>(INSERT_UNDER_CAP)
            .bind(invite.id.as_str())
            .bind(invite.code_hash.as_str())
            .bind(invite.room_id.as_str())
            .bind(invite.created_by.as_str())
            .bind(invite.created_at)
            .bind(invite.expires_at)
            .bind(invite.max_uses.map(i64::from))
            .bind(i64::from(cap))
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&inserted) == 1)
    }

    pub(super) async fn usable_invites_of(
        &self,
        room_id: &str,
        now: i64,
    ) -> Result<Vec<RoomInvite>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM room_invites i WHERE i.room_id = $1 AND {USABLE}
             ORDER BY i.created_at DESC, i.id DESC"
        );
        sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
            .bind(room_id)
            .bind(now)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(invite_from_row)
            .collect()
    }

    pub(super) async fn delete_invite(
        &self,
        room_id: &str,
        invite_id: &str,
        by: &str,
        moderator: bool,
    ) -> Result<bool> {
        let deleted = sqlx::query::<DB>(REVOKE)
            .bind(room_id)
            .bind(invite_id)
            .bind(by)
            .bind(i64::from(moderator))
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&deleted) > 0)
    }

    pub(super) async fn invite_preview_for(
        &self,
        code_hash: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Option<InvitePreview>> {
        let sql = format!(
            "SELECT r.id, r.name, r.topic, r.visibility, r.avatar_id, i.expires_at,
                    (SELECT COUNT(*) FROM room_members c WHERE c.room_id = r.id) AS member_count,
                    CAST(CASE WHEN EXISTS (SELECT 1 FROM room_members m
                                           WHERE m.room_id = r.id AND m.user_id = $3)
                         THEN 1 ELSE 0 END AS BIGINT) AS member
             FROM room_invites i JOIN rooms r ON r.id = i.room_id
             WHERE i.code_hash = $1 AND {USABLE}"
        );
        let row = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
            .bind(code_hash)
            .bind(now)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let visibility: String = row.try_get("visibility")?;
        Ok(Some(InvitePreview {
            room_id: row.try_get::<String, _>("id")?.into(),
            name: row.try_get("name")?,
            topic: row.try_get("topic")?,
            visibility: RoomVisibility::parse(&visibility).ok_or(Error::Corrupt {
                column: "rooms.visibility",
                value: visibility,
            })?,
            member_count: to_u64(row.try_get("member_count")?),
            avatar_id: row
                .try_get::<Option<String>, _>("avatar_id")?
                .map(Into::into),
            expires_at: row.try_get("expires_at")?,
            member: row.try_get::<i64, _>("member")? != 0,
        }))
    }

    pub(super) async fn purge_invites_expired_before(
        &self,
        cutoff: i64,
        limit: u32,
    ) -> Result<u64> {
        let deleted = sqlx::query::<DB>(PURGE_EXPIRED)
            .bind(cutoff)
            .bind(i64::from(limit))
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&deleted))
    }
}

/// A row of [`COLUMNS`] (never with the code: only its hash is kept).
fn invite_from_row<R: Row>(row: &R) -> Result<RoomInvite>
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let count = |value: i64| u32::try_from(value).unwrap_or(u32::MAX);
    Ok(RoomInvite {
        invite_id: row.try_get("id")?,
        code: None,
        room_id: row.try_get::<String, _>("room_id")?.into(),
        created_by: row.try_get::<String, _>("created_by")?.into(),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        max_uses: row.try_get::<Option<i64>, _>("max_uses")?.map(count),
        uses: count(row.try_get("uses")?),
    })
}
