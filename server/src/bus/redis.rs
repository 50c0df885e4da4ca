//! The clustered bus: every event is delivered to this process's connections at once and
//! published on one Redis pub/sub channel, from which every other process delivers it
//! to its own connections.
//!
//! Redis pub/sub keeps each publisher's order but not a global one, and drops what is
//! published while a subscriber is away. Neither loses anything here: room events are
//! committed before they are published, each connection's cursor turns an event that
//! arrives ahead of an earlier one into a catch-up from the store, and after an
//! interruption every local connection catches up from the store (`Delivery::Resync`).
//! While Redis is unreachable, this process keeps serving its own connections, reports
//! not ready, and reconnects with backoff.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tungstenite::Utf8Bytes;

use super::Bus;
use crate::hub::{AccountClosed, Hub, ListChange, RoomEvent, RoomRefresh};

/// Longest wait between attempts to reach Redis again.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// What goes over the channel: one delivery, tagged with the process that made it.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    origin: String,
    /// When it was published, ms since the epoch (for the bus-lag histogram).
    sent_at: i64,
    #[serde(flatten)]
    delivery: Remote,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Remote {
    RoomEvent {
        room_id: String,
        seq: u64,
        frame: String,
        /// Left out by processes from before the room list: read the store then.
        #[serde(default)]
        change: ListChange,
    },
    ToRoom {
        room_id: String,
        frame: String,
        /// Users whose connections are left out (a typer, and those who blocked them).
        #[serde(default)]
        except_users: Vec<String>,
    },
    ToUsers {
        user_ids: Vec<String>,
        frame: String,
    },
    /// Users' room summaries to read again.
    RoomRefresh(RoomRefresh),
    /// A user's account was closed: end their connections.
    CloseUser { user_id: String, why: AccountClosed },
    /// A room was deleted: its former members stop following it.
    RoomDeleted {
        room_id: String,
        members: Vec<String>,
    },
    /// The origin could not publish for a while: everyone catches up from the store.
    Resync,
}

/// The Redis pub/sub implementation of [`Bus`].
#[derive(Debug)]
pub struct RedisBus {
    hub: Arc<Hub>,
    outgoing: mpsc::UnboundedSender<Remote>,
    subscribed: Arc<AtomicBool>,
    publishing: Arc<AtomicBool>,
}

impl RedisBus {
    /// Starts the bus on `url` and channel `channel`; its tasks run until `shutdown`.
    ///
    /// # Errors
    ///
    /// When the URL is invalid. Redis itself may be unreachable at first: the bus
    /// keeps trying, and reports itself unhealthy meanwhile.
    pub fn start(
        url: &str,
        channel: String,
        hub: Arc<Hub>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let process = uuid::Uuid::new_v4().simple().to_string();
        let (outgoing, queue) = mpsc::unbounded_channel();
        let subscribed = Arc::new(AtomicBool::new(false));
        let publishing = Arc::new(AtomicBool::new(false));
        tokio::spawn(subscribe(
            client.clone(),
            channel.clone(),
            process.clone(),
            Arc::clone(&hub),
            Arc::clone(&subscribed),
            shutdown.clone(),
        ));
        tokio::spawn(publish(
            client,
            channel,
            process,
            queue,
            Arc::clone(&publishing),
            shutdown,
        ));
        Ok(Self {
            hub,
            outgoing,
            subscribed,
            publishing,
        })
    }

    fn send(&self, delivery: Remote) {
        // Closed only at shutdown, when nothing needs to reach other processes.
        let _ = self.outgoing.send(delivery);
    }
}

impl Bus for RedisBus {
    fn publish_room_event(&self, event: Arc<RoomEvent>) {
        self.hub.deliver_room_event(&event);
        self.send(Remote::RoomEvent {
            room_id: event.room_id.clone(),
            seq: event.seq,
            frame: event.frame.to_string(),
            change: event.change.clone(),
        });
    }

    fn publish_to_room(&self, room_id: &str, frame: Utf8Bytes, except_users: &[String]) {
        self.hub.deliver_to_room(room_id, &frame, except_users);
        self.send(Remote::ToRoom {
            room_id: room_id.to_owned(),
            frame: frame.to_string(),
            except_users: except_users.to_vec(),
        });
    }

    fn publish_to_users(&self, user_ids: &[String], frame: Utf8Bytes) {
        self.hub.deliver_to_users(user_ids, &frame);
        self.send(Remote::ToUsers {
            user_ids: user_ids.to_vec(),
            frame: frame.to_string(),
        });
    }

    fn publish_room_refresh(&self, refresh: RoomRefresh) {
        self.hub.refresh_room(&refresh);
        self.send(Remote::RoomRefresh(refresh));
    }

    fn publish_close_user(&self, user_id: &str, why: AccountClosed) {
        self.hub.close_user(user_id, why);
        self.send(Remote::CloseUser {
            user_id: user_id.to_owned(),
            why,
        });
    }

    fn publish_room_deleted(&self, room_id: &str, members: &[String]) {
        self.hub.room_deleted(room_id, members);
        self.send(Remote::RoomDeleted {
            room_id: room_id.to_owned(),
            members: members.to_vec(),
        });
    }

