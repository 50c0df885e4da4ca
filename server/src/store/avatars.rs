//! Pictures of users and rooms: an avatar is an image its user uploaded and never
//! sent, marked in its `attachments` row (`avatar_since`). Marked, it no longer
//! expires unsent, any signed-in user may download it, and no message can carry it.
//! Replaced or removed, it is doomed like a deleted message's file. Both the sqlx
//! path (a user's own picture) and the settings change of a room
//! (`store::membership_change`, on either driver) use these statements.

/// Makes upload `$1` an avatar at `$3`, if `$2` uploaded it, it is an image (it has
/// thumbnails), and it is neither sent, deleted nor an avatar already. Returns its
/// id when it did.
pub(super) const CLAIM: &str = "UPDATE attachments SET avatar_since = $3
    WHERE id = $1 AND uploader_id = $2 AND deleted_at IS NULL AND message_id IS NULL
      AND avatar_since IS NULL AND thumbnail_mime IS NOT NULL
    RETURNING id";

/// Releases a picture (`$2` names it, at `$1`): doomed like a deleted message's file,
/// unless a send that checked the upload before it became a picture claimed it since
/// (then the message keeps it).
macro_rules! release_where_id_is {
    ($picture:literal) => {
        concat!(
            "UPDATE attachments SET avatar_since = NULL,
                 deleted_at = CASE WHEN message_id IS NULL THEN $1 ELSE deleted_at END
             WHERE avatar_since IS NOT NULL AND id = ",
            $picture
        )
    };
}

/// A picture replaced or removed (`$2` the upload).
pub(super) const RELEASE: &str = release_where_id_is!("$2");

/// The picture of user `$2` (their account is deleted).
pub(super) const RELEASE_USERS: &str =
    release_where_id_is!("(SELECT avatar_id FROM users WHERE id = $2)");

/// The picture of room `$2` (the room is deleted).
pub(super) const RELEASE_ROOMS: &str =
    release_where_id_is!("(SELECT avatar_id FROM rooms WHERE id = $2)");

/// The avatar a settings change asks for: `Some(None)` removes it (asked as `""`),
/// `None` leaves it.
pub(super) fn asked(avatar_id: Option<&str>) -> Option<Option<&str>> {
    avatar_id.map(|id| Some(id).filter(|id| !id.is_empty()))
}
