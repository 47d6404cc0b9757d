//! Verification: is this QR text or envelope a genuine licence that is valid now?
//!
//! The time is always passed in, so a scan endpoint, an offline checker and a
//! test all decide the same way for the same instant.

use core::fmt;
use std::collections::HashMap;
use std::sync::Arc;

use thiserror::Error;

use crate::date::UnixTime;
use crate::envelope::{EnvelopeError, SignatureFailure, SignedLicence};
use crate::ident::Uscc;
use crate::keys::{KeyId, PublicKey};
use crate::licence::Licence;
use crate::qr::{self, QrError};
use crate::status::LicenceStatus;
use crate::status::SignedStatusList;
use crate::trust::CertRole;
use crate::trust::list::{EntryState, RevocationReason, TrustListEntry};
use crate::trust::store::{DocumentSigner, TrustFailure, TrustStore};

/// How far in the future `iat` may be before a code counts as issued in the
/// future: phones' clocks drift.
pub const DEFAULT_CLOCK_SKEW_SECS: i64 = 300;

/// A public key the verifier trusts, optionally only for licences signed
/// within a window (a key's period of use before rotation), or a document
/// signer's key that is trusted through its certificate chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    key: PublicKey,
    not_before: Option<UnixTime>,
    not_after: Option<UnixTime>,
    certified: Option<Arc<DocumentSigner>>,
    /// The trust-list entry that vouches for the certificate, if it came
    /// from a trust list: its allowed types, state and status location apply.
    listed: Option<Arc<TrustListEntry>>,
}

impl TrustedKey {
    /// Trusts `key` for licences signed at any time.
    pub fn new(key: PublicKey) -> Self {
        TrustedKey {
            key,
            not_before: None,
            not_after: None,
            certified: None,
            listed: None,
        }
    }

    /// A document signer's key, trusted as far as its certificate chain and
    /// the binding rules allow (see [`crate::trust::store`]).
    pub fn certified(signer: Arc<DocumentSigner>) -> Self {
        TrustedKey {
            key: *signer.certificate().public_key(),
            not_before: None,
            not_after: None,
            certified: Some(signer),
            listed: None,
        }
    }

    /// A document signer vouched for by a trust-list entry as well as by
    /// its chain.
    fn listed(signer: Arc<DocumentSigner>, entry: Arc<TrustListEntry>) -> Self {
        TrustedKey {
            listed: Some(entry),
            ..TrustedKey::certified(signer)
        }
    }

    /// Trusts the key only for licences signed at or after `time`.
    pub fn signed_from(mut self, time: UnixTime) -> Self {
        self.not_before = Some(time);
        self
    }

    /// Trusts the key only for licences signed at or before `time`.
    pub fn signed_until(mut self, time: UnixTime) -> Self {
        self.not_after = Some(time);
        self
    }

    /// The key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    fn covers(&self, time: UnixTime) -> bool {
        self.not_before.is_none_or(|t| time >= t) && self.not_after.is_none_or(|t| time <= t)
    }
}

