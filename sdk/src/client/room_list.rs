//! The room list's sync with the server. After each connection goes live, the client
//! reads the whole list once (`GET /v1/rooms`, every page) into the cache: that one
//! read is the catch-up after any time away, whatever happened in however many rooms.
//! From then on `room_updated` frames and the joined rooms' own events keep it exact.
//! The block list is read with it.

use std::sync::Weak;

use chat_protocol::v1::{RoomList, RoomSummary};

use super::bridge::Shared;
use super::events::ClientEvent;
use super::{ClientError, rest};

/// Rooms per page: the server's largest.
const PAGE: u32 = 1000;
/// A list longer than this many pages is cut there (a million rooms).
const MAX_PAGES: usize = 1000;

/// Reads the room list into the cache.
#[derive(Debug)]
pub(crate) struct RoomListSync {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// Weak: the shared state owns this sync.
    pub(crate) shared: Weak<Shared>,
}

impl RoomListSync {
    /// Reads every page and merges it into the cache (a summary never replaces a newer
    /// one that arrived meanwhile), then tells the app. Returns the list as the cache
    /// now holds it.
    pub(crate) async fn run(&self) -> Result<Vec<RoomSummary>, ClientError> {
        self.read(false).await
    }

    /// As [`Self::run`], after a block or unblock: the summaries read replace those held
    /// even where those are further on, as their counts were made with the old blocks.
    pub(crate) async fn recount(&self) -> Result<Vec<RoomSummary>, ClientError> {
        self.read(true).await
    }

    /// [`Self::recount`] when `recounted`, else [`Self::run`].
    pub(crate) async fn read(&self, recounted: bool) -> Result<Vec<RoomSummary>, ClientError> {
        let shared = self.shared.upgrade().ok_or(ClientError::Closed)?;
        let token = shared
            .token
            .lock()
            .expect("token lock")
            .clone()
            .ok_or(ClientError::NotSignedIn)?;
        let rooms = fetch_all(&self.http, &self.base_url, &token).await?;
        let me = shared.me().unwrap_or_default();
        let list = {
            let mut cache = shared.cache.lock().expect("cache lock");
            if recounted {
                cache.put_recounted_room_list(rooms, &me)?;
            } else {
                cache.put_room_list(rooms, &me)?;
            }
            cache.room_list()?
        };
        shared.emit(ClientEvent::RoomListChanged { room_id: None });
        // Blocks made on another device count here from this connect on.
        if let Err(e) =
            super::safety::refresh_blocks(&self.http, &self.base_url, &token, &shared).await
        {
            tracing::warn!(error = %e, "could not read the block list");
        }
        Ok(list)
    }
}

/// Every page of `GET /v1/rooms`.
async fn fetch_all(
    http: &reqwest::Client,
    base_url: &str,
    token: &str,
) -> Result<Vec<RoomSummary>, ClientError> {
    let mut rooms = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut url = reqwest::Url::parse(&format!("{base_url}/v1/rooms"))
            .map_err(|e| ClientError::Network(format!("invalid server URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("limit", &PAGE.to_string());
        if let Some(after) = &after {
            url.query_pairs_mut().append_pair("after", after);
        }
        let page: Option<RoomList> =
            rest::call(http, reqwest::Method::GET, url, token, None::<&()>).await?;
        let Some(page) = page else { break };
        rooms.extend(page.rooms);
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(rooms)
}
