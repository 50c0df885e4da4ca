//! Events to JavaScript: a listener function called with each `ClientEvent` until the
//! subscription is closed.

use chat_sdk::ClientEvent;
use futures_util::future::{AbortHandle, Abortable};
use tokio::sync::broadcast::{self, error::RecvError};
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The page's listener: a function called with each event.
    #[wasm_bindgen(typescript_type = "(event: ClientEvent) => void")]
    pub type Listener;

    /// `Function.prototype.call`: the listener called with one event. Typed with
    /// `Ts<ClientEvent>` rather than a bare `JsValue`, so that the event's TypeScript
    /// declaration (emitted in chat-sdk next to this type's description) is linked
    /// into the bundle: the linker keeps a dependency's declarations only where
    /// something of theirs is used.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn deliver(
        this: &Listener,
        this_arg: &JsValue,
        event: Ts<ClientEvent>,
    ) -> Result<JsValue, JsValue>;
}

/// A running subscription; `close()` (or dropping it) stops the calls.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Subscription {
    stop: AbortHandle,
}

impl Subscription {
    pub(crate) fn start(events: broadcast::Receiver<ClientEvent>, listener: Listener) -> Self {
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

async fn forward(mut events: broadcast::Receiver<ClientEvent>, listener: Listener) {
    loop {
        match events.recv().await {
            Ok(event) => {
                let Ok(event) = event.into_ts() else {
                    continue;
                };
                // A throwing listener must not end the subscription.
                let _ = listener.deliver(&JsValue::NULL, event);
            }
            // Missed events are in the cache; go on with the new ones.
            Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }
    }
}
