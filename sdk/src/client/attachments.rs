//! Attachments: files sent with a message through the durable outbox (uploaded when
//! the network allows, in order with the room's other messages, after a restart too),
//! their thumbnails (fetched once, then kept in a bounded cache), downloads, and links
//! for a browser's `<img src>`.

use chat_protocol::v1::{AttachmentLinks, MAX_ATTACHMENTS};

use super::{ChatClient, ClientError};
use crate::cache::{Draft, LocalMessage, NewFile};

/// Largest file the client takes into its outbox. The server's own limit (25 MiB by
/// default) decides; this one keeps a mistaken pick of a huge file out of the cache.
pub const MAX_FILE_BYTES: usize = 100 * 1024 * 1024;

/// Bytes of thumbnails the cache keeps; the least recently shown go first.
pub const THUMBNAIL_CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// Which thumbnail of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, serde::Deserialize, tsify::Tsify),
    serde(rename_all = "camelCase")
)]
pub enum ThumbnailVariant {
    /// At most 320 px on its long side: the bubble.
    Small,
    /// At most 1280 px: the viewer, before the original arrives.
    Medium,
}

impl ThumbnailVariant {
    fn as_str(self) -> &'static str {
        match self {
            Self::Small => "small",
            Self::Medium => "medium",
        }
    }
}

impl ChatClient {
    /// Sends files (1 to 10) with a caption (may be empty): the message is in the
    /// persisted outbox when this returns, its files copied into the cache; they are
    /// uploaded when a network is there, and the message is sent once all of them are,
    /// in order with the room's other messages. `UploadProgress` events tell how far
    /// each file got; a file the server refuses (too large, a type it does not take)
    /// fails the message with the server's reason (`retry` or `cancel` it).
    ///
    /// # Errors
    ///
    /// `Invalid` (no file, more than 10, an empty name), `TooLarge` (a file over
    /// [`MAX_FILE_BYTES`] or a caption too long), `NotSignedIn`, `Cache`, `Closed`.
    pub fn send_attachments(
        &self,
        room_id: &str,
        files: Vec<NewFile>,
        caption: &str,
    ) -> Result<LocalMessage, ClientError> {
        self.send_attachments_with(room_id, files, caption, None, Vec::new())
    }

    /// [`Self::send_attachments`] as a reply (`reply_to`: the server id of a message
    /// of the room) that mentions members (at most 50), like `send_message_with`.
    ///
    /// # Errors
    ///
    /// As for `send_attachments`, and `Invalid` for more than 50 mentions.
    pub fn send_attachments_with(
        &self,
        room_id: &str,
        files: Vec<NewFile>,
        caption: &str,
        reply_to: Option<String>,
        mentions: Vec<String>,
    ) -> Result<LocalMessage, ClientError> {
        if files.is_empty() || files.len() > MAX_ATTACHMENTS {
            return Err(ClientError::Invalid(format!(
                "a message carries 1 to {MAX_ATTACHMENTS} files"
            )));
        }
        for file in &files {
            if file.name.trim().is_empty() {
                return Err(ClientError::Invalid("every file needs a name".into()));
            }
            if file.bytes.len() > MAX_FILE_BYTES {
                return Err(ClientError::TooLarge(MAX_FILE_BYTES));
            }
        }
        let draft = Draft {
            content: caption.to_owned(),
            reply_to,
            mentions: super::api::unique_mentions(mentions)?,
            files,
        };
        self.send_draft(room_id, &draft)
    }

    /// [`Self::send_attachments`] of one file.
    ///
    /// # Errors
    ///
    /// As for `send_attachments`.
    pub fn send_attachment(
        &self,
        room_id: &str,
        bytes: Vec<u8>,
        name: &str,
        mime: &str,
        caption: Option<String>,
    ) -> Result<LocalMessage, ClientError> {
        let file = NewFile {
            name: name.to_owned(),
            mime: mime.to_owned(),
            bytes,
        };
        self.send_attachments(room_id, vec![file], caption.as_deref().unwrap_or_default())
    }

