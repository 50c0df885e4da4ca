//! The PostgreSQL store, for several server processes on one database: the same schema
//! and behaviour as the SQLite store, with a group-committing writer per process whose
//! transactions are safe against each other (see `writer`).

mod refresh_tokens;
mod writer;

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chat_protocol::v1::{ErrorCode, MemberReceipts, ReceiptKind, UserProfile};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool, Row};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::rows::{event_from_row, message_from_row, room_from_row, to_i64, to_u64};
use super::{
    CommittedEvent, EventOutbox, NewRoom, OnCommit, OutboxRow, Page, PageRange, RefreshTokenRecord,
    RoomRecord, Rotation, Store, UserRecord, Write, WriteOutcome,
};
use crate::error::{Error, Result};
use crate::events::schema::{self, OutboxEvent};
use writer::WriteRequest;

/// PostgreSQL implementation of [`Store`].
#[derive(Debug)]
pub struct PostgresStore {
    pool: PgPool,
    outbox: EventOutbox,
    /// While this process leads the outbox relay: the connection holding the advisory
    /// lock that makes it the only one (released by PostgreSQL if the process dies).
    relay_lock: tokio::sync::Mutex<Option<sqlx::pool::PoolConnection<sqlx::Postgres>>>,
    /// Taken at [`Store::close`], which ends the writer task after it drained its queue.
    writes: Mutex<Option<mpsc::Sender<WriteRequest>>>,
    writer_task: Mutex<Option<JoinHandle<()>>>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and runs
    /// migrations (concurrent starts are serialised by sqlx's migration lock).
    ///
    /// # Errors
    ///
    /// When the URL is invalid, the database cannot be reached or a migration fails.
    pub async fn open(
        url: &str,
        commit_batch: usize,
        outbox: EventOutbox,
        on_commit: OnCommit,
    ) -> anyhow::Result<Self> {
        let options: PgConnectOptions = url.parse()?;
        let options =
            options.log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let writer_conn = PgConnection::connect_with(&options).await?;
        let (tx, rx) = mpsc::channel(commit_batch.max(1) * 4);
        let reconnect = async move || PgConnection::connect_with(&options).await;
        let task = tokio::spawn(writer::run(
            writer_conn,
            rx,
            commit_batch.max(1),
            outbox,
            on_commit,
            reconnect,
        ));
        Ok(Self {
            pool,
            outbox,
            relay_lock: tokio::sync::Mutex::new(None),
            writes: Mutex::new(Some(tx)),
            writer_task: Mutex::new(Some(task)),
        })
    }

    fn write_sender(&self) -> Option<mpsc::Sender<WriteRequest>> {
        self.writes.lock().expect("writes lock").clone()
    }
}

