//! Membership and moderation: leaving a room for good, roles, kicks, bans and room
//! settings (REST calls), and the room's membership and settings notices from the cache.

use chat_protocol::v1::{
    BanList, BanRequest, MemberRole, RoomBan, RoomDetails, SetRoleRequest, UpdateRoomRequest,
    WhoCanAdd,
};
use reqwest::Method;

use super::{ChatClient, ClientError};
use crate::cache::RoomNotice;

/// No body.
const NONE: Option<&()> = None;

impl ChatClient {
    /// Ends the user's membership of a room (unlike [`ChatClient::leave_room`], which
    /// only stops following it on this device). Every device of the user gets
    /// [`super::ClientEvent::MembershipEnded`]; an owner's role passes to the
    /// longest-standing admin, else member. A direct room is only hidden from the list
    /// until its next message.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not a member) or `not_found`; `NotSignedIn`, `Network`.
    pub async fn end_membership(&self, room_id: &str) -> Result<(), ClientError> {
        let _: Option<serde_json::Value> = self
            .request(Method::POST, &["v1", "rooms", room_id, "leave"], NONE)
            .await?;
        Ok(())
    }

    /// Removes a member (owners and admins; admins remove members only).
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not allowed), `not_found` (not a member),
    /// `invalid_request` (oneself); `NotSignedIn`, `Network`.
    pub async fn remove_member(&self, room_id: &str, user_id: &str) -> Result<(), ClientError> {
        let path = ["v1", "rooms", room_id, "members", user_id];
        let _: Option<serde_json::Value> = self.request(Method::DELETE, &path, NONE).await?;
        Ok(())
    }

    /// Makes a member an admin, or an admin a member again (owners and admins; only the
    /// owner demotes admins).
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden`, `not_found`, `invalid_request`; `NotSignedIn`, `Network`.
    pub async fn set_member_role(
        &self,
        room_id: &str,
        user_id: &str,
        role: MemberRole,
    ) -> Result<(), ClientError> {
        let path = ["v1", "rooms", room_id, "members", user_id, "role"];
        let body = SetRoleRequest { role };
        let _: Option<serde_json::Value> = self.request(Method::PUT, &path, Some(&body)).await?;
        Ok(())
    }

    /// Bans a user from a room (removing them if they are a member) until
    /// [`ChatClient::unban_user`]; `reason` is for the room's admins.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden`, `not_found` (no such user), `invalid_request` (a
    /// reason over 500 characters); `NotSignedIn`, `Network`.
    pub async fn ban_user(
        &self,
        room_id: &str,
        user_id: &str,
        reason: Option<String>,
    ) -> Result<(), ClientError> {
        let body = BanRequest {
            user_id: user_id.into(),
            reason,
        };
        let path = ["v1", "rooms", room_id, "bans"];
        let _: Option<serde_json::Value> = self.request(Method::POST, &path, Some(&body)).await?;
        Ok(())
    }

    /// Lifts a ban; the user may then join or be added again.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden`; `NotSignedIn`, `Network`.
    pub async fn unban_user(&self, room_id: &str, user_id: &str) -> Result<(), ClientError> {
        let path = ["v1", "rooms", room_id, "bans", user_id];
        let _: Option<serde_json::Value> = self.request(Method::DELETE, &path, NONE).await?;
        Ok(())
    }

    /// The room's bans, newest first (owners and admins).
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden`; `NotSignedIn`, `Network`.
    pub async fn room_bans(&self, room_id: &str) -> Result<Vec<RoomBan>, ClientError> {
        let path = ["v1", "rooms", room_id, "bans"];
        let list: Option<BanList> = self.request(Method::GET, &path, NONE).await?;
        Ok(list.map(|l| l.bans).unwrap_or_default())
    }

    /// The room's settings, member count and the user's own role.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not a member) or `not_found`; `NotSignedIn`, `Network`.
    pub async fn room_details(&self, room_id: &str) -> Result<RoomDetails, ClientError> {
        let details: Option<RoomDetails> = self
            .request(Method::GET, &["v1", "rooms", room_id], NONE)
            .await?;
        details.ok_or_else(|| ClientError::Network("empty answer".into()))
    }

    /// Changes a room's name, topic (`""` removes it) or who may add members (owners
    /// and admins); `None` leaves a setting as it is. The room's members get a
    /// [`super::ClientEvent::Notice`] naming what changed.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden`, `invalid_request` (nothing to change, a bad name or
    /// topic); `NotSignedIn`, `Network`.
    pub async fn update_room(
        &self,
        room_id: &str,
        name: Option<String>,
        topic: Option<String>,
        who_can_add: Option<WhoCanAdd>,
    ) -> Result<RoomDetails, ClientError> {
        let body = UpdateRoomRequest {
            name,
            topic,
            who_can_add,
            avatar_id: None,
        };
        let details: Option<RoomDetails> = self
            .request(Method::PATCH, &["v1", "rooms", room_id], Some(&body))
            .await?;
        details.ok_or_else(|| ClientError::Network("empty answer".into()))
    }

    /// The room's membership and settings notices ("Bob left") the cache holds, oldest
    /// first: up to `limit` with seq below `before_seq` (the newest when `None`). Show
    /// them among the messages of the same seq range.
    ///
    /// # Errors
    ///
    /// `Cache`.
    pub fn notices(
        &self,
        room_id: &str,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<RoomNotice>, ClientError> {
        let cache = self.shared.cache.lock().expect("cache lock");
        Ok(cache.notices(room_id, before_seq, limit)?)
    }
}