/// Why a code is not a valid licence. A verdict lists every reason found,
/// most specific first; decoding, key and signature failures stop the checks.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Reason {
    /// The QR text has no well-formed digit block.
    #[error("malformed QR text: {0}")]
    MalformedText(QrError),
    /// The envelope does not decode.
    #[error("malformed envelope: {0}")]
    Malformed(EnvelopeError),
    /// No trusted key has the envelope's key id.
    #[error("no trusted key has id {kid}")]
    UnknownKey {
        /// The key id in the envelope.
        kid: KeyId,
    },
    /// The only trusted keys with this id are weak (small order).
    #[error("trusted key {kid} is weak (small order) and proves nothing")]
    WeakKey {
        /// The key id.
        kid: KeyId,
    },
    /// The signature does not verify under any trusted key with the id.
    #[error("signature does not verify under key {kid}")]
    BadSignature {
        /// The key id.
        kid: KeyId,
    },
    /// The key was trusted, but not for licences signed at that time.
    #[error(
        "key {kid} was not in use at {issued_at} (trusted from {not_before:?} to {not_after:?})"
    )]
    KeyNotValidAtIssuance {
        /// The key id.
        kid: KeyId,
        /// When the licence was signed (`iat`).
        issued_at: UnixTime,
        /// Start of the key's window.
        not_before: Option<UnixTime>,
        /// End of the key's window.
        not_after: Option<UnixTime>,
    },
    /// The signer's certificate does not chain to a trusted root, or the
    /// chain breaks a rule.
    #[error("key {kid} is not trusted: {failure}")]
    Untrusted {
        /// The key id.
        kid: KeyId,
        /// Which rule the chain breaks.
        failure: TrustFailure,
    },
    /// The signer's certificate chain was not valid when the licence was signed.
    #[error(
        "the certificate chain of key {kid} was valid from {not_before} to {not_after}, not at {issued_at}"
    )]
    SignerNotValidAtIssuance {
        /// The key id.
        kid: KeyId,
        /// When the licence was signed (`iat`).
        issued_at: UnixTime,
        /// Start of the chain's common validity.
        not_before: UnixTime,
        /// End of the chain's common validity.
        not_after: UnixTime,
    },
    /// The licence claims an issuer other than the authority its signer's
    /// certificate names: signed by one authority in another's name.
    #[error("signed by the authority {certified} but issued in the name of {claimed}")]
    AuthorityMismatch {
        /// The authority code in the signer's certificate.
        certified: crate::ident::Uscc,
        /// The `iss` the licence claims.
        claimed: crate::ident::Uscc,
    },
    /// The licence names its issuer otherwise than the signer's certificate
    /// or trust-list entry does: the name a verdict shows must be certified.
    #[error("issued in the name of {claimed:?}, but the signer is certified as {certified:?}")]
    IssuerNameMismatch {
        /// The name the certificate or trust-list entry gives.
        certified: String,
        /// The name the licence claims.
        claimed: String,
    },
    /// The trust list does not allow this document signer to sign this
    /// licence type (a traffic-police signer signing a business licence).
    #[error("the signer may not sign licences of type {type_code}")]
    TypeNotAllowed {
        /// The licence's type code.
        type_code: String,
    },
    /// The signer's certificate was revoked, and the licence falls under it.
    #[error("the signer's certificate was revoked at {since} ({}); the licence was signed at {issued_at}", reason.name())]
    SignerRevoked {
        /// When the revocation (or the compromise) took effect.
        since: UnixTime,
        /// Why.
        reason: RevocationReason,
        /// The licence's `iat`.
        issued_at: UnixTime,
    },
    /// The signer's certificate was retired before the licence was signed.
    #[error(
        "the signer's certificate was retired at {since}; the licence was signed at {issued_at}"
    )]
    SignerRetired {
        /// When it was retired.
        since: UnixTime,
        /// The licence's `iat`.
        issued_at: UnixTime,
    },
    /// The trust list that vouches for the signer is past its next update
    /// (a warning), or past the grace period after it (fail-closed).
    #[error("the trust list was due for renewal at {next_update}")]
    TrustListStale {
        /// Its next update.
        next_update: UnixTime,
        /// Whether the grace period is over too (then it is a reason, not a warning).
        expired: bool,
    },
    /// The licence's status list says it is not valid: suspended, revoked,
    /// cancelled, lapsed, transferred out, withdrawn or other.
    #[error("status {} ({}) in the issuer's status list", status.code(), status.label())]
    Status {
        /// The status.
        status: LicenceStatus,
    },
    /// The status list holds a value that is no status this crate knows.
    #[error("the status list holds the unregistered value {value:#04x}")]
    StatusUnregistered {
        /// The value.
        value: u8,
    },
    /// The licence's status cannot be known: no status list for it was
    /// loaded, the list does not cover its index, or the licence has no
    /// reference although its signer's authority publishes lists.
    #[error("status unknown: {detail}")]
    StatusUnknown {
        /// What is missing.
        detail: String,
    },
    /// The status list for the licence is past its ttl or expiry.
    #[error("the status list {list} is stale since {since}")]
    StatusStale {
        /// The list's URI.
        list: String,
        /// When it went stale.
        since: UnixTime,
    },
    /// Signed later than the verification time allows.
    #[error("signed at {issued_at}, after the verification time {at}")]
    IssuedInFuture {
        /// When it says it was signed.
        issued_at: UnixTime,
        /// The verification time.
        at: UnixTime,
    },
    /// Validity has not started.
    #[error("not valid before {not_before} (checked at {at})")]
    NotYetValid {
        /// The verification time.
        at: UnixTime,
        /// Start of validity.
        not_before: UnixTime,
    },
    /// Validity has ended.
    #[error("expired at {expired_at} (checked at {at})")]
    Expired {
        /// The verification time.
        at: UnixTime,
        /// End of validity.
        expired_at: UnixTime,
    },
}

