//! Durable storage behind one interface, so handlers never see which database runs.
//!
//! Room events (messages, edits, deletes) are written through [`Store::send`] and
//! [`Store::change`], which the store batches into group commits (`group_commit`);
//! everything else is a plain query. One implementation on sqlx (`sql`) serves both
//! databases; `sqlite` and `postgres` hold what differs (their [`sql::Backend`] and
//! their writer's commit).

mod attachment_record;
#[cfg(test)]
mod avatar_tests;
mod avatars;
mod committed_event;
mod error;
#[cfg(test)]
mod export_tests;
mod group_commit;
#[cfg(test)]
mod invite_tests;
mod membership;
mod membership_change;
mod outbox_events;
mod panics;
#[cfg(test)]
mod password_reset_tests;
mod postgres;
mod push_device;
mod queries;
#[cfg(test)]
mod rich_tests;
#[cfg(test)]
mod room_list_tests;
mod rows;
#[cfg(test)]
mod saved_tests;
#[cfg(test)]
mod sign_in_tests;
mod sql;
mod sqlite;
#[cfg(test)]
mod tests;
mod thread_scheduling;
mod write;

use std::collections::HashMap;

use async_trait::async_trait;
use chat_protocol::v1::{
    BlockedUser, Device, ExportedReaction, ExportedRoom, ExportedSave, InvitePreview, LastMessage,
    MemberReceipts, MemberRole, Message, PinnedMessage, ReceiptKind, Report, RoomBan, RoomInvite,
    RoomMember, RoomPlacement, RoomVisibility, UserProfile, WhoCanAdd,
};

pub use attachment_record::{AttachmentForSend, AttachmentRecord, Thumbnails};
pub use committed_event::{CommittedEvent, EventKind};
pub use error::{Error, Refusal, Result};
pub use group_commit::GroupCommit;
pub use membership::{MembershipAction, MembershipWrite, RoomSettings};
pub use postgres::PostgresStore;
pub use push_device::{NewPushDevice, PushTarget};
pub use sqlite::SqliteStore;
pub use write::{ChangeAction, MessageChange, NewEvent, NewMessage, OnCommit, Sent};

/// A local or external user as stored.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// The user id (`sub` of their tokens).
    pub id: String,
    /// Unique login name.
    pub username: String,
    /// Argon2 PHC string; `None` for users of an external auth service.
    pub password_hash: Option<String>,
    /// The name the user chose to be shown by, if any.
    pub display_name: Option<String>,
    /// Their picture (an attachment id), if any.
    pub avatar_id: Option<String>,
}

impl UserRecord {
    /// The user as other users see them.
    pub fn profile(self) -> UserProfile {
        UserProfile {
            display_name: self.display_name.unwrap_or_else(|| self.username.clone()),
            user_id: self.id.into(),
            username: self.username,
            avatar_id: self.avatar_id.map(Into::into),
        }
    }
}

/// An invite link to record: only its code's hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvite {
    /// Its id (a UUIDv7).
    pub id: String,
    /// SHA-256 of the code, hex.
    pub code_hash: String,
    /// The room it lets one join.
    pub room_id: String,
    /// Who made it.
    pub created_by: String,
    /// When, ms since the epoch.
    pub created_at: i64,
    /// Until when it works, ms since the epoch.
    pub expires_at: i64,
    /// How many may join with it; `None`: any number.
    pub max_uses: Option<u32>,
}

/// What a user changes of their profile; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    /// The new name to be shown by (already validated).
    pub display_name: Option<String>,
    /// The new picture, an attachment id; empty removes it.
    pub avatar_id: Option<String>,
}

/// A refresh token to store: its hash only, never the token.
#[derive(Debug, Clone)]
pub struct RefreshTokenRecord {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The sign-in this token descends from; reuse of any used token revokes it whole.
    pub family_id: String,
    /// Whose session it renews.
    pub user_id: String,
    /// Issue time, ms since the epoch.
    pub created_at: i64,
    /// After this (ms since the epoch) the token is refused.
    pub expires_at: i64,
}

