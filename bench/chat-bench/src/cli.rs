//! Command-line options. Every scenario is bounded: counts are capped and every phase has
//! a duration or a deadline, so a run always ends.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The most clients one run may open (the server side needs one descriptor each).
pub const MAX_CLIENTS: usize = 200_000;

#[derive(Debug, Parser)]
#[command(name = "chat-bench", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub scenario: Scenario,
}

#[derive(Debug, Subcommand)]
pub enum Scenario {
    /// Rooms of `--room-size`; a fraction of the clients send at a fixed total rate (open
    /// loop), one measured point per rate in `--rates`, all on the same connections.
    Fanout(FanoutArgs),
    /// Connects clients that then stay idle, and reports the server's memory per connection.
    Idle(IdleArgs),
    /// Every subscriber drops its connection at once and resumes while publishers go on;
    /// reports the time until all have caught up and what is missing or duplicated.
    Storm(StormArgs),
    /// chat-server only: one user in `--rooms` rooms with unread messages asks for the
    /// first page of their room list, one request at a time; reports latency and server
    /// CPU per request.
    RoomList(RoomListArgs),
    /// Every client sends while the server is killed and restarted under it (by
    /// `bench/chaos.sh`); afterwards every acknowledged message must be stored once and
    /// every client must hold the same history as the server.
    Chaos(ChaosArgs),
    /// chat-server only: one user uploads `--count` files of `--size` bytes (or JPEG
    /// photos of `--image-side` pixels), `--concurrency` at a time; reports MB/s,
    /// thumbnails/s, server CPU per upload and the server's peak memory.
    Uploads(UploadArgs),
}

/// What an upload scenario sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UploadKind {
    /// Random bytes as `application/octet-stream`: the streaming path alone.
    File,
    /// A noisy JPEG photo: metadata removal, decoding and two thumbnails.
    Image,
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    #[command(flatten)]
    pub common: Common,
    /// Files or photos.
    #[arg(long, value_enum, default_value = "file")]
    pub kind: UploadKind,
    /// Bytes per file (`--kind file`).
    #[arg(long, default_value_t = 25 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..=1024 * 1024 * 1024))]
    pub size: u64,
    /// The photo's long side in pixels (`--kind image`; the short side is 3/4 of it).
    #[arg(long, default_value_t = 4000, value_parser = clap::value_parser!(u32).range(16..=20_000))]
    pub image_side: u32,
    /// Uploads measured.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub count: u32,
    /// Uploads in flight at once.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
}

/// Which server speaks on the other end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// `chat-server` (its v1 protocol; every message durable before its ack).
    Chat,
    /// `bench/reference/ws-server.js`: Node `ws`, room broadcast in memory.
    Ws,
    /// `bench/reference/socketio-server.js`: Socket.IO rooms in memory.
    Socketio,
}

