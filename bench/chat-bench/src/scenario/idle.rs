//! Idle connections: the server's resident memory before and after `--clients`
//! authenticated clients have joined their rooms and gone quiet, per connection.

use std::sync::Arc;

use serde::Serialize;

use crate::cli::IdleArgs;
use crate::fleet::{self, Plan};
use crate::process;
use crate::progress::{self, Live};
use crate::report::SetupReport;
use crate::target::{Connection, Target};

#[derive(Debug, Serialize)]
pub struct IdleReport {
    pub scenario: &'static str,
    pub label: String,
    pub target: crate::cli::TargetKind,
    pub clients: usize,
    pub room_size: u32,
    pub setup: SetupReport,
    pub server_rss_before_mib: Option<f64>,
    pub server_rss_after_mib: Option<f64>,
    /// (after − before) / connected.
    pub server_kib_per_connection: Option<f64>,
    pub generator_kib_per_connection: Option<f64>,
    /// Connections still open when memory was read.
    pub open_at_end: usize,
    pub errors: std::collections::BTreeMap<String, u64>,
}

pub async fn run(args: IdleArgs) -> anyhow::Result<IdleReport> {
    let common = &args.common;
    let target = Target::new(common)?;
    let plan = Plan::new(args.shape.clients, args.shape.room_size as usize);
    let live = Arc::new(Live::default());
    let progress = progress::spawn(common.label.clone(), live.clone(), common.quiet);

    let server_before = process::sample(common.server_pid);
    let generator_before = process::sample_self();
    let (_, opened) =
        fleet::populate(&target, &plan, common.connect_concurrency, &live, |_| false).await?;
    // Keep reading so that heartbeats are answered and nothing piles up unread.
    let tasks: Vec<_> = opened
        .connections
        .into_iter()
        .flatten()
        .map(|connection| tokio::spawn(drain(connection, live.clone())))
        .collect();
    live.set_status(format!("{} connected, settling", tasks.len()));
    tokio::time::sleep(args.settle).await;
    let server_after = process::sample(common.server_pid);
    let generator_after = process::sample_self();
    let open_at_end = tasks.iter().filter(|task| !task.is_finished()).count();
    for task in tasks {
        task.abort();
    }
    progress.abort();

    let setup = SetupReport::from(&opened.setup, opened.failed, opened.elapsed);
    let per_connection = |before: Option<&process::Sample>, after: Option<&process::Sample>| {
        let (before, after) = (before?, after?);
        let connected = setup.connected.max(1) as f64;
        Some((after.rss_kib as f64 - before.rss_kib as f64) / connected)
    };
    Ok(IdleReport {
        scenario: "idle",
        label: common.label.clone(),
        target: common.target,
        clients: args.shape.clients,
        room_size: args.shape.room_size,
        server_rss_before_mib: server_before.as_ref().map(|s| s.rss_kib as f64 / 1024.0),
        server_rss_after_mib: server_after.as_ref().map(|s| s.rss_kib as f64 / 1024.0),
        server_kib_per_connection: per_connection(server_before.as_ref(), server_after.as_ref()),
        generator_kib_per_connection: per_connection(
            generator_before.as_ref(),
            generator_after.as_ref(),
        ),
        setup,
        open_at_end,
        errors: live.errors.snapshot(),
    })
}

async fn drain(mut connection: Connection, live: Arc<Live>) {
    while let Some(incoming) = connection.next().await {
        if let Err(error) = incoming {
            live.errors.record(&format!("{error:#}"));
            return;
        }
    }
    live.errors.record("connection closed");
}

impl IdleReport {
    pub fn summary(&self) -> String {
        let mib = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1} MiB"));
        let kib = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1} KiB"));
        format!(
            "{} against {:?}: {} idle clients in rooms of {}\n\
             set-up: {} connected, {} failed in {:.1} s; connect {}\n\
             server RSS {} → {}: {} per connection (generator {}); {} still open\n\
             errors: {:?}\n",
            self.label,
            self.target,
            self.clients,
            self.room_size,
            self.setup.connected,
            self.setup.failed,
            self.setup.total_s,
            crate::report::ms(&self.setup.connect_latency),
            mib(self.server_rss_before_mib),
            mib(self.server_rss_after_mib),
            kib(self.server_kib_per_connection),
            kib(self.generator_kib_per_connection),
            self.open_at_end,
            self.errors,
        )
    }
}