impl Reason {
    /// A stable, short machine-readable name for the reason.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::MalformedText(_) => "malformed_text",
            Reason::Malformed(EnvelopeError::ObjectType { .. }) => "not_a_licence",
            Reason::Malformed(_) => "malformed",
            Reason::UnknownKey { .. } => "unknown_key",
            Reason::WeakKey { .. } => "weak_key",
            Reason::BadSignature { .. } => "bad_signature",
            Reason::KeyNotValidAtIssuance { .. } => "key_not_valid_at_issuance",
            Reason::Untrusted { failure, .. } => failure.code(),
            Reason::SignerNotValidAtIssuance { .. } => "signer_not_valid_at_issuance",
            Reason::AuthorityMismatch { .. } => "authority_mismatch",
            Reason::IssuerNameMismatch { .. } => "issuer_name_mismatch",
            Reason::TypeNotAllowed { .. } => "type_not_allowed",
            Reason::SignerRevoked { .. } => "signer_revoked",
            Reason::SignerRetired { .. } => "signer_retired",
            Reason::TrustListStale { expired: true, .. } => "trust_list_expired",
            Reason::TrustListStale { expired: false, .. } => "trust_list_stale",
            Reason::Status { status } => status_reason_code(*status),
            Reason::StatusUnregistered { .. } => "status_unregistered",
            Reason::StatusUnknown { .. } => "status_unknown",
            Reason::StatusStale { .. } => "status_stale",
            Reason::IssuedInFuture { .. } => "issued_in_future",
            Reason::NotYetValid { .. } => "not_yet_valid",
            Reason::Expired { .. } => "expired",
        }
    }
}

/// The code of a [`Reason::Status`]: the status's English name.
fn status_reason_code(status: LicenceStatus) -> &'static str {
    match status {
        LicenceStatus::Valid => "valid",
        LicenceStatus::Suspended => "suspended",
        LicenceStatus::Revoked => "revoked",
        LicenceStatus::Cancelled => "cancelled",
        LicenceStatus::Lapsed => "lapsed",
        LicenceStatus::TransferredOut => "transferred_out",
        LicenceStatus::Withdrawn => "withdrawn",
        _ => "status_other",
    }
}

/// A licence's status as its issuer's status list gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusInfo {
    /// The status.
    pub status: LicenceStatus,
    /// The list's URI (its `sub`).
    pub list: String,
    /// The licence's index in it.
    pub index: u32,
    /// When the list was signed (状态更新于).
    pub updated: UnixTime,
}

/// The answer for one code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    envelope: Option<SignedLicence>,
    authentic: bool,
    reasons: Vec<Reason>,
    warnings: Vec<Reason>,
    status: Option<StatusInfo>,
    certified_issuer: Option<String>,
}

impl Verdict {
    fn failed(reason: Reason) -> Self {
        Verdict {
            envelope: None,
            authentic: false,
            reasons: vec![reason],
            warnings: Vec::new(),
            status: None,
            certified_issuer: None,
        }
    }

