//! Local cache costs that users feel: how long `send_message` takes to make a message
//! durable (the outbox insert, fsync included), how long opening a cache that already
//! holds 100,000 messages takes (app start), how long the home screen of a user in 1,000
//! rooms takes to render from the cache (cold start of the room list), and the CPU a
//! catch-up page costs before it reaches the cache (decoding 200 messages). The last two are pure CPU, so they also
//! show what the size-tuned `mobile-release` profile costs in speed
//! (docs/benchmarks.md, "Client footprint").
//!
//! `cargo bench -p chat-sdk --bench cache`

use std::hint::black_box;

use chat_protocol::v1::{LastMessage, Message, RoomKind, RoomSummary, RoomVisibility, ServerFrame};
use chat_sdk::cache::{Cache, Draft};
use criterion::{Criterion, criterion_group, criterion_main};

/// A message of ordinary length at `seq`, in one of 20 rooms.
fn message(seq: u64) -> Message {
    Message {
        room_id: format!("room-{}", seq % 20).into(),
        seq,
        message_id: format!("m{seq}").into(),
        client_msg_id: format!("c{seq}"),
        sender_id: "someone".into(),
        content: "a message of ordinary length, about sixty bytes".into(),
        created_at: 0,
        edited_at: None,
        deleted: false,
        reply_to: None,
        mentions: Vec::new(),
        reactions: Vec::new(),
        attachments: Vec::new(),
    }
}

fn send_message_persisted(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(&dir.path().join("bench.db")).unwrap();
    c.bench_function(
        "send_message: outbox insert, durable (synchronous=FULL)",
        |b| {
            b.iter(|| {
                black_box(
                    cache
                        .enqueue(
                            "room",
                            "me",
                            &Draft::text("a message of ordinary length, about sixty bytes"),
                            0,
                        )
                        .unwrap(),
                )
            });
        },
    );
}

fn open_with_100k_messages(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.db");
    {
        let mut cache = Cache::open(&path).unwrap();
        let messages: Vec<Message> = (1..=100_000u64).map(message).collect();
        for chunk in messages.chunks(1000) {
            cache
                .apply(
                    &ServerFrame::History {
                        room_id: String::new().into(),
                        messages: chunk.to_vec(),
                        has_more: false,
                    },
                    None,
                )
                .unwrap();
        }
    }
    c.bench_function("open a cache holding 100k messages + first page", |b| {
        b.iter(|| {
            let cache = Cache::open(&path).unwrap();
            black_box(cache.messages("room-7", "me", None, 50).unwrap())
        });
    });
}

/// A room of a 1,000-room list: a last message of ordinary length and a few unread.
fn summary(number: u64) -> RoomSummary {
    let at = i64::try_from(number).unwrap_or(0) * 1_000;
    RoomSummary {
        room_id: format!("room-{number}").into(),
        name: format!("room number {number}"),
        visibility: RoomVisibility::Private,
        kind: RoomKind::Group,
        last_seq: number,
        created_at: 0,
        last_message: Some(LastMessage {
            message_id: format!("m{number}").into(),
            seq: number,
            sender_id: "someone".into(),
            content: "a message of ordinary length, about sixty bytes".into(),
            created_at: at,
        }),
        last_activity_at: at,
        unread_count: number % 7,
        mention_count: 0,
        read_seq: 0,
        muted: false,
        muted_until: None,
        notify_mentions: None,
        avatar_id: None,
        placement: None,
        marked_unread: false,
    }
}

fn open_room_list_of_1000(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rooms.db");
    {
        let mut cache = Cache::open(&path).unwrap();
        cache
            .put_room_list((1..=1000u64).map(summary).collect(), "me")
            .unwrap();
    }
    c.bench_function("open a cache and read a room list of 1,000 rooms", |b| {
        b.iter(|| {
            let cache = Cache::open(&path).unwrap();
            black_box(cache.room_list().unwrap())
        });
    });
}

fn decode_history_page(c: &mut Criterion) {
    let messages: Vec<Message> = (1..=200u64).map(message).collect();
    let page = ServerFrame::History {
        room_id: "room-7".into(),
        messages,
        has_more: true,
    }
    .encode();
    c.bench_function("decode a history page of 200 messages", |b| {
        b.iter(|| black_box(ServerFrame::decode(black_box(&page)).unwrap()));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = send_message_persisted, open_with_100k_messages, open_room_list_of_1000,
        decode_history_page
}
criterion_main!(benches);
