//! Log leaves: what the registry records, one [`LogEvent`] per leaf.
//!
//! A leaf is one deterministic CBOR map (RFC 8949 §4.2.1) with small
//! integer keys; key 0 holds the context string [`LEAF_CONTEXT`], so that
//! the leaf's bytes after its first always start `00 6f` and the context,
//! and a leaf cannot be taken for an envelope, a seal record or any other
//! format of this crate (all COSE, tag 18). The keys:
//!
//! | key | field | kinds | type |
//! |---|---|---|---|
//! | 0 | context | all | text, exactly [`LEAF_CONTEXT`] |
//! | 1 | kind | all | uint: 1 issuance, 2 status change, 3 seal registration, 4 trust-list publication |
//! | 2 | at | all | uint, seconds since 1970-01-01T00:00:00Z, below 2^63 |
//! | 3 | identifier | 1, 2 | text: a GB/T 36904 licence identifier in canonical form |
//! | 4 | authority | 1, 3 | text: a unified social credit code |
//! | 5 | sha256 | all | bstr of 32: the envelope (1, 2), the seal record (3), the trust list (4) |
//! | 6 | status reference | 1, optional | [list, index], both uint below 2^32 |
//! | 7 | status | 2 | text: the two-digit status code ("01" to "07", "99") |
//! | 8 | sequence | 4 | uint below 2^63 |
//!
//! Leaves are public: they hold digests, identifiers and authority codes,
//! never a holder's name, identity number or licence number (which, for a
//! driving licence, is the holder's identity number).
//!
//! Decoding is strict: at most [`MAX_LEAF_LEN`] bytes, deterministic CBOR,
//! exactly the keys of the event's kind, every value in range, the
//! identifier and the authority code valid (check characters included) and
//! canonical. [`LogEvent::to_leaf`] writes what it is given; a value that
//! decoding refuses (a time before 1970, an identifier that is not one)
//! gives a leaf that [`LogEvent::from_leaf`] refuses.

use thiserror::Error;

use super::{Hash, leaf_hash};
use crate::cbor::{self, CborError, Encoder, FieldError, Fields, Value};
use crate::date::UnixTime;
use crate::ident::{LicenceIdentifier, Uscc};
use crate::licence::StatusReference;
use crate::status::LicenceStatus;

/// The context string at key 0 of every leaf.
pub const LEAF_CONTEXT: &str = "elicence log v1";
/// Largest leaf [`LogEvent::from_leaf`] reads, in bytes.
pub const MAX_LEAF_LEN: usize = 1024;
/// Longest identifier accepted, in bytes.
const MAX_IDENTIFIER_LEN: usize = 128;

mod key {
    pub const CONTEXT: i64 = 0;
    pub const KIND: i64 = 1;
    pub const AT: i64 = 2;
    pub const IDENTIFIER: i64 = 3;
    pub const AUTHORITY: i64 = 4;
    pub const SHA256: i64 = 5;
    pub const STATUS_REFERENCE: i64 = 6;
    pub const STATUS: i64 = 7;
    pub const SEQUENCE: i64 = 8;
}

mod kind {
    pub const ISSUANCE: u64 = 1;
    pub const STATUS_CHANGE: u64 = 2;
    pub const SEAL_REGISTRATION: u64 = 3;
    pub const TRUST_LIST_PUBLICATION: u64 = 4;
}

