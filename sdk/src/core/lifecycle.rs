//! The connection lifecycle of [`Core`]: opening, authenticating, resuming, heartbeats,
//! losing the connection and scheduling the next attempt.

use chat_protocol::v1::{ClientFrame, close};

use super::Millis;

/// The longest wait a `server_shutdown` may impose (a larger value is a server bug).
const MAX_SERVER_DELAY_MS: u64 = 5 * 60 * 1000;
use super::client::{Core, Phase};
use super::io::{Action, ConnectionState, DisconnectReason, Event};

impl Core {
    /// The app wants to be connected.
    pub(super) fn connect(&mut self, now: Millis, out: &mut Vec<Action>) {
        self.wanted = true;
        if matches!(self.phase, Phase::Idle | Phase::Waiting { .. }) {
            self.open(now, out);
        }
    }

    /// The app wants to be disconnected: no reconnect until it connects again.
    pub(super) fn disconnect(&mut self, out: &mut Vec<Action>) {
        self.wanted = false;
        if matches!(self.phase, Phase::Connecting { .. } | Phase::Live { .. }) {
            out.push(Action::CloseSocket);
        }
        self.outbox.connection_lost();
        (self.pings_sent, self.pongs_seen) = (0, 0);
        self.typing.clear();
        self.renewal = super::renewal::Renewal::Unscheduled;
        self.phase = Phase::Idle;
        self.set_state(ConnectionState::Disconnected, out);
    }

    /// Opens a socket now (or asks for a token first).
    pub(super) fn open(&mut self, now: Millis, out: &mut Vec<Action>) {
        if self.token.is_none() {
            let reason = DisconnectReason::Unauthorized {
                detail: "no access token".into(),
            };
            self.phase = Phase::Idle;
            self.set_state(ConnectionState::NeedsToken { reason }, out);
            out.push(Action::Emit(Event::TokenNeeded));
            return;
        }
        self.phase = Phase::Connecting { since: now };
        let attempt = self.backoff.attempt();
        self.set_state(ConnectionState::Connecting { attempt }, out);
        out.push(Action::OpenSocket);
    }

    /// Authenticated: resume every followed room, then let the outbox flow.
    pub(super) fn went_live(&mut self, now: Millis, out: &mut Vec<Action>) {
        self.phase = Phase::Live {
            last_heard: now,
            last_sent: now,
        };
        self.backoff.connected(now);
        self.server_asked_delay = None;
        self.set_state(ConnectionState::Connected, out);
        let joins: Vec<ClientFrame> = self
            .rooms
            .iter()
            .map(|(room_id, room)| ClientFrame::JoinRoom {
                room_id: room_id.clone().into(),
                since_seq: room.cursor,
            })
            .collect();
        for join in joins {
            if let ClientFrame::JoinRoom { room_id, since_seq } = join {
                self.send_join(now, room_id.to_string(), since_seq, out);
            }
        }
        self.flush_outbox(now, out);
        self.flush_receipts(now, false, out);
    }

