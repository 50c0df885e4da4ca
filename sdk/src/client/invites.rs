//! Invite links: making a link to a group room (its owner and admins, or any member
//! where members may add others), listing and revoking them, and seeing and joining
//! the room behind a code someone shared.

use chat_protocol::v1::{CreateInviteRequest, InviteList, InvitePreview, JoinedRoom, RoomInvite};
use reqwest::Method;

use super::{ChatClient, ClientError};

/// No body.
const NONE: Option<&()> = None;

impl ChatClient {
    /// A new invite to the room: `expires_in_secs` (60 s to 30 days; 7 days when
    /// `None`) and `max_uses` (1 to 1000; any number when `None`). The answer carries
    /// the `code` to share: the only time it is shown.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not allowed to add members here, or a direct room),
    /// `invalid_request` (a lifetime or count out of range), `not_found`;
    /// `NotSignedIn`, `Network`.
    pub async fn create_invite(
        &self,
        room_id: &str,
        expires_in_secs: Option<u64>,
        max_uses: Option<u32>,
    ) -> Result<RoomInvite, ClientError> {
        let body = CreateInviteRequest {
            expires_in_secs,
            max_uses,
        };
        let path = ["v1", "rooms", room_id, "invites"];
        let invite: Option<RoomInvite> = self.request(Method::POST, &path, Some(&body)).await?;
        invite.ok_or_else(|| ClientError::Network("empty answer".into()))
    }

    /// The room's invites that still work, newest first (without their codes).
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` or `not_found`; `NotSignedIn`, `Network`.
    pub async fn invites(&self, room_id: &str) -> Result<Vec<RoomInvite>, ClientError> {
        let path = ["v1", "rooms", room_id, "invites"];
        let list: Option<InviteList> = self.request(Method::GET, &path, NONE).await?;
        Ok(list.map(|list| list.invites).unwrap_or_default())
    }

    /// Revokes an invite (one's own, or any as the room's owner or an admin).
    ///
    /// # Errors
    ///
    /// `Server` with `not_found` (no such invite the user may revoke); `NotSignedIn`,
    /// `Network`.
    pub async fn revoke_invite(&self, room_id: &str, invite_id: &str) -> Result<(), ClientError> {
        let path = ["v1", "rooms", room_id, "invites", invite_id];
        let _: Option<serde_json::Value> = self.request(Method::DELETE, &path, NONE).await?;
        Ok(())
    }

    /// The room an invite's code leads to (name, picture, member count), to show
    /// before joining.
    ///
    /// # Errors
    ///
    /// `Server` with `not_found` (no such invite, or it expired, was used up or
    /// revoked); `NotSignedIn`, `Network`.
    pub async fn invite_preview(&self, code: &str) -> Result<InvitePreview, ClientError> {
        let preview: Option<InvitePreview> = self
            .request(Method::GET, &["v1", "invites", code], NONE)
            .await?;
        preview.ok_or_else(|| ClientError::Network("empty answer".into()))
    }

    /// Joins the room behind an invite's code; returns its id. The room list is read
    /// again, so the room is there at once; follow it with `join_room`.
    ///
    /// # Errors
    ///
    /// `Server` with `not_found` (the invite no longer works) or `forbidden` (banned
    /// from the room); `NotSignedIn`, `Network`.
    pub async fn join_with_invite(&self, code: &str) -> Result<String, ClientError> {
        let path = ["v1", "invites", code, "join"];
        let joined: Option<JoinedRoom> = self.request(Method::POST, &path, NONE).await?;
        let room_id = joined
            .ok_or_else(|| ClientError::Network("empty answer".into()))?
            .room_id
            .into_string();
        // The room's `room_updated` comes too; reading the list now makes it instant.
        if let Err(error) = self.refresh_room_list().await {
            tracing::debug!(%error, "room list not read again after joining with an invite");
        }
        Ok(room_id)
    }
}
