//! QR text: the envelope as a URL that a phone camera opens, and that an
//! offline verifier reads without a network.
//!
//! The text is a base URL followed by the envelope written as decimal digits:
//! every 7 bytes become 17 digits (the 56-bit big-endian number, zero-padded),
//! and a final block of 1–6 bytes becomes 3, 5, 8, 10, 13 or 15 digits. Digits
//! let a QR encoder use its numeric mode (3.33 bits a digit), which is denser
//! than byte-mode base64 (8 bits a character carrying 6).

use core::fmt;

use thiserror::Error;

use crate::envelope::{MAX_ENVELOPE_LEN, SignedLicence};

/// The base URL used when none is configured. Deployments set their own scan endpoint.
pub const DEFAULT_BASE: &str = "https://verify.example.gov.cn/c/";

/// Longest base URL accepted, in bytes.
pub const MAX_BASE_LEN: usize = 256;

/// Digits written for a final block of 0–6 bytes; a full block of 7 is 17.
const TAIL_DIGITS: [usize; 7] = [0, 3, 5, 8, 10, 13, 15];
const BLOCK_BYTES: usize = 7;
const BLOCK_DIGITS: usize = 17;

/// Longest digit block that can hold an envelope of [`MAX_ENVELOPE_LEN`] bytes.
pub const MAX_DIGITS: usize = MAX_ENVELOPE_LEN.div_ceil(BLOCK_BYTES) * BLOCK_DIGITS;

/// Why a text is not QR text for an envelope, or a base URL is unusable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QrError {
    /// The text does not end in a block of digits.
    #[error("QR text does not end in a block of digits")]
    NoDigits,
    /// A digit count that no envelope length produces.
    #[error(
        "{count} digits is not a whole number of 17-digit blocks plus a 0, 3, 5, 8, 10, 13 or 15-digit tail"
    )]
    DigitCount {
        /// How many digits there are.
        count: usize,
    },
    /// A block whose number is too large for the bytes it stands for.
    #[error("digit block {index} is out of range for its length")]
    BlockOutOfRange {
        /// Which block, from 0.
        index: usize,
    },
    /// A text longer than any envelope's.
    #[error("QR text is {len} bytes; at most {max} are accepted")]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A base URL that is not an https URL, could not be told apart from
    /// the digits after it, or is not printable ASCII.
    #[error("base URL {base:?}: {reason}")]
    BadBase {
        /// The base given (cut to 64 characters).
        base: String,
        /// What is wrong with it.
        reason: BadBaseReason,
    },
}

/// What is wrong with a base URL given to [`QrBase::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BadBaseReason {
    /// Longer than [`MAX_BASE_LEN`] bytes.
    #[error("longer than {MAX_BASE_LEN} bytes")]
    TooLong,
    /// A byte that is not printable ASCII, or a space.
    #[error("must be printable ASCII without spaces")]
    NotPrintableAscii,
    /// Not `https://`: a phone would open a plain-http page that anyone on
    /// the path can rewrite, and other schemes open no page at all.
    #[error("must start with https://")]
    NotHttps,
    /// Nothing between `https://` and the path.
    #[error("has no host after https://")]
    NoHost,
    /// `user@` before the host: it lets a base show one host and open another.
    #[error("must not carry user information (an @ before the host)")]
    UserInfo,
    /// Ends in a digit, which would run on into the envelope's digits.
    #[error("must not end in a digit, or the digits after it would run on")]
    EndsInDigit,
}

/// A base URL for QR text: `https://` and a host, printable ASCII with no
/// spaces, not ending in a digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrBase(String);

impl QrBase {
    /// Checks a base URL such as `https://verify.example.gov.cn/c/`. The
    /// library, the C ABI, the server and the command line all take bases
    /// through here, so they accept the same ones.
    pub fn new(base: &str) -> Result<Self, QrError> {
        let bad = |reason| QrError::BadBase {
            base: base.chars().take(64).collect(),
            reason,
        };
        if base.len() > MAX_BASE_LEN {
            return Err(bad(BadBaseReason::TooLong));
        }
        if !base.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad(BadBaseReason::NotPrintableAscii));
        }
        // The scheme is case-insensitive (RFC 3986 section 3.1).
        let Some(authority) = authority(base) else {
            return Err(bad(BadBaseReason::NotHttps));
        };
        if authority.contains('@') {
            return Err(bad(BadBaseReason::UserInfo));
        }
        let host = host(authority);
        if host.is_empty() || host == "[]" {
            return Err(bad(BadBaseReason::NoHost));
        }
        if base.ends_with(|c: char| c.is_ascii_digit()) {
            return Err(bad(BadBaseReason::EndsInDigit));
        }
        Ok(QrBase(base.to_owned()))
    }

    /// The base as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the built-in example base, [`DEFAULT_BASE`]: fine
    /// for demos and tests, but a phone scanning a real licence issued
    /// under it would open a page nobody serves.
    ///
    /// Any base on the example's host counts, whatever its path: only the
    /// host decides which server a phone asks.
    pub fn is_example(&self) -> bool {
        let example = authority(DEFAULT_BASE).map(host);
        authority(&self.0)
            .map(host)
            .is_some_and(|h| example.is_some_and(|e| h.eq_ignore_ascii_case(e)))
    }
}

