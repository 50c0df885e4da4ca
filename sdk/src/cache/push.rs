//! This install's push registration, kept across restarts and sign-ins.

use chat_protocol::v1::RegisterDeviceRequest;
use rusqlite::{OptionalExtension, params};

use super::{Cache, CacheError, Result};

/// What the cache keeps of the push registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRegistration {
    /// The request, as the server takes it.
    pub request: RegisterDeviceRequest,
    /// The server's id for the device; `None` until the server has it.
    pub device_id: Option<String>,
}

impl Cache {
    /// The push registration, if the app made one.
    ///
    /// # Errors
    ///
    /// When SQLite fails or the stored request does not parse.
    pub fn push_registration(&self) -> Result<Option<PushRegistration>> {
        let row: Option<(String, Option<String>)> = self
            .db
            .query_row(
                "SELECT request, device_id FROM push_registration WHERE only_row = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        row.map(|(request, device_id)| {
            let request = serde_json::from_str(&request)
                .map_err(|e| CacheError::Storage(format!("stored push registration: {e}")))?;
            Ok(PushRegistration { request, device_id })
        })
        .transpose()
    }

    /// Keeps `registration` in place of the one before (`None`: forgets it).
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn set_push_registration(&mut self, registration: Option<&PushRegistration>) -> Result<()> {
        match registration {
            Some(PushRegistration { request, device_id }) => {
                let request = serde_json::to_string(request)
                    .map_err(|e| CacheError::Storage(format!("push registration: {e}")))?;
                self.db.execute(
                    "INSERT INTO push_registration (only_row, request, device_id)
                     VALUES (1, ?1, ?2)
                     ON CONFLICT (only_row) DO UPDATE SET
                         request = excluded.request, device_id = excluded.device_id",
                    params![request, device_id],
                )?;
            }
            None => {
                self.db.execute("DELETE FROM push_registration", [])?;
            }
        }
        Ok(())
    }
}
