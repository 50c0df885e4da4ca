//! Attachments in the cache: the files of outbox messages (the SDK's own copy until
//! the server has them), what stored messages carry, and a bounded cache of
//! thumbnails.

use chat_protocol::v1::Attachment;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Cache, MessageAttachment, Result};

/// A file to send with a message, as the app hands it over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewFile {
    /// The name recipients see.
    pub name: String,
    /// What the app says it is (the server decides from the bytes).
    pub mime: String,
    /// The file.
    pub bytes: Vec<u8>,
}

/// The next file waiting to be uploaded, with the message it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The outbox message.
    pub client_msg_id: String,
    /// Its room.
    pub room_id: String,
    /// The file's position in the message.
    pub position: u32,
    /// The file name.
    pub name: String,
    /// The declared type.
    pub mime: String,
    /// The file.
    pub bytes: Vec<u8>,
}

/// What the cache writes and reads of attachments, for the other cache modules.
pub(super) fn store_files(db: &Connection, client_msg_id: &str, files: &[NewFile]) -> Result<()> {
    for (position, file) in files.iter().enumerate() {
        db.execute(
            "INSERT INTO outbox_files (client_msg_id, position, name, mime, size, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                client_msg_id,
                i64::try_from(position).unwrap_or(i64::MAX),
                file.name,
                file.mime,
                i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
                file.bytes
            ],
        )?;
    }
    Ok(())
}