/// The one scheme a base URL may have.
const HTTPS: &str = "https://";

/// What follows `https://` up to the path, query or fragment; `None`
/// without that scheme (compared case-insensitively, RFC 3986 section 3.1).
fn authority(base: &str) -> Option<&str> {
    let (scheme, rest) = base.split_at_checked(HTTPS.len())?;
    if !scheme.eq_ignore_ascii_case(HTTPS) {
        return None;
    }
    rest.split(['/', '?', '#']).next()
}

/// The host in an authority: without the port, an IPv6 literal with its brackets.
fn host(authority: &str) -> &str {
    let host = if authority.starts_with('[') {
        // An IPv6 literal holds colons of its own.
        authority.split_inclusive(']').next()
    } else {
        authority.split(':').next()
    };
    host.unwrap_or_default()
}

impl Default for QrBase {
    fn default() -> Self {
        QrBase(DEFAULT_BASE.to_owned())
    }
}

impl fmt::Display for QrBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The QR text for a signed licence.
pub fn to_qr_text(envelope: &SignedLicence, base: &QrBase) -> String {
    let mut text = String::with_capacity(base.0.len() + digit_count(envelope.as_bytes().len()));
    text.push_str(&base.0);
    push_digits(&mut text, envelope.as_bytes());
    text
}

/// How many digits `len` bytes become.
pub fn digit_count(len: usize) -> usize {
    len / BLOCK_BYTES * BLOCK_DIGITS + digits_for(len % BLOCK_BYTES)
}

/// Digits for a group of 0–7 bytes.
fn digits_for(group_len: usize) -> usize {
    TAIL_DIGITS.get(group_len).copied().unwrap_or(BLOCK_DIGITS)
}

/// Appends `bytes` as decimal digits.
pub fn push_digits(out: &mut String, bytes: &[u8]) {
    out.reserve(digit_count(bytes.len()));
    for block in bytes.chunks(BLOCK_BYTES) {
        let mut value = block.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        let mut digits = [b'0'; BLOCK_DIGITS];
        let width = digits_for(block.len());
        for d in digits.iter_mut().take(width).rev() {
            *d = b'0' + (value % 10) as u8;
            value /= 10;
        }
        let digits = digits.get(..width).unwrap_or_default();
        out.push_str(core::str::from_utf8(digits).unwrap_or_default());
    }
}

/// Reads the envelope bytes from QR text: the digits at its end, after any
/// base URL. The base itself is not checked (a verifier keys on the digits),
/// but the digit block must be exactly what [`to_qr_text`] writes.
pub fn envelope_bytes(text: &str) -> Result<Vec<u8>, QrError> {
    let max = MAX_BASE_LEN + MAX_DIGITS;
    if text.len() > max {
        return Err(QrError::TooLong {
            len: text.len(),
            max,
        });
    }
    // Scan bytes, not chars: an ASCII digit is never part of a multi-byte
    // character, so the digits after the last non-digit byte are exactly the
    // trailing digit characters.
    let bytes = text.as_bytes();
    let start = bytes
        .iter()
        .rposition(|b| !b.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let digits = bytes.get(start..).unwrap_or_default();
    if digits.is_empty() {
        return Err(QrError::NoDigits);
    }
    decode_ascii_digits(digits)
}

/// Reads a block of digits written by [`push_digits`].
pub fn decode_digits(digits: &str) -> Result<Vec<u8>, QrError> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QrError::NoDigits);
    }
    decode_ascii_digits(digits.as_bytes())
}

/// The work of [`decode_digits`] on bytes already known to be ASCII digits.
fn decode_ascii_digits(digits: &[u8]) -> Result<Vec<u8>, QrError> {
    let count = digits.len();
    let tail_bytes = TAIL_DIGITS
        .iter()
        .position(|&d| d == count % BLOCK_DIGITS)
        .ok_or(QrError::DigitCount { count })?;
    let mut out = Vec::with_capacity(count / BLOCK_DIGITS * BLOCK_BYTES + tail_bytes);
    for (index, block) in digits.chunks(BLOCK_DIGITS).enumerate() {
        let n_bytes = if block.len() == BLOCK_DIGITS {
            BLOCK_BYTES
        } else {
            tail_bytes
        };
        // At most 17 digits, so the value fits in a u64 (10^17 < 2^64); the
        // wrapping operations only matter if a caller broke the digits-only
        // promise, and then give a wrong number rather than a panic.
        let value = block.iter().fold(0u64, |v, &d| {
            v.wrapping_mul(10)
                .wrapping_add(u64::from(d.wrapping_sub(b'0')))
        });
        if value >> (8 * n_bytes) != 0 {
            return Err(QrError::BlockOutOfRange { index });
        }
        out.extend_from_slice(value.to_be_bytes().get(8 - n_bytes..).unwrap_or_default());
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
