//! chat-server's v1 protocol, through the protocol crate (the one source of the wire
//! format). Tokens are minted here with the server's shared HS256 secret, the way an app
//! backend issues them; the server provisions each user on first sight.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use chat_protocol::v1::{
    ClientFrame, CreateRoomRequest, CreateRoomResponse, Message, MessagesPage, RoomList,
    RoomVisibility, SendMessageRequest, ServerFrame,
};
use futures_util::{StreamExt as _, TryStreamExt as _};
use jsonwebtoken::{EncodingKey, Header};
use serde::Serialize;

use super::{Connection, Incoming, Member, Stored};

/// Room creations in flight at once.
const CREATE_CONCURRENCY: usize = 16;
/// The largest history page the server hands out.
const HISTORY_PAGE: u32 = 200;

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    iat: u64,
    exp: u64,
}

/// Mints tokens and creates rooms over REST.
pub struct ChatAuth {
    addr: SocketAddr,
    key: EncodingKey,
    /// Distinguishes this run's users from earlier runs against the same database.
    run: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for ChatAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatAuth")
            .field("run", &self.run)
            .finish_non_exhaustive()
    }
}

impl ChatAuth {
    pub fn new(addr: SocketAddr, secret: &str) -> Self {
        let run = uuid::Uuid::new_v4().simple().to_string();
        Self {
            addr,
            key: EncodingKey::from_secret(secret.as_bytes()),
            run: run[..10].to_owned(),
            http: reqwest::Client::new(),
        }
    }

    fn user_id(&self, index: usize) -> String {
        format!("bench-{}-{index}", self.run)
    }

