//! Fan-out: clients in rooms, a fraction of them sending at a fixed total rate (open
//! loop). Each rate in `--rates` is one point: warm-up, a measured window, then a drain
//! that waits for the window's deliveries and acks. The connections stay open across
//! points, so a sweep costs one set-up.
//!
//! Latency is taken from when each message was *due* to the moment it arrived, so a
//! generator or server that falls behind shows up as latency instead of hiding it
//! (no coordinated omission).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::cli::FanoutArgs;
use crate::fleet::{self, Plan};
use crate::payload::{Clock, Stamp, UNMEASURED};
use crate::process;
use crate::progress::{self, Live};
use crate::report::{ProcessReport, SetupReport};
use crate::stats::{Counter, Latency, LatencySummary};
use crate::target::{Connection, Incoming, Member, Target};

/// What the senders do now.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Idle,
    /// Send every `period` per sender; messages belong to `point` (or `UNMEASURED`).
    Send {
        point: u32,
        period: Duration,
    },
    Stop,
}

/// Everything recorded for one point.
#[derive(Debug, Default)]
struct PointStats {
    sent: Counter,
    expected: Counter,
    delivered: Counter,
    /// Deliveries of any message that arrived inside the measured window.
    arrivals: Counter,
    /// Acks of any message that arrived inside the measured window.
    ack_arrivals: Counter,
    acked: Counter,
    delivery: Latency,
    ack: Latency,
}

struct Shared {
    clock: Clock,
    live: Arc<Live>,
    points: Vec<PointStats>,
    /// The point whose measured window is open now, or `UNMEASURED`.
    measuring: AtomicU32,
    message_size: usize,
}

