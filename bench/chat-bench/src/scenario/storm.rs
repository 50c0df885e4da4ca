//! Reconnect storm: subscribers in rooms, one publisher per room sending numbered
//! messages. At once every subscriber drops its connection and reconnects (chat-server:
//! resuming after the last seq it holds) while the publishers go on. A subscriber has
//! caught up when it holds every message published before it was back in its room;
//! anything it never receives is missing, anything received twice a duplicate.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::cli::StormArgs;
use crate::fleet::{self, Plan};
use crate::payload::{Clock, Stamp};
use crate::process;
use crate::progress::{self, Live};
use crate::report::{ProcessReport, SetupReport};
use crate::stats::{Counter, Latency, LatencySummary};
use crate::target::{Connection, Incoming, Member, Target};

/// First retry delay after a failed reconnect; doubles up to `MAX_BACKOFF`, with jitter.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long a publisher waits for its outstanding acks after publishing stops.
const ACK_GRACE: Duration = Duration::from_secs(30);

struct Shared {
    clock: Clock,
    live: Arc<Live>,
    target: Target,
    /// Messages published and acknowledged so far, per room.
    published: Vec<Counter>,
    message_size: usize,
}

/// What one subscriber saw.
#[derive(Debug, Default)]
struct Outcome {
    /// From the drop until it was back in its room.
    reconnected_after: Option<Duration>,
    /// From the drop until it held everything published before it was back.
    caught_up_after: Option<Duration>,
    /// Highest publisher number held without a gap counted below.
    upto: u64,
    missing: u64,
    duplicates: u64,
}

#[derive(Debug, Serialize)]
pub struct StormReport {
    pub scenario: &'static str,
    pub label: String,
    pub target: crate::cli::TargetKind,
    pub subscribers: usize,
    pub room_size: u32,
    pub rooms: usize,
    pub publish_rate: f64,
    /// How long the publishers were scheduled to publish (before plus after the drop).
    pub publishing_s: f64,
    pub setup: SetupReport,
    /// Messages the publishers sent.
    pub sent: u64,
    /// Of those, acknowledged.
    pub published: u64,
    /// Subscribers back in their room before the deadline.
    pub reconnected: u64,
    pub reconnect_time: LatencySummary,
    /// Subscribers holding everything published before they were back.
    pub caught_up: u64,
    pub catch_up_time: LatencySummary,
    /// Messages a subscriber never received (sum over subscribers).
    pub missing: u64,
    pub duplicates: u64,
    pub server: Option<ProcessReport>,
    pub errors: std::collections::BTreeMap<String, u64>,
}