    fn token(&self, index: usize) -> anyhow::Result<String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let user = self.user_id(index);
        let claims = Claims {
            sub: &user,
            iat: now,
            exp: now + 6 * 3600,
        };
        Ok(jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &self.key,
        )?)
    }

    pub async fn create_rooms(&self, first_members: &[usize]) -> anyhow::Result<Vec<String>> {
        futures_util::stream::iter(first_members.iter().enumerate())
            .map(|(number, &creator)| self.create_room(number, creator))
            .buffered(CREATE_CONCURRENCY)
            .try_collect()
            .await
    }

    async fn create_room(&self, number: usize, creator: usize) -> anyhow::Result<String> {
        let request = CreateRoomRequest {
            name: format!("bench {number}"),
            visibility: RoomVisibility::Public,
            members: Vec::new(),
        };
        self.post_room(creator, &request).await
    }

    /// `POST /v1/rooms` as `creator`; the new room's id.
    async fn post_room(
        &self,
        creator: usize,
        request: &CreateRoomRequest,
    ) -> anyhow::Result<String> {
        let response = self
            .http
            .post(format!("http://{}/v1/rooms", self.addr))
            .bearer_auth(self.token(creator)?)
            .json(request)
            .send()
            .await
            .context("creating a room")?;
        let created: CreateRoomResponse =
            succeeded(response, "creating a room").await?.json().await?;
        Ok(created.room_id.to_string())
    }

    /// Creates a private room by `creator` with `members` (who must exist: see
    /// [`ChatAuth::get_rooms`]) and returns its id.
    pub async fn create_private_room(
        &self,
        creator: usize,
        members: &[usize],
    ) -> anyhow::Result<String> {
        let request = CreateRoomRequest {
            name: format!("list {creator}"),
            visibility: RoomVisibility::Private,
            members: members.iter().map(|&m| self.user_id(m).into()).collect(),
        };
        self.post_room(creator, &request).await
    }

    /// Sends `content` to `room` over REST as `sender`.
    pub async fn post_message(
        &self,
        sender: usize,
        room: &str,
        content: &str,
    ) -> anyhow::Result<()> {
        let response = self
            .http
            .post(format!("http://{}/v1/rooms/{room}/messages", self.addr))
            .bearer_auth(self.token(sender)?)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&SendMessageRequest {
                content: content.to_owned(),
                reply_to: None,
                mentions: Vec::new(),
                attachments: Vec::new(),
            })
            .send()
            .await
            .context("sending a message")?;
        succeeded(response, "sending a message").await?;
        Ok(())
    }

    /// `POST /v1/uploads` of `bytes` as `uploader`; the answer's `size` (a check).
    pub async fn upload(
        &self,
        uploader: usize,
        bytes: Vec<u8>,
        mime: &str,
    ) -> anyhow::Result<chat_protocol::v1::Attachment> {
        let response = self
            .http
            .post(format!("http://{}/v1/uploads?filename=bench", self.addr))
            .bearer_auth(self.token(uploader)?)
            .header("content-type", mime)
            .body(bytes)
            .send()
            .await
            .context("uploading")?;
        Ok(succeeded(response, "uploading").await?.json().await?)
    }

    /// One page of `reader`'s room list (`GET /v1/rooms?limit=`); the first call also
    /// makes the server provision the user.
    pub async fn get_rooms(&self, reader: usize, limit: u32) -> anyhow::Result<RoomList> {
        let response = self
            .http
            .get(format!("http://{}/v1/rooms?limit={limit}", self.addr))
            .bearer_auth(self.token(reader)?)
            .send()
            .await
            .context("listing rooms")?;
        let response = succeeded(response, "listing rooms").await?;
        Ok(response.json().await?)
    }

    /// Every message stored in `room`, oldest first, read over REST as `reader` (a member).
    pub async fn history(
        &self,
        addr: SocketAddr,
        room: &str,
        reader: usize,
    ) -> anyhow::Result<Vec<Message>> {
        let mut messages: Vec<Message> = Vec::new();
        loop {
            let after = messages.last().map_or(0, |m| m.seq);
            let response = self
                .http
                .get(format!(
                    "http://{addr}/v1/rooms/{room}/messages?after_seq={after}&limit={HISTORY_PAGE}"
                ))
                .bearer_auth(self.token(reader)?)
                .send()
                .await
                .context("reading a room's history")?;
            let page: MessagesPage = succeeded(response, "reading a room's history")
                .await?
                .json()
                .await?;
            let more = page.has_more && !page.messages.is_empty();
            messages.extend(page.messages);
            if !more {
                return Ok(messages);
            }
        }
    }

    pub async fn authenticate_and_join(
        &self,
        connection: &mut Connection,
        member: &Member,
        resume: Option<u64>,
    ) -> anyhow::Result<u64> {
        let token = self.token(member.index)?;
        connection
            .send_text(ClientFrame::Authenticate { token }.encode())
            .await?;
        connection
            .send_text(
                ClientFrame::JoinRoom {
                    room_id: member.room.clone().into(),
                    // Without a resume point, no replay: a fresh client starts live.
                    since_seq: resume,
                }
                .encode(),
            )
            .await?;
        let mut joined_at = 0;
        connection
            .read_until(|text| match ServerFrame::decode(text)? {
                ServerFrame::RoomJoined { last_seq, .. } => {
                    joined_at = last_seq;
                    Ok(true)
                }
                ServerFrame::Error { code, message, .. } => {
                    anyhow::bail!("refused during set-up: {code:?} {message}")
                }
                _ => Ok(false),
            })
            .await?;
        if member.watch {
            // The bench's rooms are public and members join them: a watcher becomes a
            // member that way, then leaves the room's stream and stays on its list.
            connection
                .send_text(
                    ClientFrame::LeaveRoom {
                        room_id: member.room.clone().into(),
                    }
                    .encode(),
                )
                .await?;
            connection
                .read_until(|text| {
                    Ok(matches!(
                        ServerFrame::decode(text)?,
                        ServerFrame::RoomLeft { .. }
                    ))
                })
                .await?;
        }
        Ok(joined_at)
    }
}

/// The response if its status is a success; otherwise an error with the status and
/// the body, saying what was being done.
async fn succeeded(response: reqwest::Response, doing: &str) -> anyhow::Result<reqwest::Response> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response.text().await.unwrap_or_default();
    anyhow::bail!("{doing}: {status} {body}")
}

