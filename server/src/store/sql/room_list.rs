//! A user's room list, for every backend: each room with its last message, activity
//! time, unread and mention counts, read position, mute, placement and unread mark, in one
//! statement. Favorites come first, then the other rooms, each by activity.
//!
//! Nothing of it is kept up to date on the write path: a send writes its `messages`
//! row and nothing more. The list reads the room's newest messages through the
//! `(room_id, seq)` index, and counts the unread ones there, so the count is exact by
//! construction (edits and deletes have their own seqs but no `messages` row; a deleted
//! message no longer counts). Its cost grows with the user's rooms and their unread
//! messages, not with the rooms' history.
//!
//! Messages from a user the reader blocked are hidden by their apps, so they are not
//! unread, mention nobody and are never the last message; they still count as the
//! room's activity (the list's sort stays one index read per room, as with deletes).

use chat_protocol::v1::{LastMessage, RoomPlacement, RoomVisibility};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::error::Result;
use crate::store::rows::{SqlxRow, named, room_from_row, to_u64};
use crate::store::{EntryChange, MutedMember, RoomListCursor, RoomListEntry};

/// What sorting a listed room needs, `m` being the user's membership row (NULL columns
/// when they are not a member). `last_message_at` is 0 for a room without messages.
const BASE_COLUMNS: &str = "r.id, r.name, r.visibility, r.last_seq, r.created_at,
    r.avatar_id AS room_avatar_id,
    m.user_id AS member, m.joined_at, m.muted_until, m.placement,
    CAST(COALESCE(m.mute_mentions, 1) AS BIGINT) AS mute_mentions,
    CAST(COALESCE(m.marked_unread, 0) AS BIGINT) AS marked_unread,
    COALESCE(rc.read_seq, 0) AS read_seq,
    COALESCE((SELECT x.created_at FROM messages x WHERE x.room_id = r.id
              ORDER BY x.seq DESC LIMIT 1), 0) AS last_message_at";

/// What only the listed rooms `t` pay for, once sorted and cut to the page (`$1` the
/// user): the unread count, a direct room's peer name and picture and the last visible message,
/// neither counting messages from users `$1` blocked.
const PAGE_COLUMNS: &str = "t.*,
    COALESCE(pu.display_name, pu.username) AS peer_name,
    CASE WHEN t.visibility = 'direct' THEN pu.avatar_id ELSE t.room_avatar_id END AS avatar_id,
    CASE WHEN t.member IS NULL THEN CAST(0 AS BIGINT) ELSE
        (SELECT COUNT(*) FROM messages x
         WHERE x.room_id = t.id AND x.seq > t.read_seq
           AND x.sender_id <> $1 AND x.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM user_blocks b
                           WHERE b.blocker_id = $1 AND b.blocked_id = x.sender_id))
    END AS unread_count,
    CASE WHEN t.member IS NULL THEN CAST(0 AS BIGINT) ELSE
        (SELECT COUNT(*) FROM message_mentions mm JOIN messages x ON x.id = mm.message_id
         WHERE mm.user_id = $1 AND mm.room_id = t.id AND mm.seq > t.read_seq
           AND x.sender_id <> $1 AND x.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM user_blocks b
                           WHERE b.blocker_id = $1 AND b.blocked_id = x.sender_id))
    END AS mention_count,
    lm.id AS lm_id, lm.seq AS lm_seq, lm.sender_id AS lm_sender_id,
    lm.content AS lm_content, lm.created_at AS lm_created_at";

/// A direct room's other member `pu` (none for a group), joined onto a listed room `t`
/// once for both their name and their picture.
const PEER_JOIN: &str = "LEFT JOIN users pu ON t.visibility = 'direct' AND pu.id =
        (SELECT peer.user_id FROM room_members peer
         WHERE peer.room_id = t.id AND peer.user_id <> $1
         ORDER BY peer.user_id LIMIT 1)";

