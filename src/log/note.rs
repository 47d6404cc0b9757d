//! Signed notes (c2sp.org/signed-note) with Ed25519 signatures (signature
//! type `0x01`): the envelope of checkpoints.
//!
//! A note is a text ending in a newline, a blank line, then one line per
//! signature: `— <key name> base64(key hash || signature)`. The key hash is
//! the first four bytes of `SHA-256(name || "\n" || 0x01 || public key)`; a
//! verifier key is written `<name>+<hex key hash>+base64(0x01 || public
//! key)` ([`NoteVerifier`]'s `FromStr` and `Display`).
//!
//! [`open`] is strict and bounded: at most [`MAX_NOTE_LEN`] bytes and
//! [`MAX_SIGNATURES`] signature lines, UTF-8 without control characters
//! other than newline, every signature line well formed and in canonical
//! base64. Signatures by keys it does not know are skipped (witnesses'
//! cosignatures, another log key during a rotation); a signature by a known
//! key (same name and key hash) must verify, each known key may sign once,
//! and at least one must have signed.

use core::fmt;
use core::str::FromStr;

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::envelope::verify_strict;
use crate::keys::{PublicKey, SignError, Signer, SigningKey};

/// Largest note [`open`] reads, in bytes.
pub const MAX_NOTE_LEN: usize = 1024 * 1024;
/// Most signature lines [`open`] reads (the specification asks verifiers to
/// accept at least 16).
pub const MAX_SIGNATURES: usize = 100;
/// Longest key name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 256;
/// The signature type of Ed25519 note signatures.
pub const ED25519_TYPE: u8 = 0x01;

/// The em dash and space that start a signature line.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a note, a key name or a verifier key was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NoteError {
    /// A key name that is empty, longer than [`MAX_NAME_LEN`], or holds a
    /// space, a `+` or a control character.
    #[error("key name {name:?} is empty, too long, or holds a space, + or control character")]
    BadName {
        /// The name (cut to 64 characters).
        name: String,
    },
    /// Text to be signed that is empty, does not end in a newline, or holds
    /// a control character other than newline.
    #[error("note text {reason}")]
    BadText {
        /// What is wrong.
        reason: &'static str,
    },
    /// A note larger than [`MAX_NOTE_LEN`].
    #[error("note is {len} bytes; at most {max} are accepted")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not the signed-note format: a control character, no blank line
    /// before the signatures, or a signature line that is not
    /// `— name base64` with a valid name and canonical base64.
    #[error("malformed note at line {line}: {reason}")]
    Malformed {
        /// The line at fault, from 1 (0 for the note as a whole).
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("more than {max} signatures")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// A signature whose key name and key hash are a known key's does not
    /// verify: the whole note is refused.
    #[error("the signature by {name} (key hash {}) does not verify", hex(key_hash))]
    BadSignature {
        /// The key's name.
        name: String,
        /// The key hash.
        key_hash: [u8; 4],
    },
    /// A known key signs the note more than once.
    #[error("{name} signs the note more than once")]
    DuplicateSignature {
        /// The key's name.
        name: String,
    },
    /// No signature by a known key.
    #[error("no signature by a known key")]
    NoKnownSignature,
    /// A verifier key that is not `name+hash+base64`, with 8 lower-case hex
    /// digits and canonical base64 of 33 bytes.
    #[error("malformed verifier key: {reason}")]
    BadVerifierKey {
        /// What is wrong.
        reason: &'static str,
    },
    /// A verifier key of a signature type other than Ed25519 (`0x01`).
    #[error("verifier key type {found:#04x} is not Ed25519 (0x01)")]
    UnsupportedKeyType {
        /// The type byte found.
        found: u8,
    },
    /// A verifier key whose key hash is not the one its name and key give.
    #[error(
        "verifier key hash {} does not match its key ({})",
        hex(found),
        hex(computed)
    )]
    KeyHashMismatch {
        /// The hash written in the key.
        found: [u8; 4],
        /// The hash of its name and key.
        computed: [u8; 4],
    },
    /// A verifier key that is not an Ed25519 point, or of small order (it
    /// would verify forgeries).
    #[error("verifier key is not a usable Ed25519 public key")]
    BadKey,
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignError),
}

