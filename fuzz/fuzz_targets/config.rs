#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| session_cookie_fuzz::config::run(data));
