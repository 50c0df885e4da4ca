//! Mapping between database rows and protocol types, for every store: both schemas
//! use the same column names, and integers and text map the same way.

use chat_protocol::v1::{Attachment, Message, RoomVisibility, UserId};
use sqlx::{ColumnIndex, Decode, Row, Type};

use super::error::{Error, Result};
use super::{CommittedEvent, EventKind, RoomRecord};

/// SQL integers are signed; seqs never get near `i64::MAX`.
pub(super) fn to_i64(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// Stored seqs are never negative.
pub(super) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(super) fn room_from_row<R: Row>(row: &R) -> Result<RoomRecord>
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let visibility: String = row.try_get("visibility")?;
    Ok(RoomRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        visibility: RoomVisibility::parse(&visibility).ok_or(Error::Corrupt {
            column: "rooms.visibility",
            value: visibility.clone(),
        })?,
        last_seq: to_u64(row.try_get("last_seq")?),
        created_at: row.try_get("created_at")?,
    })
}

/// A row of `messages` (current state).
pub(super) fn message_from_row<R: Row>(row: &R) -> Result<Message>
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let deleted_at: Option<i64> = row.try_get("deleted_at")?;
    Ok(Message {
        room_id: row.try_get::<String, _>("room_id")?.into(),
        seq: to_u64(row.try_get("seq")?),
        message_id: row.try_get::<String, _>("id")?.into(),
        client_msg_id: row.try_get("client_msg_id")?,
        sender_id: row.try_get::<String, _>("sender_id")?.into(),
        content: row.try_get("content")?,
        created_at: row.try_get("created_at")?,
        edited_at: row.try_get("edited_at")?,
        deleted: deleted_at.is_some(),
        reply_to: row
            .try_get::<Option<String>, _>("reply_to")?
            .map(Into::into),
        mentions: mentions(row.try_get("mentions")?)?,
        reactions: Vec::new(),
        attachments: attachments(row.try_get("attachments")?)?,
    })
}

/// The `messages.mentions` JSON array (`NULL`: none).
pub(super) fn mentions(stored: Option<String>) -> Result<Vec<UserId>> {
    let Some(json) = stored else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&json).map_err(|_| Error::Corrupt {
        column: "messages.mentions",
        value: json,
    })
}

/// The `messages.attachments` JSON array (`NULL`: none).
pub(super) fn attachments(stored: Option<String>) -> Result<Vec<Attachment>> {
    let Some(json) = stored else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&json).map_err(|_| Error::Corrupt {
        column: "messages.attachments",
        value: json,
    })
}

/// The event a `room_notices` row holds as JSON, with the row's room and seq (a
/// reaction's or pin's body leaves them out: the writer stores it before it knows the
/// seq).
fn notice<T: serde::de::DeserializeOwned>(
    kind: &str,
    body: Option<String>,
    room_id: &str,
    seq: u64,
) -> Result<T> {
    let body = body.unwrap_or_default();
    let corrupt = || Error::Corrupt {
        column: "room_notices.body",
        value: format!("{kind}: {body}"),
    };
    let mut event: serde_json::Value = serde_json::from_str(&body).map_err(|_| corrupt())?;
    let fields = event.as_object_mut().ok_or_else(corrupt)?;
    fields.insert("room_id".into(), room_id.into());
    fields.insert("seq".into(), seq.into());
    serde_json::from_value(event).map_err(|_| corrupt())
}

/// A row of [`super::queries::EVENTS_AFTER`].
pub(super) fn event_from_row<R: Row>(row: &R) -> Result<CommittedEvent>
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let kind: String = row.try_get("kind")?;
    let room_id: String = row.try_get("room_id")?;
    let seq = to_u64(row.try_get("seq")?);
    let message_id: String = row.try_get("message_id")?;
    let sender_id: String = row.try_get("sender_id")?;
    let content: Option<String> = row.try_get("content")?;
    let at: i64 = row.try_get("created_at")?;
    let kind = match kind.as_str() {
        "message" => EventKind::Message(Message {
            room_id: room_id.clone().into(),
            seq,
            message_id: message_id.into(),
            client_msg_id: row.try_get("client_msg_id")?,
            sender_id: sender_id.into(),
            content: content.unwrap_or_default(),
            created_at: at,
            reply_to: row
                .try_get::<Option<String>, _>("reply_to")?
                .map(Into::into),
            mentions: mentions(row.try_get("mentions")?)?,
            attachments: attachments(row.try_get("attachments")?)?,
            ..Message::default()
        }),
        "edit" => EventKind::Edited {
            message_id: message_id.into(),
            sender_id: sender_id.into(),
            content: content.unwrap_or_default(),
            edited_at: at,
        },
        "delete" => EventKind::Deleted {
            message_id: message_id.into(),
            sender_id: sender_id.into(),
            deleted_at: at,
            deleted_by: row.try_get::<String, _>("actor_id")?.into(),
        },
        "member" => EventKind::Member(notice("member", content, &room_id, seq)?),
        "room" => EventKind::Room(notice("room", content, &room_id, seq)?),
        "reaction" => EventKind::Reaction(notice("reaction", content, &room_id, seq)?),
        "pin" => EventKind::Pinned(notice("pin", content, &room_id, seq)?),
        other => {
            return Err(Error::Corrupt {
                column: "room_events.kind",
                value: other.to_owned(),
            });
        }
    };
    Ok(CommittedEvent {
        room_id: room_id.into(),
        seq,
        kind,
    })
}