pub fn send_frame(room: &str, id: &str, body: &str) -> String {
    ClientFrame::SendMessage {
        room_id: room.into(),
        client_msg_id: id.to_owned(),
        content: body.to_owned(),
        reply_to: None,
        mentions: Vec::new(),
        attachments: Vec::new(),
    }
    .encode()
}

/// What a frame means to the generator; `watching`: the client follows its room through
/// `room_updated`, whose preview then is the delivery.
pub fn parse(text: &str, watching: bool) -> Incoming {
    match ServerFrame::decode(text) {
        Ok(ServerFrame::Message(message)) => Incoming::Delivery {
            body: message.content,
            stored: Some(Stored {
                seq: message.seq,
                message_id: message.message_id.to_string(),
            }),
        },
        // A member on its room list: the summary carries the message's preview.
        Ok(ServerFrame::RoomUpdated(summary)) if watching => match summary.last_message {
            Some(last) if last.seq == summary.last_seq => Incoming::Delivery {
                body: last.content,
                stored: Some(Stored {
                    seq: last.seq,
                    message_id: last.message_id.to_string(),
                }),
            },
            _ => Incoming::Other,
        },
        Ok(ServerFrame::MessageAck {
            client_msg_id,
            message_id,
            seq,
            ..
        }) => Incoming::Ack {
            id: client_msg_id,
            stored: Some(Stored {
                seq,
                message_id: message_id.to_string(),
            }),
        },
        Ok(ServerFrame::MemberChanged(changed)) => Incoming::Notice { seq: changed.seq },
        Ok(ServerFrame::RoomChanged(changed)) => Incoming::Notice { seq: changed.seq },
        Ok(ServerFrame::Error { code, message, .. }) => {
            Incoming::Error(format!("{code:?}: {message}"))
        }
        Ok(_) => Incoming::Other,
        Err(error) => Incoming::Error(format!("undecodable frame: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use chat_protocol::v1::{ErrorCode, Message};

    use super::*;

    #[test]
    fn chat_server_frames_become_deliveries_acks_and_errors() {
        let message = ServerFrame::Message(Message {
            room_id: "r".into(),
            seq: 7,
            message_id: "m".into(),
            client_msg_id: "c".into(),
            sender_id: "u".into(),
            content: "0 1 2 3 ....".into(),
            created_at: 1,
            ..Message::default()
        });
        assert_eq!(
            parse(&message.encode(), false),
            Incoming::Delivery {
                body: "0 1 2 3 ....".into(),
                stored: Some(Stored {
                    seq: 7,
                    message_id: "m".into()
                })
            }
        );
        let refused = ServerFrame::error(ErrorCode::RateLimited, "slow down", None);
        assert!(
            matches!(parse(&refused.encode(), false), Incoming::Error(e) if e.contains("slow down"))
        );
        assert!(matches!(parse("{", false), Incoming::Error(_)));
        // A room's summary is a delivery only to a member that follows the room through
        // it; a member that joined the room gets the message itself.
        let summary = ServerFrame::RoomUpdated(chat_protocol::v1::RoomSummary {
            room_id: "r".into(),
            name: "r".into(),
            visibility: RoomVisibility::Private,
            last_seq: 7,
            created_at: 1,
            kind: chat_protocol::v1::RoomKind::Group,
            last_message: Some(chat_protocol::v1::LastMessage {
                message_id: "m".into(),
                seq: 7,
                sender_id: "u".into(),
                content: "0 1 2 3 ....".into(),
                created_at: 1,
            }),
            last_activity_at: 1,
            unread_count: 1,
            mention_count: 0,
            read_seq: 0,
            muted: false,
            muted_until: None,
            notify_mentions: None,
            avatar_id: None,
            placement: None,
            marked_unread: false,
        })
        .encode();
        assert!(matches!(
            parse(&summary, true),
            Incoming::Delivery {
                stored: Some(Stored { seq: 7, .. }),
                ..
            }
        ));
        assert_eq!(parse(&summary, false), Incoming::Other);
        let frame = send_frame("room", "id", "body");
        assert!(matches!(
            ClientFrame::decode(&frame),
            Ok(ClientFrame::SendMessage { room_id, content, .. }) if room_id == "room" && content == "body"
        ));
    }
}
