//! The seal record (印章数据): who owns a seal, the name and purpose it shows,
//! its picture and validity, and which certificates may apply it, signed by
//! the seal maker (制章人) whose certificate chains to a trusted root.
//!
//! The payload is modelled on GB/T 38540's `SES_SealInfo`, but the record is
//! a COSE_Sign1 (RFC 9052) with Ed25519 over deterministic CBOR, not the
//! standard's SM2/SM3 ASN.1: it does not conform to that standard.
//! `test-vectors/FORMAT.md` §9 is the normative description.
//!
//! A decoded [`SignedSeal`] keeps the bytes it was decoded from, and the
//! signature is checked over those bytes, never over a re-encoding.

use core::fmt;
use core::ops::Range;

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::cbor::{self, CborError, Encoder, MapEntry, Value};
use crate::cose::{self, HEADER_TYP, HEADER_X5CHAIN, sig_structure};
use crate::date::UnixTime;
use crate::envelope::ALG_EDDSA;
use crate::ident::{IdentError, Uscc};
use crate::keys::{KeyId, SignError, Signer};
use crate::trust::{CertError, Certificate, TrustFailure, TrustStore};

/// Largest seal record accepted, in bytes; checked before decoding. The
/// largest record the rules allow (a 256 KiB picture, four 16 KiB
/// certificates) is about 321 KiB.
pub const MAX_SEAL_LEN: usize = 512 * 1024;
/// The protected header's `typ` (RFC 9596): what tells a seal record from
/// every other COSE_Sign1 the crate signs.
pub const SEAL_TYPE: &str = "application/elicence-seal+cose";
/// The only payload format version this crate reads and writes.
pub const SEAL_FORMAT_VERSION: u64 = 1;
/// The vendor id this crate writes.
pub const VENDOR: &str = "elicence";
/// Most certificates in the maker's chain (the maker's and its CAs').
pub const MAX_MAKER_CHAIN: usize = 4;
/// Most certificates a seal may allow.
pub const MAX_ALLOWED_CERTIFICATES: usize = 16;
/// Largest picture, in bytes.
pub const MAX_PICTURE_LEN: usize = 256 * 1024;
/// Largest picture side, in pixels.
pub const MAX_PICTURE_PX: u32 = 2048;
/// Smallest printed side of the picture, in millimetres.
pub const MIN_PICTURE_MM: u16 = 10;
/// Largest printed side of the picture, in millimetres.
pub const MAX_PICTURE_MM: u16 = 100;
/// Most characters in a seal id.
pub const MAX_ID_LEN: usize = 64;
/// Most characters in a vendor id.
pub const MAX_VENDOR_CHARS: usize = 64;
/// Most characters in the name on the seal: what fits along a round seal's
/// arc (the same limit as `render::stamp`'s drawing).
pub const MAX_NAME_CHARS: usize = 24;
/// Most characters in the purpose: one straight line under the star.
pub const MAX_PURPOSE_CHARS: usize = 12;

const HEADER_ALG: i64 = 1;

/// Keys of the payload map.
mod key {
    pub const VERSION: i64 = 1;
    pub const VENDOR: i64 = 2;
    pub const ID: i64 = 3;
    pub const KIND: i64 = 4;
    pub const NAME: i64 = 5;
    pub const OWNER: i64 = 6;
    pub const PURPOSE: i64 = 7;
    pub const CERTIFICATES: i64 = 8;
    pub const CREATED: i64 = 9;
    pub const VALID_FROM: i64 = 10;
    pub const VALID_UNTIL: i64 = 11;
    pub const PICTURE: i64 = 12;
    /// Every key after the version, which is read first so that a later
    /// version's new keys are reported as a version, not as unknown keys.
    pub const AFTER_VERSION: [i64; 11] = [
        VENDOR,
        ID,
        KIND,
        NAME,
        OWNER,
        PURPOSE,
        CERTIFICATES,
        CREATED,
        VALID_FROM,
        VALID_UNTIL,
        PICTURE,
    ];
}

/// Keys of the picture map.
mod picture_key {
    pub const TYPE: i64 = 1;
    pub const DATA: i64 = 2;
    pub const WIDTH_MM: i64 = 3;
    pub const HEIGHT_MM: i64 = 4;
    pub const ALL: [i64; 4] = [TYPE, DATA, WIDTH_MM, HEIGHT_MM];
}

/// The only picture type.
const PICTURE_TYPE_PNG: &str = "PNG";
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
/// Keeps error values small even when an attacker submits huge inputs.
const MAX_STORED_INPUT: usize = 64;

