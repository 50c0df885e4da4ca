//! A membership or settings change, made inside the caller's write transaction: the
//! room is locked, the rules read ([`Facts`], decided by `store::membership`), the
//! change and its room events (`member_changed`, `room_changed`) written at the room's
//! next seqs, with their outbox rows when the outbox is on.
//!
//! Written once against [`Statements`], for every backend and both drivers: sqlx
//! (`store::sql::membership`, PostgreSQL's changes) and rusqlite, on the thread where
//! SQLite commits its batches of changes (`store::sqlite::batched_writes`). Through
//! sqlx each statement is a hand-over to the connection's worker thread and back, six
//! for a join; on rusqlite a batch is one (docs/benchmarks.md, "Setting up idle
//! clients").

use std::future::Future;

use chat_protocol::v1::{
    MemberChanged, MemberRole, MembershipChange, RoomChanged, RoomVisibility, WhoCanAdd,
};

use super::avatars;
use super::error::{Error, Result};
use super::membership::{self, CurrentSettings, Facts, MembershipAction, MembershipWrite, Verdict};
use super::outbox_events;
use super::queries;
use super::rows::{Columns, to_i64, to_u64};
use super::write::NewEvent;
use super::{CommittedEvent, EventKind, EventOutbox};

/// Takes the room's lock where the backend locks rows (`Backend::LOCK_ROW` appended),
/// a row when the room exists.
///
/// A statement of its own, before [`FACTS`]: under PostgreSQL's READ COMMITTED, a
/// statement that waits for a row lock sees the locked row as its holder left it, but
/// its subqueries still read the snapshot taken before the wait, so a ban or a change of
/// role committed meanwhile would be missed. The next statement reads a fresh snapshot.
pub(super) const LOCK_ROOM: &str = "SELECT 1 FROM rooms WHERE id = $1";

/// What the rules need, read under the room's lock (`$1` room, `$2` actor, `$3` the
/// target, or the actor again when there is none).
const FACTS: &str = "SELECT r.visibility, r.name, r.topic, r.who_can_add, r.avatar_id,
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

/// Changes the settings given (`$1` the room; `$2` name, `$3` topic, `$4` who may add,
/// each NULL to keep it). `$1` comes last in the text: bound by name, not by position.
const UPDATE_SETTINGS: &str = "UPDATE rooms SET name = COALESCE($2, name),
    topic = COALESCE($3, topic), who_can_add = COALESCE($4, who_can_add) WHERE id = $1";

/// Spends a use of the invite whose code hashes to `$1`, if it is room `$2`'s and still
/// works at `$3`: unexpired, not used up, and its maker still a member who may add
/// others (a kicked member's or a demoted admin's invites stop working); returns its id
/// when it did.
const SPEND_INVITE: &str = "UPDATE room_invites SET uses = uses + 1
    WHERE code_hash = $1 AND room_id = $2 AND expires_at > $3
      AND (max_uses IS NULL OR uses < max_uses)
      AND EXISTS (SELECT 1 FROM room_members mk JOIN rooms mr ON mr.id = mk.room_id
                  WHERE mk.room_id = $2 AND mk.user_id = room_invites.created_by
                    AND (mr.who_can_add = 'members' OR mk.role IN ('owner', 'admin')))
    RETURNING id";

/// Sets the room's picture (`$1` the room, `$2` the attachment; NULL removes it).
const SET_AVATAR: &str = "UPDATE rooms SET avatar_id = $2 WHERE id = $1";

/// A parameter of a statement: `$1` is the first of a list, `$2` the second, and so on.
#[derive(Debug, Clone, Copy)]
pub(super) enum Param<'a> {
    Text(&'a str),
    /// NULL when `None`.
    MaybeText(Option<&'a str>),
    Integer(i64),
}

/// The statements a change runs, on the connection whose write transaction it is made
/// in. Each driver binds `$n` to the `n`th parameter, wherever it appears in the text.
pub(super) trait Statements: Send {
    /// Locks the room until the transaction ends where the backend locks rows
    /// ([`LOCK_ROOM`]); `false` when there is no such room.
    fn lock_room(&mut self, room_id: &str) -> impl Future<Output = Result<bool>> + Send;

    /// Runs `sql`.
    fn execute(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
    ) -> impl Future<Output = Result<()>> + Send;

    /// Runs `sql` and reads each row it returns with `read`.
    fn rows<T: Send + 'static>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        read: fn(&dyn Columns) -> Result<T>,
    ) -> impl Future<Output = Result<Vec<T>>> + Send;
}

