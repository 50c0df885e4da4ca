//! One WebSocket session: a real connection to the real server (through an in-memory
//! pipe instead of a socket) authenticates, then sends an arbitrary sequence of
//! frames, well-formed or not, aimed at rooms and messages of every kind. The server
//! must answer every one (a reply, an `error` frame or a documented close code) and
//! must never answer `internal`, close with 1011, stall, or panic.

use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use chat_protocol::v1::{ClientFrame, ErrorCode, ReceiptKind, ServerFrame, close};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use crate::sut::{PEER, SUT, Sut, token_for};

/// RFC 6455's close code for a peer that broke the WebSocket protocol.
const PROTOCOL_ERROR: u16 = 1002;

/// Longest the server may take to answer everything an input sent.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Arbitrary)]
enum RoomRef {
    Public,
    OwnPrivate,
    ForeignPrivate,
    Direct,
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum MessageRef {
    Own(u8),
    Foreign,
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum ClientMsgId {
    Fresh,
    /// The same id as an earlier send of this input (an idempotent retry).
    Repeat(u8),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum TokenRef {
    Same,
    OtherUser,
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum Frame {
    Authenticate(TokenRef),
    Join {
        room: RoomRef,
        since_seq: Option<u64>,
    },
    Leave(RoomRef),
    Send {
        room: RoomRef,
        id: ClientMsgId,
        content: String,
    },
    Typing {
        room: RoomRef,
        is_typing: bool,
    },
    Receipt {
        room: RoomRef,
        seq: u64,
        read: bool,
    },
    Edit {
        room: RoomRef,
        message: MessageRef,
        content: String,
    },
    Delete {
        room: RoomRef,
        message: MessageRef,
    },
    History {
        room: RoomRef,
        before_seq: Option<u64>,
        limit: u32,
    },
    Ping,
    /// Any text: JSON or not, known type or not.
    Text(String),
    Binary(Vec<u8>),
    WsPing(Vec<u8>),
}

/// One input: the frames after `authenticate`.
pub fn run(data: &[u8]) {
    let Ok(frames) = Vec::<Frame>::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let sut = &*SUT;
    sut.runtime.block_on(session(sut, &frames));
}

async fn session(sut: &'static Sut, frames: &[Frame]) {
    let mut sent_ids: Vec<String> = Vec::new();
    let token = sut.fuzzer_token.clone();
    let mut outgoing = vec![Message::text(ClientFrame::Authenticate { token }.encode())];
    outgoing.extend(
        frames
            .iter()
            .map(|frame| message(sut, frame, &mut sent_ids)),
    );
    outgoing.push(Message::text(ClientFrame::Ping.encode()));
    // Every ping (structured, or text that decodes as one) and the final one get a
    // pong, unless the server closes.
    let pings = 1 + frames
        .iter()
        .filter(|f| match f {
            Frame::Ping => true,
            Frame::Text(text) => matches!(ClientFrame::decode(text), Ok(ClientFrame::Ping)),
            _ => false,
        })
        .count();
    // RFC 6455 allows at most 125 bytes in a control frame; more is a protocol error.
    let oversized_ping = frames
        .iter()
        .any(|f| matches!(f, Frame::WsPing(bytes) if bytes.len() > 125));

    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let server = tokio::spawn(sut.app.serve_connection(server_io, PEER));
    let (ws, _) = tokio_tungstenite::client_async("ws://chat.fuzz/v1/ws", client_io)
        .await
        .expect("WebSocket handshake over the pipe");
    let (mut sink, mut stream) = ws.split();

    // Read everything the server says while the frames go out, so that a full pipe
    // never holds the server up.
    let reader = tokio::spawn(async move {
        let mut pongs = 0;
        let answered = async {
            while let Some(message) = stream.next().await {
                match message {
                    Ok(Message::Text(text)) => {
                        let frame = ServerFrame::decode(&text).unwrap_or_else(|e| {
                            panic!("server sent an undecodable frame ({e}): {text}")
                        });
                        check(&frame);
                        if matches!(frame, ServerFrame::Pong { .. }) {
                            pongs += 1;
                            if pongs >= pings {
                                return Ok(None);
                            }
                        }
                    }
                    Ok(Message::Close(frame)) => {
                        return Ok(Some(frame.map_or(close::NORMAL, |f| u16::from(f.code))));
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            if pongs >= pings {
                Ok(None)
            } else {
                Err("the server ended the session without a close frame")
            }
        };
        tokio::time::timeout(ANSWER_TIMEOUT, answered).await
    });
    for message in outgoing {
        // The server may close the connection part-way (a documented close): stop then.
        if sink.send(message).await.is_err() {
            break;
        }
    }
    let closed = reader
        .await
        .expect("reader task")
        .unwrap_or_else(|_| panic!("the server stopped answering within {ANSWER_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(code) = closed {
        assert!(
            code != PROTOCOL_ERROR || oversized_ping,
            "closed with 1002 without a protocol violation"
        );
        assert!(
            [
                close::NORMAL,
                PROTOCOL_ERROR,
                close::INVALID_PAYLOAD,
                close::TOO_LARGE,
                close::UNAUTHORIZED,
                close::FORBIDDEN,
                close::POLICY_LIMIT,
                close::SLOW_CONSUMER,
            ]
            .contains(&code),
            "closed with {code}"
        );
    }
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code: close::NORMAL.into(),
            reason: "done".into(),
        })))
        .await;
    drop(sink);
    tokio::time::timeout(ANSWER_TIMEOUT, server)
        .await
        .expect("the connection ends after the client hangs up")
        .expect("connection task");
}

/// What no input may ever get from the server.
fn check(frame: &ServerFrame) {
    if let ServerFrame::Error { code, message, .. } = frame {
        assert!(
            !matches!(code, ErrorCode::Internal | ErrorCode::Unavailable),
            "server error: {code:?} {message}"
        );
        assert!(!message.is_empty(), "an error must say why");
    }
}

fn room_id(sut: &Sut, room: &RoomRef) -> String {
    match room {
        RoomRef::Public => sut.public_room.clone(),
        RoomRef::OwnPrivate => sut.own_private_room.clone(),
        RoomRef::ForeignPrivate => sut.foreign_private_room.clone(),
        RoomRef::Direct => sut.direct_room.clone(),
        RoomRef::Raw(raw) => raw.clone(),
    }
}

fn message_id(sut: &Sut, message: &MessageRef) -> String {
    match message {
        MessageRef::Own(n) => sut.own_messages[usize::from(*n) % sut.own_messages.len()].clone(),
        MessageRef::Foreign => sut.foreign_message.clone(),
        MessageRef::Raw(raw) => raw.clone(),
    }
}

fn message(sut: &Sut, frame: &Frame, sent_ids: &mut Vec<String>) -> Message {
    let frame = match frame {
        Frame::Authenticate(token) => ClientFrame::Authenticate {
            token: match token {
                TokenRef::Same => sut.fuzzer_token.clone(),
                TokenRef::OtherUser => token_for(crate::sut::OTHER),
                TokenRef::Raw(raw) => raw.clone(),
            },
        },
        Frame::Join { room, since_seq } => ClientFrame::JoinRoom {
            room_id: room_id(sut, room).into(),
            since_seq: *since_seq,
        },
        Frame::Leave(room) => ClientFrame::LeaveRoom {
            room_id: room_id(sut, room).into(),
        },
        Frame::Send { room, id, content } => {
            let client_msg_id = match id {
                ClientMsgId::Repeat(n) if !sent_ids.is_empty() => {
                    sent_ids[usize::from(*n) % sent_ids.len()].clone()
                }
                ClientMsgId::Fresh | ClientMsgId::Repeat(_) => uuid::Uuid::new_v4().to_string(),
                ClientMsgId::Raw(raw) => raw.clone(),
            };
            sent_ids.push(client_msg_id.clone());
            ClientFrame::SendMessage {
                room_id: room_id(sut, room).into(),
                client_msg_id,
                content: content.clone(),
                reply_to: None,
                mentions: Vec::new(),
                attachments: Vec::new(),
            }
        }
        Frame::Typing { room, is_typing } => ClientFrame::Typing {
            room_id: room_id(sut, room).into(),
            is_typing: *is_typing,
        },
        Frame::Receipt { room, seq, read } => ClientFrame::Receipt {
            room_id: room_id(sut, room).into(),
            seq: *seq,
            kind: if *read {
                ReceiptKind::Read
            } else {
                ReceiptKind::Delivered
            },
        },
        Frame::Edit {
            room,
            message,
            content,
        } => ClientFrame::EditMessage {
            room_id: room_id(sut, room).into(),
            message_id: message_id(sut, message).into(),
            content: content.clone(),
        },
        Frame::Delete { room, message } => ClientFrame::DeleteMessage {
            room_id: room_id(sut, room).into(),
            message_id: message_id(sut, message).into(),
        },
        Frame::History {
            room,
            before_seq,
            limit,
        } => ClientFrame::History {
            room_id: room_id(sut, room).into(),
            before_seq: *before_seq,
            limit: *limit,
        },
        Frame::Ping => ClientFrame::Ping,
        Frame::Text(text) => return Message::text(text.clone()),
        Frame::Binary(bytes) => return Message::binary(bytes.clone()),
        Frame::WsPing(bytes) => return Message::Ping(bytes.clone().into()),
    };
    Message::text(frame.encode())
}