/// Why a seal record cannot be decoded or built. Each has a stable
/// [`SealError::code`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SealError {
    /// Larger than [`MAX_SEAL_LEN`].
    #[error("seal record is {len} bytes; at most {max} are accepted")]
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
    /// The algorithm is not EdDSA.
    #[error("algorithm {found} is not EdDSA (-8)")]
    UnsupportedAlgorithm {
        /// The algorithm found.
        found: i64,
    },
    /// The protected header's `typ` is not [`SEAL_TYPE`]: another kind of
    /// signed object (a licence, a status list, a trust list) or none.
    #[error("type {found} is not {SEAL_TYPE:?}")]
    ObjectType {
        /// What was found: the text (cut to 64 characters), the CBOR type,
        /// or `none`.
        found: String,
    },
    /// The unprotected header is not empty: a seal record carries its chain
    /// in the protected header, where the signature covers it.
    #[error("the unprotected header must be empty")]
    UnprotectedHeader,
    /// A header parameter this format does not define (including `crit`,
    /// whose presence means the maker relies on something we do not check).
    #[error("unknown or critical header parameter {label}")]
    UnknownHeader {
        /// Its label.
        label: i64,
    },
    /// A required header parameter is missing.
    #[error("header parameter {label} is missing")]
    MissingHeader {
        /// Its label.
        label: i64,
    },
    /// The maker's chain has no certificate or more than [`MAX_MAKER_CHAIN`].
    #[error("the maker's chain has {len} certificates; it must have 1 to {MAX_MAKER_CHAIN}")]
    ChainLength {
        /// How many there are.
        len: usize,
    },
    /// A certificate in the maker's chain does not parse.
    #[error("certificate {index} of the maker's chain: {source}")]
    Certificate {
        /// Its position in the chain (0 is the maker's).
        index: usize,
        /// Why it does not parse.
        source: CertError,
    },
    /// The signature is not 64 bytes.
    #[error("signature is {len} bytes; it must be 64")]
    SignatureLength {
        /// Its length.
        len: usize,
    },
    /// A payload format version this crate does not read.
    #[error(
        "seal format version {version} is not supported (this crate reads {SEAL_FORMAT_VERSION})"
    )]
    UnsupportedVersion {
        /// The version found.
        version: u64,
    },
    /// A key this format does not define.
    #[error("unknown key {key} in the {map} map")]
    UnknownKey {
        /// Which map: `payload` or `picture`.
        map: &'static str,
        /// The key.
        key: i64,
    },
    /// A required field is missing (from the record, or not given to the
    /// builder).
    #[error("{key} is missing")]
    MissingKey {
        /// The field's name in `FORMAT.md` §9.
        key: &'static str,
    },
    /// A field has the wrong CBOR type.
    #[error("{key}: expected {expected}, found {found}")]
    WrongType {
        /// The field's name in `FORMAT.md` §9.
        key: &'static str,
        /// What the format requires.
        expected: &'static str,
        /// The CBOR type found.
        found: &'static str,
    },
    /// A text field is empty or too long.
    #[error("{field} has {chars} characters; it must have {min} to {max}")]
    Length {
        /// The field's name in `FORMAT.md` §9.
        field: &'static str,
        /// Its length in characters.
        chars: usize,
        /// The least allowed.
        min: usize,
        /// The most allowed.
        max: usize,
    },
    /// A text field has a character it may not have.
    #[error("{field}: character {found:?} at position {position} is not allowed")]
    Character {
        /// The field's name in `FORMAT.md` §9.
        field: &'static str,
        /// 1-based character position.
        position: usize,
        /// The character.
        found: char,
    },
    /// The owner is not a valid unified social credit code.
    #[error("owner: {0}")]
    Owner(IdentError),
    /// A seal kind code other than 1 and 2.
    #[error("seal kind {kind} is not 1 (official) or 2 (special-purpose)")]
    UnknownKind {
        /// The code found.
        kind: u64,
    },
    /// A purpose on an official seal, or none on a special-purpose seal.
    #[error("{kind} {}", .kind.purpose_rule())]
    PurposeMismatch {
        /// The seal's kind.
        kind: SealKind,
    },
    /// No allowed certificate, or more than [`MAX_ALLOWED_CERTIFICATES`].
    #[error("{count} allowed certificates; a seal allows 1 to {MAX_ALLOWED_CERTIFICATES}")]
    CertificateCount {
        /// How many there are.
        count: usize,
    },
    /// An allowed-certificate digest that is not 32 bytes.
    #[error("allowed certificate digest {index} is {len} bytes; SHA-256 is 32")]
    DigestLength {
        /// Its position in the list.
        index: usize,
        /// Its length.
        len: usize,
    },
    /// Allowed-certificate digests not in strictly ascending bytewise order
    /// (so repeated or unsorted).
    #[error("allowed certificate digest {index} is not greater than the one before it")]
    DigestOrder {
        /// The position of the first one out of order.
        index: usize,
    },
    /// A time before the Unix epoch or beyond 2^63-1 seconds.
    #[error("{key} is not a time from 0 to 2^63-1 seconds since the epoch")]
    TimeOutOfRange {
        /// The field's name in `FORMAT.md` §9.
        key: &'static str,
    },
    /// The validity period is empty, or the seal was made after it ended.
    #[error(
        "validity from {valid_from} until {valid_until}, created {created}: \
         the period must be non-empty and created no later than its end"
    )]
    Validity {
        /// When the seal was made.
        created: UnixTime,
        /// Start of validity.
        valid_from: UnixTime,
        /// End of validity.
        valid_until: UnixTime,
    },
    /// A picture type other than `PNG`.
    #[error("picture type {found} is not \"PNG\"")]
    PictureFormat {
        /// The type found, quoted and cut to 64 characters.
        found: String,
    },
    /// Picture data that is not a PNG (no signature, or no IHDR first).
    #[error("picture data is not a PNG")]
    NotPng,
    /// A picture larger than [`MAX_PICTURE_LEN`].
    #[error("picture is {len} bytes; at most {max} are accepted")]
    PictureTooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A picture side of 0 or more than [`MAX_PICTURE_PX`] pixels.
    #[error("picture is {width}×{height} pixels; each side must be 1 to {MAX_PICTURE_PX}")]
    PicturePixels {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// A printed side outside [`MIN_PICTURE_MM`]..=[`MAX_PICTURE_MM`].
    #[error(
        "picture is {width_mm}×{height_mm} mm; each side must be {MIN_PICTURE_MM} to {MAX_PICTURE_MM} mm"
    )]
    PictureMm {
        /// Width in millimetres.
        width_mm: u64,
        /// Height in millimetres.
        height_mm: u64,
    },
    /// The first certificate of the maker's chain is not for the signing key.
    #[error("the maker's certificate is for key {certificate}, but the signer's key is {signer}")]
    MakerKeyMismatch {
        /// The key id of the certificate's key.
        certificate: KeyId,
        /// The key id of the signer's key.
        signer: KeyId,
    },
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignError),
}

