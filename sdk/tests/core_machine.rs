//! The client core under simulated time and scripted faults: no sockets, no sleeps.

use chat_protocol::v1::{ClientFrame, ErrorCode, Message, ReceiptKind, ServerFrame, close};
use chat_sdk::core::{
    Action, Change, ConnectionState, Core, CoreConfig, DisconnectReason, Event, Input, Millis,
    OutboxEntry, Target,
};

/// A driver stand-in: keeps the clock, records what the core asked for.
struct Sim {
    core: Core,
    now: Millis,
    sent: Vec<ClientFrame>,
    events: Vec<Event>,
    wake: Option<Millis>,
    opens: usize,
    closes: usize,
}

impl Sim {
    fn new() -> Self {
        Self::with_token(Some("token-1"))
    }

    fn with_token(token: Option<&str>) -> Self {
        Self {
            core: Core::new(CoreConfig::default(), token.map(str::to_owned), 42),
            now: 1_000,
            sent: Vec::new(),
            events: Vec::new(),
            wake: None,
            opens: 0,
            closes: 0,
        }
    }

    /// Following room "r" (resuming after `since_seq`), connected, with nothing sent yet.
    fn live_in_room(since_seq: Option<u64>) -> Self {
        let mut sim = Self::new();
        sim.input(Input::JoinRoom {
            room_id: "r".into(),
            since_seq,
        });
        sim.input(Input::Connect);
        sim.go_live();
        sim.take_sent();
        sim
    }

    fn input(&mut self, input: Input) {
        for action in self.core.handle(self.now, input) {
            match action {
                Action::OpenSocket => self.opens += 1,
                Action::CloseSocket => self.closes += 1,
                Action::Send(frame) => self.sent.push(frame),
                Action::WakeAt(at) => self.wake = Some(at),
                Action::Emit(event) => self.events.push(event),
            }
        }
    }

    /// Moves the clock to `at`, delivering every timer due on the way.
    fn advance_to(&mut self, at: Millis) {
        while let Some(wake) = self.wake.filter(|w| *w <= at) {
            self.now = self.now.max(wake);
            self.wake = None;
            self.input(Input::Tick);
        }
        self.now = at;
    }

    fn frame(&mut self, frame: ServerFrame) {
        self.input(Input::Frame(frame));
    }

    /// Opens the socket and authenticates as `me`.
    fn go_live(&mut self) {
        self.input(Input::SocketOpened);
        self.frame(ServerFrame::Authenticated {
            user_id: "me".into(),
            session_id: "1".into(),
            server_time: 0,
            heartbeat_interval_ms: 20_000,
            expires_at: None,
        });
        assert_eq!(self.core.state(), &ConnectionState::Connected);
    }

    fn take_sent(&mut self) -> Vec<ClientFrame> {
        std::mem::take(&mut self.sent)
    }

    fn states(&self) -> Vec<ConnectionState> {
        self.events
            .iter()
            .filter_map(|e| {
                if let Event::State(s) = e {
                    Some(s.clone())
                } else {
                    None
                }
            })
            .collect()
    }
}

fn outgoing(room: &str, id: &str) -> OutboxEntry {
    OutboxEntry {
        room_id: room.into(),
        client_msg_id: id.into(),
        change: Change::Send {
            content: format!("text {id}"),
            reply_to: None,
            mentions: Vec::new(),
            attachments: Vec::new(),
            uploading: false,
        },
    }
}

/// A message whose files are still being uploaded.
fn outgoing_with_files(room: &str, id: &str) -> OutboxEntry {
    let mut entry = outgoing(room, id);
    if let Change::Send { uploading, .. } = &mut entry.change {
        *uploading = true;
    }
    entry
}

fn ack(room: &str, id: &str, seq: u64) -> ServerFrame {
    ServerFrame::MessageAck {
        room_id: room.into(),
        client_msg_id: id.into(),
        message_id: format!("m-{id}").into(),
        seq,
        created_at: 0,
    }
}

fn message_from(sender: &str, room: &str, seq: u64) -> ServerFrame {
    ServerFrame::Message(Message {
        room_id: room.into(),
        seq,
        message_id: format!("m{seq}").into(),
        client_msg_id: format!("c{seq}"),
        sender_id: sender.into(),
        content: "hi".into(),
        created_at: 0,
        edited_at: None,
        deleted: false,
        reply_to: None,
        mentions: Vec::new(),
        reactions: Vec::new(),
        attachments: Vec::new(),
    })
}

fn room_joined(room: &str, last_seq: u64) -> ServerFrame {
    ServerFrame::RoomJoined {
        room_id: room.into(),
        name: room.into(),
        visibility: chat_protocol::v1::RoomVisibility::Public,
        last_seq,
        receipts: vec![],
    }
}

