//! Licence status lists: IETF Token Status Lists
//! (draft-ietf-oauth-status-list) in their CWT form, signed with Ed25519.
//!
//! A licence names its entry in a list ([`crate::licence::StatusReference`]);
//! the issuing authority publishes the whole list, a few hundred kilobytes at
//! most, as one signed [`SignedStatusList`], and a verifier looks the entry
//! up offline. Everybody holding a licence fetches the same list, so the
//! publisher cannot tell whose licence is being checked (herd privacy): our
//! lists hold at least [`MIN_LIST_ENTRIES`] entries and entries are handed
//! out at random ([`IndexAllocator`]).
//!
//! # Status values
//!
//! Each entry takes 4 bits (the draft allows 1, 2, 4 or 8; ours always write
//! 4). The draft registers 0x00 to 0x02 and reserves 0x03 and 0x0C to 0x0F
//! for applications; the licence status codes of the 住建部 table map onto
//! them as follows.
//!
//! | Code | Status           | 中文 | List value | Draft meaning          |
//! |------|------------------|------|------------|------------------------|
//! | 01   | valid            | 有效 | 0x00       | VALID                  |
//! | 02   | suspended        | 暂扣 | 0x02       | SUSPENDED              |
//! | 03   | revoked          | 撤销 | 0x01       | INVALID                |
//! | 04   | cancelled        | 注销 | 0x03       | application-specific   |
//! | 05   | lapsed           | 失效 | 0x0C       | application-specific   |
//! | 06   | transferred out  | 转出 | 0x0D       | application-specific   |
//! | 07   | withdrawn        | 吊销 | 0x0E       | application-specific   |
//! | 99   | other            | 其他 | 0x0F       | application-specific   |
//!
//! Values 0x04 to 0x0B are reserved for future registration: an entry
//! holding one is no status at all, [`StatusList::status`] reports it as
//! [`StatusListError::UnregisteredValue`], and a verifier treats the licence
//! as not valid.
//!
//! # Token format
//!
//! COSE_Sign1 (tag 18) with the protected header `{1: -8 (EdDSA), 4: kid
//! (the 8-byte [`KeyId`]), 16: "application/statuslist+cwt", 33: x5chain
//! (the signer's certificate, then its CAs, RFC 9360)}`, an empty
//! unprotected header, and the claims `{2: sub (the list's URI), 4: exp
//! (optional), 6: iat, 65533: {"lst": zlib bytes, "bits": 4}, 65534: ttl
//! (seconds)}`, all in deterministic CBOR (RFC 8949 §4.2.1). Deterministic
//! order puts `"lst"` before `"bits"`, which the draft's examples do not;
//! [`ForeignStatusList`] reads other issuers' tokens, in any key order.

use core::fmt;
use core::ops::Range;
use std::io::Read as _;

use flate2::Compression;
use rand_core::{CryptoRng, RngCore};
use thiserror::Error;

use crate::cbor::{self, CborError, Encoder, MapEntry, Value};
use crate::cose::{self, HEADER_TYP, HEADER_X5CHAIN, sig_structure};
use crate::date::UnixTime;
use crate::envelope::SignatureFailure;
use crate::keys::{KeyId, PublicKey, SignError, Signer};
use crate::trust::{CertError, Certificate};

/// The protected header's `typ` (RFC 9596) of a Status List Token in CWT
/// form, as the draft registers it.
pub const STATUS_LIST_TYPE: &str = "application/statuslist+cwt";
/// Fewest entries in a list we sign or accept as ours, for herd privacy
/// (the size the W3C Bitstring Status List recommends).
pub const MIN_LIST_ENTRIES: u32 = 1 << 17;
/// Largest decompressed list accepted, in bytes (8 Mi entries of 4 bits);
/// decompression stops, and the list is refused, past it.
pub const MAX_STATUS_LIST_BYTES: usize = 4 * 1024 * 1024;
/// Largest Status List Token accepted, in bytes.
pub const MAX_STATUS_TOKEN_LEN: usize = 1024 * 1024;
/// Most certificates in a token's `x5chain`.
pub const MAX_SIGNER_CHAIN: usize = 4;
/// Longest `sub` (the list's URI) accepted, in bytes.
pub const MAX_SUBJECT_LEN: usize = 2048;
/// Bits per entry in the lists we sign.
pub const OUR_BITS: u8 = 4;

/// Most entries an [`IndexAllocator`] or a new [`StatusList`] may have: a
/// list of 4-bit entries as large as [`MAX_STATUS_LIST_BYTES`].
pub const MAX_LIST_ENTRIES: u32 = (MAX_STATUS_LIST_BYTES * 2) as u32;

const HEADER_ALG: i64 = 1;
const HEADER_CRIT: i64 = 2;
const HEADER_KID: i64 = 4;
/// COSE algorithm EdDSA.
const ALG_EDDSA: i64 = -8;
/// CBOR tag of COSE_Mac0, which the draft also allows for list tokens.
const COSE_MAC0_TAG: u64 = 17;

/// CWT claim keys (RFC 8392) and the draft's two.
mod claim {
    pub const SUB: i64 = 2;
    pub const EXP: i64 = 4;
    pub const IAT: i64 = 6;
    pub const STATUS_LIST: i64 = 65533;
    pub const TTL: i64 = 65534;
}

/// A licence's status, as the 住建部 code table has it; see the
/// [module documentation](self) for the list values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LicenceStatus {
    /// 01 有效.
    Valid,
    /// 02 暂扣: temporarily not valid.
    Suspended,
    /// 03 撤销.
    Revoked,
    /// 04 注销.
    Cancelled,
    /// 05 失效.
    Lapsed,
    /// 06 转出: moved to another authority's register.
    TransferredOut,
    /// 07 吊销.
    Withdrawn,
    /// 99 其他.
    Other,
}

impl LicenceStatus {
    /// Every status, in code order.
    pub const ALL: [LicenceStatus; 8] = [
        LicenceStatus::Valid,
        LicenceStatus::Suspended,
        LicenceStatus::Revoked,
        LicenceStatus::Cancelled,
        LicenceStatus::Lapsed,
        LicenceStatus::TransferredOut,
        LicenceStatus::Withdrawn,
        LicenceStatus::Other,
    ];

