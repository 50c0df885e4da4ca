//! Where one connection stands in one room's event log.

use std::collections::BTreeSet;

/// What to do with a room event at a given seq.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Already delivered: drop it.
    Duplicate,
    /// Events between the cursor and this one are missing: fetch them first.
    Gap,
    /// The next event: send it, unless this connection sent it (it got the ack).
    Next {
        /// Whether to send the event.
        send: bool,
    },
}

/// The highest seq delivered on a connection for one room, and the seqs of this
/// connection's own messages that were acknowledged ahead of the cursor.
#[derive(Debug, Default)]
pub(super) struct RoomCursor {
    delivered: u64,
    acked_here: BTreeSet<u64>,
}

impl RoomCursor {
    /// A cursor that has delivered everything up to `seq`.
    pub(super) fn at(seq: u64) -> Self {
        Self {
            delivered: seq,
            acked_here: BTreeSet::new(),
        }
    }

    /// The highest seq delivered.
    pub(super) fn position(&self) -> u64 {
        self.delivered
    }

    /// Classifies the event at `seq`; for [`Step::Next`] the cursor moves past it.
    pub(super) fn step(&mut self, seq: u64) -> Step {
        if seq <= self.delivered {
            return Step::Duplicate;
        }
        if seq > self.delivered + 1 {
            return Step::Gap;
        }
        self.delivered = seq;
        let own = self.acked_here.remove(&seq);
        Step::Next { send: !own }
    }

    /// Remembers that this connection got `message_ack` for `seq`, so that the event
    /// itself is not sent to it again when the cursor reaches it.
    pub(super) fn acked(&mut self, seq: u64) {
        if seq > self.delivered {
            self.acked_here.insert(seq);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_gaps_and_own_acks() {
        let mut cursor = RoomCursor::at(5);
        assert_eq!(cursor.step(5), Step::Duplicate);
        assert_eq!(cursor.step(7), Step::Gap);
        cursor.acked(7);
        cursor.acked(3); // already passed: nothing to remember
        assert_eq!(cursor.step(6), Step::Next { send: true });
        assert_eq!(cursor.step(7), Step::Next { send: false });
        assert_eq!(cursor.step(7), Step::Duplicate);
        assert_eq!(cursor.position(), 7);
        assert!(cursor.acked_here.is_empty());
    }
}
