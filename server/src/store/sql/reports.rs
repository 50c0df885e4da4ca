//! Reports of messages and users, for every backend: stored with a copy of the reported
//! message's content, and sent to the event stream in the same transaction.

use chat_protocol::v1::Report;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore, insert_event};
use crate::events::schema;
use crate::store::NewReport;
use crate::store::error::{Error, Result};

impl<DB> SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> Option<i64>: Decode<'r, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> Option<String>: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    /// Stores a report if its reporter is a member of the room and a reported message
    /// is in it ([`Error::NoSuchRoom`], [`Error::NotMember`], [`Error::NoSuchMessage`]).
    pub(super) async fn insert_report(&self, new: NewReport) -> Result<Report> {
        let mut tx = DB::begin_write(&self.pool).await?;
        let access = sqlx::query::<DB>(
            "SELECT (SELECT CAST(1 AS BIGINT) FROM rooms WHERE id = $1) AS room,
                    (SELECT CAST(1 AS BIGINT) FROM room_members
                     WHERE room_id = $1 AND user_id = $2) AS member",
        )
        .bind(new.room_id.as_str())
        .bind(new.reporter_id.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if access.try_get::<Option<i64>, _>("room")?.is_none() {
            return Err(Error::NoSuchRoom);
        }
        if access.try_get::<Option<i64>, _>("member")?.is_none() {
            return Err(Error::NotMember);
        }
        let mut user_id = new.user_id.clone();
        let mut message_content = None;
        if let Some(message_id) = &new.message_id {
            let message = sqlx::query::<DB>(
                "SELECT sender_id, content FROM messages WHERE id = $1 AND room_id = $2",
            )
            .bind(message_id.as_str())
            .bind(new.room_id.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NoSuchMessage)?;
            let content: String = message.try_get("content")?;
            // A deleted message's text is gone already: nothing to keep.
            message_content = (!content.is_empty()).then_some(content);
            if user_id.is_none() {
                user_id = Some(message.try_get("sender_id")?);
            }
        }
        sqlx::query::<DB>(
            "INSERT INTO reports (id, reporter_id, room_id, message_id, user_id, reason,
                                  message_content, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new.id.as_str())
        .bind(new.reporter_id.as_str())
        .bind(new.room_id.as_str())
        .bind(new.message_id.as_deref())
        .bind(user_id.as_deref())
        .bind(new.reason.as_str())
        .bind(message_content.as_deref())
        .bind(new.now)
        .execute(&mut *tx)
        .await?;
        let report = Report {
            report_id: new.id,
            reporter_id: new.reporter_id.into(),
            room_id: new.room_id.into(),
            message_id: new.message_id.map(Into::into),
            user_id: user_id.map(Into::into),
            reason: new.reason,
            message_content,
            created_at: new.now,
        };
        if self.outbox.enabled {
            insert_event(
                &mut tx,
                &schema::report_created(&report, self.outbox.include_content),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Reports, newest first, before `(created_at, id)` of the previous page's last.
    pub(super) async fn reports_page(
        &self,
        before: Option<(i64, String)>,
        limit: u32,
    ) -> Result<Vec<Report>> {
        let (before_at, before_id) = before.unwrap_or((i64::MAX, String::new()));
        let rows = sqlx::query::<DB>(
            "SELECT id, reporter_id, room_id, message_id, user_id, reason, message_content,
                    created_at
             FROM reports
             WHERE created_at < $1 OR (created_at = $1 AND id < $2)
             ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(before_at)
        // Without a page before, every report is older than i64::MAX: the id is unused.
        .bind(before_id.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(report_from_row).collect()
    }

    /// Up to `limit` of the reports `reporter_id` filed, oldest first, after `(created_at,
    /// id)` of the previous page's last.
    pub(super) async fn reports_filed(
        &self,
        reporter_id: &str,
        after: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<Report>> {
        let (after_at, after_id) = after.unwrap_or((i64::MIN, ""));
        let rows = sqlx::query::<DB>(
            "SELECT id, reporter_id, room_id, message_id, user_id, reason, message_content,
                    created_at
             FROM reports
             WHERE reporter_id = $1 AND (created_at > $2 OR (created_at = $2 AND id > $3))
             ORDER BY created_at, id LIMIT $4",
        )
        .bind(reporter_id)
        .bind(after_at)
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(report_from_row).collect()
    }
}

fn report_from_row<R: Row>(row: &R) -> Result<Report>
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(Report {
        report_id: row.try_get("id")?,
        reporter_id: row.try_get::<String, _>("reporter_id")?.into(),
        room_id: row.try_get::<String, _>("room_id")?.into(),
        message_id: row
            .try_get::<Option<String>, _>("message_id")?
            .map(Into::into),
        user_id: row.try_get::<Option<String>, _>("user_id")?.map(Into::into),
        reason: row.try_get("reason")?,
        message_content: row.try_get("message_content")?,
        created_at: row.try_get("created_at")?,
    })
}