    /// The two-digit code ("01" to "07", "99").
    pub fn code(self) -> &'static str {
        match self {
            LicenceStatus::Valid => "01",
            LicenceStatus::Suspended => "02",
            LicenceStatus::Revoked => "03",
            LicenceStatus::Cancelled => "04",
            LicenceStatus::Lapsed => "05",
            LicenceStatus::TransferredOut => "06",
            LicenceStatus::Withdrawn => "07",
            LicenceStatus::Other => "99",
        }
    }

    /// The status with this code, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese name (有效, 暂扣, …).
    pub fn label(self) -> &'static str {
        match self {
            LicenceStatus::Valid => "有效",
            LicenceStatus::Suspended => "暂扣",
            LicenceStatus::Revoked => "撤销",
            LicenceStatus::Cancelled => "注销",
            LicenceStatus::Lapsed => "失效",
            LicenceStatus::TransferredOut => "转出",
            LicenceStatus::Withdrawn => "吊销",
            LicenceStatus::Other => "其他",
        }
    }

    /// The English name, lower case.
    pub fn label_en(self) -> &'static str {
        match self {
            LicenceStatus::Valid => "valid",
            LicenceStatus::Suspended => "suspended",
            LicenceStatus::Revoked => "revoked",
            LicenceStatus::Cancelled => "cancelled",
            LicenceStatus::Lapsed => "lapsed",
            LicenceStatus::TransferredOut => "transferred out",
            LicenceStatus::Withdrawn => "withdrawn",
            LicenceStatus::Other => "other",
        }
    }

    /// Whether the licence may be relied on: only [`LicenceStatus::Valid`].
    pub fn is_valid(self) -> bool {
        self == LicenceStatus::Valid
    }

    /// The value its entry holds in a status list.
    pub fn list_value(self) -> u8 {
        match self {
            LicenceStatus::Valid => 0x00,
            LicenceStatus::Revoked => 0x01,
            LicenceStatus::Suspended => 0x02,
            LicenceStatus::Cancelled => 0x03,
            LicenceStatus::Lapsed => 0x0C,
            LicenceStatus::TransferredOut => 0x0D,
            LicenceStatus::Withdrawn => 0x0E,
            LicenceStatus::Other => 0x0F,
        }
    }

    /// The status a list value stands for; `None` for the unregistered
    /// values 0x04 to 0x0B and anything above 0x0F.
    pub fn from_list_value(value: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.list_value() == value)
    }
}

impl fmt::Display for LicenceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.label())
    }
}

/// Why a status list or its token could not be made, read or looked up.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StatusListError {
    /// The token is larger than [`MAX_STATUS_TOKEN_LEN`] (read or about to
    /// be signed).
    #[error("status list token is {len} bytes; at most {max} are accepted")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not the CBOR this decoder accepts.
    #[error("bad CBOR: {0}")]
    Cbor(#[from] CborError),
    /// Not a tagged COSE_Sign1 (or, for foreign lists, COSE_Mac0).
    #[error("not a tagged COSE_Sign1 (found {found})")]
    NotCoseSign1 {
        /// What was found instead.
        found: String,
    },
    /// The COSE structure has the wrong shape.
    #[error("malformed status list token: {what}")]
    Structure {
        /// What is wrong.
        what: &'static str,
    },
    /// The protected header's `typ` is not [`STATUS_LIST_TYPE`]: a licence,
    /// a seal record, another signed object, or none.
    #[error("type {found} is not a status list ({STATUS_LIST_TYPE:?})")]
    WrongType {
        /// What was found: the text (cut to 64 characters), the CBOR type,
        /// a content format number, or `none`.
        found: String,
    },
    /// The algorithm is not EdDSA.
    #[error("algorithm {found} is not EdDSA (-8)")]
    UnsupportedAlgorithm {
        /// The algorithm found.
        found: i64,
    },
    /// A required header parameter is missing.
    #[error("header parameter {label} is missing")]
    MissingHeader {
        /// Its label.
        label: i64,
    },
    /// The key id is not 8 bytes.
    #[error("key id is {len} bytes; it must be 8")]
    KeyIdLength {
        /// Its length.
        len: usize,
    },
    /// A header parameter this format does not define, `crit` (whose
    /// presence means the signer relies on something we do not check), or
    /// anything in the unprotected header of one of our tokens.
    #[error("unknown or critical header parameter {label} ({})", if *.protected { "protected" } else { "unprotected" })]
    UnknownHeader {
        /// Its label (`i64::MIN` if it is not an integer).
        label: i64,
        /// Whether it is in the protected header.
        protected: bool,
    },
    /// The signature is not 64 bytes.
    #[error("signature is {len} bytes; it must be 64")]
    SignatureLength {
        /// Its length.
        len: usize,
    },
    /// `x5chain` holds no certificate or more than [`MAX_SIGNER_CHAIN`].
    #[error("the signer chain has {len} certificates; 1 to {MAX_SIGNER_CHAIN} are accepted")]
    ChainLength {
        /// How many it holds.
        len: usize,
    },
    /// A certificate in `x5chain` does not parse.
    #[error("x5chain certificate {index}: {source}")]
    ChainCertificate {
        /// Its position, the signer's being 0.
        index: usize,
        /// Why it was refused.
        source: CertError,
    },
    /// The chain's first certificate is not for the signing key.
    #[error("the signer chain's first certificate is not for key {key_id}")]
    SignerNotFirstInChain {
        /// The signing key's id (the token's `kid`).
        key_id: KeyId,
    },
    /// A required claim is missing.
    #[error("claim {claim} is missing")]
    MissingClaim {
        /// Its name (`sub`, `iat`, `ttl`, `status_list`, `lst`, `bits`).
        claim: &'static str,
    },
    /// A claim has the wrong CBOR type or an out-of-range value.
    #[error("claim {claim}: expected {expected}")]
    BadClaim {
        /// Its name.
        claim: &'static str,
        /// What the format requires there.
        expected: &'static str,
    },
    /// A claim this format does not define.
    #[error("unknown claim {key} in {map}")]
    UnknownClaim {
        /// Which map it is in (`claims` or `status_list`).
        map: &'static str,
        /// Its key, as CBOR diagnostic text (cut to 64 characters).
        key: String,
    },
    /// `bits` is not 1, 2, 4 or 8.
    #[error("bits is {found}; the draft allows 1, 2, 4 and 8")]
    BadBits {
        /// The value found.
        found: u64,
    },
    /// `bits` is allowed by the draft but not what our lists use.
    #[error("bits is {found}; our lists use {required}")]
    WrongBits {
        /// The value found.
        found: u8,
        /// What is required.
        required: u8,
    },
    /// `lst` is not a zlib stream (bad header, corrupt data, bad checksum,
    /// or cut short).
    #[error("lst does not decompress: {reason}")]
    Decompress {
        /// What the zlib decoder said.
        reason: String,
    },
    /// Bytes follow the zlib stream in `lst`.
    #[error("{remaining} bytes follow the zlib stream in lst")]
    CompressedTrailingBytes {
        /// How many.
        remaining: usize,
    },
    /// `lst` decompresses to more than [`MAX_STATUS_LIST_BYTES`];
    /// decompression stopped there.
    #[error("lst decompresses to more than {max} bytes")]
    ListTooLarge {
        /// The limit.
        max: usize,
    },
    /// A list asked for with more entries than [`MAX_LIST_ENTRIES`].
    #[error("{len} entries asked for; at most {max} are possible")]
    TooManyEntries {
        /// How many were asked for.
        len: u32,
        /// The limit.
        max: u32,
    },
    /// A list smaller than [`MIN_LIST_ENTRIES`], which hides too little.
    #[error("the list has {len} entries; at least {min} are required")]
    TooFewEntries {
        /// Its length.
        len: u32,
        /// The minimum.
        min: u32,
    },
    /// An index at or past the list's end.
    #[error("index {index} is outside the list of {len} entries")]
    IndexOutOfRange {
        /// The index.
        index: u32,
        /// The list's length.
        len: u32,
    },
    /// The entry holds a value that is no status (0x04 to 0x0B, or above
    /// 0x0F): not valid.
    #[error("entry {index} holds {value:#04x}, which is no registered status")]
    UnregisteredValue {
        /// The index.
        index: u32,
        /// The raw value.
        value: u8,
    },
    /// A value that does not fit in the list's entries.
    #[error("value {value:#04x} does not fit in {bits} bits")]
    ValueTooWide {
        /// The value.
        value: u8,
        /// Bits per entry.
        bits: u8,
    },
    /// `sub` is empty, too long, or holds whitespace or control characters.
    #[error("subject is not a URI: {reason}")]
    BadSubject {
        /// What is wrong.
        reason: &'static str,
    },
    /// A time to live of zero (the draft requires a positive one) or more
    /// than `i64::MAX` seconds.
    #[error("ttl {ttl} must be from 1 to 2^63-1 seconds")]
    BadTtl {
        /// The value given.
        ttl: u64,
    },
    /// An expiry not after the signing time.
    #[error("expiry {expires} is not after issuance {issued_at}")]
    BadExpiry {
        /// `iat`.
        issued_at: UnixTime,
        /// `exp`.
        expires: UnixTime,
    },
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignError),
}

