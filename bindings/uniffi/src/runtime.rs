//! The tokio runtime the SDK's tasks run on: apps call in from their own threads (the
//! Android main thread, Swift's executors), so the bindings bring one.

use std::pin::Pin;
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
///
/// The runtime is handed a boxed future of one type, whatever the method: spawning each
/// method's own future type would copy tokio's task machinery once per method (about
/// 10 KB each, most of the library's growth as methods were added). The answer comes
/// back through a oneshot channel; a task that panics or a runtime that stops drops its
/// sender, which reads as `Closed`, as a failed join did.
pub(crate) async fn on_runtime<T: Send + 'static>(
    future: impl Future<Output = Result<T, chat_sdk::ClientError>> + Send + 'static,
) -> Result<T, ChatError> {
    let (answer, answered) = futures_channel::oneshot::channel();
    let task: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
        // The caller may have stopped waiting; the work is done either way.
        let _ = answer.send(future.await);
    });
    drop(RUNTIME.spawn(task));
    answered
        .await
        .map_err(|_| ChatError::Closed)?
        .map_err(Into::into)
}