    fn healthy(&self) -> bool {
        let healthy =
            self.subscribed.load(Ordering::Relaxed) && self.publishing.load(Ordering::Relaxed);
        crate::telemetry::bus_healthy(healthy);
        healthy
    }
}

/// Waits `delay` (unless shutting down) and returns the next, longer delay.
async fn back_off(delay: Duration, shutdown: &CancellationToken) -> Option<Duration> {
    tokio::select! {
        () = shutdown.cancelled() => None,
        () = tokio::time::sleep(delay) => Some((delay * 2).min(MAX_BACKOFF)),
    }
}

/// Receives other processes' deliveries, reconnecting for as long as the server runs.
async fn subscribe(
    client: redis::Client,
    channel: String,
    process: String,
    hub: Arc<Hub>,
    subscribed: Arc<AtomicBool>,
    shutdown: CancellationToken,
) {
    let mut delay = Duration::from_millis(100);
    let mut first = true;
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    subscribed.store(true, Ordering::Relaxed);
                    delay = Duration::from_millis(100);
                    if !first {
                        tracing::info!("cluster bus: subscribed again; catching up");
                        hub.resync_all();
                    }
                    let mut messages = pubsub.on_message();
                    loop {
                        tokio::select! {
                            () = shutdown.cancelled() => return,
                            message = messages.next() => match message {
                                Some(message) => deliver(&hub, &process, &message),
                                None => break,
                            },
                        }
                    }
                    subscribed.store(false, Ordering::Relaxed);
                    tracing::warn!("cluster bus: lost the Redis subscription");
                }
                Err(e) => tracing::warn!(error = %e, "cluster bus: cannot subscribe"),
            },
            Err(e) => tracing::warn!(error = %e, "cluster bus: cannot reach Redis"),
        }
        first = false;
        match back_off(delay, &shutdown).await {
            Some(next) => delay = next,
            None => return,
        }
    }
}

/// Hands one message from another process to this process's connections.
fn deliver(hub: &Hub, process: &str, message: &redis::Msg) {
    let Ok(payload) = message.get_payload::<String>() else {
        return;
    };
    let envelope: Envelope = match serde_json::from_str(&payload) {
        Ok(envelope) => envelope,
        Err(e) => {
            tracing::warn!(error = %e, "cluster bus: undecodable message ignored");
            return;
        }
    };
    if envelope.origin == process {
        return; // Delivered locally when it was published.
    }
    crate::telemetry::bus_lag(envelope.sent_at);
    match envelope.delivery {
        Remote::RoomEvent {
            room_id,
            seq,
            frame,
            change,
        } => hub.deliver_room_event(&Arc::new(RoomEvent {
            room_id,
            seq,
            origin: None,
            frame: Utf8Bytes::from(frame),
            change,
        })),
        Remote::RoomRefresh(refresh) => hub.refresh_room(&refresh),
        Remote::CloseUser { user_id, why } => hub.close_user(&user_id, why),
        Remote::RoomDeleted { room_id, members } => hub.room_deleted(&room_id, &members),
        Remote::ToRoom {
            room_id,
            frame,
            except_users,
        } => hub.deliver_to_room(&room_id, &Utf8Bytes::from(frame), &except_users),
        Remote::ToUsers { user_ids, frame } => {
            hub.deliver_to_users(&user_ids, &Utf8Bytes::from(frame));
        }
        Remote::Resync => hub.resync_all(),
    }
}

/// Publishes this process's deliveries in order. What cannot be published while Redis
/// is away is dropped, and a `Resync` follows once it is back.
async fn publish(
    client: redis::Client,
    channel: String,
    process: String,
    mut queue: mpsc::UnboundedReceiver<Remote>,
    publishing: Arc<AtomicBool>,
    shutdown: CancellationToken,
) {
    let mut delay = Duration::from_millis(100);
    let mut missed = false;
    loop {
        // What queued up while disconnected is dropped (memory stays bounded however
        // long Redis is away); the Resync sent first once connected covers it.
        while queue.try_recv().is_ok() {
            missed = true;
        }
        let mut conn = match client.get_multiplexed_async_connection().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "cluster bus: cannot reach Redis to publish");
                publishing.store(false, Ordering::Relaxed);
                match back_off(delay, &shutdown).await {
                    Some(next) => delay = next,
                    None => return,
                }
                continue;
            }
        };
        publishing.store(true, Ordering::Relaxed);
        delay = Duration::from_millis(100);
        let mut pending = std::mem::take(&mut missed).then_some(Remote::Resync);
        loop {
            let delivery = match pending.take() {
                Some(delivery) => delivery,
                None => tokio::select! {
                    () = shutdown.cancelled() => return,
                    delivery = queue.recv() => match delivery {
                        Some(delivery) => delivery,
                        None => return,
                    },
                },
            };
            let payload = match serde_json::to_string(&Envelope {
                origin: process.clone(),
                sent_at: crate::clock::now_ms(),
                delivery,
            }) {
                Ok(payload) => payload,
                Err(e) => {
                    tracing::error!(error = %e, "cluster bus: cannot encode a delivery");
                    continue;
                }
            };
            if let Err(e) = conn.publish::<_, _, ()>(&channel, payload).await {
                tracing::warn!(error = %e, "cluster bus: publishing failed");
                publishing.store(false, Ordering::Relaxed);
                missed = true;
                break;
            }
        }
    }
}
