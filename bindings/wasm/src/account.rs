//! Changing or resetting the user's password, exporting their data and deleting their
//! account, for JavaScript.

use chat_sdk::Session;
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::client::{ChatClient, typed};
use crate::error::to_js;

#[wasm_bindgen]
impl ChatClient {
    /// Changes the signed-in user's password: every other sign-in of the user ends, and
    /// this client moves to the returned session (store it; it is also reported as
    /// `sessionRenewed`).
    #[wasm_bindgen(js_name = changePassword)]
    pub async fn change_password(
        &self,
        #[wasm_bindgen(js_name = currentPassword)] current_password: String,
        #[wasm_bindgen(js_name = newPassword)] new_password: String,
    ) -> Result<Ts<Session>, JsValue> {
        let changed = self
            .inner
            .change_password(&current_password, &new_password)
            .await;
        typed(&changed.map_err(to_js)?)
    }

    /// Sets a forgotten password with the reset token a server admin was given for the
    /// user, and signs in with it (every other sign-in of the user ends).
    #[wasm_bindgen(js_name = resetPassword)]
    pub async fn reset_password(
        &self,
        #[wasm_bindgen(js_name = resetToken)] reset_token: String,
        #[wasm_bindgen(js_name = newPassword)] new_password: String,
    ) -> Result<Ts<Session>, JsValue> {
        let reset = self.inner.reset_password(&reset_token, &new_password).await;
        typed(&reset.map_err(to_js)?)
    }

    /// Deletes the signed-in user's account (`password` for accounts of this server,
    /// `undefined` for an external auth service's users); the client is then signed out
    /// and its cache emptied.
    #[wasm_bindgen(js_name = deleteAccount)]
    pub async fn delete_account(
        &self,
        password: Option<String>,
        #[wasm_bindgen(js_name = eraseMessages)] erase_messages: bool,
    ) -> Result<(), JsValue> {
        let deleted = self.inner.delete_account(password, erase_messages).await;
        deleted.map_err(to_js)
    }

    /// The signed-in user's data export: the server's JSON document (profile, rooms,
    /// blocks, devices, sign-ins, reports filed, reactions and every message they sent
    /// that is not deleted), to save as a file
    /// (`new Blob([bytes], {type: "application/json"})`). A few an hour.
    #[wasm_bindgen(js_name = exportMyData)]
    pub async fn export_my_data(&self) -> Result<Vec<u8>, JsValue> {
        self.inner.export_my_data().await.map_err(to_js)
    }
}
