//! Profiles and pictures for Kotlin and Swift: each method delegates to the SDK.

use chat_protocol::v1::{RoomDetails, UserProfile};

use crate::client::ChatClient;
use crate::error::ChatError;
use crate::runtime::on_runtime;

type Result<T, E = ChatError> = std::result::Result<T, E>;

#[uniffi::export]
impl ChatClient {
    /// The user's own profile, as everyone else sees it.
    pub async fn my_profile(&self) -> Result<UserProfile> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.my_profile().await }).await
    }

    /// Anyone's profile by id.
    pub async fn user_profile(&self, user_id: String) -> Result<UserProfile> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.user_profile(&user_id).await }).await
    }

    /// Sets the name the user is shown by (1–64 characters once trimmed).
    pub async fn set_display_name(&self, display_name: String) -> Result<UserProfile> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.set_display_name(&display_name).await }).await
    }

    /// Uploads an image (JPEG, PNG, WebP or GIF) and makes it the user's picture; show
    /// it with `thumbnail(avatarId, …)`.
    pub async fn set_avatar(
        &self,
        bytes: Vec<u8>,
        name: String,
        mime: String,
    ) -> Result<UserProfile> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.set_avatar(bytes, &name, &mime).await }).await
    }

    /// Removes the user's picture.
    pub async fn remove_avatar(&self) -> Result<UserProfile> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.remove_avatar().await }).await
    }

    /// Uploads an image and makes it the room's picture (its owner and admins may).
    pub async fn set_room_avatar(
        &self,
        room_id: String,
        bytes: Vec<u8>,
        name: String,
        mime: String,
    ) -> Result<RoomDetails> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.set_room_avatar(&room_id, bytes, &name, &mime).await }).await
    }

    /// Removes the room's picture (its owner and admins may).
    pub async fn remove_room_avatar(&self, room_id: String) -> Result<RoomDetails> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.remove_room_avatar(&room_id).await }).await
    }
}