    /// [`Self::send_attachment`] of a file on disk (named after it): its bytes are
    /// copied now, so the app may delete or move it afterwards.
    ///
    /// # Errors
    ///
    /// `Invalid` when the file cannot be read, and as for `send_attachments`.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn send_attachment_file(
        &self,
        room_id: &str,
        path: &std::path::Path,
        mime: &str,
        caption: Option<String>,
    ) -> Result<LocalMessage, ClientError> {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let size = std::fs::metadata(path)
            .map_err(|e| ClientError::Invalid(format!("{}: {e}", path.display())))?
            .len();
        if size > MAX_FILE_BYTES as u64 {
            return Err(ClientError::TooLarge(MAX_FILE_BYTES));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| ClientError::Invalid(format!("{}: {e}", path.display())))?;
        self.send_attachment(room_id, bytes, &name, mime, caption)
    }

    /// The bytes of a file of one of the user's messages that waits to be uploaded
    /// (`position` in the message), to show it before the server has it; `None` once
    /// uploaded (then use `attachment_id`).
    ///
    /// # Errors
    ///
    /// `Cache`.
    pub fn pending_file(
        &self,
        client_msg_id: &str,
        position: u32,
    ) -> Result<Option<Vec<u8>>, ClientError> {
        Ok(self
            .shared
            .cache
            .lock()
            .expect("cache lock")
            .pending_file(client_msg_id, position)?)
    }

    /// An image's thumbnail: from the cache, or fetched once and kept there (the least
    /// recently used go past [`THUMBNAIL_CACHE_BYTES`]).
    ///
    /// # Errors
    ///
    /// `Server` (`not_found`: not an image, or not visible to the user), `Network`,
    /// `NotSignedIn`, `Cache`.
    pub async fn thumbnail(
        &self,
        attachment_id: &str,
        variant: ThumbnailVariant,
    ) -> Result<Vec<u8>, ClientError> {
        let size = variant.as_str();
        let now = super::api::now_ms();
        if let Some(bytes) =
            self.shared
                .cache
                .lock()
                .expect("cache lock")
                .thumbnail(attachment_id, size, now)?
        {
            return Ok(bytes);
        }
        let mut url = self.endpoint(&["v1", "attachments", attachment_id, "thumbnail"])?;
        url.query_pairs_mut().append_pair("size", size);
        let bytes = self.download(url).await?;
        self.shared
            .cache
            .lock()
            .expect("cache lock")
            .put_thumbnail(attachment_id, size, &bytes, now, THUMBNAIL_CACHE_BYTES)?;
        Ok(bytes)
    }

    /// The whole file of an attachment (not cached: save it where the app keeps
    /// downloads).
    ///
    /// # Errors
    ///
    /// `Server` (`not_found`), `Network`, `NotSignedIn`.
    pub async fn download_attachment(&self, attachment_id: &str) -> Result<Vec<u8>, ClientError> {
        let url = self.endpoint(&["v1", "attachments", attachment_id])?;
        self.download(url).await
    }

    /// Links to an attachment and its thumbnails that work without a token until
    /// `expires_at` (for an `<img src>`); relative to the server's URL.
    ///
    /// # Errors
    ///
    /// `Server` (`not_found`), `Network`, `NotSignedIn`.
    pub async fn attachment_links(
        &self,
        attachment_id: &str,
    ) -> Result<AttachmentLinks, ClientError> {
        let url = self.endpoint(&["v1", "attachments", attachment_id, "links"])?;
        self.get(url)
            .await?
            .ok_or_else(|| ClientError::Network("empty answer".into()))
    }

    /// A signed-in GET of bytes (an attachment, a data export).
    pub(super) async fn download(&self, url: reqwest::Url) -> Result<Vec<u8>, ClientError> {
        let response = self.http.get(url).bearer_auth(self.token()?).send().await?;
        if !response.status().is_success() {
            return Err(super::rest::refusal(response).await);
        }
        Ok(response.bytes().await?.to_vec())
    }
}
