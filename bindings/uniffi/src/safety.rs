//! Blocks and reports for Kotlin and Swift: each method delegates to the SDK.

use chat_protocol::v1::{BlockedUser, Report};

use crate::client::ChatClient;
use crate::error::ChatError;
use crate::runtime::on_runtime;

type Result<T, E = ChatError> = std::result::Result<T, E>;

#[uniffi::export]
impl ChatClient {
    /// Blocks a user (their messages then read as `senderBlocked`).
    pub async fn block_user(&self, user_id: String) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.block_user(&user_id).await }).await
    }

    /// Lifts a block.
    pub async fn unblock_user(&self, user_id: String) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.unblock_user(&user_id).await }).await
    }

    /// The users this user blocked, most recently blocked first.
    pub async fn blocked_users(&self) -> Result<Vec<BlockedUser>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.blocked_users().await }).await
    }

    /// Reports a message, a user or the room to the server's admins.
    pub async fn report(
        &self,
        room_id: String,
        message_id: Option<String>,
        user_id: Option<String>,
        reason: String,
    ) -> Result<Report> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.report(&room_id, message_id, user_id, &reason).await }).await
    }
}
