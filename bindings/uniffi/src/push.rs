//! Push registration and muting for Kotlin and Swift: each method delegates to the SDK.

use chat_protocol::v1::{Device, PushEnvironment, PushPlatform};

use crate::client::ChatClient;
use crate::error::ChatError;
use crate::runtime::on_runtime;

type Result<T, E = ChatError> = std::result::Result<T, E>;

#[uniffi::export]
impl ChatClient {
    /// Registers this install's APNs device token (hex) or FCM registration token; call
    /// it at every app start and from `onNewToken` / `didRegisterForRemoteNotifications`.
    /// It is kept and registered again after each sign-in.
    pub async fn register_push_token(
        &self,
        platform: PushPlatform,
        token: String,
        app_id: Option<String>,
        environment: Option<PushEnvironment>,
    ) -> Result<Device> {
        let inner = self.inner.clone();
        on_runtime(async move {
            inner
                .register_push_token(platform, &token, app_id, environment)
                .await
        })
        .await
    }

    /// Stops notifications to this install and forgets its token.
    pub async fn unregister_push(&self) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.unregister_push().await }).await
    }

    /// The server's VAPID public key (base64url), or `null`/`nil` when it does not send
    /// Web Push (a web view subscribing to push needs it).
    pub async fn vapid_public_key(&self) -> Result<Option<String>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.vapid_public_key().await }).await
    }

    /// Mutes a room until `until` (ms since the epoch), or unmutes it with `null`/`nil`;
    /// with `mentions`, a message that mentions the user still notifies them.
    pub async fn set_mute(
        &self,
        room_id: String,
        until: Option<i64>,
        mentions: bool,
    ) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.set_mute(&room_id, until, mentions).await }).await
    }

    /// The signed-in user's push devices, most recently registered first.
    pub async fn push_devices(&self) -> Result<Vec<Device>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.push_devices().await }).await
    }
}