    /// The socket is gone (closed, failed, or given up on): schedule what comes next.
    pub(super) fn connection_lost(
        &mut self,
        now: Millis,
        reason: DisconnectReason,
        out: &mut Vec<Action>,
    ) {
        if matches!(self.phase, Phase::Idle | Phase::Waiting { .. }) {
            return; // already handled (e.g. we closed it ourselves)
        }
        self.outbox.connection_lost();
        // Pings and pongs pair up per connection.
        (self.pings_sent, self.pongs_seen) = (0, 0);
        self.typing.clear();
        self.joining.clear();
        // The next handshake's `authenticated` plans renewal afresh.
        self.renewal = super::renewal::Renewal::Unscheduled;
        self.backoff.disconnected(now);
        if !self.wanted {
            self.phase = Phase::Idle;
            self.set_state(ConnectionState::Disconnected, out);
            return;
        }
        let (code, reason) = match reason {
            // 4003: the account was deactivated. Reconnecting with this token (or a
            // fresh one) is refused the same way; the app's sign-in tells the user why.
            DisconnectReason::Closed {
                code: Some(code @ (close::UNAUTHORIZED | close::FORBIDDEN)),
                reason,
            } => (
                Some(code),
                DisconnectReason::Unauthorized { detail: reason },
            ),
            DisconnectReason::Closed {
                code: Some(close::RESTARTING),
                ..
            } if self.server_asked_delay.is_some() => {
                (Some(close::RESTARTING), DisconnectReason::ServerShutdown)
            }
            DisconnectReason::Closed { code, reason } => {
                (code, DisconnectReason::Closed { code, reason })
            }
            other => (None, other),
        };
        if let DisconnectReason::Unauthorized { .. } = reason {
            // Retrying with the same token would fail the same way; and a fresh token
            // that keeps being refused must not turn into a tight reconnect loop.
            self.token = None;
            self.token_retry_at = now.saturating_add(self.backoff.next_delay(&mut self.rng));
            self.phase = Phase::Idle;
            self.set_state(ConnectionState::NeedsToken { reason }, out);
            out.push(Action::Emit(Event::TokenNeeded));
            return;
        }
        let attempt = self.backoff.attempt();
        let delay_ms = match (code, self.server_asked_delay.take()) {
            // The server said when to come back; jitter spreads the crowd over a floor.
            (_, Some(asked)) => asked
                .min(MAX_SERVER_DELAY_MS)
                .saturating_add(self.rng.up_to(self.config.backoff.floor_ms)),
            // A slow consumer did nothing wrong: come back soon and resume.
            (Some(close::SLOW_CONSUMER), _) => self.rng.up_to(self.config.backoff.floor_ms),
            _ => self.backoff.next_delay(&mut self.rng),
        };
        self.phase = Phase::Waiting {
            until: now + delay_ms,
        };
        self.set_state(
            ConnectionState::Reconnecting {
                attempt: attempt + 1,
                delay_ms,
                reason,
            },
            out,
        );
    }

    /// Time passed: fire whatever is due.
    pub(super) fn on_tick(&mut self, now: Millis, out: &mut Vec<Action>) {
        match self.phase {
            Phase::Waiting { until } if until <= now => self.open(now, out),
            Phase::Connecting { since }
                if now.saturating_sub(since) >= self.config.connect_timeout_ms =>
            {
                out.push(Action::CloseSocket);
                self.connection_lost(now, DisconnectReason::AuthTimeout, out);
            }
            Phase::Live {
                last_heard,
                last_sent,
            } => {
                if now.saturating_sub(last_heard) >= self.config.dead_after_ms {
                    out.push(Action::CloseSocket);
                    self.connection_lost(now, DisconnectReason::HeartbeatTimeout, out);
                    return;
                }
                if now.saturating_sub(last_sent) >= self.config.ping_every_ms {
                    self.send(now, ClientFrame::Ping, out);
                }
                let stops: Vec<String> = self
                    .typing
                    .iter_mut()
                    .filter_map(|(room, t)| t.tick(now).map(|_| room.clone()))
                    .collect();
                for room_id in stops {
                    self.send(
                        now,
                        ClientFrame::Typing {
                            room_id: room_id.into(),
                            is_typing: false,
                        },
                        out,
                    );
                }
                self.flush_outbox(now, out);
                self.flush_receipts(now, false, out);
                self.renew_if_due(now, out);
            }
            _ => {}
        }
    }

    /// The earliest time something is due.
    pub(super) fn next_deadline(&self) -> Option<Millis> {
        let mut deadlines = Vec::new();
        match self.phase {
            Phase::Idle => {}
            Phase::Waiting { until } => deadlines.push(until),
            Phase::Connecting { since } => deadlines.push(since + self.config.connect_timeout_ms),
            Phase::Live {
                last_heard,
                last_sent,
            } => {
                deadlines.push(last_heard + self.config.dead_after_ms);
                deadlines.push(last_sent + self.config.ping_every_ms);
                deadlines.extend(self.typing.values().filter_map(|t| t.deadline()));
                deadlines.extend(self.outbox.next_retry());
                deadlines.extend(self.receipts_at);
                deadlines.extend(self.renewal_deadline());
            }
        }
        deadlines.into_iter().min()
    }
}
