//! The signed envelope: a COSE_Sign1 (RFC 9052) with EdDSA over deterministic
//! CBOR claims. `test-vectors/FORMAT.md` is the normative description; the
//! constants below are its claim table.
//!
//! A decoded [`SignedLicence`] keeps the bytes it was decoded from, and the
//! signature is checked over those bytes, never over a re-encoding.

use core::ops::Range;

use thiserror::Error;

use crate::cbor::{self, CborError, Encoder, MapEntry, Value};
use crate::cose::{self, sig_structure};
use crate::date::{Date, UnixTime};
use crate::ident::Uscc;
use crate::keys::{KeyId, PublicKey, SignError, Signer};
use crate::licence::{
    DocumentKind, FaceField, Field, Holder, IdentityDocument, Issuer, Licence, LicenceError,
    MAX_CO_ISSUERS, StatusReference, ValidUntil,
};
use crate::trust::Certificate;

/// Largest envelope accepted, in bytes. A QR code holds at most 2,953 bytes,
/// so nothing legitimate comes near this.
pub const MAX_ENVELOPE_LEN: usize = 4096;
/// Largest `.cose` file accepted: the envelope with its signer's chain in
/// the unprotected header.
pub const MAX_ENVELOPE_FILE_LEN: usize = 64 * 1024;
/// Most certificates in the chain a `.cose` file carries.
pub const MAX_CARRIED_CHAIN: usize = 4;
/// The protected header's `typ` (RFC 9596): what tells a licence from every
/// other COSE_Sign1 the crate signs (seal records, status lists, trust lists).
pub const LICENCE_TYPE: &str = "application/elicence+cwt";

pub use crate::cose::COSE_SIGN1_TAG;
/// COSE algorithm EdDSA.
pub const ALG_EDDSA: i64 = -8;
/// The only payload format version this crate reads and writes.
pub const FORMAT_VERSION: u64 = 1;

const HEADER_ALG: i64 = 1;
const HEADER_KID: i64 = 4;
use crate::cose::{HEADER_TYP, HEADER_X5CHAIN};

/// CWT claim keys (RFC 8392) and our private-use claim.
mod claim {
    pub const ISS: i64 = 1;
    pub const EXP: i64 = 4;
    pub const NBF: i64 = 5;
    pub const IAT: i64 = 6;
    /// Private-use CWT claim (< -65536) holding the licence map.
    pub const LICENCE: i64 = -65537;
}

/// Keys of the licence map inside [`claim::LICENCE`].
mod key {
    pub const VERSION: i64 = 0;
    pub const TYPE_CODE: i64 = 1;
    pub const NUMBER: i64 = 2;
    pub const IDENTIFIER: i64 = 3;
    pub const HOLDER_NAME: i64 = 4;
    pub const HOLDER_ID_KIND: i64 = 5;
    pub const HOLDER_ID_NUMBER: i64 = 6;
    pub const ISSUER_NAME: i64 = 7;
    pub const ISSUE_DATE: i64 = 8;
    pub const FACE: i64 = 9;
    pub const PHOTO_SHA256: i64 = 10;
    pub const STATUS: i64 = 11;
    pub const CO_ISSUERS: i64 = 12;
    pub const TYPE_NAME: i64 = 13;
}

