//! Identifiers used on electronic licences: unified social credit codes
//! (GB 32100-2015), resident identity numbers (GB 11643-1999) and licence
//! identifiers (GB/T 36904-2018).
//!
//! Parsing is strict: only the canonical upper-case form is accepted, so a
//! value has exactly one textual representation and signatures over it are
//! unambiguous. Positions in errors are 1-based and count characters, not
//! bytes, within the component named by the error's [`IdentKind`].

use core::fmt;
use core::marker::PhantomData;
use core::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::date::Date;

#[cfg(test)]
mod tests;

/// GB 32100-2015 code alphabet; I, O, S, V and Z are excluded to avoid
/// confusion with digits.
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^i mod 31 for positions 1..=17.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const USCC_LEN: usize = 18;

/// 2^(17-i) mod 11 for positions 1..=17.
const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_CHECK: &[u8; 11] = b"10X98765432";
const RESIDENT_LEN: usize = 18;
/// The 1800 lower bound excludes obvious typos in the century digits.
const MIN_BIRTH_YEAR: i32 = 1800;

const TYPE_CODE_LEN: usize = 21;
const SERIAL_MAX_LEN: usize = 32;
const VERSION_LEN: usize = 3;

/// ISO 7064 MOD 37,36 alphabet.
const ALNUM_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Object identifier arc under which GB/T 36904-2018 licence identifiers live.
pub const LICENCE_ID_ROOT: &str = "1.2.156.3005.2";
/// Root plus type code, issuer, serial, version and check.
const LICENCE_ID_SEGMENTS: usize = 10;

/// Keeps error values small even when an attacker submits huge inputs.
const MAX_STORED_INPUT: usize = 64;

/// Which kind of identifier (or component) an [`IdentError`] refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentKind {
    /// Unified social credit code (统一社会信用代码).
    Uscc,
    /// Resident identity number (公民身份号码).
    ResidentId,
    /// Licence type code (证照类型代码).
    LicenceTypeCode,
    /// Full licence identifier (证照标识).
    LicenceIdentifier,
    /// Serial segment of a licence identifier.
    Serial,
    /// Version segment of a licence identifier.
    Version,
}

impl fmt::Display for IdentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdentKind::Uscc => "unified social credit code",
            IdentKind::ResidentId => "resident identity number",
            IdentKind::LicenceTypeCode => "licence type code",
            IdentKind::LicenceIdentifier => "licence identifier",
            IdentKind::Serial => "licence serial number",
            IdentKind::Version => "licence version",
        })
    }
}

