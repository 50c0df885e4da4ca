//! Forgetting everything: the user deleted their account, so nothing of it stays on the
//! device.

use super::{Cache, Result};

/// Every table of the cache.
const TABLES: [&str; 10] = [
    "outbox",
    "outbox_files",
    "thumbnails",
    "messages",
    "notices",
    "receipts",
    "room_list",
    "rooms",
    "blocked_users",
    "members",
];

impl Cache {
    /// Deletes every row of every table, in one transaction.
    ///
    /// # Errors
    ///
    /// When SQLite fails (then nothing changed).
    pub fn erase_everything(&mut self) -> Result<()> {
        let tx = self.db.transaction()?;
        for table in TABLES {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        tx.commit()?;
        Ok(())
    }
}