/// Why bytes are not a well-formed licence envelope.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// Larger than [`MAX_ENVELOPE_LEN`].
    #[error("envelope is {len} bytes; at most {max} are accepted")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not deterministic CBOR.
    #[error("bad CBOR: {0}")]
    Cbor(#[from] CborError),
    /// Not tagged 18 (COSE_Sign1).
    #[error("not a tagged COSE_Sign1 (found {found})")]
    NotCoseSign1 {
        /// What was found instead.
        found: String,
    },
    /// The COSE structure has the wrong shape.
    #[error("malformed COSE_Sign1: {0}")]
    Structure(&'static str),
    /// Larger than [`MAX_ENVELOPE_FILE_LEN`] with the chain it carries.
    #[error("envelope file is {len} bytes; at most {max} are accepted")]
    FileTooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The protected header's `typ` is not [`LICENCE_TYPE`]: another kind of
    /// signed object (a seal record, a status list, a trust list) or none.
    #[error("type {found} is not a licence ({LICENCE_TYPE:?})")]
    ObjectType {
        /// What was found: the text (cut to 64 characters), the CBOR type,
        /// or `none`.
        found: String,
    },
    /// The unprotected header holds something other than the signer's
    /// chain (`x5chain`), or a chain that is empty, too long or not
    /// certificates.
    #[error("unprotected header: {0}")]
    Unprotected(String),
    /// The algorithm is not EdDSA.
    #[error("algorithm {found} is not EdDSA (-8)")]
    UnsupportedAlgorithm {
        /// The algorithm found.
        found: i64,
    },
    /// The key id is not 8 bytes.
    #[error("key id is {len} bytes; it must be 8")]
    KeyIdLength {
        /// Its length.
        len: usize,
    },
    /// A header parameter this format does not define (including `crit`,
    /// whose presence means the signer relies on something we do not check).
    #[error("unknown or critical header parameter {label}")]
    UnknownHeader {
        /// Its label.
        label: i64,
    },
    /// The signature is not 64 bytes.
    #[error("signature is {len} bytes; it must be 64")]
    SignatureLength {
        /// Its length.
        len: usize,
    },
    /// A required claim is missing.
    #[error("claim {claim} is missing")]
    MissingClaim {
        /// Its name in `FORMAT.md`.
        claim: &'static str,
    },
    /// A claim has the wrong CBOR type or an out-of-range value.
    #[error("claim {claim}: expected {expected}")]
    BadClaim {
        /// Its name in `FORMAT.md`.
        claim: &'static str,
        /// What the format requires there.
        expected: &'static str,
    },
    /// A claim key this format does not define.
    #[error("unknown claim {key} in {map}")]
    UnknownClaim {
        /// Which map it is in.
        map: &'static str,
        /// Its key.
        key: i64,
    },
    /// A payload format version this crate does not read.
    #[error("payload format version {found} is not supported (this crate reads {FORMAT_VERSION})")]
    UnsupportedVersion {
        /// The version found.
        found: u64,
    },
    /// The claims decode, but the licence they describe is not valid.
    #[error("invalid licence: {0}")]
    Licence(#[from] LicenceError),
}

impl From<cose::Sign1Error> for EnvelopeError {
    fn from(e: cose::Sign1Error) -> Self {
        match e {
            cose::Sign1Error::Cbor(e) => EnvelopeError::Cbor(e),
            cose::Sign1Error::NotCoseSign1 { found } => EnvelopeError::NotCoseSign1 { found },
            cose::Sign1Error::Structure(what) => EnvelopeError::Structure(what),
        }
    }
}

/// Why a licence could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The envelope would be larger than verifiers accept (too many or too
    /// long face fields); nothing was signed.
    #[error("the signed envelope would be {len} bytes; verifiers accept at most {max}")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit, [`MAX_ENVELOPE_LEN`].
        max: usize,
    },
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignError),
}

/// A licence in its signed envelope, decoded and checked for form but not yet
/// for its signature: use [`crate::Verifier`] for that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedLicence {
    /// The envelope without the unprotected chain: what the QR text carries.
    bytes: Vec<u8>,
    /// The signer's certificate and CAs, carried in `.cose` files only.
    chain: Vec<Certificate>,
    protected: Range<usize>,
    payload: Range<usize>,
    signature: [u8; 64],
    key_id: KeyId,
    licence: Licence,
    issued_at: UnixTime,
}

/// The protected header: algorithm, key id, content type.
fn protected_header(key_id: &[u8]) -> Vec<u8> {
    let mut protected = Encoder::with_capacity(16 + LICENCE_TYPE.len());
    protected
        .map_header(3)
        .int(HEADER_ALG)
        .int(ALG_EDDSA)
        .int(HEADER_KID)
        .bytes(key_id)
        .int(HEADER_TYP)
        .text(LICENCE_TYPE);
    protected.into_bytes()
}

