//! Removing doomed attachments: uploads never sent within `--upload-ttl`, and those of
//! deleted messages and rooms. Their rows are marked by the store (a deleted message's
//! in its own transaction); this task deletes their files, then their rows, so a file
//! is never served after its message is gone and never kept without a row.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::Attachments;
use crate::clock::now_ms;
use crate::store::Store;

/// Attachments removed per round.
const BATCH: u32 = 100;

/// An upload's temporary file untouched for this long belongs to no request: a process
/// killed in the middle of an upload leaves it behind (one that is alive writes it
/// with every piece, and gives up after `--http-body-timeout` without one).
const STALE_UPLOAD_FILE: Duration = Duration::from_secs(3600);

/// How often the janitor looks: often enough that an upload outlives its TTL by a
/// quarter at most, and never more than once a minute apart.
fn period(upload_ttl: Duration) -> Duration {
    (upload_ttl / 4).clamp(Duration::from_millis(100), Duration::from_secs(60))
}

/// Until `shutdown`, removes doomed attachments.
pub async fn run(
    store: Arc<dyn Store>,
    attachments: Arc<Attachments>,
    shutdown: CancellationToken,
) {
    let ttl = attachments.options().upload_ttl;
    let mut tick = tokio::time::interval(period(ttl));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {
                remove_stale_upload_files(attachments.scratch());
                // A full batch means there may be more: go on at once.
                while let Ok(BATCH) = sweep(store.as_ref(), &attachments, ttl).await {
                    if shutdown.is_cancelled() {
                        return;
                    }
                }
            }
        }
    }
}

/// Deletes the temporary files of uploads that no request is writing any more.
fn remove_stale_upload_files(scratch: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(scratch) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > STALE_UPLOAD_FILE);
        if stale && let Err(e) = std::fs::remove_file(entry.path()) {
            tracing::warn!(error = %e, file = %entry.path().display(), "removing a stale upload file");
        }
    }
}

/// One round: returns how many attachments were removed.
async fn sweep(store: &dyn Store, attachments: &Attachments, ttl: Duration) -> Result<u32, ()> {
    let now = now_ms();
    let cutoff = now.saturating_sub(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
    let doomed = store
        .doomed_attachments(now, cutoff, BATCH)
        .await
        .map_err(|e| tracing::warn!(error = %e, "listing doomed attachments"))?;
    let mut removed = Vec::with_capacity(doomed.len());
    for record in doomed {
        match attachments.storage().delete(&record.id).await {
            Ok(()) => removed.push(record.id),
            Err(e) => {
                tracing::warn!(error = %e, attachment = %record.id, "deleting attachment files");
            }
        }
    }
    store
        .forget_attachments(&removed)
        .await
        .map_err(|e| tracing::warn!(error = %e, "forgetting deleted attachments"))?;
    crate::telemetry::attachments_removed(removed.len());
    Ok(u32::try_from(removed.len()).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_upload_files_nobody_wrote_for_an_hour_are_removed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let stale = dir.path().join("upload-stale");
        let fresh = dir.path().join("upload-fresh");
        std::fs::write(&stale, b"half an upload").expect("write");
        std::fs::write(&fresh, b"an upload arriving").expect("write");
        let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .and_then(|file| file.set_modified(two_hours_ago))
            .expect("backdate");
        remove_stale_upload_files(dir.path());
        assert!(!stale.exists());
        assert!(fresh.exists());
    }
}