impl NoteError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            NoteError::BadName { .. } => "bad_key_name",
            NoteError::BadText { .. } => "bad_note_text",
            NoteError::TooLarge { .. } => "note_too_large",
            NoteError::Malformed { .. } => "malformed_note",
            NoteError::TooManySignatures { .. } => "too_many_signatures",
            NoteError::BadSignature { .. } => "bad_signature",
            NoteError::DuplicateSignature { .. } => "duplicate_signature",
            NoteError::NoKnownSignature => "no_known_signature",
            NoteError::BadVerifierKey { .. } => "bad_verifier_key",
            NoteError::UnsupportedKeyType { .. } => "unsupported_key_type",
            NoteError::KeyHashMismatch { .. } => "key_hash_mismatch",
            NoteError::BadKey => "bad_key",
            NoteError::Signer(_) => "signer",
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn cut(s: &str) -> String {
    s.chars().take(64).collect()
}

/// Whether `name` may name a key: non-empty, at most [`MAX_NAME_LEN`]
/// bytes, no Unicode white space, no `+`, no control character.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(NoteError::BadName { name: cut(name) })
    }
}

/// The key hash of an Ed25519 key under `name`:
/// `SHA-256(name || 0x0A || 0x01 || key)[..4]`.
pub fn key_hash(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ED25519_TYPE]);
    h.update(key.to_bytes());
    let digest: [u8; 32] = h.finalize().into();
    let mut out = [0u8; 4];
    out.iter_mut().zip(digest).for_each(|(o, d)| *o = d);
    out
}

/// Canonical standard base64 (RFC 4648 §4, padded): decoding, then
/// encoding again, gives the same text.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let bytes = Base64::decode_vec(text).ok()?;
    (Base64::encode_string(&bytes) == text).then_some(bytes)
}

/// A key that signs notes under a name.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    key_hash: [u8; 4],
}

impl NoteSigner {
    /// A signer for `key` under `name`.
    ///
    /// # Errors
    /// [`NoteError::BadName`] unless the name is non-empty, at most
    /// [`MAX_NAME_LEN`] bytes, and free of spaces, `+` and control
    /// characters.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(NoteSigner {
            key_hash: key_hash(name, &key.public_key()),
            name: name.to_owned(),
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key hash in its signatures.
    pub fn key_hash(&self) -> [u8; 4] {
        self.key_hash
    }

    /// The verifier for its signatures.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key: self.key.public_key(),
            key_hash: self.key_hash,
        }
    }

    /// The signature line for `text` (`— name base64\n`), `text` unchecked.
    fn signature_line(&self, text: &str) -> Result<String, NoteError> {
        let signature = self.key.sign(text.as_bytes())?;
        let mut blob = Vec::with_capacity(68);
        blob.extend_from_slice(&self.key_hash);
        blob.extend_from_slice(&signature);
        Ok(format!(
            "{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            Base64::encode_string(&blob)
        ))
    }

    /// The whole signed note: `text` (which must end in a newline), a blank
    /// line, and this key's signature line.
    ///
    /// # Errors
    /// [`NoteError::BadText`] for text that is empty, does not end in a
    /// newline, holds a control character other than newline, or whose
    /// note would be over [`MAX_NOTE_LEN`]; [`NoteError::Signer`].
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        let line = self.signature_line(text)?;
        let note = format!("{text}\n{line}");
        if note.len() > MAX_NOTE_LEN {
            return Err(NoteError::BadText {
                reason: "is too long to sign",
            });
        }
        Ok(note)
    }
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NoteSigner({}+{})", self.name, hex(&self.key_hash))
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() {
        return Err(NoteError::BadText { reason: "is empty" });
    }
    if !text.ends_with('\n') {
        return Err(NoteError::BadText {
            reason: "does not end in a newline",
        });
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::BadText {
            reason: "holds a control character",
        });
    }
    Ok(())
}

/// A known key: its name, key hash and Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key: PublicKey,
    key_hash: [u8; 4],
}

