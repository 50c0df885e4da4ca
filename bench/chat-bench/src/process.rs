//! CPU time and resident memory of a process, read from /proc (Linux).

use std::time::Instant;

/// Linux reports CPU times in clock ticks of 1/100 s (USER_HZ, fixed by the ABI).
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Debug, Clone, Copy)]
pub struct Sample {
    at: Instant,
    cpu_ticks: u64,
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
        rss_kib: kib("VmRSS:")?,
        peak_rss_kib: kib("VmHWM:")?,
    })
}

/// Share of one core used between two samples, in percent.
pub fn cpu_percent(before: &Sample, after: &Sample) -> f64 {
    let seconds = after.at.duration_since(before.at).as_secs_f64();
    if seconds <= 0.0 {
        return 0.0;
    }
    let used = after.cpu_ticks.saturating_sub(before.cpu_ticks) as f64 / TICKS_PER_SECOND;
    100.0 * used / seconds
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
        assert!(sample(Some(u32::MAX)).is_none());
        assert!(sample(None).is_none());
    }
}
