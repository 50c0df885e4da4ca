//! The reference Node `ws` server (`bench/reference/ws-server.js`): the user and room are
//! in the URL; `{"id","body"}` is broadcast to the room's other sockets as
//! `{"from","body"}` and acknowledged to the sender as `{"ack": id}`.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::{Incoming, Member};

#[derive(Serialize)]
struct Send<'a> {
    id: &'a str,
    body: &'a str,
}

#[derive(Deserialize)]
struct Received {
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    ack: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

pub fn url(addr: SocketAddr, member: &Member) -> String {
    format!("ws://{addr}/?room={}&user={}", member.room, member.index)
}

pub fn send_frame(id: &str, body: &str) -> String {
    serde_json::to_string(&Send { id, body }).unwrap_or_default()
}

pub fn parse(text: &str) -> Incoming {
    match serde_json::from_str::<Received>(text) {
        Ok(Received { ack: Some(id), .. }) => Incoming::Ack { id, stored: None },
        Ok(Received {
            body: Some(body), ..
        }) => Incoming::Delivery { body, stored: None },
        Ok(Received {
            error: Some(error), ..
        }) => Incoming::Error(error),
        Ok(_) => Incoming::Other,
        Err(error) => Incoming::Error(format!("undecodable frame: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_of_the_reference_ws_server() {
        assert_eq!(
            send_frame("a1", "hi \"x\""),
            r#"{"id":"a1","body":"hi \"x\""}"#
        );
        assert_eq!(
            parse(r#"{"ack":"a1"}"#),
            Incoming::Ack {
                id: "a1".into(),
                stored: None
            }
        );
        assert_eq!(
            parse(r#"{"from":"3","body":"hello"}"#),
            Incoming::Delivery {
                body: "hello".into(),
                stored: None
            }
        );
        assert!(matches!(
            parse(r#"{"error":"expected"}"#),
            Incoming::Error(_)
        ));
        assert!(matches!(parse("not json"), Incoming::Error(_)));
        assert_eq!(parse("{}"), Incoming::Other);
    }
}