impl StatusListError {
    /// A stable machine-readable name of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            StatusListError::TooLarge { .. } => "too_large",
            StatusListError::Cbor(_) => "bad_cbor",
            StatusListError::NotCoseSign1 { .. } => "not_cose_sign1",
            StatusListError::Structure { .. } => "bad_structure",
            StatusListError::WrongType { .. } => "not_a_status_list",
            StatusListError::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            StatusListError::MissingHeader { .. } => "missing_header",
            StatusListError::KeyIdLength { .. } => "key_id_length",
            StatusListError::UnknownHeader { .. } => "unknown_header",
            StatusListError::SignatureLength { .. } => "signature_length",
            StatusListError::ChainLength { .. } => "chain_length",
            StatusListError::ChainCertificate { .. } => "bad_certificate",
            StatusListError::SignerNotFirstInChain { .. } => "signer_not_first_in_chain",
            StatusListError::MissingClaim { .. } => "missing_claim",
            StatusListError::BadClaim { .. } => "bad_claim",
            StatusListError::UnknownClaim { .. } => "unknown_claim",
            StatusListError::BadBits { .. } => "bad_bits",
            StatusListError::WrongBits { .. } => "wrong_bits",
            StatusListError::Decompress { .. } => "decompress",
            StatusListError::CompressedTrailingBytes { .. } => "compressed_trailing_bytes",
            StatusListError::ListTooLarge { .. } => "list_too_large",
            StatusListError::TooManyEntries { .. } => "too_many_entries",
            StatusListError::TooFewEntries { .. } => "too_few_entries",
            StatusListError::IndexOutOfRange { .. } => "index_out_of_range",
            StatusListError::UnregisteredValue { .. } => "unregistered_value",
            StatusListError::ValueTooWide { .. } => "value_too_wide",
            StatusListError::BadSubject { .. } => "bad_subject",
            StatusListError::BadTtl { .. } => "bad_ttl",
            StatusListError::BadExpiry { .. } => "bad_expiry",
            StatusListError::Signer(_) => "signer",
        }
    }
}

impl From<cose::Sign1Error> for StatusListError {
    fn from(e: cose::Sign1Error) -> Self {
        match e {
            cose::Sign1Error::Cbor(e) => StatusListError::Cbor(e),
            cose::Sign1Error::NotCoseSign1 { found } => StatusListError::NotCoseSign1 { found },
            cose::Sign1Error::Structure(what) => StatusListError::Structure { what },
        }
    }
}

fn structure(what: &'static str) -> StatusListError {
    StatusListError::Structure { what }
}

fn bad(claim: &'static str, expected: &'static str) -> StatusListError {
    StatusListError::BadClaim { claim, expected }
}

/// An uncompressed status list: `len` entries of `bits` bits each, packed
/// from the least significant bit of each byte up, as the draft says.
#[derive(Clone, PartialEq, Eq)]
pub struct StatusList {
    bits: u8,
    len: u32,
    bytes: Vec<u8>,
}

impl StatusList {
    /// A list of `len` 4-bit entries, all [`LicenceStatus::Valid`].
    ///
    /// # Errors
    /// [`StatusListError::TooManyEntries`] past [`MAX_LIST_ENTRIES`].
    pub fn new(len: u32) -> Result<Self, StatusListError> {
        Self::with_bits(OUR_BITS, len)
    }

    /// A list of `len` entries of `bits` bits (1, 2, 4 or 8), all 0. Our
    /// tokens need 4; other widths are for building other issuers' lists.
    ///
    /// # Errors
    /// [`StatusListError::BadBits`], or [`StatusListError::TooManyEntries`]
    /// when the bytes would exceed [`MAX_STATUS_LIST_BYTES`].
    pub fn with_bits(bits: u8, len: u32) -> Result<Self, StatusListError> {
        check_bits(u64::from(bits))?;
        let bytes = (u64::from(len) * u64::from(bits)).div_ceil(8);
        if bytes > MAX_STATUS_LIST_BYTES as u64 {
            let max = u32::try_from(MAX_STATUS_LIST_BYTES as u64 * 8 / u64::from(bits))
                .unwrap_or(u32::MAX);
            return Err(StatusListError::TooManyEntries { len, max });
        }
        Ok(StatusList {
            bits,
            len,
            bytes: vec![0; bytes as usize],
        })
    }

    /// Decodes a list from a token's `bits` and `lst` (zlib, RFC 1950).
    /// Decompression stops, and the list is refused, as soon as it passes
    /// [`MAX_STATUS_LIST_BYTES`]; memory is never reserved past that.
    ///
    /// The bytes do not say how many entries the issuer meant, so the
    /// decoded list's [`len`](Self::len) is every entry the bytes hold,
    /// `bytes × 8 / bits`, padding included (which the issuer leaves 0).
    ///
    /// # Errors
    /// [`StatusListError::BadBits`], [`StatusListError::Decompress`],
    /// [`StatusListError::CompressedTrailingBytes`] or
    /// [`StatusListError::ListTooLarge`].
    pub fn from_compressed(bits: u64, lst: &[u8]) -> Result<Self, StatusListError> {
        let bits = check_bits(bits)?;
        let bytes = inflate_capped(lst, MAX_STATUS_LIST_BYTES)?;
        // At most 4 Mi bytes × 8, which fits.
        let len = u32::try_from(bytes.len() as u64 * 8 / u64::from(bits)).unwrap_or(u32::MAX);
        Ok(StatusList { bits, len, bytes })
    }

    /// Bits per entry: 1, 2, 4 or 8.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Number of entries: as made by [`StatusList::new`], or, for a
    /// decoded list, every entry its bytes hold (see
    /// [`StatusList::from_compressed`]).
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The uncompressed bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Where entry `index` sits: its byte and the shift of its lowest bit.
    fn locate(&self, index: u32) -> Result<(usize, u32), StatusListError> {
        if index >= self.len {
            return Err(StatusListError::IndexOutOfRange {
                index,
                len: self.len,
            });
        }
        let per_byte = 8 / u32::from(self.bits);
        Ok((
            (index / per_byte) as usize,
            (index % per_byte) * u32::from(self.bits),
        ))
    }

