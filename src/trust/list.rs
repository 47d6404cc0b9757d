//! The trust list: one signed file that tells a verifier, configured with
//! roots alone, which certificates speak for which authority and for what.
//!
//! Compare ISO 18013-5's VICAL. A trust list is a COSE_Sign1 (typ
//! [`TRUST_LIST_TYPE`]) signed by a trust-list signer whose certificate
//! (carried in `x5chain`) chains to a root under [`CertRole::TrustListSigner`].
//! It holds an issuer name, issue time, next update, a strictly increasing
//! sequence number, the CA certificates the entries chain through, and one
//! entry per certificate: its DER, role, authority code and name, the
//! licence type codes a document signer may sign, the authority's
//! status-list location, and its state (active, retired, revoked with time
//! and reason). `test-vectors/FORMAT.md` §7 is the normative description.
//!
//! Decoding ([`SignedTrustList::from_slice`]) checks form only;
//! [`SignedTrustList::verify`] checks the signature and the signer's chain.
//! What a verifier makes of the entries (roles, rollback, staleness,
//! revocation) is [`crate::Verifier::add_trust_list`]'s policy.

use core::ops::Range;

use thiserror::Error;

use super::cert::{CertError, Certificate};
use super::role::CertRole;
use super::store::{TrustFailure, TrustStore};
use crate::cbor::{self, CborError, Encoder, FieldError, Fields, MapEntry, Value};
use crate::cose::{self, HEADER_TYP, HEADER_X5CHAIN, sig_structure};
use crate::date::UnixTime;
use crate::envelope::ALG_EDDSA;
use crate::ident::{LicenceTypeCode, Uscc};
use crate::keys::{KeyId, SignError, Signer};

/// The protected header's `typ` (RFC 9596).
pub const TRUST_LIST_TYPE: &str = "application/elicence-trustlist+cwt";
/// Largest trust list accepted, in bytes.
pub const MAX_TRUST_LIST_LEN: usize = 4 * 1024 * 1024;
/// Most entries in one list.
pub const MAX_ENTRIES: usize = 2048;
/// Most intermediate CA certificates in one list.
pub const MAX_INTERMEDIATES: usize = 64;
/// Most licence type codes one entry may allow.
pub const MAX_LICENCE_TYPES: usize = 64;
/// Most certificates in the signer's chain.
pub const MAX_SIGNER_CHAIN: usize = 4;
/// Longest name or URI, in bytes.
pub const MAX_TEXT_LEN: usize = 512;
/// The only payload version this crate reads and writes.
pub const TRUST_LIST_VERSION: u64 = 1;

const HEADER_ALG: i64 = 1;
const HEADER_KID: i64 = 4;

/// CWT claims (RFC 8392) and our private-use claim with the list.
mod claim {
    pub const ISS: i64 = 1;
    pub const IAT: i64 = 6;
    pub const TRUST_LIST: i64 = -65538;
}

/// Keys of the list map.
mod key {
    pub const VERSION: i64 = 0;
    pub const SEQUENCE: i64 = 1;
    pub const NEXT_UPDATE: i64 = 2;
    pub const ENTRIES: i64 = 3;
    pub const INTERMEDIATES: i64 = 4;
}

/// Keys of an entry map.
mod entry_key {
    pub const CERTIFICATE: i64 = 1;
    pub const ROLE: i64 = 2;
    pub const AUTHORITY: i64 = 3;
    pub const NAME: i64 = 4;
    pub const LICENCE_TYPES: i64 = 5;
    pub const STATUS_BASE: i64 = 6;
    pub const STATE: i64 = 7;
}

/// Why a certificate was revoked: RFC 5280 CRLReason values, the ones that
/// change what a verifier does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevocationReason {
    /// No reason given (0); treated like a key compromise, fail-safe.
    Unspecified,
    /// The private key was compromised (1): nothing it signed from the
    /// compromise time on is genuine, and, since `iat` is the signer's own
    /// word, older signatures are trusted only if the verifier's policy says so.
    KeyCompromise,
    /// Replaced by another certificate (4): what it signed before stays valid.
    Superseded,
    /// The authority stopped signing with it (5): what it signed before stays valid.
    CessationOfOperation,
}

