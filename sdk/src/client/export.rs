//! The user's data export: everything the server holds about them (profile, rooms,
//! blocks, devices, sign-ins, reports filed, reactions and every message they sent that
//! is not deleted), as the server's JSON document, for an app's "Download my data".

use super::{ChatClient, ClientError};

impl ChatClient {
    /// The signed-in user's data export (`GET /v1/users/me/export`): a JSON document
    /// (the protocol's `DataExport`) to save as a file or share, as it came. A few an
    /// hour per user.
    ///
    /// # Errors
    ///
    /// `Server` with `rate_limited` past the hourly budget; `NotSignedIn`, `Network`.
    pub async fn export_my_data(&self) -> Result<Vec<u8>, ClientError> {
        let url = self.endpoint(&["v1", "users", "me", "export"])?;
        self.download(url).await
    }
}