/// Makes `write` in the caller's write transaction on `conn` if the room's rules allow
/// it. Returns the room events it wrote, in seq order (none when nothing changed); a
/// refusal writes nothing.
pub(super) async fn apply(
    conn: &mut impl Statements,
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
    if !conn.lock_room(&room_id).await? {
        return Err(Error::NoSuchRoom);
    }
    let facts = conn
        .rows(
            FACTS,
            &[
                Param::Text(&room_id),
                Param::Text(&actor),
                Param::Text(&target),
            ],
            facts_from_row,
        )
        .await?
        .pop()
        .ok_or(Error::NoSuchRoom)?;
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
    let (room, by) = (Param::Text(&room_id), Param::Text(&actor));
    match &action {
        MembershipAction::Add { user_id } => {
            let params = [room, Param::Text(user_id), Param::Integer(now)];
            conn.execute(ADD_MEMBER, &params).await?;
            let joined = member(MembershipChange::Joined, Some(MemberRole::Member));
            notices.member(conn, joined).await?;
        }
        MembershipAction::JoinWithInvite { code_hash } => {
            let params = [Param::Text(code_hash), room, Param::Integer(now)];
            let spent = conn.rows(SPEND_INVITE, &params, read_id).await?;
            if spent.is_empty() {
                return Err(Error::InviteUnusable);
            }
            let params = [room, by, Param::Integer(now)];
            conn.execute(ADD_MEMBER, &params).await?;
            let joined = member(MembershipChange::Joined, Some(MemberRole::Member));
            notices.member(conn, joined).await?;
        }
        MembershipAction::Leave if facts.visibility == RoomVisibility::Direct => {
            conn.execute(HIDE_DIRECT, &[room, by]).await?;
        }
        MembershipAction::Leave => {
            conn.execute(REMOVE_MEMBER, &[room, by]).await?;
            notices
                .member(conn, member(MembershipChange::Left, None))
                .await?;
            if facts.actor_role == Some(MemberRole::Owner) {
                let successor = conn.rows(SUCCESSOR, &[room], read_user_id).await?.pop();
                if let Some(successor) = successor {
                    let owner = Param::Text(MemberRole::Owner.as_str());
                    conn.execute(SET_ROLE, &[owner, room, Param::Text(&successor)])
                        .await?;
                    let handover = MemberChange {
                        user_id: successor,
                        change: MembershipChange::Role,
                        role: Some(MemberRole::Owner),
                    };
                    notices.member(conn, handover).await?;
                }
            }
        }
        MembershipAction::Remove { user_id } => {
            conn.execute(REMOVE_MEMBER, &[room, Param::Text(user_id)])
                .await?;
            notices
                .member(conn, member(MembershipChange::Kicked, None))
                .await?;
        }
        MembershipAction::Ban { user_id, reason } => {
            let user = Param::Text(user_id);
            conn.execute(REMOVE_MEMBER, &[room, user]).await?;
            let ban = [
                room,
                user,
                by,
                Param::MaybeText(reason.as_deref()),
                Param::Integer(now),
            ];
            conn.execute(BAN, &ban).await?;
            notices
                .member(conn, member(MembershipChange::Banned, None))
                .await?;
        }
        MembershipAction::Unban { user_id } => {
            conn.execute(UNBAN, &[room, Param::Text(user_id)]).await?;
            notices
                .member(conn, member(MembershipChange::Unbanned, None))
                .await?;
        }
        MembershipAction::SetRole { user_id, role } => {
            let params = [Param::Text(role.as_str()), room, Param::Text(user_id)];
            conn.execute(SET_ROLE, &params).await?;
            notices
                .member(conn, member(MembershipChange::Role, Some(*role)))
                .await?;
        }
        MembershipAction::Update(asked) => {
            let changed = membership::changed_settings(asked, &facts.settings);
            let params = [
                room,
                Param::MaybeText(changed.name.as_deref()),
                Param::MaybeText(changed.topic.as_deref()),
                Param::MaybeText(changed.who_can_add.map(WhoCanAdd::as_str)),
            ];
            conn.execute(UPDATE_SETTINGS, &params).await?;
            if let Some(wanted) = avatars::asked(changed.avatar_id.as_deref()) {
                let current = facts.settings.avatar_id.as_deref();
                replace_avatar(conn, &room_id, &actor, current, wanted, now).await?;
            }
            notices.room(conn, changed).await?;
        }
    }
    let events = notices.events;
    if outbox.enabled {
        let mut recipients = conn
            .rows(queries::MEMBER_IDS, &[room], read_user_id)
            .await?;
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
            let params = [
                Param::Text(&row.key),
                Param::Text(&row.payload),
                Param::Integer(crate::clock::now_ms()),
            ];
            conn.execute(queries::INSERT_OUTBOX, &params).await?;
        }
    }
    Ok(events)
}

