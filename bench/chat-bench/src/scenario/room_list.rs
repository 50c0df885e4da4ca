//! The home screen of a user in many rooms: how long `GET /v1/rooms` takes for its first
//! page, and how much server CPU each costs. One user (the reader) is a member of
//! `--rooms` rooms, each with `--unread` messages from someone else that the reader has
//! not read; requests are sent one at a time, so the latency is the server's.

use std::time::Instant;

use anyhow::Context as _;
use futures_util::{StreamExt as _, TryStreamExt as _};
use serde::Serialize;

use crate::cli::RoomListArgs;
use crate::process;
use crate::report::ProcessReport;
use crate::stats::{Latency, LatencySummary};
use crate::target::Target;

/// The reader, and the user who writes to every room.
const READER: usize = 0;
const WRITER: usize = 1;
/// Room creations and sends in flight at once during set-up.
const SETUP_CONCURRENCY: usize = 32;

#[derive(Debug, Serialize)]
pub struct RoomListReport {
    pub scenario: &'static str,
    pub label: String,
    pub target: crate::cli::TargetKind,
    pub rooms: u32,
    pub unread_per_room: u32,
    pub page: u32,
    pub requests: u32,
    /// Rooms in the first page, and the unread count they add up to (a check).
    pub listed: usize,
    pub listed_unread: u64,
    pub setup_s: f64,
    pub latency: LatencySummary,
    /// Server CPU over the measured requests, and per request.
    pub server: Option<ProcessReport>,
    pub server_cpu_us_per_request: Option<f64>,
}

pub async fn run(args: RoomListArgs) -> anyhow::Result<RoomListReport> {
    let common = &args.common;
    let target = Target::new(common)?;
    let chat = target.chat()?;
    let started = Instant::now();
    // The first request provisions both users.
    chat.get_rooms(READER, 1).await?;
    chat.get_rooms(WRITER, 1).await?;
    let rooms: Vec<String> = futures_util::stream::iter(0..args.rooms)
        .map(|_| chat.create_private_room(WRITER, &[READER]))
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect()
        .await?;
    let sends = rooms
        .iter()
        .flat_map(|room| (0..args.unread).map(move |n| (room, n)));
    futures_util::stream::iter(sends)
        .map(|(room, n)| async move {
            chat.post_message(WRITER, room, &format!("message {n} of room {room}"))
                .await
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    let setup_s = started.elapsed().as_secs_f64();

    let latency = Latency::default();
    let before = process::sample(common.server_pid);
    let mut first_page = None;
    for _ in 0..args.requests {
        let began = Instant::now();
        let page = chat.get_rooms(READER, args.page).await?;
        latency.record_ns(u64::try_from(began.elapsed().as_nanos()).unwrap_or(u64::MAX));
        first_page.get_or_insert(page);
    }
    let after = process::sample(common.server_pid);
    let page = first_page.context("--requests must be at least 1")?;
    let server = ProcessReport::between(before, after);
    let server_cpu_us_per_request = server
        .as_ref()
        .map(|s| s.cpu_s * 1e6 / f64::from(args.requests.max(1)));
    Ok(RoomListReport {
        scenario: "room-list",
        label: common.label.clone(),
        target: common.target,
        rooms: args.rooms,
        unread_per_room: args.unread,
        page: args.page,
        requests: args.requests,
        listed: page.rooms.len(),
        listed_unread: page.rooms.iter().map(|r| r.unread_count).sum(),
        setup_s,
        latency: latency.summary(),
        server,
        server_cpu_us_per_request,
    })
}

impl RoomListReport {
    pub fn summary(&self) -> String {
        format!(
            "{}: a user in {} rooms with {} unread messages each; {} requests for a page of {}\n\
             set-up {:.1} s; listed {} rooms, {} unread in all\n\
             GET /v1/rooms {}\n\
             server CPU per request: {}\n",
            self.label,
            self.rooms,
            self.unread_per_room,
            self.requests,
            self.page,
            self.setup_s,
            self.listed,
            self.listed_unread,
            crate::report::ms(&self.latency),
            self.server_cpu_us_per_request
                .map_or_else(|| "n/a".to_owned(), |us| format!("{us:.0} µs")),
        )
    }
}