impl NoteVerifier {
    /// The verifier for `key` under `name`.
    ///
    /// # Errors
    /// [`NoteError::BadName`] as for [`NoteSigner::new`];
    /// [`NoteError::BadKey`] for a key of small order.
    pub fn new(name: &str, key: PublicKey) -> Result<Self, NoteError> {
        check_name(name)?;
        if key.is_weak() {
            return Err(NoteError::BadKey);
        }
        Ok(NoteVerifier {
            key_hash: key_hash(name, &key),
            name: name.to_owned(),
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key hash its signatures carry.
    pub fn key_hash(&self) -> [u8; 4] {
        self.key_hash
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    fn verifies(&self, text: &str, signature: &[u8]) -> bool {
        <&[u8; 64]>::try_from(signature)
            .is_ok_and(|s| verify_strict(&self.key, text.as_bytes(), s).is_ok())
    }
}

impl FromStr for NoteVerifier {
    type Err = NoteError;

    /// Reads `name+hash+base64(0x01 || key)`: a valid name, exactly 8
    /// lower-case hex digits equal to the key's hash, and canonical base64
    /// of 33 bytes.
    fn from_str(s: &str) -> Result<Self, NoteError> {
        if s.len() > MAX_NAME_LEN + 64 {
            return Err(NoteError::BadVerifierKey { reason: "too long" });
        }
        let mut parts = s.splitn(3, '+');
        let (Some(name), Some(hash), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadVerifierKey {
                reason: "not name+hash+key",
            });
        };
        check_name(name)?;
        if hash.len() != 8 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(NoteError::BadVerifierKey {
                reason: "the key hash is not 8 lower-case hex digits",
            });
        }
        let found = u32::from_str_radix(hash, 16)
            .map_err(|_| NoteError::BadVerifierKey {
                reason: "the key hash is not 8 lower-case hex digits",
            })?
            .to_be_bytes();
        let bytes = decode_base64(key).ok_or(NoteError::BadVerifierKey {
            reason: "the key is not canonical base64",
        })?;
        let (&kind, raw) = bytes.split_first().ok_or(NoteError::BadVerifierKey {
            reason: "the key is empty",
        })?;
        if kind != ED25519_TYPE {
            return Err(NoteError::UnsupportedKeyType { found: kind });
        }
        let raw: &[u8; 32] = raw.try_into().map_err(|_| NoteError::BadVerifierKey {
            reason: "an Ed25519 key is 32 bytes",
        })?;
        let key = PublicKey::from_bytes(raw).map_err(|_| NoteError::BadKey)?;
        let verifier = NoteVerifier::new(name, key)?;
        if verifier.key_hash != found {
            return Err(NoteError::KeyHashMismatch {
                found,
                computed: verifier.key_hash,
            });
        }
        Ok(verifier)
    }
}

impl fmt::Display for NoteVerifier {
    /// `name+hash+base64(0x01 || key)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut blob = Vec::with_capacity(33);
        blob.push(ED25519_TYPE);
        blob.extend_from_slice(&self.key.to_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex(&self.key_hash),
            Base64::encode_string(&blob)
        )
    }
}

/// A note whose signatures [`open`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    text: String,
    signers: Vec<String>,
}

impl VerifiedNote {
    /// The signed text, ending in a newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The names of the known keys whose signatures verified, in the
    /// order of their lines.
    pub fn signers(&self) -> &[String] {
        &self.signers
    }

    /// The text, by value.
    pub fn into_text(self) -> String {
        self.text
    }
}

/// One signature line taken apart.
pub(crate) struct SignatureLine<'a> {
    pub name: &'a str,
    pub key_hash: [u8; 4],
    pub signature: Vec<u8>,
}

/// A note split into its text and signature lines, checked for form
/// only (no signature verified).
pub(crate) struct ParsedNote<'a> {
    pub text: &'a str,
    pub signatures: Vec<SignatureLine<'a>>,
}