impl RevocationReason {
    /// The CRLReason number.
    pub fn number(self) -> u8 {
        match self {
            RevocationReason::Unspecified => 0,
            RevocationReason::KeyCompromise => 1,
            RevocationReason::Superseded => 4,
            RevocationReason::CessationOfOperation => 5,
        }
    }

    /// The reason for a CRLReason number this format uses.
    pub fn from_number(n: u64) -> Option<RevocationReason> {
        Some(match n {
            0 => RevocationReason::Unspecified,
            1 => RevocationReason::KeyCompromise,
            4 => RevocationReason::Superseded,
            5 => RevocationReason::CessationOfOperation,
            _ => return None,
        })
    }

    /// A stable name: `unspecified`, `key_compromise`, `superseded`,
    /// `cessation_of_operation`.
    pub fn name(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "key_compromise",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessation_of_operation",
        }
    }

    /// The reason for a name from [`RevocationReason::name`].
    pub fn from_name(name: &str) -> Option<RevocationReason> {
        [
            RevocationReason::Unspecified,
            RevocationReason::KeyCompromise,
            RevocationReason::Superseded,
            RevocationReason::CessationOfOperation,
        ]
        .into_iter()
        .find(|r| r.name() == name)
    }

    /// Whether signatures made before the revocation time are suspect too.
    pub fn taints_earlier_signatures(self) -> bool {
        matches!(
            self,
            RevocationReason::Unspecified | RevocationReason::KeyCompromise
        )
    }
}

/// An entry's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryState {
    /// In use.
    Active,
    /// No longer used from `since` on: what it signed before stays valid.
    Retired {
        /// When it stopped being used.
        since: UnixTime,
    },
    /// Revoked from `since` on, for `reason`.
    Revoked {
        /// The revocation (for a key compromise: the compromise) time.
        since: UnixTime,
        /// Why.
        reason: RevocationReason,
    },
}

/// One certificate the list vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustListEntry {
    /// The certificate.
    pub certificate: Certificate,
    /// What it may be used for.
    pub role: CertRole,
    /// The authority it speaks for: equal to the certificate's own code.
    pub authority: Uscc,
    /// The authority's name as it must appear on what it signs.
    pub name: String,
    /// For a document signer, the licence type codes it may sign; empty
    /// means any (which a careful list does not write).
    pub licence_types: Vec<LicenceTypeCode>,
    /// The authority's status-list location: a status list number `n` is
    /// published at `{status_base}/{n}`.
    pub status_base: Option<String>,
    /// Active, retired or revoked.
    pub state: EntryState,
}

impl TrustListEntry {
    /// An active entry for `certificate` in `role`, in the name of `name`;
    /// the authority is the certificate's own code.
    ///
    /// # Errors
    /// [`TrustListError::Entry`] if the certificate names no authority code.
    pub fn new(
        certificate: Certificate,
        role: CertRole,
        name: &str,
    ) -> Result<TrustListEntry, TrustListError> {
        let authority =
            certificate
                .authority_code()
                .cloned()
                .ok_or_else(|| TrustListError::Entry {
                    index: 0,
                    problem: "the certificate names no authority code".into(),
                })?;
        Ok(TrustListEntry {
            certificate,
            role,
            authority,
            name: name.to_owned(),
            licence_types: Vec::new(),
            status_base: None,
            state: EntryState::Active,
        })
    }

    /// Limits a document signer to these licence types.
    pub fn licence_types(mut self, types: Vec<LicenceTypeCode>) -> TrustListEntry {
        self.licence_types = types;
        self
    }

    /// Sets the authority's status-list location.
    pub fn status_base(mut self, base: &str) -> TrustListEntry {
        self.status_base = Some(base.to_owned());
        self
    }

    /// Sets the state.
    pub fn state(mut self, state: EntryState) -> TrustListEntry {
        self.state = state;
        self
    }

    /// Whether a document signer of this entry may sign licences of `code`.
    pub fn allows_type(&self, code: &LicenceTypeCode) -> bool {
        self.licence_types.is_empty() || self.licence_types.contains(code)
    }

