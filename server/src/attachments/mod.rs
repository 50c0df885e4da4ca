//! Attachments: files uploaded over REST, kept in the attachment storage, sent with a
//! message by id, downloaded by the room's members (or through a signed link), and
//! deleted with their message or when never sent.
//!
//! An upload is streamed to a temporary file ([`receive`]), recognised by its bytes
//! ([`sniff`]); an image loses its metadata ([`metadata`]) and gains two thumbnails
//! ([`thumbnail`]); then the files go to the storage ([`storage`]) and the row to the
//! store, under the uploader's quota. The [`janitor`] removes what is doomed.

pub mod janitor;
mod links;
mod metadata;
mod options;
mod receive;
mod sniff;
mod storage;
mod thumbnail;

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use chat_protocol::v1::{Attachment, AttachmentLinks, ErrorCode};
use tokio::sync::Semaphore;

pub use links::{LinkRefusal, LinkSigner};
pub use options::AttachmentOptions;
pub use storage::AttachmentStorage;

use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::store::{AttachmentRecord, Store, Thumbnails};
use sniff::Classified;

/// Images decoded at once: each may take up to `--max-image-pixels` × 8 bytes.
const DECODES_AT_ONCE: usize = 2;

/// Longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// One of the files of an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The file as uploaded (an image without its metadata).
    Original,
    /// An image's small thumbnail.
    Small,
    /// An image's medium thumbnail.
    Medium,
}

impl Variant {
    /// Every variant.
    pub const ALL: [Self; 3] = [Self::Original, Self::Small, Self::Medium];

    /// Its name in storage paths, links and `?size=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Small => "small",
            Self::Medium => "medium",
        }
    }
}

/// What uploads and downloads share.
#[derive(Debug)]
pub struct Attachments {
    options: AttachmentOptions,
    storage: AttachmentStorage,
    signer: LinkSigner,
    /// Where uploads arrive before they are stored.
    scratch: PathBuf,
    decodes: Arc<Semaphore>,
}

impl Attachments {
    /// Opens the storage and makes the scratch directory under `data_dir`.
    ///
    /// # Errors
    ///
    /// The storage cannot be opened, or the directory made.
    pub fn open(
        options: AttachmentOptions,
        data_dir: &std::path::Path,
        signer: LinkSigner,
    ) -> anyhow::Result<Self> {
        let storage = AttachmentStorage::open(&options, data_dir)?;
        let scratch = data_dir.join("uploads-in-progress");
        std::fs::create_dir_all(&scratch)?;
        Ok(Self {
            options,
            storage,
            signer,
            scratch,
            decodes: Arc::new(Semaphore::new(DECODES_AT_ONCE)),
        })
    }

    /// The settings.
    pub fn options(&self) -> &AttachmentOptions {
        &self.options
    }

    /// The files.
    pub fn storage(&self) -> &AttachmentStorage {
        &self.storage
    }

    /// The link signer.
    pub fn signer(&self) -> &LinkSigner {
        &self.signer
    }

    /// Where uploads arrive (their temporary files).
    pub fn scratch(&self) -> &std::path::Path {
        &self.scratch
    }

