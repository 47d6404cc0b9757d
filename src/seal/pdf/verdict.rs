//! The sealed-licence policy: one function that the command line, the scan
//! endpoint and the C ABI all call, so no caller holds a rule of its own.
//!
//! A licence PDF is valid when, read once by the strict reader:
//! - its embedded licence verifies;
//! - at least one seal holds that is owned by the licence's issuing
//!   authority (`iss`), and every seal holds;
//! - every seal's owner is the issuer or a co-issuer the licence names;
//! - nothing was added after the last seal.
//!
//! Certificates carried in a seal's CMS only complete that seal's own
//! chain. The one exception: the signing certificate of a valid seal owned
//! by the issuer may also serve as the licence's document signer (with its
//! own chain to the store's roots), so roots alone verify a licence its
//! issuer sealed. No other carried certificate becomes a trusted signer.

use std::sync::Arc;

use serde_json::json;
use thiserror::Error;

use super::{AppliedSeal, SealPdfError, SealedPdf, check_document};
use crate::date::UnixTime;
use crate::envelope::SignedLicence;
use crate::ident::Uscc;
use crate::keys::PublicKey;
use crate::pdf::{Document, PdfError};
use crate::trust::TrustStore;
use crate::verify::{Lang, Outcome, TrustedKey, Verdict, Verifier};

/// Why a licence PDF as a whole is not valid. Each has a stable
/// [`code`](Self::code).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LicencePdfReason {
    /// The strict reader refused the file.
    #[error("the PDF cannot be read: {detail}")]
    UnreadablePdf {
        /// The reader's code.
        reader_code: &'static str,
        /// Its message.
        detail: String,
    },
    /// No licence envelope is attached, or it cannot be taken out.
    #[error("no licence envelope: {detail}")]
    NoEnvelope {
        /// Why.
        detail: String,
    },
    /// The embedded licence does not verify (its verdict says why).
    #[error("the licence inside is not valid")]
    LicenceInvalid,
    /// The PDF has no seal: its page is not sealed by anyone.
    #[error("the PDF is not sealed")]
    NotSealed,
    /// No valid seal of the licence's issuing authority.
    #[error("no valid seal of the issuing authority {issuer}")]
    NotSealedByIssuer {
        /// The licence's `iss`.
        issuer: String,
    },
    /// A seal whose owner the licence does not name as issuer or co-issuer.
    #[error("seal {field} belongs to {owner}, which the licence does not name")]
    SealOwnerNotNamed {
        /// The seal's field.
        field: String,
        /// Its owner.
        owner: String,
    },
    /// A seal that does not hold (its status says why).
    #[error("seal {field} does not hold: {code}")]
    SealInvalid {
        /// The seal's field (empty if its revision is not a seal's).
        field: String,
        /// Its failure's code.
        code: &'static str,
    },
    /// A revision that holds signature objects is not a well-formed seal:
    /// something of a signature no checked seal accounts for.
    #[error("signature objects in revision {revision} belong to no well-formed seal")]
    UnaccountedSignatureObject {
        /// The revision, from 0.
        revision: usize,
    },
    /// Bytes after the last seal's revision, which no seal covers.
    #[error("{len} bytes after the last seal are not sealed")]
    UnsealedBytesAfterLastSeal {
        /// How many.
        len: usize,
    },
    /// More seals than are checked.
    #[error("{count} seals; at most {} are checked", super::MAX_SEALS)]
    TooManySeals {
        /// How many.
        count: usize,
    },
}

