//! Fuzz target `sealed_pdf`: the checks are `checks::sealed_pdf` in `fuzz/checks.rs`,
//! which `tests/fuzz_corpus.rs` also runs over the committed corpus. The
//! strict reader has no panics to catch: any panic is a crash.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::sealed_pdf(data));
