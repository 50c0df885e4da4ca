//! The tokio runtime the SDK's tasks run on: apps call in from their own threads (the
//! Android main thread, Swift's executors), so the bindings bring one.

use std::sync::LazyLock;

use crate::error::ChatError;

/// One multi-threaded runtime for the process.
pub(crate) static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("chat-sdk")
        .enable_all()
        .build()
        .expect("starting the chat SDK runtime")
});

/// Runs an SDK future on the SDK's runtime and awaits it from whichever executor the
/// foreign caller uses (UniFFI polls it from Kotlin coroutines or Swift tasks, which
/// have no tokio reactor).
pub(crate) async fn on_runtime<T: Send + 'static>(
    future: impl Future<Output = Result<T, chat_sdk::ClientError>> + Send + 'static,
) -> Result<T, ChatError> {
    RUNTIME
        .spawn(future)
        .await
        .map_err(|_| ChatError::Closed)?
        .map_err(Into::into)
}
