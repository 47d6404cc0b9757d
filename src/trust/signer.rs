//! Signing as a certified document signer: the key together with the
//! certificate that vouches for it, checked before anything is signed the
//! way a verifier will check it afterwards. A licence signed in another
//! authority's name, or under a certificate that is a CA's, expired or of
//! another role, would only be refused later, by every verifier that
//! scans it; here it is refused before it exists.

use thiserror::Error;

use super::cert::{Certificate, chain_for_key, parse_bundle};
use super::role::CertRole;
use crate::date::UnixTime;
use crate::envelope::{EnvelopeError, IssueError, SignedLicence};
use crate::ident::Uscc;
use crate::keys::{KeyId, PublicKey, Signer};
use crate::licence::Licence;

/// Why a key and certificate cannot sign, or cannot sign this licence.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SignerCertError {
    /// The bundle holds no certificate that parses.
    #[error("no usable certificate")]
    NoCertificate,
    /// No certificate in the bundle is for this key.
    #[error("no certificate certifies the key (key id {key_id})")]
    NotForThisKey {
        /// The key's id.
        key_id: KeyId,
    },
    /// The key's certificate is a CA's.
    #[error("a CA certificate, not a document signer certificate")]
    CaCertificate,
    /// The certificate's role is not document signing.
    #[error("its role is {}, not document-signer", role.map_or("none", CertRole::name))]
    WrongRole {
        /// The role it has, if any.
        role: Option<CertRole>,
    },
    /// Its key usage does not allow signatures.
    #[error("its key usage does not allow digitalSignature")]
    NoDigitalSignature,
    /// It names no authority (organizationIdentifier 2.5.4.97).
    #[error("names no authority code (organizationIdentifier 2.5.4.97)")]
    NoAuthority,
    /// It is not valid at the signing time.
    #[error("valid from {not_before} to {not_after}, not at the signing time {at}")]
    NotValidAt {
        /// Its first second.
        not_before: UnixTime,
        /// Its last second.
        not_after: UnixTime,
        /// The signing time.
        at: UnixTime,
    },
    /// The licence names another authority than the certificate.
    #[error(
        "the licence names the issuer {name} ({claimed}) but the certificate certifies {certified}; refusing to sign in another authority's name"
    )]
    IssuerMismatch {
        /// The issuer's name in the licence.
        name: String,
        /// The issuer's code in the licence.
        claimed: Uscc,
        /// The certified authority, as the certificate names it.
        certified: String,
    },
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] IssueError),
    /// The chain cannot be carried in the envelope.
    #[error("the certificate chain cannot be carried: {0}")]
    Chain(#[from] EnvelopeError),
}

impl SignerCertError {
    /// A stable code for logs and other languages.
    pub fn code(&self) -> &'static str {
        match self {
            SignerCertError::NoCertificate => "no_certificate",
            SignerCertError::NotForThisKey { .. } => "not_for_this_key",
            SignerCertError::CaCertificate => "ca_certificate",
            SignerCertError::WrongRole { .. } => "wrong_role",
            SignerCertError::NoDigitalSignature => "no_digital_signature",
            SignerCertError::NoAuthority => "no_authority",
            SignerCertError::NotValidAt { .. } => "not_valid_at",
            SignerCertError::IssuerMismatch { .. } => "issuer_mismatch",
            SignerCertError::Sign(_) => "sign",
            SignerCertError::Chain(_) => "chain",
        }
    }
}

/// The document signer certificate for one key, checked; it signs with
/// that key (held by the caller, or in an HSM behind [`Signer`]).
#[derive(Debug, Clone)]
pub struct CertifiedSigner {
    key: PublicKey,
    certificate: Certificate,
    authority: Uscc,
    chain: Vec<Certificate>,
}

impl CertifiedSigner {
    /// The certificate for `key` found in `bundle` (PEM or one DER
    /// certificate; the bundle's CA certificates become the chain that
    /// `.cose` files carry). A bundle may hold renewals of one key: the
    /// one valid at `at` is taken.
    ///
    /// # Errors
    /// Any [`SignerCertError`] but the last three: the certificate must be
    /// for the key, not a CA's, of the document-signer role, allow
    /// signatures, name an authority and be valid at `at`.
    pub fn from_bundle(
        key: &PublicKey,
        bundle: &[u8],
        at: UnixTime,
    ) -> Result<CertifiedSigner, SignerCertError> {
        let (certs, _) = parse_bundle(bundle);
        if certs.is_empty() {
            return Err(SignerCertError::NoCertificate);
        }
        CertifiedSigner::new(key, certs, at)
    }

