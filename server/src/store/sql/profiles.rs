//! A user's profile, for every backend: the name they are shown by and their picture,
//! changed together in one transaction.

use chat_protocol::v1::UserProfile;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Type};

use super::{Backend, SqlStore};
use crate::store::ProfileChange;
use crate::store::avatars;
use crate::store::error::{Error, Result};

/// The profile of user `$1`, the name falling back to the username.
pub(super) const PROFILE: &str =
    "SELECT id, username, COALESCE(display_name, username) AS display_name, avatar_id
     FROM users WHERE id = $1";

/// The picture of active user `$1`; no row when there is no such user.
const CURRENT_AVATAR: &str = "SELECT avatar_id FROM users WHERE id = $1 AND closed IS NULL";

const SET_DISPLAY_NAME: &str = "UPDATE users SET display_name = $1 WHERE id = $2";

/// `$1` NULL removes the picture.
const SET_AVATAR: &str = "UPDATE users SET avatar_id = $1 WHERE id = $2";

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
    pub(super) async fn change_profile(
        &self,
        user_id: &str,
        change: &ProfileChange,
        now: i64,
    ) -> Result<Option<UserProfile>> {
        let mut tx = DB::begin_write(&self.pool).await?;
        let Some(current) = sqlx::query_scalar::<DB, Option<String>>(CURRENT_AVATAR)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        if let Some(name) = &change.display_name {
            sqlx::query::<DB>(SET_DISPLAY_NAME)
                .bind(name.as_str())
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        let wanted = avatars::asked(change.avatar_id.as_deref());
        if let Some(wanted) = wanted.filter(|wanted| *wanted != current.as_deref()) {
            if let Some(new) = wanted {
                sqlx::query_scalar::<DB, String>(avatars::CLAIM)
                    .bind(new)
                    .bind(user_id)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(Error::AvatarUnusable)?;
            }
            if let Some(old) = current.as_deref() {
                sqlx::query::<DB>(avatars::RELEASE)
                    .bind(now)
                    .bind(old)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query::<DB>(SET_AVATAR)
                .bind(wanted)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.user_profile_of(user_id).await
    }

    pub(super) async fn user_profile_of(&self, user_id: &str) -> Result<Option<UserProfile>> {
        let row = sqlx::query::<DB>(PROFILE)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(super::profile_from_row).transpose()
    }
}