    fn mask(&self) -> u8 {
        // bits is 1, 2, 4 or 8, so this is 1, 3, 15 or 255.
        ((1u16 << self.bits) - 1) as u8
    }

    /// The raw value of entry `index`.
    ///
    /// # Errors
    /// [`StatusListError::IndexOutOfRange`].
    pub fn get(&self, index: u32) -> Result<u8, StatusListError> {
        let (byte, shift) = self.locate(index)?;
        let b = self.bytes.get(byte).copied().unwrap_or_default();
        Ok((b >> shift) & self.mask())
    }

    /// The status of entry `index`, read with our table (see the
    /// [module documentation](self)); only meaningful for our lists, since
    /// the application-specific values mean what each issuer says.
    ///
    /// # Errors
    /// [`StatusListError::IndexOutOfRange`], or
    /// [`StatusListError::UnregisteredValue`] for a value that is no status.
    pub fn status(&self, index: u32) -> Result<LicenceStatus, StatusListError> {
        let value = self.get(index)?;
        LicenceStatus::from_list_value(value)
            .ok_or(StatusListError::UnregisteredValue { index, value })
    }

    /// Sets entry `index` to `status`.
    ///
    /// # Errors
    /// [`StatusListError::IndexOutOfRange`], or
    /// [`StatusListError::ValueTooWide`] in a list narrower than 4 bits.
    pub fn set(&mut self, index: u32, status: LicenceStatus) -> Result<(), StatusListError> {
        self.set_value(index, status.list_value())
    }

    /// Sets entry `index` to a raw value.
    ///
    /// # Errors
    /// [`StatusListError::IndexOutOfRange`], or
    /// [`StatusListError::ValueTooWide`] if it does not fit in `bits`.
    pub fn set_value(&mut self, index: u32, value: u8) -> Result<(), StatusListError> {
        let mask = self.mask();
        if value & !mask != 0 {
            return Err(StatusListError::ValueTooWide {
                value,
                bits: self.bits,
            });
        }
        let (byte, shift) = self.locate(index)?;
        if let Some(b) = self.bytes.get_mut(byte) {
            *b = (*b & !(mask << shift)) | (value << shift);
        }
        Ok(())
    }

    /// The bytes compressed with zlib (DEFLATE, RFC 1950/1951) at the
    /// highest level, as the draft recommends: a token's `lst`.
    pub fn compressed(&self) -> Vec<u8> {
        use std::io::Write as _;
        let mut encoder = flate2::write::ZlibEncoder::new(
            Vec::with_capacity(self.bytes.len() / 8 + 64),
            Compression::best(),
        );
        // Writing into a Vec cannot fail; an empty result would be refused
        // by every decoder, so nothing is silently wrong either way.
        if encoder.write_all(&self.bytes).is_err() {
            return Vec::new();
        }
        encoder.finish().unwrap_or_default()
    }
}

impl fmt::Debug for StatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusList")
            .field("bits", &self.bits)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

fn check_bits(bits: u64) -> Result<u8, StatusListError> {
    match bits {
        1 | 2 | 4 | 8 => Ok(bits as u8),
        found => Err(StatusListError::BadBits { found }),
    }
}

/// Inflates a zlib stream, refusing it as soon as it passes `cap` bytes,
/// before reserving memory for more, and refusing bytes after its end.
fn inflate_capped(lst: &[u8], cap: usize) -> Result<Vec<u8>, StatusListError> {
    let mut decoder = flate2::bufread::ZlibDecoder::new(lst);
    let mut out: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = decoder
            .read(&mut chunk)
            .map_err(|e| StatusListError::Decompress {
                reason: e.to_string(),
            })?;
        if n == 0 {
            break;
        }
        let total = out.len() + n;
        if total > cap {
            return Err(StatusListError::ListTooLarge { max: cap });
        }
        if total > out.capacity() {
            // Doubling, as Vec would, but never past the cap.
            let target = total.max(out.capacity() * 2).min(cap);
            out.reserve_exact(target - out.len());
        }
        out.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    let remaining = decoder.into_inner().len();
    if remaining != 0 {
        return Err(StatusListError::CompressedTrailingBytes { remaining });
    }
    Ok(out)
}

/// Random probes [`IndexAllocator::allocate`] makes before it scans.
const RANDOM_PROBES: usize = 64;

/// Hands out status list indices at random and never twice, so that an
/// index says nothing about when or in which order a licence was issued.
///
/// Keep one per list, and rebuild it from the register (with
/// [`IndexAllocator::mark_used`]) after a restart.
#[derive(Clone, PartialEq, Eq)]
pub struct IndexAllocator {
    /// One bit per index, set when used; the bits past `len` in the last
    /// word are set too, so that the scan never finds them free.
    used_bits: Vec<u64>,
    len: u32,
    used: u32,
}

impl IndexAllocator {
    /// An allocator for a list of `len` entries, none used.
    ///
    /// # Errors
    /// [`StatusListError::TooManyEntries`] past [`MAX_LIST_ENTRIES`].
    pub fn new(len: u32) -> Result<Self, StatusListError> {
        if len > MAX_LIST_ENTRIES {
            return Err(StatusListError::TooManyEntries {
                len,
                max: MAX_LIST_ENTRIES,
            });
        }
        let words = (len as usize).div_ceil(64);
        let mut used_bits = vec![0u64; words];
        if !len.is_multiple_of(64)
            && let Some(last) = used_bits.last_mut()
        {
            *last = !0u64 << (len % 64);
        }
        Ok(IndexAllocator {
            used_bits,
            len,
            used: 0,
        })
    }

    /// The list's length.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the list has no entries at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many indices are still free.
    pub fn remaining(&self) -> u32 {
        self.len - self.used
    }

    /// Whether `index` has been handed out or marked used (`false` past
    /// the end).
    pub fn is_used(&self, index: u32) -> bool {
        index < self.len
            && self
                .used_bits
                .get((index / 64) as usize)
                .is_some_and(|w| w & (1 << (index % 64)) != 0)
    }

    /// Marks `index` used (for indices already given out); returns whether
    /// it was free.
    ///
    /// # Errors
    /// [`StatusListError::IndexOutOfRange`].
    pub fn mark_used(&mut self, index: u32) -> Result<bool, StatusListError> {
        if index >= self.len {
            return Err(StatusListError::IndexOutOfRange {
                index,
                len: self.len,
            });
        }
        let Some(word) = self.used_bits.get_mut((index / 64) as usize) else {
            return Ok(false);
        };
        let bit = 1u64 << (index % 64);
        let was_free = *word & bit == 0;
        *word |= bit;
        if was_free {
            self.used += 1;
        }
        Ok(was_free)
    }

