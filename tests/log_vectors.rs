//! Known answers for the transparency log (`elicence::log`):
//!
//! - all 518 Merkle proof cases of transparency-dev/merkle
//!   (`test-vectors/merkle/testdata/`): inclusion, consistency, subtree
//!   inclusion and subtree consistency proofs, the valid ones accepted and
//!   every broken one refused;
//! - the examples of the C2SP specifications (`test-vectors/c2sp/`): the
//!   signed-note verifier key, its note and key hash, the checkpoint and
//!   cosigned checkpoint, the tlog-proof example and the tile path example;
//! - the leaf example of `test-vectors/FORMAT.md`, section 15.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::path::{Path, PathBuf};

use base64ct::{Base64, Encoding};
use elicence::log::checkpoint::{Checkpoint, sign_checkpoint};
use elicence::log::event::LogEvent;
use elicence::log::note::{self, NoteError, NoteSigner, NoteVerifier};
use elicence::log::receipt::{Receipt, ReceiptError};
use elicence::log::tiles::{parse_tile_path, tile_path};
use elicence::log::{self, CheckpointError, Hash, ProofError};
use elicence::{SigningKey, UnixTime};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors")
}

/// Every `.json` file under `dir`, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A root field. Roots that are not 32 bytes (empty, truncated or
/// extended ones, and the placeholder "don't care" roots of the
/// additional cases, some of them in valid cases where the sizes are equal
/// and only equality matters) cannot be a [`Hash`]; they are mapped to one
/// by SHA-256 under a label, which keeps equal values equal and different
/// values different, so that the verifier — not the harness — has to
/// refuse each broken case. (Leaf and proof hashes of another length are
/// refused before: they are not hashes at all.)
fn hash(v: &Value) -> Hash {
    let bytes = Base64::decode_vec(v.as_str().unwrap()).unwrap();
    match <Hash>::try_from(bytes.as_slice()) {
        Ok(h) => h,
        Err(_) => {
            let mut h = Sha256::new();
            h.update(b"not a 32-byte hash:");
            h.update(&bytes);
            h.finalize().into()
        }
    }
}

fn is_32_bytes(v: &Value) -> bool {
    Base64::decode_vec(v.as_str().unwrap()).unwrap().len() == 32
}

fn proof(v: &Value) -> (Vec<Hash>, bool) {
    match v {
        Value::Null => (Vec::new(), true),
        Value::Array(items) => (
            items.iter().map(hash).collect(),
            items.iter().all(is_32_bytes),
        ),
        other => panic!("proof {other}"),
    }
}

