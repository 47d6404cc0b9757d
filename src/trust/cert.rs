//! Issuer certificates: Ed25519 X.509 (RFC 8410) for a root CA, optional
//! intermediates and document signers (DSCs), parsed with x509-parser and
//! checked with our own strict Ed25519, so no second crypto stack is pulled in.
//!
//! A parsed [`Certificate`] keeps its DER and the TBS bytes the signature is
//! over; everything a verifier needs later (authority code, validity, CA
//! flag, path length, key usage, role, key identifiers, key) is read once,
//! here, into typed fields. Extensions are read strictly: one that appears
//! twice, does not parse, or is critical and not processed makes the bytes
//! no certificate, rather than being read as absent.

use base64ct::{Base64, Encoding};
use thiserror::Error;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::role::CertRole;
use crate::date::UnixTime;
use crate::ident::Uscc;
use crate::keys::PublicKey;

/// Largest certificate accepted, in bytes.
pub const MAX_CERT_LEN: usize = 16 * 1024;

/// id-Ed25519 (RFC 8410), as the signature and public-key algorithm.
const OID_ED25519: &str = "1.3.101.112";
/// X.520 organizationIdentifier: where a document signer's unified social
/// credit code is written.
pub const OID_ORGANIZATION_IDENTIFIER: &str = "2.5.4.97";
/// X.520 serialNumber: accepted as well, as some CAs put the code there.
const OID_SERIAL_NUMBER: &str = "2.5.4.5";
const OID_COMMON_NAME: &str = "2.5.4.3";
const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_ORGANIZATION: &str = "2.5.4.10";
const OID_EXTENDED_KEY_USAGE: &str = "2.5.29.37";
const OID_SUBJECT_KEY_IDENTIFIER: &str = "2.5.29.14";
const OID_AUTHORITY_KEY_IDENTIFIER: &str = "2.5.29.35";
/// The extensions read into typed fields: these may be critical (RFC 5280
/// §4.2 lets a verifier accept a critical extension it processes).
const PROCESSED_EXTENSIONS: [&str; 5] = [
    OID_BASIC_CONSTRAINTS,
    OID_KEY_USAGE,
    OID_EXTENDED_KEY_USAGE,
    OID_SUBJECT_KEY_IDENTIFIER,
    OID_AUTHORITY_KEY_IDENTIFIER,
];

/// Why bytes are not a usable certificate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CertError {
    /// Larger than [`MAX_CERT_LEN`].
    #[error("certificate is {len} bytes, more than the {MAX_CERT_LEN} accepted")]
    TooLarge {
        /// Its length.
        len: usize,
    },
    /// Not DER X.509, or bytes after it.
    #[error("not a DER X.509 certificate: {0}")]
    Der(String),
    /// Not an X.509 v3 certificate.
    #[error("X.509 version {found} (only v3 carries the extensions a licence CA needs)")]
    Version {
        /// The version number as written (0 is v1).
        found: u32,
    },
    /// Signed or keyed with something other than Ed25519.
    #[error("{what} algorithm is {oid}, not Ed25519 (1.3.101.112)")]
    Algorithm {
        /// `signature` or `public key`.
        what: &'static str,
        /// The OID found.
        oid: String,
    },
    /// The Ed25519 public key or signature has the wrong length.
    #[error("Ed25519 {what} is {len} bytes, not {expected}")]
    Length {
        /// `public key` or `signature`.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The length it must have.
        expected: usize,
    },
    /// An extension that cannot be read.
    #[error("bad extension: {0}")]
    Extension(String),
    /// An extension whose value x509-parser could not parse: refused rather
    /// than read as absent, since an unreadable basicConstraints or key
    /// usage would otherwise silently turn into "no constraint".
    #[error("extension {oid} does not parse: {error}")]
    MalformedExtension {
        /// The extension's OID, dotted.
        oid: String,
        /// What the parser said.
        error: String,
    },
    /// A critical extension that is not processed (RFC 5280 §4.2).
    #[error("critical extension {oid} is not understood")]
    UnsupportedCriticalExtension {
        /// The extension's OID, dotted.
        oid: String,
    },
    /// The same extension twice (RFC 5280 §4.2 forbids it; which copy a
    /// verifier reads would otherwise decide what the certificate says).
    #[error("extension {oid} appears more than once")]
    DuplicateExtension {
        /// The extension's OID, dotted.
        oid: String,
    },
    /// The extended key usage names more than one of our roles.
    #[error("the extended key usage names two roles, {first} and {second}")]
    RoleConflict {
        /// The first role named.
        first: CertRole,
        /// Another role named.
        second: CertRole,
    },
    /// The subject's authority code is present but not a valid USCC.
    #[error("subject authority code {value:?} is not a unified social credit code")]
    AuthorityCode {
        /// The value found.
        value: String,
    },
    /// PEM that cannot be read.
    #[error("PEM: {0}")]
    Pem(String),
}

