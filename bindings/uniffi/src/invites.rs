//! Invite links for Kotlin and Swift: each method delegates to the SDK.

use chat_protocol::v1::{InvitePreview, RoomInvite};

use crate::client::ChatClient;
use crate::error::ChatError;
use crate::runtime::on_runtime;

type Result<T, E = ChatError> = std::result::Result<T, E>;

#[uniffi::export]
impl ChatClient {
    /// A new invite to the room (`null`/`nil`: 7 days, any number of uses); share its
    /// `code`, which is shown only now.
    pub async fn create_invite(
        &self,
        room_id: String,
        expires_in_secs: Option<u64>,
        max_uses: Option<u32>,
    ) -> Result<RoomInvite> {
        let inner = self.inner.clone();
        on_runtime(async move {
            inner
                .create_invite(&room_id, expires_in_secs, max_uses)
                .await
        })
        .await
    }

    /// The room's invites that still work, newest first (without their codes).
    pub async fn invites(&self, room_id: String) -> Result<Vec<RoomInvite>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.invites(&room_id).await }).await
    }

    /// Revokes an invite (one's own, or any as an owner or admin).
    pub async fn revoke_invite(&self, room_id: String, invite_id: String) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.revoke_invite(&room_id, &invite_id).await }).await
    }

    /// The room an invite's code leads to, to show before joining.
    pub async fn invite_preview(&self, code: String) -> Result<InvitePreview> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.invite_preview(&code).await }).await
    }

    /// Joins the room behind an invite's code; returns its id (already in the room list).
    pub async fn join_with_invite(&self, code: String) -> Result<String> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.join_with_invite(&code).await }).await
    }
}
