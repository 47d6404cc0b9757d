//! Checkpoints (c2sp.org/tlog-checkpoint): the log's signed tree head.
//!
//! The note text is the origin, the tree size in decimal and the root in
//! base64, one per line, then optional extension lines:
//!
//! ```text
//! example.com/behind-the-sofa
//! 20852163
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//! ```
//!
//! Reading is strict: the size in canonical decimal (no sign, no leading
//! zeros), the root in canonical base64 of exactly 32 bytes, no empty
//! line, at most [`MAX_EXTENSIONS`] extension lines.

use base64ct::{Base64, Encoding};
use thiserror::Error;

use super::note::{self, NoteError, NoteSigner, NoteVerifier, decode_base64};
use super::{Hash, ProofError};

/// Most extension lines a checkpoint may have.
pub const MAX_EXTENSIONS: usize = 16;
/// Longest origin accepted, in bytes.
pub const MAX_ORIGIN_LEN: usize = 256;

/// A tree head: the log's origin, its size and its root.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Checkpoint {
    /// The log's identity (its key name, for our logs).
    pub origin: String,
    /// Leaves in the tree.
    pub size: u64,
    /// The tree's root (RFC 9162).
    pub root: Hash,
    /// Extension lines, each non-empty; ours have none.
    pub extensions: Vec<String>,
}

/// Why a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The signed note was refused.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// Fewer than three lines, or text that does not end in a newline.
    #[error(
        "a checkpoint has origin, size and root lines, each ending in a newline ({found} found)"
    )]
    TooFewLines {
        /// Complete lines found.
        found: usize,
    },
    /// An origin that is empty, longer than [`MAX_ORIGIN_LEN`], or holds a
    /// control character.
    #[error("origin {found:?} is empty, too long or holds a control character")]
    BadOrigin {
        /// The origin (cut to 64 characters).
        found: String,
    },
    /// A size line that is not a canonical decimal below 2^64.
    #[error("tree size {found:?} is not a decimal without leading zeros")]
    BadSize {
        /// The line (cut to 64 characters).
        found: String,
    },
    /// A root line that is not canonical base64 of 32 bytes.
    #[error("root {found:?} is not canonical base64 of 32 bytes")]
    BadRoot {
        /// The line (cut to 64 characters).
        found: String,
    },
    /// An extension line that is empty or holds a control character.
    #[error("extension line {position} is empty or holds a control character")]
    BadExtension {
        /// Its position among the extension lines, from 0.
        position: usize,
    },
    /// More than [`MAX_EXTENSIONS`] extension lines.
    #[error("{found} extension lines; at most {MAX_EXTENSIONS} are accepted")]
    TooManyExtensions {
        /// How many there are.
        found: usize,
    },
    /// The key signing or verifying the checkpoint is not named after its
    /// origin.
    #[error("checkpoint of {origin:?} signed or checked with the key of {key:?}")]
    OriginMismatch {
        /// The checkpoint's origin (cut to 64 characters).
        origin: String,
        /// The key's name.
        key: String,
    },
}

impl CheckpointError {
    /// A stable, machine-readable name for the error; a note error keeps
    /// its own code.
    pub fn code(&self) -> &'static str {
        match self {
            CheckpointError::Note(e) => e.code(),
            CheckpointError::TooFewLines { .. } => "checkpoint_too_few_lines",
            CheckpointError::BadOrigin { .. } => "bad_origin",
            CheckpointError::BadSize { .. } => "bad_tree_size",
            CheckpointError::BadRoot { .. } => "bad_root",
            CheckpointError::BadExtension { .. } => "bad_extension",
            CheckpointError::TooManyExtensions { .. } => "too_many_extensions",
            CheckpointError::OriginMismatch { .. } => "origin_mismatch",
        }
    }
}

fn cut(s: &str) -> String {
    s.chars().take(64).collect()
}

fn check_origin(origin: &str) -> Result<(), CheckpointError> {
    if origin.is_empty() || origin.len() > MAX_ORIGIN_LEN || origin.chars().any(char::is_control) {
        return Err(CheckpointError::BadOrigin { found: cut(origin) });
    }
    Ok(())
}

/// A canonical decimal: `0`, or digits not starting with `0`, below 2^64.
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    let canonical = !s.is_empty()
        && s.len() <= 20
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

/// Canonical base64 of exactly 32 bytes.
pub(crate) fn parse_hash(s: &str) -> Option<Hash> {
    if s.len() != 44 {
        return None;
    }
    decode_base64(s)?.try_into().ok()
}