    fn inauthentic(envelope: SignedLicence, reasons: Vec<Reason>) -> Self {
        Verdict {
            envelope: Some(envelope),
            authentic: false,
            reasons,
            warnings: Vec::new(),
            status: None,
            certified_issuer: None,
        }
    }

    /// What the verifier's policy lets pass but a reader should know: a
    /// stale trust list within its grace period, and with the warn-only
    /// status policy, an unknown or stale status.
    pub fn warnings(&self) -> &[Reason] {
        &self.warnings
    }

    /// The licence's status from its issuer's status list, if one was
    /// consulted and holds a known status.
    pub fn status(&self) -> Option<&StatusInfo> {
        self.status.as_ref()
    }

    /// The issuer's name as the signer's certificate or trust-list entry
    /// certifies it (the licence's own issuer name equals it when the
    /// verdict is authentic); `None` for a bare trusted key.
    pub fn certified_issuer(&self) -> Option<&str> {
        self.certified_issuer.as_deref()
    }

    /// Whether the code is a genuine licence that is valid at the verification time.
    pub fn is_valid(&self) -> bool {
        self.authentic && self.reasons.is_empty()
    }

    /// The licence, if its signature verified under a trusted key (it may
    /// still be expired or not yet valid: see [`Verdict::reasons`]).
    pub fn licence(&self) -> Option<&Licence> {
        self.envelope
            .as_ref()
            .filter(|_| self.authentic)
            .map(SignedLicence::licence)
    }

    /// The decoded envelope, whether or not its signature verified. Nothing in
    /// it is to be believed unless [`Verdict::licence`] is `Some`.
    pub fn unverified(&self) -> Option<&SignedLicence> {
        self.envelope.as_ref()
    }

    /// Why the code is not valid, most specific first; empty when valid.
    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
    }

    /// The verdict as JSON: `valid`, `reasons` (each with `code` and
    /// `message`), `licence` (null unless authentic), and `key_id`, `issued_at`.
    pub fn to_json_value(&self) -> serde_json::Value {
        let reasons: Vec<_> = self
            .reasons
            .iter()
            .map(|r| serde_json::json!({ "code": r.code(), "message": r.to_string() }))
            .collect();
        let warnings: Vec<_> = self
            .warnings
            .iter()
            .map(|r| serde_json::json!({ "code": r.code(), "message": r.to_string() }))
            .collect();
        let mut out = serde_json::json!({
            "valid": self.is_valid(),
            "reasons": reasons,
            "licence": self.licence().map(Licence::to_json_value),
        });
        if let Some(obj) = out.as_object_mut() {
            if !warnings.is_empty() {
                obj.insert("warnings".into(), warnings.into());
            }
            if let Some(s) = &self.status {
                obj.insert(
                    "status".into(),
                    serde_json::json!({
                        "code": s.status.code(),
                        "label": s.status.label(),
                        "label_en": s.status.label_en(),
                        "list": s.list,
                        "index": s.index,
                        "updated": s.updated.to_rfc3339_utc(),
                    }),
                );
            }
            if let Some(name) = &self.certified_issuer {
                obj.insert("certified_issuer".into(), name.clone().into());
            }
        }
        if let (Some(env), Some(obj)) = (&self.envelope, out.as_object_mut()) {
            obj.insert("key_id".into(), env.key_id().to_hex().into());
            obj.insert("issued_at".into(), env.issued_at().to_rfc3339_utc().into());
            if let Some(id) = self.licence().and_then(Licence::identifier) {
                obj.insert("identifier".into(), id.to_string().into());
            }
        }
        out
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_valid() {
            return f.write_str("valid");
        }
        f.write_str("invalid")?;
        for (i, reason) in self.reasons.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            reason.fmt(f)?;
        }
        Ok(())
    }
}

/// How the verifier treats a licence whose status cannot be known (no
/// status list loaded for it, or the list is past its ttl).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusPolicy {
    /// `status_unknown` and `status_stale` make the verdict invalid.
    #[default]
    FailClosed,
    /// They are warnings only.
    Warn,
}

