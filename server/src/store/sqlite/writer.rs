//! Group commit on a thread of its own: one rusqlite connection takes every queued write
//! of a batch and commits them in one transaction, so a burst of messages pays one fsync
//! instead of one each.
//!
//! The whole batch runs on this thread. Through sqlx, each statement was a round trip to
//! sqlx's SQLite worker thread (two context switches), five per message; the benchmark
//! found those switches to be most of the server's CPU at its limit
//! (docs/benchmarks.md). The reads of a reconnect do the same (`readers`); the other
//! reads stay on sqlx's pool.

use std::path::Path;
use std::time::Duration;

use chat_protocol::v1::{MemberRole, Message};
use rusqlite::{Connection, OptionalExtension as _, Row, TransactionBehavior, params};

use crate::store::error::{Error, Refusal, Result};
use crate::store::group_commit::{CommitBatch, Pending};
use crate::store::outbox_events;
use crate::store::queries;
use crate::store::rows::{to_i64, to_u64};
use crate::store::write::{ChangeAction, MessageChange, NewEvent, NewMessage, Sent};
use crate::store::{CommittedEvent, EventOutbox};

use super::checkpointer::{Checkpointer, WalRestart};
use super::search_backlog::SearchBacklog;

/// The write connection's page cache, in KiB (SQLite's default is 2 MiB). A batch
/// touches pages all over the tables and indexes (each room's end of them); with 2 MiB,
/// a trace of the durable benchmark showed the writer reading back from the WAL and the
/// database file nearly one page for every page it wrote. With 32 MiB it acknowledged
/// about 12 % more sends per second at saturation, at 13 % less CPU per message
/// (docs/benchmarks.md). The cache fills only as far as the database is used.
pub(super) const WRITE_CACHE_KIB: i64 = 32 * 1024;

/// How many of the attachments `?1` (a JSON array of ids) the sender `?2` may send:
/// theirs, never sent, not deleted; PostgreSQL's batch function
/// asks the same.
const USABLE_ATTACHMENTS: &str = "SELECT COUNT(*) FROM attachments
     WHERE id IN (SELECT value FROM json_each(?1)) AND uploader_id = ?2
       AND message_id IS NULL AND deleted_at IS NULL";

/// Marks the attachments `?1` (a JSON array of ids) sent with message `?2` in room `?3`.
const CLAIM_ATTACHMENTS: &str = "UPDATE attachments SET message_id = ?2, room_id = ?3
     WHERE id IN (SELECT value FROM json_each(?1))";

/// Opens a write connection with the same durability settings as the pool and a page
/// cache of `cache_kib`.
pub(super) fn open(path: &Path, cache_kib: i64) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: an acknowledged message survives power loss, not only a crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Negative: KiB rather than pages.
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    Ok(conn)
}

/// The SQLite side of group commit: a rusqlite connection of its own. Its `commit`
/// blocks (it never awaits), so it runs on a thread of its own.
pub(super) struct SqliteCommitter {
    pub(super) conn: Connection,
    pub(super) outbox: EventOutbox,
    /// Copies the WAL into the database file beside this writer; stopped on close.
    pub(super) checkpointer: Checkpointer,
    /// Set by the checkpointer when this writer should let the WAL start over.
    pub(super) wal_restart: WalRestart,
    /// New messages waiting for the full-text index.
    pub(super) search: SearchBacklog,
}

impl CommitBatch for SqliteCommitter {
    type Error = rusqlite::Error;

    async fn commit(&mut self, batch: &mut [Pending]) -> rusqlite::Result<()> {
        self.wal_restart.finish_if_due(&self.conn);
        // IMMEDIATE takes the write lock up front: a deferred transaction that reads
        // first fails with SQLITE_BUSY (no retry) when another connection wrote in
        // between.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut sent_ids = Vec::new();
        for pending in batch.iter_mut() {
            match pending {
                Pending::Send { write, reply } => {
                    let outcome = send(&tx, write)?;
                    if let Ok(Sent {
                        message,
                        duplicate: false,
                    }) = &outcome
                    {
                        sent_ids.push(message.message_id.to_string());
                    }
                    reply.outcome = Some(outcome);
                }
                Pending::Change { write, reply } => {
                    // The triggers un-index a changed message unless it waits on the
                    // backlog: what this batch sent must be there first.
                    self.search.add(&tx, &mut sent_ids)?;
                    reply.outcome = Some(change(&tx, write)?);
                }
            }
        }
        if self.outbox.enabled {
            for event in batch.iter().filter_map(Pending::new_event) {
                record_event(&tx, event, self.outbox.include_content)?;
            }
        }
        // Last: when it indexes, FTS5 writes its pending terms out at every later
        // statement's savepoint.
        self.search.add(&tx, &mut sent_ids)?;
        tx.commit()
    }

