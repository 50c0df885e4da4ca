//! The push device registry, for every backend. A token belongs to one app install, so
//! it is unique per platform: registering it again refreshes it, from another user moves
//! it to them (the phone changed hands, or its user signed in to another account).

use std::collections::HashMap;

use chat_protocol::v1::{Device, MAX_DEVICES_PER_USER, PushEnvironment, PushPlatform};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::error::{Error, Result};
use crate::store::rows::{to_i64, to_u64};
use crate::store::{NewPushDevice, PushTarget};

/// Users whose unread totals one statement counts (each is a bound parameter).
const UNREAD_BATCH: usize = 500;

/// How many characters of a token a device listing shows.
const TOKEN_HINT_CHARS: usize = 8;

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
    /// Registers `device` for `user_id`, or refreshes it (and moves it to `user_id`)
    /// when its token is known; past [`MAX_DEVICES_PER_USER`], the user's device
    /// refreshed longest ago is forgotten.
    pub(super) async fn upsert_push_device(
        &self,
        user_id: &str,
        device: &NewPushDevice,
        now: i64,
    ) -> Result<Device> {
        let (p256dh, auth) = match &device.web_push_keys {
            Some((p256dh, auth)) => (Some(p256dh.as_str()), Some(auth.as_str())),
            None => (None, None),
        };
        let mut tx = DB::begin_write(&self.pool).await?;
        let row = sqlx::query::<DB>(
            "INSERT INTO push_devices (id, user_id, platform, token, p256dh, auth_secret,
                                       app_id, environment, created_at, updated_at,
                                       sign_in_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)
             ON CONFLICT (platform, token) DO UPDATE SET
                 user_id = excluded.user_id, p256dh = excluded.p256dh,
                 auth_secret = excluded.auth_secret, app_id = excluded.app_id,
                 environment = excluded.environment, updated_at = excluded.updated_at,
                 sign_in_id = excluded.sign_in_id
             RETURNING id, platform, token, app_id, environment, created_at, updated_at",
        )
        .bind(device.id.as_str())
        .bind(user_id)
        .bind(device.platform.as_str())
        .bind(device.token.as_str())
        .bind(p256dh)
        .bind(auth)
        .bind(device.app_id.as_deref())
        .bind(device.environment.map(PushEnvironment::as_str))
        .bind(now)
        .bind(device.sign_in_id.as_deref())
        .fetch_one(&mut *tx)
        .await?;
        let registered = device_from_row::<DB>(&row)?;
        sqlx::query::<DB>(
            "DELETE FROM push_devices WHERE user_id = $1 AND id NOT IN (
                 SELECT id FROM push_devices WHERE user_id = $1
                 ORDER BY updated_at DESC, id DESC LIMIT $2)",
        )
        .bind(user_id)
        .bind(to_i64(MAX_DEVICES_PER_USER as u64))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(registered)
    }

    /// Forgets `user_id`'s device `device_id`; whether it was theirs.
    pub(super) async fn delete_push_device(&self, user_id: &str, device_id: &str) -> Result<bool> {
        let deleted = sqlx::query::<DB>("DELETE FROM push_devices WHERE id = $1 AND user_id = $2")
            .bind(device_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&deleted) > 0)
    }

    /// `user_id`'s devices, most recently registered first.
    pub(super) async fn push_devices_of(&self, user_id: &str) -> Result<Vec<Device>> {
        let rows = sqlx::query::<DB>(
            "SELECT id, platform, token, app_id, environment, created_at, updated_at
             FROM push_devices WHERE user_id = $1 ORDER BY updated_at DESC, id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(device_from_row::<DB>).collect()
    }

    /// The devices of `room_id`'s members, but `except`'s.
    pub(super) async fn push_targets_of(
        &self,
        room_id: &str,
        except: &str,
    ) -> Result<Vec<PushTarget>> {
        let rows = sqlx::query::<DB>(
            "SELECT d.id, d.user_id, d.platform, d.token, d.p256dh, d.auth_secret,
                    d.app_id, d.environment
             FROM room_members m JOIN push_devices d ON d.user_id = m.user_id
             WHERE m.room_id = $1 AND m.user_id <> $2",
        )
        .bind(room_id)
        .bind(except)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(target_from_row::<DB>).collect()
    }

    /// Deletes the device `device_id` if its token is still `token` (registered again
    /// since, it is someone's live device).
    pub(super) async fn delete_push_token(&self, device_id: &str, token: &str) -> Result<bool> {
        let deleted = sqlx::query::<DB>("DELETE FROM push_devices WHERE id = $1 AND token = $2")
            .bind(device_id)
            .bind(token)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&deleted) > 0)
    }

    /// Each user's unread messages over all their rooms: those after their read
    /// position, not theirs, not deleted, not from a user they blocked, in the rooms
    /// their list shows (a direct room
    /// they hid counts again once it has a newer message): the room list's
    /// `unread_count`, summed. One
    /// statement per [`UNREAD_BATCH`] users; a user with none is left out.
    pub(super) async fn unread_totals_of(
        &self,
        user_ids: &[String],
    ) -> Result<HashMap<String, u64>> {
        let mut totals = HashMap::with_capacity(user_ids.len());
        for batch in user_ids.chunks(UNREAD_BATCH) {
            let placeholders: Vec<String> = (1..=batch.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT m.user_id, CAST(COUNT(x.id) AS BIGINT) AS unread
                 FROM room_members m
                 LEFT JOIN receipts rc ON rc.room_id = m.room_id AND rc.user_id = m.user_id
                 JOIN messages x ON x.room_id = m.room_id AND x.seq > COALESCE(rc.read_seq, 0)
                 WHERE m.user_id IN ({}) AND x.sender_id <> m.user_id AND x.deleted_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM user_blocks b
                                   WHERE b.blocker_id = m.user_id AND b.blocked_id = x.sender_id)
                   AND (m.hidden_seq IS NULL OR EXISTS (SELECT 1 FROM messages h
                        WHERE h.room_id = m.room_id AND h.seq > m.hidden_seq))
                 GROUP BY m.user_id",
                placeholders.join(", ")
            );
            let mut query = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql));
            for user_id in batch {
                query = query.bind(user_id.as_str());
            }
            for row in query.fetch_all(&self.pool).await? {
                totals.insert(row.try_get("user_id")?, to_u64(row.try_get("unread")?));
            }
        }
        Ok(totals)
    }
}

