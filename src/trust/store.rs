//! The trust store: roots the verifier trusts, intermediate CAs, and the
//! issuing authorities' document signer certificates (DSCs), each DSC's chain
//! to a root checked once, when a [`crate::Verifier`] is built from the store.
//!
//! Policy (also in `test-vectors/FORMAT.md` §5 and the README):
//! - A DSC is trusted when a chain of at most [`MAX_CHAIN_LEN`] certificates
//!   leads from it to a root: every link's issuer name equals the next
//!   certificate's subject and its signature verifies (strict Ed25519) under
//!   that certificate's key; every certificate above the DSC is a CA
//!   (basicConstraints), has keyCertSign if it has a key usage extension, and
//!   its pathLenConstraint allows the intermediates below it; the DSC is not a
//!   CA, has a key usage extension with digitalSignature, and names its
//!   authority's unified social credit code. Every path is followed (up to
//!   [`MAX_SIGNATURE_CHECKS`]): a CA renewed under the same name and key gives
//!   a DSC several chains, and one of them valid at issuance is enough. CA
//!   certificates' keys are candidates too, refused as `wrong_key_usage`, so
//!   a licence signed with a CA key is not reported as an unknown key.
//! - Chains are built for one [`CertRole`]: the signer's extended key usage
//!   must name exactly that role (`wrong_role` otherwise), and an end-entity
//!   certificate with keyCertSign or cRLSign is refused
//!   (`end_entity_ca_usage`): a key that may certify must not sign documents.
//! - An issuer candidate has the child's issuer name and, when the child has
//!   an authorityKeyIdentifier and the candidate a subjectKeyIdentifier,
//!   that identifier. A signature is checked once per child certificate and
//!   issuer key, so renewals of a CA (same name and key) cost no second
//!   check of what they certify; a candidate that cannot widen the periods
//!   already found is not followed; a candidate already on the path is a
//!   loop (`chain_loop`), not a longer chain.
//! - Time follows the chain model: every certificate of the chain must have
//!   been valid when the licence was signed (`iat`). A licence signed before
//!   a key was rotated out stays valid until its own expiry, since its DSC was
//!   valid at issuance; the licence's own validity is checked at the
//!   verification time as before.
//! - The DSC's authority code must equal the licence's `iss`.

use std::collections::HashMap;
use std::sync::Arc;

use thiserror::Error;

use super::cert::{CertError, Certificate, parse_bundle};
use super::role::CertRole;
use crate::date::UnixTime;
use crate::ident::Uscc;

/// Longest chain accepted, DSC and root included.
pub const MAX_CHAIN_LEN: usize = 5;
/// Most signature checks spent on one signer's chain: a store with many
/// certificates under one name must not make chain building expensive.
pub const MAX_SIGNATURE_CHECKS: usize = 32;