impl LicencePdfReason {
    /// A stable code for logs and the command line.
    pub fn code(&self) -> &'static str {
        match self {
            LicencePdfReason::UnreadablePdf { .. } => "unreadable_pdf",
            LicencePdfReason::NoEnvelope { .. } => "no_envelope",
            LicencePdfReason::LicenceInvalid => "licence_invalid",
            LicencePdfReason::NotSealed => "not_sealed",
            LicencePdfReason::NotSealedByIssuer { .. } => "not_sealed_by_issuer",
            LicencePdfReason::SealOwnerNotNamed { .. } => "seal_owner_not_named",
            LicencePdfReason::SealInvalid { .. } => "seal_invalid",
            LicencePdfReason::UnaccountedSignatureObject { .. } => "unaccounted_signature_object",
            LicencePdfReason::UnsealedBytesAfterLastSeal { .. } => "unsealed_bytes_after_last_seal",
            LicencePdfReason::TooManySeals { .. } => "too_many_seals",
        }
    }

    /// What a person is told, in plain words (the code and the message
    /// carry the detail).
    pub fn explain(&self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            LicencePdfReason::UnreadablePdf { .. } => (
                "文件不是可读取的 PDF，或已损坏。",
                "The file is not a readable PDF, or it is damaged.",
            ),
            LicencePdfReason::NoEnvelope { .. } => (
                "文件中没有电子证照数据，不是本系统签发的电子证照文件。",
                "The file holds no licence data: it is not an electronic licence file.",
            ),
            LicencePdfReason::LicenceInvalid => (
                "文件中的电子证照本身未通过核验。",
                "The licence inside the file does not verify.",
            ),
            LicencePdfReason::NotSealed => (
                "文件未加盖电子印章。",
                "The file carries no electronic seal.",
            ),
            LicencePdfReason::NotSealedByIssuer { .. } => (
                "文件未加盖发证机关有效的电子印章。",
                "The file carries no valid seal of the issuing authority.",
            ),
            LicencePdfReason::SealOwnerNotNamed { .. } => (
                "文件上有证照未列明的单位加盖的印章。",
                "A seal on the file belongs to an organisation the licence does not name.",
            ),
            LicencePdfReason::SealInvalid { .. } => (
                "文件上的电子印章核验失败。",
                "A seal on the file does not verify.",
            ),
            LicencePdfReason::UnaccountedSignatureObject { .. }
            | LicencePdfReason::UnsealedBytesAfterLastSeal { .. } => (
                "文件在盖章后被改动过。",
                "The file was changed after it was sealed.",
            ),
            LicencePdfReason::TooManySeals { .. } => (
                "文件上的印章数量超出核验范围。",
                "The file carries more seals than are checked.",
            ),
        };
        if lang == Lang::Zh { zh } else { en }
    }
}

/// Why [`PdfVerifier::from_roots_and_keys_pem`] refused its text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TrustAnchorError {
    /// The bytes are not PEM text.
    #[error("not PEM text")]
    NotPem,
    /// A certificate block does not parse.
    #[error("certificate {index} (from 0) does not parse: {reason}")]
    Certificate {
        /// Its place among the certificate blocks.
        index: usize,
        /// Why.
        reason: String,
    },
    /// A public key block does not parse.
    #[error("public key {index} (from 0) does not parse: {reason}")]
    Key {
        /// Its place among the key blocks.
        index: usize,
        /// Why.
        reason: String,
    },
    /// Neither a certificate nor a key.
    #[error("no root certificate and no public key")]
    Empty,
}

/// What [`PdfVerifier::verify`] found.
#[derive(Debug, Clone)]
pub struct LicencePdfVerdict {
    licence: Option<Verdict>,
    seals: Vec<AppliedSeal>,
    unsealed_tail: usize,
    reasons: Vec<LicencePdfReason>,
}

impl LicencePdfVerdict {
    fn refused(reason: LicencePdfReason) -> Self {
        LicencePdfVerdict {
            licence: None,
            seals: Vec::new(),
            unsealed_tail: 0,
            reasons: vec![reason],
        }
    }

    /// Whether the licence PDF is valid as a whole.
    pub fn is_valid(&self) -> bool {
        self.reasons.is_empty()
    }

    /// The embedded licence's verdict, if an envelope was found.
    pub fn licence(&self) -> Option<&Verdict> {
        self.licence.as_ref()
    }