#[derive(Debug, Serialize)]
pub struct FanoutReport {
    pub scenario: &'static str,
    pub label: String,
    pub target: crate::cli::TargetKind,
    pub clients: usize,
    pub room_size: u32,
    pub rooms: usize,
    pub senders: usize,
    /// Only the senders joined; the other members followed through `room_updated`.
    pub watch: bool,
    pub message_size: u32,
    pub warmup_s: f64,
    pub duration_s: f64,
    pub setup: SetupReport,
    pub points: Vec<PointReport>,
    pub errors: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
pub struct PointReport {
    /// Messages per second the senders were asked to send.
    pub offered_per_s: f64,
    /// Messages per second actually sent in the window (lower: the generator fell behind).
    pub sent_per_s: f64,
    pub acked_per_s: f64,
    /// Messages received per second during the window (all receivers together).
    pub delivered_per_s: f64,
    /// Deliveries owed for the window's messages (sent × other members of the room).
    pub expected_deliveries: u64,
    /// Of those, how many never arrived before the drain ended.
    pub undelivered: u64,
    /// Window messages never acknowledged before the drain ended.
    pub unacked: u64,
    /// Sends of any point (warm-up ones included) still unacknowledged when the drain
    /// ended: what the server had queued beyond this point's window.
    pub backlog_after_drain: u64,
    /// Time spent after the drain waiting for that backlog to be acknowledged before the
    /// next point (none after the last point), in seconds.
    pub settle_s: f64,
    /// Whether the backlog was gone before the next point started; `false` if the
    /// `--settle` limit ran out, and the next point started behind it; `None` after the
    /// last point, where nothing waits.
    pub settled: Option<bool>,
    pub delivery_latency: LatencySummary,
    pub ack_latency: LatencySummary,
    pub server: Option<ProcessReport>,
    pub generator: Option<ProcessReport>,
    /// The measured window's wall time, in seconds.
    pub window_s: f64,
    /// Deliveries (of any message) that arrived inside the window: `delivered_per_s` ×
    /// `window_s`. Only deliveries to the room's other members count; chat-server's copy
    /// of a message to its own sender's connection is not counted (nor is any other
    /// frame: presence, heartbeats).
    pub window_deliveries: u64,
    /// Acks (of any message) that arrived inside the window.
    pub window_acks: u64,
    /// The server's CPU time (user + system, all its threads) in the window, in
    /// microseconds, divided by the frames it wrote in the window that the generator
    /// counted: `window_deliveries + window_acks`. Every ack is a frame the server writes
    /// as a delivery is, so both count; the frames not counted (chat-server's copy to the
    /// sender) are paid for by the server that writes them. `None` without a server PID or
    /// when no frame arrived.
    pub server_cpu_us_per_frame: Option<f64>,
    /// The server's CPU time in the window, in microseconds, per delivery only:
    /// `window_deliveries` (acks not counted; higher than per frame).
    pub server_cpu_us_per_delivery: Option<f64>,
    /// The generator's CPU time (this process, all threads) in the window, in
    /// microseconds, per the same frames as `server_cpu_us_per_frame`: what reading them
    /// (and sending the messages behind them) costs the generator.
    pub generator_cpu_us_per_frame: Option<f64>,
    /// The generator may have been the limit at this point rather than the server: its
    /// CPU in the window was at least 90 % of the cores it can use (its runtime worker
    /// threads, at most the CPUs it may run on), or it sent less than 97 % of the offered
    /// messages (`sent_per_s < 0.97 × offered_per_s`). A sender also falls behind when the
    /// server stops reading, so where the server did not keep up either, the flag only
    /// says that this point does not show the server's own limit.
    pub generator_bound: bool,
}

/// `generator_bound` when the generator used at least this share of the cores it can use…
const GENERATOR_BOUND_CPU_SHARE: f64 = 0.90;
/// …or sent less than this share of the offered load.
const GENERATOR_BOUND_SENT_SHARE: f64 = 0.97;

/// The rule of `PointReport::generator_bound`; `cores` is what the generator can use.
fn generator_bound(
    offered_per_s: f64,
    sent_per_s: f64,
    generator: Option<&ProcessReport>,
    cores: f64,
) -> bool {
    let busy =
        generator.is_some_and(|g| g.cpu_percent >= GENERATOR_BOUND_CPU_SHARE * 100.0 * cores);
    busy || sent_per_s < GENERATOR_BOUND_SENT_SHARE * offered_per_s
}

/// Microseconds of `process`'s CPU time per one of `count` frames.
fn cpu_us_per(process: Option<&ProcessReport>, count: u64) -> Option<f64> {
    let process = process?;
    (count > 0).then(|| process.cpu_s * 1e6 / count as f64)
}

pub async fn run(args: FanoutArgs) -> anyhow::Result<FanoutReport> {
    let common = &args.common;
    anyhow::ensure!(
        !args.watch || common.target == crate::cli::TargetKind::Chat,
        "--watch follows rooms through chat-server's room_updated; other servers have none"
    );
    let target = Arc::new(Target::new(common)?);
    let plan = Plan::new(args.shape.clients, args.shape.room_size as usize);
    let sender_count = ((args.shape.clients as f64 * args.senders).round() as usize).max(1);
    let senders: std::collections::HashSet<usize> = plan.spread(sender_count).into_iter().collect();
    let live = Arc::new(Live::default());
    let progress = progress::spawn(common.label.clone(), live.clone(), common.quiet);

    // With `--watch`, only the senders join: everyone else hears of the room's messages
    // through `room_updated`.
    let watch = args.watch;
    let (members, opened) =
        fleet::populate(&target, &plan, common.connect_concurrency, &live, |index| {
            watch && !senders.contains(&index)
        })
        .await?;
    anyhow::ensure!(
        opened.failed * 100 <= members.len(),
        "{} of {} connections failed: {:?}",
        opened.failed,
        members.len(),
        live.errors.snapshot()
    );

    let shared = Arc::new(Shared {
        clock: Clock::start(),
        live: live.clone(),
        points: args.rates.iter().map(|_| PointStats::default()).collect(),
        measuring: AtomicU32::new(UNMEASURED),
        message_size: args.message_size as usize,
    });
    let (phase_tx, phase_rx) = watch::channel(Phase::Idle);
    // Clients fill rooms in order, so a room's first member is its entry in `members`.
    let room_sizes: HashMap<&str, u64> = plan
        .rooms
        .iter()
        .map(|room| (members[room[0]].room.as_str(), room.len() as u64))
        .collect();
    let mut tasks = Vec::new();
    for (member, connection) in members.iter().zip(opened.connections) {
        let Some(connection) = connection else {
            continue;
        };
        let sends = senders.contains(&member.index);
        let fanout = room_sizes.get(member.room.as_str()).copied().unwrap_or(1) - 1;
        tasks.push(tokio::spawn(client(
            shared.clone(),
            member.clone(),
            connection,
            sends.then(|| phase_rx.clone()),
            fanout,
        )));
    }
    let per_sender = |rate: f64| Duration::from_secs_f64(senders.len() as f64 / rate);
    // The generator runs its tasks on this many threads, on at most this many CPUs.
    let generator_cores = f64::from(common.threads)
        .min(std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64));