    /// Whether `uri` is the URI of the authority's status list number
    /// `list` ([`TrustListEntry::status_list_uri`]), without building it.
    pub fn is_status_list_uri(&self, uri: &str, list: u32) -> bool {
        let Some(base) = &self.status_base else {
            return false;
        };
        uri.strip_prefix(base.trim_end_matches('/'))
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|number| {
                // The one decimal spelling of `list`: digits, no leading zero.
                let canonical = number == "0" || !number.starts_with('0');
                canonical
                    && number.bytes().all(|b| b.is_ascii_digit())
                    && number.parse::<u32>().ok() == Some(list)
            })
    }

    /// The URI of the authority's status list number `list`, if the entry
    /// gives a location.
    pub fn status_list_uri(&self, list: u32) -> Option<String> {
        self.status_base
            .as_ref()
            .map(|base| format!("{}/{list}", base.trim_end_matches('/')))
    }
}

/// The list's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustList {
    /// Who publishes the list.
    pub issuer: String,
    /// Strictly increasing from one list to the next: a verifier refuses a
    /// list below the one it holds (rollback).
    pub sequence: u64,
    /// When it was signed.
    pub issued_at: UnixTime,
    /// When the next list is due; after it the list is stale.
    pub next_update: UnixTime,
    /// The certificates vouched for.
    pub entries: Vec<TrustListEntry>,
    /// CA certificates the entries chain through (never anchors).
    pub intermediates: Vec<Certificate>,
}

impl TrustList {
    /// An empty list.
    pub fn new(
        issuer: &str,
        sequence: u64,
        issued_at: UnixTime,
        next_update: UnixTime,
    ) -> TrustList {
        TrustList {
            issuer: issuer.to_owned(),
            sequence,
            issued_at,
            next_update,
            entries: Vec::new(),
            intermediates: Vec::new(),
        }
    }

    /// Adds an entry.
    pub fn entry(mut self, entry: TrustListEntry) -> TrustList {
        self.entries.push(entry);
        self
    }

    /// Adds an intermediate CA certificate, once.
    pub fn intermediate(mut self, cert: Certificate) -> TrustList {
        if !self.intermediates.contains(&cert) {
            self.intermediates.push(cert);
        }
        self
    }

    /// Checks what decoding checks, so that nothing is signed that
    /// verifiers would refuse.
    fn check(&self) -> Result<(), TrustListError> {
        if self.entries.len() > MAX_ENTRIES {
            return Err(TrustListError::TooMany {
                what: "entries",
                found: self.entries.len(),
                max: MAX_ENTRIES,
            });
        }
        if self.intermediates.len() > MAX_INTERMEDIATES {
            return Err(TrustListError::TooMany {
                what: "intermediates",
                found: self.intermediates.len(),
                max: MAX_INTERMEDIATES,
            });
        }
        if self.next_update <= self.issued_at {
            return Err(FieldError::Bad {
                field: "next_update",
                expected: "a time after iat",
            }
            .into());
        }
        check_text("iss", &self.issuer)?;
        for (index, entry) in self.entries.iter().enumerate() {
            let problem = |problem: String| TrustListError::Entry { index, problem };
            if entry.certificate.authority_code() != Some(&entry.authority) {
                return Err(problem(format!(
                    "the entry's authority {} is not the certificate's",
                    entry.authority
                )));
            }
            if entry.licence_types.len() > MAX_LICENCE_TYPES {
                return Err(problem(format!(
                    "{} licence types; at most {MAX_LICENCE_TYPES}",
                    entry.licence_types.len()
                )));
            }
            if entry.role != CertRole::DocumentSigner && !entry.licence_types.is_empty() {
                return Err(problem("only document signers sign licence types".into()));
            }
            check_text("entry name", &entry.name).map_err(|e| problem(e.to_string()))?;
            if let Some(base) = &entry.status_base {
                check_text("status base", base).map_err(|e| problem(e.to_string()))?;
            }
            if self
                .entries
                .get(..index)
                .into_iter()
                .flatten()
                .any(|e| e.certificate == entry.certificate)
            {
                return Err(problem("the certificate is listed twice".into()));
            }
        }
        Ok(())
    }
}

fn check_text(field: &'static str, text: &str) -> Result<(), TrustListError> {
    if text.is_empty() || text.len() > MAX_TEXT_LEN || text.chars().any(char::is_control) {
        return Err(FieldError::Bad {
            field,
            expected: "1 to 512 bytes of text without control characters",
        }
        .into());
    }
    Ok(())
}