pub async fn run(args: StormArgs) -> anyhow::Result<StormReport> {
    let common = &args.common;
    let plan = Plan::new(args.shape.clients, args.shape.room_size as usize);
    let live = Arc::new(Live::default());
    let progress = progress::spawn(common.label.clone(), live.clone(), common.quiet);
    let shared = Arc::new(Shared {
        clock: Clock::start(),
        live: live.clone(),
        target: Target::new(common)?,
        published: plan.rooms.iter().map(|_| Counter::default()).collect(),
        message_size: args.message_size as usize,
    });

    let concurrency = common.connect_concurrency;
    let (subscribers, opened) =
        fleet::populate(&shared.target, &plan, concurrency, &live, |_| false).await?;
    // Clients fill rooms in order.
    let room_of = |member: &Member| member.index / args.shape.room_size as usize;
    let publishers: Vec<Member> = plan
        .rooms
        .iter()
        .enumerate()
        .map(|(number, room)| Member {
            index: args.shape.clients + number,
            room: subscribers[room[0]].room.clone(),
            watch: false,
        })
        .collect();
    live.set_status(format!("connecting {} publishers", publishers.len()));
    let publishing = fleet::open_all(
        &shared.target,
        &publishers,
        concurrency as usize,
        &live.errors,
    )
    .await;
    anyhow::ensure!(
        opened.failed == 0 && publishing.failed == 0,
        "connections failed before the storm: {:?}",
        live.errors.snapshot()
    );

    let (drop_tx, drop_rx) = watch::channel(None::<Instant>);
    let (stop_tx, stop_rx) = watch::channel(false);
    let (final_tx, final_rx) = watch::channel(false);
    let deadline = Instant::now() + args.before + args.deadline;
    let subscriber_tasks: Vec<_> = subscribers
        .iter()
        .zip(opened.connections)
        .filter_map(|(member, connection)| Some((member, connection?)))
        .map(|(member, connection)| {
            tokio::spawn(subscriber(
                shared.clone(),
                member.clone(),
                room_of(member),
                connection,
                drop_rx.clone(),
                final_rx.clone(),
                deadline,
            ))
        })
        .collect();
    let period = Duration::from_secs_f64(plan.rooms.len() as f64 / args.rate);
    let publisher_tasks: Vec<_> = publishers
        .iter()
        .zip(publishing.connections)
        .enumerate()
        .filter_map(|(room, (member, connection))| Some((room, member, connection?)))
        .map(|(room, member, connection)| {
            tokio::spawn(publisher(
                shared.clone(),
                member.clone(),
                room,
                connection,
                period,
                stop_rx.clone(),
            ))
        })
        .collect();

    live.set_status("publishing");
    tokio::time::sleep(args.before).await;
    live.set_status("storm: every subscriber dropped");
    let server_before = process::sample(common.server_pid);
    drop_tx.send_replace(Some(Instant::now()));
    tokio::time::sleep(args.after).await;
    stop_tx.send_replace(true);
    for task in publisher_tasks {
        let _ = task.await;
    }
    // The publishers are done: every subscriber now knows its room's final count.
    final_tx.send_replace(true);
    live.set_status("waiting for subscribers to catch up");
    let mut outcomes = Vec::new();
    for task in subscriber_tasks {
        match task.await {
            Ok(outcome) => outcomes.push(outcome),
            Err(error) => live.errors.record(&format!("subscriber task: {error}")),
        }
    }
    let server_after = process::sample(common.server_pid);
    progress.abort();

    let reconnect = Latency::default();
    let catch_up = Latency::default();
    for outcome in &outcomes {
        if let Some(after) = outcome.reconnected_after {
            reconnect.record_ns(u64::try_from(after.as_nanos()).unwrap_or(u64::MAX));
        }
        if let Some(after) = outcome.caught_up_after {
            catch_up.record_ns(u64::try_from(after.as_nanos()).unwrap_or(u64::MAX));
        }
    }
    Ok(StormReport {
        scenario: "storm",
        label: common.label.clone(),
        target: common.target,
        subscribers: args.shape.clients,
        room_size: args.shape.room_size,
        rooms: plan.rooms.len(),
        publish_rate: args.rate,
        publishing_s: (args.before + args.after).as_secs_f64(),
        setup: SetupReport::from(&opened.setup, opened.failed, opened.elapsed),
        sent: live.totals.sent.get(),
        published: shared.published.iter().map(Counter::get).sum(),
        reconnected: outcomes
            .iter()
            .filter(|o| o.reconnected_after.is_some())
            .count() as u64,
        reconnect_time: reconnect.summary(),
        caught_up: outcomes
            .iter()
            .filter(|o| o.caught_up_after.is_some())
            .count() as u64,
        catch_up_time: catch_up.summary(),
        missing: outcomes.iter().map(|o| o.missing).sum(),
        duplicates: outcomes.iter().map(|o| o.duplicates).sum(),
        server: ProcessReport::between(server_before, server_after),
        errors: live.errors.snapshot(),
    })
}

/// Sends numbered messages on schedule until `stop`. A message counts as published once
/// the server acknowledged it (for chat-server: once it is committed); acks come back in
/// order on one connection, so the count is also the highest number acknowledged. After
/// `stop`, it waits for the outstanding acks before closing: a socket closed with unread
/// acks is reset, and the server would lose what it had not read yet.
async fn publisher(
    shared: Arc<Shared>,
    member: Member,
    room: usize,
    mut connection: Connection,
    period: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let offset = period.mul_f64((room % 997) as f64 / 997.0);
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut sent = 0;
    let mut acked = 0;
    let mut stopping: Option<tokio::time::Instant> = None;
    loop {
        if let Some(until) = stopping
            && (acked == sent || tokio::time::Instant::now() >= until)
        {
            if acked < sent {
                shared
                    .live
                    .errors
                    .record("publisher: acks still outstanding after stopping");
            }
            return;
        }
        tokio::select! {
            _ = stop.changed(), if stopping.is_none() => {
                stopping = Some(tokio::time::Instant::now() + ACK_GRACE);
            }
            due = ticker.tick(), if stopping.is_none() => {
                sent += 1;
                let stamp = Stamp { point: 0, sender: member.index as u32, number: sent, due_ns: shared.clock.ns(due.into_std()) };
                let id = uuid::Uuid::new_v4().to_string();
                if let Err(error) = connection.send_message(&member.room, &id, &stamp.encode(shared.message_size)).await {
                    shared.live.errors.record(&format!("publisher send: {error:#}"));
                    return;
                }
                shared.live.totals.sent.add(1);
            }
            () = async { tokio::time::sleep_until(stopping.unwrap_or_else(tokio::time::Instant::now)).await }, if stopping.is_some() => {}
            incoming = connection.next() => match incoming {
                Some(Ok(Incoming::Ack { .. })) => {
                    acked += 1;
                    shared.published[room].add(1);
                    shared.live.totals.acked.add(1);
                }
                Some(Ok(Incoming::Error(error))) => shared.live.errors.record(&format!("publisher: {error}")),
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    shared.live.errors.record(&format!("publisher: {error:#}"));
                    return;
                }
                None => return,
            },
        }
    }
}

