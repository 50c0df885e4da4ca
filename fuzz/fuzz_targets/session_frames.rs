//! cargo-fuzz entry point; the target itself is `chat_fuzz::session_frames`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| chat_fuzz::session_frames::run(data));