/// A sign-in as stored: what a register, login or password change started, kept going by
/// the refresh tokens of its family (`RefreshTokenRecord::family_id` is its id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRecord {
    /// Its id, which the access tokens minted in it carry.
    pub id: String,
    /// Whose it is.
    pub user_id: String,
    /// What the client called the device, if anything.
    pub device_name: Option<String>,
    /// When it started, ms since the epoch.
    pub created_at: i64,
    /// Its last refresh (or its start), ms since the epoch.
    pub last_active_at: i64,
}

/// Which of a user's sign-ins to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndSignIns<'a> {
    /// This one.
    One(&'a str),
    /// Every one but this (none: every one).
    AllBut(Option<&'a str>),
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// It was valid and unused: it is now used, and its successor is stored.
    Rotated {
        /// The user the session belongs to.
        user_id: String,
        /// Its sign-in (the token's family).
        sign_in: String,
    },
    /// It had been used before: a copy is in someone else's hands, so its whole family
    /// is now revoked.
    Reused,
    /// Unknown, expired or revoked.
    Invalid,
}

/// A room as stored.
#[derive(Debug, Clone)]
pub struct RoomRecord {
    /// The room's id, as clients address it.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Who may join.
    pub visibility: RoomVisibility,
    /// Highest committed seq.
    pub last_seq: u64,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
}

/// A room's settings, its member count and one user's role in it.
#[derive(Debug, Clone)]
pub struct RoomInfo {
    /// The room.
    pub room: RoomRecord,
    /// Its topic (empty: none).
    pub topic: String,
    /// Who may add members.
    pub who_can_add: WhoCanAdd,
    /// Its picture, if any.
    pub avatar_id: Option<String>,
    /// How many members it has.
    pub member_count: u64,
    /// The user's role; `None` when they are not a member.
    pub role: Option<MemberRole>,
}

/// A room as one user's room list shows it.
#[derive(Debug, Clone)]
pub struct RoomListEntry {
    /// The room.
    pub room: RoomRecord,
    /// For a direct room, the other member's display name.
    pub peer_name: Option<String>,
    /// The room's picture; for a direct room, the other member's.
    pub avatar_id: Option<String>,
    /// The latest message that is not deleted, its text not yet cut.
    pub last_message: Option<LastMessage>,
    /// The later of the last message's time and when the user became a member
    /// (ms since the epoch); the room's creation for a room the user is not in.
    pub last_activity_at: i64,
    /// Messages from others after `read_seq`, not deleted (0 for a non-member).
    pub unread_count: u64,
    /// Of those, the ones that mention the user.
    pub mention_count: u64,
    /// The user's read position.
    pub read_seq: u64,
    /// Until when the user muted the room, if they did.
    pub muted_until: Option<i64>,
    /// Whether a message that mentions the user still notifies them while muted.
    pub mute_mentions: bool,
    /// Where the user keeps the room in their list (`None`: the main list).
    pub placement: Option<RoomPlacement>,
    /// Whether the user marked the room unread and has not read it since.
    pub marked_unread: bool,
}

/// The rooms a user is in and the users they share them with: what a connection needs
/// to know before it enters the hub.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Circle {
    /// The user's rooms, in id order.
    pub rooms: Vec<String>,
    /// Users sharing at least one of them (not the user), in id order.
    pub co_members: Vec<String>,
    /// The account was deactivated or deleted: its tokens are refused.
    pub closed: bool,
    /// When the user last changed their password (ms since the epoch): access tokens
    /// issued in an earlier second are refused.
    pub signed_out_before: Option<i64>,
    /// Whether the sign-in asked about is the user's (false when none was asked about).
    pub sign_in_found: bool,
}

/// A change a member makes to their own entry of a room: what only they see, on every
/// device of theirs ([`Store::change_entry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryChange {
    /// Muted until a time (`None`: unmuted), and whether mentions still notify meanwhile.
    Mute {
        /// Until when, ms since the epoch.
        until: Option<i64>,
        /// Whether a mention still notifies.
        mentions: bool,
    },
    /// Where they keep the room in their list (`None`: the main list).
    Placement(Option<RoomPlacement>),
    /// Marked unread, or not.
    MarkedUnread(bool),
}

