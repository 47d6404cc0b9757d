//! Judges licence PDFs with the library's one policy call and prints, for
//! each, the verdict's codes and the time it took: the measuring tool for
//! the reader's bounds (`.ci/pdf_bounds.sh` runs it under a memory limit
//! over the attack corpus, one process per file, and reads its peak memory).
//!
//! Usage: `verify_pdf ROOTS.pem AT FILE...`, AT as RFC 3339.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use elicence::seal::pdf::{PdfVerifier, verify_licence_pdf};
use elicence::{TrustStore, UnixTime};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, roots, at, files @ ..] = args.as_slice() else {
        eprintln!("usage: verify_pdf ROOTS.pem AT FILE...");
        std::process::exit(2);
    };
    let mut store = TrustStore::new();
    assert!(store.load_roots(&std::fs::read(roots).unwrap()).added > 0);
    // Bounds, not status: without status lists a status reference only warns.
    let verifier = PdfVerifier::new(store).with_licence_verifier(
        elicence::Verifier::new([]).with_status_policy(elicence::verify::StatusPolicy::Warn),
    );
    let at = UnixTime::parse_rfc3339(at).unwrap();
    for file in files {
        let bytes = std::fs::read(file).unwrap();
        let started = Instant::now();
        let verdict = verify_licence_pdf(&bytes, &verifier, at);
        let elapsed = started.elapsed();
        let codes = verdict.codes();
        let first = verdict
            .reasons()
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        println!(
            "{file}\t{}\t{}\t{:.1} ms\t{first}",
            if verdict.is_valid() {
                "valid"
            } else {
                "refused"
            },
            if codes.is_empty() {
                "-".to_owned()
            } else {
                codes.join(",")
            },
            elapsed.as_secs_f64() * 1000.0
        );
    }
}
