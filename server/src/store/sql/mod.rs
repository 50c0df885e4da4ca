//! The one implementation of [`Store`] on top of sqlx, for every backend: the queries
//! are written once with `$n` parameters (which sqlx binds on SQLite too), and what
//! differs between databases is asked of the [`Backend`].

mod accounts;
mod attachments;
mod backend;
mod blocks;
mod export;
mod invites;
mod membership;
mod password_resets;
mod profiles;
mod push_devices;
mod refresh_tokens;
mod reports;
mod rich;
mod room_deletion;
mod room_list;
mod saved;
mod sign_ins;

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chat_protocol::v1::{
    BlockedUser, Device, ExportedReaction, ExportedRoom, ExportedSave, InvitePreview, MemberRole,
    Message, PinnedMessage, ReceiptKind, Report, RoomBan, RoomInvite, RoomMember, RoomVisibility,
    UserProfile,
};
use sqlx::pool::PoolConnection;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, Row as _, Type};
use tokio::sync::oneshot;

pub(super) use backend::Backend;

use super::error::{Error, Refusal, Result};
use super::group_commit::{Pending, Writer};
use super::membership::MembershipWrite;
use super::queries::{self, MESSAGE_COLUMNS};
use super::rows::{
    CircleRows, RoomWithMembersRows, SqlxRow, event_from_row, fold, message_from_row,
    room_from_row, to_i64, to_u64,
};
use super::sqlite::batched_writes::BatchedWrites;
use super::sqlite::readers::Readers;
use super::write::{MessageChange, NewMessage, Sent};
use super::{
    Account, AccountStatus, AttachmentForSend, AttachmentRecord, Circle, CommittedEvent,
    EndSignIns, EntryChange, EventOutbox, MutedMember, NewInvite, NewPushDevice, NewReport,
    NewRoom, OutboxRow, Page, PageRange, ProfileChange, PushTarget, ReceiptChange,
    RefreshTokenRecord, RoomInfo, RoomListCursor, RoomListEntry, RoomRecord, RoomWithMembers,
    Rotation, SearchFilter, SignInRecord, Store, UserRecord,
};
use crate::events::schema::{self, OutboxEvent};

/// A [`Store`] on a sqlx pool of database `DB`, with a group-committing writer.
pub struct SqlStore<DB: Backend> {
    pool: Pool<DB>,
    outbox: EventOutbox,
    /// Taken at [`Store::close`], which ends the writer after it drained its queue.
    writer: Mutex<Option<Writer>>,
    /// While this process leads the outbox relay (PostgreSQL): the connection holding
    /// the lock that makes it the only one.
    relay_lock: tokio::sync::Mutex<Option<PoolConnection<DB>>>,
    /// SQLite: the reads of a reconnect, each answered in one hand-over
    /// (`store::sqlite::readers`); the others, and PostgreSQL's, go through `pool`.
    readers: Option<Readers>,
    /// SQLite: membership and settings changes and first sign-ins committed in batches
    /// (`store::sqlite::batched_writes`); PostgreSQL's each in a transaction of its own.
    batched_writes: Option<BatchedWrites>,
}

impl<DB: Backend> std::fmt::Debug for SqlStore<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("database", &DB::NAME)
            .field("outbox", &self.outbox)
            .finish_non_exhaustive()
    }
}

impl<DB: Backend> SqlStore<DB> {
    /// A store on `pool` whose room events go through `writer`.
    pub(super) fn new(pool: Pool<DB>, outbox: EventOutbox, writer: Writer) -> Self {
        Self {
            pool,
            outbox,
            writer: Mutex::new(Some(writer)),
            relay_lock: tokio::sync::Mutex::new(None),
            readers: None,
            batched_writes: None,
        }
    }

    /// The store, with `readers` answering the reads they know.
    pub(super) fn with_readers(mut self, readers: Readers) -> Self {
        self.readers = Some(readers);
        self
    }

    /// The store, with its membership and settings changes and first sign-ins committed
    /// by `batches`.
    pub(super) fn with_batched_writes(mut self, batches: BatchedWrites) -> Self {
        self.batched_writes = Some(batches);
        self
    }

