//! Each room's members with their roles, readable offline: the server's list
//! (`members()`), moved on by the room's membership notices (a join adds a member, a
//! leave, kick or ban removes one, a role change changes a role) and by profile changes
//! (`user_updated`: a new name or picture).

use chat_protocol::v1::{MemberChanged, MemberRole, MembershipChange, RoomMember};
use rusqlite::{Connection, params};

use super::{Cache, CacheError, Result};

impl Cache {
    /// Replaces a room's members with the server's list.
    ///
    /// # Errors
    ///
    /// When SQLite fails (then nothing changed).
    pub fn put_members(&mut self, room_id: &str, members: &[RoomMember]) -> Result<()> {
        let tx = self.db.transaction()?;
        tx.execute("DELETE FROM members WHERE room_id = ?1", params![room_id])?;
        for member in members {
            tx.execute(
                "INSERT INTO members
                     (room_id, user_id, username, display_name, role, joined_at, avatar_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    room_id,
                    member.user_id.as_str(),
                    member.username,
                    member.display_name,
                    member.role.as_str(),
                    member.joined_at,
                    member.avatar_id.as_ref().map(|id| id.as_str()),
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A room's members as the cache holds them, in the order they joined.
    ///
    /// # Errors
    ///
    /// When SQLite fails or a stored role does not decode.
    pub fn members(&self, room_id: &str) -> Result<Vec<RoomMember>> {
        let mut query = self.db.prepare(
            "SELECT user_id, username, display_name, role, joined_at, avatar_id FROM members
             WHERE room_id = ?1 ORDER BY joined_at, user_id",
        )?;
        let rows = query.query_map(params![room_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, Option<String>>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (user_id, username, display_name, role, joined_at, avatar_id) = row?;
            Ok(RoomMember {
                user_id: user_id.into(),
                username,
                display_name,
                role: MemberRole::parse(&role)
                    .ok_or_else(|| CacheError::Storage(format!("a stored role: {role}")))?,
                joined_at,
                avatar_id: avatar_id.map(Into::into),
            })
        })
        .collect()
    }
}

/// Moves a room's cached members on by a membership notice. A joining member the cache
/// has no name for yet is listed by id until the next `members()`.
pub(super) fn apply_member_change(db: &Connection, change: &MemberChanged) -> Result<()> {
    let room_id = change.room_id.as_str();
    let user_id = change.user_id.as_str();
    match change.change {
        MembershipChange::Joined => {
            let role = change.role.unwrap_or(MemberRole::Member);
            db.execute(
                "INSERT INTO members (room_id, user_id, username, display_name, role, joined_at)
                 VALUES (?1, ?2, ?2, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                params![room_id, user_id, role.as_str(), change.created_at],
            )?;
        }
        MembershipChange::Left | MembershipChange::Kicked | MembershipChange::Banned => {
            db.execute(
                "DELETE FROM members WHERE room_id = ?1 AND user_id = ?2",
                params![room_id, user_id],
            )?;
        }
        MembershipChange::Role => {
            if let Some(role) = change.role {
                db.execute(
                    "UPDATE members SET role = ?3 WHERE room_id = ?1 AND user_id = ?2",
                    params![room_id, user_id, role.as_str()],
                )?;
            }
        }
        MembershipChange::Unbanned => {}
    }
    Ok(())
}

/// A user changed their name or picture: every room's cached row of them shows it.
pub(super) fn apply_profile(
    db: &Connection,
    user_id: &str,
    display_name: &str,
    avatar_id: Option<&str>,
) -> Result<()> {
    db.execute(
        "UPDATE members SET display_name = ?2, avatar_id = ?3 WHERE user_id = ?1",
        params![user_id, display_name, avatar_id],
    )?;
    Ok(())
}