/// What the verifier makes of licences signed, by their own `iat`, before
/// the compromise time of a document signer revoked for key compromise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompromisePolicy {
    /// Refuse them too: whoever holds the key writes any `iat` they like.
    #[default]
    RefuseAll,
    /// Keep them valid (for a platform that knows from elsewhere, e.g. a
    /// transparency log, which licences were really issued before).
    TrustEarlier,
}

/// How long after a trust list's next update it is still used (with a
/// warning) before the verifier fails closed: three days.
pub const DEFAULT_TRUST_LIST_GRACE_SECS: u32 = 3 * 86_400;

/// Checks codes against trusted keys, or against roots with a trust list
/// and status lists.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: HashMap<KeyId, Vec<TrustedKey>>,
    clock_skew_secs: i64,
    /// The roots (and any intermediates) trust lists and status lists are
    /// checked against.
    roots: Option<TrustStore>,
    trust_list: Option<lists::HeldTrustList>,
    /// Status lists by authority, then by list number.
    status_lists: HashMap<Uscc, HashMap<u32, Arc<SignedStatusList>>>,
    status_policy: StatusPolicy,
    compromise_policy: CompromisePolicy,
    trust_list_grace_secs: i64,
    /// Fewest signatures checked as a batch (see [`batch`]).
    batch_threshold: usize,
}

impl Verifier {
    /// A verifier that trusts exactly these keys.
    pub fn new(keys: impl IntoIterator<Item = TrustedKey>) -> Self {
        let mut verifier = Verifier {
            keys: HashMap::new(),
            clock_skew_secs: DEFAULT_CLOCK_SKEW_SECS,
            roots: None,
            trust_list: None,
            status_lists: HashMap::new(),
            status_policy: StatusPolicy::default(),
            compromise_policy: CompromisePolicy::default(),
            trust_list_grace_secs: i64::from(DEFAULT_TRUST_LIST_GRACE_SECS),
            batch_threshold: batch::MIN_BATCH,
        };
        for key in keys {
            verifier.trust(key);
        }
        verifier
    }

    /// A verifier that trusts nothing but `store`'s roots (and its
    /// certificates, through their chains): feed it a trust list
    /// ([`Verifier::add_trust_list`]) and status lists
    /// ([`Verifier::add_status_list`]).
    pub fn from_roots(store: &TrustStore) -> Self {
        Verifier::new([]).with_trust_store(store)
    }

    /// Adds a trusted key under its kid, once.
    fn trust(&mut self, key: TrustedKey) {
        let candidates = self.keys.entry(key.key.key_id()).or_default();
        if !candidates.contains(&key) {
            candidates.push(key);
        }
    }

    /// Also trusts the document signers in `store`, each as far as its chain
    /// to the store's roots and the binding rules allow. Chains are checked
    /// here, once, not on every verification. The store's roots also become
    /// what trust lists and status lists are checked against.
    pub fn with_trust_store(mut self, store: &TrustStore) -> Self {
        for signer in store.document_signers() {
            self.trust(TrustedKey::certified(signer));
        }
        match &mut self.roots {
            Some(roots) => {
                for root in store.roots() {
                    roots.add_root(root.clone());
                }
            }
            None => self.roots = Some(store.clone()),
        }
        self
    }

    /// Also trusts `key`.
    pub fn with_trusted_key(mut self, key: TrustedKey) -> Self {
        self.trust(key);
        self
    }

    /// Sets how many seconds `iat` may lie after the verification time.
    pub fn with_clock_skew(mut self, secs: u32) -> Self {
        self.clock_skew_secs = i64::from(secs);
        self
    }

    /// Sets what an unknown or stale status does (default: fail closed).
    pub fn with_status_policy(mut self, policy: StatusPolicy) -> Self {
        self.status_policy = policy;
        self
    }

    /// Sets what licences signed before a key compromise's time do
    /// (default: refused).
    pub fn with_compromise_policy(mut self, policy: CompromisePolicy) -> Self {
        self.compromise_policy = policy;
        self
    }

