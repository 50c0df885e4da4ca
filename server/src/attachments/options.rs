//! The flags of attachments: where files are kept, how large they may be, how long an
//! upload waits to be sent, and how long a signed link works.

use std::time::Duration;

use clap::Args;

/// Attachment settings (flattened into the server's configuration).
#[derive(Debug, Clone, Args)]
pub struct AttachmentOptions {
    /// Where attachment files are kept: `s3://BUCKET[/PREFIX]` for S3-compatible
    /// storage (credentials and region from the standard `AWS_*` variables), or a
    /// directory. Default: `attachments` under --data-dir. Every process of a cluster
    /// must use the same storage.
    #[arg(long, env = "CHAT_ATTACHMENTS_URL")]
    pub attachments_url: Option<String>,

    /// The endpoint of an S3-compatible server (Garage, MinIO, Ceph...) instead of AWS;
    /// `http://` is allowed for a server on the same host or network.
    #[arg(long, env = "CHAT_ATTACHMENTS_S3_ENDPOINT")]
    pub attachments_s3_endpoint: Option<String>,

    /// Largest upload, in bytes (a larger one is refused with 413 while it arrives).
    #[arg(long, env = "CHAT_MAX_UPLOAD_BYTES", default_value_t = 25 * 1024 * 1024)]
    pub max_upload_bytes: u64,

    /// Most pixels (width × height) of an uploaded image: a larger one is refused
    /// before it is decoded (a "decompression bomb" is a small file of huge size).
    #[arg(long, env = "CHAT_MAX_IMAGE_PIXELS", default_value_t = 50_000_000)]
    pub max_image_pixels: u64,

    /// How long an upload may wait to be sent with a message; then it is deleted.
    #[arg(long, env = "CHAT_UPLOAD_TTL", default_value = "24h", value_parser = humantime::parse_duration)]
    pub upload_ttl: Duration,

    /// Uploads a user may start per minute.
    #[arg(long, env = "CHAT_UPLOADS_PER_MINUTE", default_value_t = 30)]
    pub uploads_per_minute: u32,

    /// Bytes of attachments a user may have stored at once (sent or waiting); 0: no limit.
    #[arg(long, env = "CHAT_UPLOAD_QUOTA_BYTES", default_value_t = 1024 * 1024 * 1024)]
    pub upload_quota_bytes: u64,

    /// How long a signed attachment link (for `<img src>`) works.
    #[arg(long, env = "CHAT_ATTACHMENT_LINK_TTL", default_value = "15m", value_parser = humantime::parse_duration)]
    pub attachment_link_ttl: Duration,

    /// The key that signs attachment links (32 bytes or more). Default: derived from
    /// the HS256 --jwt-secret, else made once and kept in --data-dir. Every process of
    /// a cluster must share it: set it when tokens are RS256 or EdDSA.
    #[arg(long, env = "CHAT_LINK_SIGNING_SECRET", hide_env_values = true)]
    pub link_signing_secret: Option<String>,
}

impl AttachmentOptions {
    /// Checks what clap cannot.
    ///
    /// # Errors
    ///
    /// A message naming the offending flag.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_upload_bytes == 0 {
            return Err("--max-upload-bytes must be greater than zero".into());
        }
        if self.max_image_pixels == 0 {
            return Err("--max-image-pixels must be greater than zero".into());
        }
        if self.uploads_per_minute == 0 {
            return Err("--uploads-per-minute must be greater than zero".into());
        }
        if self.upload_ttl.is_zero() || self.attachment_link_ttl.is_zero() {
            return Err("--upload-ttl and --attachment-link-ttl must be greater than zero".into());
        }
        if self
            .link_signing_secret
            .as_ref()
            .is_some_and(|secret| secret.len() < 32)
        {
            return Err("--link-signing-secret must be at least 32 bytes".into());
        }
        if let Some(url) = &self.attachments_url
            && url.contains("://")
            && !url.starts_with("s3://")
        {
            return Err(format!(
                "--attachments-url {url:?}: use s3://BUCKET[/PREFIX] or a directory"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn attachment_settings_that_cannot_work_are_refused_naming_their_flag() {
        let dir = tempfile::tempdir().expect("temp dir");
        let defaults = Config::for_data_dir(dir.path()).attachments;
        assert_eq!(defaults.validate(), Ok(()));
        let refused = |change: fn(&mut super::AttachmentOptions), flag: &str| {
            let mut options = defaults.clone();
            change(&mut options);
            let error = options.validate().expect_err(flag);
            assert!(error.contains(flag), "{error}");
        };
        refused(|o| o.max_upload_bytes = 0, "--max-upload-bytes");
        refused(|o| o.max_image_pixels = 0, "--max-image-pixels");
        refused(|o| o.uploads_per_minute = 0, "--uploads-per-minute");
        refused(|o| o.upload_ttl = std::time::Duration::ZERO, "--upload-ttl");
        refused(
            |o| o.link_signing_secret = Some("short".into()),
            "--link-signing-secret",
        );
        refused(
            |o| o.attachments_url = Some("https://example.invalid/files".into()),
            "--attachments-url",
        );
        let mut s3 = defaults.clone();
        s3.attachments_url = Some("s3://bucket/prefix".into());
        assert_eq!(s3.validate(), Ok(()));
    }
}