impl CertError {
    /// A stable, short machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            CertError::TooLarge { .. } => "too_large",
            CertError::Der(_) => "der",
            CertError::Version { .. } => "version",
            CertError::Algorithm { .. } => "algorithm",
            CertError::Length { .. } => "length",
            CertError::Extension(_) => "extension",
            CertError::MalformedExtension { .. } => "malformed_extension",
            CertError::UnsupportedCriticalExtension { .. } => "unsupported_critical_extension",
            CertError::DuplicateExtension { .. } => "duplicate_extension",
            CertError::RoleConflict { .. } => "role_conflict",
            CertError::AuthorityCode { .. } => "authority_code",
            CertError::Pem(_) => "pem",
        }
    }
}

/// A parsed Ed25519 certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: core::ops::Range<usize>,
    signature: [u8; 64],
    subject: Vec<u8>,
    issuer: Vec<u8>,
    serial: Vec<u8>,
    common_name: Option<String>,
    organization: Option<String>,
    authority_code: Option<Uscc>,
    not_before: UnixTime,
    not_after: UnixTime,
    ca: bool,
    path_len: Option<u32>,
    key_usage: Option<KeyUsage>,
    role: Option<CertRole>,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    public_key: PublicKey,
}

/// The key usage bits a licence CA cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyUsage {
    /// digitalSignature: may sign licences.
    pub digital_signature: bool,
    /// keyCertSign: may sign certificates.
    pub key_cert_sign: bool,
    /// cRLSign: may sign revocation lists.
    pub crl_sign: bool,
}

