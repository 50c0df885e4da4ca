//! Where one connection stands in one room's event log.

/// What to do with a room event at a given seq.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Already delivered (or acknowledged): drop it.
    Duplicate,
    /// Events between the cursor and this one are missing: fetch them first.
    Gap,
    /// The next event: the cursor has moved past it.
    Next,
}

/// The highest seq delivered on a connection for one room. Every seq up to it has
/// reached the client, as an event or, for the client's own sends, as `message_ack`.
#[derive(Debug, Default)]
pub(super) struct RoomCursor {
    delivered: u64,
}

impl RoomCursor {
    /// A cursor that has delivered everything up to `seq`.
    pub(super) fn at(seq: u64) -> Self {
        Self { delivered: seq }
    }

    /// The highest seq delivered.
    pub(super) fn position(&self) -> u64 {
        self.delivered
    }

    /// Classifies the event at `seq`; for [`Step::Next`] the cursor moves past it.
    pub(super) fn step(&mut self, seq: u64) -> Step {
        if seq <= self.delivered {
            Step::Duplicate
        } else if seq > self.delivered + 1 {
            Step::Gap
        } else {
            self.delivered = seq;
            Step::Next
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_gaps_and_the_next_event() {
        let mut cursor = RoomCursor::at(5);
        assert_eq!(cursor.step(5), Step::Duplicate);
        assert_eq!(cursor.step(7), Step::Gap);
        assert_eq!(cursor.position(), 5, "a gap does not move the cursor");
        assert_eq!(cursor.step(6), Step::Next);
        assert_eq!(cursor.step(7), Step::Next);
        assert_eq!(cursor.step(7), Step::Duplicate);
        assert_eq!(cursor.position(), 7);
    }
}