fn target_from_row<DB: Backend>(row: &DB::Row) -> Result<PushTarget>
where
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> Option<String>: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    let platform: String = row.try_get("platform")?;
    let environment: Option<String> = row.try_get("environment")?;
    let p256dh: Option<String> = row.try_get("p256dh")?;
    let auth: Option<String> = row.try_get("auth_secret")?;
    Ok(PushTarget {
        device_id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        platform: PushPlatform::parse(&platform).ok_or(Error::Corrupt {
            column: "push_devices.platform",
            value: platform.clone(),
        })?,
        token: row.try_get("token")?,
        web_push_keys: p256dh.zip(auth),
        app_id: row.try_get("app_id")?,
        environment: environment.as_deref().and_then(PushEnvironment::parse),
    })
}

fn device_from_row<DB: Backend>(row: &DB::Row) -> Result<Device>
where
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> Option<String>: Decode<'r, DB> + Type<DB>,
    for<'r> i64: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    let platform: String = row.try_get("platform")?;
    let environment: Option<String> = row.try_get("environment")?;
    let token: String = row.try_get("token")?;
    Ok(Device {
        device_id: row.try_get("id")?,
        platform: PushPlatform::parse(&platform).ok_or(Error::Corrupt {
            column: "push_devices.platform",
            value: platform.clone(),
        })?,
        app_id: row.try_get("app_id")?,
        environment: environment.as_deref().and_then(PushEnvironment::parse),
        token_hint: token_hint(&token),
        registered_at: row.try_get("created_at")?,
        refreshed_at: row.try_get("updated_at")?,
    })
}

/// The last few characters of a token: enough to tell devices apart, too few to use.
fn token_hint(token: &str) -> String {
    let skip = token.chars().count().saturating_sub(TOKEN_HINT_CHARS);
    token.chars().skip(skip).collect()
}