/// Errors from parsing or constructing identifiers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentError {
    /// Wrong number of characters.
    #[error("{kind}: expected {expected} characters, found {found}")]
    Length {
        /// What was being parsed.
        kind: IdentKind,
        /// Required length in characters.
        expected: usize,
        /// Actual length in characters.
        found: usize,
    },
    /// A character outside the permitted alphabet.
    #[error("{kind}: invalid character {found:?} at position {position}")]
    InvalidChar {
        /// What was being parsed.
        kind: IdentKind,
        /// 1-based character position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// A lower-case letter where only its upper-case form is permitted.
    #[error("{kind}: lower-case {found:?} at position {position}; only upper-case is accepted")]
    Lowercase {
        /// What was being parsed.
        kind: IdentKind,
        /// 1-based character position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// The check character does not match the rest of the identifier.
    #[error("{kind}: wrong check character (expected {expected:?}, found {found:?})")]
    CheckChar {
        /// What was being parsed.
        kind: IdentKind,
        /// Check character computed from the other characters.
        expected: char,
        /// Check character present in the input.
        found: char,
    },
    /// The birth-date digits of a resident identity number are not a real
    /// date from 1800 onwards.
    #[error("resident identity number: invalid birth date {digits}")]
    BirthDate {
        /// The eight `YYYYMMDD` digits.
        digits: String,
    },
    /// The area code of a resident identity number is not valid.
    #[error("resident identity number: invalid area code {found}")]
    AreaCode {
        /// The six area-code digits.
        found: String,
    },
    /// A licence identifier does not start with `1.2.156.3005.2`.
    #[error("licence identifier: root must be 1.2.156.3005.2, found {found:?}")]
    Root {
        /// Up to the first five dot-separated segments, truncated to 64 characters.
        found: String,
    },
    /// A licence identifier has the wrong number of dot-separated segments.
    #[error("licence identifier: expected 10 dot-separated segments, found {found}")]
    Segments {
        /// Total segments, including the five of the root.
        found: usize,
    },
    /// A serial is empty or longer than 32 characters.
    #[error("licence serial number: expected 1 to 32 characters, found {found}")]
    SerialLength {
        /// Actual length in characters.
        found: usize,
    },
    /// A numeric version exceeds three digits.
    #[error("licence version: {found} is greater than 999")]
    VersionRange {
        /// The rejected number.
        found: u16,
    },
    /// The check segment of a licence identifier is not a single character.
    #[error("licence identifier: check segment must be 1 character, found {found}")]
    CheckLength {
        /// Actual length of the check segment in characters.
        found: usize,
    },
}

fn char_error(
    kind: IdentKind,
    position: usize,
    found: char,
    allowed: fn(char) -> bool,
) -> IdentError {
    if found.is_ascii_lowercase() && allowed(found.to_ascii_uppercase()) {
        IdentError::Lowercase {
            kind,
            position,
            found,
        }
    } else {
        IdentError::InvalidChar {
            kind,
            position,
            found,
        }
    }
}

fn check_len(kind: IdentKind, s: &str, expected: usize) -> Result<(), IdentError> {
    let found = s.chars().count();
    if found == expected {
        Ok(())
    } else {
        Err(IdentError::Length {
            kind,
            expected,
            found,
        })
    }
}

/// Splits off the final character; `None` for an empty string.
fn split_last_char(s: &str) -> Option<(&str, char)> {
    let mut chars = s.chars();
    let last = chars.next_back()?;
    Some((chars.as_str(), last))
}

/// Splits after `n` characters, on a char boundary, so it is safe for any input.
fn split_at_char(s: &str, n: usize) -> (&str, &str) {
    match s.char_indices().nth(n) {
        Some((byte, _)) => s.split_at_checked(byte).unwrap_or((s, "")),
        None => (s, ""),
    }
}

fn compare_check(
    kind: IdentKind,
    position: usize,
    expected: char,
    found: char,
    allowed: fn(char) -> bool,
) -> Result<(), IdentError> {
    if found == expected {
        Ok(())
    } else if !allowed(found) {
        Err(char_error(kind, position, found, allowed))
    } else {
        Err(IdentError::CheckChar {
            kind,
            expected,
            found,
        })
    }
}

fn alphabet_value(alphabet: &[u8], c: char) -> Option<u32> {
    let pos = alphabet.iter().position(|&b| char::from(b) == c)?;
    u32::try_from(pos).ok()
}

/// `value` is always reduced modulo the alphabet length by callers, so the
/// fallback is unreachable; it exists only to avoid a panicking index.
fn alphabet_char(alphabet: &[u8], value: u32) -> char {
    usize::try_from(value)
        .ok()
        .and_then(|i| alphabet.get(i))
        .map_or('?', |&b| char::from(b))
}

fn is_uscc_char(c: char) -> bool {
    alphabet_value(USCC_ALPHABET, c).is_some()
}

fn is_alnum_upper(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase()
}

fn is_resident_check(c: char) -> bool {
    c.is_ascii_digit() || c == 'X'
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

fn truncated(s: &str) -> String {
    s.chars().take(MAX_STORED_INPUT).collect()
}

/// Computes the GB 32100-2015 check character for the first 17 characters
/// of a unified social credit code.
///
/// # Errors
/// [`IdentError::Length`] unless `first17` has exactly 17 characters;
/// [`IdentError::InvalidChar`] / [`IdentError::Lowercase`] for characters
/// outside `0-9A-Z` minus `I O S V Z`.
pub fn uscc_check_char(first17: &str) -> Result<char, IdentError> {
    let kind = IdentKind::Uscc;
    check_len(kind, first17, USCC_WEIGHTS.len())?;
    let mut sum = 0;
    for ((i, c), w) in first17.chars().enumerate().zip(USCC_WEIGHTS) {
        let v = alphabet_value(USCC_ALPHABET, c)
            .ok_or_else(|| char_error(kind, i + 1, c, is_uscc_char))?;
        sum += v * w;
    }
    Ok(alphabet_char(USCC_ALPHABET, (31 - sum % 31) % 31))
}

/// Computes the GB 11643-1999 check character for the first 17 digits of a
/// resident identity number.
///
/// # Errors
/// [`IdentError::Length`] unless `first17` has exactly 17 characters;
/// [`IdentError::InvalidChar`] for non-digits.
pub fn resident_id_check_char(first17: &str) -> Result<char, IdentError> {
    let kind = IdentKind::ResidentId;
    check_len(kind, first17, RESIDENT_WEIGHTS.len())?;
    let mut sum = 0;
    for ((i, c), w) in first17.chars().enumerate().zip(RESIDENT_WEIGHTS) {
        let v = c
            .to_digit(10)
            .filter(|_| c.is_ascii_digit())
            .ok_or(IdentError::InvalidChar {
                kind,
                position: i + 1,
                found: c,
            })?;
        sum += v * w;
    }
    Ok(alphabet_char(RESIDENT_CHECK, sum % 11))
}

fn mod37_36_step(p: u32, value: u32) -> u32 {
    let s = (p + value) % 36;
    let s = if s == 0 { 36 } else { s };
    (2 * s) % 37
}

fn mod37_36_finish(p: u32) -> char {
    // p is in 1..=36, so 37 - p cannot underflow.
    alphabet_char(ALNUM_ALPHABET, (37 - p) % 36)
}

/// Computes the ISO 7064 MOD 37,36 check character over `0-9A-Z` text, as
/// used for GB/T 36904-2018 licence identifiers (whose input is the type
/// code, issuer, serial and version concatenated without dots).
///
/// # Errors
/// [`IdentError::InvalidChar`] / [`IdentError::Lowercase`] (kind
/// [`IdentKind::LicenceIdentifier`]) for characters outside `0-9A-Z`.
pub fn mod37_36_check_char(input: &str) -> Result<char, IdentError> {
    let p = input.chars().enumerate().try_fold(36, |p, (i, c)| {
        alphabet_value(ALNUM_ALPHABET, c)
            .map(|v| mod37_36_step(p, v))
            .ok_or_else(|| char_error(IdentKind::LicenceIdentifier, i + 1, c, is_alnum_upper))
    })?;
    Ok(mod37_36_finish(p))
}

/// Serde support via `FromStr` / `Display`, so deserialization validates.
struct ParseVisitor<T> {
    expecting: &'static str,
    marker: PhantomData<T>,
}

impl<T: FromStr<Err = IdentError>> Visitor<'_> for ParseVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

macro_rules! string_serde {
    ($ty:ty, $expecting:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(ParseVisitor::<$ty> {
                    expecting: $expecting,
                    marker: PhantomData,
                })
            }
        }
    };
}

