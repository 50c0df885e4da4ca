//! Placing clients in rooms and opening their connections.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;

use crate::progress::Live;
use crate::stats::{Errors, Latency, LatencySummary};
use crate::target::{Connection, Member, Target};

/// Clients `0..clients` fill rooms of `room_size` in order; the last room may be smaller.
#[derive(Debug)]
pub struct Plan {
    pub rooms: Vec<Vec<usize>>,
}

impl Plan {
    pub fn new(clients: usize, room_size: usize) -> Self {
        let indices: Vec<usize> = (0..clients).collect();
        Self {
            rooms: indices
                .chunks(room_size.max(1))
                .map(<[usize]>::to_vec)
                .collect(),
        }
    }

    /// `count` clients spread evenly over the rooms (first members first).
    pub fn spread(&self, count: usize) -> Vec<usize> {
        let widest = self.rooms.iter().map(Vec::len).max().unwrap_or(0);
        (0..widest)
            .flat_map(|slot| {
                self.rooms
                    .iter()
                    .filter_map(move |room| room.get(slot).copied())
            })
            .take(count)
            .collect()
    }

    /// Creates the rooms on the server and returns every client's membership, in client order.
    pub async fn create(&self, target: &Target) -> anyhow::Result<Vec<Member>> {
        let creators: Vec<usize> = self.rooms.iter().map(|room| room[0]).collect();
        let ids = target.create_rooms(&creators).await?;
        let mut members = Vec::new();
        for (room, id) in self.rooms.iter().zip(&ids) {
            members.extend(room.iter().map(|&index| Member {
                index,
                room: id.clone(),
                watch: false,
            }));
        }
        Ok(members)
    }
}

/// The outcome of opening many connections.
#[derive(Debug)]
pub struct Opened {
    /// In the order of `members` given, `None` where the connection failed.
    pub connections: Vec<Option<Connection>>,
    pub failed: usize,
    /// From the start of the TCP connect until the client was in its room.
    pub setup: LatencySummary,
    pub elapsed: Duration,
}

/// Creates the plan's rooms and opens a connection for every member, `concurrency` at
/// a time, telling the progress line what it is doing. Members for whom `watches` is
/// true follow their room without joining it.
pub async fn populate(
    target: &Target,
    plan: &Plan,
    concurrency: u32,
    live: &Live,
    watches: impl Fn(usize) -> bool,
) -> anyhow::Result<(Vec<Member>, Opened)> {
    live.set_status("creating rooms");
    let mut members = plan.create(target).await?;
    for member in &mut members {
        member.watch = watches(member.index);
    }
    live.set_status(format!("connecting {} clients", members.len()));
    let opened = open_all(target, &members, concurrency as usize, &live.errors).await;
    Ok((members, opened))
}

/// Opens a connection for each member, `concurrency` at a time.
pub async fn open_all(
    target: &Target,
    members: &[Member],
    concurrency: usize,
    errors: &Errors,
) -> Opened {
    open_spread(target, members, &[target.addr()], concurrency, errors).await
}

/// As `open_all`, member `i` on the process at `addrs[i % addrs.len()]`.
pub async fn open_spread(
    target: &Target,
    members: &[Member],
    addrs: &[SocketAddr],
    concurrency: usize,
    errors: &Errors,
) -> Opened {
    let started = Instant::now();
    let setup = Latency::default();
    let mut connections: Vec<Option<Connection>> = Vec::with_capacity(members.len());
    connections.resize_with(members.len(), || None);
    let mut attempts = futures_util::stream::iter(members.iter().enumerate())
        .map(|(position, member)| async move {
            let began = Instant::now();
            let addr = addrs[member.index % addrs.len().max(1)];
            let result = target.connect_to(addr, member, None).await;
            (position, result, began.elapsed())
        })
        .buffer_unordered(concurrency.max(1));
    let mut failed = 0;
    while let Some((position, result, took)) = attempts.next().await {
        match result {
            Ok(connection) => {
                setup.record_ns(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX));
                connections[position] = Some(connection);
            }
            Err(error) => {
                failed += 1;
                errors.record(&format!("connect: {error:#}"));
            }
        }
    }
    Opened {
        connections,
        failed,
        setup: setup.summary(),
        elapsed: started.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_fill_in_order_and_senders_spread_across_them() {
        let plan = Plan::new(25, 10);
        assert_eq!(plan.rooms.len(), 3);
        assert_eq!(plan.rooms[2], vec![20, 21, 22, 23, 24]);
        assert_eq!(plan.spread(4), vec![0, 10, 20, 1]);
        assert_eq!(plan.spread(100).len(), 25);
    }
}
