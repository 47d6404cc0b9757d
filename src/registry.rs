//! The issuing side's register (feature `registry`): every licence issued,
//! its serial, status history and status-list entry, and a transparency log
//! of every event, in SQLite (a file path, nothing to install). The
//! storage trait ([`Store`]) is what a PostgreSQL backend implements; this
//! build has none yet.
//!
//! Issuing is one transaction per group of licences: the serials, the
//! status-list entries, the signatures, the records and the log leaves
//! commit together or not at all, so a crash at any moment loses nothing
//! and leaves no gap. Every request carries an id; a request whose id is
//! already registered is not issued again but answered with the licence it
//! made, so re-running a batch skips what is done.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use elicence::registry::{IssueRequest, IssuingKey, Registry};
//! use elicence::{Licence, SigningKey, UnixTime};
//!
//! let dir = std::env::temp_dir().join(format!("elicence-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("registry.sqlite");
//! # let _ = std::fs::remove_file(&path);
//! let mut registry = Registry::create(path.to_str().ok_or("path")?, "verify.example.gov.cn/log")?;
//! let key = IssuingKey::new(SigningKey::generate(), None)?;
//! let licence = Licence::from_json(include_str!("../examples/licences/driving-licence.json"))?;
//! let at = UnixTime::parse_rfc3339("2024-05-06T09:00:00+08:00")?;
//! let issued = registry.issue(&key, vec![IssueRequest::new("dl-1", licence)], at)?;
//! let identifier = issued[0].identifier().to_owned();
//! // The first serial of this authority and type, version 001.
//! assert!(identifier.starts_with("1.2.156.3005.2.111000000000222224001.111100000000213452.00000001.001."));
//! // The same request again is answered with the same licence.
//! let again = registry.issue(&key, vec![IssueRequest::new("dl-1", Licence::from_json(include_str!("../examples/licences/driving-licence.json"))?)], at)?;
//! assert_eq!(again[0].identifier(), identifier);
//! assert!(!again[0].is_new());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```

mod batch;
#[cfg(feature = "postgres")]
mod postgres;
mod rows;
mod sqlite;
mod store;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::Arc;
use std::thread;

use rand_core::OsRng;
use serde::Serialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

pub use batch::{
    BatchFormat, BatchOptions, BatchPlan, BatchProgress, BatchSummary, DEFAULT_CHUNK_LINES,
    MAX_LISTED_REJECTS, MAX_RECORD_BYTES, plan_batch, run_batch, write_codes,
};
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
pub use rows::{LicenceRow, NameMatch, StatusChangeRow, StoreError};
pub use sqlite::SqliteStore;
pub use store::{ChunkClaim, ListRow, Store, Tx};

use crate::date::UnixTime;
use crate::envelope::{IssueError, SignedLicence};
use crate::ident::{Serial, Version};
use crate::keys::{Signer, SigningKey};
use crate::licence::{DocumentKind, Licence, StatusReference};
use crate::log::note::NoteSigner;
use crate::log::{self as tlog, Hash, LogEvent};
use crate::status::{
    IndexAllocator, LicenceStatus, MIN_LIST_ENTRIES, SignedStatusList, StatusList, StatusListError,
};
use crate::trust::{CertRole, Certificate};

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;
/// The version segment of identifiers the registry allocates.
pub const IDENTIFIER_VERSION: u16 = 1;
/// Digits a serial is padded to (more when the count grows past them).
pub const SERIAL_DIGITS: usize = 8;
/// The most licences one look-up page returns.
pub const MAX_PAGE: u32 = 100;
/// The longest name query, in characters.
pub const MAX_QUERY_CHARS: usize = 64;
/// The fewest characters a substring query needs (the trigram index).
pub const MIN_CONTAINS_CHARS: usize = 3;
/// The most requests one [`Registry::issue`] call takes.
pub const MAX_GROUP: usize = 100_000;
/// The longest request id, in bytes.
pub const MAX_REQUEST_ID: usize = 200;
/// The longest status-change reason or operator name, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A registry failure.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A request cannot be issued.
    #[error("request {request_id}: {reason}")]
    Request {
        /// The request's id.
        request_id: String,
        /// Why.
        reason: RequestError,
    },
    /// No licence has this identifier or envelope hash.
    #[error("no licence {what} in the registry")]
    UnknownLicence {
        /// The identifier or hash looked for.
        what: String,
    },
    /// A status change that the licence's current status does not allow.
    #[error("licence {identifier} is {from}; it cannot become {to}")]
    StatusTransition {
        /// The licence.
        identifier: String,
        /// Its current status.
        from: LicenceStatus,
        /// The status asked for.
        to: LicenceStatus,
    },
    /// A status change reason or operator that is blank, too long or holds
    /// control characters.
    #[error("the {field} must be 1 to {MAX_REASON_CHARS} characters, without control characters")]
    StatusText {
        /// `reason` or `operator`.
        field: &'static str,
    },
    /// A look-up query that is empty, too long or too short for its kind,
    /// or holds a control character.
    #[error(
        "look-up query must be {min} to {MAX_QUERY_CHARS} characters, none of them control characters ({found} given)"
    )]
    Query {
        /// The fewest characters this kind of query needs.
        min: usize,
        /// The characters given.
        found: usize,
    },
    /// The signing key cannot do what was asked.
    #[error("signing key: {0}")]
    Key(String),
    /// A status list could not be made or signed.
    #[error("status list: {0}")]
    StatusList(#[from] StatusListError),
    /// The log's stored tiles do not give what was asked.
    #[error("transparency log: {0}")]
    Log(String),
    /// The log has no signed checkpoint covering the licence yet.
    #[error("no signed checkpoint covers log entry {index} yet (latest covers {size}); sign one")]
    NoCheckpoint {
        /// The licence's log index.
        index: u64,
        /// The latest checkpoint's tree size (0 when there is none).
        size: u64,
    },
    /// A batch input could not be read.
    #[error("batch input {path}: {message}")]
    BatchInput {
        /// The input file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A batch input changed while its job was running.
    #[error("batch input {path} changed under its job")]
    BatchChanged {
        /// The input file.
        path: String,
    },
    /// More requests in one group than [`MAX_GROUP`].
    #[error("a group holds at most {MAX_GROUP} requests, not {requests}")]
    GroupTooLarge {
        /// The requests given.
        requests: usize,
    },
}

impl RegistryError {
    /// A stable code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            RegistryError::Store(e) => e.code(),
            RegistryError::Request { reason, .. } => reason.code(),
            RegistryError::UnknownLicence { .. } => "unknown_licence",
            RegistryError::StatusTransition { .. } => "status_transition",
            RegistryError::StatusText { .. } => "status_text",
            RegistryError::Query { .. } => "query",
            RegistryError::Key(_) => "key",
            RegistryError::StatusList(e) => e.code(),
            RegistryError::Log(_) => "log",
            RegistryError::NoCheckpoint { .. } => "no_checkpoint",
            RegistryError::BatchInput { .. } => "batch_input",
            RegistryError::BatchChanged { .. } => "batch_changed",
            RegistryError::GroupTooLarge { .. } => "group_too_large",
        }
    }
}

