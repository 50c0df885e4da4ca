//! Refresh tokens, for every backend. Rotating and revoking must be serialised per
//! family, or a revoke racing a rotation could miss the successor the rotation inserts:
//! each runs in a write transaction holding the family's lock
//! ([`Backend::begin_write`] and [`Backend::lock_refresh_family`]: SQLite's
//! `BEGIN IMMEDIATE` serialises every writer; PostgreSQL takes a transaction-scoped
//! advisory lock on the family).

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row as _, Type};

use super::{Backend, SqlStore};
use crate::store::error::Result;
use crate::store::{RefreshTokenRecord, Rotation};

const INSERT: &str =
    "INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5)";

/// The presented token.
const SELECT: &str = "SELECT family_id, user_id, expires_at, used_at, revoked_at
     FROM refresh_tokens WHERE token_hash = $1";

/// The family of the presented token, and whose it is (read before locking it).
const FAMILY: &str = "SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = $1";

/// Notes the sign-in active; no row changed: the sign-in was ended.
const TOUCH_SIGN_IN: &str = "UPDATE sign_ins SET last_active_at = $1 WHERE id = $2";

const MARK_USED: &str = "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2";

/// Up to `$2` tokens that expired before `$1`. Used tokens are kept until they expire (a
/// used token presented again must still revoke its family); past that, every token is
/// refused as expired anyway, so the row only takes space.
const PURGE_EXPIRED: &str = "DELETE FROM refresh_tokens WHERE token_hash IN
     (SELECT token_hash FROM refresh_tokens WHERE expires_at < $1 LIMIT $2)";

const REVOKE_FAMILY: &str =
    "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL";

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
    pub(super) async fn rotate_refresh(
        &self,
        presented: &str,
        next_hash: &str,
        next_expires_at: i64,
        now: i64,
    ) -> Result<Rotation> {
        // Unknown tokens (anything an attacker makes up) never take a write lock.
        let Some((family_id, _)) = self.family_of(presented).await? else {
            return Ok(Rotation::Invalid);
        };
        let mut tx = DB::begin_write(&self.pool).await?;
        DB::lock_refresh_family(&mut tx, &family_id).await?;
        let rotation = rotate_in::<DB>(&mut tx, presented, next_hash, next_expires_at, now).await?;
        tx.commit().await?;
        Ok(rotation)
    }

    pub(super) async fn revoke_refresh(
        &self,
        presented: &str,
        now: i64,
        device_id: Option<&str>,
    ) -> Result<Option<(String, String)>> {
        let Some((family_id, user_id)) = self.family_of(presented).await? else {
            return Ok(None);
        };
        let mut tx = DB::begin_write(&self.pool).await?;
        DB::lock_refresh_family(&mut tx, &family_id).await?;
        sqlx::query::<DB>(REVOKE_FAMILY)
            .bind(now)
            .bind(family_id.as_str())
            .execute(&mut *tx)
            .await?;
        super::sign_ins::end_in::<DB>(&mut tx, &user_id, &family_id).await?;
        if let Some(device_id) = device_id {
            // Only the signing-out user's own device: the id comes from the client.
            sqlx::query::<DB>("DELETE FROM push_devices WHERE id = $1 AND user_id = $2")
                .bind(device_id)
                .bind(user_id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some((user_id, family_id)))
    }

    pub(super) async fn purge_expired_refresh(&self, now: i64, limit: u32) -> Result<u64> {
        let purged = sqlx::query::<DB>(PURGE_EXPIRED)
            .bind(now)
            .bind(i64::from(limit))
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&purged))
    }

    /// The family of the presented token and its user (a token's family never changes,
    /// so it may be read before the lock is taken).
    async fn family_of(&self, presented: &str) -> Result<Option<(String, String)>> {
        let row = sqlx::query::<DB>(FAMILY)
            .bind(presented)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .transpose()
    }
}

/// Stores a refresh token inside the caller's transaction.
pub(super) async fn insert_in<DB>(
    conn: &mut DB::Connection,
    token: &RefreshTokenRecord,
) -> Result<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    sqlx::query::<DB>(INSERT)
        .bind(token.token_hash.as_str())
        .bind(token.family_id.as_str())
        .bind(token.user_id.as_str())
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Rotates the presented token inside the caller's transaction (which serialises it as
/// the module head says), on either database; the caller commits.
async fn rotate_in<DB>(
    conn: &mut DB::Connection,
    presented: &str,
    next_hash: &str,
    next_expires_at: i64,
    now: i64,
) -> Result<Rotation>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    let Some(row) = sqlx::query::<DB>(SELECT)
        .bind(presented)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(Rotation::Invalid);
    };
    let token = Presented {
        family_id: row.try_get("family_id")?,
        user_id: row.try_get("user_id")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    };
    match token.verdict(now) {
        Verdict::Refuse => Ok(Rotation::Invalid),
        Verdict::RevokeFamily => {
            sqlx::query::<DB>(REVOKE_FAMILY)
                .bind(now)
                .bind(token.family_id.as_str())
                .execute(&mut *conn)
                .await?;
            Ok(Rotation::Reused)
        }
        Verdict::Rotate => {
            // First, so that an end of the sign-in racing this rotation either comes
            // before (nothing is touched: refused) or waits for it (sign_ins.rs).
            let touched = sqlx::query::<DB>(TOUCH_SIGN_IN)
                .bind(now)
                .bind(token.family_id.as_str())
                .execute(&mut *conn)
                .await?;
            if DB::rows_affected(&touched) == 0 {
                return Ok(Rotation::Invalid);
            }
            sqlx::query::<DB>(MARK_USED)
                .bind(now)
                .bind(presented)
                .execute(&mut *conn)
                .await?;
            sqlx::query::<DB>(INSERT)
                .bind(next_hash)
                .bind(token.family_id.as_str())
                .bind(token.user_id.as_str())
                .bind(now)
                .bind(next_expires_at)
                .execute(&mut *conn)
                .await?;
            Ok(Rotation::Rotated {
                user_id: token.user_id,
                sign_in: token.family_id,
            })
        }
    }
}

/// What the stores read of the presented token, and what it means.
#[derive(Debug)]
struct Presented {
    family_id: String,
    user_id: String,
    expires_at: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// What to do with a presented token.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Rotate,
    RevokeFamily,
    Refuse,
}

impl Presented {
    fn verdict(&self, now: i64) -> Verdict {
        if self.revoked_at.is_some() || self.expires_at <= now {
            Verdict::Refuse
        } else if self.used_at.is_some() {
            Verdict::RevokeFamily
        } else {
            Verdict::Rotate
        }
    }
}