    /// A free index chosen at random, now used; `None` when every index is.
    ///
    /// Up to 64 uniformly random probes, which almost always succeed while
    /// the list is less than 90 % used; then a scan from a random place,
    /// word by word, so the time is bounded by the list's length. Near full,
    /// the scan favours free indices just after long used runs, which only
    /// matters once few indices are left to hide among.
    pub fn allocate(&mut self, rng: &mut (impl RngCore + CryptoRng)) -> Option<u32> {
        if self.remaining() == 0 {
            return None;
        }
        for _ in 0..RANDOM_PROBES {
            let index = self.uniform(rng);
            if !self.is_used(index) {
                self.mark_used(index).ok()?;
                return Some(index);
            }
        }
        let start = self.uniform(rng);
        let words = self.used_bits.len();
        let first = (start / 64) as usize;
        let offset = start % 64;
        for step in 0..=words {
            let w = (first + step) % words;
            let mut free = !self.used_bits.get(w).copied().unwrap_or(!0);
            if step == 0 {
                free &= !0u64 << offset;
            } else if step == words {
                free &= (1u64 << offset).wrapping_sub(1);
            }
            if free != 0 {
                let index = u32::try_from(w * 64).ok()? + free.trailing_zeros();
                self.mark_used(index).ok()?;
                return Some(index);
            }
        }
        None
    }

    /// The used bits as bytes (64-bit little-endian words), for storing the
    /// allocator beside the register; [`IndexAllocator::from_used_bytes`]
    /// reads them back.
    pub fn used_bytes(&self) -> Vec<u8> {
        self.used_bits
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect()
    }

    /// An allocator for a list of `len` entries from the bytes
    /// [`IndexAllocator::used_bytes`] gave.
    ///
    /// # Errors
    /// [`StatusListError::TooManyEntries`] past [`MAX_LIST_ENTRIES`];
    /// [`StatusListError::Structure`] if the bytes are not of that length.
    pub fn from_used_bytes(len: u32, bytes: &[u8]) -> Result<Self, StatusListError> {
        let mut allocator = IndexAllocator::new(len)?;
        if bytes.len() != allocator.used_bits.len() * 8 {
            return Err(StatusListError::Structure {
                what: "stored allocation bits of the wrong length",
            });
        }
        let mut used = 0u32;
        for (word, chunk) in allocator.used_bits.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(chunk);
            // The bits past the end stay set, whatever was stored.
            *word |= u64::from_le_bytes(raw);
            used += word.count_ones();
        }
        let padding = allocator.used_bits.len() as u32 * 64 - len;
        allocator.used = used - padding;
        Ok(allocator)
    }

    /// A uniformly random index (to within 2^-32 of uniform, by
    /// multiplying a 64-bit random number by the length).
    fn uniform(&self, rng: &mut (impl RngCore + CryptoRng)) -> u32 {
        ((u128::from(rng.next_u64()) * u128::from(self.len)) >> 64) as u32
    }
}

impl fmt::Debug for IndexAllocator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexAllocator")
            .field("len", &self.len)
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

/// Whether a list token may still be relied on at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Freshness {
    /// Fresh until `until` (exclusive): the earlier of `exp` and `iat` +
    /// `ttl`; `None` for a foreign token with neither.
    Fresh {
        /// When it goes stale.
        until: Option<UnixTime>,
    },
    /// Stale since `since`: fetch a newer list.
    Stale {
        /// When it went stale.
        since: UnixTime,
        /// Which claim made it stale.
        cause: StaleCause,
    },
    /// Signed after the instant asked about: a clock is wrong, or the
    /// token was made to look newer than it is.
    NotYetIssued {
        /// Its `iat`.
        issued_at: UnixTime,
    },
}

impl Freshness {
    /// Whether it is [`Freshness::Fresh`].
    pub fn is_fresh(&self) -> bool {
        matches!(self, Freshness::Fresh { .. })
    }
}

/// What made a list token stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StaleCause {
    /// `exp` has passed.
    Expired,
    /// `iat` + `ttl` has passed: the issuer has published a newer list by now.
    TtlElapsed,
}

/// The earlier of `exp` and `iat` + `ttl`, and which it is.
fn stale_point(
    issued_at: UnixTime,
    expires: Option<UnixTime>,
    ttl: Option<u64>,
) -> Option<(UnixTime, StaleCause)> {
    let ttl_end = ttl.map(|ttl| {
        let ttl = i64::try_from(ttl).unwrap_or(i64::MAX);
        (
            UnixTime::from_secs(issued_at.secs().saturating_add(ttl)),
            StaleCause::TtlElapsed,
        )
    });
    let exp = expires.map(|e| (e, StaleCause::Expired));
    match (exp, ttl_end) {
        (Some(e), Some(t)) => Some(if e.0 <= t.0 { e } else { t }),
        (e, t) => e.or(t),
    }
}

fn freshness(
    issued_at: UnixTime,
    expires: Option<UnixTime>,
    ttl: Option<u64>,
    at: UnixTime,
) -> Freshness {
    if at < issued_at {
        return Freshness::NotYetIssued { issued_at };
    }
    match stale_point(issued_at, expires, ttl) {
        Some((since, cause)) if at >= since => Freshness::Stale { since, cause },
        point => Freshness::Fresh {
            until: point.map(|(t, _)| t),
        },
    }
}

/// A Status List Token we sign or read as ours: strict deterministic CBOR,
/// EdDSA, 4-bit entries, at least [`MIN_LIST_ENTRIES`] of them, with the
/// signer's chain. Decoded and checked for form, not yet for its signature
/// ([`SignedStatusList::verify_signature`]) nor its chain (the caller's
/// trust store).
#[derive(Clone, PartialEq, Eq)]
pub struct SignedStatusList {
    bytes: Vec<u8>,
    protected: Range<usize>,
    payload: Range<usize>,
    signature: [u8; 64],
    key_id: KeyId,
    chain: Vec<Certificate>,
    subject: String,
    issued_at: UnixTime,
    expires: Option<UnixTime>,
    ttl_secs: u64,
    list: StatusList,
}

