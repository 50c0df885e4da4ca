//! Changing or resetting the user's password, exporting their data and deleting their
//! account, for Kotlin and Swift.

use chat_sdk::Session;

use crate::client::ChatClient;
use crate::error::ChatError;
use crate::runtime::on_runtime;

#[uniffi::export]
impl ChatClient {
    /// Changes the signed-in user's password: every other sign-in of the user ends, and
    /// this client moves to the returned session (store it; it is also reported as
    /// `SessionRenewed`).
    pub async fn change_password(
        &self,
        current_password: String,
        new_password: String,
    ) -> Result<Session, ChatError> {
        let inner = self.inner.clone();
        on_runtime(async move {
            inner
                .change_password(&current_password, &new_password)
                .await
        })
        .await
    }

    /// Sets a forgotten password with the reset token a server admin was given for the
    /// user, and signs in with it (every other sign-in of the user ends).
    pub async fn reset_password(
        &self,
        reset_token: String,
        new_password: String,
    ) -> Result<Session, ChatError> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.reset_password(&reset_token, &new_password).await }).await
    }

    /// Deletes the signed-in user's account (`password` for accounts of this server,
    /// `null` for an external auth service's users); the client is then signed out and
    /// its cache emptied.
    pub async fn delete_account(
        &self,
        password: Option<String>,
        erase_messages: bool,
    ) -> Result<(), ChatError> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.delete_account(password, erase_messages).await }).await
    }

    /// The signed-in user's data export: the server's JSON document (profile, rooms,
    /// blocks, devices, sign-ins, reports filed, reactions and every message they sent
    /// that is not deleted), to save or share as it came. A few an hour.
    pub async fn export_my_data(&self) -> Result<Vec<u8>, ChatError> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.export_my_data().await }).await
    }
}
