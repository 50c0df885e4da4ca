//! The user's sign-ins for JavaScript: each method delegates to the SDK.

use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::client::{ChatClient, typed_all};
use crate::convert::SignIn;
use crate::error::to_js;

type Result<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen]
impl ChatClient {
    /// What to call this browser in the user's list of sign-ins ("Firefox on Linux"),
    /// sent with the next register or login.
    #[wasm_bindgen(js_name = setDeviceName)]
    pub fn set_device_name(&self, name: Option<String>) {
        self.inner.set_device_name(name);
    }

    /// Where the user is signed in, most recently active first; `current` marks this
    /// client's sign-in.
    #[wasm_bindgen(js_name = signIns)]
    pub async fn sign_ins(&self) -> Result<Vec<Ts<SignIn>>> {
        let sign_ins = self.inner.sign_ins().await.map_err(to_js)?;
        typed_all(sign_ins.into_iter().map(SignIn::from))
    }

    /// Ends one of the user's sign-ins: that device is signed out and gets no more
    /// notifications.
    #[wasm_bindgen(js_name = endSignIn)]
    pub async fn end_sign_in(
        &self,
        #[wasm_bindgen(js_name = signInId)] sign_in_id: String,
    ) -> Result<()> {
        self.inner.end_sign_in(&sign_in_id).await.map_err(to_js)
    }

    /// Ends every sign-in of the user but this client's; resolves to how many ended.
    #[wasm_bindgen(js_name = endOtherSignIns)]
    pub async fn end_other_sign_ins(&self) -> Result<u32> {
        self.inner.end_other_sign_ins().await.map_err(to_js)
    }
}