    let mut points = Vec::new();
    for (index, &rate) in args.rates.iter().enumerate() {
        let point = index as u32;
        let stats = &shared.points[index];
        let label = format!("point {}/{} at {rate}/s", index + 1, args.rates.len());
        live.set_status(format!("{label}: warm-up"));
        phase_tx.send_replace(Phase::Send {
            point: UNMEASURED,
            period: per_sender(rate),
        });
        tokio::time::sleep(args.warmup).await;

        live.set_status(format!("{label}: measuring"));
        let server_before = process::sample(common.server_pid);
        let generator_before = process::sample_self();
        shared.measuring.store(point, Ordering::Relaxed);
        phase_tx.send_replace(Phase::Send {
            point,
            period: per_sender(rate),
        });
        let window_start = Instant::now();
        tokio::time::sleep(args.duration).await;
        phase_tx.send_replace(Phase::Idle);
        shared.measuring.store(UNMEASURED, Ordering::Relaxed);
        let window = window_start.elapsed().as_secs_f64();
        let server_after = process::sample(common.server_pid);
        let generator_after = process::sample_self();

        live.set_status(format!("{label}: draining"));
        let drain_end = Instant::now() + args.drain;
        while Instant::now() < drain_end
            && (stats.delivered.get() < stats.expected.get()
                || stats.acked.get() < stats.sent.get())
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let server = ProcessReport::between(server_before, server_after);
        let generator = ProcessReport::between(generator_before, generator_after);
        let sent_per_s = stats.sent.get() as f64 / window;
        let window_deliveries = stats.arrivals.get();
        let window_acks = stats.ack_arrivals.get();
        let frames = window_deliveries + window_acks;
        let mut report = PointReport {
            offered_per_s: rate,
            sent_per_s,
            acked_per_s: stats.acked.get() as f64 / window,
            delivered_per_s: window_deliveries as f64 / window,
            expected_deliveries: stats.expected.get(),
            undelivered: stats.expected.get().saturating_sub(stats.delivered.get()),
            unacked: stats.sent.get().saturating_sub(stats.acked.get()),
            delivery_latency: stats.delivery.summary(),
            ack_latency: stats.ack.summary(),
            window_s: window,
            window_deliveries,
            window_acks,
            server_cpu_us_per_frame: cpu_us_per(server.as_ref(), frames),
            server_cpu_us_per_delivery: cpu_us_per(server.as_ref(), window_deliveries),
            generator_cpu_us_per_frame: cpu_us_per(generator.as_ref(), frames),
            generator_bound: generator_bound(rate, sent_per_s, generator.as_ref(), generator_cores),
            server,
            generator,
            backlog_after_drain: 0,
            settle_s: 0.0,
            settled: None,
        };

        // The point's figures are taken; what the server still has queued (warm-up sends,
        // or the window's past the drain) is acknowledged before the next point starts,
        // or that point would measure this one's backlog instead of its own load.
        let unacknowledged = || {
            live.totals
                .sent
                .get()
                .saturating_sub(live.totals.acked.get())
        };
        let backlog_after_drain = unacknowledged();
        let settling = Instant::now();
        let last = index + 1 == args.rates.len();
        if !last && backlog_after_drain > 0 {
            live.set_status(format!("{label}: settling"));
            let settle_end = settling + args.settle;
            while Instant::now() < settle_end && unacknowledged() > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        report.backlog_after_drain = backlog_after_drain;
        report.settle_s = settling.elapsed().as_secs_f64();
        report.settled = (!last).then(|| unacknowledged() == 0);
        points.push(report);
    }
    phase_tx.send_replace(Phase::Stop);
    for task in tasks {
        task.abort();
    }
    progress.abort();

    Ok(FanoutReport {
        scenario: "fanout",
        label: common.label.clone(),
        target: common.target,
        clients: args.shape.clients,
        room_size: args.shape.room_size,
        rooms: plan.rooms.len(),
        senders: senders.len(),
        watch: args.watch,
        message_size: args.message_size,
        warmup_s: args.warmup.as_secs_f64(),
        duration_s: args.duration.as_secs_f64(),
        setup: SetupReport::from(&opened.setup, opened.failed, opened.elapsed),
        points,
        errors: live.errors.snapshot(),
    })
}

impl FanoutReport {
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{} against {:?}: {} clients in {} rooms of {}, {} senders, {}-byte messages{}\n\
             set-up: {} connected, {} failed in {:.1} s; connect {}\n",
            self.label,
            self.target,
            self.clients,
            self.rooms,
            self.room_size,
            self.senders,
            self.message_size,
            if self.watch {
                ", receivers on their room list (room_updated)"
            } else {
                ""
            },
            self.setup.connected,
            self.setup.failed,
            self.setup.total_s,
            crate::report::ms(&self.setup.connect_latency),
        );
        let us =
            |value: Option<f64>| value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1} µs"));
        for point in &self.points {
            out += &format!(
                "offered {:>8.0}/s  sent {:>8.0}/s  acked {:>8.0}/s  delivered {:>9.0}/s  \
                 undelivered {} unacked {}\n    delivery {}\n    ack      {}\n    \
                 server {}  generator {}\n    \
                 CPU per frame ({} deliveries + {} acks in the window): server {} \
                 ({} per delivery), generator {}{}{}\n",
                point.offered_per_s,
                point.sent_per_s,
                point.acked_per_s,
                point.delivered_per_s,
                point.undelivered,
                point.unacked,
                crate::report::ms(&point.delivery_latency),
                crate::report::ms(&point.ack_latency),
                crate::report::process(point.server.as_ref()),
                crate::report::process(point.generator.as_ref()),
                point.window_deliveries,
                point.window_acks,
                us(point.server_cpu_us_per_frame),
                us(point.server_cpu_us_per_delivery),
                us(point.generator_cpu_us_per_frame),
                if point.generator_bound {
                    "\n    GENERATOR-BOUND: the generator, not the server, may be the limit here"
                } else {
                    ""
                },
                backlog_note(point),
            );
        }
        out += &format!("errors: {:?}\n", self.errors);
        out
    }
}