    /// Sets how long a trust list past its next update is still used, with
    /// a warning, before licences it vouches for are refused.
    pub fn with_trust_list_grace(mut self, secs: u32) -> Self {
        self.trust_list_grace_secs = i64::from(secs);
        self
    }

    /// Verifies QR text at time `at`.
    pub fn verify_qr_text(&self, text: &str, at: UnixTime) -> Verdict {
        match qr::envelope_bytes(text) {
            Ok(bytes) => self.verify_bytes(&bytes, at),
            Err(e) => Verdict::failed(Reason::MalformedText(e)),
        }
    }

    /// Verifies envelope bytes at time `at`.
    pub fn verify_bytes(&self, bytes: &[u8], at: UnixTime) -> Verdict {
        match SignedLicence::from_slice(bytes) {
            Ok(envelope) => self.verify_envelope(envelope, at),
            Err(e) => Verdict::failed(Reason::Malformed(e)),
        }
    }

    /// Verifies a decoded envelope at time `at`.
    ///
    /// An envelope read from a `.cose` file may carry its signer's chain;
    /// the verifier uses it, checked against its roots as a document
    /// signer's, only when it holds no trust list and no key with the
    /// envelope's key id: a trust list's entries and configured keys are
    /// never widened or bypassed by what a file brings.
    pub fn verify_envelope(&self, envelope: SignedLicence, at: UnixTime) -> Verdict {
        let carried = self.carried_signer(&envelope);
        let signer = self.check_signature(&envelope, carried.as_ref());
        self.finish(envelope, signer, carried.as_ref(), at)
    }

    /// The envelope's carried chain as a candidate, when it may be used.
    fn carried_signer(&self, envelope: &SignedLicence) -> Option<TrustedKey> {
        let (first, rest) = envelope.chain().split_first()?;
        let roots = self.roots.as_ref()?;
        if self.trust_list.is_some() || self.keys.contains_key(&envelope.key_id()) {
            return None;
        }
        let signer = roots.certify(CertRole::DocumentSigner, first, rest);
        Some(TrustedKey::certified(Arc::new(signer)))
    }