fn uint(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn all_518_merkle_cases() {
    let root = vectors().join("merkle/testdata");
    let mut total = 0;
    let mut refused = 0;
    let mut wrong = Vec::new();
    let mut counts = Vec::new();
    for kind in [
        "inclusion",
        "consistency",
        "subtreeinclusion",
        "subtreeconsistency",
    ] {
        let files = json_files(&root.join(kind));
        counts.push((kind, files.len()));
        for file in files {
            let case: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
            let want_err = case["wantErr"].as_bool().unwrap();
            let (p, proof_ok) = proof(&case["proof"]);
            let leaf_ok = case.get("leafHash").is_none_or(is_32_bytes);
            total += 1;
            let name = file.strip_prefix(&root).unwrap().display().to_string();
            if !(proof_ok && leaf_ok) {
                // Not a `Hash`: refused as input, as Go's verifier refuses a
                // leaf hash of the wrong size.
                assert!(want_err, "{name}");
                refused += 1;
                continue;
            }
            let result: Result<(), ProofError> = match kind {
                "inclusion" => log::verify_inclusion(
                    uint(&case, "leafIdx"),
                    uint(&case, "treeSize"),
                    &hash(&case["leafHash"]),
                    &p,
                    &hash(&case["root"]),
                ),
                "consistency" => log::verify_consistency(
                    uint(&case, "size1"),
                    uint(&case, "size2"),
                    &p,
                    &hash(&case["root1"]),
                    &hash(&case["root2"]),
                ),
                "subtreeinclusion" => log::verify_subtree_inclusion(
                    uint(&case, "leafIdx"),
                    uint(&case, "start"),
                    uint(&case, "end"),
                    &hash(&case["leafHash"]),
                    &p,
                    &hash(&case["root"]),
                ),
                _ => log::verify_subtree_consistency(
                    uint(&case, "start"),
                    uint(&case, "end"),
                    uint(&case, "size"),
                    &p,
                    &hash(&case["root1"]),
                    &hash(&case["root2"]),
                ),
            };
            match (want_err, result) {
                (true, Err(e)) => {
                    refused += 1;
                    assert!(!e.code().is_empty());
                }
                (false, Ok(())) => {}
                (true, Ok(())) => wrong.push(format!("{name}: accepted a broken case")),
                (false, Err(e)) => wrong.push(format!("{name}: refused a valid case: {e}")),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {total} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(
        counts,
        [
            ("inclusion", 98),
            ("consistency", 98),
            ("subtreeinclusion", 204),
            ("subtreeconsistency", 118)
        ]
    );
    assert_eq!(total, 518);
    assert_eq!(refused, 92 + 92 + 192 + 106);
}

fn c2sp(name: &str) -> String {
    fs::read_to_string(vectors().join("c2sp").join(name)).unwrap()
}

/// Each example file is the specification's own text, verbatim.
#[test]
fn c2sp_examples_are_the_specifications_own() {
    for (example, spec) in [
        ("signed-note-quasimodo.note", "signed-note.md"),
        ("signed-note-example-foo.note", "signed-note.md"),
        ("signed-note-example-foo.vkey", "signed-note.md"),
        ("tlog-checkpoint-example.note", "tlog-checkpoint.md"),
        ("tlog-cosignature-example.note", "tlog-cosignature.md"),
        ("tlog-proof-example.tlog-proof", "tlog-proof.md"),
    ] {
        let text = c2sp(example);
        let text = text.trim_end();
        assert!(c2sp(spec).contains(text), "{example} is not in {spec}");
    }
}

#[test]
fn signed_note_example_verifies() {
    let vkey = c2sp("signed-note-example-foo.vkey");
    let verifier: NoteVerifier = vkey.trim_end().parse().unwrap();
    assert_eq!(verifier.name(), "example.com/foo");
    assert_eq!(verifier.key_hash(), [0x53, 0x0d, 0x90, 0x3a]);
    assert_eq!(verifier.to_string(), vkey.trim_end());
    assert_eq!(
        note::key_hash("example.com/foo", verifier.public_key()),
        verifier.key_hash()
    );
    let example = c2sp("signed-note-example-foo.note");
    let opened = note::open(&example, std::slice::from_ref(&verifier)).unwrap();
    assert_eq!(opened.text(), "This is an example message.\n");
    assert_eq!(opened.signers(), ["example.com/foo"]);
    // One changed byte of text or signature.
    assert!(matches!(
        note::open(
            &example.replace("example message", "example massage"),
            std::slice::from_ref(&verifier)
        ),
        Err(NoteError::BadSignature { .. })
    ));
    let tampered = example.replace("Uw2QOkn8", "Uw2QOkn9");
    assert!(matches!(
        note::open(&tampered, std::slice::from_ref(&verifier)),
        Err(NoteError::BadSignature { .. })
    ));
    // The same key under another name, and another key under the same
    // name, are other keys: their signatures are not looked at.
    let renamed = NoteVerifier::new("example.com/bar", *verifier.public_key()).unwrap();
    assert_eq!(
        note::open(&example, &[renamed]),
        Err(NoteError::NoKnownSignature)
    );
    let other = NoteSigner::new("example.com/foo", SigningKey::from_seed(&[1; 32])).unwrap();
    assert_eq!(
        note::open(&example, &[other.verifier()]),
        Err(NoteError::NoKnownSignature)
    );

    // The other example: text with a blank line in it, signed by a key we
    // do not have. Its form is sound (no `malformed_note`), its key hash is
    // the signature's first four bytes.
    let quasimodo = c2sp("signed-note-quasimodo.note");
    assert_eq!(
        note::open(&quasimodo, &[verifier]),
        Err(NoteError::NoKnownSignature)
    );
    let blob = quasimodo.trim_end().rsplit(' ').next().unwrap();
    let raw = Base64::decode_vec(blob).unwrap();
    assert_eq!((raw.len(), &raw[..4]), (68, &[0x36, 0x7b, 0xa0, 0x4b][..]));
    // A signer of ours reproduces its form: the text is everything before
    // the last blank line.
    let text = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n";
    assert!(quasimodo.starts_with(&format!("{text}\n— quasimodo.example/salvatore ")));
    let ours = NoteSigner::new(
        "quasimodo.example/salvatore",
        SigningKey::from_seed(&[2; 32]),
    )
    .unwrap();
    let signed = ours.sign(text).unwrap();
    assert_eq!(
        note::open(&signed, &[ours.verifier()]).unwrap().text(),
        text
    );
}

#[test]
fn checkpoint_examples_parse() {
    let example = c2sp("tlog-checkpoint-example.note");
    let cosigned = c2sp("tlog-cosignature-example.note");
    let (text, _) = example.split_once("\n\n").unwrap();
    let text = format!("{text}\n");
    let cp = Checkpoint::from_note_text(&text).unwrap();
    assert_eq!(cp.origin, "example.com/behind-the-sofa");
    assert_eq!(cp.size, 20_852_163);
    assert_eq!(
        cp.root.to_vec(),
        Base64::decode_vec("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=").unwrap()
    );
    assert!(cp.extensions.is_empty());
    assert_eq!(cp.to_note_text(), text);
    assert!(cosigned.starts_with(&example));

    // Unknown keys: both notes are sound, and say nothing.
    let stranger = NoteSigner::new(
        "example.com/behind-the-sofa",
        SigningKey::from_seed(&[3; 32]),
    )
    .unwrap()
    .verifier();
    for note in [&example, &cosigned] {
        assert_eq!(
            log::open_checkpoint(note, &stranger),
            Err(CheckpointError::Note(NoteError::NoKnownSignature))
        );
    }
    // The same checkpoint signed by a key of ours, with the example's
    // witness cosignature (type 0x04, 8-byte timestamp and signature) and
    // the example log signature after it: both skipped.
    let log = NoteSigner::new(
        "example.com/behind-the-sofa",
        SigningKey::from_seed(&[3; 32]),
    )
    .unwrap();
    let ours = sign_checkpoint(&cp, &log).unwrap();
    let foreign_lines = cosigned.split_once("\n\n").unwrap().1;
    let witness_blob = Base64::decode_vec(
        foreign_lines
            .lines()
            .nth(1)
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(witness_blob.len(), 4 + 8 + 64);
    let combined = format!("{ours}{foreign_lines}");
    assert_eq!(log::open_checkpoint(&combined, &log.verifier()), Ok(cp));
}

#[test]
fn tlog_proof_example() {
    let example = c2sp("tlog-proof-example.tlog-proof");
    // The specification elides its signatures ("hI2DJw[...]1roloI="): not a
    // note, so not a receipt.
    assert!(matches!(
        Receipt::from_text(&example),
        Err(ReceiptError::Checkpoint(CheckpointError::Note(
            NoteError::Malformed { .. }
        )))
    ));
    // With the checkpoint signed for real, it reads.
    let (head, checkpoint) = example.split_once("\n\nexample.com/fancylog\n").unwrap();
    let cp_text = format!(
        "example.com/fancylog\n{}",
        checkpoint.split_once("\n\n").unwrap().0
    );
    let cp = Checkpoint::from_note_text(&format!("{cp_text}\n")).unwrap();
    assert_eq!(
        (cp.origin.as_str(), cp.size),
        ("example.com/fancylog", 109_482)
    );
    let signer = NoteSigner::new("example.com/fancylog", SigningKey::from_seed(&[4; 32])).unwrap();
    let signed = sign_checkpoint(&cp, &signer).unwrap();
    let text = format!("{head}\n\n{signed}");
    let receipt = Receipt::from_text(&text).unwrap();
    assert_eq!(receipt.index, 73_894);
    assert_eq!(receipt.proof.len(), 5);
    assert_eq!(
        receipt.extra.as_deref().map(|e| &e[..30]),
        Some(&b"age-v1.2.1-darwin-arm64.tar.gz"[..])
    );
    assert_eq!(receipt.checkpoint, signed);
    assert_eq!(receipt.to_text(), text);
    // Five hashes cannot place leaf 73,894 in a tree of 109,482.
    assert!(matches!(
        receipt.verify(&signer.verifier(), &log::leaf_hash(b"age")),
        Err(ReceiptError::Proof(ProofError::WrongLength { len: 5, .. }))
    ));
}

#[test]
fn tlog_tiles_path_example() {
    let spec = c2sp("tlog-tiles.md")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(spec.contains("index 1234067 will be encoded as `x001/x234/067`"));
    assert_eq!(tile_path(0, 1_234_067, 256), "tile/0/x001/x234/067");
    assert_eq!(
        parse_tile_path("tile/0/x001/x234/067").unwrap().index(),
        1_234_067
    );
    assert!(spec.contains("a tree of size 70,000 will be represented by 273 full level 0"));
}

/// The leaf example of FORMAT.md section 15 is what the code writes, and
/// decodes to the event the section describes.
#[test]
fn format_leaf_example() {
    let format = fs::read_to_string(vectors().join("FORMAT.md")).unwrap();
    let section = format
        .split_once("## 15. Transparency log")
        .expect("section 15")
        .1;
    let block = section
        .split_once("```hex\n")
        .unwrap()
        .1
        .split_once("```")
        .unwrap()
        .0;
    let hex: String = block
        .lines()
        .map(|l| l.split(';').next().unwrap())
        .flat_map(|l| l.split_whitespace())
        .collect();
    let leaf = hex_decode(&hex);
    let event = LogEvent::from_leaf(&leaf).unwrap();
    let LogEvent::Issuance {
        at,
        identifier,
        authority,
        envelope_sha256,
        status,
    } = &event
    else {
        panic!("{event:?}")
    };
    assert_eq!(
        *at,
        UnixTime::parse_rfc3339("2026-01-01T08:00:00+08:00").unwrap()
    );
    assert_eq!(
        identifier,
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
    );
    assert_eq!(authority.as_str(), "11430000006122244L");
    assert_eq!(envelope_sha256, &[0xab; 32]);
    assert_eq!(status.map(|s| (s.list, s.index)), Some((1, 4821)));
    assert_eq!(event.to_leaf(), leaf);
    let leaf_hash = hex_encode(&event.leaf_hash());
    assert!(section.contains(&leaf_hash), "leaf hash {leaf_hash}");
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// The fuzz seeds that should reach verification do: the valid receipt
/// and the cosigned checkpoint are signed by the seeds' log key.
#[test]
fn fuzz_seeds_reach_verification() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let log = NoteSigner::new("log.example/licences", SigningKey::from_seed(&[0x4c; 32])).unwrap();
    let witness = NoteSigner::new("witness.example", SigningKey::from_seed(&[0x57; 32])).unwrap();
    let text = fs::read_to_string(corpus.join("log_receipt/issuance.tlog-proof")).unwrap();
    let receipt = Receipt::from_text(&text).unwrap();
    let leaf = receipt.extra.clone().unwrap();
    assert!(matches!(
        LogEvent::from_leaf(&leaf),
        Ok(LogEvent::Issuance { .. })
    ));
    let cp = receipt
        .verify(&log.verifier(), &log::leaf_hash(&leaf))
        .unwrap();
    assert_eq!(cp.size, 305);
    let note_text = fs::read_to_string(corpus.join("log_note/checkpoint-cosigned.note")).unwrap();
    let opened = note::open(&note_text, &[log.verifier(), witness.verifier()]).unwrap();
    assert_eq!(
        opened.signers(),
        ["log.example/licences", "witness.example"]
    );
    let other = fs::read_to_string(corpus.join("log_receipt/other-index.tlog-proof")).unwrap();
    let other = Receipt::from_text(&other).unwrap();
    assert!(
        other
            .verify(&log.verifier(), &log::leaf_hash(&leaf))
            .is_err()
    );
}
