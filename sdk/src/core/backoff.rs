//! Reconnect delays: exponential backoff with full jitter, a floor and a ceiling, and a
//! reset once a connection has stayed up long enough to count as stable.
//!
//! Full jitter (a uniform delay between the floor and the exponential cap) spreads a
//! crowd of clients that lost the same server across the whole window, instead of
//! having them all come back at the same instants.

use super::{Millis, Rng};

/// The shape of the schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// Smallest delay, and the base of the exponential cap.
    pub floor_ms: u64,
    /// Largest delay.
    pub ceiling_ms: u64,
    /// A connection that stays up this long resets the schedule.
    pub stable_after_ms: u64,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        Self {
            floor_ms: 500,
            ceiling_ms: 30_000,
            stable_after_ms: 10_000,
        }
    }
}

/// Where a client is in the schedule.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: BackoffPolicy,
    /// Failed attempts since the last stable connection.
    attempt: u32,
    /// When the current connection came up, if it is up.
    connected_at: Option<Millis>,
}

impl Backoff {
    /// A fresh schedule.
    pub fn new(policy: BackoffPolicy) -> Self {
        Self {
            policy,
            attempt: 0,
            connected_at: None,
        }
    }

    /// Failed attempts since the last stable connection.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The exponential cap for the next attempt: floor · 2^attempt, at most the ceiling.
    pub fn cap_ms(&self) -> u64 {
        let factor = 1u64.checked_shl(self.attempt.min(63)).unwrap_or(u64::MAX);
        self.policy
            .floor_ms
            .saturating_mul(factor)
            .min(self.policy.ceiling_ms)
            .max(self.policy.floor_ms)
    }

    /// The delay before the next attempt (uniform in `floor..=cap`), counting the attempt.
    pub fn next_delay(&mut self, rng: &mut Rng) -> u64 {
        let cap = self.cap_ms();
        let floor = self.policy.floor_ms.min(cap);
        self.attempt = self.attempt.saturating_add(1);
        floor + rng.up_to(cap - floor)
    }

    /// The connection came up at `now`.
    pub fn connected(&mut self, now: Millis) {
        self.connected_at = Some(now);
    }

    /// The connection went down at `now`; if it had been up long enough, the schedule
    /// starts over (a flapping connection keeps backing off).
    pub fn disconnected(&mut self, now: Millis) {
        if let Some(since) = self.connected_at.take()
            && now.saturating_sub(since) >= self.policy.stable_after_ms
        {
            self.attempt = 0;
        }
    }

    /// Starts over at once (the app says the network is back).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> BackoffPolicy {
        BackoffPolicy {
            floor_ms: 100,
            ceiling_ms: 2_000,
            stable_after_ms: 5_000,
        }
    }

    #[test]
    fn caps_double_up_to_the_ceiling_and_delays_stay_inside_them() {
        let mut backoff = Backoff::new(policy());
        let mut rng = Rng::new(7);
        let mut caps = Vec::new();
        for _ in 0..8 {
            let cap = backoff.cap_ms();
            let delay = backoff.next_delay(&mut rng);
            assert!((100..=cap).contains(&delay), "{delay} outside 100..={cap}");
            caps.push(cap);
        }
        assert_eq!(caps, [100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000]);
    }

    #[test]
    fn jitter_spreads_clients_across_the_window() {
        // 1000 clients at their 5th attempt: delays cover the window, not a point.
        let mut delays = Vec::new();
        for seed in 1..=1000 {
            let mut backoff = Backoff::new(policy());
            let mut rng = Rng::new(seed);
            for _ in 0..4 {
                backoff.next_delay(&mut rng);
            }
            delays.push(backoff.next_delay(&mut rng));
        }
        let low = delays.iter().filter(|d| **d < 850).count();
        let high = delays.iter().filter(|d| **d >= 850).count();
        assert!(low > 350 && high > 350, "low {low}, high {high}");
        assert!(*delays.iter().max().unwrap() <= 1_600);
    }

    #[test]
    fn only_a_stable_connection_resets_the_schedule() {
        let mut backoff = Backoff::new(policy());
        let mut rng = Rng::new(1);
        for _ in 0..3 {
            backoff.next_delay(&mut rng);
        }
        backoff.connected(10_000);
        backoff.disconnected(11_000); // flapped after 1 s
        assert_eq!(backoff.attempt(), 3);
        backoff.connected(20_000);
        backoff.disconnected(26_000); // stayed up 6 s
        assert_eq!(backoff.attempt(), 0);
        assert_eq!(backoff.cap_ms(), 100);
    }

    #[test]
    fn extreme_attempt_counts_do_not_overflow() {
        let mut backoff = Backoff::new(policy());
        backoff.attempt = u32::MAX;
        assert_eq!(backoff.cap_ms(), 2_000);
        let mut rng = Rng::new(3);
        assert!(backoff.next_delay(&mut rng) <= 2_000);
    }
}