    /// Every candidate key for `kid`: the configured ones, then a carried one.
    fn candidates<'a>(
        &'a self,
        kid: &KeyId,
        carried: Option<&'a TrustedKey>,
    ) -> impl Iterator<Item = &'a TrustedKey> {
        self.keys
            .get(kid)
            .into_iter()
            .flatten()
            .chain(carried.filter(|c| c.key.key_id() == *kid))
    }

    /// Verifies many QR texts at once: the same as
    /// [`Verifier::verify_qr_texts`], each verdict exactly the one
    /// [`Verifier::verify_qr_text`] gives, in input order.
    pub fn verify_batch<S: AsRef<str>>(&self, texts: &[S], at: UnixTime) -> Vec<Verdict> {
        self.verify_qr_texts(texts, at)
    }

    /// Finds the trusted key that signed `envelope`, trying every key with its id.
    fn check_signature(
        &self,
        envelope: &SignedLicence,
        carried: Option<&TrustedKey>,
    ) -> Result<PublicKey, Reason> {
        let kid = envelope.key_id();
        let mut candidates = self.candidates(&kid, carried).peekable();
        if candidates.peek().is_none() {
            return Err(Reason::UnknownKey { kid });
        }
        let mut all_weak = true;
        let mut tried: Vec<&PublicKey> = Vec::new();
        for candidate in candidates {
            // Several certificates may certify one key (renewals): check each key once.
            if tried.contains(&&candidate.key) {
                continue;
            }
            tried.push(&candidate.key);
            match envelope.verify_signature(&candidate.key) {
                Ok(()) => return Ok(candidate.key),
                Err(SignatureFailure::WeakKey) => {}
                Err(_) => all_weak = false,
            }
        }
        Err(if all_weak {
            Reason::WeakKey { kid }
        } else {
            Reason::BadSignature { kid }
        })
    }

    /// Why `candidate`, whose key made the signature, does not vouch for
    /// this licence: `(reasons, authentic)`. Authentic is false when the key
    /// is not trusted at all, speaks for another authority or another name,
    /// may not sign this type, or was revoked or retired for it; a key that
    /// was trusted, only not at the signing time, leaves the licence readable.
    fn trust_reasons(
        &self,
        candidate: &TrustedKey,
        envelope: &SignedLicence,
    ) -> (Vec<Reason>, bool) {
        let kid = envelope.key_id();
        let issued_at = envelope.issued_at();
        let mut reasons = Vec::new();
        if !candidate.covers(issued_at) {
            reasons.push(Reason::KeyNotValidAtIssuance {
                kid,
                issued_at,
                not_before: candidate.not_before,
                not_after: candidate.not_after,
            });
        }
        let Some(signer) = &candidate.certified else {
            return (reasons, true);
        };
        if let Some(failure) = signer.failure() {
            return (
                vec![Reason::Untrusted {
                    kid,
                    failure: failure.clone(),
                }],
                false,
            );
        }
        let licence = envelope.licence();
        let mut refusals = Vec::new();
        if let Some(certified) = signer.authority() {
            let claimed = licence.issuer().code();
            if certified != claimed {
                refusals.push(Reason::AuthorityMismatch {
                    certified: certified.clone(),
                    claimed: claimed.clone(),
                });
            }
        }
        if let Some(certified) = certified_name(candidate)
            && certified != licence.issuer().name()
        {
            refusals.push(Reason::IssuerNameMismatch {
                certified: certified.to_owned(),
                claimed: licence.issuer().name().to_owned(),
            });
        }
        if let Some(entry) = &candidate.listed {
            if !entry.allows_type(licence.type_code()) {
                refusals.push(Reason::TypeNotAllowed {
                    type_code: licence.type_code().as_str().to_owned(),
                });
            }
            match entry.state {
                EntryState::Active => {}
                EntryState::Retired { since } => {
                    if issued_at >= since {
                        refusals.push(Reason::SignerRetired { since, issued_at });
                    }
                }
                EntryState::Revoked { since, reason } => {
                    let earlier_trusted = !reason.taints_earlier_signatures()
                        || self.compromise_policy == CompromisePolicy::TrustEarlier;
                    if issued_at >= since || !earlier_trusted {
                        refusals.push(Reason::SignerRevoked {
                            since,
                            reason,
                            issued_at,
                        });
                    }
                }
            }
        }
        if !refusals.is_empty() {
            refusals.append(&mut reasons);
            return (refusals, false);
        }
        if !signer.valid_at(issued_at) {
            // Report the chain period that comes nearest: the first one.
            if let Some(&(not_before, not_after)) = signer.valid_periods().first() {
                reasons.push(Reason::SignerNotValidAtIssuance {
                    kid,
                    issued_at,
                    not_before,
                    not_after,
                });
            }
        }
        (reasons, true)
    }

    fn finish(
        &self,
        envelope: SignedLicence,
        signer: Result<PublicKey, Reason>,
        carried: Option<&TrustedKey>,
        at: UnixTime,
    ) -> Verdict {
        let key = match signer {
            Ok(key) => key,
            Err(reason) => return Verdict::inauthentic(envelope, vec![reason]),
        };
        // Every trust entry for this key is a way the licence could be
        // vouched for: the first that vouches fully wins, else the first
        // that leaves it authentic, else the first.
        let mut chosen = None;
        let mut fallback: Option<(Vec<Reason>, bool, &TrustedKey)> = None;
        for candidate in self
            .candidates(&envelope.key_id(), carried)
            .filter(|c| c.key == key)
        {
            let (reasons, authentic) = self.trust_reasons(candidate, &envelope);
            if reasons.is_empty() {
                chosen = Some((reasons, authentic, candidate));
                break;
            }
            if fallback.as_ref().is_none_or(|(_, a, _)| authentic && !a) {
                fallback = Some((reasons, authentic, candidate));
            }
        }
        let Some((mut reasons, authentic, candidate)) = chosen.or(fallback) else {
            let kid = envelope.key_id();
            return Verdict::inauthentic(envelope, vec![Reason::UnknownKey { kid }]);
        };
        if !authentic {
            return Verdict::inauthentic(envelope, reasons);
        }
        let issued_at = envelope.issued_at();
        if issued_at.secs() > at.secs().saturating_add(self.clock_skew_secs) {
            reasons.push(Reason::IssuedInFuture { issued_at, at });
        }
        let not_before = envelope.not_before();
        if at < not_before {
            reasons.push(Reason::NotYetValid { at, not_before });
        }
        if let Some(expired_at) = envelope.expires()
            && at >= expired_at
        {
            reasons.push(Reason::Expired { at, expired_at });
        }
        let mut warnings = Vec::new();
        if candidate.listed.is_some()
            && let Some(stale) = self.trust_list_staleness(at)
        {
            if matches!(stale, Reason::TrustListStale { expired: true, .. }) {
                reasons.push(stale);
            } else {
                warnings.push(stale);
            }
        }
        let status = match self.status_of(&envelope, candidate, at) {
            Ok(status) => status,
            Err(lists::NoStatus::Unknown(unknown)) => {
                match self.status_policy {
                    StatusPolicy::FailClosed => reasons.push(unknown),
                    StatusPolicy::Warn => warnings.push(unknown),
                }
                None
            }
            Err(lists::NoStatus::Refused(reason)) => {
                reasons.push(reason);
                None
            }
        };
        if let Some(info) = &status {
            match info.status {
                LicenceStatus::Valid => {}
                other => reasons.push(Reason::Status { status: other }),
            }
        }
        Verdict {
            certified_issuer: certified_name(candidate).map(str::to_owned),
            envelope: Some(envelope),
            authentic: true,
            reasons,
            warnings,
            status,
        }
    }
}