/// Why bytes are not a well-formed trust list, or a list cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TrustListError {
    /// Larger than [`MAX_TRUST_LIST_LEN`].
    #[error("trust list is {len} bytes; at most {max} are accepted")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not deterministic CBOR.
    #[error("bad CBOR: {0}")]
    Cbor(#[from] CborError),
    /// Not a COSE_Sign1 of the right shape.
    #[error("malformed COSE_Sign1: {0}")]
    Structure(String),
    /// The protected header's `typ` is not [`TRUST_LIST_TYPE`].
    #[error("type {found} is not a trust list ({TRUST_LIST_TYPE:?})")]
    ObjectType {
        /// What was found.
        found: String,
    },
    /// The algorithm is not EdDSA.
    #[error("algorithm {found} is not EdDSA (-8)")]
    UnsupportedAlgorithm {
        /// The algorithm found.
        found: i64,
    },
    /// A header parameter this format does not define.
    #[error("unknown or critical header parameter {label}")]
    UnknownHeader {
        /// Its label.
        label: i64,
    },
    /// A field is missing, mistyped or unknown.
    #[error("{field}: {problem}")]
    Field {
        /// The field (or map) concerned.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A payload version this crate does not read.
    #[error("trust list version {found} is not supported")]
    UnsupportedVersion {
        /// The version found.
        found: i64,
    },
    /// More of something than the format allows.
    #[error("{found} {what}; at most {max}")]
    TooMany {
        /// What.
        what: &'static str,
        /// How many.
        found: usize,
        /// The limit.
        max: usize,
    },
    /// A certificate in the list or the signer's chain does not parse.
    #[error("certificate {what}: {source}")]
    Certificate {
        /// Where it is.
        what: String,
        /// Why.
        source: CertError,
    },
    /// An entry breaks a rule.
    #[error("entry {index}: {problem}")]
    Entry {
        /// Its position.
        index: usize,
        /// What is wrong.
        problem: String,
    },
    /// The signer's chain is empty, too long, or does not start with the
    /// signing key's certificate.
    #[error("signer chain: {0}")]
    SignerChain(String),
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignError),
}

impl TrustListError {
    /// A stable, short machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            TrustListError::TooLarge { .. } => "too_large",
            TrustListError::Cbor(_) => "bad_cbor",
            TrustListError::Structure(_) => "malformed",
            TrustListError::ObjectType { .. } => "not_a_trust_list",
            TrustListError::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            TrustListError::UnknownHeader { .. } => "unknown_header",
            TrustListError::Field { .. } => "bad_field",
            TrustListError::UnsupportedVersion { .. } => "unsupported_version",
            TrustListError::TooMany { .. } => "too_many",
            TrustListError::Certificate { .. } => "bad_certificate",
            TrustListError::Entry { .. } => "bad_entry",
            TrustListError::SignerChain(_) => "signer_chain",
            TrustListError::Signer(_) => "signer",
        }
    }
}

impl From<FieldError> for TrustListError {
    fn from(e: FieldError) -> Self {
        let (field, problem) = match e {
            FieldError::KeyNotInteger { map } => (map, "keys must be integers".to_owned()),
            FieldError::Missing { field } => (field, "missing".to_owned()),
            FieldError::Bad { field, expected } => (field, format!("expected {expected}")),
            FieldError::Unknown { map, key } => (map, format!("unknown key {key}")),
        };
        TrustListError::Field { field, problem }
    }
}

impl From<cose::Sign1Error> for TrustListError {
    fn from(e: cose::Sign1Error) -> Self {
        match e {
            cose::Sign1Error::Cbor(e) => TrustListError::Cbor(e),
            cose::Sign1Error::NotCoseSign1 { found } => {
                TrustListError::Structure(format!("not a tagged COSE_Sign1 (found {found})"))
            }
            cose::Sign1Error::Structure(what) => TrustListError::Structure(what.to_owned()),
        }
    }
}

