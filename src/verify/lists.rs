//! What a verifier configured with roots learns from a trust list and from
//! the authorities' status lists, and how a licence's status is looked up.
//!
//! Policy (also in the README and `test-vectors/FORMAT.md` §7–§8):
//! - A trust list is taken only if it is signed by a trust-list signer
//!   chaining to a root, was valid when signed, and its sequence number is
//!   above the one held (the same list again is a no-op). It then replaces
//!   the previous list's keys: each entry is checked as a document signer,
//!   so that an entry of another role (a seal maker) that signs a licence
//!   is refused as `wrong_role`, not as an unknown key.
//! - Past its next update the list still vouches, with the warning
//!   `trust_list_stale`; past the grace period after it, every licence it
//!   vouches for is refused with `trust_list_expired`.
//! - A status list is taken only if its signer chains to a root as a
//!   status-list signer and, when a trust list is held, is listed there in
//!   that role and not revoked or retired when the list was signed. It
//!   speaks for its signer's authority alone: a licence's status is looked
//!   up among the lists of the licence's issuer. Its number is the last path
//!   segment of its URI (`sub`), which must equal the trust-list entry's
//!   status base with the number appended. A newer list replaces an older
//!   one; an older one is refused.
//! - Keys configured otherwise (bare keys, signers added to the trust store)
//!   keep vouching by their own rules beside the list's entries: a verifier
//!   meant to follow the trust list alone is built from roots alone
//!   (`Verifier::from_roots`), as `elicence verify --roots --trust-list`
//!   does without `--signers` or `--pub`.

use std::sync::Arc;

use thiserror::Error;

use super::{Reason, StatusInfo, TrustedKey, Verifier};
use crate::date::UnixTime;
use crate::envelope::SignedLicence;
use crate::status::{LicenceStatus, SignedStatusList, StatusListError};
use crate::trust::list::{EntryState, SignedTrustList, TrustListError, TrustListFailure};
use crate::trust::store::TrustFailure;
use crate::trust::{CertRole, Certificate};

/// The trust list a verifier holds.
#[derive(Debug, Clone)]
pub(super) struct HeldTrustList {
    list: Arc<SignedTrustList>,
}

/// What loading a trust list did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustListLoad {
    /// The list's sequence number.
    pub sequence: u64,
    /// Entries now trusted as document signers.
    pub document_signers: usize,
    /// Entries that are not usable as what they are listed for, by
    /// position, with why (they stay known, so that what they sign is
    /// refused for that reason).
    pub refused: Vec<(usize, TrustFailure)>,
}

/// Why a trust list was not taken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TrustListLoadError {
    /// The verifier has no roots to check the list against.
    #[error("the verifier has no roots to check a trust list against")]
    NoRoots,
    /// The bytes are not a trust list.
    #[error(transparent)]
    Decode(#[from] TrustListError),
    /// The list is not to be believed, or is older than the one held.
    #[error(transparent)]
    Failure(#[from] TrustListFailure),
}

impl TrustListLoadError {
    /// A stable, short machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            TrustListLoadError::NoRoots => "no_roots",
            TrustListLoadError::Decode(e) => e.code(),
            TrustListLoadError::Failure(e) => e.code(),
        }
    }
}

/// Why a status list was not taken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StatusListLoadError {
    /// The verifier has no roots to check the list's signer against.
    #[error("the verifier has no roots to check a status list against")]
    NoRoots,
    /// The bytes are not a status list token.
    #[error(transparent)]
    Decode(#[from] StatusListError),
    /// The signature does not verify under the carried signer certificate.
    #[error("the status list's signature does not verify")]
    BadSignature,
    /// The signer does not chain to a root as a status-list signer.
    #[error("the status list's signer is not trusted: {failure}")]
    SignerUntrusted {
        /// Why.
        failure: TrustFailure,
    },
    /// The signer's chain was not valid when the list was signed.
    #[error("the status list's signer was not valid at {issued_at}")]
    SignerNotValidAtIssuance {
        /// The list's `iat`.
        issued_at: UnixTime,
    },
    /// A trust list is held and does not list the signer as an active
    /// status-list signer at the list's signing time.
    #[error("the trust list does not vouch for the status list's signer at {issued_at}")]
    SignerNotListed {
        /// The list's `iat`.
        issued_at: UnixTime,
    },
    /// The list's URI does not end in a list number.
    #[error("the status list's URI {subject:?} does not end in a list number")]
    BadSubject {
        /// Its `sub`.
        subject: String,
    },
    /// Signed later than the verification time allows.
    #[error("the status list was signed at {issued_at}, after {at}")]
    IssuedInFuture {
        /// Its `iat`.
        issued_at: UnixTime,
        /// The verification time.
        at: UnixTime,
    },
    /// Older than the list of the same number already held.
    #[error("a newer status list (signed {held}) is held than the one offered (signed {offered})")]
    Older {
        /// When the held list was signed.
        held: UnixTime,
        /// When the offered one was.
        offered: UnixTime,
    },
}

