//! Making certificates (feature `ca`): a root, intermediates and end-entity
//! certificates for each [`CertRole`], Ed25519 throughout, generated with rcgen and signed by our own
//! keys through its `SigningKey` trait, so no second crypto stack is built.
//!
//! This is for demos, tests and small deployments; a national CA issues its
//! certificates with its own tools, and the verifier side only parses
//! ([`super::cert`]).

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, IsCa, Issuer,
    KeyIdMethod, KeyUsagePurpose, PublicKeyData, SerialNumber, SignatureAlgorithm,
};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::cert::{CertError, Certificate};
use super::role::CertRole;
use crate::date::UnixTime;
use crate::ident::Uscc;
use crate::keys::{PublicKey, Signer, SigningKey};

/// The organizationIdentifier attribute type, 2.5.4.97, as rcgen wants it.
const ORGANIZATION_IDENTIFIER: [u64; 4] = [2, 5, 4, 97];
/// extendedKeyUsage, 2.5.29.37.
const EXTENDED_KEY_USAGE: [u64; 4] = [2, 5, 29, 37];
/// subjectKeyIdentifier, 2.5.29.14.
const SUBJECT_KEY_IDENTIFIER: [u64; 4] = [2, 5, 29, 14];

/// What a new certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    /// A self-signed root CA.
    Root,
    /// A CA certified by another CA; `path_len` limits the CAs below it.
    Intermediate {
        /// How many more intermediates may follow, if limited.
        path_len: Option<u8>,
    },
    /// An issuing authority's document signer: signs licences and PDF seals,
    /// not certificates.
    DocumentSigner,
    /// A seal maker (制章单位): signs seal records.
    SealMaker,
    /// Signs status lists.
    StatusSigner,
    /// Signs trust lists.
    TrustListSigner,
}

impl Role {
    /// The role an end-entity certificate names; `None` for CAs.
    pub fn cert_role(&self) -> Option<CertRole> {
        match self {
            Role::Root | Role::Intermediate { .. } => None,
            Role::DocumentSigner => Some(CertRole::DocumentSigner),
            Role::SealMaker => Some(CertRole::SealMaker),
            Role::StatusSigner => Some(CertRole::StatusSigner),
            Role::TrustListSigner => Some(CertRole::TrustListSigner),
        }
    }
}

/// The contents of a new certificate.
#[derive(Debug, Clone)]
pub struct CertificateRequest {
    /// The subject's commonName, e.g. the authority's name.
    pub common_name: String,
    /// The subject's organizationName, if different from the common name.
    pub organization: Option<String>,
    /// The authority's unified social credit code (organizationIdentifier).
    /// Required for every end-entity role: it binds licences' `iss` (or the
    /// seal maker, the status or trust list's signer) to the key.
    pub authority_code: Option<Uscc>,
    /// First second of validity.
    pub not_before: UnixTime,
    /// Last second of validity.
    pub not_after: UnixTime,
    /// Root, intermediate or an end-entity role.
    pub role: Role,
    /// Serial number, positive, at most 20 bytes (RFC 5280); make it unique
    /// per issuer, e.g. random.
    pub serial: [u8; 16],
}

/// Why a certificate could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CaError {
    /// An end-entity certificate without an authority code.
    #[error("an end-entity certificate needs the authority's unified social credit code")]
    MissingAuthorityCode,
    /// A validity period that ends before it starts, or a time rcgen cannot encode.
    #[error("validity {not_before} to {not_after} is not a usable period")]
    Validity {
        /// Start.
        not_before: UnixTime,
        /// End.
        not_after: UnixTime,
    },
    /// The issuer certificate is not a CA, or the signing key is not its key.
    #[error("the issuer is not a CA certificate for this signing key")]
    Issuer,
    /// rcgen refused the parameters.
    #[error("certificate generation: {0}")]
    Generate(String),
    /// The generated certificate does not parse back (a bug if it happens).
    #[error(transparent)]
    Parse(#[from] CertError),
}

/// Our key as rcgen's public key: the raw 32 bytes, Ed25519.
struct RawPublicKey([u8; 32]);

impl PublicKeyData for RawPublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ED25519
    }
}

/// Our signing key as rcgen's signer.
struct KeySigner<'a> {
    key: &'a SigningKey,
    public: RawPublicKey,
}

impl PublicKeyData for KeySigner<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.public.der_bytes()
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ED25519
    }
}

impl rcgen::SigningKey for KeySigner<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.key
            .sign(msg)
            .map(|s| s.to_vec())
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

fn offset(at: UnixTime, request: &CertificateRequest) -> Result<time::OffsetDateTime, CaError> {
    time::OffsetDateTime::from_unix_timestamp(at.secs()).map_err(|_| CaError::Validity {
        not_before: request.not_before,
        not_after: request.not_after,
    })
}