/// What a receipt changed ([`Store::set_receipt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceiptChange {
    /// The member's receipt of that kind moved forward.
    pub advanced: bool,
    /// A `read` receipt took away the member's mark as unread.
    pub unmarked: bool,
}

/// Where a page of a room list starts: after the room with this activity time and id,
/// among the favorites or among the rest (which come after every favorite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomListCursor {
    /// Whether the last listed room was a favorite.
    pub favorite: bool,
    /// The last listed room's `last_activity_at`.
    pub last_activity_at: i64,
    /// The last listed room's id (rooms with the same activity time come in
    /// descending id order).
    pub room_id: String,
}

/// A room with its member ids and their receipts: what a join reads, in one statement.
#[derive(Debug, Clone)]
pub struct RoomWithMembers {
    /// The room.
    pub room: RoomRecord,
    /// Its members' ids, in user-id order.
    pub members: Vec<String>,
    /// The receipt positions of the members that have any, in user-id order.
    pub receipts: Vec<MemberReceipts>,
}

impl RoomWithMembers {
    /// Whether `user_id` is a member.
    pub fn has_member(&self, user_id: &str) -> bool {
        self.members.iter().any(|member| member == user_id)
    }
}

/// Everything needed to create a room.
#[derive(Debug, Clone)]
pub struct NewRoom {
    /// Id to create the room under.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Who may join.
    pub visibility: RoomVisibility,
    /// The creator (always a member).
    pub creator: String,
    /// Other initial members.
    pub members: Vec<String>,
    /// Creation time, ms since the epoch.
    pub now: i64,
}

/// An account as token checks see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    /// Whether it may be used.
    pub status: AccountStatus,
    /// When the user last changed their password (ms since the epoch): access tokens
    /// issued in an earlier second are refused.
    pub signed_out_before: Option<i64>,
    /// Whether the sign-in asked about is not (or no longer) the user's: its tokens are
    /// refused. False when none was asked about.
    pub sign_in_ended: bool,
}

/// Whether an account may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    /// In use.
    Active,
    /// A server admin deactivated it.
    Deactivated,
    /// Its user deleted it.
    Deleted,
}

impl AccountStatus {
    /// The stored `users.closed` value (`None` for an active account).
    pub fn as_closed(self) -> Option<&'static str> {
        match self {
            Self::Active => None,
            Self::Deactivated => Some("deactivated"),
            Self::Deleted => Some("deleted"),
        }
    }
}

/// A report to store (`POST /v1/reports`), checked by the store: the reporter must be a
/// member of the room, and a reported message must be in it.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// Id to store the report under.
    pub id: String,
    /// Who reports.
    pub reporter_id: String,
    /// The room where it happened.
    pub room_id: String,
    /// The message reported, if any.
    pub message_id: Option<String>,
    /// The user reported, if named (else a reported message's sender).
    pub user_id: Option<String>,
    /// Why (already validated).
    pub reason: String,
    /// Time of the report, ms since the epoch.
    pub now: i64,
}

/// What the store writes to the event stream's outbox, in the transaction of each room
/// event. Off unless an event stream is configured (nothing would empty the outbox).
#[derive(Debug, Clone, Copy, Default)]
pub struct EventOutbox {
    /// Write an outbox row for every committed room event.
    pub enabled: bool,
    /// Put message text into the events (`--events-include-content`).
    pub include_content: bool,
}

/// One outbox row waiting to be published.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    /// Its position: rows are published in this order.
    pub id: i64,
    /// The Kafka key.
    pub key: String,
    /// The event JSON.
    pub payload: String,
}

/// One page of messages and whether more exist beyond it.
#[derive(Debug, Clone)]
pub struct Page {
    /// Messages in ascending seq order.
    pub messages: Vec<Message>,
    /// More exist in the direction paged.
    pub has_more: bool,
}

