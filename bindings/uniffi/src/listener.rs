//! Events to the app: Kotlin and Swift implement `ChatListener`; a handle stops it.

use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::convert::Event;

/// Implemented by the app (Kotlin / Swift) to receive events. Called from an SDK thread:
/// hop to the UI thread before touching views.
#[uniffi::export(with_foreign)]
pub trait ChatListener: Send + Sync {
    /// One event.
    fn on_event(&self, event: Event);
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
    mut events: tokio::sync::broadcast::Receiver<chat_sdk::ClientEvent>,
    listener: Arc<dyn ChatListener>,
) {
    loop {
        match events.recv().await {
            Ok(event) => listener.on_event(event.into()),
            // Missed events are in the cache; keep going with the new ones.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}