impl StatusListLoadError {
    /// A stable, short machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            StatusListLoadError::NoRoots => "no_roots",
            StatusListLoadError::Decode(e) => e.code(),
            StatusListLoadError::BadSignature => "status_list_bad_signature",
            StatusListLoadError::SignerUntrusted { .. } => "status_list_signer_untrusted",
            StatusListLoadError::SignerNotValidAtIssuance { .. } => {
                "status_list_signer_not_valid_at_issuance"
            }
            StatusListLoadError::SignerNotListed { .. } => "status_list_signer_not_listed",
            StatusListLoadError::BadSubject { .. } => "status_list_bad_subject",
            StatusListLoadError::IssuedInFuture { .. } => "status_list_issued_in_future",
            StatusListLoadError::Older { .. } => "status_list_rollback",
        }
    }
}

/// A status lookup that did not give a known status.
pub(super) enum NoStatus {
    /// Unknown or stale: the status policy decides.
    Unknown(Reason),
    /// A value that is no status: always a refusal.
    Refused(Reason),
}

impl Verifier {
    /// Takes a signed trust list (see the module policy), replacing the keys
    /// of any list held before.
    ///
    /// # Errors
    /// [`TrustListLoadError`]; the verifier is unchanged then.
    pub fn add_trust_list(
        &mut self,
        bytes: &[u8],
        at: UnixTime,
    ) -> Result<TrustListLoad, TrustListLoadError> {
        let signed = SignedTrustList::from_slice(bytes)?;
        let roots = self.roots.as_ref().ok_or(TrustListLoadError::NoRoots)?;
        signed.verify(roots)?;
        let list = signed.list();
        if list.issued_at.secs() > at.secs().saturating_add(self.clock_skew_secs) {
            return Err(TrustListFailure::IssuedInFuture {
                issued_at: list.issued_at,
                at,
            }
            .into());
        }
        if let Some(held) = &self.trust_list {
            let held_list = held.list.list();
            if held.list.as_bytes() == bytes {
                return Ok(TrustListLoad {
                    sequence: list.sequence,
                    ..TrustListLoad::default()
                });
            }
            if list.sequence <= held_list.sequence {
                return Err(TrustListFailure::RolledBack {
                    held: held_list.sequence,
                    offered: list.sequence,
                }
                .into());
            }
        }
        let mut store = roots.clone();
        for cert in &list.intermediates {
            store.add_certificate(cert.clone());
        }
        let mut load = TrustListLoad {
            sequence: list.sequence,
            ..TrustListLoad::default()
        };
        let mut listed = Vec::with_capacity(list.entries.len());
        for (index, entry) in list.entries.iter().enumerate() {
            let certified = store.certify(CertRole::DocumentSigner, &entry.certificate, &[]);
            match certified.failure() {
                None => load.document_signers += 1,
                // Entries of other roles are expected to fail as document
                // signers; that is only news for document-signer entries.
                Some(failure) if entry.role == CertRole::DocumentSigner => {
                    load.refused.push((index, failure.clone()));
                }
                Some(_) => {}
            }
            listed.push(TrustedKey::listed(
                Arc::new(certified),
                Arc::new(entry.clone()),
            ));
        }
        for candidates in self.keys.values_mut() {
            candidates.retain(|k| k.listed.is_none());
        }
        self.keys.retain(|_, candidates| !candidates.is_empty());
        for key in listed {
            self.trust(key);
        }
        self.trust_list = Some(HeldTrustList {
            list: Arc::new(signed),
        });
        Ok(load)
    }

    /// The trust list held, if any.
    pub fn trust_list(&self) -> Option<&SignedTrustList> {
        self.trust_list.as_ref().map(|held| held.list.as_ref())
    }

