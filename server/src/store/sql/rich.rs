//! Reads of rich messages, for every backend: the reactions message objects carry, a
//! message's thread, a room's pins, and full-text search (whose matching each database
//! does its own way: [`Backend::SEARCH_FROM`]).

use std::collections::HashMap;

use chat_protocol::v1::{MAX_REACTION_USER_IDS, Message, PinnedMessage, ReactionCount};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore};
use crate::store::error::Result;
use crate::store::queries;
use crate::store::rows::{message_from_row, to_i64, to_u64};
use crate::store::{Page, SearchFilter};

/// The columns [`message_from_row`] reads, of messages `m` joined with other tables.
const M_COLUMNS: &str = "m.room_id, m.seq, m.id, m.client_msg_id, m.sender_id, m.content, \
     m.created_at, m.edited_at, m.deleted_at, m.reply_to, m.mentions, \
     m.attachments";

/// The reactions to the messages `ids` (a subquery or a list, its parameters from `$1`) that are
/// not deleted: per message and emoji, the count and the first users in the order they
/// reacted, emoji in the order each was first used.
fn reactions_sql(ids: &str) -> String {
    format!(
        "SELECT message_id, emoji, user_id, n FROM (
             SELECT r.message_id, r.emoji, r.user_id,
                    ROW_NUMBER() OVER (PARTITION BY r.message_id, r.emoji
                                       ORDER BY r.created_at, r.user_id) AS rn,
                    COUNT(*) OVER (PARTITION BY r.message_id, r.emoji) AS n,
                    MIN(r.created_at) OVER (PARTITION BY r.message_id, r.emoji) AS first_at
             FROM reactions r
             WHERE r.message_id IN ({ids})
         ) x
         WHERE rn <= {MAX_REACTION_USER_IDS}
         ORDER BY message_id, first_at, emoji, rn"
    )
}

/// The messages of room `$1` from seq `$2` to `$3` that are not deleted.
const PAGE_IDS: &str =
    "SELECT id FROM messages WHERE room_id = $1 AND seq BETWEEN $2 AND $3 AND deleted_at IS NULL";

/// The pinned messages of room `$1`.
const PIN_IDS: &str = "SELECT message_id FROM pins WHERE room_id = $1";

