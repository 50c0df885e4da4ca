-- This install's push registration (register_push_token / register_web_push): the
-- request as the server takes it, kept so that the client registers it again after a
-- sign-in, and the device id the server gave it (none while it is not registered).
CREATE TABLE push_registration (
    only_row  INTEGER PRIMARY KEY CHECK (only_row = 1),
    request   TEXT NOT NULL,
    device_id TEXT
);