/// Writes `event` to the outbox on `conn` (inside the caller's transaction).
pub(super) async fn insert_event(conn: &mut PgConnection, event: &OutboxEvent) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO event_outbox (key, payload, created_at) VALUES ($1, $2, $3)")
        .bind(&event.key)
        .bind(&event.payload)
        .bind(crate::clock::now_ms())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(super) async fn member_ids(
    conn: &mut PgConnection,
    room_id: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT user_id FROM room_members WHERE room_id = $1 ORDER BY user_id")
        .bind(room_id)
        .fetch_all(&mut *conn)
        .await
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

const ROOM_COLUMNS: &str = "id, name, visibility, last_seq, created_at";

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<()> {
        if self.write_sender().is_none_or(|sender| sender.is_closed()) {
            return Err(Error::new(
                ErrorCode::Unavailable,
                "the store's writer has stopped",
            ));
        }
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_user(&self, user: &UserRecord, now: i64) -> Result<()> {
        let inserted = sqlx::query(
            "INSERT INTO users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)",
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
        let row = sqlx::query(
            "SELECT id, username, password_hash FROM users WHERE lower(username) = lower($1)",
        )
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
        let row = sqlx::query("SELECT 1 FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn ensure_external_user(&self, user_id: &str, username: &str, now: i64) -> Result<bool> {
        // Either conflict (the id, or the name in another case) leaves the table as it
        // was; whether the id exists afterwards says which one it was.
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, created_at)
             VALUES ($1, $2, NULL, $3) ON CONFLICT DO NOTHING",
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
        let existing_direct = async |key: &str| -> Result<Option<RoomRecord>> {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ROOM_COLUMNS} FROM rooms WHERE direct_key = $1"
            )))
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(room_from_row).transpose()
        };
        if let Some(key) = &direct_key
            && let Some(existing) = existing_direct(key).await?
        {
            return Ok((existing, false));
        }
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO rooms (id, name, visibility, direct_key, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&room.id)
        .bind(&room.name)
        .bind(room.visibility.as_str())
        .bind(&direct_key)
        .bind(&room.creator)
        .bind(room.now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            // The same pair's direct room, created meanwhile by another request.
            Err(e) if is_unique_violation(&e) && direct_key.is_some() => {
                tx.rollback().await?;
                let key = direct_key.as_deref().unwrap_or_default();
                return match existing_direct(key).await? {
                    Some(existing) => Ok((existing, false)),
                    None => Err(e.into()),
                };
            }
            Err(e) => return Err(e.into()),
        }
        for member in std::iter::once(&room.creator).chain(&room.members) {
            sqlx::query(
                "INSERT INTO room_members (room_id, user_id, joined_at) VALUES ($1, $2, $3)
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
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ROOM_COLUMNS} FROM rooms WHERE id = $1"
        )))
        .bind(room_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(room_from_row).transpose()
    }

    async fn rooms_of(&self, user_id: &str) -> Result<Vec<RoomRecord>> {
        let rows = sqlx::query(
            "SELECT r.id, r.name, r.visibility, r.last_seq, r.created_at
             FROM rooms r JOIN room_members m ON m.room_id = r.id
             WHERE m.user_id = $1 ORDER BY r.created_at DESC, r.id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(room_from_row).collect()
    }

    async fn public_rooms(&self, limit: u32) -> Result<Vec<RoomRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ROOM_COLUMNS} FROM rooms WHERE visibility = 'public'
             ORDER BY created_at DESC, id DESC LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(room_from_row).collect()
    }

    async fn is_member(&self, room_id: &str, user_id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM room_members WHERE room_id = $1 AND user_id = $2")
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
        let mut tx = self.pool.begin().await?;
        let added = sqlx::query(
            "INSERT INTO room_members (room_id, user_id, joined_at) VALUES ($1, $2, $3)
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
             WHERE m.room_id = $1 ORDER BY m.joined_at, m.user_id",
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
             WHERE mine.user_id = $1 AND other.user_id <> $1",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| r.get("user_id")).collect())
    }

    async fn write(&self, write: Write) -> Result<WriteOutcome> {
        let unavailable = || {
            Error::new(
                ErrorCode::Unavailable,
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
             WHERE e.room_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3",
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
                "SELECT {COLUMNS} FROM messages WHERE room_id = $1 ORDER BY seq DESC LIMIT $2"
            ),
            PageRange::Before(_) => format!(
                "SELECT {COLUMNS} FROM messages WHERE room_id = $1 AND seq < $3 \
                 ORDER BY seq DESC LIMIT $2"
            ),
            PageRange::After(_) => format!(
                "SELECT {COLUMNS} FROM messages WHERE room_id = $1 AND seq > $3 \
                 ORDER BY seq ASC LIMIT $2"
            ),
        };
        // Only the fixed fragments above are interpolated; values are bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(query))
            .bind(room_id)
            .bind(fetch);
        if let PageRange::Before(seq) | PageRange::After(seq) = range {
            q = q.bind(to_i64(seq));
        }
        let rows = q.fetch_all(&self.pool).await?;
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
        // One statement: insert the member's row or move it forward, never back.
        let sql = match kind {
            ReceiptKind::Read => {
                "INSERT INTO receipts (room_id, user_id, delivered_seq, read_seq)
                 VALUES ($1, $2, $3, $3)
                 ON CONFLICT (room_id, user_id) DO UPDATE
                 SET read_seq = EXCLUDED.read_seq,
                     delivered_seq = GREATEST(receipts.delivered_seq, EXCLUDED.read_seq)
                 WHERE receipts.read_seq < EXCLUDED.read_seq"
            }
            ReceiptKind::Delivered => {
                "INSERT INTO receipts (room_id, user_id, delivered_seq, read_seq)
                 VALUES ($1, $2, $3, 0)
                 ON CONFLICT (room_id, user_id) DO UPDATE
                 SET delivered_seq = EXCLUDED.delivered_seq
                 WHERE receipts.delivered_seq < EXCLUDED.delivered_seq"
            }
        };
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(sql)
            .bind(room_id)
            .bind(user_id)
            .bind(to_i64(seq))
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if self.outbox.enabled && changed {
            let members = member_ids(&mut tx, room_id).await?;
            let event = schema::receipt_updated(
                room_id,
                user_id,
                kind.as_str(),
                seq,
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
            "SELECT user_id, delivered_seq, read_seq FROM receipts WHERE room_id = $1
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
        let rows = sqlx::query("SELECT id, key, payload FROM event_outbox ORDER BY id LIMIT $1")
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
        sqlx::query("DELETE FROM event_outbox WHERE id <= $1")
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

    async fn lead_relay(&self) -> Result<bool> {
        // A session-level advisory lock on a connection kept for it: one relay in the
        // cluster at a time, and another takes over when this process dies.
        const RELAY_LOCK: i64 = 0x6368_6174_5f72_656c; // "chat_rel"
        let mut held = self.relay_lock.lock().await;
        if let Some(conn) = held.as_mut() {
            if sqlx::query("SELECT 1").execute(&mut **conn).await.is_ok() {
                return Ok(true);
            }
            *held = None; // The connection died, and the lock with it.
        }
        let mut conn = self.pool.acquire().await?;
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(RELAY_LOCK)
            .fetch_one(&mut *conn)
            .await?;
        if locked {
            *held = Some(conn);
        }
        Ok(locked)
    }

    async fn close(&self) {
        drop(self.relay_lock.lock().await.take());
        // Dropping the last sender lets the writer drain what is queued, then stop.
        drop(self.writes.lock().expect("writes lock").take());
        let task = self.writer_task.lock().expect("writer lock").take();
        if let Some(task) = task
            && let Err(e) = task.await
        {
            tracing::error!(error = %e, "store writer task failed");
        }
        self.pool.close().await;
    }
}