/// Most pins `GET /v1/rooms/{room_id}/pins` lists (the most recent).
const MAX_PINS_LISTED: i64 = 100;

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
    /// Puts their reactions on a page of a room's messages (ascending seq).
    pub(super) async fn add_reactions(
        &self,
        room_id: &str,
        messages: &mut [Message],
    ) -> Result<()> {
        let (Some(first), Some(last)) = (messages.first(), messages.last()) else {
            return Ok(());
        };
        let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(reactions_sql(PAGE_IDS)))
            .bind(room_id)
            .bind(to_i64(first.seq))
            .bind(to_i64(last.seq))
            .fetch_all(&self.pool)
            .await?;
        attach(messages, &rows)
    }

    /// The replies to `parent` in the room after `after_seq`, oldest first; `None` when
    /// the parent is not a message of the room.
    pub(super) async fn thread(
        &self,
        room_id: &str,
        parent: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Option<Page>> {
        let found = sqlx::query::<DB>(queries::IS_ROOM_MESSAGE)
            .bind(parent)
            .bind(room_id)
            .fetch_optional(&self.pool)
            .await?;
        if found.is_none() {
            return Ok(None);
        }
        let sql = format!(
            "SELECT {M_COLUMNS} FROM messages m
             WHERE m.reply_to = $1 AND m.room_id = $2 AND m.seq > $3
             ORDER BY m.seq LIMIT $4"
        );
        let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
            .bind(parent)
            .bind(room_id)
            .bind(to_i64(after_seq))
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?;
        let has_more = rows.len() > limit as usize;
        let mut messages = rows
            .iter()
            .take(limit as usize)
            .map(message_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.add_reactions(room_id, &mut messages).await?;
        Ok(Some(Page { messages, has_more }))
    }

    /// The room's pinned messages that are not deleted, most recently pinned first.
    pub(super) async fn pinned(&self, room_id: &str) -> Result<Vec<PinnedMessage>> {
        let sql = format!(
            "SELECT {M_COLUMNS}, p.pinned_by, p.pinned_at
             FROM pins p JOIN messages m ON m.id = p.message_id
             WHERE p.room_id = $1 AND m.deleted_at IS NULL
             ORDER BY p.pinned_at DESC, m.id DESC LIMIT $2"
        );
        let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
            .bind(room_id)
            .bind(MAX_PINS_LISTED)
            .fetch_all(&self.pool)
            .await?;
        let mut messages = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>>>()?;
        let reactions = sqlx::query::<DB>(sqlx::AssertSqlSafe(reactions_sql(PIN_IDS)))
            .bind(room_id)
            .fetch_all(&self.pool)
            .await?;
        attach(&mut messages, &reactions)?;
        rows.iter()
            .zip(messages)
            .map(|(row, message)| {
                Ok(PinnedMessage {
                    message,
                    pinned_by: row.try_get::<String, _>("pinned_by")?.into(),
                    pinned_at: row.try_get("pinned_at")?,
                })
            })
            .collect()
    }

    /// Messages matching every word of the filter in rooms the user is a member of,
    /// newest first (by id: ids are time-ordered UUIDs).
    pub(super) async fn find_messages(
        &self,
        user_id: &str,
        filter: &SearchFilter,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {M_COLUMNS} FROM {from}
             JOIN room_members rm ON rm.room_id = m.room_id AND rm.user_id = $1
             WHERE {matches} AND m.deleted_at IS NULL
               AND ($3 = '' OR m.room_id = $3) AND ($4 = '' OR m.id < $4)
             ORDER BY m.id DESC LIMIT $5",
            from = DB::SEARCH_FROM,
            matches = DB::SEARCH_MATCH,
        );
        DB::prepare_search(&self.pool).await?;
        let expression = DB::search_expression(&filter.words);
        let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .bind(expression.as_str())
            .bind(filter.room_id.as_deref().unwrap_or(""))
            .bind(filter.before.as_deref().unwrap_or(""))
            .bind(i64::from(filter.limit))
            .fetch_all(&self.pool)
            .await?;
        let mut messages = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.add_reactions_by_id(&mut messages).await?;
        Ok(messages)
    }

    /// Puts their reactions on messages from anywhere (search results span rooms and
    /// seqs, so they are named one by one: at most a page of them).
    async fn add_reactions_by_id(&self, messages: &mut [Message]) -> Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        let ids = (1..=messages.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = reactions_sql(&ids);
        let mut query = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql));
        for message in messages.iter() {
            query = query.bind(message.message_id.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        attach(messages, &rows)
    }
}

/// Puts the reaction rows (message, emoji, user, count; grouped by message, in order)
/// on the messages they belong to.
fn attach<R: Row>(messages: &mut [Message], rows: &[R]) -> Result<()>
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let mut by_message: HashMap<String, Vec<ReactionCount>> = HashMap::new();
    for row in rows {
        let message_id: String = row.try_get("message_id")?;
        let emoji: String = row.try_get("emoji")?;
        let user_id: String = row.try_get("user_id")?;
        let reactions = by_message.entry(message_id).or_default();
        match reactions.last_mut() {
            Some(last) if last.emoji == emoji => last.user_ids.push(user_id.into()),
            _ => reactions.push(ReactionCount {
                emoji,
                count: to_u64(row.try_get("n")?),
                user_ids: vec![user_id.into()],
            }),
        }
    }
    for message in messages {
        if let Some(reactions) = by_message.remove(message.message_id.as_str()) {
            message.reactions = reactions;
        }
    }
    Ok(())
}