/// Why one request cannot be issued.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// The licence already has an identifier: the registry allocates them.
    #[error("the licence has an identifier; the registry allocates serials")]
    HasIdentifier,
    /// The licence already has a status reference: the registry allocates it.
    #[error("the licence has a status reference; the registry allocates status-list entries")]
    HasStatus,
    /// The licence names another issuer than the key's certificate.
    #[error("the licence names the issuer {claimed}, but the signer certifies {certified}")]
    WrongIssuer {
        /// The issuer code in the licence.
        claimed: String,
        /// The authority the certificate names.
        certified: String,
    },
    /// The request id is empty, too long, or not printable ASCII.
    #[error("request ids are 1 to {MAX_REQUEST_ID} printable ASCII characters")]
    BadRequestId,
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
    /// The envelope would be larger than verifiers accept.
    #[error("the signed envelope could be {len} bytes; verifiers accept at most {max}")]
    TooLarge {
        /// Its length at the longest identifier and status entry.
        len: usize,
        /// The most verifiers accept.
        max: usize,
    },
    /// The request id was used before for another licence: answering with
    /// that one would hand out the wrong licence.
    #[error("the request id was used before for another licence")]
    IdReused,
}

impl RequestError {
    /// A stable code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::HasIdentifier => "has_identifier",
            RequestError::HasStatus => "has_status",
            RequestError::WrongIssuer { .. } => "wrong_issuer",
            RequestError::BadRequestId => "bad_request_id",
            RequestError::Sign(_) => "sign",
            RequestError::TooLarge { .. } => "too_large",
            RequestError::IdReused => "request_id_reused",
        }
    }
}

/// One licence to issue, under the caller's request id.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    request_id: String,
    licence: Licence,
    /// SHA-256 of the licence's JSON.
    content: Hash,
}

impl IssueRequest {
    /// A request. The licence must carry no identifier and no status
    /// reference: the registry allocates both.
    pub fn new(request_id: &str, licence: Licence) -> IssueRequest {
        IssueRequest {
            request_id: request_id.to_owned(),
            content: Sha256::digest(licence.to_json().as_bytes()).into(),
            licence,
        }
    }

    /// A request whose id is the SHA-256 of the licence's JSON: the same
    /// licence asked for twice is issued once.
    pub fn by_content(licence: Licence) -> IssueRequest {
        let content: Hash = Sha256::digest(licence.to_json().as_bytes()).into();
        IssueRequest {
            request_id: format!("sha256:{}", hex_lower(&content)),
            content,
            licence,
        }
    }

    /// The request id.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The licence asked for.
    pub fn licence(&self) -> &Licence {
        &self.licence
    }

    /// Checks what can be checked before a transaction starts.
    pub fn check(&self, key: &IssuingKey) -> Result<(), RequestError> {
        let id = &self.request_id;
        if id.is_empty() || id.len() > MAX_REQUEST_ID || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(RequestError::BadRequestId);
        }
        if self.licence.identifier().is_some() {
            return Err(RequestError::HasIdentifier);
        }
        if self.licence.status().is_some() {
            return Err(RequestError::HasStatus);
        }
        // With the longest identifier and status entry the registry can
        // give it, and a far signing time: a licence that passes always fits.
        let serial: Serial = "9"
            .repeat(SERIAL_DIGITS)
            .parse()
            .map_err(|e: crate::ident::IdentError| RequestError::Sign(e.to_string()))?;
        let version =
            Version::new(IDENTIFIER_VERSION).map_err(|e| RequestError::Sign(e.to_string()))?;
        let widest = self
            .licence
            .clone()
            .with_identifier(serial, version)
            .with_status(StatusReference {
                list: u32::MAX,
                index: u32::MAX,
            });
        if let Err(IssueError::TooLarge { len, max }) =
            SignedLicence::check_fits(&widest, UnixTime::from_secs(i64::MAX))
        {
            return Err(RequestError::TooLarge { len, max });
        }
        if let Some(authority) = &key.authority {
            let claimed = self.licence.issuer().code().as_str();
            if claimed != authority {
                return Err(RequestError::WrongIssuer {
                    claimed: claimed.to_owned(),
                    certified: authority.clone(),
                });
            }
        }
        Ok(())
    }
}

/// The key a registry signs licences with and, when known, the document
/// signer certificate naming the only authority it may issue for.
#[derive(Debug)]
pub struct IssuingKey {
    key: Arc<SigningKey>,
    authority: Option<String>,
}

impl IssuingKey {
    /// A key, checked against its certificate when one is given: the
    /// certificate must be a document signer's for this key and name an
    /// authority, and every licence must then name that authority.
    ///
    /// # Errors
    /// [`RegistryError::Key`].
    pub fn new(key: SigningKey, certificate: Option<&Certificate>) -> Result<Self, RegistryError> {
        IssuingKey::shared(Arc::new(key), certificate)
    }

    /// As [`IssuingKey::new`], for a key the caller keeps too (a handle
    /// held across calls, as the C ABI's).
    ///
    /// # Errors
    /// As [`IssuingKey::new`].
    pub fn shared(
        key: Arc<SigningKey>,
        certificate: Option<&Certificate>,
    ) -> Result<Self, RegistryError> {
        let authority = match certificate {
            None => None,
            Some(cert) => {
                if cert.public_key() != &key.public_key() {
                    return Err(RegistryError::Key(
                        "the certificate is for another key".to_owned(),
                    ));
                }
                if cert.role() != Some(CertRole::DocumentSigner) {
                    return Err(RegistryError::Key(
                        "the certificate is not a document signer's".to_owned(),
                    ));
                }
                let code = cert.authority_code().ok_or_else(|| {
                    RegistryError::Key("the certificate names no authority code".to_owned())
                })?;
                Some(code.as_str().to_owned())
            }
        };
        Ok(IssuingKey { key, authority })
    }

    /// The signing key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

/// What [`Registry::issue`] did with one request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Issued {
    identifier: String,
    envelope: Vec<u8>,
    log_index: u64,
    new: bool,
}

