//! The reference Socket.IO server (`bench/reference/socketio-server.js`), spoken as
//! Socket.IO v5 over Engine.IO v4 on a plain WebSocket transport (no long-polling):
//!
//! - the server opens with `0{…}`; the client joins the default namespace with `40` and
//!   waits for `40{…}`;
//! - an event with acknowledgement id 7 is `427["msg",body]`; its ack is `437[…]`;
//! - a broadcast arrives as `42["msg",from,body]`;
//! - the server's heartbeat `2` is answered with `3`.
//!
//! This framing is a few string prefixes; the generator speaks it itself so that all
//! three servers are driven by the same socket loop and measured the same way.

use std::net::SocketAddr;

use super::{Connection, Incoming, Member};

pub fn url(addr: SocketAddr, member: &Member) -> String {
    format!(
        "ws://{addr}/socket.io/?EIO=4&transport=websocket&room={}&user={}",
        member.room, member.index
    )
}

pub async fn connect_namespace(connection: &mut Connection) -> anyhow::Result<()> {
    connection
        .read_until(|text| Ok(text.starts_with('0')))
        .await?;
    connection.send_text("40".to_owned()).await?;
    connection
        .read_until(|text| match text {
            "2" => Ok(false),
            t if t.starts_with("40") => Ok(true),
            t if t.starts_with("44") => anyhow::bail!("namespace refused: {t}"),
            _ => Ok(false),
        })
        .await
}

pub fn send_frame(ack_id: u64, body: &str) -> String {
    let args = serde_json::to_string(&("msg", body)).unwrap_or_default();
    format!("42{ack_id}{args}")
}

pub fn parse(text: &str) -> Incoming {
    if text == "2" {
        return Incoming::Reply("3".to_owned());
    }
    if let Some(rest) = text.strip_prefix("43") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        return match digits {
            0 => Incoming::Error(format!("ack without an id: {text}")),
            n => Incoming::Ack {
                id: rest[..n].to_owned(),
                stored: None,
            },
        };
    }
    if let Some(rest) = text.strip_prefix("42") {
        return match serde_json::from_str::<(String, String, String)>(rest) {
            Ok((_, _, body)) => Incoming::Delivery { body, stored: None },
            Err(error) => Incoming::Error(format!("undecodable event: {error}")),
        };
    }
    if text.starts_with("44") || text.starts_with('1') {
        return Incoming::Error(format!("disconnected: {text}"));
    }
    Incoming::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_follow_the_socket_io_v5_text_encoding() {
        assert_eq!(send_frame(7, "hi \"x\""), r#"427["msg","hi \"x\""]"#);
        assert_eq!(
            parse("437[]"),
            Incoming::Ack {
                id: "7".into(),
                stored: None
            }
        );
        assert_eq!(parse("2"), Incoming::Reply("3".into()));
        assert_eq!(
            parse(r#"42["msg","12","hello"]"#),
            Incoming::Delivery {
                body: "hello".into(),
                stored: None
            }
        );
        assert!(matches!(parse("43[]"), Incoming::Error(_)));
        assert!(matches!(parse("42[1]"), Incoming::Error(_)));
        assert_eq!(parse("40{\"sid\":\"x\"}"), Incoming::Other);
    }
}