impl From<cose::Sign1Error> for SealError {
    fn from(e: cose::Sign1Error) -> Self {
        match e {
            cose::Sign1Error::Cbor(e) => SealError::Cbor(e),
            cose::Sign1Error::NotCoseSign1 { found } => SealError::NotCoseSign1 { found },
            cose::Sign1Error::Structure(what) => SealError::Structure(what),
        }
    }
}

impl SealError {
    /// A stable, short machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            SealError::TooLarge { .. } => "too_large",
            SealError::Cbor(_) => "bad_cbor",
            SealError::NotCoseSign1 { .. } => "not_cose_sign1",
            SealError::Structure(_) => "bad_structure",
            SealError::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            SealError::ObjectType { .. } => "not_a_seal_record",
            SealError::UnprotectedHeader => "unprotected_header",
            SealError::UnknownHeader { .. } => "unknown_header",
            SealError::MissingHeader { .. } => "missing_header",
            SealError::ChainLength { .. } => "chain_length",
            SealError::Certificate { .. } => "bad_certificate",
            SealError::SignatureLength { .. } => "signature_length",
            SealError::UnsupportedVersion { .. } => "unsupported_version",
            SealError::UnknownKey { .. } => "unknown_key",
            SealError::MissingKey { .. } => "missing_key",
            SealError::WrongType { .. } => "wrong_type",
            SealError::Length { .. } => "bad_length",
            SealError::Character { .. } => "bad_character",
            SealError::Owner(_) => "bad_owner",
            SealError::UnknownKind { .. } => "unknown_kind",
            SealError::PurposeMismatch { .. } => "purpose_mismatch",
            SealError::CertificateCount { .. } => "certificate_count",
            SealError::DigestLength { .. } => "digest_length",
            SealError::DigestOrder { .. } => "digest_order",
            SealError::TimeOutOfRange { .. } => "time_out_of_range",
            SealError::Validity { .. } => "bad_validity",
            SealError::PictureFormat { .. } => "picture_format",
            SealError::NotPng => "not_png",
            SealError::PictureTooLarge { .. } => "picture_too_large",
            SealError::PicturePixels { .. } => "picture_pixels",
            SealError::PictureMm { .. } => "picture_mm",
            SealError::MakerKeyMismatch { .. } => "maker_key_mismatch",
            SealError::Signer(_) => "signer_failed",
        }
    }
}

/// Why a well-formed seal record is not a genuine one. Each has a stable
/// [`SealFailure::code`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SealFailure {
    /// The signature does not verify (strict Ed25519) under the maker's
    /// certificate key: the record was altered or not signed by that key.
    #[error("the seal maker's signature does not verify")]
    BadSignature,
    /// The maker's certificate does not chain to a trusted root, or the
    /// chain breaks a rule.
    #[error("the seal maker is not trusted: {failure}")]
    MakerUntrusted {
        /// Which rule the chain breaks.
        failure: TrustFailure,
    },
    /// No valid chain of the maker's was valid when the seal was made.
    #[error("the seal maker's certificate chain was not valid when the seal was made ({created})")]
    MakerNotValidAtCreation {
        /// When the seal says it was made.
        created: UnixTime,
    },
}

impl SealFailure {
    /// A stable, short machine-readable name; for an untrusted maker, the
    /// chain rule's code ([`TrustFailure::code`]), as licence verdicts give it.
    pub fn code(&self) -> &'static str {
        match self {
            SealFailure::BadSignature => "bad_signature",
            SealFailure::MakerUntrusted { failure } => failure.code(),
            SealFailure::MakerNotValidAtCreation { .. } => "maker_not_valid_at_creation",
        }
    }
}

/// What a seal is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealKind {
    /// An organisation's own seal (公章); it has no purpose text.
    Official,
    /// A special-purpose seal (专用章, e.g. 合同专用章); it names its purpose.
    SpecialPurpose,
}

impl SealKind {
    fn code(self) -> u64 {
        match self {
            SealKind::Official => 1,
            SealKind::SpecialPurpose => 2,
        }
    }

    fn from_code(code: u64) -> Option<SealKind> {
        match code {
            1 => Some(SealKind::Official),
            2 => Some(SealKind::SpecialPurpose),
            _ => None,
        }
    }

    fn purpose_rule(&self) -> &'static str {
        match self {
            SealKind::Official => "has no purpose",
            SealKind::SpecialPurpose => "must name its purpose",
        }
    }
}

impl fmt::Display for SealKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SealKind::Official => "an official seal (公章)",
            SealKind::SpecialPurpose => "a special-purpose seal (专用章)",
        })
    }
}

/// The seal's picture: a PNG and the size it is printed at.
#[derive(Clone, PartialEq, Eq)]
pub struct SealPicture {
    png: Vec<u8>,
    width_px: u32,
    height_px: u32,
    width_mm: u16,
    height_mm: u16,
}