/// Why a well-formed trust list is not to be believed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TrustListFailure {
    /// The signature does not verify under the signer's certificate.
    #[error("the trust list's signature does not verify")]
    BadSignature,
    /// The signer's certificate does not chain to a root as a trust-list signer.
    #[error("the trust list's signer is not trusted: {failure}")]
    SignerUntrusted {
        /// Why.
        failure: TrustFailure,
    },
    /// The signer's chain was not valid when the list was signed.
    #[error("the trust list's signer was not valid at {issued_at}")]
    SignerNotValidAtIssuance {
        /// The list's `iat`.
        issued_at: UnixTime,
    },
    /// Older than the list the verifier holds.
    #[error("trust list sequence {offered} is below the {held} already held (rollback)")]
    RolledBack {
        /// The sequence number held.
        held: u64,
        /// The one offered.
        offered: u64,
    },
    /// Signed later than the verification time allows.
    #[error("the trust list was signed at {issued_at}, after {at}")]
    IssuedInFuture {
        /// Its `iat`.
        issued_at: UnixTime,
        /// The verification time.
        at: UnixTime,
    },
}

impl TrustListFailure {
    /// A stable, short machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            TrustListFailure::BadSignature => "trust_list_bad_signature",
            TrustListFailure::SignerUntrusted { .. } => "trust_list_signer_untrusted",
            TrustListFailure::SignerNotValidAtIssuance { .. } => {
                "trust_list_signer_not_valid_at_issuance"
            }
            TrustListFailure::RolledBack { .. } => "trust_list_rollback",
            TrustListFailure::IssuedInFuture { .. } => "trust_list_issued_in_future",
        }
    }
}

/// A signed trust list, decoded; [`SignedTrustList::verify`] checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTrustList {
    bytes: Vec<u8>,
    protected: Range<usize>,
    payload: Range<usize>,
    signature: [u8; 64],
    key_id: KeyId,
    chain: Vec<Certificate>,
    list: TrustList,
}

impl SignedTrustList {
    /// Signs `list` with the trust-list signer's key; `signer_chain` is its
    /// certificate then the CAs above it, carried in `x5chain`.
    ///
    /// # Errors
    /// [`TrustListError`] if the list breaks a rule decoding checks, the
    /// chain does not start with the signer's certificate, or the signer fails.
    pub fn sign(
        list: TrustList,
        signer: &dyn Signer,
        signer_chain: &[Certificate],
    ) -> Result<SignedTrustList, TrustListError> {
        list.check()?;
        let key_id = signer.public_key().key_id();
        match signer_chain.first() {
            Some(first) if signer_chain.len() <= MAX_SIGNER_CHAIN => {
                if first.public_key() != &signer.public_key() {
                    return Err(TrustListError::SignerChain(
                        "the first certificate is not the signing key's".into(),
                    ));
                }
            }
            _ => {
                return Err(TrustListError::SignerChain(format!(
                    "{} certificates; 1 to {MAX_SIGNER_CHAIN} are carried",
                    signer_chain.len()
                )));
            }
        }
        let mut protected = Encoder::with_capacity(64 + chain_len(signer_chain));
        protected
            .map_header(4)
            .int(HEADER_ALG)
            .int(ALG_EDDSA)
            .int(HEADER_KID)
            .bytes(&key_id.0)
            .int(HEADER_TYP)
            .text(TRUST_LIST_TYPE)
            .int(HEADER_X5CHAIN)
            .array(signer_chain.len());
        for cert in signer_chain {
            protected.bytes(cert.der());
        }
        let protected = protected.into_bytes();
        let payload = encode_payload(&list);
        let len = cose::encoded_len(protected.len(), payload.len());
        if len > MAX_TRUST_LIST_LEN {
            return Err(TrustListError::TooLarge {
                len,
                max: MAX_TRUST_LIST_LEN,
            });
        }
        let signature = signer.sign(&sig_structure(&protected, &payload))?;
        let (bytes, protected, payload) = cose::encode(&protected, &payload, &signature);
        Ok(SignedTrustList {
            bytes,
            protected,
            payload,
            signature,
            key_id,
            chain: signer_chain.to_vec(),
            list,
        })
    }