/// What the summary says of a backlog left after a point's drain, if any.
fn backlog_note(point: &PointReport) -> String {
    match (point.backlog_after_drain, point.settled) {
        (0, _) => String::new(),
        (backlog, None) => format!(
            "\n    backlog: {backlog} sends unacknowledged after the drain (the last point: \
             not waited for)"
        ),
        (backlog, Some(true)) => format!(
            "\n    backlog: {backlog} sends unacknowledged after the drain, \
             acknowledged {:.1} s later",
            point.settle_s
        ),
        (backlog, Some(false)) => format!(
            "\n    BACKLOG: {backlog} sends unacknowledged after the drain, and some \
             still after {:.1} s (the next point starts behind them)",
            point.settle_s
        ),
    }
}

/// One client: reads everything that arrives; a sender also sends on the schedule that
/// `phase` sets.
async fn client(
    shared: Arc<Shared>,
    member: Member,
    mut connection: Connection,
    mut phase: Option<watch::Receiver<Phase>>,
    fanout: u64,
) {
    let mut ticker: Option<tokio::time::Interval> = None;
    let mut current = Phase::Idle;
    let mut pending: HashMap<String, (u32, u64)> = HashMap::new();
    let mut number = 0u64;
    loop {
        tokio::select! {
            changed = async { phase.as_mut()?.changed().await.ok() }, if phase.is_some() => {
                let (Some(()), Some(phase)) = (changed, phase.as_mut()) else { return };
                current = *phase.borrow_and_update();
                ticker = match current {
                    Phase::Send { period, .. } => Some(schedule(period, member.index)),
                    Phase::Idle => None,
                    Phase::Stop => return,
                };
            }
            due = async { Some(ticker.as_mut()?.tick().await) }, if ticker.is_some() => {
                let (Some(due), Phase::Send { point, .. }) = (due, current) else { continue };
                number += 1;
                let stamp = Stamp {
                    point,
                    sender: member.index as u32,
                    number,
                    due_ns: shared.clock.ns(due.into_std()),
                };
                let id = uuid::Uuid::new_v4().to_string();
                let body = stamp.encode(shared.message_size);
                match connection.send_message(&member.room, &id, &body).await {
                    Ok(ack_id) => {
                        pending.insert(ack_id, (point, stamp.due_ns));
                        shared.live.totals.sent.add(1);
                        if let Some(stats) = shared.points.get(point as usize) {
                            stats.sent.add(1);
                            stats.expected.add(fanout);
                        }
                    }
                    Err(error) => {
                        shared.live.errors.record(&format!("send: {error:#}"));
                        return;
                    }
                }
            }
            incoming = connection.next() => {
                match incoming {
                    Some(Ok(incoming)) => receive(&shared, &member, incoming, &mut pending),
                    Some(Err(error)) => {
                        shared.live.errors.record(&format!("{error:#}"));
                        return;
                    }
                    None => {
                        shared.live.errors.record("connection closed");
                        return;
                    }
                }
            }
        }
    }
}

