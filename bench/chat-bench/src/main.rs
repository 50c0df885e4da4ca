//! `chat-bench`: a load generator for chat-server and the reference servers under
//! `bench/reference` (Node `ws`, Socket.IO). See `docs/benchmarks.md`.

mod cli;
mod fleet;
mod payload;
mod process;
mod progress;
mod report;
mod scenario;
mod stats;
mod target;

use clap::Parser as _;

use crate::cli::{Cli, Common, Scenario};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The bench speaks plain HTTP on loopback, but a reqwest client cannot be built in
    // this workspace without a TLS provider in place.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let common: &Common = match &cli.scenario {
        Scenario::Fanout(args) => &args.common,
        Scenario::Idle(args) => &args.common,
        Scenario::Storm(args) => &args.common,
        Scenario::RoomList(args) => &args.common,
        Scenario::Chaos(args) => &args.common,
        Scenario::Uploads(args) => &args.common,
    };
    let json = common.json.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::from(common.threads))
        .enable_all()
        .build()?;
    let (summary, value) = runtime.block_on(async move {
        anyhow::Ok(match cli.scenario {
            Scenario::Fanout(args) => {
                let report = scenario::fanout::run(args).await?;
                (report.summary(), serde_json::to_value(&report)?)
            }
            Scenario::Idle(args) => {
                let report = scenario::idle::run(args).await?;
                (report.summary(), serde_json::to_value(&report)?)
            }
            Scenario::Storm(args) => {
                let report = scenario::storm::run(args).await?;
                (report.summary(), serde_json::to_value(&report)?)
            }
            Scenario::RoomList(args) => {
                let report = scenario::room_list::run(args).await?;
                (report.summary(), serde_json::to_value(&report)?)
            }
            Scenario::Chaos(args) => {
                let report = scenario::chaos::run(args).await?;
                (report.summary(), serde_json::to_value(&report)?)
            }
            Scenario::Uploads(args) => {
                let report = scenario::uploads::run(args).await?;
                (report.summary(), serde_json::to_value(&report)?)
            }
        })
    })?;
    // Client tasks still parked on sockets are dropped with the runtime, without waiting.
    runtime.shutdown_background();
    if let Some(path) = json {
        report::write_json(&path, &value)?;
    }
    #[allow(clippy::print_stdout)] // the readable summary is the program's output
    {
        print!("{summary}");
    }
    Ok(())
}
