//! The embedded default store: SQLite in WAL mode with full fsync, one group-committing
//! writer connection (rusqlite, on a thread of its own) for the batched writes, and a
//! sqlx pool for reads and the few writes that are not batched.

mod refresh_tokens;
mod writer;

use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chat_protocol::v1::{MemberReceipts, ReceiptKind, UserProfile};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqliteConnection, SqlitePool};
use tokio::sync::mpsc;

use super::rows::{event_from_row, message_from_row, room_from_row, to_i64, to_u64};
use super::{
    CommittedEvent, EventOutbox, NewRoom, OnCommit, OutboxRow, Page, PageRange, RefreshTokenRecord,
    RoomRecord, Rotation, Store, UserRecord, Write, WriteOutcome,
};
use crate::error::{Error, Result};
use crate::events::schema::{self, OutboxEvent};
use writer::WriteRequest;

/// SQLite implementation of [`Store`].
#[derive(Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    outbox: EventOutbox,
    /// Taken at [`Store::close`], which ends the writer task after it drained its queue.
    writes: Mutex<Option<mpsc::Sender<WriteRequest>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and runs migrations.
    ///
    /// # Errors
    ///
    /// When the URL is invalid, the file cannot be opened or a migration fails.
    pub async fn open(
        url: &str,
        commit_batch: usize,
        outbox: EventOutbox,
        on_commit: OnCommit,
    ) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged message survives power loss, not only a crash.
            // Group commit pays the fsync once per batch.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);

        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        let writer_conn = writer::open(options.get_filename())?;

        let (tx, rx) = mpsc::channel(commit_batch.max(1) * 4);
        let batch = commit_batch.max(1);
        let thread = std::thread::Builder::new()
            .name("chat-sqlite-writer".into())
            .spawn(move || writer::run(writer_conn, rx, batch, outbox, on_commit))?;
        Ok(Self {
            pool,
            outbox,
            writes: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(thread)),
        })
    }

    fn write_sender(&self) -> Option<mpsc::Sender<WriteRequest>> {
        self.writes.lock().expect("writes lock").clone()
    }
}