impl SealPicture {
    /// A PNG picture printed `width_mm` × `height_mm`. The PNG must start with
    /// its signature and IHDR, each side 1 to [`MAX_PICTURE_PX`] pixels, at
    /// most [`MAX_PICTURE_LEN`] bytes; each printed side
    /// [`MIN_PICTURE_MM`] to [`MAX_PICTURE_MM`]. The image data is not decoded.
    ///
    /// # Errors
    /// [`SealError::PictureTooLarge`], [`SealError::NotPng`],
    /// [`SealError::PicturePixels`] or [`SealError::PictureMm`].
    pub fn from_png(
        data: Vec<u8>,
        width_mm: u16,
        height_mm: u16,
    ) -> Result<SealPicture, SealError> {
        check_picture_mm(u64::from(width_mm), u64::from(height_mm))?;
        let (width_px, height_px) = check_png(&data)?;
        Ok(SealPicture {
            png: data,
            width_px,
            height_px,
            width_mm,
            height_mm,
        })
    }

    /// The PNG file.
    pub fn png(&self) -> &[u8] {
        &self.png
    }

    /// Width in pixels, from the IHDR.
    pub fn width_px(&self) -> u32 {
        self.width_px
    }

    /// Height in pixels, from the IHDR.
    pub fn height_px(&self) -> u32 {
        self.height_px
    }

    /// Printed width in millimetres.
    pub fn width_mm(&self) -> u16 {
        self.width_mm
    }

    /// Printed height in millimetres.
    pub fn height_mm(&self) -> u16 {
        self.height_mm
    }
}

impl fmt::Debug for SealPicture {
    // The PNG itself would bury everything else in a record's Debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealPicture")
            .field("png_len", &self.png.len())
            .field("px", &(self.width_px, self.height_px))
            .field("mm", &(self.width_mm, self.height_mm))
            .finish()
    }
}

fn check_picture_mm(width_mm: u64, height_mm: u64) -> Result<(), SealError> {
    let range = u64::from(MIN_PICTURE_MM)..=u64::from(MAX_PICTURE_MM);
    if range.contains(&width_mm) && range.contains(&height_mm) {
        Ok(())
    } else {
        Err(SealError::PictureMm {
            width_mm,
            height_mm,
        })
    }
}

/// The PNG's pixel size from its IHDR, which must be the first chunk; read
/// without decoding, so a small file claiming a huge image costs nothing.
fn check_png(data: &[u8]) -> Result<(u32, u32), SealError> {
    if data.len() > MAX_PICTURE_LEN {
        return Err(SealError::PictureTooLarge {
            len: data.len(),
            max: MAX_PICTURE_LEN,
        });
    }
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
    };
    // Signature, then the IHDR's length (13), type, width and height; its
    // other five bytes and CRC must be there too.
    if data.get(..8) != Some(&PNG_SIGNATURE[..])
        || word(8) != Some(13)
        || data.get(12..16) != Some(&b"IHDR"[..])
        || data.len() < 33
    {
        return Err(SealError::NotPng);
    }
    let (Some(width), Some(height)) = (word(16), word(20)) else {
        return Err(SealError::NotPng);
    };
    if !(1..=MAX_PICTURE_PX).contains(&width) || !(1..=MAX_PICTURE_PX).contains(&height) {
        return Err(SealError::PicturePixels { width, height });
    }
    Ok((width, height))
}

/// A registered seal: everything the maker signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealInfo {
    vendor: String,
    id: String,
    kind: SealKind,
    name: String,
    owner: Uscc,
    purpose: Option<String>,
    /// Strictly ascending, so the list has one encoding and lookups can
    /// binary-search.
    allowed: Vec<[u8; 32]>,
    created: UnixTime,
    valid_from: UnixTime,
    valid_until: UnixTime,
    picture: SealPicture,
}

impl SealInfo {
    /// Starts an official seal with id `id` (esID), the name shown on it, and
    /// its owner; [`SealBuilder::purpose`] makes it a special-purpose seal.
    pub fn builder(id: &str, name: &str, owner: Uscc) -> SealBuilder {
        SealBuilder {
            id: id.to_owned(),
            name: name.to_owned(),
            owner,
            purpose: None,
            allowed: Vec::new(),
            validity: None,
            picture: None,
        }
    }

    /// The seal id (esID).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Official or special-purpose.
    pub fn kind(&self) -> SealKind {
        self.kind
    }

    /// The name shown on the seal.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The owner's unified social credit code.
    pub fn owner(&self) -> &Uscc {
        &self.owner
    }

    /// The purpose of a special-purpose seal; `None` for an official seal.
    pub fn purpose(&self) -> Option<&str> {
        self.purpose.as_deref()
    }

    /// SHA-256 digests of the DER of the certificates that may apply the
    /// seal, in ascending order.
    pub fn allowed_certificates(&self) -> &[[u8; 32]] {
        &self.allowed
    }

    /// Whether `cert` may apply the seal: its DER's SHA-256 is in the list.
    pub fn allows(&self, cert: &Certificate) -> bool {
        let digest: [u8; 32] = Sha256::digest(cert.der()).into();
        self.allowed.binary_search(&digest).is_ok()
    }

    /// When the seal was made.
    pub fn created(&self) -> UnixTime {
        self.created
    }

    /// First second of validity.
    pub fn valid_from(&self) -> UnixTime {
        self.valid_from
    }

    /// Last second of validity (inclusive).
    pub fn valid_until(&self) -> UnixTime {
        self.valid_until
    }

    /// Whether the seal is valid at `at`: `valid_from <= at <= valid_until`.
    pub fn is_valid_at(&self, at: UnixTime) -> bool {
        self.valid_from <= at && at <= self.valid_until
    }