    async fn close(self) {
        // This thread is the writer's own, so waiting here blocks nobody else.
        self.checkpointer.stop();
    }
}

/// Writes the outbox row of a committed room event, in the same transaction.
fn record_event(
    conn: &Connection,
    event: NewEvent<'_>,
    include_content: bool,
) -> rusqlite::Result<()> {
    let recipients: Vec<String> = conn
        .prepare_cached(queries::MEMBER_IDS)?
        .query_map([event.room_id()], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let row = outbox_events::event_for(event, &recipients, include_content);
    conn.prepare_cached(queries::INSERT_OUTBOX)?
        .execute(params![row.key, row.payload, crate::clock::now_ms()])?;
    Ok(())
}

/// A row of `messages` (current state); the columns are those of the sqlx readers.
fn message_from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let deleted_at: Option<i64> = row.get("deleted_at")?;
    let mentions: Option<String> = row.get("mentions")?;
    let attachments: Option<String> = row.get("attachments")?;
    Ok(Message {
        room_id: row.get::<_, String>("room_id")?.into(),
        seq: to_u64(row.get("seq")?),
        message_id: row.get::<_, String>("id")?.into(),
        client_msg_id: row.get("client_msg_id")?,
        sender_id: row.get::<_, String>("sender_id")?.into(),
        content: row.get("content")?,
        created_at: row.get("created_at")?,
        edited_at: row.get("edited_at")?,
        deleted: deleted_at.is_some(),
        reply_to: row.get::<_, Option<String>>("reply_to")?.map(Into::into),
        // Written by this writer from a list of strings; unreadable JSON reads as none.
        mentions: mentions
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default(),
        reactions: Vec::new(),
        attachments: attachments
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default(),
    })
}