#[derive(Debug, Args)]
pub struct Common {
    /// The server's protocol.
    #[arg(long, value_enum)]
    pub target: TargetKind,
    /// The server's address (loopback only).
    #[arg(long, value_parser = loopback_addr)]
    pub addr: SocketAddr,
    /// chat-server's HS256 secret (`--jwt-secret` of the server): the bench mints one
    /// token per client, as an app backend would, and the server provisions the users.
    #[arg(long, env = "CHAT_BENCH_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// The server's PID, to sample its CPU time and resident memory from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Spread client connections over this many source addresses 127.0.0.1, .2, … (one
    /// address has ~28k ephemeral ports towards one server port).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=250))]
    pub source_ips: u8,
    /// Runtime worker threads of the generator.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: u16,
    /// Connections being opened at once while setting up.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub connect_concurrency: u32,
    /// A name for this run in the report (e.g. the server and scenario).
    #[arg(long, default_value = "run")]
    pub label: String,
    /// Write the full report as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// No progress line (for scripts that keep logs).
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct Shape {
    /// Clients (one connection and one user each).
    #[arg(long, default_value_t = 1000, value_parser = client_count)]
    pub clients: usize,
    /// Members per room; the clients fill rooms in order.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    pub room_size: u32,
}

#[derive(Debug, Args)]
pub struct FanoutArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub shape: Shape,
    /// Fraction of the clients that send (spread evenly over the rooms).
    #[arg(long, default_value_t = 0.1, value_parser = fraction)]
    pub senders: f64,
    /// Offered load: total messages per second over all senders, one point per value.
    #[arg(long, value_delimiter = ',', default_value = "1000", value_parser = rate)]
    pub rates: Vec<f64>,
    /// Measured time per point.
    #[arg(long, default_value = "10s", value_parser = duration)]
    pub duration: Duration,
    /// Sending before each point's measurement starts (not counted).
    #[arg(long, default_value = "3s", value_parser = duration)]
    pub warmup: Duration,
    /// After each point: how long to wait for outstanding deliveries and acks.
    #[arg(long, default_value = "5s", value_parser = duration)]
    pub drain: Duration,
    /// Between points, after the drain: longest wait for the server to acknowledge every
    /// send still queued (warm-up sends, or the window's past the drain), so that the next
    /// point does not start behind an earlier point's backlog.
    #[arg(long, default_value = "60s", value_parser = duration)]
    pub settle: Duration,
    /// Message content size in bytes (at least 40: it carries the send time).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(40..=60_000))]
    pub message_size: u32,
    /// chat-server: only the senders join their rooms; the other members stay on their
    /// room list and receive each message as a `room_updated` (its preview holds up to
    /// 200 characters, so keep `--message-size` at most 200).
    #[arg(long)]
    pub watch: bool,
}

#[derive(Debug, Args)]
pub struct RoomListArgs {
    #[command(flatten)]
    pub common: Common,
    /// Rooms the reader is a member of.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub rooms: u32,
    /// Unread messages from another user in each room.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub unread: u32,
    /// Rooms per page (`limit`), 1 to 1000.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub page: u32,
    /// Requests measured, one after another.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub requests: u32,
}

#[derive(Debug, Args)]
pub struct IdleArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub shape: Shape,
    /// Idle time after the last connection before memory is read.
    #[arg(long, default_value = "5s", value_parser = duration)]
    pub settle: Duration,
}

#[derive(Debug, Args)]
pub struct StormArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub shape: Shape,
    /// Total publish rate (one extra publisher connection per room, never dropped).
    #[arg(long, default_value_t = 1000.0, value_parser = rate)]
    pub rate: f64,
    /// Publishing before the drop.
    #[arg(long, default_value = "3s", value_parser = duration)]
    pub before: Duration,
    /// Publishing after the drop (the subscribers reconnect meanwhile).
    #[arg(long, default_value = "3s", value_parser = duration)]
    pub after: Duration,
    /// Give up waiting for subscribers to catch up after this long from the drop.
    #[arg(long, default_value = "120s", value_parser = duration)]
    pub deadline: Duration,
    /// Message content size in bytes.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(40..=60_000))]
    pub message_size: u32,
}

#[derive(Debug, Args)]
pub struct ChaosArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub shape: Shape,
    /// More processes of the same cluster: clients are spread over `--addr` and these,
    /// and a client whose process is gone reconnects to the next one in turn.
    #[arg(long = "also-addr", value_delimiter = ',', value_parser = loopback_addr)]
    pub also_addr: Vec<SocketAddr>,
    /// Offered load: total messages per second over all clients (every client sends).
    #[arg(long, default_value_t = 2000.0, value_parser = rate)]
    pub rate: f64,
    /// How long the clients send (the faults happen meanwhile).
    #[arg(long, default_value = "120s", value_parser = duration)]
    pub duration: Duration,
    /// After sending stops: how long clients may take to have every message acknowledged
    /// and to hold the whole history.
    #[arg(long, default_value = "120s", value_parser = duration)]
    pub deadline: Duration,
    /// How many faults the driver injects during the run (reported, and the least number
    /// of reconnections that proves the faults reached the clients).
    #[arg(long, default_value_t = 0)]
    pub faults: u32,
    /// Create this file once every client is connected and sending starts (the driver
    /// times its faults from it).
    #[arg(long)]
    pub ready_file: Option<PathBuf>,
    /// Message content size in bytes.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(40..=60_000))]
    pub message_size: u32,
}