/// The room's newest message that is neither deleted nor from a user `$1` blocked,
/// joined onto a listed room `t`.
const LAST_MESSAGE_JOIN: &str = "LEFT JOIN messages lm ON lm.id =
        (SELECT x.id FROM messages x WHERE x.room_id = t.id AND x.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM user_blocks b
                           WHERE b.blocker_id = $1 AND b.blocked_id = x.sender_id)
         ORDER BY x.seq DESC LIMIT 1)";

/// A member's activity in a room: the later of its last message and their joining, so
/// a room the user was just added to comes first.
const ACTIVITY: &str =
    "CASE WHEN s.last_message_at > s.joined_at THEN s.last_message_at ELSE s.joined_at END";

/// 1 for a room the member made a favorite, else 0: the list's first sort key.
const FAVORITE: &str = "CASE WHEN s.placement = 'favorite' THEN 1 ELSE 0 END";

/// The user's rooms (`$1`), narrowed by `memberships` (a condition on `m`), sorted by
/// favorites first, then activity, and cut by `page` (a clause on `s`, with parameters
/// from `$2` on); the columns only a listed room needs are read for the rooms left.
fn listed_sql(memberships: &str, page: &str) -> String {
    format!(
        "SELECT {PAGE_COLUMNS} FROM (
             SELECT s.*, {ACTIVITY} AS activity, {FAVORITE} AS favorite
             FROM (
                 SELECT {BASE_COLUMNS}
                 FROM room_members m JOIN rooms r ON r.id = m.room_id
                 LEFT JOIN receipts rc ON rc.room_id = m.room_id AND rc.user_id = m.user_id
                 WHERE m.user_id = $1 {memberships}
                   AND (m.hidden_seq IS NULL OR EXISTS (SELECT 1 FROM messages h
                        WHERE h.room_id = m.room_id AND h.seq > m.hidden_seq))
             ) s
             {page}
         ) t
         {LAST_MESSAGE_JOIN}
         {PEER_JOIN}
         ORDER BY t.favorite DESC, t.activity DESC, t.id DESC"
    )
}

/// Which of the user's rooms a page lists, as a condition on their membership `m`.
fn archived_condition(archived: Option<bool>) -> &'static str {
    match archived {
        None => "",
        Some(false) => "AND (m.placement IS NULL OR m.placement <> 'archived')",
        Some(true) => "AND m.placement = 'archived'",
    }
}

/// The user's rooms after the cursor (`$5` 1 among favorites, else 0; `$2` activity, `$3`
/// room id), favorites first, each part most recent activity first, at most `$4`. The
/// sort needs only each room's placement and last message time; the rest is read for
/// the page's rooms alone.
fn page_sql(archived: Option<bool>) -> String {
    listed_sql(
        archived_condition(archived),
        &format!(
            "WHERE {FAVORITE} < $5 OR ({FAVORITE} = $5 AND
                   ({ACTIVITY} < $2 OR ({ACTIVITY} = $2 AND s.id < $3)))
             ORDER BY favorite DESC, activity DESC, s.id DESC LIMIT $4"
        ),
    )
}

/// One room (`$2`) of the user's list.
fn one_room_sql() -> String {
    listed_sql("AND m.room_id = $2", "")
}

/// Public rooms, newest first, at most `$2`, with `$1`'s membership where they have one.
/// Activity is the last message's time, or the room's creation.
fn public_sql() -> String {
    format!(
        "SELECT {PAGE_COLUMNS} FROM (
             SELECT s.*, CASE WHEN s.last_message_at > s.created_at
                              THEN s.last_message_at ELSE s.created_at END AS activity,
                    {FAVORITE} AS favorite
             FROM (
                 SELECT {BASE_COLUMNS}
                 FROM rooms r
                 LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = $1
                 LEFT JOIN receipts rc ON rc.room_id = r.id AND rc.user_id = $1
                 WHERE r.visibility = 'public'
                 ORDER BY r.created_at DESC, r.id DESC LIMIT $2
             ) s
         ) t
         {LAST_MESSAGE_JOIN}
         {PEER_JOIN}
         ORDER BY t.created_at DESC, t.id DESC"
    )
}

