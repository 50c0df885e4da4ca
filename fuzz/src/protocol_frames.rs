//! Frame decoding: any text either decodes to a frame that survives encode → decode
//! unchanged, or fails with an error that says why, for both directions.

use chat_protocol::v1::{ClientFrame, DecodeError, ServerFrame};

/// One input: the text of a WebSocket frame.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match ClientFrame::decode(text) {
        Ok(frame) => {
            let again = ClientFrame::decode(&frame.encode())
                .unwrap_or_else(|e| panic!("{frame:?} does not re-decode: {e}"));
            assert_eq!(frame, again, "client frame changed in a round trip");
            assert!(!frame.type_name().is_empty());
        }
        Err(error) => {
            assert!(!error.to_string().is_empty(), "an error must say why");
            if let DecodeError::InvalidFields { frame_type, .. } = &error {
                assert!(
                    !frame_type.is_empty(),
                    "invalid fields of a frame without a type"
                );
            }
        }
    }
    if let Ok(frame) = ServerFrame::decode(text) {
        let again = ServerFrame::decode(&frame.encode())
            .unwrap_or_else(|e| panic!("{frame:?} does not re-decode: {e}"));
        assert_eq!(frame, again, "server frame changed in a round trip");
    }
}
