//! Replays the fuzz corpora (`fuzz/corpus/<target>/`, and
//! `fuzz/artifacts/<target>/` when a fuzzing run has left reproducers there)
//! through the same checks the fuzz targets run (`fuzz/checks.rs`), so every
//! `cargo test` keeps what fuzzing has found.
//!
//! `ELICENCE_WRITE_SEEDS=1 cargo test --test fuzz_corpus write_seeds` rewrites
//! the generated seed files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../fuzz/checks.rs"]
mod checks;

use std::fs;
use std::panic::catch_unwind;
use std::path::{Path, PathBuf};

use elicence::{Licence, QrBase, SignedLicence, SigningKey, UnixTime, qr};

/// A fuzz target's check.
type Check = fn(&[u8]);

/// Each fuzz target (a directory name under `corpus/` and `artifacts/`) and its check.
const TARGETS: [(&str, Check); 4] = [
    ("envelope", checks::envelope),
    ("qr_text", checks::qr_text),
    ("licence_json", checks::licence_json),
    ("ident", checks::ident),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Regular files in `dir`, sorted by name; none if it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn corpora_replay_without_failures() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for root in ["corpus", "artifacts"] {
        let Ok(entries) = fs::read_dir(fuzz_dir().join(root)) else {
            continue;
        };
        for entry in entries {
            let dir = entry.expect("readable directory entry").path();
            if !dir.is_dir() {
                continue;
            }
            let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let Some(&(_, check)) = TARGETS.iter().find(|(t, _)| *t == name) else {
                panic!("{} is not a fuzz target's directory", dir.display());
            };
            for file in files_in(&dir) {
                let data = fs::read(&file).expect("readable corpus file");
                replayed += 1;
                if catch_unwind(|| check(&data)).is_err() {
                    failures.push(file.display().to_string());
                }
            }
        }
    }
    assert!(
        replayed > 0,
        "no corpus files found under {}",
        fuzz_dir().display()
    );
    assert!(
        failures.is_empty(),
        "{} of {replayed} inputs fail their fuzz check:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn seed_corpus_is_present() {
    for (target, _) in TARGETS {
        let dir = fuzz_dir().join("corpus").join(target);
        assert!(
            !files_in(&dir).is_empty(),
            "{} is empty: run ELICENCE_WRITE_SEEDS=1 cargo test --test fuzz_corpus write_seeds",
            dir.display()
        );
    }
}

#[test]
fn every_fuzz_target_has_a_check() {
    let targets = files_in(&fuzz_dir().join("fuzz_targets"));
    assert!(!targets.is_empty());
    for file in targets {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert!(
            TARGETS.iter().any(|(t, _)| *t == stem),
            "fuzz target {stem} is not replayed here"
        );
    }
}

/// Writes the generated seeds (only with `ELICENCE_WRITE_SEEDS=1`): the example
/// licences, signed with the RFC 8032 test-1 key at a fixed time, as envelopes
/// and as QR text, with broken variants of each; and identifier strings.
#[test]
fn write_seeds() {
    if std::env::var_os("ELICENCE_WRITE_SEEDS").is_none_or(|v| v != "1") {
        return;
    }
    let corpus = fuzz_dir().join("corpus");
    let write = |target: &str, name: &str, data: &[u8]| {
        let dir = corpus.join(target);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(name), data).unwrap();
    };

    let key = SigningKey::from_seed(&checks::RFC8032_TEST1_SEED);
    let at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap();
    let base = QrBase::default();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/licences");
    for path in files_in(&examples) {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap()
            .to_owned();
        let json = fs::read_to_string(&path).unwrap();
        write("licence_json", &format!("{stem}.json"), json.as_bytes());

        let licence = Licence::from_json(&json).unwrap();
        let signed = SignedLicence::sign(licence, &key, at).unwrap();
        let bytes = signed.as_bytes();
        write("envelope", &format!("{stem}.cose"), bytes);
        write(
            "envelope",
            &format!("{stem}-truncated.cose"),
            bytes.get(..bytes.len() / 2).unwrap(),
        );
        write(
            "envelope",
            &format!("{stem}-short-by-1.cose"),
            bytes.get(..bytes.len() - 1).unwrap(),
        );
        write(
            "envelope",
            &format!("{stem}-trailing.cose"),
            &[bytes, &[0]].concat(),
        );
        let mut flipped = bytes.to_vec();
        *flipped.last_mut().unwrap() ^= 1;
        write("envelope", &format!("{stem}-bad-signature.cose"), &flipped);

        let text = qr::to_qr_text(&signed, &base);
        let digits = text.trim_start_matches(base.as_str());
        write("qr_text", &format!("{stem}.txt"), text.as_bytes());
        write(
            "qr_text",
            &format!("{stem}-digits-only.txt"),
            digits.as_bytes(),
        );
        write(
            "qr_text",
            &format!("{stem}-other-base.txt"),
            format!("ELICENCE:{digits}").as_bytes(),
        );
        write(
            "qr_text",
            &format!("{stem}-short-by-1.txt"),
            text.as_bytes().get(..text.len() - 1).unwrap(),
        );
        let mut bad = String::from(base.as_str());
        qr::push_digits(&mut bad, &flipped);
        write(
            "qr_text",
            &format!("{stem}-bad-signature.txt"),
            bad.as_bytes(),
        );
    }
    write(
        "qr_text",
        "block-out-of-range.txt",
        format!("{}99999999999999999", base.as_str()).as_bytes(),
    );

    let idents = [
        ("uscc", "91110000600037341L"),
        ("uscc-bad-check", "91110000600037341X"),
        ("resident-x", "11010519491231002X"),
        ("resident-lower-x", "11010519491231002x"),
        ("resident", "360426199101010071"),
        ("resident-bad-date", "360426199102300071"),
        ("type-code", "11100000000013338W011"),
        ("type-code-short", "11100000000013338W01"),
        (
            "identifier",
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
        ),
        (
            "identifier-bad-check",
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.V",
        ),
        ("date", "2024-05-06"),
        ("date-feb-30", "2024-02-30"),
        ("date-short", "2024-5-6"),
        ("time", "2026-11-22T05:38:48+08:00"),
        ("time-utc-fraction", "2026-11-22T05:38:48.123z"),
        ("time-leap-second", "2016-12-31T23:59:60Z"),
        ("time-year-1-east", "0001-01-01T00:00:00+08:00"),
        ("time-year-9999-west", "9999-12-31T23:59:59-08:00"),
    ];
    for (name, text) in idents {
        write("ident", &format!("{name}.txt"), text.as_bytes());
    }
}

/// The generated seeds are genuine, so fuzzing starts from inputs that reach
/// signature verification and the validity checks.
#[test]
fn generated_seeds_verify() {
    let c = checks::ctx();
    for name in ["business-licence", "driving-licence", "health-permit"] {
        let path = fuzz_dir()
            .join("corpus/qr_text")
            .join(format!("{name}.txt"));
        let text = fs::read_to_string(&path).unwrap();
        let verdict = c.verifier.verify_qr_text(&text, c.at);
        assert!(verdict.is_valid(), "{}: {verdict}", path.display());
    }
}
