//! Fuzz target `log_receipt`: UTF-8 as a tlog-proof receipt
//! (`Receipt::from_text`), then `Receipt::verify` and
//! `verify_licence_receipt`. The seeds (`fuzz/corpus/log_receipt/`, committed
//! by hand) are made by the log's own code, valid and broken;
//! `tests/fuzz_corpus.rs` replays them.

#![no_main]

#[path = "log_checks/mod.rs"]
mod log_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| log_checks::receipt(data));
