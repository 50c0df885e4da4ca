//! The user's sign-ins: naming this device for the list, listing where the account is
//! signed in, and ending a sign-in the user does not recognise (or every other one).

use chat_protocol::v1::{EndedSignIns, SignIn, SignInList};
use reqwest::Method;

use super::{ChatClient, ClientError};

/// No body.
const NONE: Option<&()> = None;

impl ChatClient {
    /// What to call this device in the user's list of sign-ins (its model, or "Firefox
    /// on Linux"), sent with the next register or login; `None` sends none. 1–64
    /// characters once trimmed, no control characters, or the sign-in is refused with
    /// `invalid_request`.
    pub fn set_device_name(&self, name: Option<String>) {
        *self.shared.device_name.lock().expect("name lock") = name;
    }

    /// Where the user is signed in (with the server's built-in accounts), most recently
    /// active first; `current` marks this client's sign-in.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (an external auth service keeps the sign-ins);
    /// `NotSignedIn`, `Network`.
    pub async fn sign_ins(&self) -> Result<Vec<SignIn>, ClientError> {
        let path = ["v1", "users", "me", "sign-ins"];
        let list: Option<SignInList> = self.request(Method::GET, &path, NONE).await?;
        Ok(list.map(|list| list.sign_ins).unwrap_or_default())
    }

    /// Ends one of the user's sign-ins: that device is disconnected, cannot renew its
    /// session, and gets no more notifications. Ending this client's own is a sign-out
    /// (the client then needs a new session).
    ///
    /// # Errors
    ///
    /// `Server` with `not_found` (no such sign-in of the user's, or it ended already)
    /// or `forbidden`; `NotSignedIn`, `Network`.
    pub async fn end_sign_in(&self, sign_in_id: &str) -> Result<(), ClientError> {
        let path = ["v1", "users", "me", "sign-ins", sign_in_id];
        let _: Option<serde_json::Value> = self.request(Method::DELETE, &path, NONE).await?;
        Ok(())
    }

    /// Ends every sign-in of the user but this client's; returns how many ended. The
    /// server also forgets every push device this sign-in did not register, so this
    /// client registers its own again.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden`; `NotSignedIn`, `Network`.
    pub async fn end_other_sign_ins(&self) -> Result<u32, ClientError> {
        let path = ["v1", "users", "me", "sign-ins", "end-others"];
        let ended: Option<EndedSignIns> = self.request(Method::POST, &path, NONE).await?;
        self.register_push_again().await;
        Ok(ended.map_or(0, |ended| ended.ended))
    }
}
