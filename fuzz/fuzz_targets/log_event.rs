//! Fuzz target `log_event`: bytes as a log leaf (`LogEvent::from_leaf`). The
//! seeds (`fuzz/corpus/log_event/`, committed by hand) are made by the log's
//! own code, valid and broken; `tests/fuzz_corpus.rs` replays them.

#![no_main]

#[path = "log_checks/mod.rs"]
mod log_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| log_checks::event(data));