/// Makes upload `wanted` the room's picture (`None`: none) in place of `current`,
/// which is doomed. Fails with `AvatarUnusable` when `wanted` is not an unsent image
/// `actor` uploaded, or is already a picture.
async fn replace_avatar(
    conn: &mut impl Statements,
    room_id: &str,
    actor: &str,
    current: Option<&str>,
    wanted: Option<&str>,
    now: i64,
) -> Result<()> {
    if let Some(new) = wanted {
        let params = [Param::Text(new), Param::Text(actor), Param::Integer(now)];
        let claimed = conn.rows(avatars::CLAIM, &params, read_id).await?;
        if claimed.is_empty() {
            return Err(Error::AvatarUnusable);
        }
    }
    if let Some(old) = current {
        let params = [Param::Integer(now), Param::Text(old)];
        conn.execute(avatars::RELEASE, &params).await?;
    }
    let params = [Param::Text(room_id), Param::MaybeText(wanted)];
    conn.execute(SET_AVATAR, &params).await
}

/// A row's `id` (of `avatars::CLAIM` and [`SPEND_INVITE`]).
fn read_id(row: &dyn Columns) -> Result<String> {
    row.text("id")
}

/// A row of [`FACTS`].
fn facts_from_row(row: &dyn Columns) -> Result<Facts> {
    let visibility = row.text("visibility")?;
    Ok(Facts {
        visibility: RoomVisibility::parse(&visibility).ok_or(Error::Corrupt {
            column: "rooms.visibility",
            value: visibility.clone(),
        })?,
        settings: CurrentSettings {
            name: row.text("name")?,
            topic: row.text("topic")?,
            who_can_add: who_can_add_of(row.text("who_can_add")?)?,
            avatar_id: row.optional_text("avatar_id")?,
        },
        actor_role: role_of(row.optional_text("actor_role")?)?,
        target_role: role_of(row.optional_text("target_role")?)?,
        target_banned: row.integer("target_banned")? != 0,
        target_blocks_actor: row.integer("target_blocks_actor")? != 0,
    })
}

/// A row's `user_id` (of [`SUCCESSOR`] and `queries::MEMBER_IDS`).
fn read_user_id(row: &dyn Columns) -> Result<String> {
    row.text("user_id")
}

/// A row's `last_seq` (of `queries::NEXT_SEQ`).
fn read_last_seq(row: &dyn Columns) -> Result<i64> {
    row.integer("last_seq")
}

/// A member's stored role.
pub(super) fn role_of(stored: Option<String>) -> Result<Option<MemberRole>> {
    stored
        .map(|role| {
            MemberRole::parse(&role).ok_or(Error::Corrupt {
                column: "room_members.role",
                value: role,
            })
        })
        .transpose()
}

/// A room's stored rule of who may add members.
pub(super) fn who_can_add_of(stored: String) -> Result<WhoCanAdd> {
    WhoCanAdd::parse(&stored).ok_or(Error::Corrupt {
        column: "rooms.who_can_add",
        value: stored,
    })
}

/// A membership change about to be recorded.
struct MemberChange {
    user_id: String,
    change: MembershipChange,
    role: Option<MemberRole>,
}

/// The room events one change writes, each at the room's next seq.
struct Notices<'a> {
    room_id: &'a str,
    actor: &'a str,
    now: i64,
    events: Vec<CommittedEvent>,
}

impl Notices<'_> {
    async fn member(&mut self, conn: &mut impl Statements, change: MemberChange) -> Result<()> {
        let seq = self.next_seq(conn).await?;
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
        self.record(conn, seq, "member", &body, EventKind::Member(changed))
            .await
    }

    async fn room(
        &mut self,
        conn: &mut impl Statements,
        settings: membership::RoomSettings,
    ) -> Result<()> {
        let seq = self.next_seq(conn).await?;
        let changed = RoomChanged {
            room_id: self.room_id.into(),
            seq,
            name: settings.name,
            topic: settings.topic,
            who_can_add: settings.who_can_add,
            avatar_id: settings.avatar_id,
            by: self.actor.into(),
            created_at: self.now,
        };
        let body = serde_json::to_string(&changed).expect("events always serialise");
        self.record(conn, seq, "room", &body, EventKind::Room(changed))
            .await
    }

    async fn next_seq(&self, conn: &mut impl Statements) -> Result<u64> {
        let seq = conn
            .rows(
                queries::NEXT_SEQ,
                &[Param::Text(self.room_id)],
                read_last_seq,
            )
            .await?
            .pop()
            .ok_or(Error::NoSuchRoom)?;
        Ok(to_u64(seq))
    }

    /// Writes the notice of `event` (`kind`, its JSON `body`) at `seq`, and keeps the
    /// event for the caller.
    async fn record(
        &mut self,
        conn: &mut impl Statements,
        seq: u64,
        kind: &str,
        body: &str,
        event: EventKind,
    ) -> Result<()> {
        let params = [
            Param::Text(self.room_id),
            Param::Integer(to_i64(seq)),
            Param::Text(kind),
            Param::Text(self.actor),
            Param::Text(body),
            Param::Integer(self.now),
        ];
        conn.execute(queries::INSERT_NOTICE, &params).await?;
        self.events.push(CommittedEvent {
            room_id: self.room_id.into(),
            seq,
            kind: event,
        });
        Ok(())
    }
}
