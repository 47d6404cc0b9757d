//! Fuzz target `c_abi_verify`: the verify entry points of the C ABI; the
//! checks are `checks::c_abi_verify` in `fuzz/checks.rs`, which
//! `tests/fuzz_corpus.rs` also runs over the committed corpus. Needs the
//! fuzz crate's `ffi` feature:
//! `cargo fuzz run --features ffi c_abi_verify`.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::c_abi_verify(data));
