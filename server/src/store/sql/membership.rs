//! Membership and settings changes, for every backend: each in one write transaction
//! that locks the room, reads what the rules need (`store::membership`), and commits
//! the change with its room events (`member_changed`, `room_changed`) at the room's next
//! seqs. Also the reads of members with their roles, of a room's settings and of its
//! bans.
//!
//! These changes are rarer than messages, so they do not go through the group-commit
//! writer: the seq they take is serialised with the writer's by the room's lock
//! (PostgreSQL) or the database's write lock (SQLite), and a connection that hears of an
//! event before an earlier one fills the gap from the store, as it does across
//! processes. They come in bursts, though (a class joining at once), so SQLite, where
//! every commit waits for its own sync, commits those that arrive together in one
//! transaction (`store::sqlite::membership_batch`).

use chat_protocol::v1::{
    MemberChanged, MemberRole, MembershipChange, RoomBan, RoomChanged, RoomMember, RoomVisibility,
    WhoCanAdd,
};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::{Backend, SqlStore, insert_event, member_ids};
use crate::store::error::{Error, Result};
use crate::store::membership::{
    self, CurrentSettings, Facts, MembershipAction, MembershipWrite, Verdict,
};
use crate::store::outbox_events;
use crate::store::queries;
use crate::store::rows::{SqlxRow, room_from_row, to_u64};
use crate::store::write::NewEvent;
use crate::store::{CommittedEvent, EventKind, EventOutbox, RoomInfo};

/// Takes the room's lock (`{lock}`, the backend's row lock), a row when the room exists.
///
/// A statement of its own, before [`FACTS`]: under PostgreSQL's READ COMMITTED, a
/// statement that waits for a row lock sees the locked row as its holder left it, but
/// its subqueries still read the snapshot taken before the wait, so a ban or a change of
/// role committed meanwhile would be missed. The next statement reads a fresh snapshot.
const LOCK_ROOM: &str = "SELECT 1 FROM rooms WHERE id = $1";

/// What the rules need, read under the room's lock (`$1` room, `$2` actor, `$3` the
/// target, or the actor again when there is none).
const FACTS: &str = "SELECT r.visibility, r.name, r.topic, r.who_can_add,
    (SELECT m.role FROM room_members m WHERE m.room_id = r.id AND m.user_id = $2) AS actor_role,
    (SELECT m.role FROM room_members m WHERE m.room_id = r.id AND m.user_id = $3) AS target_role,
    CASE WHEN EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = $3)
         THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS target_banned,
    CASE WHEN EXISTS (SELECT 1 FROM user_blocks k WHERE k.blocker_id = $3 AND k.blocked_id = $2)
         THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS target_blocks_actor
    FROM rooms r WHERE r.id = $1";

/// Who becomes owner when the owner leaves: the longest-standing admin, else member.
const SUCCESSOR: &str = "SELECT user_id FROM room_members WHERE room_id = $1
    ORDER BY CASE role WHEN 'admin' THEN 0 ELSE 1 END, joined_at, user_id LIMIT 1";

const ADD_MEMBER: &str = "INSERT INTO room_members (room_id, user_id, joined_at, role)
    VALUES ($1, $2, $3, 'member')";

const REMOVE_MEMBER: &str = "DELETE FROM room_members WHERE room_id = $1 AND user_id = $2";

const SET_ROLE: &str = "UPDATE room_members SET role = $1 WHERE room_id = $2 AND user_id = $3";

/// A direct room is hidden from the member's list until a message after its last seq.
const HIDE_DIRECT: &str = "UPDATE room_members
    SET hidden_seq = (SELECT r.last_seq FROM rooms r WHERE r.id = $1)
    WHERE room_id = $1 AND user_id = $2";

const BAN: &str = "INSERT INTO room_bans (room_id, user_id, banned_by, reason, created_at)
    VALUES ($1, $2, $3, $4, $5)";

const UNBAN: &str = "DELETE FROM room_bans WHERE room_id = $1 AND user_id = $2";

const UPDATE_SETTINGS: &str = "UPDATE rooms SET name = COALESCE($2, name),
    topic = COALESCE($3, topic), who_can_add = COALESCE($4, who_can_add) WHERE id = $1";

fn role_of(stored: Option<String>) -> Result<Option<MemberRole>> {
    stored
        .map(|role| {
            MemberRole::parse(&role).ok_or(Error::Corrupt {
                column: "room_members.role",
                value: role,
            })
        })
        .transpose()
}