/// A unified social credit code (统一社会信用代码, GB 32100-2015): 18
/// characters with a valid check character.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Uscc(String);

impl Uscc {
    /// Builds a code from its first 17 characters by appending the check.
    ///
    /// # Errors
    /// As [`uscc_check_char`].
    pub fn with_computed_check(first17: &str) -> Result<Uscc, IdentError> {
        let check = uscc_check_char(first17)?;
        let mut code = String::with_capacity(USCC_LEN);
        code.push_str(first17);
        code.push(check);
        Ok(Uscc(code))
    }

    /// The 18-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Uscc {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Uscc, IdentError> {
        let kind = IdentKind::Uscc;
        check_len(kind, s, USCC_LEN)?;
        let (first17, found) = split_last_char(s).ok_or(IdentError::Length {
            kind,
            expected: USCC_LEN,
            found: 0,
        })?;
        let expected = uscc_check_char(first17)?;
        compare_check(kind, USCC_LEN, expected, found, is_uscc_char)?;
        Ok(Uscc(s.to_owned()))
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_serde!(Uscc, "an 18-character unified social credit code");

/// A resident identity number (公民身份号码, GB 11643-1999): 17 digits and a
/// check digit or `X`, with a real birth date.
///
/// `Debug` shows only the masked form, so the full number does not leak
/// into logs; use `Display` or [`ResidentId::as_str`] deliberately.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResidentId {
    number: String,
    birth_date: Date,
}

impl ResidentId {
    /// The 18-character number.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The birth date encoded in positions 7–14.
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// The six-digit administrative area code (positions 1–6).
    pub fn area_code(&self) -> &str {
        // Validated ASCII, so byte offsets are character offsets.
        self.number.get(..6).unwrap_or_default()
    }

    /// The number with the birth date and sequence hidden: first 6, eight
    /// `*`, last 4 (e.g. `110105********002X`).
    pub fn masked(&self) -> String {
        let tail = self.number.get(RESIDENT_LEN - 4..).unwrap_or_default();
        format!("{}********{}", self.area_code(), tail)
    }
}

impl FromStr for ResidentId {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<ResidentId, IdentError> {
        let kind = IdentKind::ResidentId;
        check_len(kind, s, RESIDENT_LEN)?;
        let (first17, found) = split_last_char(s).ok_or(IdentError::Length {
            kind,
            expected: RESIDENT_LEN,
            found: 0,
        })?;
        let expected = resident_id_check_char(first17)?;
        compare_check(kind, RESIDENT_LEN, expected, found, is_resident_check)?;