impl Issued {
    /// The licence's GB/T 36904 identifier.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The signed envelope.
    pub fn envelope(&self) -> &[u8] {
        &self.envelope
    }

    /// The log index of the issuance event.
    pub fn log_index(&self) -> u64 {
        self.log_index
    }

    /// Whether this call issued it (`false`: the request id was done before).
    pub fn is_new(&self) -> bool {
        self.new
    }
}

/// A licence as public look-ups and catalogue exports show it: an
/// organisation's code in full, a natural person's never.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CatalogueEntry {
    /// 证照标识: the GB/T 36904 identifier.
    pub identifier: String,
    /// 证照类型代码.
    pub type_code: String,
    /// 证照编号.
    pub number: String,
    /// 持证主体.
    pub holder_name: String,
    /// `organisation` or `person`.
    pub holder_kind: &'static str,
    /// 持证主体代码: the USCC of an organisation; a person's number masked.
    pub holder_code: String,
    /// 发证机构.
    pub issuer_name: String,
    /// 发证机构代码.
    pub issuer_code: String,
    /// 发证日期.
    pub issue_date: String,
    /// 有效期起始.
    pub valid_from: String,
    /// 有效期截止 (`long-term` for 长期).
    pub valid_until: String,
    /// 证照状态 code, `01`..`07` or `99`.
    pub status: String,
    /// Its Chinese label.
    pub status_label: &'static str,
    /// When the status took effect (RFC 3339, UTC).
    pub status_at: String,
    /// SHA-256 of the envelope, hex.
    pub envelope_sha256: String,
    /// The log index of the issuance event.
    pub log_index: u64,
    /// The log index of the latest event: export again with `since` one
    /// past the largest seen.
    pub last_change: u64,
}

/// The CSV columns of [`CatalogueEntry`], in order.
pub const CATALOGUE_COLUMNS: [&str; 17] = [
    "identifier",
    "type_code",
    "number",
    "holder_name",
    "holder_kind",
    "holder_code",
    "issuer_name",
    "issuer_code",
    "issue_date",
    "valid_from",
    "valid_until",
    "status",
    "status_label",
    "status_at",
    "envelope_sha256",
    "log_index",
    "last_change",
];

impl CatalogueEntry {
    fn from_row(row: &LicenceRow) -> CatalogueEntry {
        let status = LicenceStatus::from_code(&row.status);
        CatalogueEntry {
            identifier: row.identifier.clone(),
            type_code: row.type_code.clone(),
            number: if row.holder_is_org {
                row.number.clone()
            } else {
                mask(&row.number, &row.holder_code)
            },
            holder_name: row.holder_name.clone(),
            holder_kind: if row.holder_is_org {
                "organisation"
            } else {
                "person"
            },
            holder_code: if row.holder_is_org {
                row.holder_code.clone()
            } else {
                mask_code(&row.holder_code)
            },
            issuer_name: row.issuer_name.clone(),
            issuer_code: row.authority.clone(),
            issue_date: row.issue_date.clone(),
            valid_from: row.valid_from.clone(),
            valid_until: row.valid_until.clone(),
            status: row.status.clone(),
            status_label: status.map_or("未知", LicenceStatus::label),
            status_at: UnixTime::from_secs(row.status_at).to_rfc3339_utc(),
            envelope_sha256: hex_lower(&row.envelope_sha256),
            log_index: row.log_index,
            last_change: row.last_change,
        }
    }

    /// The entry's fields in [`CATALOGUE_COLUMNS`] order, for CSV.
    pub fn csv_fields(&self) -> [String; 17] {
        [
            self.identifier.clone(),
            self.type_code.clone(),
            self.number.clone(),
            self.holder_name.clone(),
            self.holder_kind.to_owned(),
            self.holder_code.clone(),
            self.issuer_name.clone(),
            self.issuer_code.clone(),
            self.issue_date.clone(),
            self.valid_from.clone(),
            self.valid_until.clone(),
            self.status.clone(),
            self.status_label.to_owned(),
            self.status_at.clone(),
            self.envelope_sha256.clone(),
            self.log_index.to_string(),
            self.last_change.to_string(),
        ]
    }
}