/// Splits a note, checking everything but the signatures themselves.
pub(crate) fn parse(note: &str) -> Result<ParsedNote<'_>, NoteError> {
    if note.len() > MAX_NOTE_LEN {
        return Err(NoteError::TooLarge {
            len: note.len(),
            max: MAX_NOTE_LEN,
        });
    }
    if let Some(offset) = note.find(|c: char| c < ' ' && c != '\n') {
        let line = note.get(..offset).map_or(0, |s| s.matches('\n').count()) + 1;
        return Err(NoteError::Malformed {
            line,
            reason: "control character",
        });
    }
    // The text ends at the last blank line; signature lines hold none.
    let split = note.rfind("\n\n").ok_or(NoteError::Malformed {
        line: 0,
        reason: "no blank line before the signatures",
    })?;
    let (text, signatures) = (
        note.get(..split + 1).unwrap_or_default(),
        note.get(split + 2..).unwrap_or_default(),
    );
    if signatures.is_empty() {
        return Err(NoteError::Malformed {
            line: 0,
            reason: "no signature",
        });
    }
    let Some(signatures) = signatures.strip_suffix('\n') else {
        return Err(NoteError::Malformed {
            line: 0,
            reason: "the last signature line does not end in a newline",
        });
    };
    let first_line = text.matches('\n').count() + 2;
    let mut parsed = Vec::new();
    for (i, line) in signatures.split('\n').enumerate() {
        if i == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                max: MAX_SIGNATURES,
            });
        }
        let line_no = first_line + i;
        let malformed = |reason| NoteError::Malformed {
            line: line_no,
            reason,
        };
        let rest = line.strip_prefix(SIGNATURE_PREFIX).ok_or(malformed(
            "a signature line starts with an em dash and a space",
        ))?;
        let (name, blob) = rest
            .split_once(' ')
            .ok_or(malformed("a signature line is `— name signature`"))?;
        if !is_valid_name(name) {
            return Err(malformed("bad key name"));
        }
        let blob = decode_base64(blob).ok_or(malformed("signature not in canonical base64"))?;
        let Some((key_hash, signature)) = blob.split_first_chunk::<4>() else {
            return Err(malformed("signature shorter than a key hash"));
        };
        if signature.is_empty() {
            return Err(malformed("empty signature"));
        }
        parsed.push(SignatureLine {
            name,
            key_hash: *key_hash,
            signature: signature.to_vec(),
        });
    }
    Ok(ParsedNote {
        text,
        signatures: parsed,
    })
}

/// Opens a signed note: checks its form, verifies every signature by a key
/// in `verifiers` (same name and key hash), skips the others, and returns
/// the text if at least one known key signed it.
///
/// # Errors
/// [`NoteError::TooLarge`], [`NoteError::Malformed`],
/// [`NoteError::TooManySignatures`]; [`NoteError::BadSignature`] if a
/// known key's signature does not verify; [`NoteError::DuplicateSignature`]
/// if a known key signs twice; [`NoteError::NoKnownSignature`].
pub fn open(note: &str, verifiers: &[NoteVerifier]) -> Result<VerifiedNote, NoteError> {
    let parsed = parse(note)?;
    let mut signers: Vec<String> = Vec::new();
    let mut seen: Vec<(&str, [u8; 4])> = Vec::new();
    for line in &parsed.signatures {
        let mut known = verifiers
            .iter()
            .filter(|v| v.name == line.name && v.key_hash == line.key_hash)
            .peekable();
        if known.peek().is_none() {
            continue;
        }
        if seen.contains(&(line.name, line.key_hash)) {
            return Err(NoteError::DuplicateSignature {
                name: line.name.to_owned(),
            });
        }
        seen.push((line.name, line.key_hash));
        if !known.any(|v| v.verifies(parsed.text, &line.signature)) {
            return Err(NoteError::BadSignature {
                name: line.name.to_owned(),
                key_hash: line.key_hash,
            });
        }
        signers.push(line.name.to_owned());
    }
    if signers.is_empty() {
        return Err(NoteError::NoKnownSignature);
    }
    Ok(VerifiedNote {
        text: parsed.text.to_owned(),
        signers,
    })
}

/// Adds `signer`'s signature to an already signed note (a second log key
/// during a rotation, say), after the signatures it has. The note's form
/// is checked, not its signatures.
///
/// # Errors
/// As [`open`] for the note's form; [`NoteError::DuplicateSignature`] if
/// the signer's key already signs it; [`NoteError::TooLarge`] or
/// [`NoteError::TooManySignatures`] if the result would be; the signer's.
pub fn cosign(note: &str, signer: &NoteSigner) -> Result<String, NoteError> {
    let parsed = parse(note)?;
    if parsed
        .signatures
        .iter()
        .any(|s| s.name == signer.name && s.key_hash == signer.key_hash)
    {
        return Err(NoteError::DuplicateSignature {
            name: signer.name.clone(),
        });
    }
    if parsed.signatures.len() >= MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures {
            max: MAX_SIGNATURES,
        });
    }
    let line = signer.signature_line(parsed.text)?;
    let out = format!("{note}{line}");
    if out.len() > MAX_NOTE_LEN {
        return Err(NoteError::TooLarge {
            len: out.len(),
            max: MAX_NOTE_LEN,
        });
    }
    Ok(out)
}
