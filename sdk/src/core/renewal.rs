//! Keeping the connection's token fresh: the server says when the token expires
//! (`authenticated.expires_at`); ahead of that, at a jittered moment, the core asks for
//! a fresh token ([`Event::TokenRenewalDue`]) and sends it as `authenticate` on the live
//! socket. The connection, its rooms and its outbox carry on: nothing reconnects.
//!
//! The jitter spreads renewals of tokens that were all issued at once (a deploy, a
//! fleet of clients started together) over a window instead of a spike.

use chat_protocol::v1::ClientFrame;

use super::Millis;
use super::client::Core;
use super::io::{Action, Event};

/// Renewal starts at least this long before expiry (unless the token is shorter-lived).
const MIN_LEAD_MS: u64 = 10_000;
/// ... and at most this long before it.
const MAX_LEAD_MS: u64 = 5 * 60 * 1000;
/// After the server refused a fresh token: wait this long before asking again.
const RETRY_AFTER_REFUSAL_MS: u64 = 30_000;
/// A renewal with no outcome after this long (the provider had no token, the network
/// failed, an older server ignored it) is started again.
const IN_FLIGHT_TIMEOUT_MS: u64 = 30_000;

/// Where renewal stands on the current connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum Renewal {
    /// The server announced no expiry (an older server), or not connected.
    #[default]
    Unscheduled,
    /// Ask for a fresh token at this time; the token expires at `expires_at`.
    Due { at: Millis, expires_at: Millis },
    /// Asked for a fresh token (at `since`), or sent one and awaiting `authenticated`.
    InFlight { expires_at: Millis, since: Millis },
}

impl Core {
    /// `authenticated` arrived (at the handshake, or answering a renewal): plan the next
    /// renewal from the token's remaining lifetime on the server's clock.
    pub(super) fn schedule_renewal(
        &mut self,
        now: Millis,
        server_time: i64,
        expires_at: Option<i64>,
    ) {
        let Some(remaining) = expires_at
            .and_then(|e| e.checked_sub(server_time))
            .and_then(|ms| u64::try_from(ms).ok())
        else {
            self.renewal = Renewal::Unscheduled;
            return;
        };
        let lead = (remaining / 10)
            .max(MIN_LEAD_MS.min(remaining / 2))
            .min(MAX_LEAD_MS);
        let jitter = self.rng.up_to(lead);
        self.renewal = Renewal::Due {
            at: now + remaining.saturating_sub(lead + jitter),
            expires_at: now + remaining,
        };
    }

    /// Time passed: ask for a fresh token if renewal is due, or again if the last
    /// attempt came to nothing (while the token has time left).
    pub(super) fn renew_if_due(&mut self, now: Millis, out: &mut Vec<Action>) {
        let expires_at = match self.renewal {
            Renewal::Due { at, expires_at } if at <= now => expires_at,
            Renewal::InFlight { expires_at, since }
                if now >= since + IN_FLIGHT_TIMEOUT_MS && now < expires_at =>
            {
                expires_at
            }
            _ => return,
        };
        self.renewal = Renewal::InFlight {
            expires_at,
            since: now,
        };
        out.push(Action::Emit(Event::TokenRenewalDue));
    }

    /// A fresh token while connected: send it on the live socket if renewal asked for
    /// it (or whenever the app supplies one: it may know better).
    pub(super) fn renew_with(&mut self, now: Millis, token: String, out: &mut Vec<Action>) {
        let expires_at = match self.renewal {
            Renewal::Due { expires_at, .. } | Renewal::InFlight { expires_at, .. } => expires_at,
            Renewal::Unscheduled => Millis::MAX,
        };
        self.renewal = Renewal::InFlight {
            expires_at,
            since: now,
        };
        self.send(now, ClientFrame::Authenticate { token }, out);
    }

    /// The server refused the fresh token (or the app had none): try again later, as
    /// long as the current token has time left; at expiry the server closes the
    /// connection and the usual reconnect asks for a token.
    pub(super) fn renewal_refused(&mut self, now: Millis) {
        if let Renewal::InFlight { expires_at, .. } = self.renewal {
            let at = now + RETRY_AFTER_REFUSAL_MS;
            self.renewal = if at < expires_at {
                Renewal::Due { at, expires_at }
            } else {
                Renewal::Unscheduled
            };
        }
    }

    /// Whether a renewal awaits the server's answer.
    pub(super) fn renewing(&self) -> bool {
        matches!(self.renewal, Renewal::InFlight { .. })
    }

    /// When renewal next needs attention, if ever.
    pub(super) fn renewal_deadline(&self) -> Option<Millis> {
        match self.renewal {
            Renewal::Due { at, .. } => Some(at),
            Renewal::InFlight { expires_at, since } => {
                Some(since + IN_FLIGHT_TIMEOUT_MS).filter(|at| *at < expires_at)
            }
            Renewal::Unscheduled => None,
        }
    }
}