/// One thing the registry records.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogEvent {
    /// A licence was issued (signed).
    Issuance {
        /// When.
        at: UnixTime,
        /// The licence's GB/T 36904 identifier, in its canonical text form
        /// (`LicenceIdentifier::to_string`).
        identifier: String,
        /// The issuing authority.
        authority: Uscc,
        /// SHA-256 of the envelope as signed (`SignedLicence::as_bytes`,
        /// without any carried chain).
        envelope_sha256: Hash,
        /// The licence's status-list entry, if it has one.
        status: Option<StatusReference>,
    },
    /// A licence's status changed (revoked, suspended, …).
    StatusChange {
        /// When.
        at: UnixTime,
        /// The licence's identifier, as for [`LogEvent::Issuance`].
        identifier: String,
        /// SHA-256 of the licence's envelope.
        envelope_sha256: Hash,
        /// The new status.
        status: LicenceStatus,
    },
    /// A seal was registered.
    SealRegistration {
        /// When.
        at: UnixTime,
        /// The seal's owner.
        authority: Uscc,
        /// SHA-256 of the signed seal record.
        record_sha256: Hash,
    },
    /// A trust list was published.
    TrustListPublication {
        /// When.
        at: UnixTime,
        /// The list's sequence number.
        sequence: u64,
        /// SHA-256 of the signed trust list.
        list_sha256: Hash,
    },
}

/// Why bytes are not a log leaf.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EventError {
    /// Larger than [`MAX_LEAF_LEN`].
    #[error("leaf is {len} bytes; at most {max} are accepted")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not the deterministic CBOR this crate accepts.
    #[error("bad CBOR: {0}")]
    Cbor(#[from] CborError),
    /// Not a map with integer keys whose key 0 is [`LEAF_CONTEXT`].
    #[error("not a log leaf: {reason}")]
    NotALeaf {
        /// What is wrong.
        reason: &'static str,
    },
    /// A kind this version does not define.
    #[error("unknown event kind {found}")]
    UnknownKind {
        /// The kind found.
        found: u64,
    },
    /// A field the kind requires is missing.
    #[error("{field} is missing")]
    MissingField {
        /// Its name.
        field: &'static str,
    },
    /// A field has the wrong type or an invalid value.
    #[error("{field}: expected {expected}")]
    BadField {
        /// Its name.
        field: &'static str,
        /// What the format requires.
        expected: &'static str,
    },
    /// A key the kind does not define.
    #[error("unknown key {key}")]
    UnknownKey {
        /// The key.
        key: i64,
    },
}

impl EventError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            EventError::TooLarge { .. } => "leaf_too_large",
            EventError::Cbor(_) => "bad_cbor",
            EventError::NotALeaf { .. } => "not_a_log_leaf",
            EventError::UnknownKind { .. } => "unknown_event_kind",
            EventError::MissingField { .. } => "missing_field",
            EventError::BadField { .. } => "bad_field",
            EventError::UnknownKey { .. } => "unknown_key",
        }
    }
}

impl From<FieldError> for EventError {
    fn from(e: FieldError) -> Self {
        match e {
            FieldError::KeyNotInteger { .. } => EventError::NotALeaf {
                reason: "a key is not an integer",
            },
            FieldError::Missing { field } => EventError::MissingField { field },
            FieldError::Bad { field, expected } => EventError::BadField { field, expected },
            FieldError::Unknown { key, .. } => EventError::UnknownKey { key },
        }
    }
}

