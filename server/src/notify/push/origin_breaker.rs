//! A Web Push endpoint is on whatever server its subscription names, and one that never
//! answers holds a request slot for the whole timeout, on every attempt of every push
//! to it: a few such subscriptions could take every slot from everyone else's pushes.
//! After [`TRIPS_AFTER`] requests in a row got no answer, pushes to that origin fail at
//! once for [`OPEN_FOR`] (a circuit breaker); then one is let through to try again.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Requests in a row without an answer that open the breaker.
const TRIPS_AFTER: u32 = 3;
/// How long an open breaker refuses pushes to its origin.
const OPEN_FOR: Duration = Duration::from_secs(60);
/// Origins remembered at once (only failing ones are).
const MAX_ORIGINS: usize = 1024;

/// Failures in a row of one origin, and until when its pushes are refused.
#[derive(Debug, Clone, Copy)]
struct Failing {
    in_a_row: u32,
    open_until: Option<Instant>,
}

/// The breakers of every origin that failed lately.
#[derive(Debug, Default)]
pub struct OriginBreaker {
    failing: Mutex<HashMap<String, Failing>>,
}

impl OriginBreaker {
    /// Whether pushes to `origin` are refused for now.
    pub fn is_open(&self, origin: &str) -> bool {
        let failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        failing
            .get(origin)
            .and_then(|f| f.open_until)
            .is_some_and(|until| Instant::now() < until)
    }

    /// Records whether a request to `origin` got an answer (any status counts).
    pub fn record(&self, origin: &str, answered: bool) {
        let mut failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        if answered {
            failing.remove(origin);
            return;
        }
        if failing.len() >= MAX_ORIGINS && !failing.contains_key(origin) {
            let now = Instant::now();
            failing.retain(|_, f| f.open_until.is_some_and(|until| now < until));
            if failing.len() >= MAX_ORIGINS {
                return;
            }
        }
        let entry = failing.entry(origin.to_owned()).or_insert(Failing {
            in_a_row: 0,
            open_until: None,
        });
        entry.in_a_row += 1;
        // Once tripped, a single failure of the request let through opens it again.
        if entry.in_a_row >= TRIPS_AFTER {
            entry.open_until = Some(Instant::now() + OPEN_FOR);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_origin_that_keeps_not_answering_is_skipped_for_a_while() {
        let breaker = OriginBreaker::default();
        let dead = "https://tarpit.example";
        for _ in 0..TRIPS_AFTER - 1 {
            breaker.record(dead, false);
            assert!(!breaker.is_open(dead));
        }
        breaker.record(dead, false);
        assert!(breaker.is_open(dead));
        assert!(
            !breaker.is_open("https://push.example"),
            "other origins go on"
        );

        // After a while one push is let through; failing, it opens the breaker again.
        tokio::time::advance(OPEN_FOR).await;
        assert!(!breaker.is_open(dead));
        breaker.record(dead, false);
        assert!(breaker.is_open(dead));

        // An answer, whatever its status, closes it.
        tokio::time::advance(OPEN_FOR).await;
        breaker.record(dead, true);
        breaker.record(dead, false);
        assert!(!breaker.is_open(dead));
    }
}
