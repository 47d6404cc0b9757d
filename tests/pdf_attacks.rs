//! Attacks on sealed licence PDFs, each judged by the library's one policy
//! call (`PdfVerifier::verify`) and required to be refused with its reason
//! codes; positive controls required to be valid. The generator is
//! `tests/support/attacks.rs` and its modules, one per published attack
//! class on PDF signatures (incremental saving, shadow hide/replace,
//! signature wrapping and universal forgery, evil annotations, …), as a
//! co-signer holding another authority's valid seal key or a stranger
//! would build them.
//!
//! `write_attack_corpus` (ignored) writes every case to `$ATTACK_DIR`
//! (default `target/pdf-attacks/`) as `NAME.pdf`, with `expected.tsv`:
//! `name` TAB `codes`, where codes is `valid`, or the codes that must all
//! be there, comma-separated, the last item possibly `a|b` (one of them).
//! CI scripts run the command-line tool and poppler over it:
//! `cargo test --test pdf_attacks --all-features -- --ignored write_attack_corpus`.

#![cfg(all(feature = "embedded-font", feature = "seal-pdf", feature = "ca"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/attacks.rs"]
mod attacks;

use attacks::world::{NOW, at, world};

#[test]
fn every_attack_is_refused_with_its_reason_and_the_controls_hold() {
    let w = world();
    let now = at(NOW);
    let cases = attacks::cases();
    let mut wrong = Vec::new();
    for case in &cases {
        // Each verify must return (the harness's timeout bounds it).
        let verdict = w.verifier.verify(&case.pdf, now);
        let codes = verdict.codes();
        if !case.expect.holds(verdict.is_valid(), &codes) {
            wrong.push(format!(
                "{}: got {} {codes:?}, expected {}",
                case.name,
                if verdict.is_valid() {
                    "valid"
                } else {
                    "refused"
                },
                case.expect.to_field()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_corpus_is_large_and_its_names_are_unique() {
    let cases = attacks::cases();
    let attacks = cases
        .iter()
        .filter(|c| !matches!(c.expect, attacks::Expect::Valid))
        .count();
    assert!(attacks >= 40, "{attacks} attacks");
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "a name is used twice");
}

/// Writes every case to `$ATTACK_DIR` (default `target/pdf-attacks`) as
/// `NAME.pdf`, and `expected.tsv`.
#[test]
#[ignore]
fn write_attack_corpus() {
    let dir = std::env::var("ATTACK_DIR").unwrap_or_else(|_| "target/pdf-attacks".into());
    std::fs::create_dir_all(&dir).unwrap();
    let (w, now) = (world(), at(NOW));
    let mut expected = String::new();
    for case in attacks::cases() {
        let verdict = w.verifier.verify(&case.pdf, now);
        let reasons: Vec<String> = verdict
            .reasons()
            .iter()
            .map(ToString::to_string)
            .chain(verdict.seals().iter().filter_map(|s| {
                let failure = s.status.as_ref().err()?;
                Some(format!("revision {}: {failure}", s.revision))
            }))
            .collect();
        println!(
            "{}\t{}\t{:?}\t{}",
            case.name,
            case.expect.to_field(),
            verdict.codes(),
            reasons.join("; ")
        );
        std::fs::write(format!("{dir}/{}.pdf", case.name), &case.pdf).unwrap();
        expected.push_str(&format!("{}\t{}\n", case.name, case.expect.to_field()));
    }
    std::fs::write(format!("{dir}/expected.tsv"), expected).unwrap();
}
