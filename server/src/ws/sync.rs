//! Exactly-once, in-order room events per connection.
//!
//! Each joined room has a cursor: the highest seq this connection has delivered. A join
//! replays the store from the client's `since_seq`; live events at or below the cursor
//! are dropped as duplicates, and a live event past a gap first pulls the missing
//! events from the store. Because events are committed before they are published, the
//! store always has what the live feed skipped.

use chat_protocol::v1::{LeaveReason, PresenceStatus, ServerFrame, close};
use tungstenite::Utf8Bytes;

use super::commands::Failure;
use super::connection::{Connection, End};
use super::cursor::{RoomCursor, Step};
use crate::access;
use crate::error::Error;
use crate::hub::{AccountClosed, Delivery, ListChange};
use crate::messaging;
use crate::store::{CommittedEvent, EventKind, RoomWithMembers};

impl Connection {
    /// `join_room`: subscribe, announce, replay.
    pub(super) async fn join(
        &mut self,
        room_id: &str,
        since_seq: Option<u64>,
    ) -> Result<(), Failure> {
        crate::validate::id("room_id", room_id)?;
        // Subscribe before reading the room's last seq: anything committed from then on
        // is either in the replay or arrives live, and the cursor removes the overlap.
        // Until the cursor exists, the room's queued events and frames are dropped, so a
        // refused join shows nothing of the room.
        self.state.hub().subscribe(self.connection_id, room_id);
        let joined = self.join_subscribed(room_id, since_seq).await;
        if joined.is_err() && !self.cursors.contains_key(room_id) {
            self.state.hub().unsubscribe(self.connection_id, room_id);
        }
        joined
    }

    async fn join_subscribed(
        &mut self,
        room_id: &str,
        since_seq: Option<u64>,
    ) -> Result<(), Failure> {
        let (joined_room, must_join) =
            access::joinable_room_with_members(&self.state, room_id, &self.user_id).await?;
        let RoomWithMembers {
            room,
            members,
            receipts,
        } = joined_room;
        // Refuse a bad cursor before anything changes (membership of a public room).
        if let Some(since) = since_seq
            && since > room.last_seq
        {
            return Err(Error::invalid(format!(
                "since_seq {since} is ahead of the room's last seq {}; drop the local copy \
                 of this room and join without since_seq",
                room.last_seq
            ))
            .into());
        }
        if must_join {
            access::become_member(&self.state, room_id, &self.user_id).await?;
        }
        self.cursors.insert(
            room_id.to_owned(),
            RoomCursor::at(since_seq.unwrap_or(room.last_seq)),
        );
        let joined = ServerFrame::RoomJoined {
            room_id: room.id.into(),
            name: room.name,
            visibility: room.visibility,
            last_seq: room.last_seq,
            receipts,
        };
        self.send(&joined).await?;
        self.announce_online_members(members).await?;
        if since_seq.is_some() {
            self.catch_up(room_id, None).await?;
        }
        Ok(())
    }

    /// Who of the room's members is online now. The connect-time snapshot covers only
    /// rooms shared then; a room created or joined later would otherwise show its
    /// members offline until they reconnect. Later changes arrive as usual.
    async fn announce_online_members(&mut self, members: Vec<String>) -> Result<(), Failure> {
        let others: Vec<String> = members
            .into_iter()
            .filter(|member| *member != self.user_id)
            .collect();
        for user_id in self.state.presence().online_among(&others).await {
            let online = ServerFrame::Presence {
                user_id: user_id.into(),
                status: PresenceStatus::Online,
                last_seen: None,
            };
            self.send(&online).await?;
        }
        Ok(())
    }

