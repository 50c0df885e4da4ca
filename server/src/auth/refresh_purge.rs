//! Deleting expired refresh tokens, lapsed sign-ins, expired password reset tokens and
//! expired invite links. Every sign-in leaves a row per
//! refresh; a rotated or abandoned one is kept until it expires (a used token presented
//! again must revoke its sign-in), and after that only takes space. A sign-in not
//! renewed for a refresh token's lifetime has no valid token left, and goes too. Each
//! process of a cluster runs this; the deletes are idempotent.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;
use crate::store::Store;

/// Rows deleted per statement, so that SQLite's write lock is never held for long.
const BATCH: u32 = 1_000;
/// The longest pause between two purges.
const MAX_PERIOD: Duration = Duration::from_secs(3600);
/// The shortest (refresh token lifetimes of seconds exist only in tests).
const MIN_PERIOD: Duration = Duration::from_millis(100);

/// How often to purge: a tenth of the tokens' lifetime, at most hourly.
fn period(refresh_token_ttl: Duration) -> Duration {
    (refresh_token_ttl / 10).clamp(MIN_PERIOD, MAX_PERIOD)
}

/// Purges now and then every `period` of tokens that live `refresh_token_ttl`, until
/// `shutdown`.
pub async fn run_purge(
    store: Arc<dyn Store>,
    refresh_token_ttl: Duration,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(period(refresh_token_ttl));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let now = now_ms();
        purge(store.as_ref(), Rows::RefreshTokens, now, &shutdown).await;
        let ttl_ms = i64::try_from(refresh_token_ttl.as_millis()).unwrap_or(i64::MAX);
        purge(
            store.as_ref(),
            Rows::SignIns,
            now.saturating_sub(ttl_ms),
            &shutdown,
        )
        .await;
        purge(store.as_ref(), Rows::PasswordResets, now, &shutdown).await;
        purge(store.as_ref(), Rows::RoomInvites, now, &shutdown).await;
    }
}

/// What a purge deletes.
#[derive(Debug, Clone, Copy)]
enum Rows {
    /// Refresh tokens expired before the cutoff.
    RefreshTokens,
    /// Sign-ins last active before the cutoff.
    SignIns,
    /// Password reset tokens expired before the cutoff.
    PasswordResets,
    /// Invite links expired before the cutoff.
    RoomInvites,
}

/// Deletes every row of `rows` older than `cutoff` (ms since the epoch), a batch at a
/// time.
async fn purge(store: &dyn Store, rows: Rows, cutoff: i64, shutdown: &CancellationToken) {
    let mut total = 0;
    loop {
        let deleted = match rows {
            Rows::RefreshTokens => store.purge_expired_refresh_tokens(cutoff, BATCH).await,
            Rows::SignIns => store.purge_lapsed_sign_ins(cutoff, BATCH).await,
            Rows::PasswordResets => store.purge_expired_password_resets(cutoff, BATCH).await,
            Rows::RoomInvites => store.purge_expired_invites(cutoff, BATCH).await,
        };
        match deleted {
            Ok(deleted) => {
                total += deleted;
                if matches!(rows, Rows::RefreshTokens) {
                    crate::telemetry::refresh_tokens_purged(deleted);
                }
                if deleted < u64::from(BATCH) {
                    break;
                }
            }
            Err(error) => {
                // The next round tries again; nothing depends on the rows being gone.
                tracing::warn!(%error, ?rows, "purging failed");
                break;
            }
        }
        if shutdown.is_cancelled() {
            break;
        }
    }
    if total > 0 {
        tracing::info!(purged = total, ?rows, "expired rows deleted");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_runs_at_a_tenth_of_the_lifetime_at_most_hourly() {
        assert_eq!(
            period(Duration::from_secs(30 * 24 * 3600)),
            Duration::from_secs(3600)
        );
        assert_eq!(period(Duration::from_secs(600)), Duration::from_secs(60));
        assert_eq!(period(Duration::from_millis(300)), MIN_PERIOD);
    }
}
