//! Fuzz target `pdf_reader`: the checks are `checks::pdf_reader` in `fuzz/checks.rs`,
//! which `tests/fuzz_corpus.rs` also runs over the committed corpus.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::pdf_reader(data));
