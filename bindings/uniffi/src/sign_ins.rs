//! The user's sign-ins for Kotlin and Swift: each method delegates to the SDK.

use chat_protocol::v1::SignIn;

use crate::client::ChatClient;
use crate::error::ChatError;
use crate::runtime::on_runtime;

type Result<T, E = ChatError> = std::result::Result<T, E>;

#[uniffi::export]
impl ChatClient {
    /// What to call this device in the user's list of sign-ins (`Build.MODEL`,
    /// `UIDevice.current.name`), sent with the next register or login.
    pub fn set_device_name(&self, name: Option<String>) {
        self.inner.set_device_name(name);
    }

    /// Where the user is signed in, most recently active first; `current` marks this
    /// client's sign-in.
    pub async fn sign_ins(&self) -> Result<Vec<SignIn>> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.sign_ins().await }).await
    }

    /// Ends one of the user's sign-ins: that device is signed out and gets no more
    /// notifications.
    pub async fn end_sign_in(&self, sign_in_id: String) -> Result<()> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.end_sign_in(&sign_in_id).await }).await
    }

    /// Ends every sign-in of the user but this client's; returns how many ended.
    pub async fn end_other_sign_ins(&self) -> Result<u32> {
        let inner = self.inner.clone();
        on_runtime(async move { inner.end_other_sign_ins().await }).await
    }
}