    /// What a person is told about the file as a whole: the licence's own
    /// outcome when it is not valid (revoked, expired… say more than "the
    /// seal is missing"), valid only when the file is, else invalid.
    pub fn outcome(&self) -> Outcome {
        match self.licence.as_ref().map(Verdict::outcome) {
            Some(outcome) if outcome != Outcome::Valid => outcome,
            Some(_) if self.is_valid() => Outcome::Valid,
            _ => Outcome::Invalid,
        }
    }

    /// Whether the licence alone (not its seals) is valid.
    pub fn licence_is_valid(&self) -> bool {
        self.licence.as_ref().is_some_and(Verdict::is_valid)
    }

    /// Every seal, in the order applied, with its status.
    pub fn seals(&self) -> &[AppliedSeal] {
        &self.seals
    }

    /// Bytes after the last seal's revision that no seal covers.
    pub fn unsealed_tail(&self) -> usize {
        self.unsealed_tail
    }

    /// Why the file is not valid; empty if it is.
    pub fn reasons(&self) -> &[LicencePdfReason] {
        &self.reasons
    }

    /// The file's reason codes, then each failing seal's status code, once
    /// each.
    pub fn codes(&self) -> Vec<&'static str> {
        let mut codes: Vec<&'static str> = Vec::new();
        let seal_codes = self
            .seals
            .iter()
            .filter_map(|s| s.status.as_ref().err())
            .map(|f| f.code());
        for code in self
            .reasons
            .iter()
            .map(LicencePdfReason::code)
            .chain(seal_codes)
        {
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        codes
    }

    /// The verdict as JSON: `valid` (the whole file), `licence_valid`, the
    /// licence verdict's fields, `seals` and `pdf_reasons`.
    pub fn to_json_value(&self) -> serde_json::Value {
        let mut value = self
            .licence
            .as_ref()
            .map_or_else(|| json!({}), Verdict::to_json_value);
        let seals: Vec<serde_json::Value> = self.seals.iter().map(seal_json).collect();
        let reasons: Vec<serde_json::Value> = self
            .reasons
            .iter()
            .map(|r| json!({ "code": r.code(), "message": r.to_string() }))
            .collect();
        if let Some(object) = value.as_object_mut() {
            object.insert("valid".into(), json!(self.is_valid()));
            object.insert("licence_valid".into(), json!(self.licence_is_valid()));
            object.insert("seals".into(), json!(seals));
            object.insert(
                "sealed_intact".into(),
                json!(
                    !self.seals.is_empty()
                        && self.unsealed_tail == 0
                        && self.seals.iter().all(|s| s.status.is_ok())
                ),
            );
            object.insert(
                "unsealed_bytes_after_last_seal".into(),
                json!(self.unsealed_tail),
            );
            object.insert("pdf_reasons".into(), json!(reasons));
        }
        value
    }
}

fn seal_json(seal: &AppliedSeal) -> serde_json::Value {
    let info = seal.seal.as_ref().map(|s| s.info());
    json!({
        "field": seal.field,
        "revision": seal.revision,
        "covers_bytes": seal.covered_len,
        "seal_id": info.map(|i| i.id()),
        "name": info.map(|i| i.name()),
        "owner": info.map(|i| i.owner().to_string()),
        "purpose": info.and_then(|i| i.purpose()),
        "signer": seal.signer.as_ref().map(|c| json!({
            "name": c.common_name(),
            "authority_code": c.authority_code().map(ToString::to_string),
        })),
        "signed_at": seal.signed_at.map(|t| t.to_rfc3339_utc()),
        "status": match &seal.status {
            Ok(()) => "valid",
            Err(failure) => failure.code(),
        },
        "message": seal.status.as_ref().err().map(ToString::to_string),
    })
}

/// Verifies licence PDFs: built once from the trust store (roots, and any
/// intermediates and document signers the caller trusts) and optional bare
/// keys, then used for many files.
#[derive(Debug, Clone)]
pub struct PdfVerifier {
    store: TrustStore,
    verifier: Verifier,
}

