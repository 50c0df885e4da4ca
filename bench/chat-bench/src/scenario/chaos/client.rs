//! One chaos client: it sends on schedule, follows its room live, and when its
//! connection dies it reconnects (to the next process of a cluster after a failure),
//! resumes after the last seq it holds without a gap and sends again whatever is not yet
//! acknowledged, under the same `client_msg_id`, as the SDK's send queue does.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::payload::{Clock, Stamp};
use crate::progress::Live;
use crate::stats::{Counter, Latency};
use crate::target::{Connection, Incoming, Member, Stored, Target};

/// First retry delay after a failed reconnect; doubles up to `MAX_BACKOFF`, with jitter.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// What every client shares.
pub struct Shared {
    pub clock: Clock,
    pub live: Arc<Live>,
    pub target: Target,
    /// The processes of the server, `--addr` first.
    pub addrs: Vec<SocketAddr>,
    pub message_size: usize,
    /// Time between two messages of one client.
    pub period: Duration,
    /// From a message's due time until its ack, across reconnects.
    pub ack_latency: Latency,
    /// From losing a connection until back in the room.
    pub reconnect_time: Latency,
    /// Clients that stopped sending and hold no unacknowledged message.
    pub drained: Counter,
}

/// The phases the run tells its clients about.
#[derive(Clone)]
pub struct Phases {
    /// Becomes true when sending stops.
    pub stop_sending: watch::Receiver<bool>,
    /// Once the server's final history is read: its last seq per room.
    pub finals: watch::Receiver<Option<Arc<Vec<u64>>>>,
    /// When clients stop waiting for acks and deliveries: the end of sending plus the
    /// deadline.
    pub give_up_at: Instant,
}

/// Everything one client saw, for the verdict.
#[derive(Debug, Default)]
pub struct Ledger {
    pub room: usize,
    /// The room's last seq when the client first joined: history starts after it.
    pub baseline: u64,
    pub sent: u64,
    /// Acknowledged messages: `client_msg_id` → where the server said it stored it.
    pub acked: BTreeMap<String, Stored>,
    /// Two acks for one message naming different places, or two messages named for one
    /// seq (must never happen).
    pub conflicts: u64,
    /// Messages sent but never acknowledged before the deadline.
    pub unacked: u64,
    /// The client's history: seq → message id, from deliveries and from the acks of its
    /// own messages (the server does not echo a WebSocket send back to its sender).
    pub received: BTreeMap<u64, String>,
    /// Seqs of the room's events that are not messages (members joining): part of the
    /// run of seqs the client holds, not of its message history.
    pub notices: BTreeSet<u64>,
    /// The highest seq up to which the client holds every message: where it resumes.
    pub upto: u64,
    /// Deliveries on one connection that did not come in increasing seq order (the
    /// protocol promises none).
    pub out_of_order: u64,
    /// The last seq delivered on the current connection.
    pub last_on_connection: Option<u64>,
    pub reconnects: u64,
    /// Whether the client held the whole history before the deadline.
    pub caught_up: bool,
}

impl Ledger {
    fn take_delivery(&mut self, stored: Stored) {
        if self
            .last_on_connection
            .is_some_and(|last| stored.seq <= last)
        {
            self.out_of_order += 1;
        }
        self.last_on_connection = Some(stored.seq);
        self.hold(stored);
    }

    /// Adds a message to the history. A seq already held (a replay overlapping what an
    /// ack or an earlier connection brought) is kept once, as the SDK dedupes.
    fn hold(&mut self, stored: Stored) {
        if stored.seq <= self.baseline {
            return;
        }
        match self.received.get(&stored.seq) {
            Some(held) if *held != stored.message_id => self.conflicts += 1,
            Some(_) => {}
            None => {
                self.received.insert(stored.seq, stored.message_id);
                self.advance();
            }
        }
    }

    /// A room event that is not a message: held like one for the run of seqs.
    fn take_notice(&mut self, seq: u64) {
        if seq > self.baseline && self.notices.insert(seq) {
            self.advance();
        }
    }

    /// Moves `upto` over every seq now held without a gap below it.
    fn advance(&mut self) {
        while self.received.contains_key(&(self.upto + 1))
            || self.notices.contains(&(self.upto + 1))
        {
            self.upto += 1;
        }
    }
}

/// A message waiting for its ack.
struct Pending {
    id: String,
    body: String,
    due: Instant,
}

pub struct Client {
    pub member: Member,
    pub room: usize,
    /// Which of `Shared::addrs` to connect to first.
    pub home: usize,
}

