//! The native platform: the driver on tokio and tokio-tungstenite, TLS by rustls, and
//! the cache in a SQLite file.

mod driver;
mod tls;

use crate::cache::Cache;
use crate::client::{ChatClient, ClientConfig, ClientError};

impl ChatClient {
    /// Opens the cache and starts the client (not yet connected). Messages left in the
    /// outbox by an earlier run are sent once connected. Must run inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// `Cache` when the cache cannot be opened; `InvalidConfig` for a server URL that is
    /// not `http(s)://` or a root certificate that does not parse.
    pub fn open(config: ClientConfig) -> Result<Self, ClientError> {
        let tls = tls::client_config(&config.extra_root_certificates)?;
        // A REST call that hangs must not hold up what waits on it (a session refresh
        // above all: its answer carries the only copy of the next refresh token).
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured((*tls).clone())
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| ClientError::InvalidConfig(format!("HTTP client: {e}")))?;
        let cache = match &config.database {
            Some(path) => Cache::open(path)?,
            None => Cache::in_memory()?,
        };
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 ^ u64::from(std::process::id()));
        let parts = Self::assemble(&config.server_url, cache, http, config.core, seed)?;
        let endpoint = driver::Endpoint {
            url: parts.client.ws_url(),
            tls,
        };
        let uploader = parts.uploader;
        let closer = std::sync::Arc::clone(&uploader);
        tokio::spawn(async move {
            driver::run(parts.bridge, endpoint, parts.commands).await;
            closer.close();
        });
        tokio::spawn(async move { uploader.run(tokio::time::sleep).await });
        Ok(parts.client)
    }
}
