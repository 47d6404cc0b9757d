//! Receipts: offline proofs of logging (c2sp.org/tlog-proof).
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 of the leaf>
//! index 73894
//! <base64 proof hash, leaf's sibling first>
//! …
//!
//! <the signed checkpoint, verbatim>
//! ```
//!
//! For a licence, the `extra` line holds the leaf itself (a
//! [`LogEvent::Issuance`]), so that the receipt alone, the envelope and
//! the log's key are enough: [`verify_licence_receipt`].

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::checkpoint::{Checkpoint, CheckpointError, open_checkpoint, parse_decimal, parse_hash};
use super::event::{EventError, LogEvent, MAX_LEAF_LEN};
use super::note::{self, NoteVerifier, decode_base64};
use super::{Hash, MAX_PROOF_LEN, ProofError, leaf_hash, verify_inclusion};
use crate::envelope::{EnvelopeError, SignedLicence};

/// The first line of every receipt.
pub const RECEIPT_HEADER: &str = "c2sp.org/tlog-proof@v1";
/// Largest receipt [`Receipt::from_text`] reads, in bytes.
pub const MAX_RECEIPT_LEN: usize = 256 * 1024;
/// Largest `extra` data accepted, in bytes (decoded).
pub const MAX_EXTRA_LEN: usize = 16 * 1024;

/// A proof that an entry is in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Receipt {
    /// Opaque data for the verifier; ours is the leaf (a [`LogEvent`]).
    /// Not authenticated by itself: only through the leaf hash it gives.
    pub extra: Option<Vec<u8>>,
    /// The entry's index in the log.
    pub index: u64,
    /// The inclusion proof, the leaf's sibling first.
    pub proof: Vec<Hash>,
    /// The signed checkpoint (a signed note), verbatim.
    pub checkpoint: String,
}

