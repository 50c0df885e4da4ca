//! Attachments for Kotlin and Swift: files sent through the durable outbox,
//! thumbnails, downloads and signed links; each method delegates to the SDK.

use chat_protocol::v1::AttachmentLinks;
use chat_sdk::ThumbnailVariant;
use chat_sdk::cache::{LocalMessage, NewFile};

use crate::client::ChatClient;
use crate::error::ChatError;
use crate::runtime::on_runtime;

type Result<T, E = ChatError> = std::result::Result<T, E>;

#[uniffi::export]
impl ChatClient {
    /// Sends one file (its bytes: a `ByteArray` or `Data`) with an optional caption:
    /// queued and shown at once, uploaded when the network allows, sent in order with
    /// the room's other messages, after an app restart too. `UploadProgress` events
    /// follow it; a file the server refuses fails the message with the reason.
    pub fn send_attachment(
        &self,
        room_id: String,
        bytes: Vec<u8>,
        name: String,
        mime: String,
        caption: Option<String>,
    ) -> Result<LocalMessage> {
        Ok(self
            .inner
            .send_attachment(&room_id, bytes, &name, &mime, caption)?)
    }

    /// Sends the file at `path` (copied now: the app may delete it afterwards), named
    /// after it; otherwise as `send_attachment`.
    pub fn send_attachment_file(
        &self,
        room_id: String,
        path: String,
        mime: String,
        caption: Option<String>,
    ) -> Result<LocalMessage> {
        Ok(self.inner.send_attachment_file(
            &room_id,
            std::path::Path::new(&path),
            &mime,
            caption,
        )?)
    }

    /// Sends 1 to 10 files in one message with a caption (may be empty).
    pub fn send_attachments(
        &self,
        room_id: String,
        files: Vec<NewFile>,
        caption: String,
    ) -> Result<LocalMessage> {
        Ok(self.inner.send_attachments(&room_id, files, &caption)?)
    }

    /// `send_attachments` as a reply (`reply_to`: a message id of the room) that
    /// mentions members (`mentions`: user ids, at most 50).
    pub fn send_attachments_with(
        &self,
        room_id: String,
        files: Vec<NewFile>,
        caption: String,
        reply_to: Option<String>,
        mentions: Vec<String>,
    ) -> Result<LocalMessage> {
        Ok(self
            .inner
            .send_attachments_with(&room_id, files, &caption, reply_to, mentions)?)
    }

    /// The bytes of a file of a pending message that waits to be uploaded (to show it
    /// before the server has it); `null`/`nil` once uploaded.
    pub fn pending_file(&self, client_msg_id: String, position: u32) -> Result<Option<Vec<u8>>> {
        Ok(self.inner.pending_file(&client_msg_id, position)?)
    }

    /// An image's thumbnail, from the cache or fetched once and cached.
    pub async fn thumbnail(
        &self,
        attachment_id: String,
        variant: ThumbnailVariant,
    ) -> Result<Vec<u8>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.thumbnail(&attachment_id, variant).await }).await
    }

    /// The whole file of an attachment (not cached).
    pub async fn download_attachment(&self, attachment_id: String) -> Result<Vec<u8>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.download_attachment(&attachment_id).await }).await
    }

    /// Links to an attachment that work without a token for a while.
    pub async fn attachment_links(&self, attachment_id: String) -> Result<AttachmentLinks> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.attachment_links(&attachment_id).await }).await
    }
}