impl core::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Certificate")
            .field("common_name", &self.common_name)
            .field("authority_code", &self.authority_code)
            .field("ca", &self.ca)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl Certificate {
    /// Parses one DER certificate; trailing bytes are refused.
    ///
    /// # Errors
    /// [`CertError`] naming what is wrong.
    pub fn from_der(der: &[u8]) -> Result<Certificate, CertError> {
        if der.len() > MAX_CERT_LEN {
            return Err(CertError::TooLarge { len: der.len() });
        }
        let (rest, cert) =
            X509Certificate::from_der(der).map_err(|e| CertError::Der(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertError::Der(format!(
                "{} bytes after the certificate",
                rest.len()
            )));
        }
        let version = cert.version().0;
        if version != 2 {
            return Err(CertError::Version { found: version });
        }
        let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
        if sig_oid != OID_ED25519
            || cert.tbs_certificate.signature.algorithm != cert.signature_algorithm.algorithm
        {
            return Err(CertError::Algorithm {
                what: "signature",
                oid: sig_oid,
            });
        }
        let spki = cert.public_key();
        let key_oid = spki.algorithm.algorithm.to_id_string();
        if key_oid != OID_ED25519 {
            return Err(CertError::Algorithm {
                what: "public key",
                oid: key_oid,
            });
        }
        let key_bytes: [u8; 32] =
            spki.subject_public_key
                .data
                .as_ref()
                .try_into()
                .map_err(|_| CertError::Length {
                    what: "public key",
                    len: spki.subject_public_key.data.len(),
                    expected: 32,
                })?;
        let public_key = PublicKey::from_bytes(&key_bytes)
            .map_err(|e| CertError::Der(format!("public key: {e}")))?;
        let signature: [u8; 64] =
            cert.signature_value
                .data
                .as_ref()
                .try_into()
                .map_err(|_| CertError::Length {
                    what: "signature",
                    len: cert.signature_value.data.len(),
                    expected: 64,
                })?;

        let extensions = read_extensions(&cert)?;
        let extension = |e: x509_parser::error::X509Error| CertError::Extension(e.to_string());
        let constraints = cert.basic_constraints().map_err(extension)?;
        let (ca, path_len) =
            constraints.map_or((false, None), |c| (c.value.ca, c.value.path_len_constraint));
        let key_usage = cert.key_usage().map_err(extension)?.map(|k| KeyUsage {
            digital_signature: k.value.digital_signature(),
            key_cert_sign: k.value.key_cert_sign(),
            crl_sign: k.value.crl_sign(),
        });

        let mut common_name = None;
        let mut organization = None;
        let mut code = None;
        for attr in cert.subject().iter_attributes() {
            let oid = attr.attr_type().to_id_string();
            let value = attr.as_str().ok().map(str::to_owned);
            match oid.as_str() {
                OID_COMMON_NAME => common_name = common_name.or(value),
                OID_ORGANIZATION => organization = organization.or(value),
                // organizationIdentifier wins over serialNumber when both are there.
                OID_ORGANIZATION_IDENTIFIER => code = value.or(code),
                OID_SERIAL_NUMBER => code = code.or(value),
                _ => {}
            }
        }
        let authority_code = code
            .map(|value| {
                value
                    .parse::<Uscc>()
                    .map_err(|_| CertError::AuthorityCode { value })
            })
            .transpose()?;

        let validity = cert.validity();
        let tbs_bytes: &[u8] = cert.tbs_certificate.as_ref();
        let tbs_start = (tbs_bytes.as_ptr() as usize).wrapping_sub(der.as_ptr() as usize);
        let tbs = tbs_start..tbs_start + tbs_bytes.len();
        if der.get(tbs.clone()) != Some(tbs_bytes) {
            return Err(CertError::Der(
                "TBS bytes not inside the certificate".into(),
            ));
        }
        Ok(Certificate {
            der: der.to_vec(),
            tbs,
            signature,
            subject: cert.subject().as_raw().to_vec(),
            issuer: cert.issuer().as_raw().to_vec(),
            serial: cert.raw_serial().to_vec(),
            common_name,
            organization,
            authority_code,
            not_before: UnixTime::from_secs(validity.not_before.timestamp()),
            not_after: UnixTime::from_secs(validity.not_after.timestamp()),
            ca,
            path_len,
            key_usage,
            role: extensions.role,
            subject_key_id: extensions.subject_key_id,
            authority_key_id: extensions.authority_key_id,
            public_key,
        })
    }

    /// The DER encoding, as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject's commonName, if any.
    pub fn common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }

    /// A name for messages: the commonName, else the authority code.
    pub fn display_name(&self) -> String {
        self.common_name()
            .map(str::to_owned)
            .or_else(|| self.authority_code().map(ToString::to_string))
            .unwrap_or_else(|| "(unnamed certificate)".to_owned())
    }

    /// The subject's organizationName, if any.
    pub fn organization(&self) -> Option<&str> {
        self.organization.as_deref()
    }

    /// The authority's unified social credit code, from the subject's
    /// organizationIdentifier (or serialNumber).
    pub fn authority_code(&self) -> Option<&Uscc> {
        self.authority_code.as_ref()
    }

    /// First second of validity.
    pub fn not_before(&self) -> UnixTime {
        self.not_before
    }

    /// Last second of validity (inclusive, as X.509 has it).
    pub fn not_after(&self) -> UnixTime {
        self.not_after
    }

    /// Whether the certificate is valid at `at`.
    pub fn is_valid_at(&self, at: UnixTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// Whether basicConstraints says CA.
    pub fn is_ca(&self) -> bool {
        self.ca
    }

    /// basicConstraints pathLenConstraint, if any.
    pub fn path_len(&self) -> Option<u32> {
        self.path_len
    }

    /// The key usage extension, if present.
    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.key_usage
    }

    /// The role named by the extended key usage extension, if any.
    pub fn role(&self) -> Option<CertRole> {
        self.role
    }

    /// The subjectKeyIdentifier, if present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.subject_key_id.as_deref()
    }

    /// The authorityKeyIdentifier's keyIdentifier, if present.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.authority_key_id.as_deref()
    }

    /// The subject's Ed25519 key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The raw DER of the subject name.
    pub fn subject_der(&self) -> &[u8] {
        &self.subject
    }

    /// The raw DER of the issuer name.
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer
    }

    /// The serial number's bytes.
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// Whether `issuer`'s key signed this certificate (strict Ed25519 over the
    /// TBS bytes as received) and `issuer`'s subject is this certificate's
    /// issuer name.
    pub fn is_signed_by(&self, issuer: &Certificate) -> bool {
        self.issuer == issuer.subject && self.signature_verifies(&issuer.public_key)
    }

    /// Whether `key` signed the TBS bytes (strict Ed25519); names are not
    /// looked at.
    pub(crate) fn signature_verifies(&self, key: &PublicKey) -> bool {
        self.der
            .get(self.tbs.clone())
            .is_some_and(|tbs| key.verify_strict(tbs, &self.signature))
    }
}

/// What the extensions say beyond basicConstraints and key usage, which
/// x509-parser reads itself.
struct Extensions {
    role: Option<CertRole>,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
}

