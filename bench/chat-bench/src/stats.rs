//! What the clients record while a run goes on: counters the progress line reads live,
//! latency histograms, and errors grouped by kind.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use hdrhistogram::Histogram;
use serde::Serialize;

/// Latencies are kept in microseconds, from 1 µs to one hour, to 3 significant digits.
const HIGHEST_MICROS: u64 = 3_600_000_000;

#[derive(Debug)]
pub struct Latency(Mutex<Histogram<u64>>);

impl Default for Latency {
    fn default() -> Self {
        Self(Mutex::new(
            Histogram::new_with_bounds(1, HIGHEST_MICROS, 3).expect("valid histogram bounds"),
        ))
    }
}

impl Latency {
    pub fn record_ns(&self, ns: u64) {
        let micros = (ns / 1_000).clamp(1, HIGHEST_MICROS);
        if let Ok(mut histogram) = self.0.lock() {
            let _ = histogram.record(micros);
        }
    }

    pub fn summary(&self) -> LatencySummary {
        let histogram = self
            .0
            .lock()
            .map(|h| h.clone())
            .unwrap_or_else(|e| e.into_inner().clone());
        let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1_000.0;
        LatencySummary {
            count: histogram.len(),
            p50_ms: ms(0.50),
            p95_ms: ms(0.95),
            p99_ms: ms(0.99),
            p999_ms: ms(0.999),
            max_ms: histogram.max() as f64 / 1_000.0,
        }
    }
}

/// Percentiles of one latency distribution, in milliseconds (0 when nothing was recorded).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

/// A monotonically growing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Errors by kind: the message with each run of digits shown as `#`, so that ids and
/// numbers group together.
#[derive(Debug, Default)]
pub struct Errors(Mutex<BTreeMap<String, u64>>);

impl Errors {
    pub fn record(&self, error: &str) {
        let mut kind = String::new();
        for c in error.chars().take(160) {
            if !c.is_ascii_digit() {
                kind.push(c);
            } else if !kind.ends_with('#') {
                kind.push('#');
            }
        }
        if let Ok(mut errors) = self.0.lock() {
            *errors.entry(kind).or_default() += 1;
        }
    }

    pub fn total(&self) -> u64 {
        self.0.lock().map(|e| e.values().sum()).unwrap_or(0)
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

/// Totals over the whole run, for the progress line.
#[derive(Debug, Default)]
pub struct Totals {
    pub sent: Counter,
    pub acked: Counter,
    pub delivered: Counter,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_recorded_values() {
        let latency = Latency::default();
        for ms in 1..=1000 {
            latency.record_ns(ms * 1_000_000);
        }
        let summary = latency.summary();
        assert_eq!(summary.count, 1000);
        assert!((summary.p50_ms - 500.0).abs() < 1.0, "{summary:?}");
        assert!((summary.p99_ms - 990.0).abs() < 1.0, "{summary:?}");
        assert!((summary.max_ms - 1000.0).abs() < 1.0, "{summary:?}");
    }

    #[test]
    fn errors_group_by_kind() {
        let errors = Errors::default();
        errors.record("closed by the server: 4011 too slow");
        errors.record("closed by the server: 4011 too slow");
        errors.record("connection set-up timed out");
        assert_eq!(errors.total(), 3);
        assert_eq!(errors.snapshot()["closed by the server: # too slow"], 2);
    }
}
