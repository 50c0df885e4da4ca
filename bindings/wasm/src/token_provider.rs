//! Fresh tokens from the page, for apps whose users sign in with another auth service:
//! a JavaScript function returning the token (or a Promise of it), which the SDK calls
//! ahead of the token's expiry, after the server refused a token, and on `connect`
//! without one.

use chat_sdk::TokenFuture;
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The page's function, as the SDK asks for it.
pub(crate) struct JsTokenProvider(pub(crate) js_sys::Function);

impl chat_sdk::TokenProvider for JsTokenProvider {
    fn fresh_token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            // A function that throws, or whose Promise is rejected, gave no token: the
            // SDK tries again later, or waits for `setSession`.
            let returned = self.0.call0(&JsValue::UNDEFINED).ok()?;
            let answer = match returned.dyn_into::<js_sys::Promise>() {
                Ok(promise) => JsFuture::from(promise).await.ok()?,
                Err(value) => value,
            };
            // A string is a token; `undefined` or `null` means: sign in again.
            answer.as_string().filter(|token| !token.is_empty())
        })
    }
}
