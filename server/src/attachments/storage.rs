//! Where attachment files are kept: a directory (the embedded default, under
//! --data-dir) or an S3-compatible bucket (clusters), behind `object_store`, which
//! gives both the same interface: streamed multipart writes, ranged reads, deletes.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use axum::body::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{
    GetOptions, GetRange, GetResult, ObjectStore, ObjectStoreExt as _, WriteMultipart,
};
use tokio::io::AsyncReadExt as _;

use super::Variant;
use super::options::AttachmentOptions;

/// Bytes read from an upload's temporary file per write to the store.
const COPY_CHUNK: usize = 256 * 1024;

/// Parts of a multipart write in flight at once.
const PARTS_IN_FLIGHT: usize = 2;

/// The bucket `bucket` as `base` (credentials and region) configures it, at `endpoint`
/// (an S3-compatible server, in path style) or at AWS's own.
fn s3_bucket(
    base: AmazonS3Builder,
    bucket: &str,
    endpoint: Option<&str>,
) -> object_store::Result<AmazonS3> {
    let mut builder = base.with_bucket_name(bucket);
    if let Some(endpoint) = endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false);
    }
    builder.build()
}

/// The attachment files: `{attachment_id}/{variant}`.
#[derive(Debug, Clone)]
pub struct AttachmentStorage {
    store: Arc<dyn ObjectStore>,
}

impl AttachmentStorage {
    /// Opens the storage the options name (creating the directory if needed).
    ///
    /// # Errors
    ///
    /// A bad `s3://` URL or endpoint, or a directory that cannot be made.
    pub fn open(options: &AttachmentOptions, data_dir: &Path) -> anyhow::Result<Self> {
        let store: Arc<dyn ObjectStore> = match options.attachments_url.as_deref() {
            Some(url) if url.starts_with("s3://") => {
                let rest = &url["s3://".len()..];
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                anyhow::ensure!(
                    !bucket.is_empty(),
                    "--attachments-url {url:?} names no bucket"
                );
                let s3 = s3_bucket(
                    AmazonS3Builder::from_env(),
                    bucket,
                    options.attachments_s3_endpoint.as_deref(),
                )
                .context("--attachments-url")?;
                let prefix = prefix.trim_matches('/');
                if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(PrefixStore::new(s3, prefix))
                }
            }
            directory => {
                let dir = directory.map_or_else(|| data_dir.join("attachments"), Into::into);
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                Arc::new(LocalFileSystem::new_with_prefix(&dir).context("--attachments-url")?)
            }
        };
        Ok(Self { store })
    }

    fn path(attachment_id: &str, variant: Variant) -> ObjectPath {
        ObjectPath::from(format!("{attachment_id}/{}", variant.as_str()))
    }

    /// Stores a file whole.
    ///
    /// # Errors
    ///
    /// The storage failed.
    pub async fn put(
        &self,
        attachment_id: &str,
        variant: Variant,
        bytes: Bytes,
    ) -> object_store::Result<()> {
        self.store
            .put(&Self::path(attachment_id, variant), bytes.into())
            .await
            .map(drop)
    }

    /// Stores the file at `source` by parts, never holding more than a few parts in
    /// memory (a 25 MiB upload to S3 is five 5 MiB parts).
    ///
    /// # Errors
    ///
    /// Reading `source` or the storage failed; a part-written file is discarded.
    pub async fn put_file(
        &self,
        attachment_id: &str,
        variant: Variant,
        source: &Path,
    ) -> anyhow::Result<()> {
        let upload = self
            .store
            .put_multipart(&Self::path(attachment_id, variant))
            .await?;
        let mut writer = WriteMultipart::new(upload);
        let copied = async {
            let mut file = tokio::fs::File::open(source).await?;
            let mut chunk = vec![0; COPY_CHUNK];
            loop {
                writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                let read = file.read(&mut chunk).await?;
                if read == 0 {
                    return anyhow::Ok(());
                }
                writer.write(&chunk[..read]);
            }
        }
        .await;
        match copied {
            Ok(()) => writer.finish().await.map(drop).map_err(Into::into),
            Err(e) => {
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }

    /// Reads a file, or the bytes `range` of it.
    ///
    /// # Errors
    ///
    /// `object_store::Error::NotFound`, or the storage failed.
    pub async fn get(
        &self,
        attachment_id: &str,
        variant: Variant,
        range: Option<Range<u64>>,
    ) -> object_store::Result<GetResult> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        self.store
            .get_opts(&Self::path(attachment_id, variant), options)
            .await
    }

    /// The size of a file.
    ///
    /// # Errors
    ///
    /// `object_store::Error::NotFound`, or the storage failed.
    pub async fn size(&self, attachment_id: &str, variant: Variant) -> object_store::Result<u64> {
        Ok(self
            .store
            .head(&Self::path(attachment_id, variant))
            .await?
            .size)
    }

    /// Deletes every file of an attachment; files already gone are fine.
    ///
    /// # Errors
    ///
    /// The storage failed.
    pub async fn delete(&self, attachment_id: &str) -> object_store::Result<()> {
        for variant in Variant::ALL {
            match self.store.delete(&Self::path(attachment_id, variant)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use object_store::{PutPayload, RetryConfig};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio_rustls::TlsAcceptor;

    use super::*;

    /// A bucket behind HTTPS is reached over TLS with the crypto provider the server
    /// installs (`App::start`), ring: object_store is built without its own default,
    /// aws-lc-rs. The endpoint's certificate is one nobody trusts: the handshake must
    /// reach it and the client must refuse it, and say why.
    #[tokio::test]
    async fn a_bucket_over_https_is_reached_with_tls_and_an_untrusted_certificate_refused() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let key = rcgen::KeyPair::generate().expect("key");
        let certificate = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .expect("params")
            .self_signed(&key)
            .expect("certificate");
        let tls = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(certificate.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .expect("server config");
        let acceptor = TlsAcceptor::from(Arc::new(tls));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        // The one connection the put makes (no retries): whether its handshake failed.
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.expect("a connection");
            acceptor.accept(tcp).await.is_err()
        });

        let base = AmazonS3Builder::new()
            .with_region("us-east-1")
            .with_access_key_id("test-key")
            .with_secret_access_key("test-secret")
            .with_retry(RetryConfig {
                max_retries: 0,
                retry_timeout: Duration::from_secs(5),
                ..RetryConfig::default()
            });
        let bucket = s3_bucket(
            base,
            "attachments",
            Some(&format!("https://127.0.0.1:{port}")),
        )
        .expect("bucket");
        let put = tokio::time::timeout(
            Duration::from_secs(10),
            bucket.put(&ObjectPath::from("a/file"), PutPayload::from_static(b"x")),
        )
        .await
        .expect("the put ends");
        let error = format!("{:?}", put.expect_err("an untrusted certificate"));
        let handshake_failed = tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("the handshake ends")
            .expect("the endpoint");

        assert!(handshake_failed, "the client ended the handshake");
        assert!(
            error.to_lowercase().contains("certificate"),
            "refused for its certificate: {error}"
        );
    }
}
