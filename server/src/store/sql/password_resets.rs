//! Password reset tokens, for every backend: granted (one per user, a new grant replaces
//! it), looked up, redeemed together with the password change, and purged once expired.

use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Type};

use super::{Backend, SqlStore};
use crate::store::error::Result;

/// Only for an active user with a password here (an external auth service's users have
/// none to reset).
const GRANT: &str = "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
     SELECT $1, id, $3, $4 FROM users
     WHERE id = $2 AND closed IS NULL AND password_hash IS NOT NULL
     ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash,
         created_at = excluded.created_at, expires_at = excluded.expires_at";

const USER: &str = "SELECT user_id FROM password_resets WHERE token_hash = $1 AND expires_at > $2";

const TAKE: &str =
    "DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id";

const PURGE_EXPIRED: &str = "DELETE FROM password_resets WHERE token_hash IN
     (SELECT token_hash FROM password_resets WHERE expires_at < $1 LIMIT $2)";

impl<DB> SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    pub(super) async fn insert_password_reset(
        &self,
        user_id: &str,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<bool> {
        let granted = sqlx::query::<DB>(GRANT)
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&granted) > 0)
    }

    pub(super) async fn password_reset_owner(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar::<DB, String>(USER)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub(super) async fn take_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<String>> {
        let mut tx = DB::begin_write(&self.pool).await?;
        let Some(user_id) = sqlx::query_scalar::<DB, String>(TAKE)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        if !super::accounts::replace_password_in::<DB>(&mut tx, &user_id, password_hash, now)
            .await?
        {
            // Closed since the grant: the token is spent all the same.
            tx.commit().await?;
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(user_id))
    }

    pub(super) async fn purge_expired_resets(&self, now: i64, limit: u32) -> Result<u64> {
        let purged = sqlx::query::<DB>(PURGE_EXPIRED)
            .bind(now)
            .bind(i64::from(limit))
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&purged))
    }
}