impl SignedStatusList {
    /// Signs `list` as the token for `subject` (the URI it is published
    /// at, which licences' status references point to), issued at
    /// `issued_at`, optionally expiring at `expires`, to be fetched again
    /// after `ttl_secs` seconds. `chain` is the signer's certificate then
    /// its CAs; it goes into the protected header.
    ///
    /// # Errors
    /// Lists smaller than [`MIN_LIST_ENTRIES`] or not of 4-bit entries,
    /// an empty or long chain or one not starting with the signer's key, a
    /// bad subject, ttl or expiry, a token over [`MAX_STATUS_TOKEN_LEN`]
    /// (all before the signer is asked), or the signer's failure.
    pub fn sign(
        list: &StatusList,
        subject: &str,
        issued_at: UnixTime,
        expires: Option<UnixTime>,
        ttl_secs: u64,
        signer: &dyn Signer,
        chain: &[Certificate],
    ) -> Result<Self, StatusListError> {
        if list.bits() != OUR_BITS {
            return Err(StatusListError::WrongBits {
                found: list.bits(),
                required: OUR_BITS,
            });
        }
        if list.len() < MIN_LIST_ENTRIES {
            return Err(StatusListError::TooFewEntries {
                len: list.len(),
                min: MIN_LIST_ENTRIES,
            });
        }
        check_subject(subject)?;
        let ttl = i64::try_from(ttl_secs)
            .ok()
            .filter(|&t| t > 0)
            .ok_or(StatusListError::BadTtl { ttl: ttl_secs })?;
        if let Some(expires) = expires
            && expires <= issued_at
        {
            return Err(StatusListError::BadExpiry { issued_at, expires });
        }
        let key_id = signer.public_key().key_id();
        if chain.is_empty() || chain.len() > MAX_SIGNER_CHAIN {
            return Err(StatusListError::ChainLength { len: chain.len() });
        }
        if chain.first().map(|c| *c.public_key()) != Some(signer.public_key()) {
            return Err(StatusListError::SignerNotFirstInChain { key_id });
        }

        let chain_len: usize = chain.iter().map(|c| c.der().len() + 5).sum();
        let mut protected = Encoder::with_capacity(48 + chain_len);
        protected
            .map_header(4)
            .int(HEADER_ALG)
            .int(ALG_EDDSA)
            .int(HEADER_KID)
            .bytes(&key_id.0)
            .int(HEADER_TYP)
            .text(STATUS_LIST_TYPE)
            .int(HEADER_X5CHAIN)
            .array(chain.len());
        for cert in chain {
            protected.bytes(cert.der());
        }
        let protected = protected.into_bytes();

        let lst = list.compressed();
        let mut payload = Encoder::with_capacity(lst.len() + subject.len() + 48);
        payload.map_header(if expires.is_some() { 5 } else { 4 });
        payload.int(claim::SUB).text(subject);
        if let Some(expires) = expires {
            payload.int(claim::EXP).int(expires.secs());
        }
        payload.int(claim::IAT).int(issued_at.secs());
        // Deterministic order: "lst" (0x63…) sorts before "bits" (0x64…).
        payload
            .int(claim::STATUS_LIST)
            .map_header(2)
            .text("lst")
            .bytes(&lst)
            .text("bits")
            .int(i64::from(OUR_BITS));
        payload.int(claim::TTL).int(ttl);
        let payload = payload.into_bytes();
        debug_assert!(cbor::decode(&payload).is_ok());

        let len = cose::encoded_len(protected.len(), payload.len());
        if len > MAX_STATUS_TOKEN_LEN {
            return Err(StatusListError::TooLarge {
                len,
                max: MAX_STATUS_TOKEN_LEN,
            });
        }
        let signature = signer.sign(&sig_structure(&protected, &payload))?;
        let (bytes, protected, payload) = cose::encode(&protected, &payload, &signature);
        Ok(SignedStatusList {
            bytes,
            protected,
            payload,
            signature,
            key_id,
            chain: chain.to_vec(),
            subject: subject.to_owned(),
            issued_at,
            expires,
            ttl_secs,
            list: list.clone(),
        })
    }

    /// Decodes one of our tokens, refusing anything but the format above in
    /// deterministic CBOR: another `typ` (a licence, a seal record) as
    /// [`StatusListError::WrongType`], another algorithm, unknown headers
    /// or claims, trailing bytes, more than [`MAX_STATUS_TOKEN_LEN`] bytes.
    /// The list is decompressed (at most [`MAX_STATUS_LIST_BYTES`]).
    ///
    /// # Errors
    /// [`StatusListError`] naming the first problem found.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, StatusListError> {
        if bytes.len() > MAX_STATUS_TOKEN_LEN {
            return Err(StatusListError::TooLarge {
                len: bytes.len(),
                max: MAX_STATUS_TOKEN_LEN,
            });
        }
        let sign1 = cose::decode(bytes)?;
        let (key_id, chain) = decode_protected(sign1.protected)?;
        if let Some(entry) = sign1.unprotected.first() {
            return Err(StatusListError::UnknownHeader {
                label: entry.key.as_i64().unwrap_or(i64::MIN),
                protected: false,
            });
        }
        let signature: [u8; 64] =
            sign1
                .signature
                .try_into()
                .map_err(|_| StatusListError::SignatureLength {
                    len: sign1.signature.len(),
                })?;
        let claims = decode_claims(cbor::decode(sign1.payload)?, true)?;
        let ttl_secs = claims
            .ttl
            .ok_or(StatusListError::MissingClaim { claim: "ttl" })?;
        if let Some(expires) = claims.expires
            && expires <= claims.issued_at
        {
            return Err(bad("exp", "a time after iat"));
        }
        if claims.list.bits() != OUR_BITS {
            return Err(StatusListError::WrongBits {
                found: claims.list.bits(),
                required: OUR_BITS,
            });
        }
        if claims.list.len() < MIN_LIST_ENTRIES {
            return Err(StatusListError::TooFewEntries {
                len: claims.list.len(),
                min: MIN_LIST_ENTRIES,
            });
        }
        let (protected, payload) = sign1.ranges_in(bytes);
        Ok(SignedStatusList {
            bytes: bytes.to_vec(),
            protected,
            payload,
            signature,
            key_id,
            chain,
            subject: claims.subject,
            issued_at: claims.issued_at,
            expires: claims.expires,
            ttl_secs,
            list: claims.list,
        })
    }

    /// The token as signed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The list's URI (`sub`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// When it was signed (`iat`).
    pub fn issued_at(&self) -> UnixTime {
        self.issued_at
    }

    /// When it expires (`exp`), if it says.
    pub fn expires(&self) -> Option<UnixTime> {
        self.expires
    }

    /// How long, in seconds after `iat`, it may be relied on before a newer
    /// list should be fetched (`ttl`).
    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// The decompressed list.
    pub fn list(&self) -> &StatusList {
        &self.list
    }

    /// The signing key's id (`kid`).
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The signer's certificate, then its CAs, from the protected header.
    /// Nothing here has checked them against any root.
    pub fn signer_chain(&self) -> &[Certificate] {
        &self.chain
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
    ///
    /// # Errors
    /// [`SignatureFailure`].
    pub fn verify_signature(&self, key: &PublicKey) -> Result<(), SignatureFailure> {
        crate::envelope::verify_strict(key, &self.to_be_signed(), &self.signature)
    }

    /// When it stops being fresh: the earlier of `exp` and `iat` + `ttl`.
    pub fn stale_at(&self) -> UnixTime {
        stale_point(self.issued_at, self.expires, Some(self.ttl_secs))
            .map_or(self.issued_at, |(t, _)| t)
    }

    /// Whether it may be relied on at `at`, and if not, since when.
    pub fn freshness_at(&self, at: UnixTime) -> Freshness {
        freshness(self.issued_at, self.expires, Some(self.ttl_secs), at)
    }

    /// Whether it is fresh at `at`: issued by then, and neither `exp` nor
    /// `iat` + `ttl` reached.
    pub fn is_fresh_at(&self, at: UnixTime) -> bool {
        self.freshness_at(at).is_fresh()
    }

    /// Since when it has been stale, if it is stale at `at` (`None` while
    /// fresh, and for a token not yet issued at `at`, which
    /// [`SignedStatusList::freshness_at`] tells apart).
    pub fn stale_since(&self, at: UnixTime) -> Option<UnixTime> {
        match self.freshness_at(at) {
            Freshness::Stale { since, .. } => Some(since),
            _ => None,
        }
    }
}