impl PdfVerifier {
    /// A verifier trusting the store's roots for seals and licences.
    pub fn new(store: TrustStore) -> PdfVerifier {
        let verifier = Verifier::new([]).with_trust_store(&store);
        PdfVerifier { store, verifier }
    }

    /// A verifier from one PEM text holding root certificates, bare
    /// `PUBLIC KEY` blocks (trusted as licence signers), or both: what an
    /// embedding program hands over in one buffer.
    ///
    /// # Errors
    /// [`TrustAnchorError`] when a block does not parse or nothing usable
    /// is found.
    pub fn from_roots_and_keys_pem(bytes: &[u8]) -> Result<PdfVerifier, TrustAnchorError> {
        let text = std::str::from_utf8(bytes).map_err(|_| TrustAnchorError::NotPem)?;
        if text.trim().is_empty() {
            return Err(TrustAnchorError::Empty);
        }
        if !text.contains("-----BEGIN") {
            return Err(TrustAnchorError::NotPem);
        }
        let mut store = TrustStore::new();
        let roots = store.load_roots(bytes);
        if let Some((index, error)) = roots.skipped.first() {
            return Err(TrustAnchorError::Certificate {
                index: *index,
                reason: error.to_string(),
            });
        }
        let (keys, refused) = PublicKey::all_from_pem(text);
        if let Some((index, error)) = refused.first() {
            return Err(TrustAnchorError::Key {
                index: *index,
                reason: error.to_string(),
            });
        }
        if roots.added == 0 && keys.is_empty() {
            return Err(TrustAnchorError::Empty);
        }
        Ok(PdfVerifier::new(store).with_keys(keys.into_iter().map(TrustedKey::new)))
    }

    /// The verifier of the licence inside, which checks QR texts and
    /// envelopes with the same trust.
    pub fn licence_verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The licence verifier, to load trust and status lists into.
    pub fn licence_verifier_mut(&mut self) -> &mut Verifier {
        &mut self.verifier
    }

    /// Also trusts these bare keys as licence signers.
    pub fn with_keys(mut self, keys: impl IntoIterator<Item = TrustedKey>) -> PdfVerifier {
        for key in keys {
            self.verifier = self.verifier.with_trusted_key(key);
        }
        self
    }

    /// Verifies the licence inside with `verifier` (for instance one holding
    /// a trust list and status lists, or with another status policy), which
    /// also gets this verifier's store. When it holds a trust list, the
    /// list alone says who signs licences: the certificates that sign the
    /// issuer's seals no longer vouch for the licence by themselves.
    pub fn with_licence_verifier(mut self, verifier: Verifier) -> PdfVerifier {
        self.verifier = verifier.with_trust_store(&self.store);
        self
    }

    /// Judges a licence PDF at time `at` (see the module's policy).
    pub fn verify(&self, pdf: &[u8], at: UnixTime) -> LicencePdfVerdict {
        let doc = match Document::read(pdf) {
            Ok(doc) => doc,
            Err(e) => {
                return LicencePdfVerdict::refused(LicencePdfReason::UnreadablePdf {
                    reader_code: e.code(),
                    detail: e.to_string(),
                });
            }
        };
        let sealed = match check_document(&doc, &self.store) {
            Ok(sealed) => sealed,
            Err(SealPdfError::TooManySeals { count }) => {
                return LicencePdfVerdict::refused(LicencePdfReason::TooManySeals { count });
            }
            Err(e) => {
                let reader_code = match &e {
                    SealPdfError::Read(r) => r.code(),
                    _ => "pdf_syntax",
                };
                return LicencePdfVerdict::refused(LicencePdfReason::UnreadablePdf {
                    reader_code,
                    detail: e.to_string(),
                });
            }
        };
        // The licence as the seals sealed it: the view of the last seal's
        // revision (later bytes are unsealed, and refused below).
        let view = sealed
            .seals
            .iter()
            .map(|s| s.revision)
            .max()
            .unwrap_or(doc.latest());
        let envelope = match crate::pdf::envelope_in(&doc, view) {
            Ok(bytes) => bytes,
            Err(e) => {
                let mut verdict = LicencePdfVerdict::refused(LicencePdfReason::NoEnvelope {
                    detail: e.to_string(),
                });
                if let PdfError::Read(r) = e {
                    verdict.reasons = vec![LicencePdfReason::UnreadablePdf {
                        reader_code: r.code(),
                        detail: r.to_string(),
                    }];
                }
                verdict.seals = sealed.seals;
                return verdict;
            }
        };
        self.judge(&envelope, sealed, at)
    }