    /// The picture.
    pub fn picture(&self) -> &SealPicture {
        &self.picture
    }

    /// The vendor id of the system that made the record.
    pub fn vendor(&self) -> &str {
        &self.vendor
    }

    /// Every rule on the fields, in one place so that the builder and the
    /// decoder cannot drift apart. The picture checked itself when made.
    fn check(&self) -> Result<(), SealError> {
        check_text("vendor", &self.vendor, MAX_VENDOR_CHARS, |c| {
            !c.is_control()
        })?;
        check_text("id", &self.id, MAX_ID_LEN, |c| c.is_ascii_graphic())?;
        check_text("name", &self.name, MAX_NAME_CHARS, |c| !c.is_control())?;
        match (self.kind, &self.purpose) {
            (SealKind::Official, None) => {}
            (SealKind::SpecialPurpose, Some(purpose)) => {
                check_text("purpose", purpose, MAX_PURPOSE_CHARS, |c| !c.is_control())?;
            }
            (kind, _) => return Err(SealError::PurposeMismatch { kind }),
        }
        let count = self.allowed.len();
        if !(1..=MAX_ALLOWED_CERTIFICATES).contains(&count) {
            return Err(SealError::CertificateCount { count });
        }
        if let Some(index) = self
            .allowed
            .windows(2)
            .position(|pair| pair.first() >= pair.get(1))
        {
            return Err(SealError::DigestOrder { index: index + 1 });
        }
        for (key, time) in [
            ("created", self.created),
            ("valid_from", self.valid_from),
            ("valid_until", self.valid_until),
        ] {
            if time.secs() < 0 {
                return Err(SealError::TimeOutOfRange { key });
            }
        }
        if self.valid_from >= self.valid_until || self.created > self.valid_until {
            return Err(SealError::Validity {
                created: self.created,
                valid_from: self.valid_from,
                valid_until: self.valid_until,
            });
        }
        Ok(())
    }
}

/// 1 to `max` characters, each allowed by `allowed`.
fn check_text(
    field: &'static str,
    text: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), SealError> {
    let chars = text.chars().count();
    if !(1..=max).contains(&chars) {
        return Err(SealError::Length {
            field,
            chars,
            min: 1,
            max,
        });
    }
    match text.chars().enumerate().find(|&(_, c)| !allowed(c)) {
        Some((i, found)) => Err(SealError::Character {
            field,
            position: i + 1,
            found,
        }),
        None => Ok(()),
    }
}

/// Builds a [`SealInfo`]; [`SealBuilder::build`] runs every check the
/// decoder runs.
#[derive(Debug, Clone)]
#[must_use]
pub struct SealBuilder {
    id: String,
    name: String,
    owner: Uscc,
    purpose: Option<String>,
    allowed: Vec<[u8; 32]>,
    validity: Option<(UnixTime, UnixTime, UnixTime)>,
    picture: Option<SealPicture>,
}

impl SealBuilder {
    /// Makes it a special-purpose seal (专用章) for `purpose`, e.g. 合同专用章.
    pub fn purpose(mut self, purpose: &str) -> SealBuilder {
        self.purpose = Some(purpose.to_owned());
        self
    }

    /// Allows `cert` to apply the seal.
    pub fn allow_certificate(self, cert: &Certificate) -> SealBuilder {
        self.allow_certificate_digest(Sha256::digest(cert.der()).into())
    }

    /// Allows the certificate whose DER has this SHA-256 to apply the seal.
    pub fn allow_certificate_digest(mut self, digest: [u8; 32]) -> SealBuilder {
        self.allowed.push(digest);
        self
    }

    /// When the seal was made, and its validity period (both ends inclusive).
    pub fn validity(
        mut self,
        created: UnixTime,
        valid_from: UnixTime,
        valid_until: UnixTime,
    ) -> SealBuilder {
        self.validity = Some((created, valid_from, valid_until));
        self
    }

    /// The picture.
    pub fn picture(mut self, picture: SealPicture) -> SealBuilder {
        self.picture = Some(picture);
        self
    }

    /// The seal, if every field is present and valid. Allowed certificates
    /// are sorted and repeats dropped.
    ///
    /// # Errors
    /// [`SealError::MissingKey`] for a missing validity or picture, else the
    /// error for the first rule broken.
    pub fn build(self) -> Result<SealInfo, SealError> {
        let (created, valid_from, valid_until) = self
            .validity
            .ok_or(SealError::MissingKey { key: "created" })?;
        let picture = self
            .picture
            .ok_or(SealError::MissingKey { key: "picture" })?;
        let mut allowed = self.allowed;
        allowed.sort_unstable();
        allowed.dedup();
        let info = SealInfo {
            vendor: VENDOR.to_owned(),
            id: self.id,
            kind: if self.purpose.is_some() {
                SealKind::SpecialPurpose
            } else {
                SealKind::Official
            },
            name: self.name,
            owner: self.owner,
            purpose: self.purpose,
            allowed,
            created,
            valid_from,
            valid_until,
            picture,
        };
        info.check()?;
        Ok(info)
    }
}

/// A seal record in its signed COSE_Sign1, decoded and checked for form; use
/// [`SignedSeal::verify`] for the signature and the maker's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedSeal {
    bytes: Vec<u8>,
    protected: Range<usize>,
    payload: Range<usize>,
    signature: [u8; 64],
    info: SealInfo,
    /// The first of `chain`, kept apart so that [`SignedSeal::maker`] needs
    /// no fallback for an empty chain, which decoding and signing refuse.
    maker: Certificate,
    chain: Vec<Certificate>,
}

