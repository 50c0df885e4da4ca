//! What can go wrong in the store, said in the store's terms. What a client is told
//! about each case (code and text) is decided by the transport, in `crate::error`.

/// Shorthand for the store's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A store failure: a write the data does not allow, or the database failing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The room does not exist.
    #[error("no such room")]
    NoSuchRoom,
    /// The user is not a member of the room written to.
    #[error("the user is not a member of the room")]
    NotMember,
    /// No message with that id in that room.
    #[error("no such message in the room")]
    NoSuchMessage,
    /// The message a reply names is not one of the room's.
    #[error("no such message to reply to in the room")]
    NoSuchParent,
    /// A mentioned user is not a member of the room.
    #[error("a mentioned user is not a member of the room")]
    MentionNotMember,
    /// An attachment of a new message is not the sender's upload, was sent already, or
    /// was deleted.
    #[error("an attachment is not the sender's, or was sent or deleted")]
    AttachmentUnusable,
    /// The invite a join names expired, was used up or revoked, or is not the room's.
    #[error("the invite no longer works")]
    InviteUnusable,
    /// An avatar asked for is not an image the user uploaded and never sent, or is
    /// already the avatar of someone or some room else.
    #[error("the avatar is not the user's unsent image upload, or is in use already")]
    AvatarUnusable,
    /// The reaction or pin is as asked already: nothing was committed.
    #[error("nothing to change")]
    Unchanged,
    /// The message was deleted; it can no longer change.
    #[error("the message was deleted")]
    MessageDeleted,
    /// Only a message's sender may edit it, and only its sender or a moderator of the
    /// room delete it.
    #[error("the user is not the message's sender")]
    NotSender,
    /// A membership or settings change the room's rules do not allow.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The sender used this `client_msg_id` for a message in another room.
    #[error("the client_msg_id was used in another room")]
    ClientMsgIdInOtherRoom,
    /// Another process committed a conflicting write at the same time; the write can be
    /// retried as it is.
    #[error("the write collided with a concurrent one")]
    Collision,
    /// A local account already has this name (names are unique regardless of case).
    #[error("the username is taken")]
    UsernameTaken,
    /// The store is closing (shutdown) and takes no more writes.
    #[error("the store is closing")]
    Closing,
    /// The group-commit writer has stopped.
    #[error("the store's writer has stopped")]
    WriterStopped,
    /// The batch holding the write failed to commit; nothing of it was stored.
    #[error("the batch failed to commit")]
    CommitFailed,
    /// The batch of a membership or settings change, or of a first sign-in, ended
    /// without answering it (a bug panicked there): it may or may not have been made,
    /// and making it again is safe (a change already made is answered with no events, a
    /// user already added is found).
    #[error("the change failed to commit")]
    ChangeFailed,
    /// A read panicked (a bug); the reader that ran it goes on.
    #[error("the read failed unexpectedly")]
    ReadPanicked,
    /// A stored value the schema does not allow.
    #[error("unexpected stored value in {column}: {value}")]
    Corrupt {
        /// Where it was found.
        column: &'static str,
        /// What was found.
        value: String,
    },
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The database failed, read through the SQLite store's own readers.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Why the rules of a room refused a membership or settings change
/// (`store::membership`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Direct rooms have no moderators and never get more members.
    DirectRoom,
    /// Only the owner and admins may do this.
    NotModerator,
    /// The room lets only its owner and admins add members.
    AdminsAdd,
    /// Nobody can remove, ban or change the role of the owner (or make another owner).
    Owner,
    /// Only the owner can remove, ban or demote an admin.
    OwnerOnly,
    /// The target of a removal or role change is not a member.
    NotAMember,
    /// One's own membership changes only by leaving.
    OwnMembership,
    /// The user joining by themself is banned from the room.
    YouAreBanned,
    /// The user being added is banned from the room.
    UserBanned,
    /// Joining by oneself needs a public room.
    PrivateRoom,
    /// The other user blocked the actor: no direct room, adding or sending to them.
    Blocked,
}
