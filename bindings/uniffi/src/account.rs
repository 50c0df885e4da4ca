//! Deleting the user's own account, for Kotlin and Swift.

use crate::client::ChatClient;
use crate::error::ChatError;
use crate::runtime::on_runtime;

#[uniffi::export]
impl ChatClient {
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
}