/// Why a document signer is not trusted. Each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TrustFailure {
    /// No chain from the signer leads to a trusted root.
    #[error("no chain from {subject} leads to a trusted root (stops at issuer {issuer})")]
    UntrustedRoot {
        /// The certificate whose issuer is unknown.
        subject: String,
        /// That issuer's name.
        issuer: String,
    },
    /// A certificate names a known issuer but its signature does not verify.
    #[error("{subject}'s signature does not verify under its issuer {issuer}")]
    BrokenChain {
        /// The certificate.
        subject: String,
        /// The issuer it names.
        issuer: String,
    },
    /// A certificate above the signer is not a CA.
    #[error("{subject} signs certificates but is not a CA")]
    NotCa {
        /// The certificate.
        subject: String,
    },
    /// A key usage that does not allow what the certificate is used for.
    #[error("{subject}'s key usage does not allow {needed}")]
    WrongKeyUsage {
        /// The certificate.
        subject: String,
        /// `keyCertSign` or `digitalSignature`, or `signing licences` for a CA
        /// certificate used as a document signer.
        needed: &'static str,
    },
    /// The chain is longer than a CA's pathLenConstraint or [`MAX_CHAIN_LEN`],
    /// or building it took more than [`MAX_SIGNATURE_CHECKS`] signature checks.
    #[error("the chain through {subject} is longer than allowed")]
    ChainTooLong {
        /// The certificate whose limit is exceeded.
        subject: String,
    },
    /// The signer certificate names no authority code.
    #[error("{subject} names no unified social credit code (organizationIdentifier)")]
    NoAuthorityCode {
        /// The certificate.
        subject: String,
    },
    /// The signer certificate's role (its extended key usage) is not the one
    /// the document needs.
    #[error("{subject} is certified as {}, not as {needed}", found.map_or("no role", CertRole::name))]
    WrongRole {
        /// The certificate.
        subject: String,
        /// The role the document needs.
        needed: CertRole,
        /// The role the certificate names, if any.
        found: Option<CertRole>,
    },
    /// An end-entity certificate whose key usage allows certifying.
    #[error("{subject} is not a CA but its key usage allows {usage}")]
    EndEntityCaUsage {
        /// The certificate.
        subject: String,
        /// `keyCertSign` or `cRLSign`.
        usage: &'static str,
    },
    /// The issuer candidates lead back to a certificate already on the path
    /// (two CAs naming each other as issuer). A self-signed CA that is not
    /// a root is `UntrustedRoot` instead.
    #[error("the chain loops back to {subject}")]
    ChainLoop {
        /// The certificate met a second time.
        subject: String,
    },
}

impl TrustFailure {
    /// A stable, short machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            TrustFailure::UntrustedRoot { .. } => "untrusted_root",
            TrustFailure::BrokenChain { .. } => "broken_chain",
            TrustFailure::NotCa { .. } => "not_a_ca",
            TrustFailure::WrongKeyUsage { .. } => "wrong_key_usage",
            TrustFailure::ChainTooLong { .. } => "chain_too_long",
            TrustFailure::NoAuthorityCode { .. } => "no_authority_code",
            TrustFailure::WrongRole { .. } => "wrong_role",
            TrustFailure::EndEntityCaUsage { .. } => "end_entity_ca_usage",
            TrustFailure::ChainLoop { .. } => "chain_loop",
        }
    }
}

/// A document signer with its chain checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSigner {
    certificate: Certificate,
    role: CertRole,
    chains: Result<Vec<Chain>, TrustFailure>,
}

/// What a valid chain allows: the period in which every certificate of it is
/// valid, and the authority it names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Chain {
    not_before: UnixTime,
    not_after: UnixTime,
    authority: Uscc,
}

impl DocumentSigner {
    /// The signer's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The role the chains were checked for (the certificate's own is
    /// [`Certificate::role`]).
    pub fn role(&self) -> CertRole {
        self.role
    }

    /// Why the signer is not trusted, if it is not.
    pub fn failure(&self) -> Option<&TrustFailure> {
        self.chains.as_ref().err()
    }

    /// For each valid chain, the period in which all of it is valid.
    pub fn valid_periods(&self) -> Vec<(UnixTime, UnixTime)> {
        self.chains
            .iter()
            .flatten()
            .map(|c| (c.not_before, c.not_after))
            .collect()
    }

    /// Whether some valid chain was valid, all of it, at `at`.
    pub fn valid_at(&self, at: UnixTime) -> bool {
        self.chains
            .iter()
            .flatten()
            .any(|c| c.not_before <= at && at <= c.not_after)
    }

    /// The authority code the chains vouch for, if the signer is trusted.
    pub fn authority(&self) -> Option<&Uscc> {
        self.chains
            .as_ref()
            .ok()
            .and_then(|chains| chains.first())
            .map(|c| &c.authority)
    }
}

/// What a bulk load added and what it skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Certificates added.
    pub added: usize,
    /// Entries that were not certificates, by position in the input, with why.
    pub skipped: Vec<(usize, CertError)>,
}