fn loopback_addr(value: &str) -> Result<SocketAddr, String> {
    let addr: SocketAddr = value.parse().map_err(|e| format!("{e}"))?;
    if !addr.ip().is_loopback() {
        return Err("the bench only drives servers on loopback".into());
    }
    Ok(addr)
}

fn client_count(value: &str) -> Result<usize, String> {
    let count: usize = value.parse().map_err(|e| format!("{e}"))?;
    if count == 0 || count > MAX_CLIENTS {
        return Err(format!("between 1 and {MAX_CLIENTS}"));
    }
    Ok(count)
}

fn fraction(value: &str) -> Result<f64, String> {
    let f: f64 = value.parse().map_err(|e| format!("{e}"))?;
    if !(f > 0.0 && f <= 1.0) {
        return Err("a fraction in (0, 1]".into());
    }
    Ok(f)
}

fn rate(value: &str) -> Result<f64, String> {
    let r: f64 = value.parse().map_err(|e| format!("{e}"))?;
    if !(r > 0.0 && r <= 10_000_000.0) {
        return Err("messages per second in (0, 10,000,000]".into());
    }
    Ok(r)
}

fn duration(value: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(value).map_err(|e| e.to_string())?;
    if d > Duration::from_secs(3600) {
        return Err("at most one hour".into());
    }
    Ok(d)
}

/// The source address of client `index` when spreading over `count` addresses.
pub fn source_ip(index: usize, count: u8) -> Ipv4Addr {
    let octet = 1 + (index % usize::from(count)) as u8;
    Ipv4Addr::new(127, 0, 0, octet)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("chat-bench").chain(args.split_whitespace()))
    }

    #[test]
    fn a_fanout_sweep_parses_with_its_defaults() {
        let cli = parse("fanout --target ws --addr 127.0.0.1:9000 --rates 100,200").unwrap();
        let Scenario::Fanout(args) = cli.scenario else {
            panic!("not fanout")
        };
        assert_eq!(args.rates, vec![100.0, 200.0]);
        assert_eq!(
            (args.shape.clients, args.shape.room_size, args.message_size),
            (1000, 10, 100)
        );
        assert_eq!(args.duration, Duration::from_secs(10));
    }

    #[test]
    fn out_of_bounds_options_are_refused() {
        for bad in [
            "fanout --target ws --addr 10.0.0.1:9000",
            "fanout --target ws --addr 127.0.0.1:9000 --clients 0",
            "fanout --target ws --addr 127.0.0.1:9000 --clients 1000000",
            "fanout --target ws --addr 127.0.0.1:9000 --senders 1.5",
            "fanout --target ws --addr 127.0.0.1:9000 --rates 0",
            "fanout --target ws --addr 127.0.0.1:9000 --duration 2h",
            "fanout --target ws --addr 127.0.0.1:9000 --room-size 1",
            "fanout --target ws --addr 127.0.0.1:9000 --message-size 10",
            "idle --target ws --addr 127.0.0.1:9000 --source-ips 0",
            "chaos --target chat --addr 127.0.0.1:9000 --also-addr 10.0.0.2:9000",
        ] {
            assert!(parse(bad).is_err(), "accepted: {bad}");
        }
    }

    #[test]
    fn clients_spread_over_loopback_source_addresses() {
        assert_eq!(source_ip(0, 4), Ipv4Addr::new(127, 0, 0, 1));
        assert_eq!(source_ip(5, 4), Ipv4Addr::new(127, 0, 0, 2));
        assert_eq!(source_ip(7, 1), Ipv4Addr::new(127, 0, 0, 1));
    }
}