    fn queue(&self) -> Option<tokio::sync::mpsc::Sender<Pending>> {
        let writer = self.writer.lock().expect("writer lock");
        writer.as_ref().map(|writer| writer.queue.clone())
    }

    /// Queues a write for the next batch and waits for its outcome.
    async fn enqueue<T>(
        &self,
        pending: Pending,
        answer: oneshot::Receiver<Result<T>>,
    ) -> Result<T> {
        let queue = self.queue().ok_or(Error::Closing)?;
        queue.send(pending).await.map_err(|_| Error::Closing)?;
        answer.await.map_err(|_| Error::Closing)?
    }
}

/// Writes `event` to the outbox on `conn` (inside the caller's transaction).
pub(super) async fn insert_event<DB>(
    conn: &mut DB::Connection,
    event: &OutboxEvent,
) -> sqlx::Result<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    sqlx::query::<DB>(queries::INSERT_OUTBOX)
        .bind(event.key.as_str())
        .bind(event.payload.as_str())
        .bind(crate::clock::now_ms())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The room's members, in id order (the recipients of its outbox events).
pub(super) async fn member_ids<DB>(
    conn: &mut DB::Connection,
    room_id: &str,
) -> sqlx::Result<Vec<String>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
{
    sqlx::query_scalar::<DB, String>(queries::MEMBER_IDS)
        .bind(room_id)
        .fetch_all(&mut *conn)
        .await
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A user's profile from columns `id`, `username`, `display_name` (already falling
/// back to the username) and `avatar_id`.
fn profile_from_row<R: sqlx::Row>(row: &R) -> Result<UserProfile>
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(UserProfile {
        user_id: row.try_get::<String, _>("id")?.into(),
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        avatar_id: row
            .try_get::<Option<String>, _>("avatar_id")?
            .map(Into::into),
    })
}

const ROOM_COLUMNS: &str = "id, name, visibility, last_seq, created_at";

/// Opening a direct room again shows it in the list of a member who had left it
/// (`$1` the room, `$2` the member).
const UNHIDE_DIRECT: &str =
    "UPDATE room_members SET hidden_seq = NULL WHERE room_id = $1 AND user_id = $2";