/// Refuses duplicate, unparseable and unprocessed critical extensions, then
/// reads the role and key identifiers.
fn read_extensions(cert: &X509Certificate<'_>) -> Result<Extensions, CertError> {
    // Duplicates first: a copy that also fails to parse is still, above all,
    // a second copy. OIDs are compared as bytes, which works for any arc.
    let mut seen: Vec<&[u8]> = Vec::new();
    for ext in cert.extensions() {
        let oid = ext.oid.as_bytes();
        if seen.contains(&oid) {
            return Err(CertError::DuplicateExtension {
                oid: ext.oid.to_id_string(),
            });
        }
        seen.push(oid);
    }
    let mut read = Extensions {
        role: None,
        subject_key_id: None,
        authority_key_id: None,
    };
    for ext in cert.extensions() {
        let oid = ext.oid.to_id_string();
        if let ParsedExtension::ParseError { error } = ext.parsed_extension() {
            return Err(CertError::MalformedExtension {
                oid,
                error: error.to_string(),
            });
        }
        if ext.critical && !PROCESSED_EXTENSIONS.contains(&oid.as_str()) {
            return Err(CertError::UnsupportedCriticalExtension { oid });
        }
        match ext.parsed_extension() {
            ParsedExtension::ExtendedKeyUsage(eku) => {
                for role in eku
                    .other
                    .iter()
                    .filter_map(|o| CertRole::from_oid_der(o.as_bytes()))
                {
                    match read.role {
                        Some(first) if first != role => {
                            return Err(CertError::RoleConflict {
                                first,
                                second: role,
                            });
                        }
                        _ => read.role = Some(role),
                    }
                }
            }
            ParsedExtension::SubjectKeyIdentifier(id) => {
                read.subject_key_id = Some(id.0.to_vec());
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                read.authority_key_id = aki.key_identifier.as_ref().map(|id| id.0.to_vec());
            }
            _ => {}
        }
    }
    Ok(read)
}

/// Reads every certificate in a PEM bundle (`-----BEGIN CERTIFICATE-----`
/// blocks; other blocks are skipped) or, if the bytes are not PEM, one DER
/// certificate. Certificates that do not parse are returned with their
/// position so that bulk loading can report what it skipped.
pub fn parse_bundle(bytes: &[u8]) -> (Vec<Certificate>, Vec<(usize, CertError)>) {
    let mut certs = Vec::new();
    let mut skipped = Vec::new();
    let text = core::str::from_utf8(bytes)
        .ok()
        .filter(|t| t.contains("-----BEGIN"));
    let Some(text) = text else {
        match Certificate::from_der(bytes) {
            Ok(cert) => certs.push(cert),
            Err(e) => skipped.push((0, e)),
        }
        return (certs, skipped);
    };
    for (index, block) in pem_blocks(text).into_iter().enumerate() {
        match block.and_then(|der| Certificate::from_der(&der)) {
            Ok(cert) => certs.push(cert),
            Err(e) => skipped.push((index, e)),
        }
    }
    (certs, skipped)
}

/// The chain a signature by `key` carries, from a bundle: the bundle's
/// certificate for `key` first (of several renewals, the one valid at
/// `at`), then the bundle's CA certificates, so that roots alone verify
/// it. `None` if no certificate in the bundle is for `key`.
pub fn chain_for_key(
    bundle: &[Certificate],
    key: &PublicKey,
    at: UnixTime,
) -> Option<Vec<Certificate>> {
    let mut mine = bundle.iter().filter(|c| c.public_key() == key);
    let first = mine.clone().next()?;
    let leaf = mine.find(|c| c.is_valid_at(at)).unwrap_or(first);
    Some(
        std::iter::once(leaf.clone())
            .chain(bundle.iter().filter(|c| c.is_ca()).cloned())
            .collect(),
    )
}

/// The DER of every CERTIFICATE block in PEM text.
fn pem_blocks(text: &str) -> Vec<Result<Vec<u8>, CertError>> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let body_start = start + BEGIN.len();
        let Some(tail) = rest.get(body_start..) else {
            break;
        };
        let Some(end) = tail.find(END) else {
            blocks.push(Err(CertError::Pem("BEGIN CERTIFICATE without END".into())));
            break;
        };
        let body: String = tail
            .get(..end)
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        // Bounded before decoding: no certificate needs more text than this.
        let der = if body.len() > MAX_CERT_LEN * 2 {
            Err(CertError::Pem("block longer than any certificate".into()))
        } else {
            Base64::decode_vec(&body).map_err(|_| CertError::Pem("bad base64".into()))
        };
        blocks.push(der);
        rest = tail.get(end + END.len()..).unwrap_or_default();
    }
    blocks
}

/// PEM text for DER certificate bytes, 64 characters a line.
pub fn to_pem(der: &[u8]) -> String {
    let encoded = Base64::encode_string(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(core::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}