    /// Decodes a trust list, refusing anything but the one deterministic
    /// encoding of a well-formed list. Trailing bytes are an error. The
    /// signature is not checked here.
    ///
    /// # Errors
    /// [`TrustListError`] for the first rule broken.
    pub fn from_slice(bytes: &[u8]) -> Result<SignedTrustList, TrustListError> {
        if bytes.len() > MAX_TRUST_LIST_LEN {
            return Err(TrustListError::TooLarge {
                len: bytes.len(),
                max: MAX_TRUST_LIST_LEN,
            });
        }
        let sign1 = cose::decode(bytes)?;
        let (key_id, chain) = decode_protected(sign1.protected)?;
        if !sign1.unprotected.is_empty() {
            return Err(TrustListError::Structure(
                "the unprotected header must be empty".into(),
            ));
        }
        let signature: [u8; 64] = sign1.signature.try_into().map_err(|_| {
            TrustListError::Structure(format!(
                "signature is {} bytes; it must be 64",
                sign1.signature.len()
            ))
        })?;
        let list = decode_payload(sign1.payload)?;
        let (protected, payload) = sign1.ranges_in(bytes);
        Ok(SignedTrustList {
            bytes: bytes.to_vec(),
            protected,
            payload,
            signature,
            key_id,
            chain,
            list,
        })
    }

    /// The list as signed or received.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The contents.
    pub fn list(&self) -> &TrustList {
        &self.list
    }

    /// The signer's certificate then its CAs.
    pub fn signer_chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The key id in the protected header.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// Checks the signature (strict Ed25519 over the bytes as received)
    /// under the first certificate of the carried chain, that this
    /// certificate chains to a root of `store` as a trust-list signer (the
    /// carried CAs helping), and that the chain was valid when the list was
    /// signed.
    ///
    /// # Errors
    /// The first [`TrustListFailure`].
    pub fn verify(&self, store: &TrustStore) -> Result<(), TrustListFailure> {
        let Some(signer) = self.chain.first() else {
            return Err(TrustListFailure::BadSignature);
        };
        let tbs = cose::signed_part(&self.bytes, &self.protected, &self.payload);
        if signer.public_key().key_id() != self.key_id
            || !signer.public_key().verify_strict(&tbs, &self.signature)
        {
            return Err(TrustListFailure::BadSignature);
        }
        let certified = store.certify(
            CertRole::TrustListSigner,
            signer,
            self.chain.get(1..).unwrap_or_default(),
        );
        if let Some(failure) = certified.failure() {
            return Err(TrustListFailure::SignerUntrusted {
                failure: failure.clone(),
            });
        }
        if !certified.valid_at(self.list.issued_at) {
            return Err(TrustListFailure::SignerNotValidAtIssuance {
                issued_at: self.list.issued_at,
            });
        }
        Ok(())
    }
}

fn chain_len(chain: &[Certificate]) -> usize {
    chain.iter().map(|c| c.der().len() + 3).sum()
}

/// Writes the claims with their keys in deterministic order: 1, 6, -65538;
/// in the list 0 to 4; in an entry 1 to 7.
fn encode_payload(list: &TrustList) -> Vec<u8> {
    let certs: usize = list
        .entries
        .iter()
        .map(|e| e.certificate.der().len() + 256)
        .sum::<usize>()
        + chain_len(&list.intermediates);
    let mut e = Encoder::with_capacity(certs + 128);
    e.map_header(3);
    e.int(claim::ISS).text(&list.issuer);
    e.int(claim::IAT).int(list.issued_at.secs());
    e.int(claim::TRUST_LIST).map_header(5);
    e.int(key::VERSION).int(TRUST_LIST_VERSION as i64);
    e.int(key::SEQUENCE).int(sequence_i64(list.sequence));
    e.int(key::NEXT_UPDATE).int(list.next_update.secs());
    e.int(key::ENTRIES).array(list.entries.len());
    for entry in &list.entries {
        let optional =
            usize::from(!entry.licence_types.is_empty()) + usize::from(entry.status_base.is_some());
        e.map_header(5 + optional);
        e.int(entry_key::CERTIFICATE).bytes(entry.certificate.der());
        e.int(entry_key::ROLE).text(entry.role.name());
        e.int(entry_key::AUTHORITY).text(entry.authority.as_str());
        e.int(entry_key::NAME).text(&entry.name);
        if !entry.licence_types.is_empty() {
            e.int(entry_key::LICENCE_TYPES)
                .array(entry.licence_types.len());
            for code in &entry.licence_types {
                e.text(code.as_str());
            }
        }
        if let Some(base) = &entry.status_base {
            e.int(entry_key::STATUS_BASE).text(base);
        }
        e.int(entry_key::STATE);
        match entry.state {
            EntryState::Active => {
                e.array(1).int(0);
            }
            EntryState::Retired { since } => {
                e.array(2).int(1).int(since.secs());
            }
            EntryState::Revoked { since, reason } => {
                e.array(3)
                    .int(2)
                    .int(since.secs())
                    .int(i64::from(reason.number()));
            }
        }
    }
    e.int(key::INTERMEDIATES).array(list.intermediates.len());
    for cert in &list.intermediates {
        e.bytes(cert.der());
    }
    let bytes = e.into_bytes();
    debug_assert!(
        cbor::decode(&bytes).is_ok(),
        "the payload must be deterministic CBOR"
    );
    bytes
}