const MUTED_MEMBERS: &str = "SELECT user_id, CAST(mute_mentions AS BIGINT) AS mute_mentions
     FROM room_members WHERE room_id = $1 AND muted_until > $2";

/// The member `$2` of room `$1` changes their own entry (`EntryChange`): one statement
/// each, the values from `$3` on.
fn entry_statement(change: &EntryChange) -> &'static str {
    match change {
        EntryChange::Mute { .. } => {
            "UPDATE room_members SET muted_until = $3, mute_mentions = $4
             WHERE room_id = $1 AND user_id = $2"
        }
        EntryChange::Placement(_) => {
            "UPDATE room_members SET placement = $3 WHERE room_id = $1 AND user_id = $2"
        }
        EntryChange::MarkedUnread(_) => {
            "UPDATE room_members SET marked_unread = $3 WHERE room_id = $1 AND user_id = $2"
        }
    }
}

fn entry_from_row<R: Row>(row: &R) -> Result<RoomListEntry>
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let room = room_from_row(&SqlxRow(row))?;
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
    let placement = row
        .try_get::<Option<String>, _>("placement")?
        .map(|text| named("room_members.placement", text, RoomPlacement::parse))
        .transpose()?;
    let peer_name = match room.visibility {
        RoomVisibility::Direct => row.try_get("peer_name")?,
        RoomVisibility::Public | RoomVisibility::Private => None,
    };
    Ok(RoomListEntry {
        peer_name,
        avatar_id: row.try_get("avatar_id")?,
        last_message,
        last_activity_at: row.try_get("activity")?,
        unread_count: to_u64(row.try_get("unread_count")?),
        mention_count: to_u64(row.try_get("mention_count")?),
        read_seq: to_u64(row.try_get("read_seq")?),
        muted_until: row.try_get("muted_until")?,
        mute_mentions: row.try_get::<i64, _>("mute_mentions")? != 0,
        placement,
        marked_unread: row.try_get::<i64, _>("marked_unread")? != 0,
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
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    pub(super) async fn list_rooms_of(
        &self,
        user_id: &str,
        archived: Option<bool>,
        after: Option<&RoomListCursor>,
        limit: u32,
    ) -> Result<Vec<RoomListEntry>> {
        // No cursor: every room comes before the greatest activity time of a part
        // above the favorites.
        let (favorite, activity, room_id) = after.map_or((2, i64::MAX, ""), |c| {
            (
                i64::from(c.favorite),
                c.last_activity_at,
                c.room_id.as_str(),
            )
        });
        let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(page_sql(archived)))
            .bind(user_id)
            .bind(activity)
            .bind(room_id)
            .bind(i64::from(limit))
            .bind(favorite)
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

    pub(super) async fn muted(&self, room_id: &str, now: i64) -> Result<Vec<MutedMember>> {
        let rows = sqlx::query::<DB>(MUTED_MEMBERS)
            .bind(room_id)
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(MutedMember {
                    user_id: row.try_get("user_id")?,
                    mentions: row.try_get::<i64, _>("mute_mentions")? != 0,
                })
            })
            .collect()
    }

    pub(super) async fn change_member_entry(
        &self,
        room_id: &str,
        user_id: &str,
        change: EntryChange,
    ) -> Result<bool> {
        let query = sqlx::query::<DB>(entry_statement(&change))
            .bind(room_id)
            .bind(user_id);
        let query = match change {
            EntryChange::Mute { until, mentions } => query.bind(until).bind(i64::from(mentions)),
            EntryChange::Placement(placement) => query.bind(placement.map(RoomPlacement::as_str)),
            EntryChange::MarkedUnread(marked) => query.bind(i64::from(marked)),
        };
        let result = query.execute(&self.pool).await?;
        Ok(DB::rows_affected(&result) > 0)
    }
}
