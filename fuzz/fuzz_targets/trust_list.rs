//! Fuzz target `trust_list`: the checks are `checks::trust_list` in
//! `fuzz/checks.rs`, which `tests/fuzz_corpus.rs` also runs over the
//! committed corpus (the demo's trust lists and broken variants).

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::trust_list(data));