    /// Sends stored events after the room's cursor, page by page, stopping before
    /// `until` if given; the writer queue paces the replay.
    async fn catch_up(&mut self, room_id: &str, until: Option<u64>) -> Result<(), Failure> {
        let page = self.state.config().replay_page.max(1);
        loop {
            let Some(position) = self.cursors.get(room_id).map(RoomCursor::position) else {
                return Ok(());
            };
            let events = self
                .state
                .store()
                .events_after(room_id, position, page)
                .await?;
            let fetched = events.len();
            for event in events {
                if until.is_some_and(|until| event.seq >= until) {
                    return Ok(());
                }
                if self.cursors.get_mut(room_id).map(|c| c.step(event.seq)) == Some(Step::Next) {
                    self.replay(event).await?;
                }
            }
            if fetched < page as usize {
                return Ok(());
            }
        }
    }

    /// Sends one stored event; this connection's own send that is still in flight is
    /// acknowledged in its place instead.
    async fn replay(&mut self, event: CommittedEvent) -> Result<(), End> {
        if let EventKind::Message(message) = &event.kind
            && message.sender_id.as_str() == self.user_id
            && self
                .in_flight
                .is_waiting(&message.room_id, &message.client_msg_id)
        {
            self.in_flight.acked_in_order(&message.room_id, message.seq);
            let ack = Utf8Bytes::from(messaging::ack_frame(message).encode());
            return self.send_ack(ack).await;
        }
        let ended = match &event.kind {
            EventKind::Member(changed) if changed.user_id.as_str() == self.user_id => {
                LeaveReason::of(changed.change)
            }
            _ => None,
        };
        let room_id = event.room_id.to_string();
        self.send(&event.into_frame()).await?;
        // Read from the store before its live event came (a gap, or another process's
        // event overtaken by a later one): unless the user is a member again (a replay
        // from long ago), the room ends here, as the live event would end it.
        if let Some(reason) = ended {
            let member = self.state.store().is_member(&room_id, &self.user_id).await;
            if !member.unwrap_or(false) {
                self.end_room(&room_id, reason).await?;
            }
        }
        Ok(())
    }

    /// Moves the room's cursor through `seq`, the commit of one of this connection's
    /// own sends: the events before it go first, and the send is acknowledged at its
    /// place, by its live event or, past a gap, from the store.
    pub(super) async fn reach(&mut self, room_id: &str, seq: u64) -> Result<(), Failure> {
        // Live events leave in commit order, so this one and those before it are usually
        // queued for this connection already: deliver those before reading the store.
        while self
            .cursors
            .get(room_id)
            .is_some_and(|cursor| cursor.position() < seq)
        {
            let Ok(delivery) = self.deliveries.try_recv() else {
                break;
            };
            self.deliver(delivery).await?;
        }
        if self
            .cursors
            .get(room_id)
            .is_some_and(|cursor| cursor.position() < seq)
        {
            crate::telemetry::gap_repair("own_ack");
            await_boxed!(self.catch_up(room_id, Some(seq + 1)))?;
        }
        Ok(())
    }

    /// Sends whatever every followed room committed after its cursor: events this
    /// process's bus may have missed while it was cut off from the others.
    async fn resync(&mut self) -> Result<(), End> {
        let rooms: Vec<String> = self.cursors.keys().cloned().collect();
        for room_id in rooms {
            match self.catch_up(&room_id, None).await {
                Ok(()) => {}
                Err(Failure::End(end) | Failure::ReplyThenEnd(_, end)) => return Err(end),
                Err(Failure::Reply(e)) => {
                    // The store is unreachable too: the client resumes after reconnecting.
                    tracing::warn!(error = %e, "resync failed");
                    return Err(End::Close(1011, "internal error; reconnect and resume"));
                }
            }
        }
        Ok(())
    }

