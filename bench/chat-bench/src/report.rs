//! Report pieces shared by the scenarios, and the JSON / readable output.

use std::time::Duration;

use serde::Serialize;

use crate::process::{self, Sample};
use crate::stats::LatencySummary;

/// How opening the connections went.
#[derive(Debug, Serialize)]
pub struct SetupReport {
    pub connected: u64,
    pub failed: usize,
    /// Wall time to open them all.
    pub total_s: f64,
    /// Per connection: TCP connect until authenticated and in the room.
    pub connect_latency: LatencySummary,
}

impl SetupReport {
    pub fn from(latency: &LatencySummary, failed: usize, elapsed: Duration) -> Self {
        Self {
            connected: latency.count,
            failed,
            total_s: elapsed.as_secs_f64(),
            connect_latency: *latency,
        }
    }
}

/// A process's CPU use over a window and its memory at the end of it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ProcessReport {
    /// CPU time (user + system, all threads) used over the window, in seconds.
    pub cpu_s: f64,
    /// The same as a share of one core over the window's wall time, in percent.
    pub cpu_percent: f64,
    pub rss_mib: f64,
    pub peak_rss_mib: f64,
}

impl ProcessReport {
    pub fn between(before: Option<Sample>, after: Option<Sample>) -> Option<Self> {
        let (before, after) = (before?, after?);
        Some(Self {
            cpu_s: process::cpu_seconds(&before, &after),
            cpu_percent: process::cpu_percent(&before, &after),
            rss_mib: after.rss_kib as f64 / 1024.0,
            peak_rss_mib: after.peak_rss_kib as f64 / 1024.0,
        })
    }
}

/// Writes the report as pretty JSON.
pub fn write_json(path: &std::path::Path, report: &impl Serialize) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(report)?;
    std::fs::write(path, json + "\n")?;
    Ok(())
}

pub fn ms(latency: &LatencySummary) -> String {
    format!(
        "p50 {:.1} p95 {:.1} p99 {:.1} p99.9 {:.1} max {:.1} ms",
        latency.p50_ms, latency.p95_ms, latency.p99_ms, latency.p999_ms, latency.max_ms
    )
}

pub fn process(report: Option<&ProcessReport>) -> String {
    report.map_or_else(
        || "n/a".to_owned(),
        |p| format!("CPU {:.0}% RSS {:.1} MiB", p.cpu_percent, p.rss_mib),
    )
}
