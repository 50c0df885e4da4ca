//! Chaos under load: every client sends at a steady total rate while a driver
//! (`bench/chaos.sh`) kills server processes with SIGKILL and restarts them, and restarts
//! Redis in a cluster. The clients reconnect and resend what was not acknowledged, as
//! the SDK does. When sending stops and every message is acknowledged, the stored history
//! of each room is read over REST and judged against what every client was told and
//! holds (`verdict`).

mod client;
mod verdict;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chat_protocol::v1::Message;
use serde::Serialize;
use tokio::sync::watch;

use crate::cli::{ChaosArgs, TargetKind};
use crate::fleet::{self, Plan};
use crate::payload::Clock;
use crate::progress::{self, Live};
use crate::report::SetupReport;
use crate::stats::{Counter, Latency, LatencySummary};
use crate::target::Target;
use client::{Client, Phases, Shared};
use verdict::Verdict;

/// How often the run looks whether every client has its acks.
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Serialize)]
pub struct ChaosReport {
    pub scenario: &'static str,
    pub label: String,
    pub target: TargetKind,
    pub clients: usize,
    pub room_size: u32,
    pub rooms: usize,
    /// Server processes the clients were spread over.
    pub processes: usize,
    pub rate: f64,
    pub duration_s: f64,
    /// Faults the driver says it injected.
    pub faults: u32,
    pub setup: SetupReport,
    pub sent: u64,
    /// Connections lost and re-established, over all clients.
    pub reconnects: u64,
    pub reconnect_time: LatencySummary,
    /// From a message's due time until its ack, across reconnects and resends.
    pub ack_latency: LatencySummary,
    /// From the end of sending until every client had every ack.
    pub drain_s: f64,
    pub verdict: Verdict,
    pub kept: bool,
    pub errors: std::collections::BTreeMap<String, u64>,
}

pub async fn run(args: ChaosArgs) -> anyhow::Result<ChaosReport> {
    let common = &args.common;
    anyhow::ensure!(
        common.target == TargetKind::Chat,
        "chaos needs chat-server: only it stores and acknowledges messages"
    );
    let plan = Plan::new(args.shape.clients, args.shape.room_size as usize);
    let live = Arc::new(Live::default());
    let progress = progress::spawn(common.label.clone(), live.clone(), common.quiet);
    let target = Target::new(common)?;
    let addrs: Vec<SocketAddr> = std::iter::once(common.addr)
        .chain(args.also_addr.iter().copied())
        .collect();

    live.set_status("creating rooms");
    let members = plan.create(&target).await?;
    live.set_status(format!("connecting {} clients", members.len()));
    let home = |index: usize| index % addrs.len();
    let opened = fleet::open_spread(
        &target,
        &members,
        &addrs,
        common.connect_concurrency as usize,
        &live.errors,
    )
    .await;
    anyhow::ensure!(
        opened.failed == 0,
        "connections failed before the chaos: {:?}",
        live.errors.snapshot()
    );

    let started = Instant::now();
    let give_up_at = started + args.duration + args.deadline;
    let shared = Arc::new(Shared {
        clock: Clock::start(),
        live: live.clone(),
        target,
        addrs: addrs.clone(),
        message_size: args.message_size as usize,
        period: Duration::from_secs_f64(args.shape.clients as f64 / args.rate),
        ack_latency: Latency::default(),
        reconnect_time: Latency::default(),
        drained: Counter::default(),
    });
    let (stop_tx, stop_sending) = watch::channel(false);
    let (finals_tx, finals) = watch::channel(None);
    let phases = Phases {
        stop_sending,
        finals,
        give_up_at,
    };
    let room_size = args.shape.room_size as usize;
    let tasks: Vec<_> = members
        .iter()
        .zip(opened.connections)
        .filter_map(|(member, connection)| Some((member, connection?)))
        .map(|(member, connection)| {
            let client = Client {
                member: member.clone(),
                room: member.index / room_size,
                home: home(member.index),
            };
            tokio::spawn(client::run(
                shared.clone(),
                client,
                connection,
                phases.clone(),
            ))
        })
        .collect();

    live.set_status("sending while the server is killed and restarted");
    if let Some(path) = &args.ready_file {
        std::fs::write(path, b"sending\n").context("writing --ready-file")?;
    }
    tokio::time::sleep(args.duration).await;
    stop_tx.send_replace(true);
    let stopped = Instant::now();
    live.set_status("waiting until every message is acknowledged");
    while (shared.drained.get() as usize) < tasks.len() && Instant::now() < give_up_at {
        tokio::time::sleep(POLL).await;
    }
    let drain = stopped.elapsed();

    live.set_status("reading the stored history of every room");
    let creators: Vec<usize> = plan.rooms.iter().map(|room| room[0]).collect();
    let room_ids: Vec<String> = creators
        .iter()
        .map(|&creator| members[creator].room.clone())
        .collect();
    let stored = read_histories(&shared.target, &room_ids, &creators, give_up_at).await?;
    let last_seqs: Vec<u64> = stored
        .iter()
        .map(|history| history.last().map_or(0, |m| m.seq))
        .collect();
    finals_tx.send_replace(Some(Arc::new(last_seqs)));

    live.set_status("waiting until every client holds the whole history");
    let mut ledgers = Vec::with_capacity(tasks.len());
    for task in tasks {
        ledgers.push(task.await.context("a client task failed")?);
    }
    progress.abort();
    let verdict = verdict::judge(&stored, &ledgers);
    Ok(ChaosReport {
        scenario: "chaos",
        label: common.label.clone(),
        target: common.target,
        clients: args.shape.clients,
        room_size: args.shape.room_size,
        rooms: plan.rooms.len(),
        processes: addrs.len(),
        rate: args.rate,
        duration_s: args.duration.as_secs_f64(),
        faults: args.faults,
        setup: SetupReport::from(&opened.setup, opened.failed, opened.elapsed),
        sent: ledgers.iter().map(|l| l.sent).sum(),
        reconnects: ledgers.iter().map(|l| l.reconnects).sum(),
        reconnect_time: shared.reconnect_time.summary(),
        ack_latency: shared.ack_latency.summary(),
        drain_s: drain.as_secs_f64(),
        kept: verdict.kept(),
        verdict,
        errors: live.errors.snapshot(),
    })
}

