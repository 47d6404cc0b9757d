//! The properties the `log_*` fuzz targets check, shared by the targets
//! (`fuzz/fuzz_targets/log_*.rs`) and by the corpus replay in the root crate
//! (`tests/fuzz_corpus.rs`), both through `#[path]`.
//!
//! Every function takes the raw fuzz input, must never panic on its own, and
//! asserts only what `elicence::log` promises for the inputs it accepts:
//! that its readers are strict (what they accept, written back, is the
//! input byte for byte) and that verification never panics.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::LazyLock;

use elicence::SigningKey;
use elicence::log::checkpoint::{Checkpoint, open_checkpoint};
use elicence::log::event::LogEvent;
use elicence::log::note::{self, NoteSigner, NoteVerifier};
use elicence::log::receipt::{Receipt, verify_licence_receipt};
use elicence::log::tiles::{entry_bundle, parse_entry_bundle, parse_tile_path};
use elicence::log::{self, Hash};

/// The name of the log whose key signs the seeds.
pub const LOG_NAME: &str = "log.example/licences";
/// The seed of that key.
pub const LOG_SEED: [u8; 32] = [0x4c; 32];

/// The seeds' log key, and a second key a note may also be signed by.
pub struct LogCtx {
    /// Signs the seeds' checkpoints.
    pub signer: NoteSigner,
    /// Its verifier and a witness's.
    pub verifiers: Vec<NoteVerifier>,
}

/// The shared keys.
pub fn log_ctx() -> &'static LogCtx {
    static CTX: LazyLock<LogCtx> = LazyLock::new(|| {
        let signer = NoteSigner::new(LOG_NAME, SigningKey::from_seed(&LOG_SEED)).unwrap();
        let witness =
            NoteSigner::new("witness.example", SigningKey::from_seed(&[0x57; 32])).unwrap();
        LogCtx {
            verifiers: vec![signer.verifier(), witness.verifier()],
            signer,
        }
    });
    &CTX
}

/// `log_note`: UTF-8 as a signed note, a checkpoint, a verifier key.
///
/// An opened note's text is a prefix of the input ending in a newline and
/// at least one known key signed it; a checkpoint read from it writes back
/// to the same text; a verifier key that parses prints back as the input.
pub fn note(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let c = log_ctx();
    if let Ok(opened) = note::open(text, &c.verifiers) {
        assert!(text.starts_with(opened.text()));
        assert!(opened.text().ends_with('\n'));
        assert!(!opened.signers().is_empty());
        assert!(
            opened
                .signers()
                .iter()
                .all(|s| c.verifiers.iter().any(|v| v.name() == s))
        );
        if let Ok(cp) = Checkpoint::from_note_text(opened.text()) {
            assert_eq!(cp.to_note_text(), opened.text());
        }
    }
    if let Ok(cp) = open_checkpoint(text, &c.verifiers[0]) {
        assert_eq!(cp.origin, LOG_NAME);
    }
    if let Ok(cp) = Checkpoint::from_note_text(text) {
        assert_eq!(cp.to_note_text(), text);
    }
    if let Ok(v) = text.parse::<NoteVerifier>() {
        assert_eq!(v.to_string(), text);
    }
}

/// `log_receipt`: UTF-8 as a tlog-proof receipt.
///
/// An accepted receipt writes back to the input byte for byte; verifying it
/// (for the leaf in its `extra` line, and as a licence receipt for an
/// envelope in the same line) never panics, and a receipt that verifies
/// has its index inside the checkpoint's tree.
pub fn receipt(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(receipt) = Receipt::from_text(text) else {
        return;
    };
    assert_eq!(receipt.to_text(), text, "a receipt has one text");
    let c = log_ctx();
    let extra = receipt.extra.clone().unwrap_or_default();
    if let Ok(cp) = receipt.verify(&c.verifiers[0], &log::leaf_hash(&extra)) {
        assert!(receipt.index < cp.size);
        assert_eq!(cp.origin, LOG_NAME);
    }
    let _ = verify_licence_receipt(&extra, &receipt, &c.verifiers[0]);
}

/// `log_event`: bytes as a log leaf.
///
/// An accepted leaf is the one encoding of its event: writing the event
/// gives the input back, and its leaf hash is the input's.
pub fn event(data: &[u8]) {
    let Ok(event) = LogEvent::from_leaf(data) else {
        return;
    };
    assert_eq!(event.to_leaf(), data, "a leaf has one encoding");
    assert_eq!(event.leaf_hash(), log::leaf_hash(data));
    assert!(!event.kind().is_empty());
}

/// `log_tiles`: bytes as a tile path, an entry bundle, and proof inputs.
///
/// A tile path that parses prints back as the input; a bundle that parses
/// bundles back to the input; proof verification with sizes and hashes from
/// the input never panics, and a root computed from an inclusion proof
/// verifies.
pub fn tiles(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(path) = parse_tile_path(text)
    {
        assert_eq!(path.to_string(), text);
    }
    if let Ok(entries) = parse_entry_bundle(data) {
        assert_eq!(entry_bundle(&entries).unwrap(), data);
    }
    let Some((numbers, rest)) = data.split_first_chunk::<16>() else {
        return;
    };
    let a = u64::from_be_bytes(numbers[..8].try_into().unwrap());
    let b = u64::from_be_bytes(numbers[8..].try_into().unwrap());
    let hashes: Vec<Hash> = rest
        .chunks_exact(32)
        .map(|c| c.try_into().unwrap())
        .take(70)
        .collect();
    let (first, proof) = match hashes.split_first() {
        Some((f, p)) => (*f, p),
        None => ([0; 32], &[][..]),
    };
    if let Ok(root) = log::root_from_inclusion(a, b, &first, proof) {
        log::verify_inclusion(a, b, &first, proof, &root).unwrap();
        assert!(a < b);
    }
    let _ = log::verify_consistency(a, b, proof, &first, &first);
    let _ = log::verify_subtree_inclusion(a, a / 2, b, &first, proof, &first);
    let _ = log::verify_subtree_consistency(a / 3, a, b, proof, &first, &first);
}
