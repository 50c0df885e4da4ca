//! Closing accounts, for every backend: deactivation by a server admin and deletion by
//! the user, and the reads that go with them (an account's status, the messages a
//! deletion erases).

use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::error::{Error, Result};
use crate::store::{Account, AccountStatus};

/// What a deleted account's profile shows.
const DELETED_NAME: &str = "Deleted user";

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
{
    /// The account's status and password-change cutoff, and whether the sign-in
    /// `sign_in` ended; `None` when there is no such user.
    pub(super) async fn account_of(
        &self,
        user_id: &str,
        sign_in: Option<&str>,
    ) -> Result<Option<Account>> {
        // The sign-in's row is looked up in the same statement: every request with a
        // token of this server's asks.
        let row = match sign_in {
            None => {
                sqlx::query::<DB>(
                    "SELECT closed, signed_out_before, CAST(1 AS BIGINT) AS signed_in
                     FROM users WHERE id = $1",
                )
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?
            }
            Some(sign_in) => {
                sqlx::query::<DB>(
                    "SELECT closed, signed_out_before,
                            (SELECT COUNT(*) FROM sign_ins WHERE id = $2 AND user_id = $1)
                                AS signed_in
                     FROM users WHERE id = $1",
                )
                .bind(user_id)
                .bind(sign_in)
                .fetch_optional(&self.pool)
                .await?
            }
        };
        let Some(row) = row else { return Ok(None) };
        let closed: Option<String> = row.try_get("closed")?;
        let status = match closed.as_deref() {
            None => AccountStatus::Active,
            Some("deactivated") => AccountStatus::Deactivated,
            Some("deleted") => AccountStatus::Deleted,
            Some(other) => {
                return Err(Error::Corrupt {
                    column: "users.closed",
                    value: other.to_owned(),
                });
            }
        };
        let signed_in: i64 = row.try_get("signed_in")?;
        Ok(Some(Account {
            status,
            signed_out_before: row.try_get("signed_out_before")?,
            sign_in_ended: signed_in == 0,
        }))
    }

    /// [`crate::store::Store::change_password`], in one transaction.
    pub(super) async fn replace_password(
        &self,
        user_id: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<bool> {
        let mut tx = DB::begin_write(&self.pool).await?;
        if !replace_password_in::<DB>(&mut tx, user_id, password_hash, now).await? {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Closes the account in one transaction; false when there is no such user.
    pub(super) async fn close(&self, user_id: &str, status: AccountStatus) -> Result<bool> {
        let Some(closed) = status.as_closed() else {
            return Ok(true);
        };
        let mut tx = DB::begin_write(&self.pool).await?;
        let updated = if status == AccountStatus::Deleted {
            // The name is freed (names are unique, ids never are reused), and nothing
            // the user chose stays.
            let freed = format!("deleted:{user_id}");
            sqlx::query::<DB>(
                "UPDATE users SET closed = $1, username = $2, display_name = $3,
                                  password_hash = NULL
                 WHERE id = $4",
            )
            .bind(closed)
            .bind(freed.as_str())
            .bind(DELETED_NAME)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query::<DB>("UPDATE users SET closed = $1 WHERE id = $2")
                .bind(closed)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
        };
        if DB::rows_affected(&updated) == 0 {
            return Ok(false);
        }
        // A closed account gets no notifications.
        end_sign_ins::<DB>(&mut tx, user_id).await?;
        if status == AccountStatus::Deleted {
            for statement in [
                "DELETE FROM user_blocks WHERE blocker_id = $1 OR blocked_id = $1",
                "DELETE FROM saved_messages WHERE user_id = $1",
            ] {
                sqlx::query::<DB>(statement)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            // Their picture is something they chose: it goes, as their name did.
            sqlx::query::<DB>(crate::store::avatars::RELEASE_USERS)
                .bind(crate::clock::now_ms())
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query::<DB>("UPDATE users SET avatar_id = NULL WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// Replaces an active user's password hash and signs every sign-in out, inside the
/// caller's transaction; false when there is no such active user.
pub(super) async fn replace_password_in<DB>(
    conn: &mut DB::Connection,
    user_id: &str,
    password_hash: &str,
    now: i64,
) -> Result<bool>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    let updated = sqlx::query::<DB>(
        "UPDATE users SET password_hash = $1, signed_out_before = $2
         WHERE id = $3 AND closed IS NULL",
    )
    .bind(password_hash)
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    if DB::rows_affected(&updated) == 0 {
        return Ok(false);
    }
    // Pushes would still reach a device signed out by the change (one that was
    // stolen, say); the device that made the change registers again.
    end_sign_ins::<DB>(conn, user_id).await?;
    Ok(true)
}

/// Ends every sign-in of the user: their refresh tokens and push devices go, and so
/// does a password reset granted before (the password it would replace changed, or the
/// account closed). The sign-ins' rows first, as `sign_ins.rs` says why.
async fn end_sign_ins<DB>(conn: &mut DB::Connection, user_id: &str) -> Result<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    for statement in [
        "DELETE FROM sign_ins WHERE user_id = $1",
        "DELETE FROM refresh_tokens WHERE user_id = $1",
        "DELETE FROM push_devices WHERE user_id = $1",
        "DELETE FROM password_resets WHERE user_id = $1",
    ] {
        sqlx::query::<DB>(statement)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
