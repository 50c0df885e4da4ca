//! Receiving an upload's body: streamed to a temporary file as it arrives, never held
//! whole in memory, and cut off with `too_large` at the first byte over the limit.

use std::path::Path;

use axum::body::Body;
use futures_util::StreamExt as _;
use tempfile::TempPath;
use tokio::io::AsyncWriteExt as _;

use super::sniff::SNIFF_BYTES;
use crate::error::{Error, Result};

/// An upload's body, in full, in a temporary file deleted when this is dropped.
#[derive(Debug)]
pub struct Received {
    /// The file.
    pub path: TempPath,
    /// Its length.
    pub size: u64,
    /// Its first bytes, for [`super::sniff::classify`].
    pub head: Vec<u8>,
}

/// Writes `body` to a new temporary file in `dir`, refusing it once it passes
/// `max_bytes`.
///
/// # Errors
///
/// `too_large` over the limit; `invalid_request` when the body breaks off; `internal`
/// when the file cannot be written.
pub async fn receive(body: Body, dir: &Path, max_bytes: u64) -> Result<Received> {
    let path = tempfile::Builder::new()
        .prefix("upload-")
        .tempfile_in(dir)
        .map_err(|e| Error::internal("creating an upload file", &e))?
        .into_temp_path();
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(|e| Error::internal("opening an upload file", &e))?;
    let mut stream = body.into_data_stream();
    let mut size = 0u64;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Error::invalid(format!("the upload broke off: {e}")))?;
        size += chunk.len() as u64;
        if size > max_bytes {
            return Err(Error::too_large(format!(
                "the file is larger than the server's limit of {max_bytes} bytes"
            )));
        }
        let wanted = SNIFF_BYTES.saturating_sub(head.len()).min(chunk.len());
        head.extend_from_slice(&chunk[..wanted]);
        file.write_all(&chunk)
            .await
            .map_err(|e| Error::internal("writing an upload file", &e))?;
    }
    file.flush()
        .await
        .map_err(|e| Error::internal("writing an upload file", &e))?;
    Ok(Received { path, size, head })
}