    /// Handles something the hub queued for this connection.
    pub(super) async fn deliver(&mut self, delivery: Delivery) -> Result<(), End> {
        let event = match delivery {
            Delivery::Frame(frame) => return self.send_text(Utf8Bytes::clone(&frame)).await,
            Delivery::RoomFrame(room_frame) => {
                if !self.cursors.contains_key(&room_frame.room_id) {
                    return Ok(());
                }
                return self.send_text(room_frame.frame.clone()).await;
            }
            Delivery::Room(event) => event,
            Delivery::Resync => return await_boxed!(self.resync()),
            Delivery::Close(AccountClosed::Deactivated) => {
                return Err(End::Close(close::FORBIDDEN, "account deactivated"));
            }
            Delivery::Close(AccountClosed::Deleted) => {
                return Err(End::Close(close::UNAUTHORIZED, "account deleted"));
            }
            Delivery::Close(AccountClosed::SignedOut { before, kept }) => {
                if self.token_issued_at < before && self.token_tag != kept {
                    return Err(End::Close(
                        close::UNAUTHORIZED,
                        "signed out: the account's password was changed",
                    ));
                }
                return Ok(());
            }
            Delivery::Close(AccountClosed::SignInEnded { sign_in }) => {
                if self.sign_in == Some(sign_in) {
                    return Err(End::Close(
                        close::UNAUTHORIZED,
                        "signed out: this sign-in was ended",
                    ));
                }
                return Ok(());
            }
            Delivery::Close(AccountClosed::OtherSignInsEnded { kept }) => {
                if self.sign_in.is_some() && self.sign_in != kept {
                    return Err(End::Close(
                        close::UNAUTHORIZED,
                        "signed out: this sign-in was ended from another device",
                    ));
                }
                return Ok(());
            }
            Delivery::RoomDeleted(room_id) => {
                if self.cursors.contains_key(&*room_id) {
                    return self.end_room(&room_id, LeaveReason::RoomDeleted).await;
                }
                let left = ServerFrame::RoomLeft {
                    room_id: room_id.as_ref().into(),
                    reason: Some(LeaveReason::RoomDeleted),
                };
                return self.send(&left).await;
            }
        };
        let Some(cursor) = self.cursors.get_mut(&event.room_id) else {
            return Ok(());
        };
        let mut step = cursor.step(event.seq);
        if step == Step::Gap {
            crate::telemetry::gap_repair("live");
            match await_boxed!(self.catch_up(&event.room_id, Some(event.seq))) {
                Ok(()) => {}
                Err(Failure::End(end) | Failure::ReplyThenEnd(_, end)) => return Err(end),
                Err(Failure::Reply(e)) => {
                    // The store failed: without the missing events this connection
                    // cannot stay consistent; the client resumes after reconnecting.
                    tracing::warn!(error = %e, "gap repair failed");
                    return Err(End::Close(1011, "internal error; reconnect and resume"));
                }
            }
            step = match self.cursors.get_mut(&event.room_id) {
                Some(cursor) => cursor.step(event.seq),
                None => return Ok(()),
            };
        }
        if step != Step::Next {
            return Ok(());
        }
        // The sender's own connection gets its message_ack in the event's place.
        match &event.origin {
            Some(origin) if origin.connection == self.connection_id => {
                self.in_flight.acked_in_order(&event.room_id, event.seq);
                self.send_ack(Utf8Bytes::clone(&origin.ack)).await
            }
            _ => {
                self.send_text(Utf8Bytes::clone(&event.frame)).await?;
                // The hub stopped sending the room's events here with this one.
                if let ListChange::Member {
                    user_id,
                    left: Some(reason),
                } = &event.change
                    && *user_id == self.user_id
                {
                    self.end_room(&event.room_id, *reason).await?;
                }
                Ok(())
            }
        }
    }

    /// The user's membership of a joined room ended: the room's cursor goes, and with
    /// it everything of the room still queued here; the client learns why.
    async fn end_room(&mut self, room_id: &str, reason: LeaveReason) -> Result<(), End> {
        if self.cursors.remove(room_id).is_none() {
            return Ok(());
        }
        self.state.typing().left_room(room_id, &self.user_id).await;
        let left = ServerFrame::RoomLeft {
            room_id: room_id.into(),
            reason: Some(reason),
        };
        self.send(&left).await
    }
}