fn who_can_add_of(stored: String) -> Result<WhoCanAdd> {
    WhoCanAdd::parse(&stored).ok_or(Error::Corrupt {
        column: "rooms.who_can_add",
        value: stored,
    })
}

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
    /// Makes a membership or settings change if the room's rules allow it, in a write
    /// transaction of its own; returns the room events it committed, in seq order (none
    /// when nothing changed).
    pub(super) async fn apply_membership(
        &self,
        write: MembershipWrite,
    ) -> Result<Vec<CommittedEvent>> {
        let mut tx = DB::begin_write(&self.pool).await?;
        let events = Self::change_membership_in(&mut tx, self.outbox, write).await?;
        tx.commit().await?;
        Ok(events)
    }

    /// Members of a room with their names and roles, in the order they joined.
    pub(super) async fn members_with_roles(&self, room_id: &str) -> Result<Vec<RoomMember>> {
        let rows = sqlx::query::<DB>(
            "SELECT u.id, u.username, COALESCE(u.display_name, u.username) AS display_name,
                    m.role, m.joined_at
             FROM room_members m JOIN users u ON u.id = m.user_id
             WHERE m.room_id = $1 ORDER BY m.joined_at, m.user_id",
        )
        .bind(room_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RoomMember {
                    user_id: row.try_get::<String, _>("id")?.into(),
                    username: row.try_get("username")?,
                    display_name: row.try_get("display_name")?,
                    role: role_of(row.try_get("role")?)?.unwrap_or(MemberRole::Member),
                    joined_at: row.try_get("joined_at")?,
                })
            })
            .collect()
    }

    /// A room's settings, member count and the user's role (`None`: not a member).
    pub(super) async fn room_info_of(
        &self,
        room_id: &str,
        user_id: &str,
    ) -> Result<Option<RoomInfo>> {
        let row = sqlx::query::<DB>(
            "SELECT r.id, r.name, r.visibility, r.last_seq, r.created_at, r.topic,
                    r.who_can_add,
                    (SELECT COUNT(*) FROM room_members c WHERE c.room_id = r.id) AS member_count,
                    (SELECT m.role FROM room_members m
                     WHERE m.room_id = r.id AND m.user_id = $2) AS role
             FROM rooms r WHERE r.id = $1",
        )
        .bind(room_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(RoomInfo {
            room: room_from_row(&SqlxRow(&row))?,
            topic: row.try_get("topic")?,
            who_can_add: who_can_add_of(row.try_get("who_can_add")?)?,
            member_count: to_u64(row.try_get("member_count")?),
            role: role_of(row.try_get("role")?)?,
        }))
    }

    /// A room's bans, newest first.
    pub(super) async fn bans_of(&self, room_id: &str) -> Result<Vec<RoomBan>> {
        let rows = sqlx::query::<DB>(
            "SELECT user_id, banned_by, reason, created_at FROM room_bans
             WHERE room_id = $1 ORDER BY created_at DESC, user_id",
        )
        .bind(room_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RoomBan {
                    user_id: row.try_get::<String, _>("user_id")?.into(),
                    banned_by: row.try_get::<String, _>("banned_by")?.into(),
                    reason: row.try_get("reason")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// A membership or settings change, made inside the write transaction on `conn` if the
    /// room's rules allow it: the room is locked, the rules read, the change and its room
    /// events written (with their outbox rows when `outbox` is on). Returns those events in
    /// seq order, none when nothing changed; a refusal writes nothing.
    pub(in crate::store) async fn change_membership_in(
        conn: &mut DB::Connection,
        outbox: EventOutbox,
        write: MembershipWrite,
    ) -> Result<Vec<CommittedEvent>> {
        let MembershipWrite {
            room_id,
            actor,
            action,
            now,
        } = write;
        let target = action.target().unwrap_or(&actor).to_owned();
        // SQLite's write transaction already holds the database's one write lock.
        if !DB::LOCK_ROW.is_empty() {
            let locked =
                sqlx::query::<DB>(sqlx::AssertSqlSafe(format!("{LOCK_ROOM}{}", DB::LOCK_ROW)))
                    .bind(room_id.as_str())
                    .fetch_optional(&mut *conn)
                    .await?;
            if locked.is_none() {
                return Err(Error::NoSuchRoom);
            }
        }
        let Some(row) = sqlx::query::<DB>(FACTS)
            .bind(room_id.as_str())
            .bind(actor.as_str())
            .bind(target.as_str())
            .fetch_optional(&mut *conn)
            .await?
        else {
            return Err(Error::NoSuchRoom);
        };
        let visibility: String = row.try_get("visibility")?;
        let facts = Facts {
            visibility: RoomVisibility::parse(&visibility).ok_or(Error::Corrupt {
                column: "rooms.visibility",
                value: visibility.clone(),
            })?,
            settings: CurrentSettings {
                name: row.try_get("name")?,
                topic: row.try_get("topic")?,
                who_can_add: who_can_add_of(row.try_get("who_can_add")?)?,
            },
            actor_role: role_of(row.try_get("actor_role")?)?,
            target_role: role_of(row.try_get("target_role")?)?,
            target_banned: row.try_get::<i64, _>("target_banned")? != 0,
            target_blocks_actor: row.try_get::<i64, _>("target_blocks_actor")? != 0,
        };
        if membership::check(&actor, &action, &facts)? == Verdict::Unchanged {
            return Ok(Vec::new());
        }
        let mut notices = Notices {
            room_id: &room_id,
            actor: &actor,
            now,
            events: Vec::new(),
        };
        let member = |change, role| MemberChange {
            user_id: target.clone(),
            change,
            role,
        };
        match &action {
            MembershipAction::Add { user_id } => {
                run::<DB>(&mut *conn, ADD_MEMBER, &[&room_id, user_id], Some(now)).await?;
                let joined = member(MembershipChange::Joined, Some(MemberRole::Member));
                notices.member::<DB>(&mut *conn, joined).await?;
            }
            MembershipAction::Leave if facts.visibility == RoomVisibility::Direct => {
                run::<DB>(&mut *conn, HIDE_DIRECT, &[&room_id, &actor], None).await?;
            }
            MembershipAction::Leave => {
                run::<DB>(&mut *conn, REMOVE_MEMBER, &[&room_id, &actor], None).await?;
                notices
                    .member::<DB>(&mut *conn, member(MembershipChange::Left, None))
                    .await?;
                if facts.actor_role == Some(MemberRole::Owner) {
                    let successor = sqlx::query_scalar::<DB, String>(SUCCESSOR)
                        .bind(room_id.as_str())
                        .fetch_optional(&mut *conn)
                        .await?;
                    if let Some(successor) = successor {
                        let owner = MemberRole::Owner.as_str();
                        run::<DB>(&mut *conn, SET_ROLE, &[owner, &room_id, &successor], None)
                            .await?;
                        let handover = MemberChange {
                            user_id: successor,
                            change: MembershipChange::Role,
                            role: Some(MemberRole::Owner),
                        };
                        notices.member::<DB>(&mut *conn, handover).await?;
                    }
                }
            }
            MembershipAction::Remove { user_id } => {
                run::<DB>(&mut *conn, REMOVE_MEMBER, &[&room_id, user_id], None).await?;
                notices
                    .member::<DB>(&mut *conn, member(MembershipChange::Kicked, None))
                    .await?;
            }
            MembershipAction::Ban { user_id, reason } => {
                run::<DB>(&mut *conn, REMOVE_MEMBER, &[&room_id, user_id], None).await?;
                sqlx::query::<DB>(BAN)
                    .bind(room_id.as_str())
                    .bind(user_id.as_str())
                    .bind(actor.as_str())
                    .bind(reason.as_deref())
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                notices
                    .member::<DB>(&mut *conn, member(MembershipChange::Banned, None))
                    .await?;
            }
            MembershipAction::Unban { user_id } => {
                run::<DB>(&mut *conn, UNBAN, &[&room_id, user_id], None).await?;
                notices
                    .member::<DB>(&mut *conn, member(MembershipChange::Unbanned, None))
                    .await?;
            }
            MembershipAction::SetRole { user_id, role } => {
                run::<DB>(
                    &mut *conn,
                    SET_ROLE,
                    &[role.as_str(), &room_id, user_id],
                    None,
                )
                .await?;
                notices
                    .member::<DB>(&mut *conn, member(MembershipChange::Role, Some(*role)))
                    .await?;
            }
            MembershipAction::Update(asked) => {
                let changed = membership::changed_settings(asked, &facts.settings);
                sqlx::query::<DB>(UPDATE_SETTINGS)
                    .bind(room_id.as_str())
                    .bind(changed.name.as_deref())
                    .bind(changed.topic.as_deref())
                    .bind(changed.who_can_add.map(WhoCanAdd::as_str))
                    .execute(&mut *conn)
                    .await?;
                notices.room::<DB>(&mut *conn, changed).await?;
            }
        }
        let events = notices.events;
        if outbox.enabled {
            let mut recipients = member_ids::<DB>(&mut *conn, &room_id).await?;
            // Whoever was removed hears of it too.
            if !recipients.contains(&target) {
                recipients.push(target.clone());
            }
            for event in &events {
                let row = outbox_events::event_for(
                    NewEvent::Change(event),
                    &recipients,
                    outbox.include_content,
                );
                insert_event::<DB>(&mut *conn, &row).await?;
            }
        }
        Ok(events)
    }
}

/// Runs a statement with text parameters `$1`, `$2`, … and, if given, an integer last.
async fn run<DB>(
    conn: &mut DB::Connection,
    sql: &'static str,
    texts: &[&str],
    int: Option<i64>,
) -> sqlx::Result<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    let mut query = sqlx::query::<DB>(sql);
    for text in texts {
        query = query.bind(*text);
    }
    if let Some(int) = int {
        query = query.bind(int);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// A membership change about to be recorded.
struct MemberChange {
    user_id: String,
    change: MembershipChange,
    role: Option<MemberRole>,
}

/// The room events one change commits, each at the room's next seq.
struct Notices<'a> {
    room_id: &'a str,
    actor: &'a str,
    now: i64,
    events: Vec<CommittedEvent>,
}

impl Notices<'_> {
    async fn member<DB>(&mut self, conn: &mut DB::Connection, change: MemberChange) -> Result<()>
    where
        DB: Backend,
        for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
        DB::Arguments: IntoArguments<DB>,
        for<'q> &'q str: Encode<'q, DB> + Type<DB>,
        for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
        usize: ColumnIndex<DB::Row>,
    {
        let seq = next_seq::<DB>(conn, self.room_id).await?;
        let changed = MemberChanged {
            room_id: self.room_id.into(),
            seq,
            user_id: change.user_id.into(),
            change: change.change,
            role: change.role,
            by: self.actor.into(),
            created_at: self.now,
        };
        let body = serde_json::to_string(&changed).expect("events always serialise");
        self.record::<DB>(conn, seq, "member", &body).await?;
        self.events.push(CommittedEvent {
            room_id: self.room_id.into(),
            seq,
            kind: EventKind::Member(changed),
        });
        Ok(())
    }

    async fn room<DB>(
        &mut self,
        conn: &mut DB::Connection,
        settings: membership::RoomSettings,
    ) -> Result<()>
    where
        DB: Backend,
        for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
        DB::Arguments: IntoArguments<DB>,
        for<'q> &'q str: Encode<'q, DB> + Type<DB>,
        for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
        usize: ColumnIndex<DB::Row>,
    {
        let seq = next_seq::<DB>(conn, self.room_id).await?;
        let changed = RoomChanged {
            room_id: self.room_id.into(),
            seq,
            name: settings.name,
            topic: settings.topic,
            who_can_add: settings.who_can_add,
            by: self.actor.into(),
            created_at: self.now,
        };
        let body = serde_json::to_string(&changed).expect("events always serialise");
        self.record::<DB>(conn, seq, "room", &body).await?;
        self.events.push(CommittedEvent {
            room_id: self.room_id.into(),
            seq,
            kind: EventKind::Room(changed),
        });
        Ok(())
    }

    async fn record<DB>(
        &self,
        conn: &mut DB::Connection,
        seq: u64,
        kind: &str,
        body: &str,
    ) -> sqlx::Result<()>
    where
        DB: Backend,
        for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
        DB::Arguments: IntoArguments<DB>,
        for<'q> &'q str: Encode<'q, DB> + Type<DB>,
        for<'q> i64: Encode<'q, DB> + Type<DB>,
    {
        sqlx::query::<DB>(queries::INSERT_NOTICE)
            .bind(self.room_id)
            .bind(crate::store::rows::to_i64(seq))
            .bind(kind)
            .bind(self.actor)
            .bind(body)
            .bind(self.now)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

async fn next_seq<DB>(conn: &mut DB::Connection, room_id: &str) -> sqlx::Result<u64>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Decode<'q, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
{
    let seq = sqlx::query_scalar::<DB, i64>(queries::NEXT_SEQ)
        .bind(room_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(to_u64(seq))
}
