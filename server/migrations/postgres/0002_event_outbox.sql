-- The transactional outbox of the event stream (see migrations/sqlite/0002).
CREATE TABLE event_outbox (
    id         BIGSERIAL PRIMARY KEY,
    key        TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
