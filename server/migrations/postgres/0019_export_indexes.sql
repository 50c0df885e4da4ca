-- A user's data export reads their reactions a page at a time and the reports they
-- filed; without these it scanned both tables whole.
CREATE INDEX reactions_by_user ON reactions (user_id, message_id, emoji);
CREATE INDEX reports_by_reporter ON reports (reporter_id, created_at, id);