fn certificate_params(
    request: &CertificateRequest,
    subject_key: &PublicKey,
) -> Result<CertificateParams, CaError> {
    if request.not_after < request.not_before {
        return Err(CaError::Validity {
            not_before: request.not_before,
            not_after: request.not_after,
        });
    }
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, "CN");
    if let Some(org) = &request.organization {
        name.push(DnType::OrganizationName, org.as_str());
    }
    if let Some(code) = &request.authority_code {
        name.push(
            DnType::CustomDnType(ORGANIZATION_IDENTIFIER.to_vec()),
            code.to_string(),
        );
    }
    name.push(DnType::CommonName, request.common_name.as_str());
    params.distinguished_name = name;
    params.not_before = offset(request.not_before, request)?;
    params.not_after = offset(request.not_after, request)?;
    // A leading zero bit keeps the DER INTEGER positive, as RFC 5280 requires.
    let mut serial = request.serial;
    if let Some(first) = serial.first_mut() {
        *first &= 0x7f;
        *first |= 0x01;
    }
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    // RFC 7093 method 1: the leftmost 160 bits of the SHA-256 of the key;
    // written out because rcgen computes it only with its crypto backends.
    let digest = Sha256::digest(subject_key.to_bytes());
    let key_id = digest.get(..20).unwrap_or_default().to_vec();
    params.key_identifier_method = KeyIdMethod::PreSpecified(key_id.clone());
    if let Some(role) = request.role.cert_role() {
        if request.authority_code.is_none() {
            return Err(CaError::MissingAuthorityCode);
        }
        params.use_authority_key_identifier_extension = true;
        // No basicConstraints at all: rcgen's ExplicitNoCa writes `cA FALSE`,
        // which DER forbids (a DEFAULT value is omitted) and strict parsers
        // such as Python's cryptography refuse. An absent extension is the
        // end-entity encoding every verifier reads; an empty SEQUENCE would
        // be valid too but buys nothing.
        params.is_ca = IsCa::NoCa;
        // rcgen writes the subjectKeyIdentifier only for basicConstraints
        // certificates; end entities keep theirs (RFC 5280 §4.2.1.2 SHOULD).
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                &SUBJECT_KEY_IDENTIFIER,
                der_tlv(0x04, &key_id),
            ));
        // Written by hand: rcgen's ExtendedKeyUsagePurpose::Other takes u64
        // arcs, and our UUID arc needs 128 bits. Non-critical, as verifiers
        // that do not know the role need not refuse the certificate.
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                &EXTENDED_KEY_USAGE,
                der_tlv(0x30, &der_tlv(0x06, role.oid_der())),
            ));
        // contentCommitment (nonRepudiation) too: licences and seals are
        // the authority's commitment, as ETSI EN 319 412 profiles sealing
        // certificates, and PDF validators (pyHanko) require it of signers.
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        return Ok(params);
    }
    match request.role {
        Role::Root => {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        }
        Role::Intermediate { path_len } => {
            params.use_authority_key_identifier_extension = true;
            params.is_ca = IsCa::Ca(path_len.map_or(
                BasicConstraints::Unconstrained,
                BasicConstraints::Constrained,
            ));
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        }
        // Handled above, with their role.
        Role::DocumentSigner | Role::SealMaker | Role::StatusSigner | Role::TrustListSigner => {}
    }
    Ok(params)
}

/// One DER item: `tag`, the definite length, `contents`.
fn der_tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len + 4);
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xff {
        out.extend([0x81, len as u8]);
    } else {
        // Nothing written here is near 64 KiB: two length bytes suffice.
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(contents);
    out
}

/// Makes a self-signed root certificate for `key`.
///
/// # Errors
/// [`CaError`] if the request is unusable.
pub fn self_signed(request: &CertificateRequest, key: &SigningKey) -> Result<Certificate, CaError> {
    let params = certificate_params(request, &key.public_key())?;
    let signer = KeySigner {
        key,
        public: RawPublicKey(key.public_key().to_bytes()),
    };
    let cert = params
        .self_signed(&signer)
        .map_err(|e| CaError::Generate(e.to_string()))?;
    Ok(Certificate::from_der(cert.der())?)
}

/// Makes a certificate for `subject` signed by the CA `issuer` with `issuer_key`.
///
/// # Errors
/// [`CaError::Issuer`] unless `issuer` is a CA certificate for `issuer_key`,
/// or another [`CaError`] if the request is unusable.
pub fn issue(
    request: &CertificateRequest,
    subject: &PublicKey,
    issuer: &Certificate,
    issuer_key: &SigningKey,
) -> Result<Certificate, CaError> {
    if !issuer.is_ca() {
        return Err(CaError::Issuer);
    }
    issue_unchecked(request, subject, issuer, issuer_key)
}

/// [`issue`] without requiring the issuer to be a CA: for building the
/// broken chains that test vectors need. Verifiers refuse what it makes
/// from a non-CA issuer.
///
/// # Errors
/// As [`issue`].
#[doc(hidden)]
pub fn issue_unchecked(
    request: &CertificateRequest,
    subject: &PublicKey,
    issuer: &Certificate,
    issuer_key: &SigningKey,
) -> Result<Certificate, CaError> {
    if issuer.public_key() != &issuer_key.public_key() {
        return Err(CaError::Issuer);
    }
    let params = certificate_params(request, subject)?;
    let signer = KeySigner {
        key: issuer_key,
        public: RawPublicKey(issuer_key.public_key().to_bytes()),
    };
    // The issuer's name is rebuilt the way `params` writes names; the result
    // is checked against the issuer below, so a CA certificate written
    // another way is refused rather than chained wrongly.
    let issuer_params = certificate_params(
        &CertificateRequest {
            common_name: issuer.common_name().unwrap_or_default().to_owned(),
            organization: issuer.organization().map(str::to_owned),
            authority_code: issuer.authority_code().cloned(),
            not_before: issuer.not_before(),
            not_after: issuer.not_after(),
            role: Role::Root,
            serial: [1; 16],
        },
        issuer.public_key(),
    )?;
    let ca = Issuer::new(issuer_params, signer);
    let cert = params
        .signed_by(&RawPublicKey(subject.to_bytes()), &ca)
        .map_err(|e| CaError::Generate(e.to_string()))?;
    let cert = Certificate::from_der(cert.der())?;
    if !cert.is_signed_by(issuer) {
        return Err(CaError::Issuer);
    }
    Ok(cert)
}

/// PEM text for a certificate.
pub fn to_pem(cert: &Certificate) -> String {
    super::cert::to_pem(cert.der())
}
