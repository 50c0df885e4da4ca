//! The browser platform (wasm32): the page's WebSocket and timers drive the same bridge
//! as natively, the cache is SQLite-on-wasm kept in IndexedDB, and the window's
//! `online` event ends a backoff wait at once.

mod driver;
mod storage;

use crate::cache::Cache;
use crate::client::{ChatClient, ClientConfig, ClientError};

impl ChatClient {
    /// Opens the cache (loading it from IndexedDB when `config.database` names one)
    /// and starts the client on the page's event loop (not yet connected). Messages
    /// left in the outbox by an earlier visit are sent once connected.
    ///
    /// A cache belongs to one tab: two tabs writing the same database would overwrite
    /// each other's pages. Open a second tab with `database: None`, or take a Web Lock
    /// first (see docs/web.md).
    ///
    /// # Errors
    ///
    /// `Cache` when IndexedDB or the database cannot be opened; `InvalidConfig` for a
    /// server URL that is not `http(s)://`.
    pub async fn open_in_browser(config: ClientConfig) -> Result<Self, ClientError> {
        let cache = match &config.database {
            Some(name) => storage::open(&name.to_string_lossy()).await?,
            None => Cache::in_memory()?,
        };
        // Jitter only: Math.random is enough.
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64 | 1;
        let parts = Self::assemble(
            &config.server_url,
            cache,
            reqwest::Client::new(),
            config.core,
            seed,
        )?;
        let url = parts.client.ws_url();
        let uploader = parts.uploader;
        let closer = std::sync::Arc::clone(&uploader);
        wasm_bindgen_futures::spawn_local(async move {
            driver::run(parts.bridge, url, parts.commands).await;
            closer.close();
        });
        wasm_bindgen_futures::spawn_local(async move {
            uploader.run(gloo_timers::future::sleep).await;
        });
        Ok(parts.client)
    }

    /// Resolves once everything the cache holds so far (the outbox included) is in
    /// IndexedDB, so that it survives a reload or a closed tab. `send_message` stores
    /// the message at once; await this before telling the user it is safe.
    ///
    /// # Errors
    ///
    /// `Cache` when IndexedDB refused the write.
    pub async fn persisted(&self) -> Result<(), ClientError> {
        storage::persisted().await
    }
}
