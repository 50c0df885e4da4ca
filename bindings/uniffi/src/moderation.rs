//! Membership and moderation for Kotlin and Swift: each method delegates to the SDK.

use chat_protocol::v1::{MemberRole, RoomBan, RoomDetails, RoomMember, WhoCanAdd};
use chat_sdk::cache::RoomNotice;

use crate::client::ChatClient;
use crate::error::ChatError;
use crate::runtime::on_runtime;

type Result<T, E = ChatError> = std::result::Result<T, E>;

#[uniffi::export]
impl ChatClient {
    /// Ends the user's membership of a room on every device (`leave_room` only stops
    /// following it here). A direct room is hidden until its next message.
    pub async fn end_membership(&self, room_id: String) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.end_membership(&room_id).await }).await
    }

    /// Removes a member (owners and admins; `Server(code = Forbidden)` otherwise).
    pub async fn remove_member(&self, room_id: String, user_id: String) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.remove_member(&room_id, &user_id).await }).await
    }

    /// Makes a member an admin, or an admin a member again.
    pub async fn set_member_role(
        &self,
        room_id: String,
        user_id: String,
        role: MemberRole,
    ) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.set_member_role(&room_id, &user_id, role).await }).await
    }

    /// Bans a user from a room (removing them) until `unban_user`.
    pub async fn ban_user(
        &self,
        room_id: String,
        user_id: String,
        reason: Option<String>,
    ) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.ban_user(&room_id, &user_id, reason).await }).await
    }

    /// Lifts a ban.
    pub async fn unban_user(&self, room_id: String, user_id: String) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.unban_user(&room_id, &user_id).await }).await
    }

    /// The room's bans, newest first (owners and admins).
    pub async fn room_bans(&self, room_id: String) -> Result<Vec<RoomBan>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.room_bans(&room_id).await }).await
    }

    /// The room's settings, member count and the user's own role.
    pub async fn room_details(&self, room_id: String) -> Result<RoomDetails> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.room_details(&room_id).await }).await
    }

    /// Changes the room's name, topic or who may add members (`null`: unchanged).
    pub async fn update_room(
        &self,
        room_id: String,
        name: Option<String>,
        topic: Option<String>,
        who_can_add: Option<WhoCanAdd>,
    ) -> Result<RoomDetails> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.update_room(&room_id, name, topic, who_can_add).await }).await
    }

    /// The room's members with their roles as the cache holds them (offline too).
    pub fn cached_members(&self, room_id: String) -> Result<Vec<RoomMember>> {
        Ok(self.inner.cached_members(&room_id)?)
    }

    /// Cached membership and settings notices, oldest first (same paging as
    /// `messages`): show them among the messages by seq.
    pub fn notices(
        &self,
        room_id: String,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<RoomNotice>> {
        Ok(self.inner.notices(&room_id, before_seq, limit)?)
    }
}