/// Follows one subscriber's numbered messages.
struct Follower {
    outcome: Outcome,
    /// chat-server: the highest room seq held (the resume point).
    last_seq: Option<u64>,
}

impl Follower {
    fn take(&mut self, shared: &Shared, incoming: Incoming) {
        match incoming {
            Incoming::Delivery { body, stored } => {
                let Some(stamp) = Stamp::decode(&body) else {
                    shared
                        .live
                        .errors
                        .record("a delivery without a bench stamp");
                    return;
                };
                shared.live.totals.delivered.add(1);
                if let Some(seq) = stored.map(|stored| stored.seq) {
                    self.last_seq = Some(self.last_seq.map_or(seq, |last| last.max(seq)));
                }
                let outcome = &mut self.outcome;
                if stamp.number <= outcome.upto {
                    outcome.duplicates += 1;
                } else {
                    outcome.missing += stamp.number - outcome.upto - 1;
                    outcome.upto = stamp.number;
                }
            }
            Incoming::Error(error) => shared.live.errors.record(&error),
            Incoming::Ack { .. }
            | Incoming::Reply(_)
            | Incoming::Notice { .. }
            | Incoming::Other => {}
        }
    }
}

async fn subscriber(
    shared: Arc<Shared>,
    member: Member,
    room: usize,
    mut connection: Connection,
    mut dropped: watch::Receiver<Option<Instant>>,
    mut publishing_done: watch::Receiver<bool>,
    deadline: Instant,
) -> Outcome {
    let mut follower = Follower {
        outcome: Outcome::default(),
        last_seq: connection.joined_seq,
    };
    // Until the storm: follow the room live.
    let drop_at = loop {
        tokio::select! {
            changed = dropped.changed() => {
                match (changed, *dropped.borrow_and_update()) {
                    (Ok(()), Some(at)) => break at,
                    (Ok(()), None) => continue,
                    (Err(_), _) => return follower.outcome,
                }
            }
            incoming = connection.next() => match incoming {
                Some(Ok(incoming)) => follower.take(&shared, incoming),
                Some(Err(error)) => {
                    shared.live.errors.record(&format!("before the storm: {error:#}"));
                    return follower.outcome;
                }
                None => return follower.outcome,
            },
        }
    };
    connection.abort();

    // The storm: everyone reconnects at once; failures retry with backoff and jitter.
    let mut backoff = FIRST_BACKOFF;
    let mut connection = loop {
        if Instant::now() >= deadline {
            shared
                .live
                .errors
                .record("not back in the room before the deadline");
            return follower.outcome;
        }
        match shared.target.connect(&member, follower.last_seq).await {
            Ok(connection) => break connection,
            Err(error) => {
                shared.live.errors.record(&format!("reconnect: {error:#}"));
                tokio::time::sleep(backoff.mul_f64(0.5 + rand::random::<f64>())).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    };
    follower.outcome.reconnected_after = Some(drop_at.elapsed());
    let owed = shared.published[room].get();

    // After: until it holds everything its publisher sent, or the deadline.
    let mut check = tokio::time::interval(Duration::from_millis(50));
    loop {
        if follower.outcome.caught_up_after.is_none() && follower.outcome.upto >= owed {
            follower.outcome.caught_up_after = Some(drop_at.elapsed());
        }
        let done = *publishing_done.borrow();
        if done && follower.outcome.upto >= shared.published[room].get() {
            break;
        }
        tokio::select! {
            incoming = connection.next() => match incoming {
                Some(Ok(incoming)) => follower.take(&shared, incoming),
                Some(Err(error)) => {
                    shared.live.errors.record(&format!("after the storm: {error:#}"));
                    break;
                }
                None => break,
            },
            _ = publishing_done.changed() => {}
            _ = check.tick() => {}
            () = tokio::time::sleep_until(deadline.into()) => break,
        }
    }
    let owed_at_end = shared.published[room].get();
    follower.outcome.missing += owed_at_end.saturating_sub(follower.outcome.upto);
    connection.abort();
    follower.outcome
}

impl StormReport {
    pub fn summary(&self) -> String {
        format!(
            "{} against {:?}: {} subscribers in {} rooms of {}, publishing {}/s\n\
             set-up: {} connected in {:.1} s\n\
             published {}; reconnected {} ({}); caught up {} ({})\n\
             missing {} duplicates {}; server {}\nerrors: {:?}\n",
            self.label,
            self.target,
            self.subscribers,
            self.rooms,
            self.room_size,
            self.publish_rate,
            self.setup.connected,
            self.setup.total_s,
            self.published,
            self.reconnected,
            crate::report::ms(&self.reconnect_time),
            self.caught_up,
            crate::report::ms(&self.catch_up_time),
            self.missing,
            self.duplicates,
            crate::report::process(self.server.as_ref()),
            self.errors,
        )
    }
}
