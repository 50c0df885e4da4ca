//! Attachments: files uploaded over REST (`POST /v1/uploads`) and then sent with a
//! message by id. A message object carries what a client needs to show them without
//! downloading anything first; the bytes come from `GET /v1/attachments/{id}`.

use serde::{Deserialize, Serialize};

use super::ids::AttachmentId;

/// The image types the server recognises from their bytes and makes thumbnails of.
/// Every other upload is stored and served as `application/octet-stream`.
pub const IMAGE_MIME_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/webp", "image/gif"];

/// What an upload's `mime` is when its bytes are not one of [`IMAGE_MIME_TYPES`].
pub const OTHER_MIME_TYPE: &str = "application/octet-stream";

/// An uploaded file, as the upload's answer and every message object carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    /// The server's id of the upload.
    pub attachment_id: AttachmentId,
    /// One of [`IMAGE_MIME_TYPES`], found from the bytes, or [`OTHER_MIME_TYPE`].
    pub mime: String,
    /// Size of the file as served, in bytes (an image's metadata is removed on upload).
    pub size: u64,
    /// The file name the uploader gave; plain text, never markup.
    pub name: String,
    /// An image's width in pixels, as displayed (its EXIF orientation applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub width: Option<u32>,
    /// An image's height in pixels, as displayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub height: Option<u32>,
    /// An image's small thumbnail (`/thumbnail?size=small`, at most
    /// [`THUMBNAIL_SMALL_PX`] on its long side): its size, so that a client can lay
    /// out the bubble before it arrives. A medium one (`size=medium`, at most
    /// [`THUMBNAIL_MEDIUM_PX`]) exists too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub thumbnail: Option<ThumbnailSize>,
}

impl Attachment {
    /// Whether the server recognised the file as an image (and made thumbnails).
    pub fn is_image(&self) -> bool {
        IMAGE_MIME_TYPES.contains(&self.mime.as_str())
    }
}

/// Width and height of a thumbnail, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThumbnailSize {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Longest side of an image's small thumbnail, in pixels.
pub const THUMBNAIL_SMALL_PX: u32 = 320;

/// Longest side of an image's medium thumbnail, in pixels.
pub const THUMBNAIL_MEDIUM_PX: u32 = 1280;

/// Links to an attachment that work without an `Authorization` header (an `<img src>`
/// in a browser), until `expires_at`. Paths are relative to the server's base URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AttachmentLinks {
    /// The attachment itself.
    pub url: String,
    /// An image's small thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub thumbnail_url: Option<String>,
    /// An image's medium thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub medium_thumbnail_url: Option<String>,
    /// When the links stop working, milliseconds since the Unix epoch.
    pub expires_at: i64,
}
