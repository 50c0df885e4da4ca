//! Deleting the user's own account, for JavaScript.

use wasm_bindgen::prelude::*;

use crate::client::ChatClient;
use crate::error::to_js;

#[wasm_bindgen]
impl ChatClient {
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
}