        // All 17 leading characters are now known to be ASCII digits.
        let area = first17.get(..6).unwrap_or_default();
        if area == "000000" {
            return Err(IdentError::AreaCode {
                found: area.to_owned(),
            });
        }
        let digits = first17.get(6..14).unwrap_or_default();
        let birth_date = Date::parse_yyyymmdd(digits)
            .ok()
            .filter(|d| d.year() >= MIN_BIRTH_YEAR)
            .ok_or_else(|| IdentError::BirthDate {
                digits: digits.to_owned(),
            })?;
        Ok(ResidentId {
            number: s.to_owned(),
            birth_date,
        })
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

string_serde!(ResidentId, "an 18-character resident identity number");

/// A licence type code (证照类型代码): the competent ministry's unified
/// social credit code followed by a three-digit sequence number.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct LicenceTypeCode {
    code: String,
    ministry: Uscc,
}

impl LicenceTypeCode {
    /// Builds a type code from the ministry's code and a three-digit sequence.
    ///
    /// # Errors
    /// [`IdentError::Length`] / [`IdentError::InvalidChar`] (kind
    /// [`IdentKind::LicenceTypeCode`]) unless `sequence` is three ASCII digits.
    pub fn new(ministry: Uscc, sequence: &str) -> Result<LicenceTypeCode, IdentError> {
        let kind = IdentKind::LicenceTypeCode;
        let seq_len = TYPE_CODE_LEN - USCC_LEN;
        let found = sequence.chars().count();
        if found != seq_len {
            return Err(IdentError::Length {
                kind,
                expected: TYPE_CODE_LEN,
                found: USCC_LEN + found,
            });
        }
        if let Some((i, c)) = sequence.chars().enumerate().find(|&(_, c)| !is_digit(c)) {
            return Err(IdentError::InvalidChar {
                kind,
                position: USCC_LEN + i + 1,
                found: c,
            });
        }
        let mut code = String::with_capacity(TYPE_CODE_LEN);
        code.push_str(ministry.as_str());
        code.push_str(sequence);
        Ok(LicenceTypeCode { code, ministry })
    }

    /// The 21-character code.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The competent ministry's unified social credit code.
    pub fn ministry(&self) -> &Uscc {
        &self.ministry
    }

    /// The three-digit sequence number.
    pub fn sequence(&self) -> &str {
        // Validated ASCII, so byte offsets are character offsets.
        self.code.get(USCC_LEN..).unwrap_or_default()
    }
}

impl FromStr for LicenceTypeCode {
    type Err = IdentError;

    /// Errors in the ministry part are reported with kind [`IdentKind::Uscc`];
    /// its positions coincide with those in the type code.
    fn from_str(s: &str) -> Result<LicenceTypeCode, IdentError> {
        check_len(IdentKind::LicenceTypeCode, s, TYPE_CODE_LEN)?;
        let (ministry, sequence) = split_at_char(s, USCC_LEN);
        LicenceTypeCode::new(ministry.parse()?, sequence)
    }
}

impl fmt::Display for LicenceTypeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

string_serde!(LicenceTypeCode, "a 21-character licence type code");

/// The serial segment of a licence identifier: 1 to 32 characters of `0-9A-Z`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Serial(String);

impl Serial {
    /// The serial text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Serial {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Serial, IdentError> {
        let found = s.chars().count();
        if !(1..=SERIAL_MAX_LEN).contains(&found) {
            return Err(IdentError::SerialLength { found });
        }
        if let Some((i, c)) = s.chars().enumerate().find(|&(_, c)| !is_alnum_upper(c)) {
            return Err(char_error(IdentKind::Serial, i + 1, c, is_alnum_upper));
        }
        Ok(Serial(s.to_owned()))
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_serde!(Serial, "a licence serial of 1 to 32 characters 0-9A-Z");

/// The version segment of a licence identifier: three digits, `000..=999`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Version(u16);

impl Version {
    /// Builds a version from its number.
    ///
    /// # Errors
    /// [`IdentError::VersionRange`] if `number > 999`.
    pub fn new(number: u16) -> Result<Version, IdentError> {
        if number > 999 {
            Err(IdentError::VersionRange { found: number })
        } else {
            Ok(Version(number))
        }
    }

    /// The version number, `0..=999`.
    pub fn number(self) -> u16 {
        self.0
    }
}

impl FromStr for Version {
    type Err = IdentError;