fn check_len(len: usize) -> Result<(), IssueError> {
    if len > MAX_ENVELOPE_LEN {
        return Err(IssueError::TooLarge {
            len,
            max: MAX_ENVELOPE_LEN,
        });
    }
    Ok(())
}

impl SignedLicence {
    /// Checks, without a key or a signature, that `licence` signed at
    /// `issued_at` would fit in [`MAX_ENVELOPE_LEN`] (the error
    /// [`SignedLicence::sign`] would give): for refusing one record of a
    /// batch before a whole group is signed.
    ///
    /// # Errors
    /// [`IssueError::TooLarge`].
    pub fn check_fits(licence: &Licence, issued_at: UnixTime) -> Result<(), IssueError> {
        let protected = protected_header(&[0; 8]);
        let payload = encode_claims(licence, issued_at);
        check_len(cose::encoded_len(protected.len(), payload.len()))
    }

    /// Signs `licence` at time `issued_at` (the `iat` claim). A licence whose
    /// envelope would exceed [`MAX_ENVELOPE_LEN`] is refused before the
    /// signer is asked for anything.
    pub fn sign(
        licence: Licence,
        signer: &dyn Signer,
        issued_at: UnixTime,
    ) -> Result<Self, IssueError> {
        let key_id = signer.public_key().key_id();
        let protected = protected_header(&key_id.0);
        let payload = encode_claims(&licence, issued_at);
        let len = cose::encoded_len(protected.len(), payload.len());
        check_len(len)?;
        let signature = signer.sign(&sig_structure(&protected, &payload))?;

        let (bytes, protected_range, payload_range) =
            cose::encode(&protected, &payload, &signature);
        debug_assert_eq!(bytes.len(), len);
        Ok(SignedLicence {
            bytes,
            chain: Vec::new(),
            protected: protected_range,
            payload: payload_range,
            signature,
            key_id,
            licence,
            issued_at,
        })
    }

