//! Deleting the user's own account.

use chat_protocol::v1::DeleteAccountRequest;
use reqwest::Method;

use super::{ChatClient, ClientError};

impl ChatClient {
    /// Deletes the signed-in user's account on the server: every device of theirs is
    /// disconnected, their memberships end, their name becomes free, and (with
    /// `erase_messages`) every message they sent is deleted. Accounts of this server
    /// confirm with their `password`; users of an external auth service pass `None`.
    /// On success this client is signed out and its cache emptied: nothing of the
    /// account stays on the device.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (a missing or wrong password); `NotSignedIn`,
    /// `Network`, `Cache`. Nothing changed then.
    pub async fn delete_account(
        &self,
        password: Option<String>,
        erase_messages: bool,
    ) -> Result<(), ClientError> {
        let mut url = self.endpoint(&["v1", "users", "me"])?;
        url.query_pairs_mut().append_pair(
            "erase_messages",
            if erase_messages { "true" } else { "false" },
        );
        let body = DeleteAccountRequest { password };
        let _: Option<serde_json::Value> =
            super::rest::call(&self.http, Method::DELETE, url, &self.token()?, Some(&body)).await?;
        let _ = self.disconnect();
        *self.shared.refresh_token.lock().expect("refresh lock") = None;
        *self.shared.token.lock().expect("token lock") = None;
        *self.shared.session.lock().expect("session lock") = None;
        // The cache is empty: another user may sign in on this client now.
        *self.shared.me.lock().expect("me lock") = None;
        self.shared
            .cache
            .lock()
            .expect("cache lock")
            .erase_everything()?;
        Ok(())
    }
}
