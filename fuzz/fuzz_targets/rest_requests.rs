//! cargo-fuzz entry point; the target itself is `chat_fuzz::rest_requests`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| chat_fuzz::rest_requests::run(data));