pub async fn run(
    shared: Arc<Shared>,
    client: Client,
    first: Connection,
    mut phases: Phases,
) -> Ledger {
    let Client { member, room, home } = client;
    let baseline = first.joined_seq.unwrap_or(0);
    let mut ledger = Ledger {
        room,
        baseline,
        upto: baseline,
        ..Ledger::default()
    };
    let mut connection = Some(first);
    let mut addr = home;
    let mut lost_at = Instant::now();
    let mut backoff = FIRST_BACKOFF;
    let mut pending: VecDeque<Pending> = VecDeque::new();
    let offset = shared.period.mul_f64((member.index % 997) as f64 / 997.0);
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + offset, shared.period);
    // Messages due while the client was offline go out together once it is back, the
    // way an app's send queue flushes.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut sending = true;
    let mut drained_reported = false;
    loop {
        if !sending && pending.is_empty() {
            if !drained_reported {
                drained_reported = true;
                shared.drained.add(1);
            }
            let finals = phases.finals.borrow().clone();
            if let Some(finals) = finals
                && ledger.upto >= finals[room]
            {
                ledger.caught_up = true;
                break;
            }
        }
        if Instant::now() >= phases.give_up_at {
            break;
        }
        let Some(open) = connection.as_mut() else {
            match reconnect(&shared, &member, shared.addrs[addr], &ledger, &pending).await {
                Ok(open) => {
                    shared.reconnect_time.record_ns(nanos(lost_at.elapsed()));
                    backoff = FIRST_BACKOFF;
                    connection = Some(open);
                }
                Err(error) => {
                    shared.live.errors.record(&format!("reconnect: {error:#}"));
                    // The process may be gone for good: try the next one.
                    addr = (addr + 1) % shared.addrs.len();
                    tokio::time::sleep(backoff.mul_f64(0.5 + rand::random::<f64>())).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            continue;
        };
        let mut lost = false;
        tokio::select! {
            _ = phases.stop_sending.changed(), if sending => sending = false,
            due = ticker.tick(), if sending => {
                ledger.sent += 1;
                let stamp = Stamp {
                    point: 0,
                    sender: member.index as u32,
                    number: ledger.sent,
                    due_ns: shared.clock.ns(due.into_std()),
                };
                let message = Pending {
                    id: uuid::Uuid::new_v4().to_string(),
                    body: stamp.encode(shared.message_size),
                    due: due.into_std(),
                };
                shared.live.totals.sent.add(1);
                lost = open.send_message(&member.room, &message.id, &message.body).await.is_err();
                pending.push_back(message);
            }
            _ = phases.finals.changed() => {}
            () = tokio::time::sleep_until(phases.give_up_at.into()) => {}
            incoming = open.next() => match incoming {
                Some(Ok(Incoming::Delivery { stored: Some(stored), .. })) => {
                    shared.live.totals.delivered.add(1);
                    ledger.take_delivery(stored);
                }
                Some(Ok(Incoming::Ack { id, stored: Some(stored) })) => {
                    take_ack(&shared, &mut ledger, &mut pending, id, stored);
                }
                Some(Ok(Incoming::Notice { seq })) => ledger.take_notice(seq),
                Some(Ok(Incoming::Error(error))) => shared.live.errors.record(&error),
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    shared.live.errors.record(&format!("connection lost: {error:#}"));
                    lost = true;
                }
                None => lost = true,
            },
        }
        if lost {
            connection = None;
            ledger.last_on_connection = None;
            ledger.reconnects += 1;
            lost_at = Instant::now();
        }
    }
    ledger.unacked = pending.len() as u64;
    ledger
}

/// Back in the room after the last seq held without a gap, then everything not yet
/// acknowledged is sent again, oldest first.
async fn reconnect(
    shared: &Shared,
    member: &Member,
    addr: SocketAddr,
    ledger: &Ledger,
    pending: &VecDeque<Pending>,
) -> anyhow::Result<Connection> {
    let mut connection = shared
        .target
        .connect_to(addr, member, Some(ledger.upto))
        .await?;
    for message in pending {
        connection
            .send_message(&member.room, &message.id, &message.body)
            .await?;
    }
    Ok(connection)
}

fn take_ack(
    shared: &Shared,
    ledger: &mut Ledger,
    pending: &mut VecDeque<Pending>,
    id: String,
    stored: Stored,
) {
    if let Some(position) = pending.iter().position(|message| message.id == id)
        && let Some(message) = pending.remove(position)
    {
        shared.ack_latency.record_ns(nanos(message.due.elapsed()));
        shared.live.totals.acked.add(1);
    }
    match ledger.acked.get(&id) {
        Some(earlier) if *earlier != stored => ledger.conflicts += 1,
        Some(_) => {}
        None => {
            ledger.hold(stored.clone());
            ledger.acked.insert(id, stored);
        }
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_resumes_after_the_last_seq_it_holds_without_a_gap_and_keeps_each_once() {
        let mut ledger = Ledger {
            baseline: 2,
            upto: 2,
            ..Ledger::default()
        };
        for seq in [3, 4, 6] {
            ledger.take_delivery(Stored {
                seq,
                message_id: format!("m{seq}"),
            });
        }
        assert_eq!(ledger.upto, 4);
        // A new connection resumes after 4.
        ledger.last_on_connection = None;
        ledger.take_delivery(Stored {
            seq: 5,
            message_id: "m5".into(),
        });
        assert_eq!(ledger.upto, 6);
        // The same message again on this connection is out of order; another message
        // named for a seq already held is a conflict.
        ledger.take_delivery(Stored {
            seq: 5,
            message_id: "m5".into(),
        });
        assert_eq!(ledger.out_of_order, 1);
        ledger.last_on_connection = None;
        ledger.take_delivery(Stored {
            seq: 6,
            message_id: "other".into(),
        });
        assert_eq!((ledger.out_of_order, ledger.conflicts), (1, 1));
        assert_eq!(ledger.received.len(), 4);
    }

    #[test]
    fn a_notice_moves_the_resume_point_like_a_message() {
        let mut ledger = Ledger::default();
        ledger.take_notice(1);
        ledger.hold(Stored {
            seq: 2,
            message_id: "m2".into(),
        });
        assert_eq!(ledger.upto, 2);
        assert!(!ledger.received.contains_key(&1), "a notice is no message");
    }
}
