//! Blocking users and reporting messages and users (REST calls), with the block list
//! kept in the cache so that blocked senders' messages read as `sender_blocked`.

use chat_protocol::v1::{BlockList, BlockedUser, Report, ReportRequest};
use reqwest::Method;

use super::bridge::Shared;
use super::events::ClientEvent;
use super::{ChatClient, ClientError, rest};

/// No body.
const NONE: Option<&()> = None;

impl ChatClient {
    /// Blocks a user: they can no longer open a direct room with this user, add them to
    /// rooms, send in their direct room or show them typing. Their messages in shared
    /// group rooms stay, marked `sender_blocked`; they no longer count as unread nor
    /// show as a room's last message (the room list is read again).
    ///
    /// # Errors
    ///
    /// `Server` with `not_found` (no such user) or `invalid_request` (oneself);
    /// `NotSignedIn`, `Network`, `Cache`.
    pub async fn block_user(&self, user_id: &str) -> Result<(), ClientError> {
        let path = ["v1", "users", "me", "blocks", user_id];
        let _: Option<serde_json::Value> = self.request(Method::PUT, &path, NONE).await?;
        self.blocks_changed(user_id, true).await
    }

    /// Lifts a block.
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Network`, `Cache`.
    pub async fn unblock_user(&self, user_id: &str) -> Result<(), ClientError> {
        let path = ["v1", "users", "me", "blocks", user_id];
        let _: Option<serde_json::Value> = self.request(Method::DELETE, &path, NONE).await?;
        self.blocks_changed(user_id, false).await
    }

    /// The users this user blocked, most recently blocked first, from the server (the
    /// cache's block list is refreshed with it).
    ///
    /// # Errors
    ///
    /// `NotSignedIn`, `Network`, `Cache`.
    pub async fn blocked_users(&self) -> Result<Vec<BlockedUser>, ClientError> {
        let token = self
            .shared
            .token
            .lock()
            .expect("token lock")
            .clone()
            .ok_or(ClientError::NotSignedIn)?;
        refresh_blocks(&self.http, &self.base_url, &token, &self.shared).await
    }

    /// Reports a message (`message_id`), a user (`user_id`) or the room itself to the
    /// server's admins; any member of the room may. The message's content is kept with
    /// the report.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (not a member), `not_found`, `invalid_request` (an
    /// empty or too long reason, oneself); `NotSignedIn`, `Network`.
    pub async fn report(
        &self,
        room_id: &str,
        message_id: Option<String>,
        user_id: Option<String>,
        reason: &str,
    ) -> Result<Report, ClientError> {
        let body = ReportRequest {
            room_id: room_id.into(),
            message_id: message_id.map(Into::into),
            user_id: user_id.map(Into::into),
            reason: reason.to_owned(),
        };
        let report: Option<Report> = self
            .request(Method::POST, &["v1", "reports"], Some(&body))
            .await?;
        report.ok_or_else(|| ClientError::Network("empty answer".into()))
    }
}

impl ChatClient {
    /// The server took the block or unblock: the cache's block list follows, unless the
    /// server's `block_changed` frame came first and did it (and the recount) already.
    async fn blocks_changed(&self, user_id: &str, blocked: bool) -> Result<(), ClientError> {
        let changed = self
            .shared
            .cache
            .lock()
            .expect("cache lock")
            .set_blocked(user_id, blocked)?;
        if changed {
            self.shared.emit(ClientEvent::BlocksChanged);
            self.recount_room_list().await;
        }
        Ok(())
    }

    /// A block changes rooms' unread counts and last messages (a blocked user's
    /// messages count for neither), so the list is read again from the server. The
    /// block itself is done already: a failure here is only logged, and the next
    /// connect reads the list anyway.
    async fn recount_room_list(&self) {
        let Some(sync) = self.shared.room_list_sync.get().cloned() else {
            return;
        };
        if let Err(e) = sync.recount().await {
            tracing::warn!(error = %e, "could not read the room list after a block");
        }
    }
}

/// Reads the block list from the server into the cache (on every connect, and on
/// demand); tells the app only when it changed (an app that re-reads the list on
/// `BlocksChanged` is not sent round in a circle).
pub(crate) async fn refresh_blocks(
    http: &reqwest::Client,
    base_url: &str,
    token: &str,
    shared: &Shared,
) -> Result<Vec<BlockedUser>, ClientError> {
    let url = reqwest::Url::parse(&format!("{base_url}/v1/users/me/blocks"))
        .map_err(|e| ClientError::Network(format!("invalid server URL: {e}")))?;
    let list: Option<BlockList> = rest::call(http, Method::GET, url, token, NONE).await?;
    let blocks = list.map(|l| l.blocks).unwrap_or_default();
    let ids: Vec<String> = blocks.iter().map(|b| b.user_id.to_string()).collect();
    let changed = shared
        .cache
        .lock()
        .expect("cache lock")
        .set_blocked_users(&ids)?;
    if changed {
        shared.emit(ClientEvent::BlocksChanged);
    }
    Ok(blocks)
}