/// The issuer name the signer's trust-list entry, else its certificate
/// (organizationName, else commonName), certifies; none for a bare key.
fn certified_name(candidate: &TrustedKey) -> Option<&str> {
    if let Some(entry) = &candidate.listed {
        return Some(&entry.name);
    }
    let cert = candidate.certified.as_ref()?.certificate();
    cert.organization().or(cert.common_name())
}

/// Encodings of the small-order points of Ed25519 with the sign bit cleared:
/// the identity, the point of order 2, the points of order 4 and 8, and the
/// non-canonical encodings y = p and y = p + 1 that decode to them. Every
/// encoding of a small-order point that decompresses is one of these.
const SMALL_ORDER_ENCODINGS: [[u8; 32]; 7] = [
    [0; 32],
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    small_order_high(0xec),
    small_order_high(0xed),
    small_order_high(0xee),
];

/// `[low, 0xff, …, 0xff, 0x7f]`: p − 1, p and p + 1 for low = 0xec, 0xed, 0xee.
const fn small_order_high(low: u8) -> [u8; 32] {
    let mut out = [0xff; 32];
    out[0] = low;
    out[31] = 0x7f;
    out
}

/// Whether a signature's R may go into a batch. Batch verification checks a
/// random linear combination in which a small-order R is not caught, while
/// `verify_strict` refuses it; such signatures take the single path so that
/// both paths give the same answer. A byte comparison, not a decompression,
/// keeps the batch path cheap.
fn r_is_batch_safe(signature: &[u8; 64]) -> bool {
    let mut r = [0u8; 32];
    r.copy_from_slice(&signature[..32]);
    r[31] &= 0x7f;
    !SMALL_ORDER_ENCODINGS.contains(&r)
}

pub mod batch;
mod outcome;
pub use outcome::{Lang, Outcome, Tone};
mod lists;
pub use lists::{StatusListLoadError, TrustListLoad, TrustListLoadError};

#[cfg(test)]
mod tests;
