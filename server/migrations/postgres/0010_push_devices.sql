-- Push devices: where a notification reaches a user who is not connected. A token
-- (APNs, FCM) or a Web Push endpoint belongs to one app install, so it is unique per
-- platform: registered again by another user, the row moves to them.
CREATE TABLE push_devices (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    platform    TEXT NOT NULL CHECK (platform IN ('apns', 'fcm', 'webpush')),
    -- The APNs or FCM token, or the Web Push endpoint URL.
    token       TEXT NOT NULL,
    -- Web Push only: the subscription's keys (base64url).
    p256dh      TEXT,
    auth_secret TEXT,
    app_id      TEXT,
    environment TEXT CHECK (environment IN ('sandbox', 'production')),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (platform, token)
);
CREATE INDEX push_devices_user ON push_devices (user_id, updated_at);
