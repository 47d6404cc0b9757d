//! Fuzz target `log_tiles`: bytes as a tile path, an entry bundle, and sizes
//! and hashes for the proof verifiers. The seeds (`fuzz/corpus/log_tiles/`,
//! committed by hand) are made by the log's own code, valid and broken;
//! `tests/fuzz_corpus.rs` replays them.

#![no_main]

#[path = "log_checks/mod.rs"]
mod log_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| log_checks::tiles(data));
