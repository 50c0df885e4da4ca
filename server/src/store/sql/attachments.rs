//! The `attachments` table, for every backend: recording uploads under the uploader's
//! quota, reading them for a send or a download, and what the janitor removes. The
//! writers mark them sent (in a message's transaction) and doomed (when it is deleted).

use chat_protocol::v1::ThumbnailSize;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::attachment_record::{AttachmentForSend, AttachmentRecord, Thumbnails};
use crate::store::error::Result;
use crate::store::rows::{to_i64, to_u64};

/// The columns [`record_from_row`] reads, of `attachments a`.
const COLUMNS: &str = "a.id, a.uploader_id, a.name, a.mime, a.size, a.width, a.height, \
     a.thumbnail_mime, a.small_width, a.small_height, a.medium_width, a.medium_height, \
     a.created_at, a.message_id, a.avatar_since";

/// Records an upload unless the uploader's stored bytes would then pass `$14`.
const INSERT_UNDER_QUOTA: &str = "INSERT INTO attachments
     (id, uploader_id, name, mime, size, width, height, thumbnail_mime, small_width,
      small_height, medium_width, medium_height, created_at)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
     WHERE (SELECT COALESCE(SUM(size), 0) FROM attachments
            WHERE uploader_id = $2 AND deleted_at IS NULL) + $5 <= $14";

/// Bytes of the user's `$1` attachments that are stored now.
const STORED_BYTES: &str = "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes
     FROM attachments WHERE uploader_id = $1 AND deleted_at IS NULL";

/// Who may download an attachment: `$2` uploaded it or is a member of the room it was
/// sent to; a user's or a room's picture, any signed-in user.
const VISIBLE_TO: &str = "(a.uploader_id = $2 OR a.avatar_since IS NOT NULL
                          OR EXISTS (SELECT 1 FROM room_members rm
                                     WHERE rm.room_id = a.room_id AND rm.user_id = $2))";

/// Uploads never sent (nor made a picture) before `$2` are doomed at `$1`.
const EXPIRE_UNSENT: &str = "UPDATE attachments SET deleted_at = $1
     WHERE message_id IS NULL AND avatar_since IS NULL AND deleted_at IS NULL
       AND created_at < $2";

/// A room deleted for good dooms what was sent to it (`$1` the time, `$2` the room).
pub(super) const DOOM_ROOM_ATTACHMENTS: &str =
    "UPDATE attachments SET deleted_at = $1 WHERE room_id = $2 AND deleted_at IS NULL";

