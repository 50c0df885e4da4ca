//! Reactions in the cache: what a history page said (exact counts, the first users by
//! name), moved on by each `reaction` event, and read back per message with the user's
//! own changes still in the outbox laid over them.
//!
//! Every step is idempotent for a named user (a set of users), so a replay that
//! overlaps the live feed changes nothing. Only a user a page counted without naming
//! (beyond its first 20) is counted rather than named: a `reaction` event about them
//! makes them named from then on.

use std::collections::HashMap;

use chat_protocol::v1::{Message, Reaction};
use rusqlite::{Connection, params};

use super::{MessageReaction, Result};

/// Replaces a message's reactions with what a history page (or the pins list) says.
pub(super) fn replace(db: &Connection, message: &Message) -> Result<()> {
    let id = message.message_id.as_str();
    clear(db, id)?;
    for reaction in &message.reactions {
        let named = u64::try_from(reaction.user_ids.len()).unwrap_or(u64::MAX);
        db.execute(
            "INSERT INTO reaction_totals (message_id, emoji, unnamed) VALUES (?1, ?2, ?3)",
            params![
                id,
                reaction.emoji,
                i64::try_from(reaction.count.saturating_sub(named)).unwrap_or(i64::MAX)
            ],
        )?;
        for user_id in &reaction.user_ids {
            db.execute(
                "INSERT OR IGNORE INTO reaction_users (message_id, emoji, user_id)
                 VALUES (?1, ?2, ?3)",
                params![id, reaction.emoji, user_id.as_str()],
            )?;
        }
    }
    Ok(())
}

/// A message's reactions are gone (it was deleted).
pub(super) fn clear(db: &Connection, message_id: &str) -> Result<()> {
    db.execute(
        "DELETE FROM reaction_totals WHERE message_id = ?1",
        params![message_id],
    )?;
    db.execute(
        "DELETE FROM reaction_users WHERE message_id = ?1",
        params![message_id],
    )?;
    Ok(())
}

/// Applies one `reaction` event.
pub(super) fn apply(db: &Connection, reaction: &Reaction) -> Result<()> {
    let (id, emoji, user) = (
        reaction.message_id.as_str(),
        reaction.emoji.as_str(),
        reaction.user_id.as_str(),
    );
    db.execute(
        "INSERT OR IGNORE INTO reaction_totals (message_id, emoji) VALUES (?1, ?2)",
        params![id, emoji],
    )?;
    if reaction.on {
        db.execute(
            "INSERT OR IGNORE INTO reaction_users (message_id, emoji, user_id) VALUES (?1, ?2, ?3)",
            params![id, emoji, user],
        )?;
    } else {
        let removed = db.execute(
            "DELETE FROM reaction_users WHERE message_id = ?1 AND emoji = ?2 AND user_id = ?3",
            params![id, emoji, user],
        )?;
        if removed == 0 {
            // One of the users a page counted without naming.
            db.execute(
                "UPDATE reaction_totals SET unnamed = MAX(unnamed - 1, 0)
                 WHERE message_id = ?1 AND emoji = ?2",
                params![id, emoji],
            )?;
        }
    }
    // An emoji nobody uses any more leaves the list (and its place in the order).
    db.execute(
        "DELETE FROM reaction_totals WHERE message_id = ?1 AND emoji = ?2 AND unnamed = 0
           AND NOT EXISTS (SELECT 1 FROM reaction_users u
                           WHERE u.message_id = ?1 AND u.emoji = ?2)",
        params![id, emoji],
    )?;
    Ok(())
}

/// The reactions of a room's messages with seq from `first` to `last`, by message id
/// (`mine` for `me`).
pub(super) fn of_page(
    db: &Connection,
    room_id: &str,
    first: i64,
    last: i64,
    me: &str,
) -> Result<HashMap<String, Vec<MessageReaction>>> {
    let mut query = db.prepare_cached(
        "SELECT t.message_id, t.emoji, t.unnamed, u.user_id
         FROM messages m
         JOIN reaction_totals t ON t.message_id = m.message_id
         LEFT JOIN reaction_users u ON u.message_id = t.message_id AND u.emoji = t.emoji
         WHERE m.room_id = ?1 AND m.seq BETWEEN ?2 AND ?3 AND m.deleted = 0
         ORDER BY t.position, u.rowid",
    )?;
    let rows = query.query_map(params![room_id, first, last], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut by_message: HashMap<String, Vec<MessageReaction>> = HashMap::new();
    for row in rows {
        let (message_id, emoji, unnamed, user_id) = row?;
        let reactions = by_message.entry(message_id).or_default();
        if reactions.last().is_none_or(|r| r.emoji != emoji) {
            reactions.push(MessageReaction {
                emoji,
                count: u64::try_from(unnamed).unwrap_or(0),
                mine: false,
                user_ids: Vec::new(),
            });
        }
        if let (Some(user_id), Some(reaction)) = (user_id, reactions.last_mut()) {
            reaction.count += 1;
            reaction.mine |= user_id == me;
            reaction.user_ids.push(user_id);
        }
    }
    Ok(by_message)
}

/// Shows the user's own reaction as set or removed, before the server confirms it.
pub(super) fn set_mine(reactions: &mut Vec<MessageReaction>, emoji: &str, on: bool, me: &str) {
    match reactions.iter_mut().position(|r| r.emoji == emoji) {
        Some(index) => {
            let reaction = &mut reactions[index];
            if on && !reaction.mine {
                reaction.mine = true;
                reaction.count += 1;
                reaction.user_ids.push(me.to_owned());
            } else if !on && reaction.mine {
                reaction.mine = false;
                reaction.count = reaction.count.saturating_sub(1);
                reaction.user_ids.retain(|u| u != me);
                if reaction.count == 0 {
                    reactions.remove(index);
                }
            }
        }
        None if on => reactions.push(MessageReaction {
            emoji: emoji.to_owned(),
            count: 1,
            mine: true,
            user_ids: vec![me.to_owned()],
        }),
        None => {}
    }
}
