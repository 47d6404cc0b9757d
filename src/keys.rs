//! Issuer keys: Ed25519 signing keys, public keys, key ids, PEM import and export.
//!
//! Signing goes through the [`Signer`] trait so that a hardware security module
//! can sign in place of a key held in memory.

use core::fmt;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use sha2::{Digest, Sha256};
use thiserror::Error;
use zeroize::Zeroizing;

/// Why a key could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not a PKCS#8 PEM Ed25519 private key.
    #[error("not a PKCS#8 Ed25519 private key: {reason}")]
    PrivateKey {
        /// What the PKCS#8 decoder said.
        reason: String,
    },
    /// Not an SPKI PEM Ed25519 public key.
    #[error("not an SPKI Ed25519 public key: {reason}")]
    PublicKey {
        /// What the SPKI decoder said.
        reason: String,
    },
    /// 32 bytes that are not the encoding of a curve point.
    #[error("public key bytes are not a point on Ed25519")]
    NotAPoint,
}

/// A signer could not produce a signature (an HSM was unreachable, say).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("signing failed: {reason}")]
pub struct SignError {
    /// What the signer reported.
    pub reason: String,
}

/// The key id carried in every envelope: the first 8 bytes of SHA-256 over the
/// raw 32-byte public key.
///
/// Key ids are short and can collide; a verifier tries every key with the id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    /// The id of a raw 32-byte Ed25519 public key.
    pub fn of_raw_key(raw: &[u8; 32]) -> Self {
        let digest: [u8; 32] = Sha256::digest(raw).into();
        let mut id = [0u8; 8];
        id.iter_mut().zip(digest).for_each(|(d, s)| *d = s);
        KeyId(id)
    }

    /// The id as lower-case hexadecimal.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

/// An Ed25519 public key: a valid curve point, possibly a weak (small-order)
/// one, which verification refuses with its own reason.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    key: ed25519_dalek::VerifyingKey,
    id: KeyId,
    // Checking the order costs a point multiplication; keys are checked once
    // here rather than on every verification.
    weak: bool,
}

impl PublicKey {
    /// Reads the raw 32-byte encoding.
    pub fn from_bytes(raw: &[u8; 32]) -> Result<Self, KeyError> {
        let key = ed25519_dalek::VerifyingKey::from_bytes(raw).map_err(|_| KeyError::NotAPoint)?;
        Ok(Self::from_dalek(key))
    }

    pub(crate) fn from_dalek(key: ed25519_dalek::VerifyingKey) -> Self {
        PublicKey {
            id: KeyId::of_raw_key(key.as_bytes()),
            weak: key.is_weak(),
            key,
        }
    }

    /// Reads an SPKI `PUBLIC KEY` PEM block (RFC 8410).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        ed25519_dalek::VerifyingKey::from_public_key_pem(pem.trim())
            .map(Self::from_dalek)
            .map_err(|e| KeyError::PublicKey {
                reason: e.to_string(),
            })
    }

    /// Every `PUBLIC KEY` block in a PEM text (other blocks are passed
    /// over), with the position and error of each block that does not
    /// parse.
    pub fn all_from_pem(text: &str) -> (Vec<PublicKey>, Vec<(usize, KeyError)>) {
        const BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
        const END: &str = "-----END PUBLIC KEY-----";
        let mut keys = Vec::new();
        let mut refused = Vec::new();
        let mut rest = text;
        let mut position = 0;
        while let Some(start) = rest.find(BEGIN) {
            let Some(from_start) = rest.get(start..) else {
                break;
            };
            let Some(end) = from_start.find(END) else {
                refused.push((
                    position,
                    KeyError::PublicKey {
                        reason: "BEGIN PUBLIC KEY without END".to_owned(),
                    },
                ));
                break;
            };
            let block_len = end + END.len();
            let block = from_start.get(..block_len).unwrap_or_default();
            match PublicKey::from_pem(block) {
                Ok(key) => keys.push(key),
                Err(e) => refused.push((position, e)),
            }
            position += 1;
            rest = from_start.get(block_len..).unwrap_or_default();
        }
        (keys, refused)
    }

    /// Writes an SPKI `PUBLIC KEY` PEM block.
    pub fn to_pem(&self) -> String {
        // Encoding a fixed-size key into PEM cannot fail; an empty string would
        // be refused by every reader, so nothing is silently wrong either way.
        self.key
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// The raw 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The key id that envelopes signed by this key carry.
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// Whether the key is of small order, so that signatures under it prove nothing.
    pub fn is_weak(&self) -> bool {
        self.weak
    }

    /// Strict Ed25519 verification of `signature` over `message`; a weak
    /// (small-order) key verifies nothing.
    pub(crate) fn verify_strict(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        !self.weak
            && self
                .key
                .verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature))
                .is_ok()
    }

    pub(crate) fn dalek(&self) -> &ed25519_dalek::VerifyingKey {
        &self.key
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id)
    }
}

/// Something that signs envelopes: a key in memory ([`SigningKey`]) or a
/// hardware module behind the same two calls.
pub trait Signer {
    /// The public key whose id goes into the envelope.
    fn public_key(&self) -> PublicKey;
    /// An Ed25519 signature over `message`.
    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError>;
}

/// An Ed25519 private key held in memory, wiped when dropped.
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
    public: PublicKey,
}

impl SigningKey {
    /// A new key from the operating system's random number generator.
    pub fn generate() -> Self {
        Self::from_dalek(ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng))
    }

    /// The key with this 32-byte seed (RFC 8032 private key). For tests and
    /// fixed demo keys; real keys come from [`SigningKey::generate`].
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self::from_dalek(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    fn from_dalek(key: ed25519_dalek::SigningKey) -> Self {
        let public = PublicKey::from_dalek(key.verifying_key());
        SigningKey { key, public }
    }

    /// Reads a PKCS#8 `PRIVATE KEY` PEM block (RFC 8410).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem.trim())
            .map(Self::from_dalek)
            .map_err(|e| KeyError::PrivateKey {
                reason: e.to_string(),
            })
    }

    /// Writes a PKCS#8 v1 `PRIVATE KEY` PEM block (RFC 8410); the string is
    /// wiped when dropped.
    ///
    /// Version 1, without the optional public key, because OpenSSL 3.0 cannot
    /// read the version 2 form that ed25519-dalek writes by default.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let mut keypair = ed25519_dalek::pkcs8::KeypairBytes::from(&self.key);
        keypair.public_key = None;
        keypair
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::PrivateKey {
                reason: e.to_string(),
            })
    }
}

impl Signer for SigningKey {
    fn public_key(&self) -> PublicKey {
        self.public
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        use ed25519_dalek::Signer as _;
        Ok(self.key.sign(message).to_bytes())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.public.key_id())
    }
}

#[cfg(test)]
mod tests;
