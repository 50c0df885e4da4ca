//! Errors as JavaScript sees them: an `Error` with `kind` (and `code` for `server`), so
//! that `catch (e) { if (e.code === "forbidden") … }` works.

use chat_sdk::ClientError;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const CHAT_ERROR: &str = r#"
/** What every rejected Promise and thrown call of ChatClient carries. */
export interface ChatError extends Error {
    kind: "server" | "network" | "not_connected" | "not_signed_in" | "too_large" | "storage"
        | "invalid_config" | "invalid_argument" | "other_user" | "closed";
    /** For kind "server": the protocol error code (forbidden, not_found, conflict, ...). */
    code?: string;
}
"#;

/// The JavaScript error for an SDK error.
pub(crate) fn to_js(error: ClientError) -> JsValue {
    let (kind, code) = match &error {
        ClientError::Server { code, .. } => ("server", Some(code.as_str())),
        ClientError::Network(_) => ("network", None),
        ClientError::NotConnected => ("not_connected", None),
        ClientError::NotSignedIn => ("not_signed_in", None),
        ClientError::TooLarge(_) => ("too_large", None),
        ClientError::Cache(_) => ("storage", None),
        ClientError::Invalid(_) => ("invalid_argument", None),
        ClientError::InvalidConfig(_) => ("invalid_config", None),
        ClientError::OtherUser(_) => ("other_user", None),
        ClientError::Closed => ("closed", None),
    };
    let message = match &error {
        // The server's own sentence, without the SDK's prefix.
        ClientError::Server { message, .. } => message.clone(),
        other => other.to_string(),
    };
    chat_error(kind, code, &message)
}

/// A JavaScript value that could not be read as the type a method takes.
pub(crate) fn bad_argument(what: &str, error: impl std::fmt::Display) -> JsValue {
    chat_error("invalid_argument", None, &format!("{what}: {error}"))
}

fn chat_error(kind: &str, code: Option<&str>, message: &str) -> JsValue {
    let js = js_sys::Error::new(message);
    js.set_name("ChatError");
    let _ = js_sys::Reflect::set(&js, &"kind".into(), &kind.into());
    if let Some(code) = code {
        let _ = js_sys::Reflect::set(&js, &"code".into(), &code.into());
    }
    js.into()
}
