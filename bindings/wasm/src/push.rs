//! Web Push registration and muting for JavaScript: each method delegates to the SDK.

use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::client::{ChatClient, seq_arg, typed, typed_all};
use crate::convert::Device;
use crate::error::to_js;

type Result<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen]
impl ChatClient {
    /// Registers the browser's push subscription (`subscription.toJSON()`: its
    /// `endpoint`, `keys.p256dh` and `keys.auth`); it is kept and registered again after
    /// each sign-in.
    #[wasm_bindgen(js_name = registerWebPush)]
    pub async fn register_web_push(
        &self,
        endpoint: String,
        p256dh: String,
        auth: String,
    ) -> Result<Ts<Device>> {
        let device = self
            .inner
            .register_web_push(&endpoint, &p256dh, &auth)
            .await
            .map_err(to_js)?;
        typed(&Device::from(device))
    }

    /// Stops notifications to this browser and forgets its subscription.
    #[wasm_bindgen(js_name = unregisterPush)]
    pub async fn unregister_push(&self) -> Result<()> {
        self.inner.unregister_push().await.map_err(to_js)
    }

    /// The server's VAPID public key (base64url): `applicationServerKey` for
    /// `PushManager.subscribe`; `undefined` when the server does not send Web Push.
    #[wasm_bindgen(js_name = vapidPublicKey)]
    pub async fn vapid_public_key(&self) -> Result<Option<String>> {
        self.inner.vapid_public_key().await.map_err(to_js)
    }

    /// Mutes a room until `until` (ms since the epoch), or unmutes it with `undefined`;
    /// with `mentions`, a message that mentions the user still notifies them.
    #[wasm_bindgen(js_name = setMute)]
    pub async fn set_mute(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        until: Option<f64>,
        mentions: bool,
    ) -> Result<()> {
        // A whole, non-negative number of milliseconds (a safe integer in JavaScript).
        let until = until
            .map(|ms| seq_arg("until", ms))
            .transpose()?
            .map(|ms| i64::try_from(ms).unwrap_or(i64::MAX));
        self.inner
            .set_mute(&room_id, until, mentions)
            .await
            .map_err(to_js)
    }

    /// The signed-in user's push devices, most recently registered first.
    #[wasm_bindgen(js_name = pushDevices)]
    pub async fn push_devices(&self) -> Result<Vec<Ts<Device>>> {
        let devices = self.inner.push_devices().await.map_err(to_js)?;
        typed_all(devices.into_iter().map(Device::from))
    }
}