    /// Receives, checks, processes and stores an upload of `uploader`.
    ///
    /// # Errors
    ///
    /// `too_large` (the size limit or the quota; an image of too many pixels),
    /// `unsupported_type` (the declared type contradicts the bytes), `invalid_request`
    /// (empty, undecodable image, bad name), `internal` (storage).
    pub async fn upload(
        &self,
        store: &dyn Store,
        uploader: &str,
        name: String,
        declared: &str,
        body: Body,
    ) -> Result<Attachment> {
        let quota = self.quota();
        let received = receive::receive(body, &self.scratch, self.options.max_upload_bytes).await?;
        if received.size == 0 {
            return Err(Error::invalid("the file is empty"));
        }
        let kind = sniff::classify(&received.head, declared)
            .map_err(|message| Error::new(ErrorCode::UnsupportedType, message))?;
        let id = uuid::Uuid::now_v7().to_string();
        let mut record = AttachmentRecord {
            id: id.clone(),
            uploader_id: uploader.to_owned(),
            name,
            mime: kind.mime().to_owned(),
            size: received.size,
            dimensions: None,
            thumbnails: None,
            created_at: now_ms(),
            message_id: None,
            avatar: false,
        };
        let stored = match kind {
            Classified::Image(mime) => self.store_image(&mut record, mime, &received.path).await,
            Classified::File => self
                .storage
                .put_file(&id, Variant::Original, &received.path)
                .await
                .map_err(|e| Error::internal("storing an upload", &e)),
        };
        drop(received);
        stored?;
        match store.create_attachment(&record, quota).await {
            Ok(true) => {
                crate::telemetry::uploaded(record.size);
                Ok(record.to_attachment())
            }
            outcome => {
                // Not recorded: its files must not outlive it.
                if let Err(e) = self.storage.delete(&id).await {
                    tracing::warn!(error = %e, attachment = %id, "removing an unrecorded upload");
                }
                match outcome {
                    Ok(_) => Err(Error::too_large(format!(
                        "your attachments would pass your storage quota of {quota} bytes; \
                         delete messages with attachments, or wait for unsent uploads to expire"
                    ))),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// The quota in bytes (`u64::MAX` for none).
    pub fn quota(&self) -> u64 {
        match self.options.upload_quota_bytes {
            0 => u64::MAX,
            quota => quota,
        }
    }

    /// Strips the image's metadata, makes its thumbnails, and stores all three.
    async fn store_image(
        &self,
        record: &mut AttachmentRecord,
        mime: &'static str,
        path: &std::path::Path,
    ) -> Result<()> {
        let bytes = Bytes::from(
            tokio::fs::read(path)
                .await
                .map_err(|e| Error::internal("reading an upload file", &e))?,
        );
        let max_pixels = self.options.max_image_pixels;
        let _permit = self
            .decodes
            .acquire()
            .await
            .map_err(|e| Error::internal("image decoding", &e))?;
        let processed = tokio::task::spawn_blocking(move || {
            let (stripped, orientation) = metadata::strip(bytes, mime)
                .map_err(|e| Error::invalid(format!("the image is malformed: {e}")))?;
            let thumbnails = thumbnail::thumbnails(&stripped, mime, orientation, max_pixels)
                .map_err(|refusal| match refusal {
                    thumbnail::ImageRefusal::TooManyPixels { .. } => {
                        Error::too_large(refusal.to_string())
                    }
                    thumbnail::ImageRefusal::Undecodable(_) => Error::invalid(refusal.to_string()),
                })?;
            Ok::<_, Error>((stripped, thumbnails))
        })
        .await
        .map_err(|e| Error::internal("image decoding", &e))?;
        let (stripped, thumbnails) = processed?;
        record.size = stripped.len() as u64;
        record.dimensions = Some(thumbnails.dimensions);
        record.thumbnails = Some(Thumbnails {
            mime: thumbnails.mime.to_owned(),
            small: thumbnails.small.size,
            medium: thumbnails.medium.size,
        });
        let id = record.id.as_str();
        let store = async {
            self.storage.put(id, Variant::Original, stripped).await?;
            self.storage
                .put(id, Variant::Small, thumbnails.small.bytes.into())
                .await?;
            self.storage
                .put(id, Variant::Medium, thumbnails.medium.bytes.into())
                .await
        };
        if let Err(e) = store.await {
            let _ = self.storage.delete(id).await;
            return Err(Error::internal("storing an upload", &e));
        }
        Ok(())
    }

    /// Signed links to the attachment and its thumbnails, valid for
    /// `--attachment-link-ttl` from `now`.
    pub fn links(&self, record: &AttachmentRecord, now: i64) -> AttachmentLinks {
        let ttl = i64::try_from(self.options.attachment_link_ttl.as_millis()).unwrap_or(i64::MAX);
        let expires_at = now.saturating_add(ttl);
        let id = &record.id;
        let thumbnail = |variant: Variant| {
            record.thumbnails.as_ref().map(|_| {
                format!(
                    "/v1/attachments/{id}/thumbnail?size={}&{}",
                    variant.as_str(),
                    self.signer.query(id, variant, expires_at)
                )
            })
        };
        AttachmentLinks {
            url: format!(
                "/v1/attachments/{id}?{}",
                self.signer.query(id, Variant::Original, expires_at)
            ),
            thumbnail_url: thumbnail(Variant::Small),
            medium_thumbnail_url: thumbnail(Variant::Medium),
            expires_at,
        }
    }
}