    /// As [`CertifiedSigner::from_bundle`], from certificates already read.
    ///
    /// # Errors
    /// As [`CertifiedSigner::from_bundle`].
    pub fn new(
        key: &PublicKey,
        bundle: Vec<Certificate>,
        at: UnixTime,
    ) -> Result<CertifiedSigner, SignerCertError> {
        let public = *key;
        let not_for_this_key = SignerCertError::NotForThisKey {
            key_id: public.key_id(),
        };
        let chain = chain_for_key(&bundle, &public, at).ok_or(not_for_this_key)?;
        let certificate = chain
            .first()
            .cloned()
            .ok_or(SignerCertError::NoCertificate)?;
        if certificate.is_ca() {
            return Err(SignerCertError::CaCertificate);
        }
        if certificate.role() != Some(CertRole::DocumentSigner) {
            return Err(SignerCertError::WrongRole {
                role: certificate.role(),
            });
        }
        if !certificate
            .key_usage()
            .is_some_and(|usage| usage.digital_signature)
        {
            return Err(SignerCertError::NoDigitalSignature);
        }
        let authority = certificate
            .authority_code()
            .cloned()
            .ok_or(SignerCertError::NoAuthority)?;
        if !certificate.is_valid_at(at) {
            return Err(SignerCertError::NotValidAt {
                not_before: certificate.not_before(),
                not_after: certificate.not_after(),
                at,
            });
        }
        Ok(CertifiedSigner {
            key: public,
            certificate,
            authority,
            chain,
        })
    }

    /// The certified key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// The document signer certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The certified authority's code.
    pub fn authority(&self) -> &Uscc {
        &self.authority
    }

    /// The certificate, then the bundle's CA certificates.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The certified authority as the certificate names it:
    /// `name (code)`.
    pub fn authority_name(&self) -> String {
        match self.certificate.common_name() {
            Some(name) => format!("{name} ({})", self.authority),
            None => self.authority.to_string(),
        }
    }

    /// Refuses a licence in another authority's name than the certified one.
    ///
    /// # Errors
    /// [`SignerCertError::IssuerMismatch`].
    pub fn check_issuer(&self, licence: &Licence) -> Result<(), SignerCertError> {
        let claimed = licence.issuer().code();
        if claimed == &self.authority {
            Ok(())
        } else {
            Err(SignerCertError::IssuerMismatch {
                name: licence.issuer().name().to_owned(),
                claimed: claimed.clone(),
                certified: self.authority_name(),
            })
        }
    }

    /// Signs `licence` at `at` with `key` after
    /// [`CertifiedSigner::check_issuer`].
    ///
    /// # Errors
    /// [`SignerCertError::NotForThisKey`] if `key` is not the certified
    /// one, [`SignerCertError::IssuerMismatch`] or [`SignerCertError::Sign`].
    pub fn sign(
        &self,
        key: &dyn Signer,
        licence: Licence,
        at: UnixTime,
    ) -> Result<SignedLicence, SignerCertError> {
        let public = key.public_key();
        if public != self.key {
            return Err(SignerCertError::NotForThisKey {
                key_id: public.key_id(),
            });
        }
        self.check_issuer(&licence)?;
        Ok(SignedLicence::sign(licence, key, at)?)
    }

    /// The envelope as a `.cose` file carries it: with this signer's chain,
    /// so that a verifier holding only the roots can check it. (The QR text
    /// carries the bare envelope.)
    ///
    /// # Errors
    /// [`SignerCertError::Chain`] if `signed` is not this key's or the
    /// chain is too long to carry.
    pub fn file_bytes(&self, signed: &SignedLicence) -> Result<Vec<u8>, SignerCertError> {
        Ok(signed
            .clone()
            .with_chain(self.chain.clone())?
            .to_file_bytes())
    }
}
