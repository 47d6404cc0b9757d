//! Fuzz target `licence_pdf`: the checks are `checks::licence_pdf` in `fuzz/checks.rs`,
//! which `tests/fuzz_corpus.rs` also runs over the committed corpus.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::licence_pdf(data));
