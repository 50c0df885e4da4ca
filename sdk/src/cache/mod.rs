//! The local cache: messages by `(room, seq)`, the outbox of local echoes, resume
//! cursors, receipts and the room list, in one SQLite file (or in memory for tests).

mod apply;
mod attachments;
mod blocks;
mod erase;
mod floor;
mod members;
mod notices;
mod outbox;
mod pending;
mod pins;
mod push;
mod reactions;
mod read;
mod room_list;
mod search;
mod types;

use std::path::Path;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

pub use apply::CursorUpdate;
pub use attachments::{NewFile, Upload};
pub use outbox::Draft;
pub use push::PushRegistration;
pub use types::{
    LocalMessage, MessageAttachment, MessageReaction, MessageStatus, NoticeChange, RoomNotice,
};

/// Why the cache failed.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// SQLite failed.
    #[error("local database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("local database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The storage under the database failed (the browser's IndexedDB).
    #[error("local storage failed: {0}")]
    Storage(String),
    /// A search query the cache cannot run (no words, too many, too long).
    #[error("{0}")]
    Query(String),
}

/// Shorthand for cache results.
pub type Result<T, E = CacheError> = std::result::Result<T, E>;

/// Schema versions, oldest first. Never edit a released step: add a new one.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("schema.sql")),
        M::up(include_str!("schema_2_floor.sql")),
        M::up(include_str!("schema_3_room_list.sql")),
        M::up(include_str!("schema_4_moderation.sql")),
        M::up(include_str!("schema_5_rich.sql")),
        M::up(include_str!("schema_6_attachments.sql")),
        M::up(include_str!("schema_7_push.sql")),
        M::up(include_str!("schema_8_avatars.sql")),
    ])
}

/// One user's local cache.
#[derive(Debug)]
pub struct Cache {
    pub(super) db: Connection,
}

impl Cache {
    /// Opens (creating and migrating) the cache file at `path`.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened or migrated.
    pub fn open(path: &Path) -> Result<Self> {
        Self::prepare(Connection::open(path)?)
    }

    /// Opens (creating and migrating) the cache file `name` in the SQLite VFS `vfs`,
    /// whose durability is the VFS's own: the browser's IndexedDB-backed VFS persists
    /// each commit asynchronously (see `web::storage`), so SQLite's syncs are off.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened or migrated.
    #[cfg(target_arch = "wasm32")]
    pub fn open_in_vfs(name: &str, vfs: &str) -> Result<Self> {
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut db = Connection::open_with_flags_and_vfs(name, flags, vfs)?;
        // One connection, one thread; the VFS commits each transaction's pages to
        // IndexedDB as a unit, so an in-memory journal is enough.
        db.pragma_update(None, "journal_mode", "MEMORY")?;
        db.pragma_update(None, "synchronous", "OFF")?;
        db.pragma_update(None, "foreign_keys", "ON")?;
        migrations().to_latest(&mut db)?;
        Ok(Self { db })
    }

    /// A cache that lives in memory only (tests, ephemeral sessions).
    ///
    /// # Errors
    ///
    /// When SQLite cannot start.
    pub fn in_memory() -> Result<Self> {
        Self::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut db: Connection) -> Result<Self> {
        // WAL for concurrent reads; FULL so that a message in the outbox survives a
        // crash or power loss once `send_message` has returned.
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.pragma_update(None, "foreign_keys", "ON")?;
        migrations().to_latest(&mut db)?;
        Ok(Self { db })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }
}