/// Roots, intermediate CAs and document signer certificates.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    roots: Vec<Certificate>,
    intermediates: Vec<Certificate>,
    signers: Vec<Certificate>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> TrustStore {
        TrustStore::default()
    }

    /// Trusts `root` as an anchor. Anchors are trusted as configured: their
    /// own signature and dates are not what makes them trusted, but their
    /// validity period still bounds the chains under them.
    pub fn add_root(&mut self, root: Certificate) -> &mut TrustStore {
        if !self.roots.contains(&root) {
            self.roots.push(root);
        }
        self
    }

    /// Adds a certificate that is not trusted by itself: a CA certificate
    /// becomes a possible intermediate, any other a document signer.
    pub fn add_certificate(&mut self, cert: Certificate) -> &mut TrustStore {
        let list = if cert.is_ca() {
            &mut self.intermediates
        } else {
            &mut self.signers
        };
        if !list.contains(&cert) {
            list.push(cert);
        }
        self
    }

    /// Adds a document signer certificate even if it claims to be a CA (the
    /// verdict will then say it is the wrong kind of certificate).
    pub fn add_signer(&mut self, cert: Certificate) -> &mut TrustStore {
        if !self.signers.contains(&cert) {
            self.signers.push(cert);
        }
        self
    }

    /// Trusts every certificate in a PEM bundle or DER file as a root.
    pub fn load_roots(&mut self, bytes: &[u8]) -> LoadReport {
        let (certs, skipped) = parse_bundle(bytes);
        let added = certs.len();
        for cert in certs {
            self.add_root(cert);
        }
        LoadReport { added, skipped }
    }

    /// Adds every certificate in a PEM bundle or DER file with
    /// [`TrustStore::add_certificate`].
    pub fn load_certificates(&mut self, bytes: &[u8]) -> LoadReport {
        let (certs, skipped) = parse_bundle(bytes);
        let added = certs.len();
        for cert in certs {
            self.add_certificate(cert);
        }
        LoadReport { added, skipped }
    }

    /// The roots.
    pub fn roots(&self) -> &[Certificate] {
        &self.roots
    }

    /// [`TrustStore::signers_for`] the document signer role.
    pub fn document_signers(&self) -> Vec<Arc<DocumentSigner>> {
        self.signers_for(CertRole::DocumentSigner)
    }

    /// Every certificate as a signer for `role`, with its chains checked.
    /// Certificates of other roles and CA certificates are listed too, as
    /// signers that may not sign for `role`, so that a document signed with
    /// such a key is refused for that and not as an unknown key.
    pub fn signers_for(&self, role: CertRole) -> Vec<Arc<DocumentSigner>> {
        self.signers
            .iter()
            .chain(&self.intermediates)
            .chain(&self.roots)
            .map(|cert| {
                Arc::new(DocumentSigner {
                    certificate: cert.clone(),
                    role,
                    chains: self.chains(role, cert),
                })
            })
            .collect()
    }

    /// Checks `signer`'s chains with this store's roots and intermediates plus
    /// `carried`: certificates that came with a document (a CMS signature's
    /// certificate set, a seal record's chain). Carried certificates are never
    /// anchors: only CA certificates among them can be links, and only the
    /// store's roots end a chain. The signer must be certified for `role`.
    pub fn certify(
        &self,
        role: CertRole,
        signer: &Certificate,
        carried: &[Certificate],
    ) -> DocumentSigner {
        let chains = if carried.iter().any(Certificate::is_ca) {
            let mut widened = self.clone();
            for cert in carried.iter().filter(|c| c.is_ca()) {
                widened.add_certificate(cert.clone());
            }
            widened.chains(role, signer)
        } else {
            self.chains(role, signer)
        };
        DocumentSigner {
            certificate: signer.clone(),
            role,
            chains,
        }
    }

    /// Checks the chains from `signer` to a root (see the module's policy):
    /// every valid path is kept, since renewed CA certificates give one signer
    /// several chains with different validity periods. If there is none, the
    /// failure of the first path tried is the answer.
    fn chains(&self, role: CertRole, signer: &Certificate) -> Result<Vec<Chain>, TrustFailure> {
        if signer.is_ca() {
            return Err(TrustFailure::WrongKeyUsage {
                subject: signer.display_name(),
                needed: "signing licences (it is a CA certificate)",
            });
        }
        if let Some(usage) = signer.key_usage() {
            let certifying = [
                (usage.key_cert_sign, "keyCertSign"),
                (usage.crl_sign, "cRLSign"),
            ];
            if let Some((_, name)) = certifying.into_iter().find(|(set, _)| *set) {
                return Err(TrustFailure::EndEntityCaUsage {
                    subject: signer.display_name(),
                    usage: name,
                });
            }
        }
        if !signer.key_usage().is_some_and(|k| k.digital_signature) {
            return Err(TrustFailure::WrongKeyUsage {
                subject: signer.display_name(),
                needed: "digitalSignature",
            });
        }
        if signer.role() != Some(role) {
            return Err(TrustFailure::WrongRole {
                subject: signer.display_name(),
                needed: role,
                found: signer.role(),
            });
        }
        let authority =
            signer
                .authority_code()
                .cloned()
                .ok_or_else(|| TrustFailure::NoAuthorityCode {
                    subject: signer.display_name(),
                })?;
        let mut search = Search {
            store: self,
            budget: MAX_SIGNATURE_CHECKS,
            checked: HashMap::new(),
            path: vec![signer],
            found: Vec::new(),
            first_failure: None,
        };
        search.extend(signer, 1, 0, (signer.not_before(), signer.not_after()));
        if search.found.is_empty() {
            return Err(search.first_failure.unwrap_or(TrustFailure::UntrustedRoot {
                subject: signer.display_name(),
                issuer: issuer_name(signer),
            }));
        }
        Ok(search
            .found
            .into_iter()
            .map(|(not_before, not_after)| Chain {
                not_before,
                not_after,
                authority: authority.clone(),
            })
            .collect())
    }

    /// Every certificate whose name is `cert`'s issuer name (and whose key
    /// identifier is `cert`'s authority key identifier, when both are
    /// written): roots first, then intermediates, then (last, so a chain
    /// through one is reported as such rather than as an unknown issuer)
    /// non-CA certificates. `cert` itself is a candidate if it is
    /// self-issued, so that the search sees the loop.
    fn named_issuers<'a>(
        &'a self,
        cert: &'a Certificate,
    ) -> impl Iterator<Item = (&'a Certificate, bool)> {
        let named = move |c: &&Certificate| {
            c.subject_der() == cert.issuer_der()
                && match (cert.authority_key_id(), c.subject_key_id()) {
                    (Some(authority), Some(subject)) => authority == subject,
                    _ => true,
                }
        };
        let roots = self.roots.iter().filter(named).map(|c| (c, true));
        let others = self
            .intermediates
            .iter()
            .chain(&self.signers)
            .filter(named)
            .map(|c| (c, false));
        roots.chain(others)
    }
}

