//! What a client is told, code and text, for each way the store can fail. The store
//! speaks in its own terms (`store::Error`); the words a user reads live here, on the
//! side of the transports (REST and WebSocket both reply with [`Error`]).

use chat_protocol::v1::ErrorCode;

use crate::error::Error;
use crate::store;

impl From<store::Error> for Error {
    fn from(err: store::Error) -> Self {
        use store::Error as Store;
        match err {
            Store::NoSuchRoom => Self::not_found("no such room"),
            Store::NotMember => Self::forbidden("you are not a member of this room"),
            Store::NoSuchMessage => Self::not_found("no such message in this room"),
            Store::MessageDeleted => Self::not_found("the message was deleted"),
            Store::NotSender => Self::forbidden("only the sender may edit or delete a message"),
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
            Store::Corrupt { .. } | Store::Database(_) => Self::internal("database error", &err),
        }
    }
}
