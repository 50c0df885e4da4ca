//! The users this user blocked, so that their messages read as `sender_blocked`.

use rusqlite::params;

use super::{Cache, Result};

impl Cache {
    /// Replaces the blocked users with the server's list; whether that changed it.
    ///
    /// # Errors
    ///
    /// When SQLite fails (then nothing changed).
    pub fn set_blocked_users(&mut self, user_ids: &[String]) -> Result<bool> {
        let tx = self.db.transaction()?;
        let before: std::collections::BTreeSet<String> = tx
            .prepare("SELECT user_id FROM blocked_users")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let after: std::collections::BTreeSet<String> = user_ids.iter().cloned().collect();
        if before == after {
            return Ok(false);
        }
        tx.execute("DELETE FROM blocked_users", [])?;
        for user_id in user_ids {
            tx.execute(
                "INSERT INTO blocked_users (user_id) VALUES (?1) ON CONFLICT DO NOTHING",
                params![user_id],
            )?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Marks one user blocked or not; whether that changed the list.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn set_blocked(&mut self, user_id: &str, blocked: bool) -> Result<bool> {
        let rows = if blocked {
            self.db.execute(
                "INSERT INTO blocked_users (user_id) VALUES (?1) ON CONFLICT DO NOTHING",
                params![user_id],
            )?
        } else {
            self.db.execute(
                "DELETE FROM blocked_users WHERE user_id = ?1",
                params![user_id],
            )?
        };
        Ok(rows > 0)
    }
}
