//! What a benchmark message carries: which measured point it belongs to, who sent it, its
//! number from that sender, and when it was due to be sent, padded to the message size.
//! Receivers read the send time back out of the body, so no state is shared between the
//! sending and the receiving socket. All clients live in this one process, so one
//! monotonic clock serves both ends.

use std::fmt::Write as _;
use std::time::Instant;

/// A `point` that is not measured (warm-up).
pub const UNMEASURED: u32 = u32::MAX;

/// The run's monotonic clock, in nanoseconds since the run started.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    epoch: Instant,
}

impl Clock {
    pub fn start() -> Self {
        Self {
            epoch: Instant::now(),
        }
    }

    pub fn now_ns(&self) -> u64 {
        self.ns(Instant::now())
    }

    pub fn ns(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub point: u32,
    pub sender: u32,
    pub number: u64,
    /// When the message was due (open loop: the schedule, not the moment it got out).
    pub due_ns: u64,
}

impl Stamp {
    /// The body: four decimal fields, then `.` padding up to `size` bytes.
    pub fn encode(&self, size: usize) -> String {
        let mut body = String::with_capacity(size);
        let _ = write!(
            body,
            "{} {} {} {} ",
            self.point, self.sender, self.number, self.due_ns
        );
        while body.len() < size {
            body.push('.');
        }
        body
    }

    pub fn decode(body: &str) -> Option<Self> {
        let mut fields = body.split(' ');
        Some(Self {
            point: fields.next()?.parse().ok()?,
            sender: fields.next()?.parse().ok()?,
            number: fields.next()?.parse().ok()?,
            due_ns: fields.next()?.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_survives_the_body_and_pads_to_size() {
        let stamp = Stamp {
            point: 3,
            sender: 999,
            number: 12,
            due_ns: 123_456_789_012,
        };
        let body = stamp.encode(100);
        assert_eq!(body.len(), 100);
        assert_eq!(Stamp::decode(&body), Some(stamp));
        assert_eq!(Stamp::decode("hello"), None);
        assert_eq!(Stamp::decode("1 2 x 4 "), None);
    }
}
