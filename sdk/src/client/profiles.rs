//! Profiles: the user's own (the name they are shown by and their picture) and
//! anyone's, and rooms' pictures. A picture is uploaded, then named in the profile or
//! the room's settings; apps show it with `thumbnail(avatar_id, …)`, which caches it.

use chat_protocol::v1::{
    Attachment, RoomDetails, UpdateProfileRequest, UpdateRoomRequest, UserProfile,
};
use reqwest::Method;

use super::{ChatClient, ClientError, MAX_FILE_BYTES};

/// No body.
const NONE: Option<&()> = None;

impl ChatClient {
    /// The user's own profile, as everyone else sees it.
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Network`, `Server`.
    pub async fn my_profile(&self) -> Result<UserProfile, ClientError> {
        self.profile_at(&["v1", "users", "me"]).await
    }

    /// Anyone's profile by id (to show who wrote a message).
    ///
    /// # Errors
    ///
    /// `Server` with `not_found` (no such user); `NotSignedIn`, `Network`.
    pub async fn user_profile(&self, user_id: &str) -> Result<UserProfile, ClientError> {
        self.profile_at(&["v1", "users", user_id]).await
    }

    /// Sets the name the user is shown by: 1–64 characters once trimmed, no control
    /// characters. Everyone who shares a room with the user hears of it
    /// (`UserUpdated`).
    ///
    /// # Errors
    ///
    /// `Server` with `invalid_request` (a bad name); `NotSignedIn`, `Network`.
    pub async fn set_display_name(&self, display_name: &str) -> Result<UserProfile, ClientError> {
        self.update_profile(UpdateProfileRequest {
            display_name: Some(display_name.to_owned()),
            avatar_id: None,
        })
        .await
    }

    /// Uploads an image (JPEG, PNG, WebP or GIF; `name` and `mime` as for a sent file)
    /// and makes it the user's picture, in place of the one before (which the server
    /// then deletes).
    ///
    /// # Errors
    ///
    /// `TooLarge`; `Server` with `unsupported_type` or `invalid_request` (not an
    /// image), `too_large` (over the server's limit or the user's quota),
    /// `rate_limited`; `NotSignedIn`, `Network`.
    pub async fn set_avatar(
        &self,
        bytes: Vec<u8>,
        name: &str,
        mime: &str,
    ) -> Result<UserProfile, ClientError> {
        let upload = self.upload_picture(bytes, name, mime).await?;
        self.update_profile(UpdateProfileRequest {
            display_name: None,
            avatar_id: Some(upload.attachment_id.into_string()),
        })
        .await
    }

    /// Removes the user's picture.
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Network`, `Server`.
    pub async fn remove_avatar(&self) -> Result<UserProfile, ClientError> {
        self.update_profile(UpdateProfileRequest {
            display_name: None,
            avatar_id: Some(String::new()),
        })
        .await
    }

    /// Uploads an image and makes it the room's picture (its owner and admins may);
    /// the members hear of it as a room notice, and their room lists show it.
    ///
    /// # Errors
    ///
    /// As for [`Self::set_avatar`], and `Server` with `forbidden` (not an owner or
    /// admin, or a direct room, whose picture is the other member's).
    pub async fn set_room_avatar(
        &self,
        room_id: &str,
        bytes: Vec<u8>,
        name: &str,
        mime: &str,
    ) -> Result<RoomDetails, ClientError> {
        let upload = self.upload_picture(bytes, name, mime).await?;
        self.change_room_avatar(room_id, upload.attachment_id.into_string())
            .await
    }

    /// Removes the room's picture (its owner and admins may).
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden`; `NotSignedIn`, `Network`.
    pub async fn remove_room_avatar(&self, room_id: &str) -> Result<RoomDetails, ClientError> {
        self.change_room_avatar(room_id, String::new()).await
    }

    async fn profile_at(&self, path: &[&str]) -> Result<UserProfile, ClientError> {
        let profile: Option<UserProfile> = self.request(Method::GET, path, NONE).await?;
        profile.ok_or_else(|| ClientError::Network("empty answer".into()))
    }

    async fn update_profile(
        &self,
        change: UpdateProfileRequest,
    ) -> Result<UserProfile, ClientError> {
        let path = ["v1", "users", "me"];
        let profile: Option<UserProfile> =
            self.request(Method::PATCH, &path, Some(&change)).await?;
        profile.ok_or_else(|| ClientError::Network("empty answer".into()))
    }

    async fn change_room_avatar(
        &self,
        room_id: &str,
        avatar_id: String,
    ) -> Result<RoomDetails, ClientError> {
        let body = UpdateRoomRequest {
            avatar_id: Some(avatar_id),
            ..UpdateRoomRequest::default()
        };
        let path = ["v1", "rooms", room_id];
        let details: Option<RoomDetails> = self.request(Method::PATCH, &path, Some(&body)).await?;
        details.ok_or_else(|| ClientError::Network("empty answer".into()))
    }

    /// `POST /v1/uploads` of a picture, at once (a picture is not queued like a
    /// message's file: the user waits for it on the screen that sets it).
    async fn upload_picture(
        &self,
        bytes: Vec<u8>,
        name: &str,
        mime: &str,
    ) -> Result<Attachment, ClientError> {
        if bytes.is_empty() {
            return Err(ClientError::Invalid("the picture is empty".into()));
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(ClientError::TooLarge(MAX_FILE_BYTES));
        }
        let mut url = self.endpoint(&["v1", "uploads"])?;
        url.query_pairs_mut().append_pair("filename", name);
        let response = self
            .http
            .post(url)
            .bearer_auth(self.token()?)
            .header(reqwest::header::CONTENT_TYPE, mime)
            .body(bytes)
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(super::rest::refusal(response).await);
        }
        Ok(response.json::<Attachment>().await?)
    }
}