/// Why a receipt was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// Larger than [`MAX_RECEIPT_LEN`].
    #[error("receipt is {len} bytes; at most {max} are accepted")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not the tlog-proof format.
    #[error("malformed receipt at line {line}: {reason}")]
    Malformed {
        /// The line at fault, from 1.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The checkpoint was refused (form, signature, origin).
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The inclusion proof was refused.
    #[error("inclusion proof: {0}")]
    Proof(#[from] ProofError),
    /// The receipt has no `extra` line, and a licence receipt needs the
    /// leaf there.
    #[error("the receipt carries no leaf (no extra line)")]
    NoLeaf,
    /// The `extra` line is not a log leaf.
    #[error("the receipt's leaf: {0}")]
    Event(#[from] EventError),
    /// The leaf is an event of another kind than an issuance.
    #[error("the receipt's leaf is a {found} event, not an issuance")]
    NotAnIssuance {
        /// The event's kind.
        found: &'static str,
    },
    /// The envelope is not a licence envelope.
    #[error("envelope: {0}")]
    Envelope(#[from] EnvelopeError),
    /// The leaf names another envelope.
    #[error("the receipt's leaf is for envelope {logged}, not {given}")]
    EnvelopeMismatch {
        /// SHA-256 (hex) of the envelope the leaf names.
        logged: String,
        /// SHA-256 (hex) of the envelope given.
        given: String,
    },
    /// The licence has no GB/T 36904 identifier, so no logged issuance can
    /// name it.
    #[error("the licence has no identifier")]
    NoIdentifier,
    /// The leaf names another licence identifier.
    #[error("the receipt's leaf is for licence {logged}, not {given}")]
    IdentifierMismatch {
        /// The identifier in the leaf.
        logged: String,
        /// The licence's.
        given: String,
    },
}

impl ReceiptError {
    /// A stable, machine-readable name for the error; checkpoint and proof
    /// errors keep their own codes.
    pub fn code(&self) -> &'static str {
        match self {
            ReceiptError::TooLarge { .. } => "receipt_too_large",
            ReceiptError::Malformed { .. } => "malformed_receipt",
            ReceiptError::Checkpoint(e) => e.code(),
            ReceiptError::Proof(e) => e.code(),
            ReceiptError::NoLeaf => "no_leaf",
            ReceiptError::Event(e) => e.code(),
            ReceiptError::NotAnIssuance { .. } => "not_an_issuance",
            ReceiptError::Envelope(_) => "bad_envelope",
            ReceiptError::EnvelopeMismatch { .. } => "envelope_mismatch",
            ReceiptError::NoIdentifier => "no_identifier",
            ReceiptError::IdentifierMismatch { .. } => "identifier_mismatch",
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Receipt {
    /// A receipt for the leaf `leaf` (carried in the `extra` line) at
    /// `index`, with its inclusion proof in the tree of `checkpoint`.
    pub fn new(leaf: &[u8], index: u64, proof: Vec<Hash>, checkpoint: &str) -> Self {
        Receipt {
            extra: Some(leaf.to_vec()),
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        }
    }

    /// The receipt's text.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(64 + self.proof.len() * 45 + self.checkpoint.len());
        out.push_str(RECEIPT_HEADER);
        out.push('\n');
        if let Some(extra) = &self.extra {
            out.push_str("extra ");
            out.push_str(&Base64::encode_string(extra));
            out.push('\n');
        }
        out.push_str(&format!("index {}\n", self.index));
        for hash in &self.proof {
            out.push_str(&Base64::encode_string(hash));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Reads a receipt, strictly: the header line, an optional `extra`
    /// line in canonical base64 (at most [`MAX_EXTRA_LEN`] bytes), `index`
    /// in canonical decimal, at most [`MAX_PROOF_LEN`] proof lines each in
    /// canonical base64 of 32 bytes, an empty line, and a checkpoint note
    /// of sound form (its signatures are checked by [`Receipt::verify`]).
    ///
    /// # Errors
    /// [`ReceiptError::TooLarge`], [`ReceiptError::Malformed`], or
    /// [`ReceiptError::Checkpoint`] for a checkpoint that is not a note.
    pub fn from_text(text: &str) -> Result<Self, ReceiptError> {
        if text.len() > MAX_RECEIPT_LEN {
            return Err(ReceiptError::TooLarge {
                len: text.len(),
                max: MAX_RECEIPT_LEN,
            });
        }
        let mut rest = text;
        let mut line_no = 0usize;
        let mut next_line = |line_no: &mut usize| -> Result<&str, ReceiptError> {
            *line_no += 1;
            let (line, tail) = rest.split_once('\n').ok_or(ReceiptError::Malformed {
                line: *line_no,
                reason: "the receipt ends before its checkpoint",
            })?;
            rest = tail;
            Ok(line)
        };
        let malformed = |line, reason| ReceiptError::Malformed { line, reason };

        if next_line(&mut line_no)? != RECEIPT_HEADER {
            return Err(malformed(1, "the first line is not c2sp.org/tlog-proof@v1"));
        }
        let mut line = next_line(&mut line_no)?;
        let extra = match line.strip_prefix("extra ") {
            Some(b64) => {
                if b64.len() > MAX_EXTRA_LEN.div_ceil(3) * 4 {
                    return Err(malformed(line_no, "extra data too long"));
                }
                let bytes = decode_base64(b64)
                    .ok_or(malformed(line_no, "extra not in canonical base64"))?;
                line = next_line(&mut line_no)?;
                Some(bytes)
            }
            None => None,
        };
        let index = line
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or(malformed(
                line_no,
                "not `index` and a decimal without leading zeros",
            ))?;
        let mut proof = Vec::new();
        loop {
            let line = next_line(&mut line_no)?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LEN {
                return Err(malformed(line_no, "more than 64 proof hashes"));
            }
            proof.push(
                parse_hash(line).ok_or(malformed(line_no, "not canonical base64 of 32 bytes"))?,
            );
        }
        // The checkpoint must be of sound form; its signatures are checked by
        // `verify`.
        let parsed = note::parse(rest).map_err(CheckpointError::Note)?;
        Checkpoint::from_note_text(parsed.text)?;
        Ok(Receipt {
            extra,
            index,
            proof,
            checkpoint: rest.to_owned(),
        })
    }

    /// Checks the receipt for the leaf whose hash is `leaf_hash`: the
    /// checkpoint is signed by `verifier` (named after its origin), and the
    /// proof puts the leaf at `index` in its tree. Returns the checkpoint.
    ///
    /// # Errors
    /// [`ReceiptError::Checkpoint`], [`ReceiptError::Proof`].
    pub fn verify(
        &self,
        verifier: &NoteVerifier,
        leaf_hash: &Hash,
    ) -> Result<Checkpoint, ReceiptError> {
        let checkpoint = open_checkpoint(&self.checkpoint, verifier)?;
        verify_inclusion(
            self.index,
            checkpoint.size,
            leaf_hash,
            &self.proof,
            &checkpoint.root,
        )?;
        Ok(checkpoint)
    }
}

/// A licence's issuance, proven logged by [`verify_licence_receipt`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedIssuance {
    /// The leaf's index in the log.
    pub index: u64,
    /// The signed tree head it is proven in.
    pub checkpoint: Checkpoint,
    /// The logged event (a [`LogEvent::Issuance`]).
    pub event: LogEvent,
}

/// Checks, offline, that the licence envelope `envelope` was logged as
/// issued: the receipt's `extra` line is an issuance leaf naming the
/// SHA-256 of the envelope (without any carried chain: a `.cose` file with
/// its `x5chain` is accepted and hashed without it) and the licence's
/// identifier, and the receipt proves that leaf in a checkpoint signed by
/// `verifier`.
///
/// The licence's own signature and validity are not checked here: that is
/// [`crate::Verifier`]'s job.
///
/// # Errors
/// [`ReceiptError::Envelope`] if the envelope does not decode;
/// [`ReceiptError::NoLeaf`], [`ReceiptError::Event`] or
/// [`ReceiptError::NotAnIssuance`] for the leaf;
/// [`ReceiptError::EnvelopeMismatch`], [`ReceiptError::NoIdentifier`],
/// [`ReceiptError::IdentifierMismatch`]; then as [`Receipt::verify`].
pub fn verify_licence_receipt(
    envelope: &[u8],
    receipt: &Receipt,
    verifier: &NoteVerifier,
) -> Result<LoggedIssuance, ReceiptError> {
    let signed = SignedLicence::from_slice(envelope)?;
    let given: Hash = Sha256::digest(signed.as_bytes()).into();
    let leaf = receipt.extra.as_deref().ok_or(ReceiptError::NoLeaf)?;
    if leaf.len() > MAX_LEAF_LEN {
        return Err(EventError::TooLarge {
            len: leaf.len(),
            max: MAX_LEAF_LEN,
        }
        .into());
    }
    let event = LogEvent::from_leaf(leaf)?;
    let LogEvent::Issuance {
        identifier,
        envelope_sha256,
        ..
    } = &event
    else {
        return Err(ReceiptError::NotAnIssuance {
            found: event.kind(),
        });
    };
    if *envelope_sha256 != given {
        return Err(ReceiptError::EnvelopeMismatch {
            logged: hex(envelope_sha256),
            given: hex(&given),
        });
    }
    let licence_identifier = signed
        .licence()
        .identifier()
        .ok_or(ReceiptError::NoIdentifier)?
        .to_string();
    if *identifier != licence_identifier {
        return Err(ReceiptError::IdentifierMismatch {
            logged: identifier.clone(),
            given: licence_identifier,
        });
    }
    let checkpoint = receipt.verify(verifier, &leaf_hash(leaf))?;
    Ok(LoggedIssuance {
        index: receipt.index,
        checkpoint,
        event,
    })
}
