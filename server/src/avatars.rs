//! Pictures of users and rooms: which upload may become one. The store makes the
//! change in one transaction and refuses an upload that stopped qualifying meanwhile
//! (`store::Error::AvatarUnusable`); this check first gives each refusal its own code
//! and words.

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::validate;

/// The picture a request asks for (`None`: unchanged; `""`: remove it), once checked
/// to be an image `caller` uploaded and never sent.
///
/// # Errors
///
/// `invalid_request` for a malformed id or a file that is not an image, `not_found`
/// for an upload the caller cannot see, `forbidden` for someone else's, `conflict`
/// for one sent with a message already.
pub async fn check(state: &AppState, caller: &str, asked: Option<&str>) -> Result<()> {
    let Some(id) = asked.filter(|id| !id.is_empty()) else {
        return Ok(());
    };
    validate::id("avatar_id", id)?;
    let record = state
        .store()
        .attachment(id, Some(caller))
        .await?
        .ok_or_else(|| Error::not_found(format!("no such attachment: {id}")))?;
    if record.uploader_id != caller {
        return Err(Error::forbidden(
            "a picture must be your own upload; upload the image yourself",
        ));
    }
    if record.thumbnails.is_none() {
        return Err(Error::invalid(
            "a picture must be a JPEG, PNG, WebP or GIF image",
        ));
    }
    if record.message_id.is_some() {
        return Err(Error::conflict(
            "that upload was sent with a message; upload the image again for a picture",
        ));
    }
    Ok(())
}