    /// Takes a signed status list token (see the module policy).
    ///
    /// # Errors
    /// [`StatusListLoadError`]; the verifier is unchanged then.
    pub fn add_status_list(
        &mut self,
        bytes: &[u8],
        at: UnixTime,
    ) -> Result<(), StatusListLoadError> {
        let token = SignedStatusList::from_slice(bytes)?;
        let roots = self.roots.as_ref().ok_or(StatusListLoadError::NoRoots)?;
        let chain = token.signer_chain();
        let Some(signer) = chain.first() else {
            return Err(StatusListLoadError::BadSignature);
        };
        token
            .verify_signature(signer.public_key())
            .map_err(|_| StatusListLoadError::BadSignature)?;
        let issued_at = token.issued_at();
        let mut carried: Vec<Certificate> = chain.get(1..).unwrap_or_default().to_vec();
        if let Some(held) = &self.trust_list {
            carried.extend(held.list.list().intermediates.iter().cloned());
        }
        let certified = roots.certify(CertRole::StatusSigner, signer, &carried);
        if let Some(failure) = certified.failure() {
            return Err(StatusListLoadError::SignerUntrusted {
                failure: failure.clone(),
            });
        }
        if !certified.valid_at(issued_at) {
            return Err(StatusListLoadError::SignerNotValidAtIssuance { issued_at });
        }
        if let Some(held) = &self.trust_list {
            let vouched = held.list.list().entries.iter().any(|e| {
                e.role == CertRole::StatusSigner
                    && &e.certificate == signer
                    && match e.state {
                        EntryState::Active => true,
                        EntryState::Retired { since } | EntryState::Revoked { since, .. } => {
                            issued_at < since
                        }
                    }
            });
            if !vouched {
                return Err(StatusListLoadError::SignerNotListed { issued_at });
            }
        }
        if issued_at.secs() > at.secs().saturating_add(self.clock_skew_secs) {
            return Err(StatusListLoadError::IssuedInFuture { issued_at, at });
        }
        let subject = token.subject();
        let number = subject
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| StatusListLoadError::BadSubject {
                subject: subject.chars().take(256).collect(),
            })?;
        let Some(authority) = certified.authority().cloned() else {
            // `certify` succeeds only for certificates naming an authority.
            return Err(StatusListLoadError::SignerUntrusted {
                failure: TrustFailure::NoAuthorityCode {
                    subject: signer.display_name(),
                },
            });
        };
        if let Some(held) = self
            .status_lists
            .get(&authority)
            .and_then(|lists| lists.get(&number))
            && held.issued_at() > issued_at
        {
            return Err(StatusListLoadError::Older {
                held: held.issued_at(),
                offered: issued_at,
            });
        }
        self.status_lists
            .entry(authority)
            .or_default()
            .insert(number, Arc::new(token));
        Ok(())
    }

    /// Whether the held trust list is past its next update at `at`: a
    /// warning, or with the grace period over too, a refusal.
    pub(super) fn trust_list_staleness(&self, at: UnixTime) -> Option<Reason> {
        let next_update = self.trust_list.as_ref()?.list.list().next_update;
        (at > next_update).then(|| Reason::TrustListStale {
            next_update,
            expired: at.secs()
                > next_update
                    .secs()
                    .saturating_add(self.trust_list_grace_secs),
        })
    }

    /// The licence's status from its issuer's status list.
    pub(super) fn status_of(
        &self,
        envelope: &SignedLicence,
        candidate: &TrustedKey,
        at: UnixTime,
    ) -> Result<Option<StatusInfo>, NoStatus> {
        let unknown = |detail: String| NoStatus::Unknown(Reason::StatusUnknown { detail });
        let licence = envelope.licence();
        let entry = candidate.listed.as_deref();
        let Some(reference) = licence.status() else {
            if entry.is_some_and(|e| e.status_base.is_some()) {
                return Err(unknown(
                    "the licence has no status reference, but its issuer publishes status lists"
                        .into(),
                ));
            }
            return Ok(None);
        };
        let authority = licence.issuer().code();
        let Some(token) = self
            .status_lists
            .get(authority)
            .and_then(|lists| lists.get(&reference.list))
        else {
            return Err(unknown(format!(
                "no status list {} of {authority} is loaded",
                reference.list
            )));
        };
        if let Some(entry) = entry.filter(|e| e.status_base.is_some())
            && !entry.is_status_list_uri(token.subject(), reference.list)
        {
            return Err(unknown(format!(
                "the loaded list {} of {authority} is {:?}, not {:?}",
                reference.list,
                token.subject(),
                entry.status_list_uri(reference.list).unwrap_or_default()
            )));
        }
        if !token.is_fresh_at(at) {
            return Err(NoStatus::Unknown(Reason::StatusStale {
                list: token.subject().to_owned(),
                since: token.stale_at(),
            }));
        }
        let value = token.list().get(reference.index).map_err(|_| {
            unknown(format!(
                "index {} is beyond the list's {} entries",
                reference.index,
                token.list().len()
            ))
        })?;
        let status = LicenceStatus::from_list_value(value)
            .ok_or(NoStatus::Refused(Reason::StatusUnregistered { value }))?;
        Ok(Some(StatusInfo {
            status,
            list: token.subject().to_owned(),
            index: reference.index,
            updated: token.issued_at(),
        }))
    }
}
