//! The verdict after a chaos run: the server's stored history of every room against what
//! the clients were told (acks) and what they hold (deliveries).

use std::collections::{BTreeSet, HashMap};

use chat_protocol::v1::Message;
use serde::Serialize;

use super::client::Ledger;

/// Every count but `stored` and `acked` must be zero.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Verdict {
    /// Messages the server holds, over all rooms.
    pub stored: u64,
    /// Distinct messages acknowledged to their senders.
    pub acked: u64,
    /// Acknowledged messages not stored where their ack said (lost or moved).
    pub lost_acked: u64,
    /// Messages stored more than once (the same `client_msg_id` at two seqs).
    pub stored_twice: u64,
    /// Seqs missing between 1 and a room's last seq: neither a stored message nor a
    /// room event some client of the room saw (a member joining).
    pub holes: u64,
    /// Messages sent that were still unacknowledged at the deadline.
    pub unacked: u64,
    /// Two acks for one message naming different places, or two messages for one seq.
    pub conflicts: u64,
    /// Clients whose history is not exactly the server's.
    pub diverged_clients: u64,
    /// Stored messages some client does not hold (summed over clients).
    pub missing_deliveries: u64,
    /// Messages a client holds that the server does not have at that seq.
    pub foreign_deliveries: u64,
    /// Clients that did not hold the whole history before the deadline.
    pub behind_clients: u64,
    /// Deliveries on one connection out of increasing seq order (the protocol promises
    /// none).
    pub out_of_order: u64,
}

impl Verdict {
    /// Whether the run kept the promise: nothing acknowledged lost, nothing twice, every
    /// client holding the same history as the server.
    pub fn kept(&self) -> bool {
        self.lost_acked == 0
            && self.stored_twice == 0
            && self.holes == 0
            && self.unacked == 0
            && self.conflicts == 0
            && self.diverged_clients == 0
            && self.behind_clients == 0
            && self.out_of_order == 0
    }
}

/// `rooms[r]` is room `r`'s stored history in seq order.
pub fn judge(rooms: &[Vec<Message>], ledgers: &[Ledger]) -> Verdict {
    let mut verdict = Verdict::default();
    let mut by_seq: Vec<HashMap<u64, &Message>> = Vec::with_capacity(rooms.len());
    let mut notices: Vec<BTreeSet<u64>> = vec![BTreeSet::new(); rooms.len()];
    for ledger in ledgers {
        if let Some(seen) = notices.get_mut(ledger.room) {
            seen.extend(ledger.notices.iter().copied());
        }
    }
    for (history, notices) in rooms.iter().zip(&notices) {
        verdict.stored += history.len() as u64;
        let last = history.last().map_or(0, |m| m.seq);
        let mut seqs: HashMap<u64, &Message> = HashMap::with_capacity(history.len());
        let mut ids: HashMap<&str, u32> = HashMap::with_capacity(history.len());
        for message in history {
            seqs.insert(message.seq, message);
            *ids.entry(message.client_msg_id.as_str()).or_default() += 1;
        }
        let events = notices
            .range(..=last)
            .filter(|seq| !seqs.contains_key(seq))
            .count();
        verdict.holes += last.saturating_sub((seqs.len() + events) as u64);
        verdict.stored_twice += ids.values().map(|&n| u64::from(n - 1)).sum::<u64>();
        by_seq.push(seqs);
    }
    for ledger in ledgers {
        let Some(stored) = by_seq.get(ledger.room) else {
            verdict.diverged_clients += 1;
            continue;
        };
        verdict.acked += ledger.acked.len() as u64;
        verdict.unacked += ledger.unacked;
        verdict.conflicts += ledger.conflicts;
        verdict.out_of_order += ledger.out_of_order;
        verdict.behind_clients += u64::from(!ledger.caught_up);
        verdict.lost_acked += ledger
            .acked
            .iter()
            .filter(|(id, at)| {
                stored.get(&at.seq).is_none_or(|message| {
                    message.message_id != at.message_id || message.client_msg_id != **id
                })
            })
            .count() as u64;
        let missing = stored
            .iter()
            .filter(|(seq, message)| {
                **seq > ledger.baseline
                    && ledger.received.get(seq).map(String::as_str)
                        != Some(message.message_id.as_str())
            })
            .count() as u64;
        let foreign = ledger
            .received
            .iter()
            .filter(|(seq, id)| stored.get(seq).is_none_or(|m| m.message_id != **id))
            .count() as u64;
        verdict.missing_deliveries += missing;
        verdict.foreign_deliveries += foreign;
        verdict.diverged_clients += u64::from(missing + foreign > 0);
    }
    verdict
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::target::Stored;

    fn message(seq: u64, client_msg_id: &str) -> Message {
        Message {
            room_id: "r".into(),
            seq,
            message_id: format!("m{seq}").into(),
            client_msg_id: client_msg_id.into(),
            sender_id: "u".into(),
            content: String::new(),
            created_at: 0,
            ..Message::default()
        }
    }

    fn holding(seqs: &[u64], acked: &[(&str, u64)]) -> Ledger {
        Ledger {
            received: seqs.iter().map(|&s| (s, format!("m{s}"))).collect(),
            acked: acked
                .iter()
                .map(|&(id, seq)| {
                    let at = Stored {
                        seq,
                        message_id: format!("m{seq}"),
                    };
                    (id.to_owned(), at)
                })
                .collect::<BTreeMap<_, _>>(),
            caught_up: true,
            ..Ledger::default()
        }
    }

    #[test]
    fn clients_holding_the_stored_history_keep_the_promise() {
        let room = vec![message(1, "a"), message(2, "b")];
        let ledgers = [holding(&[1, 2], &[("a", 1)]), holding(&[1, 2], &[("b", 2)])];
        let verdict = judge(&[room], &ledgers);
        assert!(verdict.kept(), "{verdict:?}");
        assert_eq!((verdict.stored, verdict.acked), (2, 2));
    }

    #[test]
    fn every_way_of_breaking_the_promise_is_counted() {
        // Seq 3 is missing, "a" is stored twice, the ack for "c" names seq 9.
        let room = vec![message(1, "a"), message(2, "a"), message(4, "d")];
        let mut behind = holding(&[1], &[("c", 9)]);
        behind.caught_up = false;
        behind.received.insert(5, "m5".into());
        let verdict = judge(&[room], &[holding(&[1, 2, 4], &[]), behind]);
        assert_eq!(verdict.holes, 1);
        assert_eq!(verdict.stored_twice, 1);
        assert_eq!(verdict.lost_acked, 1);
        assert_eq!(verdict.diverged_clients, 1);
        assert_eq!(verdict.missing_deliveries, 2);
        assert_eq!(verdict.foreign_deliveries, 1);
        assert_eq!(verdict.behind_clients, 1);
        assert!(!verdict.kept());
    }

    #[test]
    fn a_member_joining_takes_a_seq_that_is_no_hole_once_a_client_saw_it() {
        // Seq 1 is the second client's joining, which only the first one saw.
        let room = vec![message(2, "a"), message(3, "b")];
        let mut first = holding(&[2, 3], &[("a", 2)]);
        first.notices.insert(1);
        let second = holding(&[2, 3], &[("b", 3)]);
        let verdict = judge(std::slice::from_ref(&room), &[first, second]);
        assert!(verdict.kept(), "{verdict:?}");
        // Nobody saw seq 1: it is a hole.
        let verdict = judge(&[room], &[holding(&[2, 3], &[("a", 2), ("b", 3)])]);
        assert_eq!(verdict.holes, 1);
    }
}
