//! The one-line progress report printed to stderr every second while a run goes on.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::stats::{Errors, Totals};

/// What every client task updates and the progress line reads.
#[derive(Debug, Default)]
pub struct Live {
    pub totals: Totals,
    pub errors: Errors,
    status: Mutex<String>,
}

impl Live {
    /// What the run is doing now ("connecting", "rate 2000/s measuring", …).
    pub fn set_status(&self, status: impl Into<String>) {
        if let Ok(mut current) = self.status.lock() {
            *current = status.into();
        }
    }

    fn status(&self) -> String {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// Prints the progress line until the returned handle is aborted.
pub fn spawn(label: String, live: Arc<Live>, quiet: bool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if quiet {
            return;
        }
        let started = Instant::now();
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        let mut last = (Instant::now(), 0, 0, 0);
        loop {
            ticker.tick().await;
            let now = Instant::now();
            let (sent, acked, delivered) = (
                live.totals.sent.get(),
                live.totals.acked.get(),
                live.totals.delivered.get(),
            );
            let seconds = now.duration_since(last.0).as_secs_f64().max(1e-3);
            let per_second =
                |now: u64, before: u64| (now.saturating_sub(before) as f64 / seconds).round();
            #[allow(clippy::print_stderr)] // the progress line is this task's whole purpose
            {
                eprintln!(
                    "[{label} {:>5.0}s] {} | sent {}/s acked {}/s delivered {}/s | errors {}",
                    started.elapsed().as_secs_f64(),
                    live.status(),
                    per_second(sent, last.1),
                    per_second(acked, last.2),
                    per_second(delivered, last.3),
                    live.errors.total()
                );
            }
            last = (now, sent, acked, delivered);
        }
    })
}