impl SignedSeal {
    /// Signs `info` with the seal maker's key; `maker_chain` is the maker's
    /// certificate (for `maker`'s key) then any intermediate CA certificates,
    /// 1 to [`MAX_MAKER_CHAIN`] in all, carried in the record.
    ///
    /// # Errors
    /// [`SealError::ChainLength`], [`SealError::MakerKeyMismatch`] (both
    /// before the signer is asked for anything), [`SealError::TooLarge`]
    /// (which the field limits make impossible), or [`SealError::Signer`].
    pub fn sign(
        info: SealInfo,
        maker: &dyn Signer,
        maker_chain: &[Certificate],
    ) -> Result<SignedSeal, SealError> {
        let len = maker_chain.len();
        let maker_cert = match maker_chain.first() {
            Some(cert) if len <= MAX_MAKER_CHAIN => cert,
            _ => return Err(SealError::ChainLength { len }),
        };
        let signer_key = maker.public_key();
        if maker_cert.public_key() != &signer_key {
            return Err(SealError::MakerKeyMismatch {
                certificate: maker_cert.public_key().key_id(),
                signer: signer_key.key_id(),
            });
        }
        let protected = encode_protected(maker_chain);
        let payload = encode_payload(&info);
        let len = cose::encoded_len(protected.len(), payload.len());
        if len > MAX_SEAL_LEN {
            return Err(SealError::TooLarge {
                len,
                max: MAX_SEAL_LEN,
            });
        }
        let signature = maker.sign(&sig_structure(&protected, &payload))?;

        let (bytes, protected_range, payload_range) =
            cose::encode(&protected, &payload, &signature);
        debug_assert_eq!(bytes.len(), len);
        Ok(SignedSeal {
            bytes,
            protected: protected_range,
            payload: payload_range,
            signature,
            info,
            maker: maker_cert.clone(),
            chain: maker_chain.to_vec(),
        })
    }

    /// Decodes a seal record, refusing anything but the one deterministic
    /// encoding of a valid seal; every check the builder runs is run again.
    /// Trailing bytes are an error. The signature is not checked here.
    ///
    /// # Errors
    /// [`SealError`] for the first rule broken.
    pub fn from_slice(bytes: &[u8]) -> Result<SignedSeal, SealError> {
        if bytes.len() > MAX_SEAL_LEN {
            return Err(SealError::TooLarge {
                len: bytes.len(),
                max: MAX_SEAL_LEN,
            });
        }
        let sign1 = cose::decode(bytes)?;
        let (protected, payload, signature) = (sign1.protected, sign1.payload, sign1.signature);
        let chain = decode_protected(protected)?;
        if !sign1.unprotected.is_empty() {
            return Err(SealError::UnprotectedHeader);
        }
        let signature: [u8; 64] = signature
            .try_into()
            .map_err(|_| SealError::SignatureLength {
                len: signature.len(),
            })?;
        let info = decode_payload(payload)?;
        let maker = chain
            .first()
            .cloned()
            .ok_or(SealError::ChainLength { len: 0 })?;
        let (protected, payload) = sign1.ranges_in(bytes);
        Ok(SignedSeal {
            protected,
            payload,
            bytes: bytes.to_vec(),
            signature,
            info,
            maker,
            chain,
        })
    }

    /// The record exactly as signed or received.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The seal.
    pub fn info(&self) -> &SealInfo {
        &self.info
    }

    /// The seal maker's certificate (the first of the chain).
    pub fn maker(&self) -> &Certificate {
        &self.maker
    }

    /// The maker's certificate then the intermediate CA certificates that
    /// came with it.
    pub fn maker_chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The 64-byte signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// Checks, in order: the maker's signature (strict Ed25519 over the
    /// `Sig_structure` built from the bytes as received); that the maker's
    /// certificate chains to a root in `store`, the carried intermediates
    /// helping, under the signer policy for the seal-maker role (an
    /// end-entity with digitalSignature, the seal-maker extended key usage
    /// and an authority code, the seal maker organisation's); and that the chain was valid when the seal was made
    /// (the chain model). The seal's own validity is
    /// [`SealInfo::is_valid_at`]'s to answer.
    ///
    /// # Errors
    /// The first [`SealFailure`].
    pub fn verify(&self, store: &TrustStore) -> Result<(), SealFailure> {
        let tbs = cose::signed_part(&self.bytes, &self.protected, &self.payload);
        if !self.maker.public_key().verify_strict(&tbs, &self.signature) {
            return Err(SealFailure::BadSignature);
        }
        let signer = store.certify(
            crate::trust::CertRole::SealMaker,
            &self.maker,
            self.chain.get(1..).unwrap_or_default(),
        );
        if let Some(failure) = signer.failure() {
            return Err(SealFailure::MakerUntrusted {
                failure: failure.clone(),
            });
        }
        let created = self.info.created;
        if !signer.valid_at(created) {
            return Err(SealFailure::MakerNotValidAtCreation { created });
        }
        Ok(())
    }
}

/// `{1: -8, 16: typ, 33: [certificates]}`, keys in deterministic order.
fn encode_protected(chain: &[Certificate]) -> Vec<u8> {
    let capacity = 40 + chain.iter().map(|c| c.der().len() + 3).sum::<usize>();
    let mut e = Encoder::with_capacity(capacity);
    e.map_header(3)
        .int(HEADER_ALG)
        .int(ALG_EDDSA)
        .int(HEADER_TYP)
        .text(SEAL_TYPE)
        .int(HEADER_X5CHAIN)
        .array(chain.len());
    for cert in chain {
        e.bytes(cert.der());
    }
    e.into_bytes()
}