    /// Accepts exactly three ASCII digits, e.g. `001`.
    fn from_str(s: &str) -> Result<Version, IdentError> {
        let kind = IdentKind::Version;
        check_len(kind, s, VERSION_LEN)?;
        s.chars()
            .enumerate()
            .try_fold(0, |n, (i, c)| {
                c.to_digit(10)
                    .filter(|_| c.is_ascii_digit())
                    .and_then(|d| u16::try_from(d).ok())
                    .map(|d| n * 10 + d)
                    .ok_or(IdentError::InvalidChar {
                        kind,
                        position: i + 1,
                        found: c,
                    })
            })
            .map(Version)
    }
}

impl fmt::Display for Version {
    /// Writes three digits, zero-padded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

string_serde!(Version, "a three-digit licence version");

/// A GB/T 36904-2018 licence identifier (证照标识):
/// `1.2.156.3005.2.<type code>.<issuer>.<serial>.<version>.<check>`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct LicenceIdentifier {
    type_code: LicenceTypeCode,
    issuer: Uscc,
    serial: Serial,
    version: Version,
    check: char,
}

impl LicenceIdentifier {
    /// Builds an identifier from validated parts, computing the check.
    pub fn from_parts(
        type_code: LicenceTypeCode,
        issuer: Uscc,
        serial: Serial,
        version: Version,
    ) -> LicenceIdentifier {
        let version_text = version.to_string();
        let p = [
            type_code.as_str(),
            issuer.as_str(),
            serial.as_str(),
            version_text.as_str(),
        ]
        .into_iter()
        .flat_map(str::chars)
        // Every part is validated as 0-9A-Z, so nothing is skipped here.
        .filter_map(|c| alphabet_value(ALNUM_ALPHABET, c))
        .fold(36, mod37_36_step);
        LicenceIdentifier {
            type_code,
            issuer,
            serial,
            version,
            check: mod37_36_finish(p),
        }
    }

    /// Builds an identifier, validating `serial` and `version` and
    /// computing the check.
    ///
    /// # Errors
    /// As `Serial::from_str` and `Version::from_str`.
    pub fn new(
        type_code: LicenceTypeCode,
        issuer: Uscc,
        serial: &str,
        version: &str,
    ) -> Result<LicenceIdentifier, IdentError> {
        Ok(LicenceIdentifier::from_parts(
            type_code,
            issuer,
            serial.parse()?,
            version.parse()?,
        ))
    }

    /// The licence type code.
    pub fn type_code(&self) -> &LicenceTypeCode {
        &self.type_code
    }

    /// The issuing authority's unified social credit code.
    pub fn issuer(&self) -> &Uscc {
        &self.issuer
    }

    /// The serial segment.
    pub fn serial(&self) -> &Serial {
        &self.serial
    }

    /// The version segment.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The ISO 7064 MOD 37,36 check character.
    pub fn check_char(&self) -> char {
        self.check
    }
}

impl FromStr for LicenceIdentifier {
    type Err = IdentError;

    /// Parses the full dotted form. Errors inside a segment carry that
    /// segment's kind and positions relative to it.
    fn from_str(s: &str) -> Result<LicenceIdentifier, IdentError> {
        let root_len = LICENCE_ID_ROOT.split('.').count();
        if !s.split('.').take(root_len).eq(LICENCE_ID_ROOT.split('.')) {
            let found = s.split('.').take(root_len).collect::<Vec<_>>().join(".");
            return Err(IdentError::Root {
                found: truncated(&found),
            });
        }
        let total = s.split('.').count();
        if total != LICENCE_ID_SEGMENTS {
            return Err(IdentError::Segments { found: total });
        }
        let mut parts = s.split('.').skip(root_len);
        let (Some(type_code), Some(issuer), Some(serial), Some(version), Some(check)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(IdentError::Segments { found: total });
        };
        let id = LicenceIdentifier::new(type_code.parse()?, issuer.parse()?, serial, version)?;
        let mut check_chars = check.chars();
        let (Some(found), None) = (check_chars.next(), check_chars.next()) else {
            return Err(IdentError::CheckLength {
                found: check.chars().count(),
            });
        };
        compare_check(
            IdentKind::LicenceIdentifier,
            s.chars().count(),
            id.check,
            found,
            is_alnum_upper,
        )?;
        Ok(id)
    }
}

impl fmt::Display for LicenceIdentifier {
    /// Writes the full dotted form including root and check.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{LICENCE_ID_ROOT}.{}.{}.{}.{}.{}",
            self.type_code, self.issuer, self.serial, self.version, self.check
        )
    }
}

string_serde!(LicenceIdentifier, "a licence identifier 1.2.156.3005.2.…");
