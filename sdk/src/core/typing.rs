//! Typing indicators from keystrokes: at most one `typing` frame per refresh interval
//! while the user types, an immediate stop when asked, and an automatic stop when the
//! keystrokes cease (the app need not remember to clear it).

use super::Millis;

/// Timing of the indicator. The refresh must be shorter than the server's typing TTL
/// (5 s by default), or the indicator flickers off between refreshes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypingPolicy {
    /// While typing continues, re-send `is_typing: true` this often.
    pub refresh_ms: u64,
    /// Without a keystroke for this long, send `is_typing: false`.
    pub idle_stop_ms: u64,
}

impl Default for TypingPolicy {
    fn default() -> Self {
        Self {
            refresh_ms: 3_000,
            idle_stop_ms: 4_000,
        }
    }
}

/// The typing state of one room, deciding which `typing` frames to send.
#[derive(Debug, Clone)]
pub struct TypingThrottle {
    policy: TypingPolicy,
    /// When `is_typing: true` was last sent, while typing.
    sent_at: Option<Millis>,
    last_keystroke: Millis,
}

impl TypingThrottle {
    /// Not typing.
    pub fn new(policy: TypingPolicy) -> Self {
        Self {
            policy,
            sent_at: None,
            last_keystroke: 0,
        }
    }

    /// Whether the room has been told the user is typing.
    pub fn is_typing(&self) -> bool {
        self.sent_at.is_some()
    }

    /// A keystroke: returns `Some(true)` when a frame must go out (start or refresh).
    pub fn keystroke(&mut self, now: Millis) -> Option<bool> {
        self.last_keystroke = now;
        match self.sent_at {
            Some(sent) if now.saturating_sub(sent) < self.policy.refresh_ms => None,
            _ => {
                self.sent_at = Some(now);
                Some(true)
            }
        }
    }

    /// The user stopped (sent the message, cleared the field): `Some(false)` if the room
    /// had been told otherwise.
    pub fn stop(&mut self) -> Option<bool> {
        self.sent_at.take().map(|_| false)
    }

    /// Time passed: `Some(false)` once keystrokes have ceased for the idle interval.
    pub fn tick(&mut self, now: Millis) -> Option<bool> {
        if self.is_typing() && now.saturating_sub(self.last_keystroke) >= self.policy.idle_stop_ms {
            return self.stop();
        }
        None
    }

    /// When [`TypingThrottle::tick`] next needs to run, if ever.
    pub fn deadline(&self) -> Option<Millis> {
        self.sent_at
            .map(|_| self.last_keystroke + self.policy.idle_stop_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystrokes_are_throttled_to_one_frame_per_refresh() {
        let mut typing = TypingThrottle::new(TypingPolicy::default());
        let sent: Vec<(Millis, bool)> = (0..=7_000)
            .step_by(200)
            .filter_map(|t| typing.keystroke(t).map(|on| (t, on)))
            .collect();
        assert_eq!(sent, [(0, true), (3_000, true), (6_000, true)]);
    }

    #[test]
    fn an_explicit_stop_is_sent_once() {
        let mut typing = TypingThrottle::new(TypingPolicy::default());
        assert_eq!(typing.stop(), None, "not typing: nothing to say");
        typing.keystroke(100);
        assert_eq!(typing.stop(), Some(false));
        assert_eq!(typing.stop(), None);
        assert_eq!(
            typing.keystroke(200),
            Some(true),
            "typing again starts at once"
        );
    }

    #[test]
    fn typing_stops_by_itself_when_keystrokes_cease() {
        let mut typing = TypingThrottle::new(TypingPolicy::default());
        typing.keystroke(1_000);
        typing.keystroke(2_000);
        assert_eq!(typing.deadline(), Some(6_000));
        assert_eq!(typing.tick(5_999), None);
        assert_eq!(typing.tick(6_000), Some(false));
        assert_eq!(typing.deadline(), None);
        assert_eq!(typing.tick(9_000), None);
    }
}
