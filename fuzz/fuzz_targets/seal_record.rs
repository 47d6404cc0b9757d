//! Fuzz target `seal_record`: the checks are `checks::seal_record` in
//! `fuzz/checks.rs`, which `tests/fuzz_corpus.rs` also runs over the committed
//! corpus.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::seal_record(data));