/// A bounded depth-first search for chains to a root.
struct Search<'a> {
    store: &'a TrustStore,
    /// Signature checks left.
    budget: usize,
    /// Signature results by (child DER, issuer key): renewed CA certificates
    /// share a key, so what one of them certifies is checked once for all.
    checked: HashMap<(&'a [u8], [u8; 32]), bool>,
    /// The certificates from the signer up to the one being extended.
    path: Vec<&'a Certificate>,
    /// The common validity period of each chain found.
    found: Vec<(UnixTime, UnixTime)>,
    first_failure: Option<TrustFailure>,
}

impl<'a> Search<'a> {
    fn fail(&mut self, failure: TrustFailure) {
        if self.first_failure.is_none() {
            self.first_failure = Some(failure);
        }
    }

    /// Whether a path whose common period is at most `period` could only
    /// give what is already found: no new time at which a chain is valid.
    /// Only once something is found, so that failures are still reported
    /// from the first path tried.
    fn adds_nothing(&self, period: (UnixTime, UnixTime)) -> bool {
        !self.found.is_empty()
            && (period.0 > period.1
                || self
                    .found
                    .iter()
                    .any(|f| f.0 <= period.0 && period.1 <= f.1))
    }

    /// Whether `issuer`'s key signed `child`, from the memo if it was asked
    /// before; `None` once the budget is spent.
    fn signed(&mut self, child: &'a Certificate, issuer: &'a Certificate) -> Option<bool> {
        let key = (child.der(), issuer.public_key().to_bytes());
        if let Some(known) = self.checked.get(&key) {
            return Some(*known);
        }
        if self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        let signed = child.signature_verifies(issuer.public_key());
        self.checked.insert(key, signed);
        Some(signed)
    }

