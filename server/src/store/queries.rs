//! SQL that every backend and both drivers (sqlx, and rusqlite in the SQLite writer)
//! run as it is. Parameters are `$n`, numbered in order of first appearance: sqlx binds
//! them on both databases, and SQLite numbers such named parameters the same way, so
//! rusqlite's positional `params![]` fill them too.

/// The columns [`super::rows`] reads a message from.
pub(super) const MESSAGE_COLUMNS: &str = "room_id, seq, id, client_msg_id, sender_id, content, \
     created_at, edited_at, deleted_at, reply_to, mentions, attachments";

/// The message a sender stored under a `client_msg_id` (`$1` sender, `$2` client id).
pub(super) const EARLIER_SEND: &str = "SELECT room_id, seq, id, client_msg_id, sender_id, \
     content, created_at, edited_at, deleted_at, reply_to, mentions, attachments \
     FROM messages WHERE sender_id = $1 AND client_msg_id = $2";

/// Takes the room's next seq (under the room's row lock).
pub(super) const NEXT_SEQ: &str =
    "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq";

pub(super) const INSERT_MESSAGE: &str = "INSERT INTO messages
     (id, room_id, seq, sender_id, client_msg_id, content, created_at, reply_to, mentions,
      attachments)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// A row when `$1` is a message of room `$2` (a reply's parent).
pub(super) const IS_ROOM_MESSAGE: &str = "SELECT 1 FROM messages WHERE id = $1 AND room_id = $2";

