//! Local search over the cached messages (FTS5), offline: the same words as the
//! server's search (`chat_protocol::v1::search_words`), so a query finds the same
//! messages in the cache as on the server, as far as the cache holds them.

use chat_protocol::v1::{fts5_match, search_words};
use rusqlite::params;

use super::{Cache, CacheError, LocalMessage, Result};

impl Cache {
    /// Cached messages that are not deleted and contain every word of `query` (each as
    /// the start of a word), newest first, at most `limit`; only in `room_id` if given.
    /// `me` is the signed-in user.
    ///
    /// # Errors
    ///
    /// [`CacheError::Query`] when the query has no words, too many, or is too long;
    /// otherwise when SQLite fails.
    pub fn search(
        &self,
        query: &str,
        room_id: Option<&str>,
        limit: u32,
        me: &str,
    ) -> Result<Vec<LocalMessage>> {
        let words = search_words(query).map_err(|e| CacheError::Query(e.to_string()))?;
        let ids: Vec<String> = self
            .db
            .prepare(
                "SELECT m.message_id FROM message_search s
                 JOIN message_docs d ON d.doc = s.rowid
                 JOIN messages m ON m.message_id = d.message_id
                 WHERE message_search MATCH ?1 AND m.deleted = 0
                   AND (?2 IS NULL OR m.room_id = ?2)
                 ORDER BY m.created_at DESC, m.message_id DESC LIMIT ?3",
            )?
            .query_map(params![fts5_match(&words), room_id, limit], |row| {
                row.get(0)
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(message) = self.message_by_id(&id, me)? {
                found.push(message);
            }
        }
        Ok(found)
    }
}
