//! Blocks and reports for JavaScript: each method delegates to the SDK.

use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::client::{ChatClient, typed, typed_all};
use crate::convert::{BlockedUser, Report};
use crate::error::to_js;

type Result<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen]
impl ChatClient {
    /// Blocks a user (their messages then read as `senderBlocked`).
    #[wasm_bindgen(js_name = blockUser)]
    pub async fn block_user(
        &self,
        #[wasm_bindgen(js_name = userId)] user_id: String,
    ) -> Result<()> {
        self.inner.block_user(&user_id).await.map_err(to_js)
    }

    /// Lifts a block.
    #[wasm_bindgen(js_name = unblockUser)]
    pub async fn unblock_user(
        &self,
        #[wasm_bindgen(js_name = userId)] user_id: String,
    ) -> Result<()> {
        self.inner.unblock_user(&user_id).await.map_err(to_js)
    }

    /// The users this user blocked, most recently blocked first.
    #[wasm_bindgen(js_name = blockedUsers)]
    pub async fn blocked_users(&self) -> Result<Vec<Ts<BlockedUser>>> {
        let blocks = self.inner.blocked_users().await.map_err(to_js)?;
        typed_all(blocks.into_iter().map(BlockedUser::from))
    }

    /// Reports a message (`messageId`), a user (`userId`) or the room to the server's
    /// admins.
    pub async fn report(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = messageId)] message_id: Option<String>,
        #[wasm_bindgen(js_name = userId)] user_id: Option<String>,
        reason: String,
    ) -> Result<Ts<Report>> {
        let report = self
            .inner
            .report(&room_id, message_id, user_id, &reason)
            .await
            .map_err(to_js)?;
        typed(&Report::from(report))
    }
}