impl fmt::Debug for SignedStatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedStatusList")
            .field("subject", &self.subject)
            .field("key_id", &self.key_id)
            .field("issued_at", &self.issued_at)
            .field("expires", &self.expires)
            .field("ttl_secs", &self.ttl_secs)
            .field("list", &self.list)
            .finish_non_exhaustive()
    }
}

/// Another issuer's Status List Token, read leniently and **never
/// signature-checked**: this crate verifies only its own EdDSA tokens, and
/// foreign ones may use any algorithm (the draft's example uses ES256) or
/// a MAC. Only the algorithm, key id, claims and list are exposed; check
/// the signature with a library for that algorithm before relying on any
/// of them.
///
/// Relaxed, against [`SignedStatusList::from_slice`]: map keys in any order
/// (still no duplicates, indefinite lengths or non-shortest integers), any
/// integer algorithm, COSE_Mac0 (tag 17) as well as COSE_Sign1, `kid` of
/// any length in either header, headers and claims it does not know
/// (ignored, except `crit`, which is refused), 1, 2, 4 or 8 bits, any
/// number of entries, optional `ttl` and `aggregation_uri`, no chain. The
/// `typ`, the size limits and the zlib checks are as strict as for ours.
#[derive(Clone, PartialEq, Eq)]
pub struct ForeignStatusList {
    mac: bool,
    alg: i64,
    key_id: Option<Vec<u8>>,
    subject: String,
    issued_at: UnixTime,
    expires: Option<UnixTime>,
    ttl_secs: Option<u64>,
    aggregation_uri: Option<String>,
    list: StatusList,
}

impl ForeignStatusList {
    /// Decodes a token; see the type's documentation for what is relaxed.
    ///
    /// # Errors
    /// [`StatusListError`] naming the first problem found.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, StatusListError> {
        if bytes.len() > MAX_STATUS_TOKEN_LEN {
            return Err(StatusListError::TooLarge {
                len: bytes.len(),
                max: MAX_STATUS_TOKEN_LEN,
            });
        }
        let (mac, items) = match cbor::decode_any_order(bytes)? {
            Value::Tag(tag @ (cose::COSE_SIGN1_TAG | COSE_MAC0_TAG), inner) => match *inner {
                Value::Array(items) => (tag == COSE_MAC0_TAG, items),
                _ => return Err(structure("expected an array of 4")),
            },
            Value::Tag(tag, _) => {
                return Err(StatusListError::NotCoseSign1 {
                    found: format!("tag {tag}"),
                });
            }
            other => {
                return Err(StatusListError::NotCoseSign1 {
                    found: other.kind().to_owned(),
                });
            }
        };
        let Ok(
            [
                Value::Bytes(protected),
                Value::Map(unprotected),
                Value::Bytes(payload),
                Value::Bytes(_tag_or_signature),
            ],
        ) = <[Value<'_>; 4]>::try_from(items)
        else {
            return Err(structure(
                "expected [protected bstr, unprotected map, payload bstr, signature bstr]",
            ));
        };
        let protected = match protected {
            [] => Vec::new(),
            bytes => match cbor::decode_any_order(bytes)? {
                Value::Map(entries) => entries,
                _ => return Err(structure("protected header must be a map")),
            },
        };
        fn header<'v>(entries: &[MapEntry<'v>], label: i64) -> Option<Value<'v>> {
            entries
                .iter()
                .find(|e| e.key.as_i64() == Some(label))
                .map(|e| e.value.clone())
        }
        let typ = header(&protected, HEADER_TYP);
        cose::expect_type(typ.as_ref(), STATUS_LIST_TYPE)
            .map_err(|e| StatusListError::WrongType { found: e.found })?;
        if header(&protected, HEADER_CRIT).is_some() || header(&unprotected, HEADER_CRIT).is_some()
        {
            return Err(StatusListError::UnknownHeader {
                label: HEADER_CRIT,
                protected: header(&protected, HEADER_CRIT).is_some(),
            });
        }
        let alg = match header(&protected, HEADER_ALG).or_else(|| header(&unprotected, HEADER_ALG))
        {
            Some(v) => v.as_i64().ok_or(structure("alg must be an integer"))?,
            None => return Err(StatusListError::MissingHeader { label: HEADER_ALG }),
        };
        let key_id =
            match header(&protected, HEADER_KID).or_else(|| header(&unprotected, HEADER_KID)) {
                None => None,
                Some(Value::Bytes(kid)) => Some(kid.to_vec()),
                Some(_) => return Err(structure("kid must be a byte string")),
            };
        let claims = decode_claims(cbor::decode_any_order(payload)?, false)?;
        Ok(ForeignStatusList {
            mac,
            alg,
            key_id,
            subject: claims.subject,
            issued_at: claims.issued_at,
            expires: claims.expires,
            ttl_secs: claims.ttl,
            aggregation_uri: claims.aggregation_uri,
            list: claims.list,
        })
    }

    /// Whether it is a COSE_Mac0 (tag 17) rather than a COSE_Sign1.
    pub fn is_mac(&self) -> bool {
        self.mac
    }

    /// The COSE algorithm it claims (-7 ES256, -8 EdDSA, 5 HMAC 256/256, …),
    /// which nothing here has checked.
    pub fn alg(&self) -> i64 {
        self.alg
    }

    /// The key id, from the protected or the unprotected header.
    pub fn key_id(&self) -> Option<&[u8]> {
        self.key_id.as_deref()
    }

    /// The list's URI (`sub`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// `iat`.
    pub fn issued_at(&self) -> UnixTime {
        self.issued_at
    }

    /// `exp`, if present.
    pub fn expires(&self) -> Option<UnixTime> {
        self.expires
    }

    /// `ttl` in seconds, if present.
    pub fn ttl_secs(&self) -> Option<u64> {
        self.ttl_secs
    }

    /// The status list's `aggregation_uri`, if present.
    pub fn aggregation_uri(&self) -> Option<&str> {
        self.aggregation_uri.as_deref()
    }

    /// The decompressed list; read it with [`StatusList::get`], since
    /// application-specific values mean what its issuer says.
    pub fn list(&self) -> &StatusList {
        &self.list
    }

    /// Freshness by its own `iat`, `exp` and `ttl` (fresh for ever if it
    /// has neither `exp` nor `ttl`).
    pub fn freshness_at(&self, at: UnixTime) -> Freshness {
        freshness(self.issued_at, self.expires, self.ttl_secs, at)
    }
}

impl fmt::Debug for ForeignStatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForeignStatusList")
            .field("alg", &self.alg)
            .field("mac", &self.mac)
            .field("subject", &self.subject)
            .field("issued_at", &self.issued_at)
            .field("expires", &self.expires)
            .field("ttl_secs", &self.ttl_secs)
            .field("list", &self.list)
            .finish_non_exhaustive()
    }
}

fn check_subject(subject: &str) -> Result<(), StatusListError> {
    let reason = if subject.is_empty() {
        "empty"
    } else if subject.len() > MAX_SUBJECT_LEN {
        "longer than 2048 bytes"
    } else if subject.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "holds whitespace or control characters"
    } else {
        return Ok(());
    };
    Err(StatusListError::BadSubject { reason })
}