    /// Decodes an envelope, refusing anything but the one deterministic
    /// encoding of a valid licence. Trailing bytes are an error. The bytes
    /// may be a `.cose` file's, whose unprotected header carries the
    /// signer's chain (`x5chain`, RFC 9360); the chain is kept apart and
    /// [`SignedLicence::as_bytes`] is the envelope without it.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        if bytes.len() > MAX_ENVELOPE_FILE_LEN {
            return Err(EnvelopeError::FileTooLarge {
                len: bytes.len(),
                max: MAX_ENVELOPE_FILE_LEN,
            });
        }
        let sign1 = cose::decode(bytes)?;
        let (protected, payload, signature) = (sign1.protected, sign1.payload, sign1.signature);
        let compact_len = cose::encoded_len(protected.len(), payload.len());
        if compact_len > MAX_ENVELOPE_LEN {
            return Err(EnvelopeError::TooLarge {
                len: compact_len,
                max: MAX_ENVELOPE_LEN,
            });
        }
        let key_id = decode_protected(protected)?;
        let signature: [u8; 64] =
            signature
                .try_into()
                .map_err(|_| EnvelopeError::SignatureLength {
                    len: signature.len(),
                })?;
        let chain = decode_unprotected(&sign1.unprotected)?;
        let (licence, issued_at) = decode_claims(payload)?;
        let (bytes, protected, payload) = if chain.is_empty() {
            let (protected, payload) = sign1.ranges_in(bytes);
            (bytes.to_vec(), protected, payload)
        } else {
            // The shell's other parts are byte strings, so the envelope
            // without the chain is exactly what was signed.
            cose::encode(protected, payload, &signature)
        };
        Ok(SignedLicence {
            protected,
            payload,
            bytes,
            chain,
            signature,
            key_id,
            licence,
            issued_at,
        })
    }

    /// The envelope as signed, without any carried chain: what the QR text
    /// holds and the signature covers.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Carries the signer's certificate then its CAs (at most
    /// [`MAX_CARRIED_CHAIN`]) in `.cose` files, so that a verifier with
    /// roots alone can check it. The QR text never carries them.
    ///
    /// # Errors
    /// [`EnvelopeError::Unprotected`] for an empty or too long chain, or
    /// one whose first certificate is not for the envelope's key id.
    pub fn with_chain(mut self, chain: Vec<Certificate>) -> Result<Self, EnvelopeError> {
        check_chain(&chain, self.key_id)?;
        self.chain = chain;
        Ok(self)
    }

    /// The signer's chain the envelope came with (empty unless it was read
    /// from, or made for, a `.cose` file).
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The `.cose` file: the envelope with the chain, if any, in the
    /// unprotected header as `x5chain`.
    pub fn to_file_bytes(&self) -> Vec<u8> {
        if self.chain.is_empty() {
            return self.bytes.clone();
        }
        let mut e = Encoder::with_capacity(
            self.bytes.len() + self.chain.iter().map(|c| c.der().len() + 4).sum::<usize>() + 8,
        );
        e.tag(cose::COSE_SIGN1_TAG)
            .array(4)
            .bytes(self.bytes.get(self.protected.clone()).unwrap_or_default())
            .map_header(1)
            .int(HEADER_X5CHAIN)
            .array(self.chain.len());
        for cert in &self.chain {
            e.bytes(cert.der());
        }
        e.bytes(self.bytes.get(self.payload.clone()).unwrap_or_default())
            .bytes(&self.signature);
        e.into_bytes()
    }

    /// The key id from the protected header.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The licence in the payload.
    pub fn licence(&self) -> &Licence {
        &self.licence
    }

    /// When it was signed (`iat`).
    pub fn issued_at(&self) -> UnixTime {
        self.issued_at
    }

    /// When validity starts (`nbf`): 00:00 China Standard Time on the valid-from date.
    pub fn not_before(&self) -> UnixTime {
        self.licence.valid_from.start_in_china()
    }

    /// When validity ends (`exp`): 00:00 China Standard Time on the day after
    /// the valid-until date; `None` for long-term licences.
    pub fn expires(&self) -> Option<UnixTime> {
        expiry(self.licence.valid_until)
    }

    /// The 64-byte signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// The COSE `Sig_structure` that the signature covers, built from the
    /// protected header and payload bytes as received.
    pub fn to_be_signed(&self) -> Vec<u8> {
        cose::signed_part(&self.bytes, &self.protected, &self.payload)
    }

    /// Checks the signature with `verify_strict` under `key`.
    pub fn verify_signature(&self, key: &PublicKey) -> Result<(), SignatureFailure> {
        verify_strict(key, &self.to_be_signed(), &self.signature)
    }
}

/// Strict Ed25519 as every signed format here checks it: a weak key proves
/// nothing, and `verify_strict` refuses small-order R and non-canonical S.
pub(crate) fn verify_strict(
    key: &PublicKey,
    message: &[u8],
    signature: &[u8; 64],
) -> Result<(), SignatureFailure> {
    if key.is_weak() {
        return Err(SignatureFailure::WeakKey);
    }
    let signature = ed25519_dalek::Signature::from_bytes(signature);
    key.dalek()
        .verify_strict(message, &signature)
        .map_err(|_| SignatureFailure::Invalid)
}

/// Why a signature check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// The key is of small order; no signature under it means anything.
    #[error("public key is weak (small order)")]
    WeakKey,
    /// The signature does not verify under `verify_strict`.
    #[error("signature does not verify")]
    Invalid,
}

fn expiry(until: ValidUntil) -> Option<UnixTime> {
    match until {
        // The builder refuses a last day with no next day (9999-12-31), so
        // the fallback, the same instant computed by hand, is never taken.
        ValidUntil::Date(d) => Some(
            d.succ()
                .map(Date::start_in_china)
                .unwrap_or_else(|_| UnixTime::from_secs(d.start_in_china().secs() + 86_400)),
        ),
        ValidUntil::LongTerm => None,
    }
}