/// A person's document number with all but the first six and last four
/// characters hidden, as on the phone page.
fn mask_code(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < 6 || i + 4 >= chars.len() {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// A licence number that is the holder's document number (driving
/// licences) is masked like it; other numbers are shown.
fn mask(number: &str, holder_code: &str) -> String {
    // The holder's code wherever it appears, then any run that looks like
    // an identity number (15 or more digits, perhaps ending in X): a
    // licence number built from one (`D110105…`, `110105…-01`) must not
    // carry it out whole.
    let number = if holder_code.is_empty() {
        number.to_owned()
    } else {
        number.replace(holder_code, &mask_code(holder_code))
    };
    let mut out = String::with_capacity(number.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 15 {
            out.push_str(&mask_code(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in number.chars() {
        if c.is_ascii_digit() || c == 'X' || c == 'x' {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// One page of look-up results.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct LookupPage {
    /// The licences, in order of issuance.
    pub licences: Vec<CatalogueEntry>,
    /// Give this as `after` for the next page; `None` on the last.
    pub next: Option<u64>,
}

/// What [`Registry::set_status`] recorded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StatusChange {
    /// The licence.
    pub identifier: String,
    /// The status it had.
    pub from: LicenceStatus,
    /// The status it has now.
    pub to: LicenceStatus,
    /// The log index of the change.
    pub log_index: u64,
    /// The status list to republish.
    pub list: (String, u32),
}

/// A status list signed by [`Registry::publish`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PublishedList {
    /// The authority's USCC.
    pub authority: String,
    /// The list's number.
    pub list: u32,
    /// The signed token.
    pub token: SignedStatusList,
}

/// Where a registry lives: a SQLite file path, or a `postgres://` (or
/// `postgresql://`) URL.
fn is_postgres(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// A registry over one store.
pub struct Registry {
    store: Box<dyn Store>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("backend", &self.store.backend())
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// Creates a registry at `location` (a file path or a PostgreSQL URL)
    /// whose log is named `origin` (a C2SP checkpoint origin, e.g.
    /// `verify.example.gov.cn/log`).
    ///
    /// # Errors
    /// [`StoreError::Schema`] if one is there already.
    pub fn create(location: &str, origin: &str) -> Result<Registry, RegistryError> {
        check_origin(origin)?;
        let store: Box<dyn Store> = if is_postgres(location) {
            postgres_store(location, true)?
        } else {
            Box::new(SqliteStore::create(Path::new(location))?)
        };
        let mut registry = Registry { store };
        let mut tx = registry.store.write()?;
        tx.set_meta("log_origin", origin)?;
        tx.commit()?;
        Ok(registry)
    }

    /// Opens the registry at `location`, which must have been created.
    ///
    /// # Errors
    /// [`StoreError::Schema`] if there is none.
    pub fn open(location: &str) -> Result<Registry, RegistryError> {
        let store: Box<dyn Store> = if is_postgres(location) {
            postgres_store(location, false)?
        } else {
            Box::new(SqliteStore::open(Path::new(location))?)
        };
        Ok(Registry { store })
    }

    /// A registry over a store opened by the caller.
    pub fn with_store(store: Box<dyn Store>) -> Registry {
        Registry { store }
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// The log's origin line.
    pub fn log_origin(&mut self) -> Result<String, RegistryError> {
        let mut tx = self.store.read()?;
        tx.meta("log_origin")?
            .ok_or_else(|| RegistryError::Log("the registry names no log origin".to_owned()))
    }

    /// The store, for batch jobs and tests.
    pub(crate) fn store_mut(&mut self) -> &mut dyn Store {
        self.store.as_mut()
    }

    /// Issues a group of licences in one transaction, signed at `at`.
    ///
    /// Requests whose id is registered already are answered with their
    /// licence and not issued again; a request id given twice in the group
    /// is issued once. Any request that fails its checks fails the whole
    /// group, before anything is written ([`IssueRequest::check`] lets a
    /// caller sort such requests out first).
    ///
    /// # Errors
    /// [`RegistryError::Request`] for a bad request; store errors.
    pub fn issue(
        &mut self,
        key: &IssuingKey,
        requests: Vec<IssueRequest>,
        at: UnixTime,
    ) -> Result<Vec<Issued>, RegistryError> {
        let mut tx = self.store.write()?;
        let issued = issue_in(tx.as_mut(), key, requests, at)?;
        tx.commit()?;
        Ok(issued)
    }

    /// Changes a licence's status, records who and why, logs the change and
    /// marks its status list for republishing.
    ///
    /// Suspended (`02`) and other (`99`) licences may return to valid; a
    /// revoked, cancelled, lapsed, transferred or withdrawn licence is
    /// final.
    ///
    /// # Errors
    /// [`RegistryError::UnknownLicence`], [`RegistryError::StatusTransition`],
    /// [`RegistryError::StatusText`].
    pub fn set_status(
        &mut self,
        identifier: &str,
        status: LicenceStatus,
        reason: &str,
        operator: &str,
        at: UnixTime,
    ) -> Result<StatusChange, RegistryError> {
        check_text("reason", reason)?;
        check_text("operator", operator)?;
        if !could_be_stored(identifier) {
            return Err(RegistryError::UnknownLicence {
                what: identifier.escape_debug().to_string(),
            });
        }
        let mut tx = self.store.write()?;
        // The log head first, as every writer of the log takes it: on
        // PostgreSQL this orders concurrent writers (no deadlock) and makes
        // the status read below the current one.
        tx.log_head()?;
        let row = tx
            .licence(identifier)?
            .ok_or_else(|| RegistryError::UnknownLicence {
                what: identifier.to_owned(),
            })?;
        let from = LicenceStatus::from_code(&row.status).ok_or_else(|| StoreError::Corrupt {
            what: format!("status code {:?}", row.status),
        })?;
        if from == status || !transition_allowed(from, status) {
            return Err(RegistryError::StatusTransition {
                identifier: identifier.to_owned(),
                from,
                to: status,
            });
        }
        let mut list =
            tx.list(&row.authority, row.status_list)?
                .ok_or_else(|| StoreError::Corrupt {
                    what: format!("no status list {} of {}", row.status_list, row.authority),
                })?;
        let event = LogEvent::StatusChange {
            at,
            identifier: identifier.to_owned(),
            envelope_sha256: row.envelope_sha256,
            status,
        };
        let log_index = append_events(tx.as_mut(), &[event.to_leaf()])?;
        let seq = u32::try_from(tx.status_history(identifier)?.len() + 1).map_err(|_| {
            StoreError::Corrupt {
                what: "status history too long".to_owned(),
            }
        })?;
        tx.insert_status_change(&StatusChangeRow {
            identifier: identifier.to_owned(),
            seq,
            code: status.code().to_owned(),
            reason: reason.to_owned(),
            operator: operator.to_owned(),
            at: at.secs(),
            log_index,
        })?;
        tx.update_status(identifier, status.code(), at.secs(), log_index)?;
        list.dirty = true;
        tx.put_list(&list)?;
        tx.commit()?;
        Ok(StatusChange {
            identifier: identifier.to_owned(),
            from,
            to: status,
            log_index,
            list: (row.authority, row.status_list),
        })
    }

    /// A licence's record, by identifier.
    pub fn licence(&mut self, identifier: &str) -> Result<Option<LicenceRow>, RegistryError> {
        if !could_be_stored(identifier) {
            return Ok(None);
        }
        Ok(self.store.read()?.licence(identifier)?)
    }

    /// The record of this exact envelope, if it was issued here: how a scan
    /// endpoint tells a licence that was never issued (never logged) here,
    /// such as one backdated with a stolen key under a real identifier.
    /// `None` for bytes that do not decode, carry no identifier, or differ
    /// in any byte from what was issued under their identifier.
    ///
    /// Found by the identifier inside the envelope, then compared byte for
    /// byte: no index on a hash of every envelope, whose random inserts
    /// would slow issuance as the register grows.
    ///
    /// # Errors
    /// Store errors.
    pub fn licence_of_envelope(
        &mut self,
        envelope: &[u8],
    ) -> Result<Option<LicenceRow>, RegistryError> {
        let Ok(signed) = SignedLicence::from_slice(envelope) else {
            return Ok(None);
        };
        let Some(identifier) = signed.licence().identifier() else {
            return Ok(None);
        };
        let row = self.store.read()?.licence(&identifier.to_string())?;
        Ok(row.filter(|row| row.envelope == envelope))
    }

    /// A licence's record, by the request id that issued it.
    pub fn licence_by_request(
        &mut self,
        request_id: &str,
    ) -> Result<Option<LicenceRow>, RegistryError> {
        Ok(self.store.read()?.licence_by_request(request_id)?)
    }

    /// A licence's status history, oldest first.
    pub fn status_history(
        &mut self,
        identifier: &str,
    ) -> Result<Vec<StatusChangeRow>, RegistryError> {
        if !could_be_stored(identifier) {
            return Ok(Vec::new());
        }
        Ok(self.store.read()?.status_history(identifier)?)
    }

    /// Signs fresh status lists for the signer's authority: the lists with
    /// changes since they were last published, or with `all`, every list.
    /// Each list's URI is `{base}/{list}`. The lists are marked published
    /// in the same transaction that reads them.
    ///
    /// # Errors
    /// [`RegistryError::Key`] if the certificate is not a status-list
    /// signer's for the key and an authority.
    #[allow(clippy::too_many_arguments)]
    pub fn publish(
        &mut self,
        signer: &dyn Signer,
        chain: &[Certificate],
        base: &str,
        at: UnixTime,
        ttl_secs: u64,
        all: bool,
    ) -> Result<Vec<PublishedList>, RegistryError> {
        let cert = chain
            .first()
            .ok_or_else(|| RegistryError::Key("no status-list signer certificate".to_owned()))?;
        if cert.public_key() != &signer.public_key() || cert.role() != Some(CertRole::StatusSigner)
        {
            return Err(RegistryError::Key(
                "the certificate is not a status-list signer's for this key".to_owned(),
            ));
        }
        let authority = cert
            .authority_code()
            .ok_or_else(|| RegistryError::Key("the certificate names no authority".to_owned()))?
            .as_str()
            .to_owned();
        let base = base.trim_end_matches('/');
        let mut tx = self.store.write()?;
        let lists = if all {
            tx.all_lists()?
        } else {
            tx.dirty_lists()?
        };
        let mut published = Vec::new();
        for (list_authority, number) in lists.into_iter().filter(|(a, _)| *a == authority) {
            let mut row = tx
                .list(&list_authority, number)?
                .ok_or_else(|| StoreError::Corrupt {
                    what: format!("status list {number} vanished"),
                })?;
            let mut list = StatusList::new(row.size)?;
            for (index, code) in tx.list_entries(&list_authority, number)? {
                let status =
                    LicenceStatus::from_code(&code).ok_or_else(|| StoreError::Corrupt {
                        what: format!("status code {code:?}"),
                    })?;
                list.set(index, status)?;
            }
            let token = SignedStatusList::sign(
                &list,
                &format!("{base}/{number}"),
                at,
                None,
                ttl_secs,
                signer,
                chain,
            )?;
            row.dirty = false;
            tx.put_list(&row)?;
            published.push(PublishedList {
                authority: list_authority,
                list: number,
                token,
            });
        }
        tx.commit()?;
        Ok(published)
    }

    /// Licences held by the organisation with this USCC, a page at a time.
    ///
    /// # Errors
    /// Store errors.
    pub fn lookup_by_uscc(
        &mut self,
        uscc: &crate::ident::Uscc,
        after: Option<u64>,
        limit: u32,
    ) -> Result<LookupPage, RegistryError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let rows = self
            .store
            .read()?
            .licences_by_holder_code(uscc.as_str(), after, limit + 1)?;
        Ok(page(rows, limit))
    }

    /// Licences held by organisations whose name starts with (or, for
    /// [`NameMatch::Contains`], contains) the text, a page at a time.
    ///
    /// # Errors
    /// [`RegistryError::Query`] for an empty or over-long query, or a
    /// substring shorter than [`MIN_CONTAINS_CHARS`].
    pub fn lookup_by_name(
        &mut self,
        name: &NameMatch,
        after: Option<u64>,
        limit: u32,
    ) -> Result<LookupPage, RegistryError> {
        let (text, min) = match name {
            NameMatch::Prefix(t) => (t, 1),
            NameMatch::Contains(t) => (t, MIN_CONTAINS_CHARS),
        };
        let found = text.chars().count();
        if found < min || found > MAX_QUERY_CHARS || text.chars().any(char::is_control) {
            return Err(RegistryError::Query { min, found });
        }
        let limit = limit.clamp(1, MAX_PAGE);
        let rows = self
            .store
            .read()?
            .licences_by_holder_name(name, after, limit + 1)?;
        Ok(page(rows, limit))
    }

    /// The catalogue entries of licences issued or changed at log index
    /// `since` or later, in log order, at most `limit` (up to 10,000): call
    /// again with one past the last entry's `last_change`.
    ///
    /// # Errors
    /// Store errors.
    pub fn changed_since(
        &mut self,
        since: u64,
        limit: u32,
    ) -> Result<Vec<CatalogueEntry>, RegistryError> {
        let rows = self
            .store
            .read()?
            .licences_changed_since(since, limit.clamp(1, 10_000))?;
        Ok(rows.iter().map(CatalogueEntry::from_row).collect())
    }

    /// Logs the registration of a seal record (its COSE bytes), after
    /// checking that they decode as one.
    ///
    /// # Errors
    /// [`RegistryError::Log`] if they do not.
    pub fn log_seal_registration(
        &mut self,
        record: &[u8],
        at: UnixTime,
    ) -> Result<u64, RegistryError> {
        let seal = crate::seal::SignedSeal::from_slice(record)
            .map_err(|e| RegistryError::Log(format!("not a seal record: {e}")))?;
        let event = LogEvent::SealRegistration {
            at,
            authority: seal.info().owner().clone(),
            record_sha256: Sha256::digest(record).into(),
        };
        self.log_event(&event)
    }

    /// Logs the publication of a trust list (its COSE bytes), after checking
    /// that they decode as one.
    ///
    /// # Errors
    /// [`RegistryError::Log`] if they do not.
    pub fn log_trust_list(&mut self, list: &[u8], at: UnixTime) -> Result<u64, RegistryError> {
        let signed = crate::trust::list::SignedTrustList::from_slice(list)
            .map_err(|e| RegistryError::Log(format!("not a trust list: {e}")))?;
        let event = LogEvent::TrustListPublication {
            at,
            sequence: signed.list().sequence,
            list_sha256: Sha256::digest(list).into(),
        };
        self.log_event(&event)
    }

    fn log_event(&mut self, event: &LogEvent) -> Result<u64, RegistryError> {
        let mut tx = self.store.write()?;
        let index = append_events(tx.as_mut(), &[event.to_leaf()])?;
        tx.commit()?;
        Ok(index)
    }

    /// The log's size and root now.
    pub fn log_head(&mut self) -> Result<(u64, Hash), RegistryError> {
        Ok(self.store.read()?.log_head()?)
    }

    /// Signs a checkpoint of the log as it is now with the log key (whose
    /// name must be the registry's origin), stores it and returns the note.
    ///
    /// # Errors
    /// [`RegistryError::Log`] if the key's name is not the origin.
    pub fn sign_checkpoint(&mut self, signer: &NoteSigner) -> Result<String, RegistryError> {
        let mut tx = self.store.write()?;
        let origin = tx
            .meta("log_origin")?
            .ok_or_else(|| RegistryError::Log("the registry names no log origin".to_owned()))?;
        if signer.name() != origin {
            return Err(RegistryError::Log(format!(
                "the log key is named {:?}, the log's origin is {origin:?}",
                signer.name()
            )));
        }
        let (size, root) = tx.log_head()?;
        let checkpoint = tlog::checkpoint::Checkpoint::new(&origin, size, root)
            .map_err(|e| RegistryError::Log(e.to_string()))?;
        let note = tlog::checkpoint::sign_checkpoint(&checkpoint, signer)
            .map_err(|e| RegistryError::Log(e.to_string()))?;
        tx.put_checkpoint(size, &note)?;
        tx.commit()?;
        Ok(note)
    }

    /// The latest signed checkpoint stored, with its tree size.
    pub fn latest_checkpoint(&mut self) -> Result<Option<(u64, String)>, RegistryError> {
        Ok(self.store.read()?.latest_checkpoint()?)
    }

    /// A licence's receipt (C2SP tlog-proof) against the latest signed
    /// checkpoint: its issuance leaf in the `extra` line, its index, the
    /// inclusion proof and the checkpoint.
    ///
    /// # Errors
    /// [`RegistryError::UnknownLicence`]; [`RegistryError::NoCheckpoint`]
    /// when no checkpoint covers it yet.
    pub fn receipt(
        &mut self,
        licence: &LicenceRow,
    ) -> Result<tlog::receipt::Receipt, RegistryError> {
        let mut tx = self.store.read()?;
        let (size, note) = tx.latest_checkpoint()?.unwrap_or((0, String::new()));
        if licence.log_index >= size {
            return Err(RegistryError::NoCheckpoint {
                index: licence.log_index,
                size,
            });
        }
        let leaf = tx
            .leaves(licence.log_index, 1)?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Corrupt {
                what: format!("no log leaf {}", licence.log_index),
            })?;
        let proof =
            tlog::tiles::inclusion_proof(&mut TxTiles(tx.as_mut()), licence.log_index, size)
                .map_err(log_error)?;
        Ok(tlog::receipt::Receipt {
            extra: Some(leaf),
            index: licence.log_index,
            proof,
            checkpoint: note,
        })
    }

    /// A consistency proof between two tree sizes of the log.
    ///
    /// # Errors
    /// [`RegistryError::Log`] if the sizes are out of order or past the log.
    pub fn consistency_proof(
        &mut self,
        size1: u64,
        size2: u64,
    ) -> Result<Vec<Hash>, RegistryError> {
        let mut tx = self.store.read()?;
        let (size, _) = tx.log_head()?;
        if size2 > size {
            return Err(RegistryError::Log(format!(
                "the log has {size} entries, not {size2}"
            )));
        }
        tlog::tiles::consistency_proof(&mut TxTiles(tx.as_mut()), size1, size2).map_err(log_error)
    }

    /// A stored tile's hashes (the widest stored), for serving.
    pub fn tile(&mut self, level: u8, index: u64) -> Result<Option<Vec<u8>>, RegistryError> {
        Ok(self.store.read()?.tile(level, index)?)
    }

    /// Log leaves `first .. first + count` that exist, for entry bundles.
    pub fn leaves(&mut self, first: u64, count: u64) -> Result<Vec<Vec<u8>>, RegistryError> {
        Ok(self
            .store
            .read()?
            .leaves(first, count.min(tlog::tiles::TILE_WIDTH))?)
    }
}

#[cfg(feature = "postgres")]
fn postgres_store(location: &str, create: bool) -> Result<Box<dyn Store>, RegistryError> {
    Ok(Box::new(if create {
        PostgresStore::create(location)?
    } else {
        PostgresStore::open(location)?
    }))
}

/// Without the `postgres` feature a `postgres://` location is refused by
/// name, not opened as a file of that name.
#[cfg(not(feature = "postgres"))]
fn postgres_store(location: &str, create: bool) -> Result<Box<dyn Store>, RegistryError> {
    let _ = (location, create);
    Err(StoreError::NoPostgres.into())
}

fn check_origin(origin: &str) -> Result<(), RegistryError> {
    if origin.is_empty()
        || origin.len() > 255
        || origin
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(RegistryError::Log(format!(
            "{origin:?} is not a log origin (a name without spaces or '+', e.g. verify.example.gov.cn/log)"
        )));
    }
    Ok(())
}

/// A reason or operator name as stored: not blank, at most
/// [`MAX_REASON_CHARS`] characters as given (padding counts), and no
/// control characters (a newline or an escape sequence could forge lines in
/// whatever prints the history).
fn check_text(field: &'static str, text: &str) -> Result<(), RegistryError> {
    let n = text.chars().count();
    if text.trim().is_empty() || n > MAX_REASON_CHARS || text.chars().any(char::is_control) {
        return Err(RegistryError::StatusText { field });
    }
    Ok(())
}

/// Whether `identifier` could name a stored licence at all: stored ones
/// have no control characters (PostgreSQL cannot even take a NUL).
fn could_be_stored(identifier: &str) -> bool {
    identifier.len() <= 256 && !identifier.chars().any(char::is_control)
}

/// Suspensions and "other" may be lifted; the rest are final.
fn transition_allowed(from: LicenceStatus, to: LicenceStatus) -> bool {
    match from {
        LicenceStatus::Valid => true,
        LicenceStatus::Suspended | LicenceStatus::Other => true,
        _ => {
            let _ = to;
            false
        }
    }
}

fn page(mut rows: Vec<LicenceRow>, limit: u32) -> LookupPage {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| r.log_index)
    } else {
        None
    };
    LookupPage {
        licences: rows.iter().map(CatalogueEntry::from_row).collect(),
        next,
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn log_error<E: std::fmt::Display>(e: E) -> RegistryError {
    RegistryError::Log(e.to_string())
}

/// The log's tiles as the transaction sees them.
struct TxTiles<'a, 'b>(&'a mut (dyn Tx + 'b));

impl tlog::tiles::TileSource for TxTiles<'_, '_> {
    type Error = StoreError;

    fn tile(&mut self, level: u8, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.tile(level, index)
    }
}

/// Appends leaves to the log inside `tx`; returns the index of the first.
fn append_events(tx: &mut dyn Tx, leaves: &[Vec<u8>]) -> Result<u64, RegistryError> {
    let (size, _) = tx.log_head()?;
    let hashes: Vec<Hash> = leaves.iter().map(|l| tlog::leaf_hash(l)).collect();
    let appended = tlog::tiles::append(&mut TxTiles(&mut *tx), size, &hashes).map_err(log_error)?;
    for write in &appended.tiles {
        tx.put_tile(write.level, write.index, &write.hashes)?;
    }
    tx.put_leaves(size, leaves)?;
    tx.set_log_head(appended.size, &appended.root)?;
    Ok(size)
}

/// One request being issued: where it stands in the group.
struct Pending {
    request_id: String,
    content: Hash,
    licence: Licence,
    serial: u64,
    status: StatusReference,
}

/// Issues `requests` inside `tx` (see [`Registry::issue`]).
pub(crate) fn issue_in(
    tx: &mut dyn Tx,
    key: &IssuingKey,
    requests: Vec<IssueRequest>,
    at: UnixTime,
) -> Result<Vec<Issued>, RegistryError> {
    check_group_size(requests.len())?;
    for request in &requests {
        request
            .check(key)
            .map_err(|reason| RegistryError::Request {
                request_id: request.request_id.clone(),
                reason,
            })?;
    }
    issue_checked(tx, key, requests, at)
}

fn check_group_size(requests: usize) -> Result<(), RegistryError> {
    if requests > MAX_GROUP {
        return Err(RegistryError::GroupTooLarge { requests });
    }
    Ok(())
}

/// [`issue_in`] for requests that passed [`IssueRequest::check`] for `key`
/// already (a batch checks them on its parsing threads).
pub(crate) fn issue_checked(
    tx: &mut dyn Tx,
    key: &IssuingKey,
    requests: Vec<IssueRequest>,
    at: UnixTime,
) -> Result<Vec<Issued>, RegistryError> {
    check_group_size(requests.len())?;
    let version =
        Version::new(IDENTIFIER_VERSION).map_err(|e| RegistryError::Log(e.to_string()))?;
    // The log head first, as every writer of the log takes it: on
    // PostgreSQL this orders concurrent issuers (no deadlock over serials
    // and lists) and makes the request look-ups below see every licence
    // committed before.
    tx.log_head()?;

    // Which requests are new, and which position each answer comes from.
    let ids: Vec<&str> = requests.iter().map(|r| r.request_id.as_str()).collect();
    let done: HashMap<String, LicenceRow> = tx
        .licences_by_requests(&ids)?
        .into_iter()
        .map(|row| (row.request_id.clone(), row))
        .collect();
    let mut answers: Vec<Answer> = Vec::with_capacity(requests.len());
    let mut fresh: Vec<IssueRequest> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let reused = |request: &IssueRequest| RegistryError::Request {
        request_id: request.request_id.clone(),
        reason: RequestError::IdReused,
    };
    for request in requests {
        if let Some(&position) = seen.get(&request.request_id) {
            if fresh.get(position).map(|first| first.content) != Some(request.content) {
                return Err(reused(&request));
            }
            answers.push(Answer::SameAs(position));
            continue;
        }
        // `get`, not `remove`: the same id may come again in the group.
        if let Some(row) = done.get(&request.request_id) {
            if row.request_sha256 != request.content {
                return Err(reused(&request));
            }
            answers.push(Answer::Done(Issued {
                identifier: row.identifier.clone(),
                envelope: row.envelope.clone(),
                log_index: row.log_index,
                new: false,
            }));
        } else {
            seen.insert(request.request_id.clone(), fresh.len());
            answers.push(Answer::Fresh(fresh.len()));
            fresh.push(request);
        }
    }

    // Serials per (authority, type), in request order.
    let mut counts: HashMap<(String, String), u64> = HashMap::new();
    for request in &fresh {
        *counts.entry(group_key(&request.licence)).or_insert(0) += 1;
    }
    let mut next_serial: HashMap<(String, String), u64> = HashMap::new();
    let mut keys: Vec<_> = counts.into_iter().collect();
    keys.sort();
    for ((authority, type_code), count) in keys {
        let first = tx.allocate_serials(&authority, &type_code, count)?;
        next_serial.insert((authority, type_code), first);
    }

    // Status-list entries per authority: random, never reused; a full list
    // makes way for the next.
    let mut allocators: HashMap<String, (ListRow, IndexAllocator)> = HashMap::new();
    let mut pending = Vec::with_capacity(fresh.len());
    for request in fresh {
        let group = group_key(&request.licence);
        let serial = next_serial
            .get_mut(&group)
            .map(|next| {
                let s = *next;
                *next += 1;
                s
            })
            .ok_or_else(|| RegistryError::Log("serial not allocated".to_owned()))?;
        let authority = group.0;
        let status = allocate_index(tx, &mut allocators, &authority)?;
        pending.push(Pending {
            request_id: request.request_id,
            content: request.content,
            licence: request.licence,
            serial,
            status,
        });
    }
    for (row, allocator) in allocators.values_mut() {
        row.used = allocator.used_bytes();
        row.used_count = allocator.len() - allocator.remaining();
        tx.put_list(row)?;
    }

    let (first_index, _) = tx.log_head()?;
    let (issued, leaves) = sign_and_store(tx, &key.key, pending, version, at, first_index)?;
    if !leaves.is_empty() {
        append_events(tx, &leaves)?;
    }

    answers
        .into_iter()
        .map(|answer| match answer {
            Answer::Done(done) => Ok(done),
            Answer::Fresh(position) => issued.get(position).cloned().ok_or_else(lost),
            Answer::SameAs(position) => issued
                .get(position)
                .map(|first| Issued {
                    new: false,
                    ..first.clone()
                })
                .ok_or_else(lost),
        })
        .collect()
}

fn lost() -> RegistryError {
    RegistryError::Log("an issued licence went missing from its group".to_owned())
}

enum Answer {
    Done(Issued),
    Fresh(usize),
    SameAs(usize),
}

fn group_key(licence: &Licence) -> (String, String) {
    (
        licence.issuer().code().as_str().to_owned(),
        licence.type_code().as_str().to_owned(),
    )
}

fn allocate_index(
    tx: &mut dyn Tx,
    allocators: &mut HashMap<String, (ListRow, IndexAllocator)>,
    authority: &str,
) -> Result<StatusReference, RegistryError> {
    if !allocators.contains_key(authority) {
        let row = match tx.last_list(authority)? {
            Some(row) => row,
            None => new_list(authority, 1),
        };
        let allocator = IndexAllocator::from_used_bytes(row.size, &row.used)?;
        allocators.insert(authority.to_owned(), (row, allocator));
    }
    let (row, allocator) = allocators
        .get_mut(authority)
        .ok_or_else(|| RegistryError::Log("allocator vanished".to_owned()))?;
    if let Some(index) = allocator.allocate(&mut OsRng) {
        return Ok(StatusReference {
            list: row.list,
            index,
        });
    }
    // This list is full: store it and open the next.
    row.used = allocator.used_bytes();
    row.used_count = row.size;
    tx.put_list(row)?;
    let next = new_list(authority, row.list + 1);
    *allocator = IndexAllocator::from_used_bytes(next.size, &next.used)?;
    *row = next;
    let index = allocator
        .allocate(&mut OsRng)
        .ok_or_else(|| RegistryError::Log("a new status list is full".to_owned()))?;
    Ok(StatusReference {
        list: row.list,
        index,
    })
}

fn new_list(authority: &str, list: u32) -> ListRow {
    let size = MIN_LIST_ENTRIES;
    ListRow {
        authority: authority.to_owned(),
        list,
        size,
        used: vec![0; (size as usize).div_ceil(64) * 8],
        used_count: 0,
        dirty: true,
    }
}

/// One licence signed and made ready to store, by a signing thread.
struct Built {
    position: usize,
    row: LicenceRow,
    leaf: Vec<u8>,
}

/// Licences a signing thread hands over at a time.
const HANDOVER: usize = 32;

/// Signs every pending licence on all cores while this thread stores each
/// as it arrives, so that the database's work overlaps the signatures'.
/// Returns the answers and the log leaves, in request order.
fn sign_and_store(
    tx: &mut dyn Tx,
    key: &SigningKey,
    pending: Vec<Pending>,
    version: Version,
    at: UnixTime,
    first_index: u64,
) -> Result<(Vec<Issued>, Vec<Vec<u8>>), RegistryError> {
    let count = pending.len();
    let threads = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let per_thread = count.div_ceil(threads).max(HANDOVER);
    let mut parts: Vec<(usize, Vec<Pending>)> = Vec::new();
    let mut rest = pending.into_iter().peekable();
    while rest.peek().is_some() {
        let start = parts.iter().map(|(_, p)| p.len()).sum();
        parts.push((start, rest.by_ref().take(per_thread).collect()));
    }
    let mut issued: Vec<Option<Issued>> = vec![None; count];
    let mut leaves: Vec<Vec<u8>> = vec![Vec::new(); count];
    let mut failure: Option<RegistryError> = None;
    thread::scope(|scope| {
        let (sender, receiver) =
            std::sync::mpsc::sync_channel::<Result<Vec<Built>, RegistryError>>(threads * 4);
        for (start, part) in parts {
            let sender = sender.clone();
            scope.spawn(move || {
                let mut batch = Vec::with_capacity(HANDOVER);
                for (offset, p) in part.into_iter().enumerate() {
                    let position = start + offset;
                    match build(key, p, version, at, first_index + position as u64) {
                        Ok((row, leaf)) => batch.push(Built {
                            position,
                            row,
                            leaf,
                        }),
                        Err(e) => {
                            let _ = sender.send(Err(e));
                            return;
                        }
                    }
                    if batch.len() == HANDOVER
                        && sender.send(Ok(std::mem::take(&mut batch))).is_err()
                    {
                        return;
                    }
                }
                if !batch.is_empty() {
                    let _ = sender.send(Ok(batch));
                }
            });
        }
        drop(sender);
        // Drain everything even after a failure, so no signer waits forever.
        for message in receiver {
            if failure.is_some() {
                continue;
            }
            let batch = match message {
                Ok(batch) => batch,
                Err(e) => {
                    failure = Some(e);
                    continue;
                }
            };
            for built in batch {
                if let Err(e) = tx.insert_licence(&built.row) {
                    failure = Some(e.into());
                    break;
                }
                if let (Some(slot), Some(leaf_slot)) = (
                    issued.get_mut(built.position),
                    leaves.get_mut(built.position),
                ) {
                    *leaf_slot = built.leaf;
                    *slot = Some(Issued {
                        identifier: built.row.identifier,
                        envelope: built.row.envelope,
                        log_index: built.row.log_index,
                        new: true,
                    });
                }
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let issued = issued
        .into_iter()
        .map(|i| i.ok_or_else(lost))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((issued, leaves))
}

/// Signs one licence and makes its record and its log leaf.
fn build(
    key: &SigningKey,
    p: Pending,
    version: Version,
    at: UnixTime,
    log_index: u64,
) -> Result<(LicenceRow, Vec<u8>), RegistryError> {
    let serial: Serial = format!("{:0width$}", p.serial, width = SERIAL_DIGITS)
        .parse()
        .map_err(|e: crate::ident::IdentError| RegistryError::Log(e.to_string()))?;
    let licence = p
        .licence
        .clone()
        .with_identifier(serial, version)
        .with_status(p.status);
    let signed = SignedLicence::sign(licence.clone(), key, at).map_err(|e: IssueError| {
        RegistryError::Request {
            request_id: p.request_id.clone(),
            reason: RequestError::Sign(e.to_string()),
        }
    })?;
    let envelope = signed.as_bytes().to_vec();
    let sha: Hash = Sha256::digest(&envelope).into();
    let identifier = licence
        .identifier()
        .map(ToString::to_string)
        .ok_or_else(|| RegistryError::Log("licence without identifier".to_owned()))?;
    let leaf = LogEvent::Issuance {
        at,
        identifier: identifier.clone(),
        authority: licence.issuer().code().clone(),
        envelope_sha256: sha,
        status: Some(p.status),
    }
    .to_leaf();
    let row = licence_row(&p, &licence, &identifier, envelope, sha, log_index, at);
    Ok((row, leaf))
}

fn licence_row(
    pending: &Pending,
    licence: &Licence,
    identifier: &str,
    envelope: Vec<u8>,
    sha: Hash,
    log_index: u64,
    at: UnixTime,
) -> LicenceRow {
    let holder = licence.holder();
    LicenceRow {
        log_index,
        identifier: identifier.to_owned(),
        request_id: pending.request_id.clone(),
        type_code: licence.type_code().as_str().to_owned(),
        authority: licence.issuer().code().as_str().to_owned(),
        serial: pending.serial,
        number: licence.number().to_owned(),
        holder_name: holder.name().to_owned(),
        holder_is_org: holder.document().kind() == DocumentKind::UnifiedSocialCreditCode,
        holder_code: holder.document().number().to_owned(),
        issuer_name: licence.issuer().name().to_owned(),
        issue_date: licence.issue_date().to_string(),
        valid_from: licence.valid_from().to_string(),
        valid_until: licence.valid_until().to_string(),
        issued_at: at.secs(),
        envelope,
        envelope_sha256: sha,
        status_list: pending.status.list,
        status_index: pending.status.index,
        status: LicenceStatus::Valid.code().to_owned(),
        status_at: at.secs(),
        last_change: log_index,
        request_sha256: pending.content,
    }
}
