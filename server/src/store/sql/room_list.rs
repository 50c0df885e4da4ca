//! A user's room list, for every backend: each room with its last message, activity
//! time, unread count, read position and mute, in one statement.
//!
//! Nothing of it is kept up to date on the write path: a send writes its `messages`
//! row and nothing more. The list reads the room's newest messages through the
//! `(room_id, seq)` index, and counts the unread ones there, so the count is exact by
//! construction (edits and deletes have their own seqs but no `messages` row; a deleted
//! message no longer counts). Its cost grows with the user's rooms and their unread
//! messages, not with the rooms' history.

use chat_protocol::v1::{LastMessage, RoomVisibility};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::error::Result;
use crate::store::rows::{room_from_row, to_u64};
use crate::store::{RoomListCursor, RoomListEntry};

/// The columns of one listed room, `m` being the user's membership row (NULL columns
/// when they are not a member) and `$1` the user. `last_message_at` is 0 for a room
/// without messages.
const ENTRY_COLUMNS: &str = "r.id, r.name, r.visibility, r.last_seq, r.created_at,
    m.joined_at, m.muted_until, COALESCE(rc.read_seq, 0) AS read_seq,
    CASE WHEN r.visibility = 'direct' THEN
        (SELECT COALESCE(u.display_name, u.username)
         FROM room_members peer JOIN users u ON u.id = peer.user_id
         WHERE peer.room_id = r.id AND peer.user_id <> $1
         ORDER BY peer.user_id LIMIT 1)
    END AS peer_name,
    CASE WHEN m.user_id IS NULL THEN CAST(0 AS BIGINT) ELSE
        (SELECT COUNT(*) FROM messages x
         WHERE x.room_id = r.id AND x.seq > COALESCE(rc.read_seq, 0)
           AND x.sender_id <> $1 AND x.deleted_at IS NULL)
    END AS unread_count,
    COALESCE((SELECT x.created_at FROM messages x WHERE x.room_id = r.id
              ORDER BY x.seq DESC LIMIT 1), 0) AS last_message_at";

/// The room's newest message that is not deleted, joined onto a listed room `t`.
const LAST_MESSAGE_JOIN: &str = "LEFT JOIN messages lm ON lm.id =
        (SELECT x.id FROM messages x WHERE x.room_id = t.id AND x.deleted_at IS NULL
         ORDER BY x.seq DESC LIMIT 1)";

const LAST_MESSAGE_COLUMNS: &str = "lm.id AS lm_id, lm.seq AS lm_seq, \
     lm.sender_id AS lm_sender_id, lm.content AS lm_content, lm.created_at AS lm_created_at";

/// The user's rooms, each with its activity: the later of the last message and the
/// user's joining, so a room the user was just added to comes first. `$1` the user;
/// `extra` may narrow the memberships with parameters from `$2` on.
fn memberships_sql(extra: &str) -> String {
    format!(
        "SELECT t.*, {LAST_MESSAGE_COLUMNS} FROM (
             SELECT s.*, CASE WHEN s.last_message_at > s.joined_at
                              THEN s.last_message_at ELSE s.joined_at END AS activity
             FROM (
                 SELECT {ENTRY_COLUMNS}
                 FROM room_members m JOIN rooms r ON r.id = m.room_id
                 LEFT JOIN receipts rc ON rc.room_id = m.room_id AND rc.user_id = m.user_id
                 WHERE m.user_id = $1 {extra}
             ) s
         ) t
         {LAST_MESSAGE_JOIN}"
    )
}

/// The user's rooms after the cursor (`$2` activity, `$3` room id), most recent activity
/// first, at most `$4`.
fn page_sql() -> String {
    let rooms = memberships_sql("");
    format!(
        "{rooms} WHERE t.activity < $2 OR (t.activity = $2 AND t.id < $3)
         ORDER BY t.activity DESC, t.id DESC LIMIT $4"
    )
}

/// One room (`$2`) of the user's list.
fn one_room_sql() -> String {
    memberships_sql("AND m.room_id = $2")
}

/// Public rooms, newest first, at most `$2`, with `$1`'s membership where they have one.
/// Activity is the last message's time, or the room's creation.
fn public_sql() -> String {
    format!(
        "SELECT t.*, {LAST_MESSAGE_COLUMNS} FROM (
             SELECT s.*, CASE WHEN s.last_message_at > s.created_at
                              THEN s.last_message_at ELSE s.created_at END AS activity
             FROM (
                 SELECT {ENTRY_COLUMNS}
                 FROM rooms r
                 LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = $1
                 LEFT JOIN receipts rc ON rc.room_id = r.id AND rc.user_id = $1
                 WHERE r.visibility = 'public'
                 ORDER BY r.created_at DESC, r.id DESC LIMIT $2
             ) s
         ) t
         {LAST_MESSAGE_JOIN}
         ORDER BY t.created_at DESC, t.id DESC"
    )
}

const SET_MUTE: &str =
    "UPDATE room_members SET muted_until = $1 WHERE room_id = $2 AND user_id = $3";

fn entry_from_row<R: Row>(row: &R) -> Result<RoomListEntry>
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let room = room_from_row(row)?;
    let last_message = match row.try_get::<Option<String>, _>("lm_id")? {
        Some(message_id) => Some(LastMessage {
            message_id: message_id.into(),
            seq: to_u64(row.try_get("lm_seq")?),
            sender_id: row.try_get::<String, _>("lm_sender_id")?.into(),
            content: row.try_get("lm_content")?,
            created_at: row.try_get("lm_created_at")?,
        }),
        None => None,
    };
    let peer_name = match room.visibility {
        RoomVisibility::Direct => row.try_get("peer_name")?,
        RoomVisibility::Public | RoomVisibility::Private => None,
    };
    Ok(RoomListEntry {
        peer_name,
        last_message,
        last_activity_at: row.try_get("activity")?,
        unread_count: to_u64(row.try_get("unread_count")?),
        read_seq: to_u64(row.try_get("read_seq")?),
        muted_until: row.try_get("muted_until")?,
        room,
    })
}

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
    pub(super) async fn list_rooms_of(
        &self,
        user_id: &str,
        after: Option<&RoomListCursor>,
        limit: u32,
    ) -> Result<Vec<RoomListEntry>> {
        // No cursor: every room comes before the greatest activity time.
        let (activity, room_id) =
            after.map_or((i64::MAX, ""), |c| (c.last_activity_at, c.room_id.as_str()));
        let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(page_sql()))
            .bind(user_id)
            .bind(activity)
            .bind(room_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    pub(super) async fn list_entry(
        &self,
        user_id: &str,
        room_id: &str,
    ) -> Result<Option<RoomListEntry>> {
        let row = sqlx::query::<DB>(sqlx::AssertSqlSafe(one_room_sql()))
            .bind(user_id)
            .bind(room_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(entry_from_row).transpose()
    }

    pub(super) async fn list_public_rooms(
        &self,
        user_id: &str,
        limit: u32,
    ) -> Result<Vec<RoomListEntry>> {
        let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(public_sql()))
            .bind(user_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    pub(super) async fn mute(
        &self,
        room_id: &str,
        user_id: &str,
        until: Option<i64>,
    ) -> Result<bool> {
        let result = sqlx::query::<DB>(SET_MUTE)
            .bind(until)
            .bind(room_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&result) > 0)
    }
}