/// The chain a `.cose` file carries: nothing, or `{33: [certificates]}`
/// (RFC 9360 also allows one certificate as a bare byte string).
fn decode_unprotected(entries: &[MapEntry<'_>]) -> Result<Vec<Certificate>, EnvelopeError> {
    let bad = |what: &str| EnvelopeError::Unprotected(what.to_owned());
    let der: Vec<&[u8]> = match entries {
        [] => return Ok(Vec::new()),
        [MapEntry { key, value, .. }] if key.as_i64() == Some(HEADER_X5CHAIN) => match value {
            Value::Bytes(one) => vec![*one],
            Value::Array(items) => {
                if items.is_empty() || items.len() > MAX_CARRIED_CHAIN {
                    return Err(EnvelopeError::Unprotected(format!(
                        "x5chain has {} certificates; 1 to {MAX_CARRIED_CHAIN} are accepted",
                        items.len()
                    )));
                }
                items
                    .iter()
                    .map(|item| match item {
                        Value::Bytes(b) => Ok(*b),
                        _ => Err(bad("x5chain must hold byte strings")),
                    })
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(bad("x5chain must be a byte string or an array of them")),
        },
        _ => return Err(bad("only x5chain (33) may be unprotected")),
    };
    der.into_iter()
        .enumerate()
        .map(|(i, d)| {
            Certificate::from_der(d)
                .map_err(|e| EnvelopeError::Unprotected(format!("x5chain certificate {i}: {e}")))
        })
        .collect()
}

/// A carried chain must be non-empty, short, and start with the signer.
fn check_chain(chain: &[Certificate], kid: KeyId) -> Result<(), EnvelopeError> {
    match chain.first() {
        None => Err(EnvelopeError::Unprotected("the chain is empty".into())),
        Some(_) if chain.len() > MAX_CARRIED_CHAIN => Err(EnvelopeError::Unprotected(format!(
            "the chain has {} certificates; at most {MAX_CARRIED_CHAIN} are carried",
            chain.len()
        ))),
        Some(first) if first.public_key().key_id() != kid => Err(EnvelopeError::Unprotected(
            "the chain's first certificate is not the signer's".into(),
        )),
        Some(_) => Ok(()),
    }
}

fn decode_protected(bytes: &[u8]) -> Result<KeyId, EnvelopeError> {
    let Value::Map(entries) = cbor::decode(bytes)? else {
        return Err(EnvelopeError::Structure("protected header must be a map"));
    };
    let mut alg = None;
    let mut kid = None;
    let mut typ = None;
    let mut unknown = None;
    for MapEntry { key, value, .. } in &entries {
        match key.as_i64() {
            Some(HEADER_ALG) => alg = Some(value),
            Some(HEADER_KID) => kid = Some(value),
            Some(HEADER_TYP) => typ = Some(value),
            // `crit` (label 2) lands here too: we understand no extension.
            // Reported after the type, so another format is named as such.
            Some(label) => unknown = unknown.or(Some(label)),
            None => return Err(EnvelopeError::Structure("header labels must be integers")),
        }
    }
    // The type first: another format's object is named as such, whatever
    // else it holds.
    cose::expect_type(typ, LICENCE_TYPE)
        .map_err(|e| EnvelopeError::ObjectType { found: e.found })?;
    if let Some(label) = unknown {
        return Err(EnvelopeError::UnknownHeader { label });
    }
    match alg.map(Value::as_i64) {
        Some(Some(ALG_EDDSA)) => {}
        Some(Some(found)) => return Err(EnvelopeError::UnsupportedAlgorithm { found }),
        Some(None) => return Err(EnvelopeError::Structure("alg must be an integer")),
        None => return Err(EnvelopeError::Structure("alg is missing")),
    }
    match kid {
        Some(Value::Bytes(kid)) => {
            let kid: [u8; 8] = (*kid)
                .try_into()
                .map_err(|_| EnvelopeError::KeyIdLength { len: kid.len() })?;
            Ok(KeyId(kid))
        }
        Some(_) => Err(EnvelopeError::Structure("kid must be a byte string")),
        None => Err(EnvelopeError::Structure("kid is missing")),
    }
}

/// Writes the claims with their keys in deterministic order, which the
/// order of the statements below is: 1, 4, 5, 6, -65537; inside the licence
/// map, 0 to 13.
fn encode_claims(licence: &Licence, issued_at: UnixTime) -> Vec<u8> {
    let exp = expiry(licence.valid_until);
    let mut e = Encoder::with_capacity(256);
    e.map_header(if exp.is_some() { 5 } else { 4 });
    e.int(claim::ISS).text(licence.issuer.code().as_str());
    if let Some(exp) = exp {
        e.int(claim::EXP).int(exp.secs());
    }
    e.int(claim::NBF)
        .int(licence.valid_from.start_in_china().secs());
    e.int(claim::IAT).int(issued_at.secs());

    let optional = [
        licence.identifier.is_some(),
        !licence.face.is_empty(),
        licence.photo_sha256.is_some(),
        licence.status.is_some(),
        !licence.co_issuers.is_empty(),
        licence.type_name.is_some(),
    ];
    e.int(claim::LICENCE)
        .map_header(8 + optional.iter().filter(|&&present| present).count());
    e.int(key::VERSION).int(FORMAT_VERSION as i64);
    e.int(key::TYPE_CODE).text(licence.type_code.as_str());
    e.int(key::NUMBER).text(&licence.number);
    if let Some(id) = &licence.identifier {
        e.int(key::IDENTIFIER)
            .array(2)
            .text(id.serial().as_str())
            .text(&id.version().to_string());
    }
    let document = licence.holder.document();
    e.int(key::HOLDER_NAME).text(licence.holder.name());
    e.int(key::HOLDER_ID_KIND)
        .int(document.kind().code() as i64);
    e.int(key::HOLDER_ID_NUMBER).text(document.number());
    e.int(key::ISSUER_NAME).text(licence.issuer.name());
    e.int(key::ISSUE_DATE)
        .int(licence.issue_date.days_since_epoch());
    if !licence.face.is_empty() {
        e.int(key::FACE).array(licence.face.len());
        for field in &licence.face {
            e.array(2).text(&field.label).text(&field.value);
        }
    }
    if let Some(digest) = &licence.photo_sha256 {
        e.int(key::PHOTO_SHA256).bytes(digest);
    }
    if let Some(status) = licence.status {
        e.int(key::STATUS)
            .array(2)
            .int(i64::from(status.list))
            .int(i64::from(status.index));
    }
    if !licence.co_issuers.is_empty() {
        e.int(key::CO_ISSUERS).array(licence.co_issuers.len());
        for co in &licence.co_issuers {
            e.array(2).text(co.name()).text(co.code().as_str());
        }
    }
    if let Some(name) = &licence.type_name {
        e.int(key::TYPE_NAME).text(name);
    }
    let bytes = e.into_bytes();
    debug_assert!(
        cbor::decode(&bytes).is_ok(),
        "claims must be deterministic CBOR"
    );
    bytes
}

/// Reads the claims map into a licence, running every check the builder runs.
fn decode_claims(payload: &[u8]) -> Result<(Licence, UnixTime), EnvelopeError> {
    let Value::Map(entries) = cbor::decode(payload)? else {
        return Err(EnvelopeError::BadClaim {
            claim: "payload",
            expected: "a map",
        });
    };
    let mut claims = Claims::new(entries, "claims")?;
    let iss = claims.text(claim::ISS, "iss")?;
    let iat = claims.int(claim::IAT, "iat")?;
    let nbf = claims.int(claim::NBF, "nbf")?;
    let exp = claims.optional(claim::EXP);
    let Value::Map(inner) = claims.take(claim::LICENCE, "licence")? else {
        return Err(EnvelopeError::BadClaim {
            claim: "licence",
            expected: "a map",
        });
    };
    claims.finish()?;

    let mut l = Claims::new(inner, "licence")?;
    let version = l.int(key::VERSION, "licence.version")?;
    if version != FORMAT_VERSION as i64 {
        return Err(EnvelopeError::UnsupportedVersion {
            found: version.unsigned_abs(),
        });
    }
    let type_code = l
        .text(key::TYPE_CODE, "licence.type_code")?
        .parse()
        .map_err(|source| LicenceError::Ident {
            field: Field::TypeCode,
            source,
        })?;
    let number = l.text(key::NUMBER, "licence.number")?;
    let identifier = match l.optional(key::IDENTIFIER) {
        None => None,
        Some(Value::Array(parts)) => match parts.as_slice() {
            [Value::Text(serial), Value::Text(version)] => Some((*serial, *version)),
            _ => return Err(bad("licence.identifier", "[serial text, version text]")),
        },
        Some(_) => return Err(bad("licence.identifier", "[serial text, version text]")),
    };
    let holder_name = l.text(key::HOLDER_NAME, "licence.holder_name")?;
    let kind = u64::try_from(l.int(key::HOLDER_ID_KIND, "licence.holder_id_kind")?)
        .ok()
        .and_then(DocumentKind::from_code)
        .ok_or(bad(
            "licence.holder_id_kind",
            "a document kind code from 1 to 6",
        ))?;
    let id_number = l.text(key::HOLDER_ID_NUMBER, "licence.holder_id_number")?;
    let issuer_name = l.text(key::ISSUER_NAME, "licence.issuer_name")?;
    let issue_date = Date::from_days_since_epoch(l.int(key::ISSUE_DATE, "licence.issue_date")?)
        .map_err(|source| LicenceError::Date {
            field: Field::IssueDate,
            source,
        })?;
    let face = match l.optional(key::FACE) {
        None => Vec::new(),
        Some(Value::Array(fields)) if !fields.is_empty() => fields
            .iter()
            .map(|f| match f {
                Value::Array(pair) => match pair.as_slice() {
                    [Value::Text(label), Value::Text(value)] => Ok(FaceField {
                        label: (*label).to_owned(),
                        value: (*value).to_owned(),
                    }),
                    _ => Err(bad("licence.face", "[label text, value text] pairs")),
                },
                _ => Err(bad("licence.face", "[label text, value text] pairs")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("licence.face", "a non-empty array")),
    };
    let photo = match l.optional(key::PHOTO_SHA256) {
        None => None,
        Some(Value::Bytes(d)) => {
            Some(<[u8; 32]>::try_from(d).map_err(|_| bad("licence.photo_sha256", "32 bytes"))?)
        }
        Some(_) => return Err(bad("licence.photo_sha256", "32 bytes")),
    };
    let status = match l.optional(key::STATUS) {
        None => None,
        Some(Value::Array(pair)) => {
            let u32_of = |v: &Value<'_>| v.as_i64().and_then(|n| u32::try_from(n).ok());
            match pair.as_slice() {
                [list, index] => match (u32_of(list), u32_of(index)) {
                    (Some(list), Some(index)) => Some(StatusReference { list, index }),
                    _ => return Err(bad("licence.status", "[list, index], each 0 to 2^32-1")),
                },
                _ => return Err(bad("licence.status", "[list, index], each 0 to 2^32-1")),
            }
        }
        Some(_) => return Err(bad("licence.status", "[list, index], each 0 to 2^32-1")),
    };
    let co_issuers = match l.optional(key::CO_ISSUERS) {
        None => Vec::new(),
        Some(Value::Array(entries)) if !entries.is_empty() => {
            // Refused before any is read, with the builder's error.
            if entries.len() > MAX_CO_ISSUERS {
                return Err(LicenceError::TooManyCoIssuers {
                    max: MAX_CO_ISSUERS,
                    found: entries.len(),
                }
                .into());
            }
            entries
                .iter()
                .enumerate()
                .map(|(i, entry)| match entry {
                    Value::Array(pair) => match pair.as_slice() {
                        [Value::Text(name), Value::Text(code)] => {
                            Ok(Issuer::co_issuer(i, name, code)?)
                        }
                        _ => Err(bad("licence.co_issuers", "[name text, code text] pairs")),
                    },
                    _ => Err(bad("licence.co_issuers", "[name text, code text] pairs")),
                })
                .collect::<Result<_, EnvelopeError>>()?
        }
        Some(_) => return Err(bad("licence.co_issuers", "a non-empty array")),
    };
    let type_name = match l.optional(key::TYPE_NAME) {
        None => None,
        Some(Value::Text(name)) => Some(name),
        Some(_) => return Err(bad("licence.type_name", "text")),
    };
    l.finish()?;

    let issuer_code: Uscc = iss.parse().map_err(|source| LicenceError::Ident {
        field: Field::IssuerCode,
        source,
    })?;
    let valid_from = midnight_date(nbf, "nbf")?;
    let valid_until = match exp {
        None => ValidUntil::LongTerm,
        Some(v) => {
            let exp = v.as_i64().ok_or(bad("exp", "an integer"))?;
            let day_after = midnight_date(exp, "exp")?;
            let until = Date::from_days_since_epoch(day_after.days_since_epoch() - 1)
                .map_err(|_| bad("exp", "a date after nbf"))?;
            ValidUntil::Date(until)
        }
    };
    let iat = UnixTime::from_secs(iat);

    let mut builder = Licence::builder(type_code, number)
        .holder(Holder::new(
            holder_name,
            IdentityDocument::new(kind, id_number)?,
        )?)
        .issuer(Issuer::new(issuer_name, issuer_code)?)
        .co_issuers(co_issuers)
        .issue_date(issue_date)
        .validity(valid_from, valid_until)
        .face_fields(face);
    if let Some((serial, version)) = identifier {
        builder = builder.identifier(serial, version);
    }
    if let Some(digest) = photo {
        builder = builder.photo_sha256(digest);
    }
    if let Some(reference) = status {
        builder = builder.status(reference);
    }
    if let Some(name) = type_name {
        builder = builder.type_name(name);
    }
    Ok((builder.build()?, iat))
}

fn bad(claim: &'static str, expected: &'static str) -> EnvelopeError {
    EnvelopeError::BadClaim { claim, expected }
}

/// `nbf` and `exp` must fall on 00:00 China Standard Time, so that each
/// licence date has exactly one encoding.
fn midnight_date(secs: i64, claim: &'static str) -> Result<Date, EnvelopeError> {
    let time = UnixTime::from_secs(secs);
    if !time.is_china_midnight() {
        return Err(bad(claim, "00:00 China Standard Time (UTC+8) on some date"));
    }
    time.date_in_china()
        .map_err(|_| bad(claim, "a time between years 1 and 9999"))
}

/// A claims map being taken apart; anything left at the end is an unknown claim.
struct Claims<'a> {
    entries: Vec<Option<MapEntry<'a>>>,
    map: &'static str,
}

impl<'a> Claims<'a> {
    fn new(entries: Vec<MapEntry<'a>>, map: &'static str) -> Result<Self, EnvelopeError> {
        if entries.iter().any(|e| e.key.as_i64().is_none()) {
            return Err(bad(map, "integer keys"));
        }
        Ok(Claims {
            entries: entries.into_iter().map(Some).collect(),
            map,
        })
    }

    fn optional(&mut self, key: i64) -> Option<Value<'a>> {
        self.entries
            .iter_mut()
            .find(|e| e.as_ref().is_some_and(|e| e.key.as_i64() == Some(key)))
            .and_then(Option::take)
            .map(|e| e.value)
    }

    fn take(&mut self, key: i64, claim: &'static str) -> Result<Value<'a>, EnvelopeError> {
        self.optional(key)
            .ok_or(EnvelopeError::MissingClaim { claim })
    }

    fn text(&mut self, key: i64, claim: &'static str) -> Result<&'a str, EnvelopeError> {
        match self.take(key, claim)? {
            Value::Text(t) => Ok(t),
            _ => Err(bad(claim, "a text string")),
        }
    }

    fn int(&mut self, key: i64, claim: &'static str) -> Result<i64, EnvelopeError> {
        self.take(key, claim)?
            .as_i64()
            .ok_or(bad(claim, "an integer"))
    }

    fn finish(self) -> Result<(), EnvelopeError> {
        match self.entries.into_iter().flatten().next() {
            None => Ok(()),
            Some(e) => Err(EnvelopeError::UnknownClaim {
                map: self.map,
                key: e.key.as_i64().unwrap_or_default(),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
