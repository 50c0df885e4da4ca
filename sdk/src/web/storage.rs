//! The cache's storage in the browser: SQLite-on-wasm over the `relaxed-idb` VFS, which
//! keeps the database in memory and writes each committed transaction's pages to
//! IndexedDB in the background, in commit order.
//!
//! Why this VFS: it works on the page's main thread (the OPFS pool needs a dedicated
//! worker) and survives reloads, and it lets the browser run the same SQL cache as every
//! other platform. Its writes are asynchronous, so [`persisted`] waits for them: it
//! queues a tiny write of its own behind them and resolves when that one is done.

use std::cell::RefCell;

use sqlite_wasm_vfs::relaxed_idb::{self, Preload, RelaxedIdbCfgBuilder, RelaxedIdbUtil};

use crate::cache::{Cache, CacheError};
use crate::client::ClientError;

/// The VFS's name, which is also the name of its IndexedDB database.
const VFS: &str = "chat-sdk";
/// The files [`persisted`] writes to wait for the writes queued before it are named
/// after this.
const BARRIER: &str = "chat-sdk-persisted-barrier";

thread_local! {
    static UTIL: RefCell<Option<&'static RelaxedIdbUtil>> = const { RefCell::new(None) };
    /// A valid, minimal database image for the barrier write.
    static BARRIER_IMAGE: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
    /// Barrier writes made so far on this page: each names its own file.
    static BARRIERS: RefCell<u64> = const { RefCell::new(0) };
}

fn storage_error(e: impl std::fmt::Display) -> ClientError {
    ClientError::Cache(CacheError::Storage(e.to_string()))
}

/// The VFS, installed on first use (it opens the IndexedDB database).
async fn vfs() -> Result<&'static RelaxedIdbUtil, ClientError> {
    if let Some(util) = UTIL.with_borrow(|util| *util) {
        return Ok(util);
    }
    // Nothing is preloaded here: each cache loads its own file when opened, so a
    // page never reads other users' databases into memory.
    let config = RelaxedIdbCfgBuilder::new()
        .vfs_name(VFS)
        .preload(Preload::None)
        .build();
    let util = relaxed_idb::install::<sqlite_wasm_rs::WasmOsCallback>(&config, false)
        .await
        .map_err(storage_error)?;
    let util: &'static RelaxedIdbUtil = Box::leak(Box::new(util));
    UTIL.with_borrow_mut(|slot| *slot = Some(util));
    Ok(util)
}

/// Loads the database `name` from IndexedDB (if it exists) and opens the cache on it.
pub(super) async fn open(name: &str) -> Result<Cache, ClientError> {
    let util = vfs().await?;
    util.preload_db(vec![name.to_owned()])
        .await
        .map_err(storage_error)?;
    Ok(Cache::open_in_vfs(name, VFS)?)
}

/// Resolves when every write committed before the call is in IndexedDB.
pub(super) async fn persisted() -> Result<(), ClientError> {
    let util = vfs().await?;
    let image = barrier_image()?;
    // A file of its own per call: the VFS refuses to import over an existing file, so
    // one shared name failed every call after the first, and calls may overlap.
    let barrier = BARRIERS.with_borrow_mut(|count| {
        *count += 1;
        format!("{BARRIER}-{count}")
    });
    // Commits are written one after another: when this one is done, so are those
    // queued before it.
    util.import_db(&barrier, &image)
        .map_err(storage_error)?
        .await
        .map_err(storage_error)?;
    // Gone again, in the same queue; nothing needs to wait for that.
    drop(util.delete_db(&barrier).map_err(storage_error)?);
    Ok(())
}

/// An empty one-table database with small pages, serialised once.
fn barrier_image() -> Result<Vec<u8>, ClientError> {
    if let Some(image) = BARRIER_IMAGE.with_borrow(Clone::clone) {
        return Ok(image);
    }
    let db = rusqlite::Connection::open_in_memory().map_err(CacheError::from)?;
    db.execute_batch("PRAGMA page_size = 512; CREATE TABLE barrier (x INTEGER);")
        .map_err(CacheError::from)?;
    let image = db
        .serialize(rusqlite::MAIN_DB)
        .map_err(CacheError::from)?
        .to_vec();
    BARRIER_IMAGE.with_borrow_mut(|slot| *slot = Some(image.clone()));
    Ok(image)
}