/// Writes `event` to the outbox on `conn` (inside the caller's transaction).
pub(super) async fn insert_event(
    conn: &mut SqliteConnection,
    event: &OutboxEvent,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO event_outbox (key, payload, created_at) VALUES (?, ?, ?)")
        .bind(&event.key)
        .bind(&event.payload)
        .bind(crate::clock::now_ms())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(super) async fn member_ids(
    conn: &mut SqliteConnection,
    room_id: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT user_id FROM room_members WHERE room_id = ? ORDER BY user_id")
        .bind(room_id)
        .fetch_all(&mut *conn)
        .await
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<()> {
        // Ready means writes can commit too: the group-commit task must be alive.
        if self.write_sender().is_none_or(|sender| sender.is_closed()) {
            return Err(Error::new(
                chat_protocol::v1::ErrorCode::Unavailable,
                "the store's writer has stopped",
            ));
        }
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_user(&self, user: &UserRecord, now: i64) -> Result<()> {
        let inserted = sqlx::query(
            "INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(&user.password_hash)
        .bind(now)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                Err(Error::conflict("that username is taken; choose another"))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query("SELECT id, username, password_hash FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| UserRecord {
            id: r.get("id"),
            username: r.get("username"),
            password_hash: r.get("password_hash"),
        }))
    }

    async fn user_exists(&self, user_id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM users WHERE id = ?")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn ensure_external_user(&self, user_id: &str, username: &str, now: i64) -> Result<bool> {
        // Either conflict (the id, or the name in another case) leaves the table as it
        // was; whether the id exists afterwards says which one it was.
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, NULL, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(username)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.user_exists(user_id).await
    }

    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> Result<()> {
        self.insert_refresh(token).await
    }

    async fn rotate_refresh_token(
        &self,
        presented: &str,
        next_hash: &str,
        next_expires_at: i64,
        now: i64,
    ) -> Result<Rotation> {
        self.rotate_refresh(presented, next_hash, next_expires_at, now)
            .await
    }

    async fn revoke_refresh_family(&self, presented: &str, now: i64) -> Result<()> {
        self.revoke_refresh(presented, now).await
    }

    async fn purge_expired_refresh_tokens(&self, now: i64, limit: u32) -> Result<u64> {
        self.purge_expired_refresh(now, limit).await
    }

    async fn create_room(&self, room: NewRoom) -> Result<(RoomRecord, bool)> {
        let direct_key =
            (room.visibility == chat_protocol::v1::RoomVisibility::Direct).then(|| {
                let mut pair = [room.creator.as_str(), room.members[0].as_str()];
                pair.sort_unstable();
                pair.join("\n")
            });
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if let Some(key) = &direct_key {
            let existing = sqlx::query(
                "SELECT id, name, visibility, last_seq, created_at FROM rooms WHERE direct_key = ?",
            )
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = existing {
                return Ok((room_from_row(&row)?, false));
            }
        }
        sqlx::query(
            "INSERT INTO rooms (id, name, visibility, direct_key, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&room.id)
        .bind(&room.name)
        .bind(room.visibility.as_str())
        .bind(&direct_key)
        .bind(&room.creator)
        .bind(room.now)
        .execute(&mut *tx)
        .await?;
        for member in std::iter::once(&room.creator).chain(&room.members) {
            sqlx::query(
                "INSERT INTO room_members (room_id, user_id, joined_at) VALUES (?, ?, ?)
                 ON CONFLICT DO NOTHING",
            )
            .bind(&room.id)
            .bind(member)
            .bind(room.now)
            .execute(&mut *tx)
            .await?;
        }
        if self.outbox.enabled {
            let members = member_ids(&mut tx, &room.id).await?;
            for member in &members {
                let event =
                    schema::member_added(&room.id, member, &room.creator, room.now, &members);
                insert_event(&mut tx, &event).await?;
            }
        }
        tx.commit().await?;
        let record = RoomRecord {
            id: room.id,
            name: room.name,
            visibility: room.visibility,
            last_seq: 0,
            created_at: room.now,
        };
        Ok((record, true))
    }

    async fn room(&self, room_id: &str) -> Result<Option<RoomRecord>> {
        let row = sqlx::query(
            "SELECT id, name, visibility, last_seq, created_at FROM rooms WHERE id = ?",
        )
        .bind(room_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(room_from_row).transpose()
    }

    async fn rooms_of(&self, user_id: &str) -> Result<Vec<RoomRecord>> {
        let rows = sqlx::query(
            "SELECT r.id, r.name, r.visibility, r.last_seq, r.created_at
             FROM rooms r JOIN room_members m ON m.room_id = r.id
             WHERE m.user_id = ? ORDER BY r.created_at DESC, r.id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(room_from_row).collect()
    }

    async fn public_rooms(&self, limit: u32) -> Result<Vec<RoomRecord>> {
        let rows = sqlx::query(
            "SELECT id, name, visibility, last_seq, created_at FROM rooms
             WHERE visibility = 'public' ORDER BY created_at DESC, id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(room_from_row).collect()
    }

    async fn is_member(&self, room_id: &str, user_id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?")
            .bind(room_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn add_member(
        &self,
        room_id: &str,
        user_id: &str,
        added_by: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let added = sqlx::query(
            "INSERT INTO room_members (room_id, user_id, joined_at) VALUES (?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(room_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if self.outbox.enabled && added.rows_affected() > 0 {
            let members = member_ids(&mut tx, room_id).await?;
            let event = schema::member_added(room_id, user_id, added_by, now, &members);
            insert_event(&mut tx, &event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn members(&self, room_id: &str) -> Result<Vec<UserProfile>> {
        let rows = sqlx::query(
            "SELECT m.user_id, u.username FROM room_members m JOIN users u ON u.id = m.user_id
             WHERE m.room_id = ? ORDER BY m.joined_at, m.user_id",
        )
        .bind(room_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| UserProfile {
                user_id: r.get("user_id"),
                username: r.get("username"),
            })
            .collect())
    }

    async fn co_members(&self, user_id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT other.user_id FROM room_members mine
             JOIN room_members other ON other.room_id = mine.room_id
             WHERE mine.user_id = ? AND other.user_id <> ?",
        )
        .bind(user_id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| r.get("user_id")).collect())
    }

    async fn write(&self, write: Write) -> Result<WriteOutcome> {
        let unavailable = || {
            Error::new(
                chat_protocol::v1::ErrorCode::Unavailable,
                "server is shutting down; retry after reconnecting",
            )
        };
        let sender = self.write_sender().ok_or_else(unavailable)?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        sender
            .send(WriteRequest { write, reply })
            .await
            .map_err(|_| unavailable())?;
        answer.await.map_err(|_| unavailable())?
    }

    async fn events_after(
        &self,
        room_id: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<CommittedEvent>> {
        let rows = sqlx::query(
            "SELECT e.room_id, e.seq, e.kind, e.message_id, e.sender_id, e.content, e.created_at,
                    m.client_msg_id
             FROM room_events e JOIN messages m ON m.id = e.message_id
             WHERE e.room_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?",
        )
        .bind(room_id)
        .bind(to_i64(after_seq))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    async fn messages(&self, room_id: &str, range: PageRange, limit: u32) -> Result<Page> {
        const COLUMNS: &str = "room_id, seq, id, client_msg_id, sender_id, content, created_at, \
                               edited_at, deleted_at";
        let fetch = i64::from(limit) + 1;
        let query = match range {
            PageRange::Latest => format!(
                "SELECT {COLUMNS} FROM messages WHERE room_id = ? ORDER BY seq DESC LIMIT ?"
            ),
            PageRange::Before(_) => format!(
                "SELECT {COLUMNS} FROM messages WHERE room_id = ? AND seq < ? \
                 ORDER BY seq DESC LIMIT ?"
            ),
            PageRange::After(_) => format!(
                "SELECT {COLUMNS} FROM messages WHERE room_id = ? AND seq > ? \
                 ORDER BY seq ASC LIMIT ?"
            ),
        };
        // Only the fixed fragments above are interpolated; values are bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(query)).bind(room_id);
        match range {
            PageRange::Latest => {}
            PageRange::Before(seq) | PageRange::After(seq) => q = q.bind(to_i64(seq)),
        }
        let rows = q.bind(fetch).fetch_all(&self.pool).await?;
        let has_more = rows.len() as i64 > i64::from(limit);
        let mut messages = rows
            .iter()
            .take(limit as usize)
            .map(message_from_row)
            .collect::<Result<Vec<_>>>()?;
        if !matches!(range, PageRange::After(_)) {
            messages.reverse();
        }
        Ok(Page { messages, has_more })
    }

    async fn set_receipt(
        &self,
        room_id: &str,
        user_id: &str,
        seq: u64,
        kind: ReceiptKind,
    ) -> Result<bool> {
        let seq = to_i64(seq);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO receipts (room_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(room_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let sql = match kind {
            ReceiptKind::Read => {
                "UPDATE receipts SET read_seq = ?1, delivered_seq = MAX(delivered_seq, ?1)
                 WHERE room_id = ?2 AND user_id = ?3 AND read_seq < ?1"
            }
            ReceiptKind::Delivered => {
                "UPDATE receipts SET delivered_seq = ?1
                 WHERE room_id = ?2 AND user_id = ?3 AND delivered_seq < ?1"
            }
        };
        let changed = sqlx::query(sql)
            .bind(seq)
            .bind(room_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let changed = changed.rows_affected() > 0;
        if self.outbox.enabled && changed {
            let members = member_ids(&mut tx, room_id).await?;
            let event = schema::receipt_updated(
                room_id,
                user_id,
                kind.as_str(),
                to_u64(seq),
                crate::clock::now_ms(),
                &members,
            );
            insert_event(&mut tx, &event).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn receipts(&self, room_id: &str) -> Result<Vec<MemberReceipts>> {
        let rows = sqlx::query(
            "SELECT user_id, delivered_seq, read_seq FROM receipts WHERE room_id = ?
             ORDER BY user_id",
        )
        .bind(room_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MemberReceipts {
                    user_id: r.try_get("user_id")?,
                    delivered_seq: to_u64(r.try_get("delivered_seq")?),
                    read_seq: to_u64(r.try_get("read_seq")?),
                })
            })
            .collect()
    }

    async fn append_event(&self, event: &OutboxEvent) -> Result<()> {
        if self.outbox.enabled {
            let mut conn = self.pool.acquire().await?;
            insert_event(&mut conn, event).await?;
        }
        Ok(())
    }

    async fn outbox_batch(&self, limit: u32) -> Result<Vec<OutboxRow>> {
        let rows = sqlx::query("SELECT id, key, payload FROM event_outbox ORDER BY id LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxRow {
                    id: r.try_get("id")?,
                    key: r.try_get("key")?,
                    payload: r.try_get("payload")?,
                })
            })
            .collect()
    }

    async fn outbox_delete(&self, up_to: i64) -> Result<()> {
        sqlx::query("DELETE FROM event_outbox WHERE id <= ?")
            .bind(up_to)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn outbox_len(&self) -> Result<u64> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM event_outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(to_u64(count))
    }

    async fn close(&self) {
        // Dropping the last sender lets the writer drain what is queued, then stop.
        drop(self.writes.lock().expect("writes lock").take());
        let thread = self.writer_thread.lock().expect("writer lock").take();
        if let Some(thread) = thread {
            let joined = tokio::task::spawn_blocking(move || thread.join()).await;
            if !matches!(joined, Ok(Ok(()))) {
                tracing::error!("the store's writer thread panicked");
            }
        }
        self.pool.close().await;
    }
}
