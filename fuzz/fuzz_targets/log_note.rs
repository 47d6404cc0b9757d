//! Fuzz target `log_note`: UTF-8 as a signed note (`note::open` with the
//! seeds' log key and a witness key), a checkpoint and a verifier key. The
//! seeds (`fuzz/corpus/log_note/`, committed by hand) are made by the log's
//! own code, valid and broken; `tests/fuzz_corpus.rs` replays them.

#![no_main]

#[path = "log_checks/mod.rs"]
mod log_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| log_checks::note(data));