/// Which slice of a room's messages to read.
#[derive(Debug, Clone, Copy)]
pub enum PageRange {
    /// The newest messages.
    Latest,
    /// Messages with seq below this, newest first (returned ascending).
    Before(u64),
    /// Messages with seq above this, oldest first.
    After(u64),
}

/// What a message search asks for.
#[derive(Debug, Clone)]
pub struct SearchFilter {
    /// The words every match has (as `chat_protocol::v1::search_words` gives them).
    pub words: Vec<String>,
    /// Only this room (the caller must be a member, as of every room searched).
    pub room_id: Option<String>,
    /// Only messages with a smaller id (older): the previous page's last match.
    pub before: Option<String>,
    /// At most this many.
    pub limit: u32,
}

/// A member who muted a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutedMember {
    pub user_id: String,
    /// Whether a message that mentions them still notifies them.
    pub mentions: bool,
}

/// Durable storage of users, rooms, events and receipts.
///
/// # Errors
///
/// Every method fails with [`Error::Database`] when the database fails; the writes
/// also fail with the [`Error`] that says why the data does not allow them.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Checks that the database answers (for `/readyz`).
    async fn ping(&self) -> Result<()>;
    /// Creates a local user; [`Error::UsernameTaken`] if the name is taken.
    async fn create_user(&self, user: &UserRecord, now: i64) -> Result<()>;
    /// Finds a user by login name.
    async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>>;
    /// Whether a user id exists.
    async fn user_exists(&self, user_id: &str) -> Result<bool>;
    /// A user's profile by id.
    async fn user_profile(&self, user_id: &str) -> Result<Option<UserProfile>>;
    /// Changes the name a user is shown by and their picture, in one transaction;
    /// `None` when there is no such user. A picture that is not the user's unsent
    /// image upload (or is another's avatar) fails with `AvatarUnusable`, and nothing
    /// changes.
    async fn update_profile(
        &self,
        user_id: &str,
        change: &ProfileChange,
        now: i64,
    ) -> Result<Option<UserProfile>>;
    /// The user's direct rooms, each with the other member: `(room_id, peer_id)`.
    async fn direct_peers(&self, user_id: &str) -> Result<Vec<(String, String)>>;
    /// Creates a password-less user row for an external token's `sub`, named `username`,
    /// unless one exists. Returns whether the user exists afterwards: `false` when the
    /// name is taken (names are unique regardless of case; ids are not), so that the
    /// caller can try another name.
    async fn ensure_external_user(&self, user_id: &str, username: &str, now: i64) -> Result<bool>;

    /// Starts a sign-in (its id is `first_token.family_id`) with its first refresh token.
    async fn start_sign_in(
        &self,
        first_token: &RefreshTokenRecord,
        device_name: Option<&str>,
    ) -> Result<()>;
    /// Presents the token hashed as `presented`, atomically: if it is valid and unused
    /// and its sign-in goes on, marks it used, stores its successor (hashed as
    /// `next_hash`, expiring at `next_expires_at`, in the same family) and notes the
    /// sign-in active at `now`; if it was used already, revokes its family.
    async fn rotate_refresh_token(
        &self,
        presented: &str,
        next_hash: &str,
        next_expires_at: i64,
        now: i64,
    ) -> Result<Rotation>;
    /// Signs out: revokes the family of the token hashed as `presented`, ends its
    /// sign-in with the push devices it registered, and forgets the push device
    /// `device_id` if it belongs to the family's user. Returns the user and the sign-in
    /// ended; unknown tokens are ignored (`None`).
    async fn revoke_refresh_family(
        &self,
        presented: &str,
        now: i64,
        device_id: Option<&str>,
    ) -> Result<Option<(String, String)>>;
    /// Deletes up to `limit` refresh tokens that expired before `now`; returns how many.
    async fn purge_expired_refresh_tokens(&self, now: i64, limit: u32) -> Result<u64>;
    /// The user's sign-ins active at or after `active_since` (ms since the epoch), most
    /// recently active first.
    async fn sign_ins(&self, user_id: &str, active_since: i64) -> Result<Vec<SignInRecord>>;
    /// Ends sign-ins of the user: each with its refresh tokens and the push devices it
    /// registered (ending every one but a sign-in also forgets the devices registered
    /// by none). Returns the ids of those ended.
    async fn end_sign_ins(&self, user_id: &str, which: EndSignIns<'_>) -> Result<Vec<String>>;
    /// Deletes up to `limit` sign-ins last active before `before` (no refresh token of
    /// theirs is valid any more); returns how many.
    async fn purge_lapsed_sign_ins(&self, before: i64, limit: u32) -> Result<u64>;

    /// Creates a room with its members (the creator of a group room is its owner). For a
    /// direct room, returns the existing room of the same pair instead (`false` in the
    /// second field) if there is one, shown again in the creator's list if they had
    /// left it.
    async fn create_room(&self, room: NewRoom) -> Result<(RoomRecord, bool)>;
    /// A room by id.
    async fn room(&self, room_id: &str) -> Result<Option<RoomRecord>>;
    /// The rooms a user is a member of, their favorites first, each part most recent
    /// activity first, starting after `after`, at most `limit`. `archived`: `None` lists
    /// every room, `Some(false)` leaves the archived ones out, `Some(true)` lists only them.
    async fn room_list(
        &self,
        user_id: &str,
        archived: Option<bool>,
        after: Option<&RoomListCursor>,
        limit: u32,
    ) -> Result<Vec<RoomListEntry>>;
    /// One room of a user's list; `None` when they are not a member (or there is no
    /// such room).
    async fn room_entry(&self, user_id: &str, room_id: &str) -> Result<Option<RoomListEntry>>;
    /// Public rooms, newest first, as `user_id` would see them in their list.
    async fn public_rooms(&self, user_id: &str, limit: u32) -> Result<Vec<RoomListEntry>>;
    /// Changes the member's own entry of a room (mute, placement or unread mark); `false`
    /// when the user is not a member.
    async fn change_entry(&self, room_id: &str, user_id: &str, change: EntryChange)
    -> Result<bool>;
    /// Members who muted the room until after `now`, and whether mentions still reach
    /// each of them.
    async fn muted_members(&self, room_id: &str, now: i64) -> Result<Vec<MutedMember>>;
    /// Whether the user is a member of the room.
    async fn is_member(&self, room_id: &str, user_id: &str) -> Result<bool>;
    /// A room by id, and whether the user is a member: one statement where
    /// [`Store::room`] and [`Store::is_member`] are two (every join asks both).
    async fn room_for(&self, room_id: &str, user_id: &str) -> Result<Option<(RoomRecord, bool)>>;
    /// Makes a membership or settings change if the room's rules allow it (a member
    /// joining or added, leaving, removed, banned or unbanned, a role or the settings
    /// changing), with its room events; returns those events in seq order, none when
    /// the change was made already. The rules' refusals are [`Error::Refused`] and
    /// [`Error::NotMember`].
    async fn change_membership(&self, write: MembershipWrite) -> Result<Vec<CommittedEvent>>;
    /// Members of a room with their names and roles, in the order they joined.
    async fn members(&self, room_id: &str) -> Result<Vec<RoomMember>>;
    /// A room's settings and member count, and the user's role in it.
    async fn room_info(&self, room_id: &str, user_id: &str) -> Result<Option<RoomInfo>>;
    /// A room's bans, newest first.
    async fn room_bans(&self, room_id: &str) -> Result<Vec<RoomBan>>;
    /// Whether the account exists (`None`: no such user), may be used, since when its
    /// older access tokens are refused, and whether the sign-in `sign_in` (if any) has
    /// ended.
    async fn account(&self, user_id: &str, sign_in: Option<&str>) -> Result<Option<Account>>;
    /// Whether the account exists (`None`: no such user) and may be used.
    async fn account_status(&self, user_id: &str) -> Result<Option<AccountStatus>> {
        Ok(self
            .account(user_id, None)
            .await?
            .map(|account| account.status))
    }
    /// Replaces the user's password hash and signs every sign-in out: access tokens
    /// issued before `now`'s second are refused from then on, every sign-in and refresh
    /// token is deleted, and so is every push device (the device that changed it registers
    /// again). False when there is no such active user.
    async fn change_password(&self, user_id: &str, password_hash: &str, now: i64) -> Result<bool>;
    /// Grants a password reset: keeps the token hashed as `token_hash` for `user_id`
    /// until `expires_at`, in place of any they had. False when there is no such active
    /// user with a password here.
    async fn grant_password_reset(
        &self,
        user_id: &str,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<bool>;
    /// Whose reset token is hashed as `token_hash`, if it is known and unexpired at
    /// `now`.
    async fn password_reset_user(&self, token_hash: &str, now: i64) -> Result<Option<String>>;
    /// Redeems a reset token: deletes it (known and unexpired at `now`) and changes the
    /// password as [`Store::change_password`] does, in one transaction. Returns the
    /// user; `None` when the token is unknown, expired or used (nothing changes then).
    async fn redeem_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<String>>;
    /// Deletes up to `limit` reset tokens that expired before `now`; returns how many.
    async fn purge_expired_password_resets(&self, now: i64, limit: u32) -> Result<u64>;
    /// Records an invite link of a room (its code's hash only); false (nothing
    /// recorded) when the room has `cap` invites that still work.
    async fn create_invite(&self, invite: &NewInvite, cap: u32) -> Result<bool>;
    /// The room's invites that still work at `now`, newest first.
    async fn room_invites(&self, room_id: &str, now: i64) -> Result<Vec<RoomInvite>>;
    /// Revokes an invite of the room, if `by` made it or `moderator` is true; false when
    /// there is no such invite (or it is not theirs to revoke).
    async fn revoke_invite(
        &self,
        room_id: &str,
        invite_id: &str,
        by: &str,
        moderator: bool,
    ) -> Result<bool>;
    /// What the invite whose code hashes to `code_hash` leads to, as `user_id` sees it,
    /// if it works at `now`.
    async fn invite_preview(
        &self,
        code_hash: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Option<InvitePreview>>;
    /// Deletes up to `limit` invites that expired before `cutoff`; returns how many.
    async fn purge_expired_invites(&self, cutoff: i64, limit: u32) -> Result<u64>;
    /// Closes an account (`status` deactivated or deleted): its refresh tokens and
    /// blocks go; a deleted account's name is freed and its profile reads "Deleted
    /// user". False when there is no such user.
    async fn close_account(&self, user_id: &str, status: AccountStatus) -> Result<bool>;
    /// Up to `limit` of the user's messages that are not deleted, oldest first (in id
    /// order: ids are UUIDv7), after the message `after`: a page of what erasing an
    /// account deletes, or of a data export.
    async fn messages_sent_by(
        &self,
        user_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Message>>;
    /// The user's memberships, in the order they joined (for their data export).
    async fn export_rooms(&self, user_id: &str) -> Result<Vec<ExportedRoom>>;
    /// Up to `limit` of the user's reactions after `after` (`(message id, emoji)` of the
    /// previous page's last), in that order: a page of their data export.
    async fn reactions_by(
        &self,
        user_id: &str,
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<ExportedReaction>>;
    /// Saves a message of `room_id` for the user (`saved`), or takes it out of their
    /// saved messages. [`Error::NoSuchMessage`] when saving a message that is not in the
    /// room or is deleted; saving again keeps the first time.
    async fn set_saved(
        &self,
        user_id: &str,
        room_id: &str,
        message_id: &str,
        saved: bool,
        now: i64,
    ) -> Result<()>;
    /// Up to `limit` of the user's saved messages with when each was saved, most
    /// recently saved first, before `before` (`(saved_at, message id)` of the previous
    /// page's last); deleted messages and those of rooms the user left are left out.
    async fn saved_messages(
        &self,
        user_id: &str,
        before: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<(i64, Message)>>;
    /// Up to `limit` of the user's saves (every row), oldest first, after `after`
    /// (`(saved_at, message id)` of the previous page's last): a page of their data export.
    async fn saves_of(
        &self,
        user_id: &str,
        after: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<ExportedSave>>;
    /// Up to `limit` of the reports the user filed, oldest first, after `after`
    /// (`(created_at, id)` of the previous page's last): a page of their data export.
    async fn reports_filed_by(
        &self,
        user_id: &str,
        after: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<Report>>;
    /// Deletes a room for good (messages, events, members, bans); returns who its
    /// members were, or `None` when there is no such room.
    async fn delete_room(&self, room_id: &str) -> Result<Option<Vec<String>>>;
    /// Reports, newest first: up to `limit` created before `before` (a report's
    /// `created_at` and id, from the previous page).
    async fn reports(&self, before: Option<(i64, String)>, limit: u32) -> Result<Vec<Report>>;
    /// `blocker` blocks `blocked` (again: nothing changes).
    async fn block_user(&self, blocker: &str, blocked: &str, now: i64) -> Result<()>;
    /// Lifts a block (none: nothing changes).
    async fn unblock_user(&self, blocker: &str, blocked: &str) -> Result<()>;
    /// The users `blocker` blocked, most recently blocked first.
    async fn blocked_users(&self, blocker: &str) -> Result<Vec<BlockedUser>>;
    /// The users who blocked `user_id` (their connections get none of its typing).
    async fn blockers_of(&self, user_id: &str) -> Result<Vec<String>>;
    /// Registers a push device for `user_id`, or refreshes it and moves it to them when
    /// its token is known; a user past `MAX_DEVICES_PER_USER` loses the device they
    /// refreshed longest ago.
    async fn register_push_device(
        &self,
        user_id: &str,
        device: &NewPushDevice,
        now: i64,
    ) -> Result<Device>;
    /// Forgets `user_id`'s push device `device_id`; whether it was theirs.
    async fn unregister_push_device(&self, user_id: &str, device_id: &str) -> Result<bool>;
    /// `user_id`'s push devices, most recently registered first.
    async fn push_devices(&self, user_id: &str) -> Result<Vec<Device>>;
    /// The push devices of `room_id`'s members other than `except` (the sender): one
    /// statement, whatever the room's size.
    async fn push_targets(&self, room_id: &str, except: &str) -> Result<Vec<PushTarget>>;
    /// Forgets the device `device_id` if it still has `token`: its push service said
    /// the token is gone. Whether it was deleted.
    async fn prune_push_device(&self, device_id: &str, token: &str) -> Result<bool>;
    /// How many messages each of `user_ids` has not read, over all their rooms (a
    /// push's badge), counted like the room list's `unread_count`; users with none are
    /// left out.
    async fn unread_totals(&self, user_ids: &[String]) -> Result<HashMap<String, u64>>;
    /// Stores a report (see [`NewReport`]) and its event-stream event.
    async fn create_report(&self, report: NewReport) -> Result<Report>;
    /// Ids of users sharing at least one room with `user_id` (excluding them).
    async fn co_members(&self, user_id: &str) -> Result<Vec<String>>;
    /// The user's rooms and [`Store::co_members`] if the user exists, `None` if not: one
    /// statement where [`Store::user_exists`], the rooms and [`Store::co_members`] are
    /// three (every connection asks them all). With `sign_in`, it also says whether that
    /// sign-in is the user's ([`Circle::sign_in_found`]).
    async fn known_user_circle_in(
        &self,
        user_id: &str,
        sign_in: Option<&str>,
    ) -> Result<Option<Circle>>;
    /// [`Store::known_user_circle_in`] without a sign-in.
    async fn known_user_circle(&self, user_id: &str) -> Result<Option<Circle>> {
        self.known_user_circle_in(user_id, None).await
    }
    /// The user's rooms, in id order (none for an unknown user).
    async fn rooms_of(&self, user_id: &str) -> Result<Vec<String>> {
        let circle = self.known_user_circle(user_id).await?;
        Ok(circle.map(|circle| circle.rooms).unwrap_or_default())
    }

    /// Stores a message, or finds the one its author stored earlier under the same
    /// `client_msg_id` (group-committed with concurrent writes).
    async fn send(&self, write: NewMessage) -> Result<Sent>;
    /// Edits or deletes a message as the room event it commits (group-committed too).
    async fn change(&self, write: MessageChange) -> Result<CommittedEvent>;
    /// Room events with `seq > after_seq`, ascending, at most `limit`.
    async fn events_after(
        &self,
        room_id: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<CommittedEvent>>;
    /// A page of messages in their current state, with their reactions.
    async fn messages(&self, room_id: &str, range: PageRange, limit: u32) -> Result<Page>;
    /// The replies to `parent` after `after_seq`, oldest first, with their reactions;
    /// `None` when `parent` is not a message of the room.
    async fn replies(
        &self,
        room_id: &str,
        parent: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Option<Page>>;
    /// The room's pinned messages that are not deleted, most recently pinned first (at
    /// most 100).
    async fn pins(&self, room_id: &str) -> Result<Vec<PinnedMessage>>;
    /// Messages matching a search in rooms the user is a member of, newest first.
    async fn search(&self, user_id: &str, filter: &SearchFilter) -> Result<Vec<Message>>;

    /// Records an upload; `false` (nothing recorded) when the uploader's stored bytes
    /// would then pass `quota`.
    async fn create_attachment(&self, record: &AttachmentRecord, quota: u64) -> Result<bool>;
    /// Bytes of the user's attachments stored now (what counts against the quota).
    async fn attachment_bytes(&self, user_id: &str) -> Result<u64>;
    /// The attachments `ids` that exist and are not deleted, as the send of
    /// `client_msg_id` by `sender` sees them (whether that very send stored them).
    async fn attachments_for_send(
        &self,
        ids: &[String],
        sender: &str,
        client_msg_id: &str,
    ) -> Result<Vec<AttachmentForSend>>;
    /// The attachment, not deleted, if `user_id` uploaded it or is a member of the room
    /// it was sent to; `None` for `user_id` skips that check (a signed link's holder).
    async fn attachment(&self, id: &str, user_id: Option<&str>)
    -> Result<Option<AttachmentRecord>>;
    /// Dooms the uploads never sent before `unsent_before`, then lists at most `limit`
    /// doomed attachments (deleted messages' and rooms', expired uploads), whose files
    /// are to be removed.
    async fn doomed_attachments(
        &self,
        now: i64,
        unsent_before: i64,
        limit: u32,
    ) -> Result<Vec<AttachmentRecord>>;
    /// Forgets doomed attachments whose files are gone.
    async fn forget_attachments(&self, ids: &[String]) -> Result<()>;

    /// Raises a member's receipt (`read` raises `delivered` too); a `read` one also takes
    /// away the member's mark as unread, whether or not it advanced.
    async fn set_receipt(
        &self,
        room_id: &str,
        user_id: &str,
        seq: u64,
        kind: ReceiptKind,
    ) -> Result<ReceiptChange>;
    /// A room with its member ids and receipts, in one statement where [`Store::room`]
    /// and reading the members and receipts would be three (every join asks them).
    async fn room_with_members(&self, room_id: &str) -> Result<Option<RoomWithMembers>>;

    /// Adds an event about no stored change (presence) to the outbox, when the event
    /// stream is on.
    async fn append_event(&self, event: &crate::events::schema::OutboxEvent) -> Result<()>;
    /// The oldest `limit` outbox rows, in order.
    async fn outbox_batch(&self, limit: u32) -> Result<Vec<OutboxRow>>;
    /// Removes published rows (every row with `id <= up_to`).
    async fn outbox_delete(&self, up_to: i64) -> Result<()>;
    /// How many rows wait to be published.
    async fn outbox_len(&self) -> Result<u64>;
    /// Whether this process should run the outbox relay now: one process of a cluster
    /// at a time, so that one room's events are published in order.
    async fn lead_relay(&self) -> Result<bool>;

    /// Finishes in-flight commits and refuses new writes. Called once at shutdown.
    async fn close(&self);
}