/// A sender's ticks, started at a per-client offset so that senders do not all fire at once.
fn schedule(period: Duration, index: usize) -> tokio::time::Interval {
    let offset = period.mul_f64((index % 997) as f64 / 997.0);
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
    // Open loop: a late tick is sent at once, and it still counts from when it was due.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    ticker
}

fn receive(
    shared: &Shared,
    member: &Member,
    incoming: Incoming,
    pending: &mut HashMap<String, (u32, u64)>,
) {
    match incoming {
        Incoming::Delivery { body, .. } => {
            let Some(stamp) = Stamp::decode(&body) else {
                shared
                    .live
                    .errors
                    .record("a delivery without a bench stamp");
                return;
            };
            if stamp.sender as usize == member.index {
                return; // chat-server also sends the message to its sender's connections
            }
            let now = shared.clock.now_ns();
            shared.live.totals.delivered.add(1);
            if let Some(stats) = shared
                .points
                .get(shared.measuring.load(Ordering::Relaxed) as usize)
            {
                stats.arrivals.add(1);
            }
            if let Some(stats) = shared.points.get(stamp.point as usize) {
                stats.delivered.add(1);
                stats.delivery.record_ns(now.saturating_sub(stamp.due_ns));
            }
        }
        Incoming::Ack { id, .. } => {
            let Some((point, due_ns)) = pending.remove(&id) else {
                shared.live.errors.record("an ack for nothing sent");
                return;
            };
            shared.live.totals.acked.add(1);
            if let Some(stats) = shared
                .points
                .get(shared.measuring.load(Ordering::Relaxed) as usize)
            {
                stats.ack_arrivals.add(1);
            }
            if let Some(stats) = shared.points.get(point as usize) {
                stats.acked.add(1);
                stats
                    .ack
                    .record_ns(shared.clock.now_ns().saturating_sub(due_ns));
            }
        }
        Incoming::Error(error) => shared.live.errors.record(&error),
        Incoming::Reply(_) | Incoming::Notice { .. } | Incoming::Other => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(cpu_percent: f64, cpu_s: f64) -> ProcessReport {
        ProcessReport {
            cpu_s,
            cpu_percent,
            rss_mib: 1.0,
            peak_rss_mib: 1.0,
        }
    }

    #[test]
    fn a_busy_or_lagging_generator_is_the_limit() {
        let calm = process(40.0, 0.4);
        assert!(!generator_bound(1000.0, 995.0, Some(&calm), 1.0));
        assert!(!generator_bound(1000.0, 1000.0, None, 1.0));
        assert!(generator_bound(1000.0, 960.0, Some(&calm), 1.0));
        let busy = process(93.0, 0.93);
        assert!(generator_bound(1000.0, 1000.0, Some(&busy), 1.0));
        assert!(!generator_bound(1000.0, 1000.0, Some(&busy), 2.0));
    }

    #[test]
    fn cpu_per_frame_is_microseconds_per_counted_frame() {
        let server = process(50.0, 0.5);
        assert_eq!(cpu_us_per(Some(&server), 10_000), Some(50.0));
        assert_eq!(cpu_us_per(Some(&server), 0), None);
        assert_eq!(cpu_us_per(None, 10), None);
    }
}