fn sent_ids(frames: &[ClientFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            ClientFrame::SendMessage { client_msg_id, .. } => Some(client_msg_id.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn connecting_authenticates_resumes_rooms_then_flushes_the_outbox() {
    let mut sim = Sim::new();
    sim.input(Input::JoinRoom {
        room_id: "r1".into(),
        since_seq: Some(7),
    });
    sim.input(Input::JoinRoom {
        room_id: "r2".into(),
        since_seq: None,
    });
    sim.input(Input::Enqueue(outgoing("r1", "a")));
    assert!(
        sim.take_sent().is_empty(),
        "nothing goes out before the connection is up"
    );

    sim.input(Input::Connect);
    assert_eq!(sim.opens, 1);
    sim.input(Input::SocketOpened);
    assert_eq!(
        sim.take_sent(),
        [ClientFrame::Authenticate {
            token: "token-1".into()
        }]
    );
    sim.frame(ServerFrame::Authenticated {
        user_id: "me".into(),
        session_id: "1".into(),
        server_time: 0,
        heartbeat_interval_ms: 20_000,
        expires_at: None,
    });
    assert_eq!(
        sim.take_sent(),
        [
            ClientFrame::JoinRoom {
                room_id: "r1".into(),
                since_seq: Some(7)
            },
            ClientFrame::JoinRoom {
                room_id: "r2".into(),
                since_seq: None
            },
            ClientFrame::SendMessage {
                room_id: "r1".into(),
                client_msg_id: "a".into(),
                content: "text a".into(),
                reply_to: None,
                mentions: Vec::new(),
                attachments: Vec::new(),
            },
        ]
    );
    assert_eq!(
        sim.states(),
        [
            ConnectionState::Connecting { attempt: 0 },
            ConnectionState::Connected
        ]
    );
}

#[test]
fn failed_attempts_back_off_with_jitter_inside_growing_caps() {
    let mut sim = Sim::new();
    sim.input(Input::Connect);
    let mut delays = Vec::new();
    for _ in 0..8 {
        sim.input(Input::SocketFailed("connection refused".into()));
        let Some(ConnectionState::Reconnecting {
            delay_ms, attempt, ..
        }) = sim.states().last().cloned()
        else {
            panic!("{:?}", sim.states())
        };
        delays.push((attempt, delay_ms));
        let opens = sim.opens;
        sim.advance_to(sim.now + delay_ms - 1);
        assert_eq!(sim.opens, opens, "not before the delay");
        sim.advance_to(sim.now + 1);
        assert_eq!(sim.opens, opens + 1, "right at the delay");
    }
    // Default policy: floor 500 ms, doubling, ceiling 30 s.
    for (i, (attempt, delay)) in delays.iter().enumerate() {
        let cap = (500u64 << i).min(30_000);
        assert_eq!(*attempt as usize, i + 1);
        assert!(
            (500..=cap).contains(delay),
            "attempt {attempt}: {delay} outside 500..={cap}"
        );
    }
}

#[test]
fn a_stable_connection_resets_the_backoff_and_network_available_skips_it() {
    let mut sim = Sim::new();
    sim.input(Input::Connect);
    for _ in 0..5 {
        sim.input(Input::SocketFailed("down".into()));
        let wake = sim.wake.unwrap();
        sim.advance_to(wake);
    }
    sim.go_live();
    sim.advance_to(sim.now + 11_000); // stable (10 s), pings keep it alive
    sim.frame(ServerFrame::Pong { server_time: 0 });
    sim.input(Input::SocketClosed {
        code: Some(1006),
        reason: String::new(),
    });
    let Some(ConnectionState::Reconnecting {
        attempt, delay_ms, ..
    }) = sim.states().last().cloned()
    else {
        panic!()
    };
    assert_eq!(attempt, 1);
    assert!(delay_ms <= 500, "back at the floor: {delay_ms}");

    // The app says the network is back: reconnect at once.
    let opens = sim.opens;
    sim.input(Input::NetworkAvailable);
    assert_eq!(sim.opens, opens + 1);
}

#[test]
fn heartbeats_ping_when_idle_and_a_silent_server_counts_as_dead() {
    let mut sim = Sim::new();
    sim.input(Input::Connect);
    sim.go_live();
    sim.take_sent();
    sim.advance_to(sim.now + 15_000);
    assert_eq!(sim.take_sent(), [ClientFrame::Ping]);
    sim.frame(ServerFrame::Pong { server_time: 0 });
    // Now nothing is heard any more: after 40 s of silence the connection is dropped.
    let heard = sim.now;
    sim.advance_to(heard + 39_999);
    assert_eq!(sim.closes, 0);
    sim.advance_to(heard + 40_000);
    assert_eq!(sim.closes, 1);
    assert!(matches!(
        sim.states().last(),
        Some(ConnectionState::Reconnecting {
            reason: DisconnectReason::HeartbeatTimeout,
            ..
        })
    ));
}

#[test]
fn resume_cursors_follow_messages_edits_and_acks() {
    let mut sim = Sim::new();
    sim.input(Input::JoinRoom {
        room_id: "r".into(),
        since_seq: Some(2),
    });
    sim.input(Input::Connect);
    sim.go_live();
    sim.frame(message_from("bob", "r", 3));
    sim.frame(ServerFrame::MessageEdited {
        room_id: "r".into(),
        seq: 4,
        message_id: "m3".into(),
        sender_id: "bob".into(),
        content: "x".into(),
        edited_at: 0,
    });
    sim.input(Input::Enqueue(outgoing("r", "mine")));
    sim.frame(ack("r", "mine", 5));
    sim.frame(message_from("bob", "other-room", 99)); // not followed: no cursor
    assert_eq!(sim.core.cursor("r"), Some(5));
    assert_eq!(sim.core.cursor("other-room"), None);

    sim.input(Input::SocketClosed {
        code: Some(1006),
        reason: String::new(),
    });
    sim.take_sent();
    let wake = sim.wake.unwrap();
    sim.advance_to(wake);
    sim.go_live();
    let joins: Vec<ClientFrame> = sim
        .take_sent()
        .into_iter()
        .filter(|f| matches!(f, ClientFrame::JoinRoom { .. }))
        .collect();
    assert_eq!(
        joins,
        [ClientFrame::JoinRoom {
            room_id: "r".into(),
            since_seq: Some(5)
        }]
    );
}

#[test]
fn the_outbox_sends_in_order_and_retries_with_the_same_ids() {
    let mut sim = Sim::new();
    for id in ["a1", "a2", "a3", "a4"] {
        sim.input(Input::Enqueue(outgoing("a", id)));
    }
    sim.input(Input::Enqueue(outgoing("b", "b1")));
    sim.input(Input::Connect);
    sim.go_live();
    assert_eq!(sent_ids(&sim.take_sent()), ["a1", "b1"]);

    // The connection drops before a1's ack: a1 goes again, same id.
    sim.input(Input::SocketClosed {
        code: Some(1006),
        reason: String::new(),
    });
    let wake = sim.wake.unwrap();
    sim.advance_to(wake);
    sim.go_live();
    assert_eq!(sent_ids(&sim.take_sent()), ["a1", "b1"]);
    sim.frame(ack("a", "a1", 1));
    sim.frame(ack("b", "b1", 1));
    assert_eq!(sent_ids(&sim.take_sent()), ["a2"]);

    // Rate limited: a2 waits a second, and a3 does not overtake it.
    sim.frame(ServerFrame::error(
        ErrorCode::RateLimited,
        "slow down",
        Some("a2".into()),
    ));
    assert!(sent_ids(&sim.take_sent()).is_empty());
    sim.advance_to(sim.now + 1_000);
    assert_eq!(sent_ids(&sim.take_sent()), ["a2"]);
    sim.frame(ack("a", "a2", 2));
    assert_eq!(sent_ids(&sim.take_sent()), ["a3"]);

    // Refused for good: a3 fails with the server's reason, a4 goes on.
    sim.frame(ServerFrame::error(
        ErrorCode::TooLarge,
        "too long",
        Some("a3".into()),
    ));
    assert_eq!(sent_ids(&sim.take_sent()), ["a4"]);
    assert!(sim.events.contains(&Event::SendFailed {
        client_msg_id: "a3".into(),
        code: ErrorCode::TooLarge,
        message: "too long".into(),
    }));
    sim.frame(ack("a", "a4", 3));
    let sent: Vec<&str> = sim
        .events
        .iter()
        .filter_map(|e| {
            if let Event::Sent { client_msg_id, .. } = e {
                Some(client_msg_id.as_str())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(sent, ["a1", "b1", "a2", "a4"]);
    assert_eq!(sim.core.outbox_len(), 1, "only the failed message is left");

    // The user retries it, then it is stored.
    sim.input(Input::Retry("a3".into()));
    assert_eq!(sent_ids(&sim.take_sent()), ["a3"]);
    sim.frame(ack("a", "a3", 4));
    assert_eq!(sim.core.outbox_len(), 0);
}

#[test]
fn typing_is_throttled_and_stops_by_itself() {
    let mut sim = Sim::live_in_room(None);
    for _ in 0..10 {
        sim.input(Input::Keystroke("r".into()));
        sim.advance_to(sim.now + 100);
    }
    sim.frame(ServerFrame::Pong { server_time: 0 });
    assert_eq!(
        sim.take_sent(),
        [ClientFrame::Typing {
            room_id: "r".into(),
            is_typing: true
        }]
    );
    sim.advance_to(sim.now + 5_000);
    assert_eq!(
        sim.take_sent()
            .into_iter()
            .filter(|f| matches!(f, ClientFrame::Typing { .. }))
            .collect::<Vec<_>>(),
        [ClientFrame::Typing {
            room_id: "r".into(),
            is_typing: false
        }]
    );
    // Keystrokes in a room not followed are ignored.
    sim.input(Input::Keystroke("elsewhere".into()));
    assert!(sim.take_sent().is_empty());
}

#[test]
fn a_refused_token_waits_for_a_fresh_one() {
    let mut sim = Sim::new();
    sim.input(Input::Connect);
    sim.input(Input::SocketOpened);
    sim.frame(ServerFrame::error(
        ErrorCode::Unauthorized,
        "token expired",
        None,
    ));
    sim.input(Input::SocketClosed {
        code: Some(close::UNAUTHORIZED),
        reason: "invalid token".into(),
    });
    assert!(matches!(
        sim.core.state(),
        ConnectionState::NeedsToken {
            reason: DisconnectReason::Unauthorized { .. }
        }
    ));
    assert!(sim.events.contains(&Event::TokenNeeded));
    let opens = sim.opens;
    sim.advance_to(sim.now + 3_600_000);
    assert_eq!(sim.opens, opens, "no retries with the refused token");
    sim.input(Input::Token("token-2".into()));
    assert_eq!(sim.opens, opens + 1);
    sim.input(Input::SocketOpened);
    assert_eq!(
        sim.take_sent().last(),
        Some(&ClientFrame::Authenticate {
            token: "token-2".into()
        })
    );

    let mut tokenless = Sim::with_token(None);
    tokenless.input(Input::Connect);
    assert_eq!(tokenless.opens, 0);
    assert!(tokenless.events.contains(&Event::TokenNeeded));
}

#[test]
fn a_deactivated_account_is_not_reconnected_until_a_new_token() {
    let mut sim = Sim::new();
    sim.input(Input::Connect);
    sim.go_live();
    sim.input(Input::SocketClosed {
        code: Some(close::FORBIDDEN),
        reason: "account deactivated".into(),
    });
    assert!(matches!(
        sim.core.state(),
        ConnectionState::NeedsToken {
            reason: DisconnectReason::Unauthorized { detail }
        } if detail == "account deactivated"
    ));
    let opens = sim.opens;
    sim.advance_to(sim.now + 3_600_000);
    assert_eq!(
        sim.opens, opens,
        "no reconnect loop against a closed account"
    );
}

#[test]
fn server_shutdown_and_slow_consumer_closes_set_the_wait() {
    let mut sim = Sim::new();
    sim.input(Input::Connect);
    sim.go_live();
    sim.frame(ServerFrame::ServerShutdown {
        reconnect_after_ms: 3_000,
    });
    sim.input(Input::SocketClosed {
        code: Some(close::RESTARTING),
        reason: String::new(),
    });
    let Some(ConnectionState::Reconnecting {
        delay_ms, reason, ..
    }) = sim.states().last().cloned()
    else {
        panic!()
    };
    assert_eq!(reason, DisconnectReason::ServerShutdown);
    assert!((3_000..=3_500).contains(&delay_ms), "{delay_ms}");

    sim.advance_to(sim.wake.unwrap());
    sim.go_live();
    sim.input(Input::SocketClosed {
        code: Some(close::SLOW_CONSUMER),
        reason: String::new(),
    });
    let Some(ConnectionState::Reconnecting { delay_ms, .. }) = sim.states().last().cloned() else {
        panic!()
    };
    assert!(
        delay_ms <= 500,
        "a slow consumer comes back quickly: {delay_ms}"
    );
}

#[test]
fn disconnecting_stops_everything() {
    let mut sim = Sim::new();
    sim.input(Input::Connect);
    sim.go_live();
    sim.input(Input::Disconnect);
    assert_eq!(sim.closes, 1);
    assert_eq!(sim.core.state(), &ConnectionState::Disconnected);
    sim.input(Input::SocketClosed {
        code: Some(1000),
        reason: String::new(),
    });
    let opens = sim.opens;
    sim.advance_to(sim.now + 600_000);
    assert_eq!(sim.opens, opens);
    assert_eq!(sim.wake, None);
}

#[test]
fn receipts_delivered_coalesced_and_read_on_request() {
    let mut sim = Sim::live_in_room(None);
    for seq in 1..=5 {
        sim.frame(message_from("bob", "r", seq));
    }
    sim.frame(message_from("me", "r", 6)); // my own message, from another device
    assert!(sim.take_sent().is_empty());
    sim.advance_to(sim.now + 250);
    assert_eq!(
        sim.take_sent(),
        [ClientFrame::Receipt {
            room_id: "r".into(),
            seq: 5,
            kind: ReceiptKind::Delivered
        }]
    );
    sim.input(Input::MarkRead {
        room_id: "r".into(),
        seq: 6,
    });
    assert_eq!(
        sim.take_sent(),
        [ClientFrame::Receipt {
            room_id: "r".into(),
            seq: 6,
            kind: ReceiptKind::Read
        }]
    );
}

#[test]
fn a_room_read_from_the_list_while_offline_is_told_once_live() {
    let mut sim = Sim::new();
    // Not followed, not connected: nothing can go out yet; the highest read counts.
    for seq in [4, 7, 5] {
        sim.input(Input::MarkRead {
            room_id: "listed".into(),
            seq,
        });
    }
    assert!(sim.take_sent().is_empty());
    let receipts = |sent: Vec<ClientFrame>| -> Vec<ClientFrame> {
        sent.into_iter()
            .filter(|f| matches!(f, ClientFrame::Receipt { .. }))
            .collect()
    };
    sim.input(Input::Connect);
    sim.go_live();
    assert_eq!(
        receipts(sim.take_sent()),
        [ClientFrame::Receipt {
            room_id: "listed".into(),
            seq: 7,
            kind: ReceiptKind::Read
        }]
    );
    // Once told, never again; live, a read from the list goes out at once.
    sim.input(Input::SocketClosed {
        code: Some(1006),
        reason: String::new(),
    });
    sim.advance_to(sim.wake.unwrap());
    sim.go_live();
    assert!(receipts(sim.take_sent()).is_empty());
    sim.input(Input::MarkRead {
        room_id: "listed".into(),
        seq: 9,
    });
    assert_eq!(
        sim.take_sent(),
        [ClientFrame::Receipt {
            room_id: "listed".into(),
            seq: 9,
            kind: ReceiptKind::Read
        }]
    );
}

#[test]
fn joining_with_an_empty_cache_fetches_the_newest_page_once() {
    let mut sim = Sim::live_in_room(None);
    sim.frame(room_joined("r", 120));
    assert_eq!(
        sim.take_sent(),
        [ClientFrame::History {
            room_id: "r".into(),
            before_seq: None,
            limit: 50
        }]
    );
    assert_eq!(sim.core.cursor("r"), Some(120), "live events from here on");
    // A reconnect resumes from the cursor; no second history fetch.
    sim.input(Input::SocketClosed {
        code: Some(1006),
        reason: String::new(),
    });
    sim.advance_to(sim.wake.unwrap());
    sim.go_live();
    sim.frame(room_joined("r", 125));
    let sent = sim.take_sent();
    assert!(sent.contains(&ClientFrame::JoinRoom {
        room_id: "r".into(),
        since_seq: Some(120)
    }));
    assert!(
        !sent
            .iter()
            .any(|f| matches!(f, ClientFrame::History { .. }))
    );
}

#[test]
fn a_join_refused_for_a_cursor_ahead_of_the_server_rejoins_from_scratch() {
    let mut sim = Sim::live_in_room(Some(500));
    // The server's database was replaced: it has fewer events than our cursor.
    sim.frame(ServerFrame::error(
        ErrorCode::InvalidRequest,
        "since_seq 500 is ahead",
        Some("r".into()),
    ));
    assert_eq!(
        sim.take_sent(),
        [ClientFrame::JoinRoom {
            room_id: "r".into(),
            since_seq: None
        }]
    );
    assert_eq!(sim.core.cursor("r"), None);
    // Only the join's own error does that: a later invalid receipt changes nothing.
    sim.frame(room_joined("r", 3));
    sim.take_sent();
    sim.frame(ServerFrame::error(
        ErrorCode::InvalidRequest,
        "bad receipt",
        Some("r".into()),
    ));
    let sent = sim.take_sent();
    assert!(sent.is_empty(), "{sent:?}");
    assert_eq!(sim.core.cursor("r"), Some(3));
}

#[test]
fn a_fresh_token_after_a_refusal_waits_out_the_backoff() {
    let mut sim = Sim::new();
    sim.input(Input::Connect);
    sim.input(Input::SocketOpened);
    sim.input(Input::SocketClosed {
        code: Some(close::UNAUTHORIZED),
        reason: "invalid token".into(),
    });
    let opens = sim.opens;
    // The provider answers at once, but with a token the server may refuse again:
    // no tight loop.
    sim.input(Input::Token("token-2".into()));
    assert_eq!(sim.opens, opens, "not immediately");
    sim.advance_to(sim.wake.expect("a wake-up is scheduled"));
    assert_eq!(sim.opens, opens + 1, "after the backoff delay");
}

#[test]
fn an_absurd_server_delay_is_capped() {
    let mut sim = Sim::new();
    sim.input(Input::Connect);
    sim.go_live();
    sim.frame(ServerFrame::ServerShutdown {
        reconnect_after_ms: u64::MAX,
    });
    sim.input(Input::SocketClosed {
        code: Some(close::RESTARTING),
        reason: String::new(),
    });
    let Some(ConnectionState::Reconnecting { delay_ms, .. }) = sim.states().last().cloned() else {
        panic!()
    };
    assert!(delay_ms <= 5 * 60 * 1000 + 500, "{delay_ms}");
}

#[test]
fn a_history_page_is_receipted_as_delivered_without_moving_the_cursor() {
    let mut sim = Sim::live_in_room(Some(40));
    let page: Vec<Message> = [10, 11, 12]
        .into_iter()
        .map(
            |seq| match message_from(if seq == 12 { "me" } else { "bob" }, "r", seq) {
                ServerFrame::Message(m) => m,
                _ => unreachable!(),
            },
        )
        .collect();
    sim.frame(ServerFrame::History {
        room_id: "r".into(),
        messages: page,
        has_more: true,
    });
    assert_eq!(sim.core.cursor("r"), Some(40));
    sim.advance_to(sim.now + 250);
    assert_eq!(
        sim.take_sent(),
        [ClientFrame::Receipt {
            room_id: "r".into(),
            seq: 11,
            kind: ReceiptKind::Delivered
        }]
    );
}

/// One hour, the lifetime of the tokens in the renewal tests.
const HOUR_MS: i64 = 3_600_000;

/// Connected as `me` with a token that expires in an hour (on the server's clock, which
/// need not match the driver's).
fn live_with_expiring_token(seed: u64) -> Sim {
    let mut sim = Sim::new();
    sim.core = Core::new(CoreConfig::default(), Some("token-1".into()), seed);
    sim.input(Input::JoinRoom {
        room_id: "r".into(),
        since_seq: Some(3),
    });
    sim.input(Input::Connect);
    sim.input(Input::SocketOpened);
    sim.frame(ServerFrame::Authenticated {
        user_id: "me".into(),
        session_id: "1".into(),
        server_time: 1_764_000_000_000,
        heartbeat_interval_ms: 20_000,
        expires_at: Some(1_764_000_000_000 + HOUR_MS),
    });
    sim.take_sent();
    sim.events.clear();
    sim
}

/// Moves the clock to `at` in 10 s steps with a server that answers every ping, so
/// that the connection stays up for as long as the test needs.
fn advance_live(sim: &mut Sim, at: Millis) {
    while sim.now < at {
        let step = (sim.now + 10_000).min(at);
        sim.advance_to(step);
        sim.frame(ServerFrame::Pong { server_time: 0 });
    }
}

fn renewals_asked(sim: &Sim) -> usize {
    sim.events
        .iter()
        .filter(|e| **e == Event::TokenRenewalDue)
        .count()
}

#[test]
fn a_token_is_renewed_on_the_live_connection_before_it_expires() {
    let mut sim = live_with_expiring_token(42);
    let start = sim.now;
    // Renewal starts 5 to 10 minutes before expiry (a tenth of the lifetime, capped,
    // plus up to as much again of jitter).
    advance_live(&mut sim, start + 3_000_000 - 1);
    assert_eq!(renewals_asked(&sim), 0, "too early");
    while renewals_asked(&sim) == 0 {
        let next = sim.now + 1_000;
        advance_live(&mut sim, next);
    }
    assert!(sim.now <= start + 3_300_000, "too late");
    let asked = sim.now;
    advance_live(&mut sim, asked + 20_000);
    assert_eq!(renewals_asked(&sim), 1, "asked once, not on every tick");
    sim.take_sent();

    sim.input(Input::Token("token-2".into()));
    assert_eq!(
        sim.take_sent(),
        [ClientFrame::Authenticate {
            token: "token-2".into()
        }]
    );
    let renewed_at = sim.now;
    let server_time = 1_764_000_000_000 + i64::try_from(renewed_at - start).unwrap();
    sim.frame(ServerFrame::Authenticated {
        user_id: "me".into(),
        session_id: "1".into(),
        server_time,
        heartbeat_interval_ms: 20_000,
        expires_at: Some(server_time + HOUR_MS),
    });
    // The same connection goes on: no reconnect, no rooms joined again.
    assert_eq!(sim.opens, 1);
    assert_eq!(sim.closes, 0);
    assert!(sim.take_sent().is_empty());
    assert_eq!(sim.core.state(), &ConnectionState::Connected);
    assert!(
        !sim.events.iter().any(|e| matches!(e, Event::State(_))),
        "{:?}",
        sim.events
    );
    // The next renewal follows the new expiry.
    advance_live(&mut sim, renewed_at + 3_000_000 - 1);
    assert_eq!(renewals_asked(&sim), 1);
    advance_live(&mut sim, renewed_at + 3_300_000);
    // (asked again every 30 s from then on, while nobody supplies a token)
    assert!(renewals_asked(&sim) >= 2);
}

#[test]
fn renewals_of_tokens_issued_together_are_spread_out() {
    let mut asked_at = Vec::new();
    for seed in 0..50 {
        let mut sim = live_with_expiring_token(seed);
        let start = sim.now;
        let mut at = start;
        while renewals_asked(&sim) == 0 && at < start + 3_600_000 {
            at += 1_000;
            advance_live(&mut sim, at);
        }
        asked_at.push(at - start);
    }
    let first = *asked_at.iter().min().unwrap();
    let last = *asked_at.iter().max().unwrap();
    assert!(first >= 3_000_000 && last <= 3_300_000, "{first}..{last}");
    assert!(
        last - first >= 150_000,
        "renewals bunch up within {} ms",
        last - first
    );
}

#[test]
fn a_refused_renewal_is_asked_again_later_and_the_connection_kept() {
    let mut sim = live_with_expiring_token(7);
    while renewals_asked(&sim) == 0 {
        let next = sim.now + 1_000;
        advance_live(&mut sim, next);
    }
    let asked = sim.now;
    sim.input(Input::Token("not-accepted".into()));
    sim.take_sent();
    sim.frame(ServerFrame::Error {
        code: ErrorCode::Unauthorized,
        message: "token signature is invalid".into(),
        reference: None,
    });
    assert_eq!(sim.closes, 0);
    assert_eq!(sim.core.state(), &ConnectionState::Connected);
    advance_live(&mut sim, asked + 29_000);
    assert_eq!(renewals_asked(&sim), 1);
    advance_live(&mut sim, asked + 31_000);
    assert_eq!(renewals_asked(&sim), 2, "asked again after 30 s");
}

#[test]
fn without_an_announced_expiry_nothing_is_renewed() {
    let mut sim = Sim::live_in_room(Some(1));
    let start = sim.now;
    sim.frame(ServerFrame::Pong { server_time: 0 });
    for step in 1..=100 {
        advance_live(&mut sim, start + step * 15_000);
        sim.frame(ServerFrame::Pong { server_time: 0 });
    }
    assert_eq!(renewals_asked(&sim), 0);
}

#[test]
fn a_renewal_that_comes_to_nothing_is_started_again() {
    let mut sim = live_with_expiring_token(9);
    while renewals_asked(&sim) == 0 {
        let next = sim.now + 1_000;
        advance_live(&mut sim, next);
    }
    let asked = sim.now;
    // The provider had no token (offline, say): nothing is sent, nothing answers.
    advance_live(&mut sim, asked + 29_000);
    assert_eq!(renewals_asked(&sim), 1);
    advance_live(&mut sim, asked + 31_000);
    assert_eq!(renewals_asked(&sim), 2, "asked again after 30 s");
    assert_eq!(sim.closes, 0);
}

#[test]
fn changes_made_offline_go_out_in_order_after_their_message_and_finish_with_a_pong() {
    let mut sim = Sim::new();
    sim.input(Input::JoinRoom {
        room_id: "r".into(),
        since_seq: Some(3),
    });
    // Offline: a message, a reaction to it, then an edit of an older message.
    sim.input(Input::Enqueue(outgoing("r", "a")));
    sim.input(Input::Enqueue(OutboxEntry {
        room_id: "r".into(),
        client_msg_id: "react-1".into(),
        change: Change::React {
            target: Target::Pending("a".into()),
            emoji: "👍".into(),
            on: true,
        },
    }));
    sim.input(Input::Enqueue(OutboxEntry {
        room_id: "r".into(),
        client_msg_id: "edit-1".into(),
        change: Change::Edit {
            target: Target::Message("m-old".into()),
            content: "fixed".into(),
        },
    }));
    assert!(sim.take_sent().is_empty());
    sim.input(Input::Connect);
    sim.go_live();
    let sent = sim.take_sent();
    assert!(
        matches!(sent.last(), Some(ClientFrame::SendMessage { client_msg_id, .. }) if client_msg_id == "a")
    );
    sim.frame(ack("r", "a", 4));
    // The reaction names the stored message, and a ping follows it.
    assert_eq!(
        sim.take_sent(),
        [
            ClientFrame::React {
                room_id: "r".into(),
                message_id: "m-a".into(),
                emoji: "👍".into(),
                on: true,
            },
            ClientFrame::Ping,
        ]
    );
    // A reaction set already emits nothing: the pong alone finishes it.
    sim.frame(ServerFrame::Pong { server_time: 0 });
    assert!(sim.events.iter().any(
        |e| matches!(e, Event::ChangeDone { client_msg_id, .. } if client_msg_id == "react-1")
    ));
    assert_eq!(
        sim.take_sent(),
        [
            ClientFrame::EditMessage {
                room_id: "r".into(),
                message_id: "m-old".into(),
                content: "fixed".into(),
            },
            ClientFrame::Ping,
        ]
    );
    // Refused for good: it leaves the outbox and says so.
    sim.frame(ServerFrame::error(
        ErrorCode::Forbidden,
        "not the sender",
        Some("m-old".into()),
    ));
    assert!(sim.events.iter().any(|e| matches!(
        e,
        Event::ChangeFailed { client_msg_id, code: ErrorCode::Forbidden, .. } if client_msg_id == "edit-1"
    )));
    assert_eq!(sim.core.outbox_len(), 0);
}

#[test]
fn a_change_in_flight_when_the_connection_drops_is_sent_again() {
    let mut sim = Sim::live_in_room(Some(3));
    sim.input(Input::Enqueue(OutboxEntry {
        room_id: "r".into(),
        client_msg_id: "pin-1".into(),
        change: Change::Pin {
            target: Target::Message("m1".into()),
            pinned: true,
        },
    }));
    assert_eq!(sim.take_sent().len(), 2, "the pin and its ping");
    sim.input(Input::SocketClosed {
        code: Some(1006),
        reason: String::new(),
    });
    let opens = sim.opens;
    while sim.opens == opens {
        let wake = sim.wake.expect("a reconnect is scheduled");
        sim.advance_to(wake);
    }
    sim.go_live();
    let again = sim.take_sent();
    assert!(again.contains(&ClientFrame::Pin {
        room_id: "r".into(),
        message_id: "m1".into(),
        pinned: true,
    }));
    // The pong of the new connection's ping finishes it (pings are counted afresh).
    sim.frame(ServerFrame::Pong { server_time: 0 });
    assert_eq!(sim.core.outbox_len(), 0);
}

#[test]
fn a_message_waits_for_its_uploads_and_holds_back_its_room_only() {
    let mut sim = Sim::live_in_room(None);
    sim.input(Input::Enqueue(outgoing_with_files("r", "photo")));
    sim.input(Input::Enqueue(outgoing("r", "after")));
    sim.input(Input::Enqueue(outgoing("other", "elsewhere")));
    // The photo's room waits for its files; another room does not.
    assert_eq!(sent_ids(&sim.take_sent()), ["elsewhere"]);
    sim.input(Input::Uploaded {
        client_msg_id: "photo".into(),
        attachment_ids: vec!["a1".into(), "a2".into()],
    });
    let sent = sim.take_sent();
    assert_eq!(sent_ids(&sent), ["photo"]);
    assert!(
        matches!(&sent[0], ClientFrame::SendMessage { attachments, .. } if attachments.len() == 2 && attachments[0] == "a1"),
        "{sent:?}"
    );
    // An upload reported twice changes nothing.
    sim.input(Input::Uploaded {
        client_msg_id: "photo".into(),
        attachment_ids: vec!["a3".into()],
    });
    assert!(sim.take_sent().is_empty());
    sim.frame(ack("r", "photo", 1));
    assert_eq!(sent_ids(&sim.take_sent()), ["after"]);
}

#[test]
fn a_refused_upload_fails_its_message_and_lets_the_room_go_on() {
    let mut sim = Sim::live_in_room(None);
    sim.input(Input::Enqueue(outgoing_with_files("r", "huge")));
    sim.input(Input::Enqueue(outgoing("r", "next")));
    assert!(sim.take_sent().is_empty());
    sim.input(Input::UploadRefused {
        client_msg_id: "huge".into(),
        code: ErrorCode::TooLarge,
        message: "the file is larger than the server's limit".into(),
    });
    assert!(sim.events.iter().any(|e| matches!(
        e,
        Event::SendFailed { client_msg_id, code: ErrorCode::TooLarge, .. } if client_msg_id == "huge"
    )));
    assert_eq!(sent_ids(&sim.take_sent()), ["next"]);
    // Retried, it waits for its files again.
    sim.frame(ack("r", "next", 1));
    sim.input(Input::Retry("huge".into()));
    assert!(sim.take_sent().is_empty());
    sim.input(Input::Uploaded {
        client_msg_id: "huge".into(),
        attachment_ids: vec!["a1".into()],
    });
    assert_eq!(sent_ids(&sim.take_sent()), ["huge"]);
}
