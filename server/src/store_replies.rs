//! What a client is told, code and text, for each way the store can fail. The store
//! speaks in its own terms (`store::Error`); the words a user reads live here, on the
//! side of the transports (REST and WebSocket both reply with [`Error`]).

use chat_protocol::v1::ErrorCode;

use crate::error::Error;
use crate::store;
use crate::store::Refusal;

impl From<store::Error> for Error {
    fn from(err: store::Error) -> Self {
        use store::Error as Store;
        match err {
            Store::NoSuchRoom => Self::not_found("no such room"),
            Store::NotMember => Self::forbidden("you are not a member of this room"),
            Store::NoSuchMessage => Self::not_found("no such message in this room"),
            Store::MessageDeleted => Self::not_found("the message was deleted"),
            Store::NoSuchParent => {
                Self::not_found("reply_to names no message of this room; reply within the room")
            }
            Store::MentionNotMember => Self::invalid("mentions may only name members of the room"),
            Store::AttachmentUnusable => Self::conflict(
                "each attachment must be an upload of yours that was not sent with another \
                 message (or deleted); upload the file again",
            ),
            Store::InviteUnusable => {
                Self::not_found("the invite expired, was used up or revoked; ask for a new one")
            }
            Store::AvatarUnusable => Self::conflict(
                "a picture must be an image you uploaded and have not sent, nor used as \
                 another picture; upload it again",
            ),
            // `messaging` answers a reaction or pin that changes nothing with nothing.
            Store::Unchanged => Self::invalid("the reaction or pin is already as asked"),
            Store::NotSender => Self::forbidden(
                "only the sender may edit a message, and only the sender or an owner or admin \
                 of the room delete it",
            ),
            Store::Refused(refusal) => refused(refusal),
            Store::ClientMsgIdInOtherRoom => Self::conflict(
                "this client_msg_id was already used for a message in another room; \
                 generate a new one per message",
            ),
            Store::Collision => Self::conflict("the write collided with another; retry it"),
            Store::UsernameTaken => Self::conflict("that username is taken; choose another"),
            Store::Closing => Self::new(
                ErrorCode::Unavailable,
                "server is shutting down; retry after reconnecting",
            ),
            Store::WriterStopped => {
                Self::new(ErrorCode::Unavailable, "the store's writer has stopped")
            }
            Store::CommitFailed => Self::new(
                ErrorCode::Internal,
                "the message could not be stored; retry with the same client_msg_id",
            ),
            Store::ChangeFailed => Self::new(
                ErrorCode::Internal,
                "the change could not be confirmed; retry it (a change already made is not made twice)",
            ),
            Store::ReadPanicked => Self::new(ErrorCode::Internal, "the read failed; retry it"),
            Store::Corrupt { .. } | Store::Database(_) | Store::Sqlite(_) => {
                Self::internal("database error", &err)
            }
        }
    }
}

/// The reply to a membership or settings change the room's rules refused.
fn refused(refusal: Refusal) -> Error {
    match refusal {
        Refusal::DirectRoom => {
            Error::forbidden("a direct room has no moderators and never gets more members")
        }
        Refusal::NotModerator => Error::forbidden("only the room's owner and admins may do this"),
        Refusal::AdminsAdd => {
            Error::forbidden("in this room only the owner and admins may add members")
        }
        Refusal::Owner => Error::forbidden(
            "nobody can remove or ban the room's owner, change their role or make another owner",
        ),
        Refusal::OwnerOnly => {
            Error::forbidden("only the room's owner can remove, ban or demote an admin")
        }
        Refusal::NotAMember => Error::not_found("that user is not a member of this room"),
        Refusal::OwnMembership => Error::invalid(
            "you cannot do this to yourself; to leave a room, use POST /v1/rooms/{room_id}/leave",
        ),
        Refusal::YouAreBanned => Error::forbidden("you are banned from this room"),
        Refusal::UserBanned => Error::forbidden(
            "this user is banned from this room; an owner or admin must lift the ban first",
        ),
        Refusal::PrivateRoom => {
            Error::forbidden("this room is private; a member must add you first")
        }
        Refusal::Blocked => Error::forbidden("this user does not accept this from you"),
    }
}

#[cfg(test)]
mod tests {
    use chat_protocol::v1::ErrorCode;

    use crate::error::Error;
    use crate::store;

    /// A lost send and a lost membership change both ask for a retry, but only the send
    /// has a `client_msg_id` to retry with.
    #[test]
    fn a_failed_commit_tells_the_client_how_to_retry_what_it_asked_for() {
        let send = Error::from(store::Error::CommitFailed);
        let change = Error::from(store::Error::ChangeFailed);
        assert_eq!(send.code, ErrorCode::Internal);
        assert_eq!(change.code, ErrorCode::Internal);
        assert!(send.message.contains("client_msg_id"), "{}", send.message);
        assert!(
            !change.message.contains("client_msg_id"),
            "{}",
            change.message
        );
        assert!(change.message.contains("retry"), "{}", change.message);
    }
}