impl<DB> SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    /// Records an upload; `false` (nothing recorded) when the uploader's stored bytes
    /// would pass `quota`.
    pub(super) async fn insert_attachment(
        &self,
        record: &AttachmentRecord,
        quota: u64,
    ) -> Result<bool> {
        let (width, height) = record.dimensions.unzip();
        let thumbnails = record.thumbnails.as_ref();
        let side = |pick: fn(&Thumbnails) -> u32| thumbnails.map(|t| i64::from(pick(t)));
        let inserted = sqlx::query::<DB>(INSERT_UNDER_QUOTA)
            .bind(record.id.as_str())
            .bind(record.uploader_id.as_str())
            .bind(record.name.as_str())
            .bind(record.mime.as_str())
            .bind(to_i64(record.size))
            .bind(width.map(i64::from))
            .bind(height.map(i64::from))
            .bind(thumbnails.map(|t| t.mime.as_str()))
            .bind(side(|t| t.small.width))
            .bind(side(|t| t.small.height))
            .bind(side(|t| t.medium.width))
            .bind(side(|t| t.medium.height))
            .bind(record.created_at)
            .bind(to_i64(quota))
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&inserted) == 1)
    }

    /// Bytes of the user's attachments that are stored now.
    pub(super) async fn stored_attachment_bytes(&self, user_id: &str) -> Result<u64> {
        let row = sqlx::query::<DB>(STORED_BYTES)
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(to_u64(row.try_get("bytes")?))
    }

    /// The attachments `ids` that exist and are not deleted, as the send of
    /// `client_msg_id` by `sender` sees them (in no particular order).
    pub(super) async fn read_attachments_for_send(
        &self,
        ids: &[String],
        sender: &str,
        client_msg_id: &str,
    ) -> Result<Vec<AttachmentForSend>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (3..3 + ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT {COLUMNS},
                    CAST(CASE WHEN m.sender_id = $1 AND m.client_msg_id = $2 THEN 1 ELSE 0 END AS BIGINT)
                        AS sent_by_this_send
             FROM attachments a LEFT JOIN messages m ON m.id = a.message_id
             WHERE a.deleted_at IS NULL AND a.id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
            .bind(sender)
            .bind(client_msg_id);
        for id in ids {
            query = query.bind(id.as_str());
        }
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                let sent_by_this_send: i64 = row.try_get("sent_by_this_send")?;
                Ok(AttachmentForSend {
                    record: record_from_row(row)?,
                    sent_by_this_send: sent_by_this_send != 0,
                })
            })
            .collect()
    }

    /// The attachment if `user_id` may download it (`None` for anyone: the caller
    /// checked a signed link), and it is not deleted.
    pub(super) async fn visible_attachment(
        &self,
        id: &str,
        user_id: Option<&str>,
    ) -> Result<Option<AttachmentRecord>> {
        let live =
            format!("SELECT {COLUMNS} FROM attachments a WHERE a.id = $1 AND a.deleted_at IS NULL");
        let row = match user_id {
            Some(user_id) => {
                sqlx::query::<DB>(sqlx::AssertSqlSafe(format!("{live} AND {VISIBLE_TO}")))
                    .bind(id)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?
            }
            None => {
                sqlx::query::<DB>(sqlx::AssertSqlSafe(live))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        row.as_ref().map(record_from_row).transpose()
    }

    /// Dooms the uploads never sent before `unsent_before`, then lists doomed
    /// attachments, at most `limit`: the janitor removes their files, then
    /// [`Self::delete_attachment_rows`] their rows.
    pub(super) async fn list_doomed_attachments(
        &self,
        now: i64,
        unsent_before: i64,
        limit: u32,
    ) -> Result<Vec<AttachmentRecord>> {
        sqlx::query::<DB>(EXPIRE_UNSENT)
            .bind(now)
            .bind(unsent_before)
            .execute(&self.pool)
            .await?;
        let doomed = format!(
            "SELECT {COLUMNS} FROM attachments a WHERE a.deleted_at IS NOT NULL
             ORDER BY a.deleted_at, a.id LIMIT $1"
        );
        sqlx::query::<DB>(sqlx::AssertSqlSafe(doomed))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(record_from_row)
            .collect()
    }

    /// Removes the rows of doomed attachments whose files are gone.
    pub(super) async fn delete_attachment_rows(&self, ids: &[String]) -> Result<()> {
        for id in ids {
            sqlx::query::<DB>("DELETE FROM attachments WHERE id = $1 AND deleted_at IS NOT NULL")
                .bind(id.as_str())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}

/// A row of [`COLUMNS`].
fn record_from_row<R: Row>(row: &R) -> Result<AttachmentRecord>
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let pixels = |name: &str| -> Result<Option<u32>> {
        let value: Option<i64> = row.try_get(name)?;
        Ok(value.and_then(|v| u32::try_from(v).ok()))
    };
    let size = |width: &str, height: &str| -> Result<Option<(u32, u32)>> {
        Ok(pixels(width)?.zip(pixels(height)?))
    };
    let thumbnail_mime: Option<String> = row.try_get("thumbnail_mime")?;
    let thumbnails = match (
        thumbnail_mime,
        size("small_width", "small_height")?,
        size("medium_width", "medium_height")?,
    ) {
        (Some(mime), Some(small), Some(medium)) => Some(Thumbnails {
            mime,
            small: ThumbnailSize {
                width: small.0,
                height: small.1,
            },
            medium: ThumbnailSize {
                width: medium.0,
                height: medium.1,
            },
        }),
        _ => None,
    };
    Ok(AttachmentRecord {
        id: row.try_get("id")?,
        uploader_id: row.try_get("uploader_id")?,
        name: row.try_get("name")?,
        mime: row.try_get("mime")?,
        size: to_u64(row.try_get("size")?),
        dimensions: size("width", "height")?,
        thumbnails,
        created_at: row.try_get("created_at")?,
        message_id: row.try_get("message_id")?,
        avatar: row.try_get::<Option<i64>, _>("avatar_since")?.is_some(),
    })
}
