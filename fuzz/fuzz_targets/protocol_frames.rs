//! cargo-fuzz entry point; the target itself is `chat_fuzz::protocol_frames`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| chat_fuzz::protocol_frames::run(data));
