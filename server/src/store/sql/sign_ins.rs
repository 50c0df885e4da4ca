//! Sign-ins, for every backend: starting one with its first refresh token, listing a
//! user's, ending them and purging those that lapsed. Ending one deletes its row before
//! its refresh tokens: on PostgreSQL a rotation racing the end first updates that row
//! (`refresh_tokens.rs`), so either the rotation finds it gone and refuses, or the end
//! waits for the rotation to commit and then also deletes the token it stored.

use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row as _, Type};

use super::{Backend, SqlStore};
use crate::store::error::Result;
use crate::store::{EndSignIns, RefreshTokenRecord, SignInRecord};

const INSERT: &str = "INSERT INTO sign_ins (id, user_id, device_name, created_at, last_active_at)
     VALUES ($1, $2, $3, $4, $4)";

const LIST: &str = "SELECT id, user_id, device_name, created_at, last_active_at FROM sign_ins
     WHERE user_id = $1 AND last_active_at >= $2
     ORDER BY last_active_at DESC, id DESC";

const END_ONE: &str = "DELETE FROM sign_ins WHERE user_id = $1 AND id = $2 RETURNING id";

/// `$2`: the sign-in kept ('' keeps none: ids are never empty).
const END_ALL_BUT: &str = "DELETE FROM sign_ins WHERE user_id = $1 AND id <> $2 RETURNING id";

/// The refresh tokens of the user's sign-ins that no longer exist (revoked families,
/// which have none, are kept until they expire only to recognise a replay; a replayed
/// token of an ended sign-in is refused as unknown instead, which is as final).
const FORGET_TOKENS: &str = "DELETE FROM refresh_tokens WHERE user_id = $1
     AND family_id NOT IN (SELECT id FROM sign_ins WHERE user_id = $1)";

const FORGET_DEVICES_OF: &str = "DELETE FROM push_devices WHERE user_id = $1 AND sign_in_id = $2";

/// Every device of the user but those the sign-in `$2` registered.
const FORGET_DEVICES_BUT: &str = "DELETE FROM push_devices
     WHERE user_id = $1 AND (sign_in_id IS NULL OR sign_in_id <> $2)";

const PURGE_LAPSED: &str = "DELETE FROM sign_ins WHERE id IN
     (SELECT id FROM sign_ins WHERE last_active_at < $1 LIMIT $2)";

impl<DB> SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> Option<String>: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    pub(super) async fn insert_sign_in(
        &self,
        first_token: &RefreshTokenRecord,
        device_name: Option<&str>,
    ) -> Result<()> {
        let mut tx = DB::begin_write(&self.pool).await?;
        sqlx::query::<DB>(INSERT)
            .bind(first_token.family_id.as_str())
            .bind(first_token.user_id.as_str())
            .bind(device_name)
            .bind(first_token.created_at)
            .execute(&mut *tx)
            .await?;
        super::refresh_tokens::insert_in::<DB>(&mut tx, first_token).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn sign_ins_of(
        &self,
        user_id: &str,
        active_since: i64,
    ) -> Result<Vec<SignInRecord>> {
        let rows = sqlx::query::<DB>(LIST)
            .bind(user_id)
            .bind(active_since)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(SignInRecord {
                    id: row.try_get(0)?,
                    user_id: row.try_get(1)?,
                    device_name: row.try_get(2)?,
                    created_at: row.try_get(3)?,
                    last_active_at: row.try_get(4)?,
                })
            })
            .collect()
    }

    pub(super) async fn end_sign_ins_of(
        &self,
        user_id: &str,
        which: EndSignIns<'_>,
    ) -> Result<Vec<String>> {
        let mut tx = DB::begin_write(&self.pool).await?;
        let (statement, kept) = match which {
            EndSignIns::One(id) => (END_ONE, id),
            EndSignIns::AllBut(kept) => (END_ALL_BUT, kept.unwrap_or("")),
        };
        let ended: Vec<String> = sqlx::query_scalar::<DB, String>(statement)
            .bind(user_id)
            .bind(kept)
            .fetch_all(&mut *tx)
            .await?;
        if ended.is_empty() && matches!(which, EndSignIns::One(_)) {
            return Ok(ended);
        }
        sqlx::query::<DB>(FORGET_TOKENS)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let devices = match which {
            EndSignIns::One(_) => FORGET_DEVICES_OF,
            EndSignIns::AllBut(_) => FORGET_DEVICES_BUT,
        };
        sqlx::query::<DB>(devices)
            .bind(user_id)
            .bind(kept)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ended)
    }

    pub(super) async fn purge_lapsed(&self, before: i64, limit: u32) -> Result<u64> {
        let purged = sqlx::query::<DB>(PURGE_LAPSED)
            .bind(before)
            .bind(i64::from(limit))
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&purged))
    }
}

/// Ends the sign-in `sign_in` inside the caller's transaction (a sign-out): its row and
/// the push devices it registered go; its refresh tokens the caller revokes.
pub(super) async fn end_in<DB>(
    conn: &mut DB::Connection,
    user_id: &str,
    sign_in: &str,
) -> Result<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    for statement in [
        "DELETE FROM sign_ins WHERE user_id = $1 AND id = $2",
        FORGET_DEVICES_OF,
    ] {
        sqlx::query::<DB>(statement)
            .bind(user_id)
            .bind(sign_in)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
