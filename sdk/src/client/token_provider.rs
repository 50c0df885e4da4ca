//! Where fresh access tokens come from: the app's [`TokenProvider`] (an external auth
//! service) or the built-in refresh (`refresher.rs`). Natively the SDK asks a provider
//! from its runtime's threads, so a provider must be `Send + Sync`; in the browser there
//! is one thread, and a provider is usually a JavaScript callback, which is neither.

use std::future::Future;
use std::pin::Pin;

/// `Send + Sync` outside the browser; no bound in it (one thread, JavaScript values).
#[cfg(not(target_arch = "wasm32"))]
pub trait SendSyncOutsideWasm: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> SendSyncOutsideWasm for T {}
/// `Send + Sync` outside the browser; no bound in it (one thread, JavaScript values).
#[cfg(target_arch = "wasm32")]
pub trait SendSyncOutsideWasm {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> SendSyncOutsideWasm for T {}

/// What [`TokenProvider::fresh_token`] returns: a future that is `Send` where there
/// are threads to send it to (the browser's futures are not, and need not be).
#[cfg(not(target_arch = "wasm32"))]
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Option<String>> + Send + 'a>>;
/// What [`TokenProvider::fresh_token`] returns: a future that is `Send` where there
/// are threads to send it to (the browser's futures are not, and need not be).
#[cfg(target_arch = "wasm32")]
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Option<String>> + 'a>>;

/// Supplies a fresh access token ahead of the current one's expiry, and when the server
/// refuses it.
pub trait TokenProvider: SendSyncOutsideWasm {
    /// A fresh token, or `None` if the user must sign in again.
    fn fresh_token(&self) -> TokenFuture<'_>;
}