impl Checkpoint {
    /// Checks that `newer` extends this checkpoint: its tree is this tree
    /// with leaves appended, by `proof`, the consistency proof between
    /// the two sizes. Every tree extends the empty tree, so from size 0 the
    /// proof must be empty and this root must be the empty tree's (a
    /// signed "size 0" with another root is a lie the check catches).
    ///
    /// # Errors
    /// As [`super::verify_consistency`], and [`ProofError::RootMismatch`]
    /// for a size-0 checkpoint whose root is not the empty tree's.
    pub fn verify_extended_by(&self, newer: &Checkpoint, proof: &[Hash]) -> Result<(), ProofError> {
        if self.size == 0 {
            super::check_len(proof.len(), 0)?;
            return super::check_root(&self.root, &super::empty_root(), "first");
        }
        super::verify_consistency(self.size, newer.size, proof, &self.root, &newer.root)
    }

    /// A checkpoint without extension lines.
    ///
    /// # Errors
    /// [`CheckpointError::BadOrigin`] for an origin that is empty, longer
    /// than [`MAX_ORIGIN_LEN`] or holds a control character.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        check_origin(origin)?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// The note text: origin, size, base64 root and extension lines, each
    /// ending in a newline.
    pub fn to_note_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            Base64::encode_string(&self.root)
        );
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Reads a checkpoint's note text (the text [`note::open`] returns).
    ///
    /// # Errors
    /// A [`CheckpointError`] naming the line at fault.
    pub fn from_note_text(text: &str) -> Result<Self, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::TooFewLines {
                found: text.matches('\n').count(),
            })?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::TooFewLines {
                found: text.matches('\n').count(),
            });
        };
        check_origin(origin)?;
        let size =
            parse_decimal(size).ok_or_else(|| CheckpointError::BadSize { found: cut(size) })?;
        let root = parse_hash(root).ok_or_else(|| CheckpointError::BadRoot { found: cut(root) })?;
        let mut extensions = Vec::new();
        for (position, line) in lines.enumerate() {
            if position == MAX_EXTENSIONS {
                return Err(CheckpointError::TooManyExtensions {
                    found: body.split('\n').count() - 3,
                });
            }
            check_extension(position, line)?;
            extensions.push(line.to_owned());
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Checks what [`Checkpoint::from_note_text`] would refuse in a
    /// checkpoint built in code.
    fn check(&self) -> Result<(), CheckpointError> {
        check_origin(&self.origin)?;
        if self.extensions.len() > MAX_EXTENSIONS {
            return Err(CheckpointError::TooManyExtensions {
                found: self.extensions.len(),
            });
        }
        for (position, line) in self.extensions.iter().enumerate() {
            check_extension(position, line)?;
        }
        Ok(())
    }
}

fn check_extension(position: usize, line: &str) -> Result<(), CheckpointError> {
    if line.is_empty() || line.chars().any(char::is_control) {
        return Err(CheckpointError::BadExtension { position });
    }
    Ok(())
}

/// Signs a checkpoint into a signed note; the signer's name must be the
/// checkpoint's origin.
///
/// # Errors
/// [`CheckpointError::OriginMismatch`]; the checks of
/// [`Checkpoint::from_note_text`] (a checkpoint built in code may hold bad
/// extension lines); the signer's.
pub fn sign_checkpoint(cp: &Checkpoint, signer: &NoteSigner) -> Result<String, CheckpointError> {
    cp.check()?;
    if signer.name() != cp.origin {
        return Err(CheckpointError::OriginMismatch {
            origin: cut(&cp.origin),
            key: signer.name().to_owned(),
        });
    }
    Ok(signer.sign(&cp.to_note_text())?)
}

/// Opens a signed checkpoint with the log's key, whose name must be the
/// checkpoint's origin. Other signatures (witnesses') are skipped.
///
/// # Errors
/// [`CheckpointError::Note`] if the note is malformed or not signed by
/// `verifier`; the checkpoint's own errors;
/// [`CheckpointError::OriginMismatch`].
pub fn open_checkpoint(note: &str, verifier: &NoteVerifier) -> Result<Checkpoint, CheckpointError> {
    let opened = note::open(note, core::slice::from_ref(verifier))?;
    let cp = Checkpoint::from_note_text(opened.text())?;
    if cp.origin != verifier.name() {
        return Err(CheckpointError::OriginMismatch {
            origin: cut(&cp.origin),
            key: verifier.name().to_owned(),
        });
    }
    Ok(cp)
}