/// Times and sequence numbers are CBOR unsigned integers below 2^63; the
/// writer saturates a sequence above (no trust list gets there), as the
/// trust list's own writer does.
fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl LogEvent {
    /// The kind's name: `issuance`, `status_change`, `seal_registration`
    /// or `trust_list_publication`.
    pub fn kind(&self) -> &'static str {
        match self {
            LogEvent::Issuance { .. } => "issuance",
            LogEvent::StatusChange { .. } => "status_change",
            LogEvent::SealRegistration { .. } => "seal_registration",
            LogEvent::TrustListPublication { .. } => "trust_list_publication",
        }
    }

    /// When it happened.
    pub fn at(&self) -> UnixTime {
        match self {
            LogEvent::Issuance { at, .. }
            | LogEvent::StatusChange { at, .. }
            | LogEvent::SealRegistration { at, .. }
            | LogEvent::TrustListPublication { at, .. } => *at,
        }
    }

    fn kind_number(&self) -> u64 {
        match self {
            LogEvent::Issuance { .. } => kind::ISSUANCE,
            LogEvent::StatusChange { .. } => kind::STATUS_CHANGE,
            LogEvent::SealRegistration { .. } => kind::SEAL_REGISTRATION,
            LogEvent::TrustListPublication { .. } => kind::TRUST_LIST_PUBLICATION,
        }
    }

    /// The leaf: deterministic CBOR, keys in order.
    pub fn to_leaf(&self) -> Vec<u8> {
        let mut e = Encoder::with_capacity(160);
        let head = |e: &mut Encoder, entries: usize, event: &LogEvent| {
            e.map_header(entries)
                .int(key::CONTEXT)
                .text(LEAF_CONTEXT)
                .int(key::KIND)
                .int(saturating_i64(event.kind_number()))
                .int(key::AT)
                .int(event.at().secs());
        };
        match self {
            LogEvent::Issuance {
                identifier,
                authority,
                envelope_sha256,
                status,
                ..
            } => {
                head(&mut e, 6 + usize::from(status.is_some()), self);
                e.int(key::IDENTIFIER)
                    .text(identifier)
                    .int(key::AUTHORITY)
                    .text(authority.as_str())
                    .int(key::SHA256)
                    .bytes(envelope_sha256);
                if let Some(reference) = status {
                    e.int(key::STATUS_REFERENCE)
                        .array(2)
                        .int(i64::from(reference.list))
                        .int(i64::from(reference.index));
                }
            }
            LogEvent::StatusChange {
                identifier,
                envelope_sha256,
                status,
                ..
            } => {
                head(&mut e, 6, self);
                e.int(key::IDENTIFIER)
                    .text(identifier)
                    .int(key::SHA256)
                    .bytes(envelope_sha256)
                    .int(key::STATUS)
                    .text(status.code());
            }
            LogEvent::SealRegistration {
                authority,
                record_sha256,
                ..
            } => {
                head(&mut e, 5, self);
                e.int(key::AUTHORITY)
                    .text(authority.as_str())
                    .int(key::SHA256)
                    .bytes(record_sha256);
            }
            LogEvent::TrustListPublication {
                sequence,
                list_sha256,
                ..
            } => {
                head(&mut e, 5, self);
                e.int(key::SHA256)
                    .bytes(list_sha256)
                    .int(key::SEQUENCE)
                    .int(saturating_i64(*sequence));
            }
        }
        e.into_bytes()
    }

    /// The leaf's hash in the log (RFC 9162 leaf hash of [`LogEvent::to_leaf`]).
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.to_leaf())
    }

    /// Reads a leaf, strictly (see the [module documentation](self)).
    ///
    /// # Errors
    /// An [`EventError`] naming what is wrong.
    pub fn from_leaf(leaf: &[u8]) -> Result<Self, EventError> {
        if leaf.len() > MAX_LEAF_LEN {
            return Err(EventError::TooLarge {
                len: leaf.len(),
                max: MAX_LEAF_LEN,
            });
        }
        let value = cbor::decode(leaf)?;
        if !matches!(value, Value::Map(_)) {
            return Err(EventError::NotALeaf {
                reason: "not a map",
            });
        }
        let mut fields = Fields::of(value, "event")?;
        match fields.optional(key::CONTEXT) {
            Some(Value::Text(LEAF_CONTEXT)) => {}
            _ => {
                return Err(EventError::NotALeaf {
                    reason: "key 0 is not the log's context string",
                });
            }
        }
        let kind = uint(&mut fields, key::KIND, "kind")?;
        let at = UnixTime::from_secs(time(&mut fields, key::AT, "at")?);
        let event = match kind {
            kind::ISSUANCE => LogEvent::Issuance {
                at,
                identifier: identifier(&mut fields)?,
                authority: authority(&mut fields)?,
                envelope_sha256: digest(&mut fields, "envelope_sha256")?,
                status: status_reference(&mut fields)?,
            },
            kind::STATUS_CHANGE => LogEvent::StatusChange {
                at,
                identifier: identifier(&mut fields)?,
                envelope_sha256: digest(&mut fields, "envelope_sha256")?,
                status: {
                    let code = fields.text(key::STATUS, "status")?;
                    LicenceStatus::from_code(code).ok_or(EventError::BadField {
                        field: "status",
                        expected: "a status code 01 to 07 or 99",
                    })?
                },
            },
            kind::SEAL_REGISTRATION => LogEvent::SealRegistration {
                at,
                authority: authority(&mut fields)?,
                record_sha256: digest(&mut fields, "record_sha256")?,
            },
            kind::TRUST_LIST_PUBLICATION => LogEvent::TrustListPublication {
                at,
                list_sha256: digest(&mut fields, "list_sha256")?,
                sequence: time(&mut fields, key::SEQUENCE, "sequence")?.unsigned_abs(),
            },
            found => return Err(EventError::UnknownKind { found }),
        };
        fields.finish()?;
        Ok(event)
    }
}

