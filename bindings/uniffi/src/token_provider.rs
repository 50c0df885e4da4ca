//! Fresh tokens from the app, for apps whose users sign in with another auth service:
//! Kotlin and Swift implement `TokenProvider` (a `suspend fun` / `async func`), and the
//! SDK asks it ahead of the token's expiry (the live connection is renewed with the
//! answer, without reconnecting), after the server refused a token, and on `connect`
//! without one.

use std::sync::Arc;

use chat_sdk::TokenFuture;

/// Implemented by the app. Return `null` / `nil` when the user must sign in again.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait TokenProvider: Send + Sync {
    /// A fresh access token for the signed-in user.
    async fn fresh_token(&self) -> Option<String>;
}

/// The app's provider, as the SDK asks for it.
pub(crate) struct AppTokenProvider(pub(crate) Arc<dyn TokenProvider>);

impl chat_sdk::TokenProvider for AppTokenProvider {
    fn fresh_token(&self) -> TokenFuture<'_> {
        Box::pin(self.0.fresh_token())
    }
}