/// Sequence numbers are written as CBOR unsigned integers; above i64::MAX
/// they would not be, so the writer saturates (no list gets there).
fn sequence_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn decode_protected(bytes: &[u8]) -> Result<(KeyId, Vec<Certificate>), TrustListError> {
    let Value::Map(entries) = cbor::decode(bytes)? else {
        return Err(TrustListError::Structure(
            "protected header must be a map".into(),
        ));
    };
    let (mut alg, mut kid, mut typ, mut x5chain) = (None, None, None, None);
    for MapEntry { key, value, .. } in entries {
        match key.as_i64() {
            Some(HEADER_ALG) => alg = Some(value),
            Some(HEADER_KID) => kid = Some(value),
            Some(HEADER_TYP) => typ = Some(value),
            Some(HEADER_X5CHAIN) => x5chain = Some(value),
            Some(label) => return Err(TrustListError::UnknownHeader { label }),
            None => {
                return Err(TrustListError::Structure(
                    "header labels must be integers".into(),
                ));
            }
        }
    }
    cose::expect_type(typ.as_ref(), TRUST_LIST_TYPE)
        .map_err(|e| TrustListError::ObjectType { found: e.found })?;
    match alg.as_ref().map(Value::as_i64) {
        Some(Some(ALG_EDDSA)) => {}
        Some(Some(found)) => return Err(TrustListError::UnsupportedAlgorithm { found }),
        _ => return Err(TrustListError::Structure("alg must be -8".into())),
    }
    let key_id = match kid {
        Some(Value::Bytes(kid)) => KeyId(
            kid.try_into()
                .map_err(|_| TrustListError::Structure("kid must be 8 bytes".into()))?,
        ),
        _ => return Err(TrustListError::Structure("kid must be 8 bytes".into())),
    };
    let chain = match x5chain {
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= MAX_SIGNER_CHAIN => {
            certificates(&items, "signer chain")?
        }
        _ => {
            return Err(TrustListError::SignerChain(format!(
                "x5chain must be an array of 1 to {MAX_SIGNER_CHAIN} certificates"
            )));
        }
    };
    Ok((key_id, chain))
}

fn certificates(items: &[Value<'_>], what: &str) -> Result<Vec<Certificate>, TrustListError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Bytes(der) => {
                Certificate::from_der(der).map_err(|source| TrustListError::Certificate {
                    what: format!("{i} of the {what}"),
                    source,
                })
            }
            _ => Err(TrustListError::Structure(format!(
                "the {what} must hold byte strings"
            ))),
        })
        .collect()
}

fn time_of(n: i64) -> UnixTime {
    UnixTime::from_secs(n)
}

