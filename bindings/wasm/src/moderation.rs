//! Membership and moderation for JavaScript: each method delegates to the SDK.

use chat_protocol::v1::{MemberRole, WhoCanAdd};
use chat_sdk::cache::RoomNotice;
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::client::{ChatClient, seq_arg, typed, typed_all};
use crate::convert::{RoomBan, RoomDetails, RoomMember};
use crate::error::{bad_argument, to_js};

type Result<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen]
impl ChatClient {
    /// Ends the user's membership of a room on every device (`leaveRoom` only stops
    /// following it here). A direct room is hidden until its next message.
    #[wasm_bindgen(js_name = endMembership)]
    pub async fn end_membership(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
    ) -> Result<()> {
        self.inner.end_membership(&room_id).await.map_err(to_js)
    }

    /// Removes a member (owners and admins; `code: "forbidden"` otherwise).
    #[wasm_bindgen(js_name = removeMember)]
    pub async fn remove_member(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = userId)] user_id: String,
    ) -> Result<()> {
        self.inner
            .remove_member(&room_id, &user_id)
            .await
            .map_err(to_js)
    }

    /// Makes a member an admin (`role: "admin"`), or an admin a member again.
    #[wasm_bindgen(js_name = setMemberRole)]
    pub async fn set_member_role(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = userId)] user_id: String,
        role: Ts<MemberRole>,
    ) -> Result<()> {
        let role: MemberRole = role.to_rust().map_err(|e| bad_argument("role", e))?;
        let changed = self.inner.set_member_role(&room_id, &user_id, role).await;
        changed.map_err(to_js)
    }

    /// Bans a user from a room (removing them) until `unbanUser`.
    #[wasm_bindgen(js_name = banUser)]
    pub async fn ban_user(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = userId)] user_id: String,
        reason: Option<String>,
    ) -> Result<()> {
        let banned = self.inner.ban_user(&room_id, &user_id, reason).await;
        banned.map_err(to_js)
    }

    /// Lifts a ban.
    #[wasm_bindgen(js_name = unbanUser)]
    pub async fn unban_user(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = userId)] user_id: String,
    ) -> Result<()> {
        self.inner
            .unban_user(&room_id, &user_id)
            .await
            .map_err(to_js)
    }

    /// The room's bans, newest first (owners and admins).
    #[wasm_bindgen(js_name = roomBans)]
    pub async fn room_bans(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
    ) -> Result<Vec<Ts<RoomBan>>> {
        let bans = self.inner.room_bans(&room_id).await.map_err(to_js)?;
        typed_all(bans.into_iter().map(RoomBan::from))
    }

    /// The room's settings, member count and the user's own role.
    #[wasm_bindgen(js_name = roomDetails)]
    pub async fn room_details(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
    ) -> Result<Ts<RoomDetails>> {
        let details = self.inner.room_details(&room_id).await.map_err(to_js)?;
        typed(&RoomDetails::from(details))
    }

    /// Changes the room's name, topic or who may add members (`undefined`: unchanged).
    #[wasm_bindgen(js_name = updateRoom)]
    pub async fn update_room(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        name: Option<String>,
        topic: Option<String>,
        #[wasm_bindgen(js_name = whoCanAdd)] who_can_add: Option<Ts<WhoCanAdd>>,
    ) -> Result<Ts<RoomDetails>> {
        let who_can_add: Option<WhoCanAdd> = who_can_add
            .map(|w| w.to_rust().map_err(|e| bad_argument("whoCanAdd", e)))
            .transpose()?;
        let updated = self
            .inner
            .update_room(&room_id, name, topic, who_can_add)
            .await;
        typed(&RoomDetails::from(updated.map_err(to_js)?))
    }

    /// The room's members with their roles as the cache holds them (offline too).
    #[wasm_bindgen(js_name = cachedMembers)]
    pub fn cached_members(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
    ) -> Result<Vec<Ts<RoomMember>>> {
        let members = self.inner.cached_members(&room_id).map_err(to_js)?;
        typed_all(members.into_iter().map(RoomMember::from))
    }

    /// Cached membership and settings notices, oldest first (same paging as
    /// `messages`): show them among the messages by seq.
    pub fn notices(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        #[wasm_bindgen(js_name = beforeSeq)] before_seq: Option<f64>,
        limit: u32,
    ) -> Result<Vec<Ts<RoomNotice>>> {
        let before_seq = before_seq
            .map(|seq| seq_arg("beforeSeq", seq))
            .transpose()?;
        let notices = self
            .inner
            .notices(&room_id, before_seq, limit)
            .map_err(to_js)?;
        typed_all(notices)
    }
}
