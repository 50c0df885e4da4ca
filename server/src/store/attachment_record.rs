//! An uploaded file as stored in the `attachments` table, and what message objects
//! show of it.

use chat_protocol::v1::{Attachment, ThumbnailSize};

/// One upload: its description (fixed once uploaded) and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    /// The server's id (a UUIDv7); the stored files are named after it.
    pub id: String,
    /// Who uploaded it; only they may send it.
    pub uploader_id: String,
    /// The file name the uploader gave.
    pub name: String,
    /// An image type, or `application/octet-stream`.
    pub mime: String,
    /// Bytes as stored.
    pub size: u64,
    /// An image's displayed width and height.
    pub dimensions: Option<(u32, u32)>,
    /// An image's thumbnails.
    pub thumbnails: Option<Thumbnails>,
    /// Upload time, ms since the epoch.
    pub created_at: i64,
    /// The message it was sent with (`None`: not sent yet).
    pub message_id: Option<String>,
    /// It is a user's or a room's picture (then never sent).
    pub avatar: bool,
}

/// The two thumbnails of an image: their type and sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnails {
    /// `image/jpeg`, or `image/png` for an image with transparency.
    pub mime: String,
    /// The small one's size.
    pub small: ThumbnailSize,
    /// The medium one's size.
    pub medium: ThumbnailSize,
}

impl AttachmentRecord {
    /// What message objects carry of it.
    pub fn to_attachment(&self) -> Attachment {
        Attachment {
            attachment_id: self.id.clone().into(),
            mime: self.mime.clone(),
            size: self.size,
            name: self.name.clone(),
            width: self.dimensions.map(|(width, _)| width),
            height: self.dimensions.map(|(_, height)| height),
            thumbnail: self.thumbnails.as_ref().map(|thumbnails| thumbnails.small),
        }
    }
}

/// One of the attachments a send names, as that send sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentForSend {
    /// The upload.
    pub record: AttachmentRecord,
    /// Sent already, with the message this very send (its sender and `client_msg_id`)
    /// stored before: the send is a resend, and is answered with that message.
    pub sent_by_this_send: bool,
}