/// One mentioned user of a new message (`$1` user, `$2` room, `$3` seq, `$4` message).
pub(super) const INSERT_MENTION: &str = "INSERT INTO message_mentions
     (user_id, room_id, seq, message_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

/// A room event that is not about a message's content (membership, settings,
/// reactions, pins); `$5` its JSON body.
pub(super) const INSERT_NOTICE: &str = "INSERT INTO room_notices
    (room_id, seq, kind, actor_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)";

/// Sets a reaction (`$1` message, `$2` emoji, `$3` user, `$4` room, `$5` time); no row
/// changes when it is set already.
pub(super) const SET_REACTION: &str = "INSERT INTO reactions
    (message_id, emoji, user_id, room_id, created_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT DO NOTHING";

/// Removes a reaction (`$1` message, `$2` emoji, `$3` user).
pub(super) const REMOVE_REACTION: &str =
    "DELETE FROM reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3";

/// Pins a message (`$1` room, `$2` message, `$3` by, `$4` time); no row changes when
/// it is pinned already.
pub(super) const SET_PIN: &str = "INSERT INTO pins (room_id, message_id, pinned_by, pinned_at)
    VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

/// Unpins a message (`$1` room, `$2` message).
pub(super) const REMOVE_PIN: &str = "DELETE FROM pins WHERE room_id = $1 AND message_id = $2";

/// One event of a room's log (`$3` the kind: `edit` or `delete`; PostgreSQL also logs
/// each new message as `message`, see `events_after`).
pub(super) const INSERT_ROOM_EVENT: &str =
    "INSERT INTO room_events (room_id, seq, kind, message_id, sender_id, content, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Who sent a message of the room, and whether it was deleted.
pub(super) const MESSAGE_SENDER: &str =
    "SELECT sender_id, deleted_at FROM messages WHERE id = $1 AND room_id = $2";

pub(super) const APPLY_EDIT: &str =
    "UPDATE messages SET content = $1, edited_at = $2 WHERE id = $3";

/// Deleting erases the text, whom it mentioned, and its attachments.
pub(super) const APPLY_DELETE: &str = "UPDATE messages SET content = '', mentions = NULL, \
     attachments = NULL, deleted_at = $1 WHERE id = $2";

/// A deleted message's attachments are never served again; the janitor removes their
/// files (`$1` the time, `$2` the message).
pub(super) const DOOM_MESSAGE_ATTACHMENTS: &str =
    "UPDATE attachments SET deleted_at = $1 WHERE message_id = $2 AND deleted_at IS NULL";

/// A delete erases the text from the log too, not only from the current state.
pub(super) const ERASE_FROM_LOG: &str =
    "UPDATE room_events SET content = NULL WHERE message_id = $1";

/// Adds an external issuer's user (`$1` id, `$2` name, `$3` time) unless either
/// conflicts: the id, or the name in another case. Whether the id exists afterwards
/// ([`ACTIVE_USER`]) says which it was.
pub(super) const ADD_EXTERNAL_USER: &str =
    "INSERT INTO users (id, username, password_hash, created_at)
    VALUES ($1, $2, NULL, $3) ON CONFLICT DO NOTHING";

/// A row when `$1` is a user whose account is not closed.
pub(super) const ACTIVE_USER: &str = "SELECT 1 FROM users WHERE id = $1 AND closed IS NULL";

/// A row when `$2` is a member of room `$1`.
pub(super) const IS_MEMBER: &str = "SELECT 1 FROM room_members WHERE room_id = $1 AND user_id = $2";

/// A room's members in id order: the recipients of its outbox events.
pub(super) const MEMBER_IDS: &str =
    "SELECT user_id FROM room_members WHERE room_id = $1 ORDER BY user_id";

pub(super) const INSERT_OUTBOX: &str =
    "INSERT INTO event_outbox (key, payload, created_at) VALUES ($1, $2, $3)";

/// A room's events after seq `$2`, at most `$3`, in seq order: its new messages, read
/// from `messages` (each row is its message's event, with the message's current text:
/// empty once deleted), the edits and deletes logged in `room_events`, and the
/// membership, settings, reaction and pin events in `room_notices` (`content` is then
/// the event's JSON). That log's `message` rows (written by earlier versions, and still by
/// PostgreSQL) repeat `messages` and are skipped. `sender_id` is the message's sender,
/// `actor_id` who made the change. Each part is limited on its own, so a long gap reads
/// a few pages, not the whole room.
pub(super) const EVENTS_AFTER: &str = "SELECT * FROM (
         SELECT room_id, seq, 'message' AS kind, id AS message_id, sender_id,
                sender_id AS actor_id, content, created_at, client_msg_id, reply_to, mentions,
                attachments
         FROM messages WHERE room_id = $1 AND seq > $2 ORDER BY seq LIMIT $3
     ) AS new_messages
     UNION ALL
     SELECT * FROM (
         SELECT e.room_id, e.seq, e.kind, e.message_id, m.sender_id,
                e.sender_id AS actor_id, e.content, e.created_at, m.client_msg_id,
                CAST(NULL AS TEXT) AS reply_to, CAST(NULL AS TEXT) AS mentions,
                CAST(NULL AS TEXT) AS attachments
         FROM room_events e JOIN messages m ON m.id = e.message_id
         WHERE e.room_id = $1 AND e.seq > $2 AND e.kind <> 'message'
         ORDER BY e.seq LIMIT $3
     ) AS changes
     UNION ALL
     SELECT * FROM (
         SELECT n.room_id, n.seq, n.kind, '' AS message_id, n.actor_id AS sender_id,
                n.actor_id, n.body AS content, n.created_at, '' AS client_msg_id,
                CAST(NULL AS TEXT) AS reply_to, CAST(NULL AS TEXT) AS mentions,
                CAST(NULL AS TEXT) AS attachments
         FROM room_notices n
         WHERE n.room_id = $1 AND n.seq > $2
         ORDER BY n.seq LIMIT $3
     ) AS notices
     ORDER BY seq LIMIT $3";

/// The member's role in the room; no row when they are not a member.
pub(super) const MEMBER_ROLE: &str =
    "SELECT role FROM room_members WHERE room_id = $1 AND user_id = $2";

/// A row when `$1` blocked `$2`.
pub(super) const BLOCKS: &str =
    "SELECT 1 FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2";

/// A room with its members and their receipts (`$1` the room), in member order: one row
/// per member, or one row of NULL member columns for a room without members.
pub(super) const ROOM_WITH_MEMBERS: &str = "SELECT id, name, visibility, last_seq, created_at,
            m.user_id AS member_id, r.delivered_seq, r.read_seq
     FROM rooms
     LEFT JOIN room_members m ON m.room_id = rooms.id
     LEFT JOIN receipts r ON r.room_id = m.room_id AND r.user_id = m.user_id
     WHERE rooms.id = $1 ORDER BY m.user_id";

/// The user `$1`'s circle: one row that says the user exists (`user`, or `closed`), one
/// per room of theirs (`room`), one per distinct co-member (`peer`), and one if `$2` is
/// a sign-in of theirs (`sign_in`; `$2` is '' when none is asked about: no id is empty);
/// no rows at all when there is no such user. DISTINCT keeps a member of many big rooms
/// from getting a row per shared room.
pub(super) const KNOWN_USER_CIRCLE: &str =
    "SELECT CASE WHEN closed IS NULL THEN 'user' ELSE 'closed' END AS kind, id,
            signed_out_before AS cutoff
     FROM users WHERE id = $1
     UNION ALL
     SELECT 'room', room_id, CAST(NULL AS BIGINT) FROM room_members WHERE user_id = $1
     UNION ALL
     SELECT DISTINCT 'peer', other.user_id, CAST(NULL AS BIGINT) FROM room_members mine
     JOIN room_members other ON other.room_id = mine.room_id AND other.user_id <> $1
     WHERE mine.user_id = $1
     UNION ALL
     SELECT 'sign_in', id, CAST(NULL AS BIGINT) FROM sign_ins WHERE id = $2 AND user_id = $1";