/// Writes the payload with its keys in deterministic order, which the order
/// of the statements below is: 1 to 12, and 1 to 4 in the picture.
fn encode_payload(info: &SealInfo) -> Vec<u8> {
    let picture = &info.picture;
    let mut e = Encoder::with_capacity(picture.png.len() + 64 + 35 * info.allowed.len());
    e.map_header(if info.purpose.is_some() { 12 } else { 11 });
    e.int(key::VERSION).int(SEAL_FORMAT_VERSION as i64);
    e.int(key::VENDOR).text(&info.vendor);
    e.int(key::ID).text(&info.id);
    e.int(key::KIND).int(info.kind.code() as i64);
    e.int(key::NAME).text(&info.name);
    e.int(key::OWNER).text(info.owner.as_str());
    if let Some(purpose) = &info.purpose {
        e.int(key::PURPOSE).text(purpose);
    }
    e.int(key::CERTIFICATES).array(info.allowed.len());
    for digest in &info.allowed {
        e.bytes(digest);
    }
    e.int(key::CREATED).int(info.created.secs());
    e.int(key::VALID_FROM).int(info.valid_from.secs());
    e.int(key::VALID_UNTIL).int(info.valid_until.secs());
    e.int(key::PICTURE).map_header(4);
    e.int(picture_key::TYPE).text(PICTURE_TYPE_PNG);
    e.int(picture_key::DATA).bytes(&picture.png);
    e.int(picture_key::WIDTH_MM)
        .int(i64::from(picture.width_mm));
    e.int(picture_key::HEIGHT_MM)
        .int(i64::from(picture.height_mm));
    let bytes = e.into_bytes();
    debug_assert!(
        cbor::decode(&bytes).is_ok(),
        "the payload must be deterministic CBOR"
    );
    bytes
}

/// The maker's chain from the protected header, each certificate parsed.
fn decode_protected(bytes: &[u8]) -> Result<Vec<Certificate>, SealError> {
    let Value::Map(entries) = cbor::decode(bytes)? else {
        return Err(SealError::Structure("protected header must be a map"));
    };
    let mut alg = None;
    let mut typ = None;
    let mut x5chain = None;
    let mut unknown = None;
    for MapEntry { key, value, .. } in entries {
        match key.as_i64() {
            Some(HEADER_ALG) => alg = Some(value),
            Some(HEADER_TYP) => typ = Some(value),
            Some(HEADER_X5CHAIN) => x5chain = Some(value),
            // `crit` (label 2) lands here too: we understand no extension.
            // Reported after the type, so another format is named as such.
            Some(label) => unknown = unknown.or(Some(label)),
            None => return Err(SealError::Structure("header labels must be integers")),
        }
    }
    cose::expect_type(typ.as_ref(), SEAL_TYPE)
        .map_err(|e| SealError::ObjectType { found: e.found })?;
    if let Some(label) = unknown {
        return Err(SealError::UnknownHeader { label });
    }
    match alg.as_ref().map(Value::as_i64) {
        Some(Some(ALG_EDDSA)) => {}
        Some(Some(found)) => return Err(SealError::UnsupportedAlgorithm { found }),
        Some(None) => return Err(SealError::Structure("alg must be an integer")),
        None => return Err(SealError::MissingHeader { label: HEADER_ALG }),
    }
    let items = match x5chain {
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(SealError::Structure(
                "x5chain must be an array of byte strings",
            ));
        }
        None => {
            return Err(SealError::MissingHeader {
                label: HEADER_X5CHAIN,
            });
        }
    };
    if !(1..=MAX_MAKER_CHAIN).contains(&items.len()) {
        return Err(SealError::ChainLength { len: items.len() });
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::Bytes(der) => Certificate::from_der(der)
                .map_err(|source| SealError::Certificate { index, source }),
            _ => Err(SealError::Structure(
                "x5chain must be an array of byte strings",
            )),
        })
        .collect()
}

/// Reads the payload into a seal, running every check the builder runs.
fn decode_payload(bytes: &[u8]) -> Result<SealInfo, SealError> {
    let mut p = Fields::new(cbor::decode(bytes)?, "payload")?;
    let version = p.uint(key::VERSION, "version")?;
    if version != SEAL_FORMAT_VERSION {
        return Err(SealError::UnsupportedVersion { version });
    }
    p.only(&key::AFTER_VERSION)?;
    let vendor = p.text(key::VENDOR, "vendor")?;
    let id = p.text(key::ID, "id")?;
    let kind = p.uint(key::KIND, "kind")?;
    let kind = SealKind::from_code(kind).ok_or(SealError::UnknownKind { kind })?;
    let name = p.text(key::NAME, "name")?;
    let owner = p
        .text(key::OWNER, "owner")?
        .parse::<Uscc>()
        .map_err(SealError::Owner)?;
    let purpose = match p.optional(key::PURPOSE) {
        None => None,
        Some(Value::Text(t)) => Some(t.to_owned()),
        Some(other) => return Err(wrong_type("purpose", "a text string", &other)),
    };
    let allowed = decode_digests(p.take(key::CERTIFICATES, "certificates")?)?;
    let created = time(p.take(key::CREATED, "created")?, "created")?;
    let valid_from = time(p.take(key::VALID_FROM, "valid_from")?, "valid_from")?;
    let valid_until = time(p.take(key::VALID_UNTIL, "valid_until")?, "valid_until")?;
    let picture = decode_picture(p.take(key::PICTURE, "picture")?)?;
    let info = SealInfo {
        vendor: vendor.to_owned(),
        id: id.to_owned(),
        kind,
        name: name.to_owned(),
        owner,
        purpose,
        allowed,
        created,
        valid_from,
        valid_until,
        picture,
    };
    info.check()?;
    Ok(info)
}

