//! Invite links for JavaScript: each method delegates to the SDK.

use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::client::{ChatClient, typed, typed_all};
use crate::convert::{InvitePreview, RoomInvite};
use crate::error::to_js;

type Result<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen]
impl ChatClient {
    /// A new invite to the room (`expiresInSecs`: 60 to 2592000, 7 days when left out;
    /// `maxUses`: 1 to 1000, any number when left out); share its `code`, shown only now.
    #[wasm_bindgen(js_name = createInvite)]
    pub async fn create_invite(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = expiresInSecs)] expires_in_secs: Option<u32>,
        #[wasm_bindgen(js_name = maxUses)] max_uses: Option<u32>,
    ) -> Result<Ts<RoomInvite>> {
        let invite = self
            .inner
            .create_invite(&room_id, expires_in_secs.map(u64::from), max_uses)
            .await
            .map_err(to_js)?;
        typed(&RoomInvite::from(invite))
    }

    /// The room's invites that still work, newest first (without their codes).
    pub async fn invites(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
    ) -> Result<Vec<Ts<RoomInvite>>> {
        let invites = self.inner.invites(&room_id).await.map_err(to_js)?;
        typed_all(invites.into_iter().map(RoomInvite::from))
    }

    /// Revokes an invite (one's own, or any as an owner or admin).
    #[wasm_bindgen(js_name = revokeInvite)]
    pub async fn revoke_invite(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = inviteId)] invite_id: String,
    ) -> Result<()> {
        self.inner
            .revoke_invite(&room_id, &invite_id)
            .await
            .map_err(to_js)
    }

    /// The room an invite's code leads to, to show before joining.
    #[wasm_bindgen(js_name = invitePreview)]
    pub async fn invite_preview(&self, code: String) -> Result<Ts<InvitePreview>> {
        let preview = self.inner.invite_preview(&code).await.map_err(to_js)?;
        typed(&InvitePreview::from(preview))
    }

    /// Joins the room behind an invite's code; resolves to its id (already in `roomList()`).
    #[wasm_bindgen(js_name = joinWithInvite)]
    pub async fn join_with_invite(&self, code: String) -> Result<String> {
        self.inner.join_with_invite(&code).await.map_err(to_js)
    }
}
