//! Events to JavaScript: a listener function called with each `ChatEvent` until the
//! subscription is closed.

use futures_util::future::{AbortHandle, Abortable};
use tokio::sync::broadcast::{self, error::RecvError};
use tsify::Tsify;
use wasm_bindgen::prelude::*;

use crate::convert::ChatEvent;

/// A running subscription; `close()` (or dropping it) stops the calls.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Subscription {
    stop: AbortHandle,
}

impl Subscription {
    pub(crate) fn start(
        events: broadcast::Receiver<chat_sdk::ClientEvent>,
        listener: js_sys::Function,
    ) -> Self {
        let (stop, registration) = AbortHandle::new_pair();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = Abortable::new(forward(events, listener), registration).await;
        });
        Self { stop }
    }
}

#[wasm_bindgen]
impl Subscription {
    /// Stops calling the listener.
    pub fn close(&self) {
        self.stop.abort();
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop.abort();
    }
}

async fn forward(
    mut events: broadcast::Receiver<chat_sdk::ClientEvent>,
    listener: js_sys::Function,
) {
    loop {
        match events.recv().await {
            Ok(event) => {
                let Ok(value) = ChatEvent::from(event).into_js() else {
                    continue;
                };
                // A throwing listener must not end the subscription.
                let _ = listener.call1(&JsValue::NULL, &value);
            }
            // Missed events are in the cache; go on with the new ones.
            Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }
    }
}