#[async_trait]
impl<DB> Store for SqlStore<DB>
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
    usize: ColumnIndex<DB::Row>,
{
    async fn ping(&self) -> Result<()> {
        // Ready means writes can commit too: the group-commit loop must be alive.
        if self.queue().is_none_or(|queue| queue.is_closed()) {
            return Err(Error::WriterStopped);
        }
        sqlx::query::<DB>("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_user(&self, user: &UserRecord, now: i64) -> Result<()> {
        let inserted = sqlx::query::<DB>(
            "INSERT INTO users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user.id.as_str())
        .bind(user.username.as_str())
        .bind(user.password_hash.as_deref())
        .bind(now)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(Error::UsernameTaken),
            Err(e) => Err(e.into()),
        }
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query::<DB>(DB::USER_BY_NAME)
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(UserRecord {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                password_hash: r.try_get("password_hash")?,
                display_name: r.try_get("display_name")?,
                avatar_id: r.try_get("avatar_id")?,
            })
        })
        .transpose()
    }

    async fn user_exists(&self, user_id: &str) -> Result<bool> {
        let row = sqlx::query::<DB>(queries::ACTIVE_USER)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn user_profile(&self, user_id: &str) -> Result<Option<UserProfile>> {
        self.user_profile_of(user_id).await
    }

    async fn update_profile(
        &self,
        user_id: &str,
        change: &ProfileChange,
        now: i64,
    ) -> Result<Option<UserProfile>> {
        self.change_profile(user_id, change, now).await
    }

    async fn direct_peers(&self, user_id: &str) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query::<DB>(
            "SELECT r.id AS room_id, peer.user_id AS peer_id
             FROM room_members m
             JOIN rooms r ON r.id = m.room_id AND r.visibility = 'direct'
             JOIN room_members peer ON peer.room_id = r.id AND peer.user_id <> m.user_id
             WHERE m.user_id = $1 ORDER BY r.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("room_id")?, row.try_get("peer_id")?)))
            .collect()
    }

    async fn ensure_external_user(&self, user_id: &str, username: &str, now: i64) -> Result<bool> {
        if let Some(batches) = &self.batched_writes {
            return batches.ensure_external_user(user_id, username, now).await;
        }
        sqlx::query::<DB>(queries::ADD_EXTERNAL_USER)
            .bind(user_id)
            .bind(username)
            .bind(now)
            .execute(&self.pool)
            .await?;
        self.user_exists(user_id).await
    }

    async fn start_sign_in(
        &self,
        first_token: &RefreshTokenRecord,
        device_name: Option<&str>,
    ) -> Result<()> {
        self.insert_sign_in(first_token, device_name).await
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

    async fn revoke_refresh_family(
        &self,
        presented: &str,
        now: i64,
        device_id: Option<&str>,
    ) -> Result<Option<(String, String)>> {
        self.revoke_refresh(presented, now, device_id).await
    }

    async fn purge_expired_refresh_tokens(&self, now: i64, limit: u32) -> Result<u64> {
        self.purge_expired_refresh(now, limit).await
    }

    async fn sign_ins(&self, user_id: &str, active_since: i64) -> Result<Vec<SignInRecord>> {
        self.sign_ins_of(user_id, active_since).await
    }

    async fn end_sign_ins(&self, user_id: &str, which: EndSignIns<'_>) -> Result<Vec<String>> {
        self.end_sign_ins_of(user_id, which).await
    }

    async fn purge_lapsed_sign_ins(&self, before: i64, limit: u32) -> Result<u64> {
        self.purge_lapsed(before, limit).await
    }

    async fn create_room(&self, room: NewRoom) -> Result<(RoomRecord, bool)> {
        let direct_key = (room.visibility == RoomVisibility::Direct).then(|| {
            let mut pair = [room.creator.as_str(), room.members[0].as_str()];
            pair.sort_unstable();
            pair.join("\n")
        });
        let by_direct_key = format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE direct_key = $1");
        let room_creator = room.creator.clone();
        let mut tx = DB::begin_write(&self.pool).await?;
        // Nobody opens a direct room with, or adds to a room, a user who blocked them.
        for member in &room.members {
            let blocked = sqlx::query::<DB>(queries::BLOCKS)
                .bind(member.as_str())
                .bind(room_creator.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if blocked.is_some() {
                return Err(Error::Refused(Refusal::Blocked));
            }
        }
        if let Some(key) = &direct_key {
            let existing = sqlx::query::<DB>(sqlx::AssertSqlSafe(by_direct_key.as_str()))
                .bind(key.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = existing {
                let room = room_from_row(&SqlxRow(&row))?;
                sqlx::query::<DB>(UNHIDE_DIRECT)
                    .bind(room.id.as_str())
                    .bind(room_creator.as_str())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok((room, false));
            }
        }
        let inserted = sqlx::query::<DB>(
            "INSERT INTO rooms (id, name, visibility, direct_key, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(room.id.as_str())
        .bind(room.name.as_str())
        .bind(room.visibility.as_str())
        .bind(direct_key.as_deref())
        .bind(room.creator.as_str())
        .bind(room.now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            // The same pair's direct room, created meanwhile by another process (one
            // SQLite writer at a time never gets here).
            Err(e) if is_unique_violation(&e) && direct_key.is_some() => {
                tx.rollback().await?;
                let existing = sqlx::query::<DB>(sqlx::AssertSqlSafe(by_direct_key.as_str()))
                    .bind(direct_key.as_deref().unwrap_or_default())
                    .fetch_optional(&self.pool)
                    .await?;
                return match existing {
                    Some(row) => Ok((room_from_row(&SqlxRow(&row))?, false)),
                    None => Err(e.into()),
                };
            }
            Err(e) => return Err(e.into()),
        }
        // Nobody moderates a direct room: both of its members are plain members.
        let creator_role = match room.visibility {
            RoomVisibility::Direct => MemberRole::Member,
            RoomVisibility::Public | RoomVisibility::Private => MemberRole::Owner,
        };
        let roles = std::iter::once((&room.creator, creator_role)).chain(
            room.members
                .iter()
                .map(|member| (member, MemberRole::Member)),
        );
        for (member, role) in roles {
            sqlx::query::<DB>(
                "INSERT INTO room_members (room_id, user_id, joined_at, role)
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(room.id.as_str())
            .bind(member.as_str())
            .bind(room.now)
            .bind(role.as_str())
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
        let sql = format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE id = $1");
        let row = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
            .bind(room_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref()
            .map(|row| room_from_row(&SqlxRow(row)))
            .transpose()
    }

    async fn room_list(
        &self,
        user_id: &str,
        archived: Option<bool>,
        after: Option<&RoomListCursor>,
        limit: u32,
    ) -> Result<Vec<RoomListEntry>> {
        self.list_rooms_of(user_id, archived, after, limit).await
    }

    async fn room_entry(&self, user_id: &str, room_id: &str) -> Result<Option<RoomListEntry>> {
        self.list_entry(user_id, room_id).await
    }

    async fn public_rooms(&self, user_id: &str, limit: u32) -> Result<Vec<RoomListEntry>> {
        self.list_public_rooms(user_id, limit).await
    }

    async fn change_entry(
        &self,
        room_id: &str,
        user_id: &str,
        change: EntryChange,
    ) -> Result<bool> {
        self.change_member_entry(room_id, user_id, change).await
    }

    async fn muted_members(&self, room_id: &str, now: i64) -> Result<Vec<MutedMember>> {
        self.muted(room_id, now).await
    }

    async fn room_for(&self, room_id: &str, user_id: &str) -> Result<Option<(RoomRecord, bool)>> {
        // CASE gives an integer on both databases (PostgreSQL's EXISTS is a boolean).
        let sql = format!(
            "SELECT {ROOM_COLUMNS}, CASE WHEN EXISTS (SELECT 1 FROM room_members m \
             WHERE m.room_id = rooms.id AND m.user_id = $2) THEN CAST(1 AS BIGINT) \
             ELSE CAST(0 AS BIGINT) END AS is_member FROM rooms WHERE id = $1"
        );
        let row = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
            .bind(room_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let is_member: i64 = row.try_get("is_member")?;
        Ok(Some((room_from_row(&SqlxRow(&row))?, is_member != 0)))
    }

    async fn is_member(&self, room_id: &str, user_id: &str) -> Result<bool> {
        let row = sqlx::query::<DB>(queries::IS_MEMBER)
            .bind(room_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn change_membership(&self, write: MembershipWrite) -> Result<Vec<CommittedEvent>> {
        match &self.batched_writes {
            Some(batches) => batches.change(write).await,
            None => self.apply_membership(write).await,
        }
    }

    async fn members(&self, room_id: &str) -> Result<Vec<RoomMember>> {
        self.members_with_roles(room_id).await
    }

    async fn room_info(&self, room_id: &str, user_id: &str) -> Result<Option<RoomInfo>> {
        self.room_info_of(room_id, user_id).await
    }

    async fn room_bans(&self, room_id: &str) -> Result<Vec<RoomBan>> {
        self.bans_of(room_id).await
    }

    async fn account(&self, user_id: &str, sign_in: Option<&str>) -> Result<Option<Account>> {
        self.account_of(user_id, sign_in).await
    }

    async fn change_password(&self, user_id: &str, password_hash: &str, now: i64) -> Result<bool> {
        self.replace_password(user_id, password_hash, now).await
    }

    async fn grant_password_reset(
        &self,
        user_id: &str,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<bool> {
        self.insert_password_reset(user_id, token_hash, now, expires_at)
            .await
    }

    async fn password_reset_user(&self, token_hash: &str, now: i64) -> Result<Option<String>> {
        self.password_reset_owner(token_hash, now).await
    }

    async fn redeem_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<String>> {
        self.take_password_reset(token_hash, password_hash, now)
            .await
    }

    async fn purge_expired_password_resets(&self, now: i64, limit: u32) -> Result<u64> {
        self.purge_expired_resets(now, limit).await
    }

    async fn create_invite(&self, invite: &NewInvite, cap: u32) -> Result<bool> {
        self.insert_invite(invite, cap).await
    }

    async fn room_invites(&self, room_id: &str, now: i64) -> Result<Vec<RoomInvite>> {
        self.usable_invites_of(room_id, now).await
    }

    async fn revoke_invite(
        &self,
        room_id: &str,
        invite_id: &str,
        by: &str,
        moderator: bool,
    ) -> Result<bool> {
        self.delete_invite(room_id, invite_id, by, moderator).await
    }

    async fn invite_preview(
        &self,
        code_hash: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Option<InvitePreview>> {
        self.invite_preview_for(code_hash, user_id, now).await
    }

    async fn purge_expired_invites(&self, cutoff: i64, limit: u32) -> Result<u64> {
        self.purge_invites_expired_before(cutoff, limit).await
    }

    async fn close_account(&self, user_id: &str, status: AccountStatus) -> Result<bool> {
        self.close(user_id, status).await
    }

    async fn messages_sent_by(
        &self,
        user_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        self.sent_messages_page(user_id, after, limit).await
    }

    async fn export_rooms(&self, user_id: &str) -> Result<Vec<ExportedRoom>> {
        self.memberships_of(user_id).await
    }

    async fn reactions_by(
        &self,
        user_id: &str,
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<ExportedReaction>> {
        self.reactions_page(user_id, after, limit).await
    }

    async fn set_saved(
        &self,
        user_id: &str,
        room_id: &str,
        message_id: &str,
        saved: bool,
        now: i64,
    ) -> Result<()> {
        self.save_or_unsave(user_id, room_id, message_id, saved, now)
            .await
    }

    async fn saved_messages(
        &self,
        user_id: &str,
        before: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<(i64, Message)>> {
        self.saved_page(user_id, before, limit).await
    }

    async fn saves_of(
        &self,
        user_id: &str,
        after: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<ExportedSave>> {
        self.saves_page(user_id, after, limit).await
    }

    async fn reports_filed_by(
        &self,
        user_id: &str,
        after: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<Report>> {
        self.reports_filed(user_id, after, limit).await
    }

    async fn delete_room(&self, room_id: &str) -> Result<Option<Vec<String>>> {
        self.remove_room(room_id).await
    }

    async fn reports(&self, before: Option<(i64, String)>, limit: u32) -> Result<Vec<Report>> {
        self.reports_page(before, limit).await
    }

    async fn block_user(&self, blocker: &str, blocked: &str, now: i64) -> Result<()> {
        self.insert_block(blocker, blocked, now).await
    }

    async fn unblock_user(&self, blocker: &str, blocked: &str) -> Result<()> {
        self.delete_block(blocker, blocked).await
    }

    async fn register_push_device(
        &self,
        user_id: &str,
        device: &NewPushDevice,
        now: i64,
    ) -> Result<Device> {
        self.upsert_push_device(user_id, device, now).await
    }

    async fn unregister_push_device(&self, user_id: &str, device_id: &str) -> Result<bool> {
        self.delete_push_device(user_id, device_id).await
    }

    async fn push_devices(&self, user_id: &str) -> Result<Vec<Device>> {
        self.push_devices_of(user_id).await
    }

    async fn push_targets(&self, room_id: &str, except: &str) -> Result<Vec<PushTarget>> {
        self.push_targets_of(room_id, except).await
    }

    async fn prune_push_device(&self, device_id: &str, token: &str) -> Result<bool> {
        self.delete_push_token(device_id, token).await
    }

    async fn unread_totals(&self, user_ids: &[String]) -> Result<HashMap<String, u64>> {
        self.unread_totals_of(user_ids).await
    }

    async fn blocked_users(&self, blocker: &str) -> Result<Vec<BlockedUser>> {
        self.blocks_of(blocker).await
    }

    async fn blockers_of(&self, user_id: &str) -> Result<Vec<String>> {
        self.blockers(user_id).await
    }

    async fn create_report(&self, report: NewReport) -> Result<Report> {
        self.insert_report(report).await
    }

    async fn co_members(&self, user_id: &str) -> Result<Vec<String>> {
        Ok(self
            .known_user_circle(user_id)
            .await?
            .unwrap_or_default()
            .co_members)
    }

    async fn known_user_circle_in(
        &self,
        user_id: &str,
        sign_in: Option<&str>,
    ) -> Result<Option<Circle>> {
        if let Some(readers) = &self.readers {
            return readers.known_user_circle(user_id, sign_in).await;
        }
        let rows = sqlx::query::<DB>(queries::KNOWN_USER_CIRCLE)
            .bind(user_id)
            .bind(sign_in.unwrap_or(""))
            .fetch_all(&self.pool)
            .await?;
        fold::<CircleRows, _>(&rows)
    }

    async fn send(&self, write: NewMessage) -> Result<Sent> {
        let (pending, answer) = Pending::send(write);
        self.enqueue(pending, answer).await
    }

    async fn change(&self, write: MessageChange) -> Result<CommittedEvent> {
        let (pending, answer) = Pending::change(write);
        self.enqueue(pending, answer).await
    }

    async fn events_after(
        &self,
        room_id: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<CommittedEvent>> {
        if let Some(readers) = &self.readers {
            return readers.events_after(room_id, after_seq, limit).await;
        }
        let rows = sqlx::query::<DB>(queries::EVENTS_AFTER)
            .bind(room_id)
            .bind(to_i64(after_seq))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| event_from_row(&SqlxRow(row)))
            .collect()
    }

    async fn messages(&self, room_id: &str, range: PageRange, limit: u32) -> Result<Page> {
        let fetch = i64::from(limit) + 1;
        // $1 the room, $2 how many, $3 the seq paged from.
        let sql = match range {
            PageRange::Latest => format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE room_id = $1 \
                 ORDER BY seq DESC LIMIT $2"
            ),
            PageRange::Before(_) => format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE room_id = $1 AND seq < $3 \
                 ORDER BY seq DESC LIMIT $2"
            ),
            PageRange::After(_) => format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE room_id = $1 AND seq > $3 \
                 ORDER BY seq ASC LIMIT $2"
            ),
        };
        // Only the fixed fragments above are interpolated; values are bound.
        let mut query = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql))
            .bind(room_id)
            .bind(fetch);
        if let PageRange::Before(seq) | PageRange::After(seq) = range {
            query = query.bind(to_i64(seq));
        }
        let rows = query.fetch_all(&self.pool).await?;
        let has_more = rows.len() as i64 > i64::from(limit);
        let mut messages = rows
            .iter()
            .take(limit as usize)
            .map(message_from_row)
            .collect::<Result<Vec<_>>>()?;
        if !matches!(range, PageRange::After(_)) {
            messages.reverse();
        }
        self.add_reactions(room_id, &mut messages).await?;
        Ok(Page { messages, has_more })
    }

    async fn replies(
        &self,
        room_id: &str,
        parent: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Option<Page>> {
        self.thread(room_id, parent, after_seq, limit).await
    }

    async fn pins(&self, room_id: &str) -> Result<Vec<PinnedMessage>> {
        self.pinned(room_id).await
    }

    async fn search(&self, user_id: &str, filter: &SearchFilter) -> Result<Vec<Message>> {
        self.find_messages(user_id, filter).await
    }

    async fn create_attachment(&self, record: &AttachmentRecord, quota: u64) -> Result<bool> {
        self.insert_attachment(record, quota).await
    }

    async fn attachment_bytes(&self, user_id: &str) -> Result<u64> {
        self.stored_attachment_bytes(user_id).await
    }

    async fn attachments_for_send(
        &self,
        ids: &[String],
        sender: &str,
        client_msg_id: &str,
    ) -> Result<Vec<AttachmentForSend>> {
        self.read_attachments_for_send(ids, sender, client_msg_id)
            .await
    }

    async fn attachment(
        &self,
        id: &str,
        user_id: Option<&str>,
    ) -> Result<Option<AttachmentRecord>> {
        self.visible_attachment(id, user_id).await
    }

    async fn doomed_attachments(
        &self,
        now: i64,
        unsent_before: i64,
        limit: u32,
    ) -> Result<Vec<AttachmentRecord>> {
        self.list_doomed_attachments(now, unsent_before, limit)
            .await
    }

    async fn forget_attachments(&self, ids: &[String]) -> Result<()> {
        self.delete_attachment_rows(ids).await
    }

    async fn set_receipt(
        &self,
        room_id: &str,
        user_id: &str,
        seq: u64,
        kind: ReceiptKind,
    ) -> Result<ReceiptChange> {
        // One statement: insert the member's row or move it forward, never back (both
        // databases take `ON CONFLICT ... DO UPDATE ... WHERE`; CASE stands in for the
        // two-argument MAX/GREATEST that each spells differently).
        let sql = match kind {
            ReceiptKind::Read => {
                "INSERT INTO receipts (room_id, user_id, delivered_seq, read_seq)
                 VALUES ($1, $2, $3, $3)
                 ON CONFLICT (room_id, user_id) DO UPDATE
                 SET read_seq = excluded.read_seq,
                     delivered_seq = CASE WHEN receipts.delivered_seq > excluded.read_seq
                                          THEN receipts.delivered_seq
                                          ELSE excluded.read_seq END
                 WHERE receipts.read_seq < excluded.read_seq"
            }
            ReceiptKind::Delivered => {
                "INSERT INTO receipts (room_id, user_id, delivered_seq, read_seq)
                 VALUES ($1, $2, $3, 0)
                 ON CONFLICT (room_id, user_id) DO UPDATE
                 SET delivered_seq = excluded.delivered_seq
                 WHERE receipts.delivered_seq < excluded.delivered_seq"
            }
        };
        let mut tx = DB::begin_write(&self.pool).await?;
        let result = sqlx::query::<DB>(sql)
            .bind(room_id)
            .bind(user_id)
            .bind(to_i64(seq))
            .execute(&mut *tx)
            .await?;
        let changed = DB::rows_affected(&result) > 0;
        // Reading the room takes the member's mark as unread away, also when the read
        // position was there already (the mark was set after reading everything).
        let unmarked = kind == ReceiptKind::Read && {
            let result = sqlx::query::<DB>(
                "UPDATE room_members SET marked_unread = 0
                 WHERE room_id = $1 AND user_id = $2 AND marked_unread <> 0",
            )
            .bind(room_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            DB::rows_affected(&result) > 0
        };
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
        Ok(ReceiptChange {
            advanced: changed,
            unmarked,
        })
    }

    async fn room_with_members(&self, room_id: &str) -> Result<Option<RoomWithMembers>> {
        if let Some(readers) = &self.readers {
            return readers.room_with_members(room_id).await;
        }
        let rows = sqlx::query::<DB>(queries::ROOM_WITH_MEMBERS)
            .bind(room_id)
            .fetch_all(&self.pool)
            .await?;
        fold::<RoomWithMembersRows, _>(&rows)
    }

    async fn append_event(&self, event: &OutboxEvent) -> Result<()> {
        if self.outbox.enabled {
            let mut conn = self.pool.acquire().await?;
            insert_event(&mut conn, event).await?;
        }
        Ok(())
    }

    async fn outbox_batch(&self, limit: u32) -> Result<Vec<OutboxRow>> {
        let rows =
            sqlx::query::<DB>("SELECT id, key, payload FROM event_outbox ORDER BY id LIMIT $1")
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
        sqlx::query::<DB>("DELETE FROM event_outbox WHERE id <= $1")
            .bind(up_to)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn outbox_len(&self) -> Result<u64> {
        let count: i64 = sqlx::query_scalar::<DB, i64>("SELECT count(*) FROM event_outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(to_u64(count))
    }

    async fn lead_relay(&self) -> Result<bool> {
        let mut held = self.relay_lock.lock().await;
        Ok(DB::lead_relay(&self.pool, &mut held).await?)
    }

    async fn close(&self) {
        drop(self.relay_lock.lock().await.take());
        // Dropping the last sender lets the writer drain what is queued, then stop.
        let writer = self.writer.lock().expect("writer lock").take();
        if let Some(Writer { queue, done }) = writer {
            drop(queue);
            if done.await.is_err() {
                tracing::error!("the store's writer ended without draining its queue");
            }
        }
        if let Some(readers) = &self.readers {
            readers.close();
        }
        if let Some(batches) = &self.batched_writes {
            batches.close();
        }
        self.pool.close().await;
    }
}
