//! Fuzz target `sealed_pdf`: the checks are `checks::sealed_pdf` in `fuzz/checks.rs`,
//! which `tests/fuzz_corpus.rs` also runs over the committed corpus.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(
    // libfuzzer-sys's panic hook aborts on every panic, even one that is
    // caught. `check_sealed_pdf` catches lopdf's panics and returns an
    // error, which is the behaviour under test, so the hook here only prints:
    // a panic that escapes the check still aborts (libfuzzer-sys aborts when
    // the closure unwinds), and is reported as a crash.
    init: std::panic::set_hook(Box::new(|info| eprintln!("{info}"))),
    |data: &[u8]| checks::sealed_pdf(data)
);