    fn judge(&self, envelope: &[u8], sealed: SealedPdf, at: UnixTime) -> LicencePdfVerdict {
        let mut reasons = Vec::new();
        let decoded = SignedLicence::from_slice(envelope).ok();
        let issuer: Option<Uscc> = decoded
            .as_ref()
            .map(|e| e.licence().issuer().code().clone());
        let named = |owner: &Uscc| {
            decoded.as_ref().is_some_and(|e| {
                e.licence().issuer().code() == owner
                    || e.licence().co_issuers().iter().any(|c| c.code() == owner)
            })
        };
        let issuer_seals: Vec<&AppliedSeal> = sealed
            .seals
            .iter()
            .filter(|s| {
                s.status.is_ok()
                    && s.seal.as_ref().map(|r| r.info().owner()) == issuer.as_ref()
                    && issuer.is_some()
            })
            .collect();
        let mut verifier = self.verifier.clone();
        let seal_signers_vouch = verifier.trust_list().is_none();
        for seal in issuer_seals.iter().filter(|_| seal_signers_vouch) {
            if let Some(signer) = &seal.signer {
                let certified = self.store.certify(
                    crate::trust::CertRole::DocumentSigner,
                    signer,
                    &seal.certificates,
                );
                verifier = verifier.with_trusted_key(TrustedKey::certified(Arc::new(certified)));
            }
        }
        let licence = verifier.verify_bytes(envelope, at);
        if !licence.is_valid() {
            reasons.push(LicencePdfReason::LicenceInvalid);
        }
        if sealed.seals.is_empty() {
            reasons.push(LicencePdfReason::NotSealed);
        } else if issuer_seals.is_empty() {
            reasons.push(LicencePdfReason::NotSealedByIssuer {
                issuer: issuer.map(|c| c.to_string()).unwrap_or_default(),
            });
        }
        for seal in &sealed.seals {
            if let Err(failure) = &seal.status {
                reasons.push(LicencePdfReason::SealInvalid {
                    field: seal.field.clone(),
                    code: failure.code(),
                });
                if matches!(
                    failure,
                    super::SealCheckFailure::MalformedSealRevision { .. }
                ) {
                    reasons.push(LicencePdfReason::UnaccountedSignatureObject {
                        revision: seal.revision,
                    });
                }
            }
            if let Some(record) = &seal.seal
                && !named(record.info().owner())
            {
                reasons.push(LicencePdfReason::SealOwnerNotNamed {
                    field: seal.field.clone(),
                    owner: record.info().owner().to_string(),
                });
            }
        }
        if !sealed.seals.is_empty() && sealed.unsealed_tail > 0 {
            reasons.push(LicencePdfReason::UnsealedBytesAfterLastSeal {
                len: sealed.unsealed_tail,
            });
        }
        LicencePdfVerdict {
            licence: Some(licence),
            seals: sealed.seals,
            unsealed_tail: sealed.unsealed_tail,
            reasons,
        }
    }
}

/// [`PdfVerifier::verify`]: the one entry point for a licence PDF.
pub fn verify_licence_pdf(pdf: &[u8], verifier: &PdfVerifier, at: UnixTime) -> LicencePdfVerdict {
    verifier.verify(pdf, at)
}
