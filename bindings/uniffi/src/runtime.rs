//! The tokio runtime the SDK's tasks run on: apps call in from their own threads (the
//! Android main thread, Swift's executors), so the bindings bring one.

use std::sync::LazyLock;

/// One multi-threaded runtime for the process.
pub(crate) static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("chat-sdk")
        .enable_all()
        .build()
        .expect("starting the chat SDK runtime")
});
