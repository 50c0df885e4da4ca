//! Local cache costs that users feel: how long `send_message` takes to make a message
//! durable (the outbox insert, fsync included), and how long opening a cache that
//! already holds 100,000 messages takes (app start).
//!
//! `cargo bench -p chat-sdk --bench cache`

use std::hint::black_box;

use chat_protocol::v1::{Message, ServerFrame};
use chat_sdk::cache::Cache;
use criterion::{Criterion, criterion_group, criterion_main};

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
                            "a message of ordinary length, about sixty bytes",
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
        let messages: Vec<Message> = (1..=100_000u64)
            .map(|seq| Message {
                room_id: format!("room-{}", seq % 20).into(),
                seq,
                message_id: format!("m{seq}").into(),
                client_msg_id: format!("c{seq}"),
                sender_id: "someone".into(),
                content: "a message of ordinary length, about sixty bytes".into(),
                created_at: 0,
                edited_at: None,
                deleted: false,
            })
            .collect();
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

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = send_message_persisted, open_with_100k_messages
}
criterion_main!(benches);
