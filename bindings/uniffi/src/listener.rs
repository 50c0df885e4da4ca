//! Events to the app: Kotlin and Swift implement `ChatListener`; a handle stops it.

use std::sync::Arc;

use chat_sdk::ClientEvent;
use tokio::task::JoinHandle;

/// Implemented by the app (Kotlin / Swift) to receive events. Called from an SDK thread:
/// hop to the UI thread before touching views.
#[uniffi::export(with_foreign)]
pub trait ChatListener: Send + Sync {
    /// One event; the cache already holds what it announces.
    fn on_event(&self, event: ClientEvent);
}

/// Keeps a listener subscribed; `stop` (or dropping the last reference) ends it.
#[derive(Debug, uniffi::Object)]
pub struct ListenerHandle {
    pub(crate) task: JoinHandle<()>,
}

#[uniffi::export]
impl ListenerHandle {
    /// Stops delivering events to the listener.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Forwards every SDK event to the listener until stopped.
pub(crate) async fn forward(
    mut events: tokio::sync::broadcast::Receiver<ClientEvent>,
    listener: Arc<dyn ChatListener>,
) {
    loop {
        match events.recv().await {
            Ok(event) => listener.on_event(event),
            // Missed events are in the cache; keep going with the new ones.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}