/// The attachments of an outbox message, as its echo shows them.
pub(super) fn of_outbox_message(
    db: &Connection,
    client_msg_id: &str,
) -> Result<Vec<MessageAttachment>> {
    let mut query = db.prepare_cached(
        "SELECT position, name, mime, size, attachment FROM outbox_files
         WHERE client_msg_id = ?1 ORDER BY position",
    )?;
    let rows = query.query_map(params![client_msg_id], |row| {
        let position: i64 = row.get(0)?;
        let uploaded: Option<String> = row.get(4)?;
        let position = usize::try_from(position).unwrap_or(0);
        Ok(
            match uploaded.and_then(|json| serde_json::from_str::<Attachment>(&json).ok()) {
                Some(attachment) => MessageAttachment::from_server(position, &attachment),
                None => MessageAttachment {
                    attachment_id: None,
                    position: u32::try_from(position).unwrap_or(u32::MAX),
                    name: row.get(1)?,
                    mime: row.get(2)?,
                    size: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
                    width: None,
                    height: None,
                    thumbnail_width: None,
                    thumbnail_height: None,
                },
            },
        )
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The server ids of an outbox message's files, and whether any still waits to be
/// uploaded (then it is not sent yet).
pub(super) fn upload_state(db: &Connection, client_msg_id: &str) -> Result<(Vec<String>, bool)> {
    let mut query = db.prepare_cached(
        "SELECT attachment FROM outbox_files WHERE client_msg_id = ?1 ORDER BY position",
    )?;
    let uploaded: Vec<Option<String>> = query
        .query_map(params![client_msg_id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let waiting = uploaded.iter().any(Option::is_none);
    let ids = uploaded
        .into_iter()
        .flatten()
        .filter_map(|json| serde_json::from_str::<Attachment>(&json).ok())
        .map(|a| a.attachment_id.into_string())
        .collect();
    Ok((ids, waiting))
}

/// The Attachment objects of an outbox message that the server stored (what its
/// `messages` row keeps), as JSON; `None` when it has none. The files leave the outbox.
pub(super) fn take_for_stored_message(
    db: &Connection,
    client_msg_id: &str,
) -> Result<Option<String>> {
    let mut query = db.prepare_cached(
        "SELECT attachment FROM outbox_files WHERE client_msg_id = ?1 ORDER BY position",
    )?;
    let attachments: Vec<Attachment> = query
        .query_map(params![client_msg_id], |row| {
            row.get::<_, Option<String>>(0)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .filter_map(|json| serde_json::from_str(&json).ok())
        .collect();
    forget_files(db, client_msg_id)?;
    Ok((!attachments.is_empty())
        .then(|| serde_json::to_string(&attachments).expect("attachments serialise")))
}

/// Drops the files of an outbox message (sent, or cancelled).
pub(super) fn forget_files(db: &Connection, client_msg_id: &str) -> Result<()> {
    db.execute(
        "DELETE FROM outbox_files WHERE client_msg_id = ?1",
        params![client_msg_id],
    )?;
    Ok(())
}

/// A stored message's attachments, from its `messages.attachments` JSON.
pub(super) fn of_stored_message(stored: Option<String>) -> Vec<MessageAttachment> {
    stored
        .and_then(|json| serde_json::from_str::<Vec<Attachment>>(&json).ok())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, a)| MessageAttachment::from_server(i, a))
        .collect()
}

/// The JSON a stored message keeps of its attachments (`None` for none).
pub(super) fn stored_json(attachments: &[Attachment]) -> Option<String> {
    (!attachments.is_empty())
        .then(|| serde_json::to_string(attachments).expect("attachments serialise"))
}

impl Cache {
    /// The next file to upload: the first waiting file of the oldest outbox message
    /// that has one and has not failed, so that messages go out in the order written.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn next_upload(&self) -> Result<Option<Upload>> {
        Ok(self
            .db
            .query_row(
                "SELECT f.client_msg_id, o.room_id, f.position, f.name, f.mime, f.bytes
                 FROM outbox_files f JOIN outbox o ON o.client_msg_id = f.client_msg_id
                 WHERE f.attachment IS NULL AND o.failed_code IS NULL
                 ORDER BY o.position, f.position LIMIT 1",
                [],
                |row| {
                    Ok(Upload {
                        client_msg_id: row.get(0)?,
                        room_id: row.get(1)?,
                        position: u32::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
                        name: row.get(3)?,
                        mime: row.get(4)?,
                        bytes: row.get::<_, Option<Vec<u8>>>(5)?.unwrap_or_default(),
                    })
                },
            )
            .optional()?)
    }

    /// The server stored a file of an outbox message: its Attachment object is kept and
    /// the copy dropped. Returns the message's attachment ids once every file of it is
    /// uploaded (the message may then be sent), else `None`.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn file_uploaded(
        &mut self,
        client_msg_id: &str,
        position: u32,
        attachment: &Attachment,
    ) -> Result<Option<Vec<String>>> {
        self.db.execute(
            "UPDATE outbox_files SET attachment = ?3, bytes = NULL
             WHERE client_msg_id = ?1 AND position = ?2",
            params![
                client_msg_id,
                i64::from(position),
                serde_json::to_string(attachment).expect("attachments serialise")
            ],
        )?;
        let (ids, waiting) = upload_state(&self.db, client_msg_id)?;
        Ok((!waiting).then_some(ids))
    }

    /// The bytes of a file still waiting in the outbox (to show a pending image).
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn pending_file(&self, client_msg_id: &str, position: u32) -> Result<Option<Vec<u8>>> {
        Ok(self
            .db
            .query_row(
                "SELECT bytes FROM outbox_files WHERE client_msg_id = ?1 AND position = ?2",
                params![client_msg_id, i64::from(position)],
                |row| row.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()?
            .flatten())
    }

    /// A cached thumbnail (`size`: `small` or `medium`), marked used at `now`.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn thumbnail(
        &mut self,
        attachment_id: &str,
        size: &str,
        now: i64,
    ) -> Result<Option<Vec<u8>>> {
        let found: Option<Vec<u8>> = self
            .db
            .query_row(
                "UPDATE thumbnails SET used_at = ?3 WHERE attachment_id = ?1 AND size = ?2
                 RETURNING bytes",
                params![attachment_id, size, now],
                |row| row.get(0),
            )
            .optional()?;
        Ok(found)
    }

    /// Keeps a thumbnail, then drops the least recently used ones until all of them
    /// take at most `max_bytes`. One larger than `max_bytes` is not kept (keeping it
    /// would empty the cache and then drop it too).
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn put_thumbnail(
        &mut self,
        attachment_id: &str,
        size: &str,
        bytes: &[u8],
        now: i64,
        max_bytes: u64,
    ) -> Result<()> {
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max_bytes {
            return Ok(());
        }
        let tx = self.db.transaction()?;
        tx.execute(
            "INSERT INTO thumbnails (attachment_id, size, bytes, length, used_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (attachment_id, size) DO UPDATE SET used_at = excluded.used_at",
            params![
                attachment_id,
                size,
                bytes,
                i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                now
            ],
        )?;
        let max = i64::try_from(max_bytes).unwrap_or(i64::MAX);
        // Newest first, running total: everything past the bound goes.
        tx.execute(
            "DELETE FROM thumbnails WHERE rowid IN (
                 SELECT rowid FROM (
                     SELECT rowid, SUM(length) OVER (ORDER BY used_at DESC, rowid DESC) AS total
                     FROM thumbnails)
                 WHERE total > ?1)",
            params![max],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Bytes the cached thumbnails take.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn thumbnail_bytes(&self) -> Result<u64> {
        let total: i64 = self.db.query_row(
            "SELECT COALESCE(SUM(length), 0) FROM thumbnails",
            [],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(total).unwrap_or(0))
    }
}