fn uint(fields: &mut Fields<'_>, key: i64, field: &'static str) -> Result<u64, EventError> {
    match fields.take(key, field)? {
        Value::Uint(n) => Ok(n),
        _ => Err(EventError::BadField {
            field,
            expected: "an unsigned integer",
        }),
    }
}

/// An unsigned integer below 2^63.
fn time(fields: &mut Fields<'_>, key: i64, field: &'static str) -> Result<i64, EventError> {
    i64::try_from(uint(fields, key, field)?).map_err(|_| EventError::BadField {
        field,
        expected: "an unsigned integer below 2^63",
    })
}

fn identifier(fields: &mut Fields<'_>) -> Result<String, EventError> {
    let bad = EventError::BadField {
        field: "identifier",
        expected: "a GB/T 36904 licence identifier in canonical form",
    };
    let text = fields.text(key::IDENTIFIER, "identifier")?;
    if text.len() > MAX_IDENTIFIER_LEN {
        return Err(bad);
    }
    let parsed: LicenceIdentifier = text.parse().map_err(|_| bad.clone())?;
    if parsed.to_string() != text {
        return Err(bad);
    }
    Ok(text.to_owned())
}

fn authority(fields: &mut Fields<'_>) -> Result<Uscc, EventError> {
    let bad = EventError::BadField {
        field: "authority",
        expected: "a unified social credit code",
    };
    let text = fields.text(key::AUTHORITY, "authority")?;
    let code: Uscc = text.parse().map_err(|_| bad.clone())?;
    if code.as_str() != text {
        return Err(bad);
    }
    Ok(code)
}

fn digest(fields: &mut Fields<'_>, field: &'static str) -> Result<Hash, EventError> {
    match fields.take(key::SHA256, field)? {
        Value::Bytes(b) => b.try_into().map_err(|_| EventError::BadField {
            field,
            expected: "32 bytes",
        }),
        _ => Err(EventError::BadField {
            field,
            expected: "a byte string",
        }),
    }
}

fn status_reference(fields: &mut Fields<'_>) -> Result<Option<StatusReference>, EventError> {
    let bad = EventError::BadField {
        field: "status_reference",
        expected: "[list, index], both unsigned integers below 2^32",
    };
    let Some(value) = fields.optional(key::STATUS_REFERENCE) else {
        return Ok(None);
    };
    let Value::Array(items) = value else {
        return Err(bad);
    };
    match items.as_slice() {
        [Value::Uint(list), Value::Uint(index)] => Ok(Some(StatusReference {
            list: u32::try_from(*list).map_err(|_| bad.clone())?,
            index: u32::try_from(*index).map_err(|_| bad.clone())?,
        })),
        _ => Err(bad),
    }
}
