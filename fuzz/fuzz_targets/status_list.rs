//! Fuzz target `status_list`: bytes as a Status List Token, through the
//! strict reader (`SignedStatusList::from_slice`) and the lenient one
//! (`ForeignStatusList::from_slice`), then a few lookups. The seed corpus
//! (`fuzz/corpus/status_list/`, committed by hand) holds a 2^17-entry token
//! of ours made by `examples/status_list.rs`, the draft's CWT example, and
//! broken variants (truncated, trailing byte, bad signature, a zlib bomb in
//! `lst`, bytes after the zlib stream, 1 bit, `kid` unprotected, a licence,
//! a seal record). `tests/fuzz_corpus.rs` replays the corpus.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::status_list(data));
