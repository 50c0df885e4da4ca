-- The transactional outbox of the event stream: each row is written in the transaction
-- of the change it describes, and deleted once the relay has published it to Kafka.
-- Rows are written only when an event stream is configured (--kafka-brokers).
CREATE TABLE event_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The Kafka message key: the room id (one room's events stay in order), or the
    -- user id for presence.
    key        TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