    /// Extends the path that has reached `cert` (the `len`th certificate,
    /// `intermediates_below` CAs above the signer so far) with each issuer.
    fn extend(
        &mut self,
        cert: &'a Certificate,
        len: usize,
        intermediates_below: u32,
        period: (UnixTime, UnixTime),
    ) {
        if len >= MAX_CHAIN_LEN {
            self.fail(TrustFailure::ChainTooLong {
                subject: cert.display_name(),
            });
            return;
        }
        let store = self.store;
        let mut any_named = false;
        let mut any_signed = false;
        for (issuer, is_root) in store.named_issuers(cert) {
            any_named = true;
            let period = (
                period.0.max(issuer.not_before()),
                period.1.min(issuer.not_after()),
            );
            if self.adds_nothing(period) {
                continue;
            }
            if !is_root && self.path.iter().any(|c| c.der() == issuer.der()) {
                // Checked before the signature: a loop is a loop whoever
                // signed it, and following it would only spend the budget.
                // A self-signed CA that is not a root is where the path
                // ends: an anchor this store does not trust.
                any_signed = true;
                self.fail(if issuer.der() == cert.der() {
                    TrustFailure::UntrustedRoot {
                        subject: cert.display_name(),
                        issuer: issuer_name(cert),
                    }
                } else {
                    TrustFailure::ChainLoop {
                        subject: issuer.display_name(),
                    }
                });
                continue;
            }
            let Some(signed) = self.signed(cert, issuer) else {
                self.fail(TrustFailure::ChainTooLong {
                    subject: cert.display_name(),
                });
                return;
            };
            if !signed {
                continue;
            }
            any_signed = true;
            if !issuer.is_ca() {
                self.fail(TrustFailure::NotCa {
                    subject: issuer.display_name(),
                });
                continue;
            }
            if issuer.key_usage().is_some_and(|k| !k.key_cert_sign) {
                self.fail(TrustFailure::WrongKeyUsage {
                    subject: issuer.display_name(),
                    needed: "keyCertSign",
                });
                continue;
            }
            if issuer
                .path_len()
                .is_some_and(|limit| intermediates_below > limit)
            {
                self.fail(TrustFailure::ChainTooLong {
                    subject: issuer.display_name(),
                });
                continue;
            }
            if is_root {
                if !self.found.contains(&period) {
                    self.found.push(period);
                }
            } else {
                self.path.push(issuer);
                self.extend(issuer, len + 1, intermediates_below + 1, period);
                self.path.pop();
            }
        }
        if !any_signed {
            self.fail(if any_named {
                TrustFailure::BrokenChain {
                    subject: cert.display_name(),
                    issuer: issuer_name(cert),
                }
            } else {
                TrustFailure::UntrustedRoot {
                    subject: cert.display_name(),
                    issuer: issuer_name(cert),
                }
            });
        }
    }
}

/// The issuer's commonName as text, for messages.
fn issuer_name(cert: &Certificate) -> String {
    <x509_parser::prelude::X509Name as x509_parser::prelude::FromDer<_>>::from_der(
        cert.issuer_der(),
    )
    .ok()
    .and_then(|(_, n)| {
        n.iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok().map(str::to_owned))
    })
    .unwrap_or_else(|| "(unnamed issuer)".to_owned())
}