/// The room's last seq if the user may make a member-only write there, or why not: the
/// room must exist and the user be a member; a send (`sending`) is also refused to a
/// user the other member of a direct room blocked (and so is a reaction). One
/// statement, the block part evaluated only for a send to a direct room; the seq comes
/// with it so that a send needs no statement of its own to learn it ([`take_seq_after`]).
fn member_write_room(
    conn: &Connection,
    room_id: &str,
    user_id: &str,
    sending: bool,
) -> rusqlite::Result<Result<u64>> {
    let (last_seq, member, blocked): (Option<i64>, Option<i64>, i64) = conn
        .prepare_cached(
            "SELECT (SELECT last_seq FROM rooms WHERE id = ?1),
                    (SELECT 1 FROM room_members WHERE room_id = ?1 AND user_id = ?2),
                    ?3 AND EXISTS (
                        SELECT 1 FROM rooms r
                        JOIN room_members o ON o.room_id = r.id AND o.user_id <> ?2
                        JOIN user_blocks b ON b.blocker_id = o.user_id AND b.blocked_id = ?2
                        WHERE r.id = ?1 AND r.visibility = 'direct')",
        )?
        .query_row(params![room_id, user_id, sending], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    Ok(match (last_seq, member) {
        (None, _) => Err(Error::NoSuchRoom),
        (Some(_), None) => Err(Error::NotMember),
        _ if blocked != 0 => Err(Error::Refused(Refusal::Blocked)),
        (Some(last_seq), Some(_)) => Ok(to_u64(last_seq)),
    })
}

/// Takes the room's next seq. Two statements rather than `UPDATE ... RETURNING`
/// (`queries::NEXT_SEQ`): SQLite gathers a statement's `RETURNING` rows in a temporary
/// b-tree, made and dropped at every run, and with its page cache cleared each time
/// that was about a tenth of the writer's CPU in small rooms (docs/benchmarks.md).
fn next_seq(conn: &Connection, room_id: &str) -> rusqlite::Result<u64> {
    conn.prepare_cached(BUMP_SEQ)?.execute([room_id])?;
    let seq: i64 = conn
        .prepare_cached(LAST_SEQ)?
        .query_row([room_id], |row| row.get(0))?;
    Ok(to_u64(seq))
}

/// Moves the room `?1` on to its next seq.
const BUMP_SEQ: &str = "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ?1";

/// The room `?1`'s last seq.
const LAST_SEQ: &str = "SELECT last_seq FROM rooms WHERE id = ?1";

/// Takes the room's seq after `last_seq`, read earlier in this transaction. The writer
/// is the database's only one and nothing between the read and here moves the seq; the
/// update is conditional all the same, so that a seq read out of turn fails the batch
/// instead of giving two messages one seq.
fn take_seq_after(conn: &Connection, room_id: &str, last_seq: u64) -> rusqlite::Result<u64> {
    let seq = last_seq + 1;
    let moved = conn
        .prepare_cached(SET_SEQ_AFTER)?
        .execute(params![room_id, to_i64(seq)])?;
    if moved != 1 {
        return Err(rusqlite::Error::StatementChangedRows(moved));
    }
    Ok(seq)
}

/// Sets the room `?1`'s last seq to `?2` if it is the one after the current.
const SET_SEQ_AFTER: &str = "UPDATE rooms SET last_seq = ?2 WHERE id = ?1 AND last_seq = ?2 - 1";

fn send(conn: &Connection, write: &NewMessage) -> rusqlite::Result<Result<Sent>> {
    let earlier = conn
        .prepare_cached(queries::EARLIER_SEND)?
        .query_row(
            params![write.sender_id, write.client_msg_id],
            message_from_row,
        )
        .optional()?;
    if let Some(message) = earlier {
        if message.room_id != write.room_id {
            return Ok(Err(Error::ClientMsgIdInOtherRoom));
        }
        return Ok(Ok(Sent {
            message,
            duplicate: true,
        }));
    }
    let last_seq = match member_write_room(conn, &write.room_id, &write.sender_id, true)? {
        Ok(last_seq) => last_seq,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if let Some(refusal) = reply_or_mention_refusal(conn, write)? {
        return Ok(Err(refusal));
    }
    let seq = take_seq_after(conn, &write.room_id, last_seq)?;
    let message_id = uuid::Uuid::now_v7().to_string();
    conn.prepare_cached(queries::INSERT_MESSAGE)?
        .execute(params![
            message_id,
            write.room_id,
            to_i64(seq),
            write.sender_id,
            write.client_msg_id,
            write.content,
            write.now,
            write.reply_to,
            write.mentions_json(),
            write.attachments_json()
        ])?;
    if let Some(ids) = write.attachment_ids_json() {
        conn.prepare_cached(CLAIM_ATTACHMENTS)?
            .execute(params![ids, message_id, write.room_id])?;
    }
    for user_id in &write.mentions {
        conn.prepare_cached(queries::INSERT_MENTION)?
            .execute(params![user_id, write.room_id, to_i64(seq), message_id])?;
    }
    // The `messages` row is the message's event too: a replay reads new messages from
    // there, and `room_events` holds only what happens to them later (edits, deletes).
    Ok(Ok(Sent {
        message: write.stored(seq, message_id),
        duplicate: false,
    }))
}

/// Why a message's reply, mentions or attachments are refused: the parent must be a
/// message of the room, everyone mentioned a member, and every attachment the sender's
/// own, never sent. Plain messages (most) ask nothing.
fn reply_or_mention_refusal(
    conn: &Connection,
    write: &NewMessage,
) -> rusqlite::Result<Option<Error>> {
    if let Some(parent) = &write.reply_to {
        let found = conn
            .prepare_cached(queries::IS_ROOM_MESSAGE)?
            .exists(params![parent, write.room_id])?;
        if !found {
            return Ok(Some(Error::NoSuchParent));
        }
    }
    for user_id in &write.mentions {
        let member = conn
            .prepare_cached(queries::IS_MEMBER)?
            .exists(params![write.room_id, user_id])?;
        if !member {
            return Ok(Some(Error::MentionNotMember));
        }
    }
    if let Some(ids) = write.attachment_ids_json() {
        let usable: i64 = conn
            .prepare_cached(USABLE_ATTACHMENTS)?
            .query_row(params![ids, write.sender_id], |row| row.get(0))?;
        if usable != i64::try_from(write.attachments.len()).unwrap_or(i64::MAX) {
            return Ok(Some(Error::AttachmentUnusable));
        }
    }
    Ok(None)
}

/// An edit or a delete by the message's sender, or a delete by a moderator; an erase
/// by the sender of a deleted account, member or not; a reaction or pin.
fn change(conn: &Connection, write: &MessageChange) -> rusqlite::Result<Result<CommittedEvent>> {
    let MessageChange {
        room_id,
        user_id,
        message_id,
        action,
        now,
    } = write;
    let refusal = match action {
        ChangeAction::Erase => None,
        ChangeAction::Edit(_) | ChangeAction::Delete | ChangeAction::Pin(_) => {
            member_write_room(conn, room_id, user_id, false)?.err()
        }
        // A reaction speaks to the other member as a message does: a block stops it.
        ChangeAction::React { .. } => member_write_room(conn, room_id, user_id, true)?.err(),
    };
    if let Some(refusal) = refusal {
        return Ok(Err(refusal));
    }
    let row: Option<(String, Option<i64>)> = conn
        .prepare_cached(queries::MESSAGE_SENDER)?
        .query_row(params![message_id, room_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let Some((sender, deleted_at)) = row else {
        return Ok(Err(Error::NoSuchMessage));
    };
    if !action.rewrites() {
        return attach(conn, write, sender, deleted_at.is_some());
    }
    if &sender != user_id
        && !(*action == ChangeAction::Delete && moderates(conn, room_id, user_id)?)
    {
        return Ok(Err(Error::NotSender));
    }
    if deleted_at.is_some() {
        return Ok(Err(Error::MessageDeleted));
    }
    let seq = next_seq(conn, room_id)?;
    conn.prepare_cached(queries::INSERT_ROOM_EVENT)?
        .execute(params![
            room_id,
            to_i64(seq),
            action.log_kind(),
            message_id,
            user_id,
            action.content(),
            now
        ])?;
    match action {
        ChangeAction::Edit(content) => {
            conn.prepare_cached(queries::APPLY_EDIT)?
                .execute(params![content, now, message_id])?;
        }
        ChangeAction::Delete | ChangeAction::Erase => {
            // Deleting erases the text everywhere it is stored, not just in the current
            // state.
            conn.prepare_cached(queries::APPLY_DELETE)?
                .execute(params![now, message_id])?;
            conn.prepare_cached(queries::ERASE_FROM_LOG)?
                .execute([message_id])?;
            conn.prepare_cached(queries::DOOM_MESSAGE_ATTACHMENTS)?
                .execute(params![now, message_id])?;
        }
        // Returned by `attach` above.
        ChangeAction::React { .. } | ChangeAction::Pin(_) => {}
    }
    Ok(Ok(write.committed(seq, sender)))
}

/// A reaction or pin on a message of the room that `sender` sent: refused on a deleted
/// message, and a pin in a group room by anyone but an owner or admin; otherwise it
/// commits a room event if it changes anything.
fn attach(
    conn: &Connection,
    write: &MessageChange,
    sender: String,
    deleted: bool,
) -> rusqlite::Result<Result<CommittedEvent>> {
    let MessageChange {
        room_id,
        user_id,
        message_id,
        action,
        now,
    } = write;
    if deleted {
        return Ok(Err(Error::MessageDeleted));
    }
    let changed = match action {
        ChangeAction::React { emoji, on: true } => conn
            .prepare_cached(queries::SET_REACTION)?
            .execute(params![message_id, emoji, user_id, room_id, now])?,
        ChangeAction::React { emoji, on: false } => conn
            .prepare_cached(queries::REMOVE_REACTION)?
            .execute(params![message_id, emoji, user_id])?,
        ChangeAction::Pin(pinned) => {
            if !is_direct(conn, room_id)? && !moderates(conn, room_id, user_id)? {
                return Ok(Err(Error::Refused(Refusal::NotModerator)));
            }
            if *pinned {
                conn.prepare_cached(queries::SET_PIN)?
                    .execute(params![room_id, message_id, user_id, now])?
            } else {
                conn.prepare_cached(queries::REMOVE_PIN)?
                    .execute(params![room_id, message_id])?
            }
        }
        ChangeAction::Edit(_) | ChangeAction::Delete | ChangeAction::Erase => 0,
    };
    if changed == 0 {
        return Ok(Err(Error::Unchanged));
    }
    let seq = next_seq(conn, room_id)?;
    conn.prepare_cached(queries::INSERT_NOTICE)?
        .execute(params![
            room_id,
            to_i64(seq),
            action.log_kind(),
            user_id,
            write.notice_body(),
            now
        ])?;
    Ok(Ok(write.committed(seq, sender)))
}

fn is_direct(conn: &Connection, room_id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM rooms WHERE id = ?1 AND visibility = 'direct'")?
        .exists([room_id])
}

/// Whether the member is an owner or admin of the room (who may delete any message).
fn moderates(conn: &Connection, room_id: &str, user_id: &str) -> rusqlite::Result<bool> {
    let role: Option<String> = conn
        .prepare_cached(queries::MEMBER_ROLE)?
        .query_row(params![room_id, user_id], |row| row.get(0))
        .optional()?;
    Ok(role
        .as_deref()
        .and_then(MemberRole::parse)
        .is_some_and(MemberRole::moderates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_write_connection_commits_durably_with_its_own_page_cache() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = open(&dir.path().join("chat.db"), WRITE_CACHE_KIB).expect("open");
        let setting = |name: &str| -> String {
            conn.query_row(&format!("PRAGMA {name}"), [], |row| {
                row.get::<_, rusqlite::types::Value>(0)
            })
            .map(|value| match value {
                rusqlite::types::Value::Integer(n) => n.to_string(),
                rusqlite::types::Value::Text(text) => text,
                other => format!("{other:?}"),
            })
            .expect("pragma")
        };
        assert_eq!(setting("journal_mode"), "wal");
        // 2 is FULL: an acknowledged message survives power loss.
        assert_eq!(setting("synchronous"), "2");
        assert_eq!(setting("foreign_keys"), "1");
        assert_eq!(setting("cache_size"), (-WRITE_CACHE_KIB).to_string());
    }

    #[test]
    fn a_seq_read_out_of_turn_fails_instead_of_being_given_twice() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = open(&dir.path().join("chat.db"), WRITE_CACHE_KIB).expect("open");
        conn.execute_batch(
            "CREATE TABLE rooms (id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);
             INSERT INTO rooms VALUES ('r', 5);",
        )
        .expect("a room");
        let last_seq = || -> i64 {
            conn.query_row("SELECT last_seq FROM rooms WHERE id = 'r'", [], |row| {
                row.get(0)
            })
            .expect("last seq")
        };

        assert_eq!(take_seq_after(&conn, "r", 5).expect("the next seq"), 6);
        assert_eq!(last_seq(), 6);
        // 5 again: that seq was read before the one just taken.
        assert!(matches!(
            take_seq_after(&conn, "r", 5),
            Err(rusqlite::Error::StatementChangedRows(0))
        ));
        assert!(matches!(
            take_seq_after(&conn, "no such room", 0),
            Err(rusqlite::Error::StatementChangedRows(0))
        ));
        assert_eq!(last_seq(), 6, "a refused take moves nothing");
    }

    /// `.cargo/config.toml` builds the bundled SQLite with `HAVE_FDATASYNC`, so a commit
    /// syncs the WAL with fdatasync (its data and size) instead of fsync, which also writes
    /// the inode's new modification time. `PRAGMA compile_options` does not list that flag,
    /// so this test runs itself again under strace and reads the sync calls of one commit.
    #[test]
    fn a_commit_syncs_with_fdatasync_not_fsync() {
        const PROBE_DATABASE: &str = "CHAT_SQLITE_SYNC_PROBE_DATABASE";
        if let Some(path) = std::env::var_os(PROBE_DATABASE) {
            // The traced run: one durable commit, nothing else.
            let conn = open(Path::new(&path), WRITE_CACHE_KIB).expect("open");
            conn.execute_batch("CREATE TABLE probe (x); INSERT INTO probe VALUES (1);")
                .expect("commit");
            return;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let trace = dir.path().join("strace.out");
        let (_crate_name, this_test_module) =
            module_path!().split_once("::").expect("a module path");
        let status = std::process::Command::new("strace")
            .args(["-f", "-qq", "-e", "trace=fsync,fdatasync", "-o"])
            .arg(&trace)
            .arg(std::env::current_exe().expect("test binary"))
            .arg("--exact")
            .arg(format!(
                "{this_test_module}::a_commit_syncs_with_fdatasync_not_fsync"
            ))
            .env(PROBE_DATABASE, dir.path().join("chat.db"))
            .stdout(std::process::Stdio::null())
            .status()
            .expect("strace runs (scripts/install-deps.sh installs it)");
        assert!(status.success(), "the traced run failed: {status}");
        let trace = std::fs::read_to_string(&trace).expect("trace");
        // Each line reads `<pid> <call>(<fd>) = <result>`.
        let calls = |name: &str| {
            trace
                .lines()
                .filter(|line| {
                    line.split_whitespace()
                        .any(|word| word.starts_with(&format!("{name}(")))
                })
                .count()
        };
        assert!(calls("fdatasync") > 0, "no fdatasync in:\n{trace}");
        assert_eq!(calls("fsync"), 0, "fsync in:\n{trace}");
    }

    /// `.cargo/config.toml` builds the bundled SQLite without the process-wide mutexes of
    /// memory statistics and of one shared page-cache group (docs/benchmarks.md); a build
    /// that loses that setting fails here rather than only in the benchmark.
    #[test]
    fn sqlite_is_built_without_its_process_wide_mutexes() {
        let conn = Connection::open_in_memory().expect("open");
        let options: Vec<String> = conn
            .prepare("PRAGMA compile_options")
            .expect("prepare")
            .query_map([], |row| row.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert!(
            options.iter().any(|option| option == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
        assert!(
            !options
                .iter()
                .any(|option| option == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
    }
}