fn decode_digests(value: Value<'_>) -> Result<Vec<[u8; 32]>, SealError> {
    const EXPECTED: &str = "an array of 32-byte byte strings";
    let Value::Array(items) = value else {
        return Err(wrong_type("certificates", EXPECTED, &value));
    };
    if !(1..=MAX_ALLOWED_CERTIFICATES).contains(&items.len()) {
        return Err(SealError::CertificateCount { count: items.len() });
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::Bytes(d) => <[u8; 32]>::try_from(*d).map_err(|_| SealError::DigestLength {
                index,
                len: d.len(),
            }),
            other => Err(wrong_type("certificates", EXPECTED, other)),
        })
        .collect()
}

fn decode_picture(value: Value<'_>) -> Result<SealPicture, SealError> {
    let mut p = Fields::new(value, "picture")?;
    p.only(&picture_key::ALL)?;
    let kind = p.text(picture_key::TYPE, "picture.type")?;
    if kind != PICTURE_TYPE_PNG {
        return Err(SealError::PictureFormat {
            found: quoted(kind),
        });
    }
    let data = match p.take(picture_key::DATA, "picture.data")? {
        Value::Bytes(b) => b,
        other => return Err(wrong_type("picture.data", "a byte string", &other)),
    };
    let width_mm = p.uint(picture_key::WIDTH_MM, "picture.width_mm")?;
    let height_mm = p.uint(picture_key::HEIGHT_MM, "picture.height_mm")?;
    check_picture_mm(width_mm, height_mm)?;
    // Checked before the copy, so an oversized picture is never copied.
    check_png(data)?;
    let (Ok(width_mm), Ok(height_mm)) = (u16::try_from(width_mm), u16::try_from(height_mm)) else {
        return Err(SealError::PictureMm {
            width_mm,
            height_mm,
        });
    };
    SealPicture::from_png(data.to_vec(), width_mm, height_mm)
}

/// A time: an unsigned integer that fits [`UnixTime`].
fn time(value: Value<'_>, key: &'static str) -> Result<UnixTime, SealError> {
    match value {
        Value::Uint(n) => i64::try_from(n)
            .map(UnixTime::from_secs)
            .map_err(|_| SealError::TimeOutOfRange { key }),
        Value::Nint(_) => Err(SealError::TimeOutOfRange { key }),
        other => Err(wrong_type(key, "an unsigned integer", &other)),
    }
}

fn wrong_type(key: &'static str, expected: &'static str, found: &Value<'_>) -> SealError {
    SealError::WrongType {
        key,
        expected,
        found: match found {
            Value::Nint(_) => "negative integer",
            other => other.kind(),
        },
    }
}

/// Attacker-chosen text for an error message: quoted, and cut short so that
/// errors stay small.
fn quoted(text: &str) -> String {
    format!(
        "{:?}",
        text.chars().take(MAX_STORED_INPUT).collect::<String>()
    )
}

/// A map with integer keys being taken apart.
struct Fields<'a> {
    entries: Vec<Option<MapEntry<'a>>>,
    map: &'static str,
}

impl<'a> Fields<'a> {
    fn new(value: Value<'a>, map: &'static str) -> Result<Self, SealError> {
        let Value::Map(entries) = value else {
            return Err(wrong_type(map, "a map", &value));
        };
        if let Some(entry) = entries.iter().find(|e| e.key.as_i64().is_none()) {
            return Err(wrong_type(map, "a map with integer keys", &entry.key));
        }
        Ok(Fields {
            entries: entries.into_iter().map(Some).collect(),
            map,
        })
    }

    /// Refuses any key left that is not in `keys`.
    fn only(&self, keys: &[i64]) -> Result<(), SealError> {
        let unknown = self
            .entries
            .iter()
            .flatten()
            .filter_map(|e| e.key.as_i64())
            .find(|k| !keys.contains(k));
        match unknown {
            Some(key) => Err(SealError::UnknownKey { map: self.map, key }),
            None => Ok(()),
        }
    }

    fn optional(&mut self, key: i64) -> Option<Value<'a>> {
        self.entries
            .iter_mut()
            .find(|e| e.as_ref().is_some_and(|e| e.key.as_i64() == Some(key)))
            .and_then(Option::take)
            .map(|e| e.value)
    }

    fn take(&mut self, key: i64, name: &'static str) -> Result<Value<'a>, SealError> {
        self.optional(key)
            .ok_or(SealError::MissingKey { key: name })
    }

    fn text(&mut self, key: i64, name: &'static str) -> Result<&'a str, SealError> {
        match self.take(key, name)? {
            Value::Text(t) => Ok(t),
            other => Err(wrong_type(name, "a text string", &other)),
        }
    }

    fn uint(&mut self, key: i64, name: &'static str) -> Result<u64, SealError> {
        match self.take(key, name)? {
            Value::Uint(n) => Ok(n),
            other => Err(wrong_type(name, "an unsigned integer", &other)),
        }
    }
}

#[cfg(test)]
mod tests;