/// Our protected header: the key id and the signer's chain.
fn decode_protected(bytes: &[u8]) -> Result<(KeyId, Vec<Certificate>), StatusListError> {
    let Value::Map(entries) = cbor::decode(bytes)? else {
        return Err(structure("protected header must be a map"));
    };
    let mut alg = None;
    let mut kid = None;
    let mut typ = None;
    let mut x5chain = None;
    let mut unknown = None;
    for MapEntry { key, value, .. } in entries {
        match key.as_i64() {
            Some(HEADER_ALG) => alg = Some(value),
            Some(HEADER_KID) => kid = Some(value),
            Some(HEADER_TYP) => typ = Some(value),
            Some(HEADER_X5CHAIN) => x5chain = Some(value),
            // `crit` (label 2) lands here too: we understand no extension.
            Some(label) => {
                unknown.get_or_insert(label);
            }
            None => return Err(structure("header labels must be integers")),
        }
    }
    // The type first: another format's object is named as such, whatever
    // else it holds.
    cose::expect_type(typ.as_ref(), STATUS_LIST_TYPE)
        .map_err(|e| StatusListError::WrongType { found: e.found })?;
    if let Some(label) = unknown {
        return Err(StatusListError::UnknownHeader {
            label,
            protected: true,
        });
    }
    match alg.as_ref().map(Value::as_i64) {
        Some(Some(ALG_EDDSA)) => {}
        Some(Some(found)) => return Err(StatusListError::UnsupportedAlgorithm { found }),
        Some(None) => return Err(structure("alg must be an integer")),
        None => return Err(StatusListError::MissingHeader { label: HEADER_ALG }),
    }
    let key_id = match kid {
        Some(Value::Bytes(kid)) => KeyId(
            kid.try_into()
                .map_err(|_| StatusListError::KeyIdLength { len: kid.len() })?,
        ),
        Some(_) => return Err(structure("kid must be a byte string")),
        None => return Err(StatusListError::MissingHeader { label: HEADER_KID }),
    };
    let items = match x5chain {
        Some(Value::Array(items)) => items,
        Some(_) => return Err(structure("x5chain must be an array of byte strings")),
        None => {
            return Err(StatusListError::MissingHeader {
                label: HEADER_X5CHAIN,
            });
        }
    };
    if !(1..=MAX_SIGNER_CHAIN).contains(&items.len()) {
        return Err(StatusListError::ChainLength { len: items.len() });
    }
    let chain = items
        .iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::Bytes(der) => Certificate::from_der(der)
                .map_err(|source| StatusListError::ChainCertificate { index, source }),
            _ => Err(structure("x5chain must be an array of byte strings")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if chain.first().map(|c| c.public_key().key_id()) != Some(key_id) {
        return Err(StatusListError::SignerNotFirstInChain { key_id });
    }
    Ok((key_id, chain))
}

/// The claims of a token, ours or foreign.
struct Claims {
    subject: String,
    issued_at: UnixTime,
    expires: Option<UnixTime>,
    ttl: Option<u64>,
    aggregation_uri: Option<String>,
    list: StatusList,
}

/// Reads the claims; `strict` refuses unknown claims and status list
/// members, where foreign tokens may carry other claims.
fn decode_claims(payload: Value<'_>, strict: bool) -> Result<Claims, StatusListError> {
    let Value::Map(entries) = payload else {
        return Err(bad("payload", "a map"));
    };
    let mut subject = None;
    let mut iat = None;
    let mut exp = None;
    let mut ttl = None;
    let mut status_list = None;
    for MapEntry { key, value, .. } in entries {
        match key.as_i64() {
            Some(claim::SUB) => subject = Some(value),
            Some(claim::IAT) => iat = Some(value),
            Some(claim::EXP) => exp = Some(value),
            Some(claim::TTL) => ttl = Some(value),
            Some(claim::STATUS_LIST) => status_list = Some(value),
            _ if strict => {
                return Err(StatusListError::UnknownClaim {
                    map: "claims",
                    key: describe_key(&key),
                });
            }
            _ => {}
        }
    }
    let subject = match subject {
        Some(Value::Text(s)) => {
            check_subject(s)?;
            s.to_owned()
        }
        Some(_) => return Err(bad("sub", "a text string")),
        None => return Err(StatusListError::MissingClaim { claim: "sub" }),
    };
    let time = |v: Value<'_>, claim: &'static str| {
        v.as_i64()
            .map(UnixTime::from_secs)
            .ok_or(bad(claim, "an integer"))
    };
    let issued_at = time(
        iat.ok_or(StatusListError::MissingClaim { claim: "iat" })?,
        "iat",
    )?;
    let expires = exp.map(|v| time(v, "exp")).transpose()?;
    let ttl = match ttl {
        None => None,
        Some(Value::Uint(n)) if n > 0 && i64::try_from(n).is_ok() => Some(n),
        Some(_) => return Err(bad("ttl", "a positive integer below 2^63")),
    };
    let Some(Value::Map(members)) = status_list else {
        return Err(match status_list {
            None => StatusListError::MissingClaim {
                claim: "status_list",
            },
            Some(_) => bad("status_list", "a map"),
        });
    };
    let mut lst = None;
    let mut bits = None;
    let mut aggregation_uri = None;
    for MapEntry { key, value, .. } in members {
        match key {
            Value::Text("lst") => lst = Some(value),
            Value::Text("bits") => bits = Some(value),
            Value::Text("aggregation_uri") if !strict => aggregation_uri = Some(value),
            _ if strict => {
                return Err(StatusListError::UnknownClaim {
                    map: "status_list",
                    key: describe_key(&key),
                });
            }
            _ => {}
        }
    }
    let aggregation_uri = match aggregation_uri {
        None => None,
        Some(Value::Text(uri)) if uri.len() <= MAX_SUBJECT_LEN => Some(uri.to_owned()),
        Some(_) => {
            return Err(bad(
                "aggregation_uri",
                "a text string of at most 2048 bytes",
            ));
        }
    };
    let bits = match bits {
        Some(Value::Uint(n)) => n,
        Some(_) => return Err(bad("bits", "an unsigned integer")),
        None => return Err(StatusListError::MissingClaim { claim: "bits" }),
    };
    // Before decompressing anything: ours are 4 bits.
    if strict && bits != u64::from(OUR_BITS) {
        return Err(match check_bits(bits) {
            Ok(found) => StatusListError::WrongBits {
                found,
                required: OUR_BITS,
            },
            Err(e) => e,
        });
    }
    let list = match lst {
        Some(Value::Bytes(lst)) => StatusList::from_compressed(bits, lst)?,
        Some(_) => return Err(bad("lst", "a byte string")),
        None => return Err(StatusListError::MissingClaim { claim: "lst" }),
    };
    Ok(Claims {
        subject,
        issued_at,
        expires,
        ttl,
        aggregation_uri,
        list,
    })
}

/// A map key for an error message.
fn describe_key(key: &Value<'_>) -> String {
    match key {
        Value::Text(t) => format!("{:?}", t.chars().take(64).collect::<String>()),
        other => other
            .as_i64()
            .map_or_else(|| other.kind().to_owned(), |n| n.to_string()),
    }
}

#[cfg(test)]
mod tests;
