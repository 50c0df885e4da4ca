//! Mapping between database rows and protocol types, for every store: both schemas
//! use the same column names, and integers and text map the same way.

use chat_protocol::v1::{Attachment, Message, RoomVisibility, UserId};
use sqlx::{ColumnIndex, Decode, Row, Type};

use super::error::{Error, Result};
use super::{Circle, CommittedEvent, EventKind, MemberReceipts, RoomRecord, RoomWithMembers};

/// SQL integers are signed; seqs never get near `i64::MAX`.
pub(super) fn to_i64(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// Stored seqs are never negative.
pub(super) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A text column that must hold one of an enum's names (`parse` reads them); any
/// other value means the database was written by something else.
pub(super) fn named<T>(
    column: &'static str,
    text: String,
    parse: fn(&str) -> Option<T>,
) -> Result<T> {
    parse(&text).ok_or(Error::Corrupt {
        column,
        value: text,
    })
}

pub(super) fn room_from_row(row: &impl Columns) -> Result<RoomRecord> {
    Ok(RoomRecord {
        id: row.text("id")?,
        name: row.text("name")?,
        visibility: named(
            "rooms.visibility",
            row.text("visibility")?,
            RoomVisibility::parse,
        )?,
        last_seq: to_u64(row.integer("last_seq")?),
        created_at: row.integer("created_at")?,
    })
}

/// A read whose rows are folded into one value as they come, whichever driver reads
/// them.
pub(super) trait FoldRows: Default {
    /// What the rows make.
    type Folded;
    /// Takes the next row.
    fn add(&mut self, row: &impl Columns) -> Result<()>;
    /// What the rows made.
    fn finish(self) -> Self::Folded;
}

/// Rows read through sqlx, folded by `F`.
pub(super) fn fold<F: FoldRows, R: Row>(rows: &[R]) -> Result<F::Folded>
where
    for<'r> SqlxRow<'r, R>: Columns,
{
    let mut folded = F::default();
    for row in rows {
        folded.add(&SqlxRow(row))?;
    }
    Ok(folded.finish())
}

/// The rows of [`super::queries::ROOM_WITH_MEMBERS`], folded into the room as they come.
#[derive(Debug, Default)]
pub(super) struct RoomWithMembersRows {
    view: Option<RoomWithMembers>,
}

impl FoldRows for RoomWithMembersRows {
    /// The room, or `None` when there were no rows (no such room).
    type Folded = Option<RoomWithMembers>;

    fn add(&mut self, row: &impl Columns) -> Result<()> {
        let view = match &mut self.view {
            Some(view) => view,
            None => self.view.insert(RoomWithMembers {
                room: room_from_row(row)?,
                members: Vec::new(),
                receipts: Vec::new(),
            }),
        };
        // A room without members still has its one row, with NULLs for the member.
        let Some(user_id) = row.optional_text("member_id")? else {
            return Ok(());
        };
        let delivered = row.optional_integer("delivered_seq")?;
        let read = row.optional_integer("read_seq")?;
        if let (Some(delivered), Some(read)) = (delivered, read) {
            view.receipts.push(MemberReceipts {
                user_id: user_id.clone().into(),
                delivered_seq: to_u64(delivered),
                read_seq: to_u64(read),
            });
        }
        view.members.push(user_id);
        Ok(())
    }

    fn finish(self) -> Option<RoomWithMembers> {
        self.view
    }
}

/// The rows of [`super::queries::KNOWN_USER_CIRCLE`], folded as they come.
#[derive(Debug, Default)]
pub(super) struct CircleRows {
    circle: Circle,
    exists: bool,
}

impl FoldRows for CircleRows {
    /// The circle in id order, or `None` when there is no such user.
    type Folded = Option<Circle>;

    fn add(&mut self, row: &impl Columns) -> Result<()> {
        let id = row.text("id")?;
        match row.text("kind")?.as_str() {
            "room" => self.circle.rooms.push(id),
            "peer" => self.circle.co_members.push(id),
            "sign_in" => self.circle.sign_in_found = true,
            "closed" => {
                self.circle.closed = true;
                self.exists = true;
            }
            _ => {
                self.circle.signed_out_before = row.optional_integer("cutoff")?;
                self.exists = true;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Option<Circle> {
        self.circle.rooms.sort_unstable();
        self.circle.co_members.sort_unstable();
        self.exists.then_some(self.circle)
    }
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

/// A row's columns by name, whichever driver read it: sqlx (every store's pool) or
/// rusqlite (the SQLite store's readers, `store::sqlite::readers`), so that one function
/// maps a row of a query both run.
pub(super) trait Columns {
    /// A text column that is never NULL.
    fn text(&self, column: &'static str) -> Result<String>;
    /// A text column that may be NULL.
    fn optional_text(&self, column: &'static str) -> Result<Option<String>>;
    /// An integer column that is never NULL.
    fn integer(&self, column: &'static str) -> Result<i64>;
    /// An integer column that may be NULL.
    fn optional_integer(&self, column: &'static str) -> Result<Option<i64>>;
}

/// A row read through sqlx.
pub(super) struct SqlxRow<'r, R>(pub &'r R);

impl<R: Row> Columns for SqlxRow<'_, R>
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    fn text(&self, column: &'static str) -> Result<String> {
        Ok(self.0.try_get(column)?)
    }

    fn optional_text(&self, column: &'static str) -> Result<Option<String>> {
        Ok(self.0.try_get(column)?)
    }

    fn integer(&self, column: &'static str) -> Result<i64> {
        Ok(self.0.try_get(column)?)
    }

    fn optional_integer(&self, column: &'static str) -> Result<Option<i64>> {
        Ok(self.0.try_get(column)?)
    }
}

/// A row read through rusqlite.
impl Columns for rusqlite::Row<'_> {
    fn text(&self, column: &'static str) -> Result<String> {
        Ok(self.get(column)?)
    }

    fn optional_text(&self, column: &'static str) -> Result<Option<String>> {
        Ok(self.get(column)?)
    }

    fn integer(&self, column: &'static str) -> Result<i64> {
        Ok(self.get(column)?)
    }

    fn optional_integer(&self, column: &'static str) -> Result<Option<i64>> {
        Ok(self.get(column)?)
    }
}

/// A row of [`super::queries::EVENTS_AFTER`].
pub(super) fn event_from_row(row: &impl Columns) -> Result<CommittedEvent> {
    let kind = row.text("kind")?;
    let room_id = row.text("room_id")?;
    let seq = to_u64(row.integer("seq")?);
    let message_id = row.text("message_id")?;
    let sender_id = row.text("sender_id")?;
    let content = row.optional_text("content")?;
    let at = row.integer("created_at")?;
    let kind = match kind.as_str() {
        "message" => EventKind::Message(Message {
            room_id: room_id.clone().into(),
            seq,
            message_id: message_id.into(),
            client_msg_id: row.text("client_msg_id")?,
            sender_id: sender_id.into(),
            content: content.unwrap_or_default(),
            created_at: at,
            reply_to: row.optional_text("reply_to")?.map(Into::into),
            mentions: mentions(row.optional_text("mentions")?)?,
            attachments: attachments(row.optional_text("attachments")?)?,
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
            deleted_by: row.text("actor_id")?.into(),
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
