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
    /// The message was deleted; it can no longer change.
    #[error("the message was deleted")]
    MessageDeleted,
    /// Only a message's sender may edit or delete it.
    #[error("the user is not the message's sender")]
    NotSender,
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
}
