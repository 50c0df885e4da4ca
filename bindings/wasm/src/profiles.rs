//! Profiles and pictures for JavaScript: each method delegates to the SDK.

use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::attachments::read_blob;
use crate::client::{ChatClient, typed};
use crate::convert::{RoomDetails, UserProfile};
use crate::error::to_js;

type Result<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen]
impl ChatClient {
    /// The user's own profile, as everyone else sees it.
    #[wasm_bindgen(js_name = myProfile)]
    pub async fn my_profile(&self) -> Result<Ts<UserProfile>> {
        let profile = self.inner.my_profile().await.map_err(to_js)?;
        typed(&UserProfile::from(profile))
    }

    /// Anyone's profile by id.
    #[wasm_bindgen(js_name = userProfile)]
    pub async fn user_profile(
        &self,
        #[wasm_bindgen(js_name = userId)] user_id: String,
    ) -> Result<Ts<UserProfile>> {
        let profile = self.inner.user_profile(&user_id).await.map_err(to_js)?;
        typed(&UserProfile::from(profile))
    }

    /// Sets the name the user is shown by (1–64 characters once trimmed).
    #[wasm_bindgen(js_name = setDisplayName)]
    pub async fn set_display_name(
        &self,
        #[wasm_bindgen(js_name = displayName)] display_name: String,
    ) -> Result<Ts<UserProfile>> {
        let profile = self
            .inner
            .set_display_name(&display_name)
            .await
            .map_err(to_js)?;
        typed(&UserProfile::from(profile))
    }

    /// Uploads an image (JPEG, PNG, WebP or GIF: a `File` from an `<input type=file>`,
    /// or any `Blob`) and makes it the user's picture; show it with
    /// `thumbnail(avatarId, "small")`.
    #[wasm_bindgen(js_name = setAvatar)]
    pub async fn set_avatar(&self, file: web_sys::Blob) -> Result<Ts<UserProfile>> {
        let file = read_blob(&file, None).await?;
        let profile = self
            .inner
            .set_avatar(file.bytes, &file.name, &file.mime)
            .await
            .map_err(to_js)?;
        typed(&UserProfile::from(profile))
    }

    /// Removes the user's picture.
    #[wasm_bindgen(js_name = removeAvatar)]
    pub async fn remove_avatar(&self) -> Result<Ts<UserProfile>> {
        let profile = self.inner.remove_avatar().await.map_err(to_js)?;
        typed(&UserProfile::from(profile))
    }

    /// Uploads an image (a `File` or `Blob`) and makes it the room's picture (its owner
    /// and admins may).
    #[wasm_bindgen(js_name = setRoomAvatar)]
    pub async fn set_room_avatar(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        file: web_sys::Blob,
    ) -> Result<Ts<RoomDetails>> {
        let file = read_blob(&file, None).await?;
        let details = self
            .inner
            .set_room_avatar(&room_id, file.bytes, &file.name, &file.mime)
            .await
            .map_err(to_js)?;
        typed(&RoomDetails::from(details))
    }

    /// Removes the room's picture (its owner and admins may).
    #[wasm_bindgen(js_name = removeRoomAvatar)]
    pub async fn remove_room_avatar(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
    ) -> Result<Ts<RoomDetails>> {
        let details = self
            .inner
            .remove_room_avatar(&room_id)
            .await
            .map_err(to_js)?;
        typed(&RoomDetails::from(details))
    }
}
