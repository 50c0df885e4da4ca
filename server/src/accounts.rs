//! Closing accounts: a server admin deactivates one, or a user deletes their own. Either
//! way its tokens are refused from then on and every connection of it ends at once, on
//! every process (4003 deactivated, 4001 deleted). A deletion also ends the user's
//! memberships (as leaving would) and, if asked, erases every message they sent.

use crate::error::{Error, Result};
use crate::hub::AccountClosed;
use crate::state::AppState;
use crate::store::{self, AccountStatus, ChangeAction, MembershipAction, MessageChange};

/// Messages erased per store read while deleting an account.
const ERASE_PAGE: u32 = 200;

/// Deactivates an account (a server admin's decision).
///
/// # Errors
///
/// `not_found` for an unknown user; storage errors.
pub async fn deactivate(state: &AppState, user_id: &str) -> Result<()> {
    if !state
        .store()
        .close_account(user_id, AccountStatus::Deactivated)
        .await?
    {
        return Err(Error::not_found("no such user"));
    }
    state
        .bus()
        .publish_close_user(user_id, AccountClosed::Deactivated);
    tracing::info!(user = %user_id, "account deactivated");
    Ok(())
}

/// Deletes the user's account: their messages erased first if asked (each a
/// `message_deleted` event in its room), then every membership ended, then the account
/// closed and its connections ended.
///
/// # Errors
///
/// Storage errors; what was done by then stays done, and deleting again finishes it.
pub async fn delete(state: &AppState, user_id: &str, erase_messages: bool) -> Result<()> {
    if erase_messages {
        erase_all(state, user_id).await?;
    }
    for room_id in state.store().rooms_of(user_id).await? {
        // A room left meanwhile (on another device) refuses the leave: nothing to do.
        if let Err(e) =
            crate::moderation::change(state, &room_id, user_id, MembershipAction::Leave).await
        {
            tracing::debug!(room = %room_id, error = %e, "membership not ended");
        }
    }
    state
        .store()
        .close_account(user_id, AccountStatus::Deleted)
        .await?;
    state
        .bus()
        .publish_close_user(user_id, AccountClosed::Deleted);
    tracing::info!(user = %user_id, erase_messages, "account deleted");
    Ok(())
}

/// Erases every message the user sent that is not deleted yet, page by page.
async fn erase_all(state: &AppState, user_id: &str) -> Result<()> {
    let mut after: Option<String> = None;
    loop {
        let page = state
            .store()
            .messages_sent_by(user_id, after.as_deref(), ERASE_PAGE)
            .await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = Some(last.message_id.to_string());
        for message in page {
            let erase = MessageChange {
                room_id: message.room_id.into_string(),
                user_id: user_id.to_owned(),
                message_id: message.message_id.into_string(),
                action: ChangeAction::Erase,
                now: crate::clock::now_ms(),
            };
            match state.store().change(erase).await {
                Ok(event) => crate::telemetry::committed(event.name()),
                // Deleted meanwhile: nothing left to erase.
                Err(store::Error::MessageDeleted | store::Error::NoSuchMessage) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}
