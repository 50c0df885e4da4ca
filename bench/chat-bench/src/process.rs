//! CPU time and resident memory of a process, read from /proc (Linux).

use std::collections::BTreeMap;
use std::time::Instant;

/// Linux reports CPU times in clock ticks of 1/100 s (USER_HZ, fixed by the ABI).
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Debug, Clone)]
pub struct Sample {
    at: Instant,
    /// User + system time of the whole process (live and ended threads), in ticks.
    cpu_ticks: u64,
    /// Time on a CPU of each live thread, in nanoseconds (`/proc/PID/task/TID/schedstat`),
    /// when the kernel provides it.
    thread_ns: Option<BTreeMap<u32, u64>>,
    /// Resident set size now, KiB.
    pub rss_kib: u64,
    /// Peak resident set size, KiB.
    pub peak_rss_kib: u64,
}

/// The process `pid`, when given and still running.
pub fn sample(pid: Option<u32>) -> Option<Sample> {
    read(&format!("/proc/{}", pid?))
}

/// This process (the generator).
pub fn sample_self() -> Option<Sample> {
    read("/proc/self")
}

fn read(dir: &str) -> Option<Sample> {
    let stat = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // After the name: state is field 3 of stat(5), utime 14 and stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let thread_ns = read_threads(dir);
    let status = std::fs::read_to_string(format!("{dir}/status")).ok()?;
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|value| value.parse().ok())
    };
    Some(Sample {
        at: Instant::now(),
        cpu_ticks: utime + stime,
        thread_ns,
        rss_kib: kib("VmRSS:")?,
        peak_rss_kib: kib("VmHWM:")?,
    })
}

/// The first field of each thread's schedstat: its time on a CPU (user + system), in ns.
/// A thread that ends while the directory is read is left out.
fn read_threads(dir: &str) -> Option<BTreeMap<u32, u64>> {
    let mut threads = BTreeMap::new();
    for entry in std::fs::read_dir(format!("{dir}/task")).ok()? {
        let Some(tid) = entry
            .ok()
            .and_then(|e| e.file_name().to_str()?.parse().ok())
        else {
            continue;
        };
        let Ok(schedstat) = std::fs::read_to_string(format!("{dir}/task/{tid}/schedstat")) else {
            continue;
        };
        if let Some(ns) = schedstat
            .split_whitespace()
            .next()
            .and_then(|f| f.parse().ok())
        {
            threads.insert(tid, ns);
        }
    }
    (!threads.is_empty()).then_some(threads)
}

/// CPU time (user + system) the process used between two samples, in seconds.
///
/// The per-thread nanosecond counters are exact but lose the time of threads that ended
/// in between; the process-wide ticks keep it but are only within two ticks (20 ms) of
/// the truth. So the per-thread sum counts, unless the ticks exceed it by more than
/// their own error (threads ended meanwhile): then the ticks do.
pub fn cpu_seconds(before: &Sample, after: &Sample) -> f64 {
    let ticks = after.cpu_ticks.saturating_sub(before.cpu_ticks) as f64 / TICKS_PER_SECOND;
    let (Some(first), Some(second)) = (&before.thread_ns, &after.thread_ns) else {
        return ticks;
    };
    // A thread that started in between counts from zero.
    let threads_ns: u64 = second
        .iter()
        .map(|(tid, ns)| ns.saturating_sub(first.get(tid).copied().unwrap_or(0)))
        .sum();
    let threads = threads_ns as f64 / 1e9;
    if ticks > threads + 2.0 / TICKS_PER_SECOND {
        ticks
    } else {
        threads
    }
}

/// Wall time between two samples, in seconds.
pub fn elapsed_seconds(before: &Sample, after: &Sample) -> f64 {
    after.at.duration_since(before.at).as_secs_f64()
}

/// Share of one core used between two samples, in percent.
pub fn cpu_percent(before: &Sample, after: &Sample) -> f64 {
    let seconds = elapsed_seconds(before, after);
    if seconds <= 0.0 {
        return 0.0;
    }
    100.0 * cpu_seconds(before, after) / seconds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_cpu_time_and_memory() {
        let first = sample_self().expect("/proc/self");
        let mut spin = 0u64;
        while first.at.elapsed().as_millis() < 150 {
            spin = spin.wrapping_add(1);
        }
        let second = sample_self().expect("/proc/self");
        assert!(spin > 0 && second.rss_kib > 0 && second.peak_rss_kib >= second.rss_kib);
        assert!(cpu_percent(&first, &second) > 0.0);
        // About 150 ms spent spinning, and no more than the wall time between the samples.
        let used = cpu_seconds(&first, &second);
        assert!(
            used > 0.05 && used <= elapsed_seconds(&first, &second) + 0.02,
            "{used}"
        );
        assert!(sample(Some(u32::MAX)).is_none());
        assert!(sample(None).is_none());
    }

    fn at(ticks: u64, threads: &[(u32, u64)]) -> Sample {
        Sample {
            at: Instant::now(),
            cpu_ticks: ticks,
            thread_ns: Some(threads.iter().copied().collect()),
            rss_kib: 1,
            peak_rss_kib: 1,
        }
    }

    #[test]
    fn cpu_time_is_exact_per_thread_unless_threads_ended() {
        // 2 + 3 ms on two threads (one new), while the ticks moved by one.
        let (first, second) = (
            at(10, &[(1, 1_000_000)]),
            at(11, &[(1, 3_000_000), (2, 3_000_000)]),
        );
        assert!((cpu_seconds(&first, &second) - 0.005).abs() < 1e-9);
        // Thread 2 ended with 500 ms: only the ticks still hold its time.
        let (first, second) = (at(10, &[(1, 0), (2, 0)]), at(60, &[(1, 1_000_000)]));
        assert!((cpu_seconds(&first, &second) - 0.5).abs() < 1e-9);
    }
}
