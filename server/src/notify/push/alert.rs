//! What one push says to one user: the lines the phone shows, the badge, and the ids
//! the app opens the room with. The text follows `--notify-include-content`: without
//! it, a push names the room and nothing of the message.

use std::collections::BTreeMap;

use crate::notify::Notification;

/// Longest body a push carries, in characters: a lock screen shows two lines, and every
/// push service caps the payload at 4 KiB.
const MAX_BODY_CHARS: usize = 240;

/// One user's push about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The first line: the room's name, or the sender's in a direct room.
    pub title: String,
    /// The second line: the text (with `--notify-include-content`), else what happened.
    pub body: String,
    /// The user's unread messages over all their rooms, this one included.
    pub badge: u64,
    /// Whether the message mentions this user.
    pub mentioned: bool,
    /// The room, also the collapse key: a newer push of a room replaces the older one.
    pub room_id: String,
    pub message_id: String,
    pub seq: u64,
    /// The notification's id (UUIDv7), shared by every recipient's push of it.
    pub notification_id: String,
}

impl Alert {
    /// `user_id`'s push for `notification`, with their unread total as `badge`.
    pub fn new(notification: &Notification, user_id: &str, badge: u64) -> Self {
        let room_name = notification
            .room_name
            .as_deref()
            .filter(|name| !name.is_empty());
        let sender = notification.sender_name.as_deref().unwrap_or("Someone");
        let mentioned = notification.mentioned.iter().any(|id| id == user_id);
        let title = room_name.unwrap_or(sender).to_owned();
        let body = match &notification.content {
            Some(content) => {
                let text = if content.is_empty() {
                    attachments_line(notification.attachment_count)
                } else {
                    content.clone()
                };
                // In a group, say who wrote it; a direct room's title already does.
                match room_name {
                    Some(_) => format!("{sender}: {text}"),
                    None => text,
                }
            }
            None => match (room_name, mentioned) {
                (Some(room), true) => format!("You were mentioned in {room}"),
                (Some(room), false) => format!("New message in {room}"),
                (None, _) => format!("New message from {sender}"),
            },
        };
        Self {
            title,
            body: truncated(&body, MAX_BODY_CHARS),
            badge,
            mentioned,
            room_id: notification.room_id.clone(),
            message_id: notification.message_id.clone(),
            seq: notification.seq,
            notification_id: notification.notification_id.clone(),
        }
    }

    /// The ids an app needs to open the message, as strings (FCM's `data` takes only
    /// strings; the other services get the same keys).
    pub fn data(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("room_id", self.room_id.clone()),
            ("message_id", self.message_id.clone()),
            ("seq", self.seq.to_string()),
            ("notification_id", self.notification_id.clone()),
            ("mentioned", self.mentioned.to_string()),
        ])
    }
}

/// "Sent a photo" for a message that is only attachments (their names are content too,
/// but the count is not).
fn attachments_line(count: usize) -> String {
    match count {
        0 => "Sent a message".to_owned(),
        1 => "Sent an attachment".to_owned(),
        n => format!("Sent {n} attachments"),
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn truncated(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use chat_protocol::v1::Message;

    use super::*;

    fn message(content: &str, mentions: &[&str]) -> Message {
        serde_json::from_value(serde_json::json!({
            "message_id": "m1", "room_id": "r1", "seq": 7, "sender_id": "ann",
            "content": content, "created_at": 1, "client_msg_id": "c1",
            "mentions": mentions,
        }))
        .expect("a message")
    }

    fn alert(room: Option<&str>, content: &str, include: bool, user: &str) -> Alert {
        let notification = Notification::for_message(
            &message(content, &["bob"]),
            room.map(str::to_owned),
            Some("Ann".to_owned()),
            vec!["bob".to_owned(), "cat".to_owned()],
            include,
        );
        Alert::new(&notification, user, 3)
    }

    #[test]
    fn without_content_a_push_names_the_room_and_nothing_of_the_message() {
        let plain = alert(Some("general"), "secret plans", false, "cat");
        assert_eq!(plain.title, "general");
        assert_eq!(plain.body, "New message in general");
        let mention = alert(Some("general"), "secret plans", false, "bob");
        assert_eq!(mention.body, "You were mentioned in general");
        assert!(mention.mentioned);
        let direct = alert(None, "secret plans", false, "bob");
        assert_eq!(
            (direct.title.as_str(), direct.body.as_str()),
            ("Ann", "New message from Ann")
        );
    }

    #[test]
    fn with_content_a_push_carries_the_text_and_a_long_one_is_cut() {
        let group = alert(Some("general"), "hello", true, "cat");
        assert_eq!(group.body, "Ann: hello");
        let direct = alert(Some(""), "hello", true, "cat");
        assert_eq!(
            (direct.title.as_str(), direct.body.as_str()),
            ("Ann", "hello")
        );
        let long = alert(None, &"x".repeat(1000), true, "cat");
        assert_eq!(long.body.chars().count(), MAX_BODY_CHARS);
        assert!(long.body.ends_with('…'));
        assert_eq!(long.badge, 3);
        assert_eq!(long.data()["seq"], "7");
    }
}
