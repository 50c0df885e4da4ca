//! The store's own threads (SQLite's group-commit writer, its checkpoint thread and the
//! thread of its batched writes) run under Linux's `SCHED_BATCH` policy: waking up,
//! they wait for the runtime's thread to finish its turn instead of preempting it.
//!
//! A write wakes the writer while the runtime thread that queued it is still busy: more
//! frames to read, more writes to queue, events to send. Under the default policy the
//! woken writer took the core at once and committed the one to four writes queued so
//! far, and every commit has a fixed cost (its WAL header, fsync, locks, the end of its
//! transaction). Under `SCHED_BATCH` it runs once the runtime waits for I/O or its time
//! slice ends, so a commit takes whatever the runtime queued meanwhile. Side by side on
//! one core, rooms of 10 at 4,000 msg/s: a third fewer commits, 5 to 7 % less server
//! CPU per frame, and a lower delivery p99, half as long near the core's limit
//! (docs/benchmarks.md, "The writer waits its turn"). A thread with a core to itself
//! still runs as soon as it wakes: the policy only decides who goes first on a busy
//! core, and never delays a thread by more than a time slice.

/// Puts the calling thread under `SCHED_BATCH` at nice 0 (the default). Logged and
/// otherwise ignored when the system refuses: a server started at a higher nice value
/// gets the policy but keeps its nice value (only a privileged process may lower it).
#[cfg(target_os = "linux")]
pub(super) fn yield_to_runtime() {
    use thread_priority::unix::{
        NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
        thread_native_id,
    };
    use thread_priority::{ThreadPriority, ThreadPriorityOsValue};

    if let Err(error) = set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Os(ThreadPriorityOsValue::default()),
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch),
    ) {
        tracing::debug!(
            ?error,
            "a store thread could not take SCHED_BATCH at nice 0"
        );
    }
}

/// Other systems have no `SCHED_BATCH`: their scheduler decides alone.
#[cfg(not(target_os = "linux"))]
pub(super) fn yield_to_runtime() {}

#[cfg(all(test, target_os = "linux"))]
pub(super) mod tests {
    /// Linux's number for `SCHED_BATCH` (sched.h).
    const SCHED_BATCH: u32 = 3;

    /// The scheduling policy of each of this process's threads named `name` (at most
    /// 15 bytes: the kernel cuts thread names there), from /proc.
    fn policies_of_threads_named(name: &str) -> Vec<u32> {
        let mut policies = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").expect("/proc/self/task") {
            let task = task.expect("a task").path();
            let Ok(comm) = std::fs::read_to_string(task.join("comm")) else {
                continue; // the thread ended meanwhile
            };
            if comm.trim_end() != name {
                continue;
            }
            let stat = std::fs::read_to_string(task.join("stat")).expect("stat");
            // Fields after the name, which ends at the last ')': the first of them is
            // field 3 (state), and `policy` is field 41 (proc(5)).
            let after_name = &stat[stat.rfind(')').expect("a name") + 1..];
            let policy = after_name
                .split_whitespace()
                .nth(41 - 3)
                .expect("a policy field")
                .parse()
                .expect("a number");
            policies.push(policy);
        }
        policies
    }

    /// Whether every thread named `name` runs under `SCHED_BATCH` (and there is one).
    pub(in crate::store) fn all_batch(name: &str) -> bool {
        let policies = policies_of_threads_named(name);
        !policies.is_empty() && policies.iter().all(|&policy| policy == SCHED_BATCH)
    }

    #[test]
    fn a_thread_that_yields_to_the_runtime_runs_under_sched_batch() {
        let thread = std::thread::Builder::new()
            .name("yield-probe".into())
            .spawn(|| {
                let before = all_batch("yield-probe");
                super::yield_to_runtime();
                (before, all_batch("yield-probe"))
            })
            .expect("spawn");
        assert_eq!(thread.join().expect("join"), (false, true));
    }
}
