//! Fuzz targets for what an attacker controls: wire frames, tokens, REST requests and
//! the sequence of frames on one WebSocket session.
//!
//! Each target is a plain function of the input bytes, so that libFuzzer drives it
//! (`fuzz_targets/`, nightly, `cargo fuzz run`) and the stable test suite replays the
//! corpora and the inputs that once failed (`tests/replay.rs`). A target panics when it
//! finds a bug: a crash, a server error (5xx, `internal`, close 1011), or a broken
//! property such as a frame that does not survive encode → decode.

pub mod protocol_frames;
pub mod rest_requests;
pub mod session_frames;
mod sut;
pub mod tokens;
