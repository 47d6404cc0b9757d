//! What the backends store and return: plain rows, checked by the registry.

use thiserror::Error;

use crate::log::Hash;

/// One issued licence as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LicenceRow {
    /// The log index of its issuance event: its row key.
    pub log_index: u64,
    /// The GB/T 36904 identifier.
    pub identifier: String,
    /// The caller's request id, unique.
    pub request_id: String,
    /// The licence type code.
    pub type_code: String,
    /// The issuing authority's USCC.
    pub authority: String,
    /// The serial allocated under (authority, type code).
    pub serial: u64,
    /// The licence number (证照编号).
    pub number: String,
    /// The holder's name.
    pub holder_name: String,
    /// Whether the holder is an organisation (its code a USCC) rather than
    /// a natural person.
    pub holder_is_org: bool,
    /// The holder's identity code (a USCC, or a person's document number:
    /// never shown by public look-ups).
    pub holder_code: String,
    /// The issuing authority's name.
    pub issuer_name: String,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// Start of validity, `YYYY-MM-DD`.
    pub valid_from: String,
    /// End of validity, `YYYY-MM-DD`, or `long_term`.
    pub valid_until: String,
    /// Signing time, Unix seconds.
    pub issued_at: i64,
    /// The COSE_Sign1 envelope, as signed.
    pub envelope: Vec<u8>,
    /// SHA-256 of the envelope.
    pub envelope_sha256: Hash,
    /// The status list number.
    pub status_list: u32,
    /// The entry in that list.
    pub status_index: u32,
    /// The current status code (`01`..`07`, `99`).
    pub status: String,
    /// When the current status took effect, Unix seconds.
    pub status_at: i64,
    /// The log index of the licence's latest event.
    pub last_change: u64,
    /// SHA-256 of the licence's JSON as it was requested: a request id used
    /// again is answered only for the same licence.
    pub request_sha256: Hash,
}

/// One status change in a licence's history.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusChangeRow {
    /// The licence.
    pub identifier: String,
    /// 1 for the first change, and so on.
    pub seq: u32,
    /// The new status code.
    pub code: String,
    /// Why, in the operator's words.
    pub reason: String,
    /// Who made the change.
    pub operator: String,
    /// When, Unix seconds.
    pub at: i64,
    /// The log index of the change's event.
    pub log_index: u64,
}

/// How a name look-up matches organisation names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameMatch {
    /// Names starting with the text.
    Prefix(String),
    /// Names containing the text (at least three characters, for the
    /// trigram index).
    Contains(String),
}

/// A storage failure.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database reported an error.
    #[error("{backend}: {message}")]
    Database {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// The database's message.
        message: String,
    },
    /// A uniqueness rule of the schema was broken (a concurrent writer got
    /// there first): the transaction was rolled back and may be retried.
    #[error("{backend}: conflict: {message}")]
    Conflict {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// The database's message.
        message: String,
    },
    /// A stored value is not what the schema allows.
    #[error("stored data is corrupt: {what}")]
    Corrupt {
        /// What was wrong.
        what: String,
    },
    /// The database has no registry schema, or another version of it.
    #[error("not an elicence registry of schema {expected} (found {found})")]
    Schema {
        /// The schema this build reads.
        expected: u32,
        /// What was found (`none` when the database is empty).
        found: String,
    },
    /// A PostgreSQL URL was given but this build has no PostgreSQL backend.
    #[error("this build has no PostgreSQL backend; give a SQLite file path")]
    NoPostgres,
}

impl StoreError {
    /// A stable code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Database { .. } => "database",
            StoreError::Conflict { .. } => "conflict",
            StoreError::Corrupt { .. } => "corrupt",
            StoreError::Schema { .. } => "schema",
            StoreError::NoPostgres => "no_postgres",
        }
    }
}

// Conversions both backends make between the rows' unsigned numbers and
// the databases' signed 64-bit integers.

/// A number to store: one that does not fit is refused, never wrapped.
pub(super) fn int<T: TryInto<i64> + Copy + std::fmt::Display>(value: T) -> Result<i64, StoreError> {
    value.try_into().map_err(|_| StoreError::Corrupt {
        what: format!("{value} does not fit a 64-bit signed integer"),
    })
}

/// A position a caller asks from (a page's `after`, a log index): one that
/// does not fit a signed integer lies past everything stored, which is what
/// it means, not a sign of corrupt storage.
pub(super) fn position(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(super) fn uint<T: TryFrom<i64>>(value: i64, what: &str) -> Result<T, StoreError> {
    T::try_from(value).map_err(|_| StoreError::Corrupt {
        what: format!("{what} {value} out of range"),
    })
}

pub(super) fn hash(bytes: Vec<u8>, what: &str) -> Result<Hash, StoreError> {
    Hash::try_from(bytes.as_slice()).map_err(|_| StoreError::Corrupt {
        what: format!("{what} is {} bytes, not 32", bytes.len()),
    })
}