fn decode_payload(payload: &[u8]) -> Result<TrustList, TrustListError> {
    let mut claims = Fields::of(cbor::decode(payload)?, "claims")?;
    let issuer = claims.text(claim::ISS, "iss")?.to_owned();
    let issued_at = time_of(claims.int(claim::IAT, "iat")?);
    let mut body = Fields::of(claims.take(claim::TRUST_LIST, "trust_list")?, "trust_list")?;
    claims.finish()?;
    let version = body.int(key::VERSION, "version")?;
    if version != TRUST_LIST_VERSION as i64 {
        return Err(TrustListError::UnsupportedVersion { found: version });
    }
    let sequence =
        u64::try_from(body.int(key::SEQUENCE, "sequence")?).map_err(|_| FieldError::Bad {
            field: "sequence",
            expected: "an unsigned integer",
        })?;
    let next_update = time_of(body.int(key::NEXT_UPDATE, "next_update")?);
    let Value::Array(entry_values) = body.take(key::ENTRIES, "entries")? else {
        return Err(FieldError::Bad {
            field: "entries",
            expected: "an array",
        }
        .into());
    };
    if entry_values.len() > MAX_ENTRIES {
        return Err(TrustListError::TooMany {
            what: "entries",
            found: entry_values.len(),
            max: MAX_ENTRIES,
        });
    }
    let intermediates = match body.take(key::INTERMEDIATES, "intermediates")? {
        Value::Array(items) if items.len() <= MAX_INTERMEDIATES => {
            certificates(&items, "intermediates")?
        }
        Value::Array(items) => {
            return Err(TrustListError::TooMany {
                what: "intermediates",
                found: items.len(),
                max: MAX_INTERMEDIATES,
            });
        }
        _ => {
            return Err(FieldError::Bad {
                field: "intermediates",
                expected: "an array",
            }
            .into());
        }
    };
    body.finish()?;
    let entries = entry_values
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            decode_entry(value).map_err(|e| match e {
                TrustListError::Entry { problem, .. } => TrustListError::Entry { index, problem },
                TrustListError::Field { field, problem } => TrustListError::Entry {
                    index,
                    problem: format!("{field}: {problem}"),
                },
                other => other,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let list = TrustList {
        issuer,
        sequence,
        issued_at,
        next_update,
        entries,
        intermediates,
    };
    list.check()?;
    Ok(list)
}

fn decode_entry(value: Value<'_>) -> Result<TrustListEntry, TrustListError> {
    let bad = |problem: &str| TrustListError::Entry {
        index: 0,
        problem: problem.to_owned(),
    };
    let mut f = Fields::of(value, "entry")?;
    let certificate = match f.take(entry_key::CERTIFICATE, "certificate")? {
        Value::Bytes(der) => {
            Certificate::from_der(der).map_err(|source| TrustListError::Certificate {
                what: "of an entry".into(),
                source,
            })?
        }
        _ => return Err(bad("certificate must be a byte string")),
    };
    let role: CertRole = f
        .text(entry_key::ROLE, "role")?
        .parse()
        .map_err(|_| bad("unknown role"))?;
    let authority: Uscc = f
        .text(entry_key::AUTHORITY, "authority")?
        .parse()
        .map_err(|_| bad("authority is not a unified social credit code"))?;
    let name = f.text(entry_key::NAME, "name")?.to_owned();
    let licence_types = match f.optional(entry_key::LICENCE_TYPES) {
        None => Vec::new(),
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= MAX_LICENCE_TYPES => items
            .iter()
            .map(|item| match item {
                Value::Text(t) => t.parse().map_err(|_| bad("bad licence type code")),
                _ => Err(bad("licence types must be text")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("licence types must be a non-empty array of at most 64")),
    };
    let status_base = match f.optional(entry_key::STATUS_BASE) {
        None => None,
        Some(Value::Text(t)) => Some(t.to_owned()),
        Some(_) => return Err(bad("status base must be text")),
    };
    let state = match f.take(entry_key::STATE, "state")? {
        Value::Array(items) => match items.as_slice() {
            [Value::Uint(0)] => EntryState::Active,
            [Value::Uint(1), since] => EntryState::Retired {
                since: time_of(since.as_i64().ok_or_else(|| bad("bad retirement time"))?),
            },
            [Value::Uint(2), since, Value::Uint(reason)] => EntryState::Revoked {
                since: time_of(since.as_i64().ok_or_else(|| bad("bad revocation time"))?),
                reason: RevocationReason::from_number(*reason)
                    .ok_or_else(|| bad("unknown revocation reason"))?,
            },
            _ => return Err(bad("state must be [0], [1, since] or [2, since, reason]")),
        },
        _ => return Err(bad("state must be an array")),
    };
    f.finish()?;
    Ok(TrustListEntry {
        certificate,
        role,
        authority,
        name,
        licence_types,
        status_base,
        state,
    })
}

#[cfg(test)]
mod tests;