/// Each room's history, read as its creator. A process may still be coming back from
/// the last fault, so a failed read is retried until `give_up_at`.
async fn read_histories(
    target: &Target,
    room_ids: &[String],
    readers: &[usize],
    give_up_at: Instant,
) -> anyhow::Result<Vec<Vec<Message>>> {
    let mut rooms = Vec::with_capacity(room_ids.len());
    for (room, &reader) in room_ids.iter().zip(readers) {
        let history = loop {
            match target.stored_history(room, reader).await {
                Ok(history) => break history,
                Err(_) if Instant::now() < give_up_at => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(error) => return Err(error.context("the stored history stayed unreadable")),
            }
        };
        rooms.push(history);
    }
    Ok(rooms)
}

impl ChaosReport {
    pub fn summary(&self) -> String {
        let v = &self.verdict;
        format!(
            "{} against {:?}: {} clients in {} rooms of {} on {} process(es), {}/s for {:.0} s, \
             {} faults\n\
             sent {} acked {} stored {}; reconnects {} ({}); drained in {:.1} s\n\
             ack latency {}\n\
             lost acked {} stored twice {} holes {} unacked {} conflicts {}\n\
             diverged clients {} (missing {} foreign {}) behind {} out of order {}\n\
             promise kept: {}\nerrors: {:?}\n",
            self.label,
            self.target,
            self.clients,
            self.rooms,
            self.room_size,
            self.processes,
            self.rate,
            self.duration_s,
            self.faults,
            self.sent,
            v.acked,
            v.stored,
            self.reconnects,
            crate::report::ms(&self.reconnect_time),
            self.drain_s,
            crate::report::ms(&self.ack_latency),
            v.lost_acked,
            v.stored_twice,
            v.holes,
            v.unacked,
            v.conflicts,
            v.diverged_clients,
            v.missing_deliveries,
            v.foreign_deliveries,
            v.behind_clients,
            v.out_of_order,
            self.kept,
            self.errors,
        )
    }
}
