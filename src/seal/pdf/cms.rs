//! The CMS side of a PDF seal: a detached SignedData (RFC 5652) with one
//! Ed25519 signer (RFC 8419), as PAdES baseline B-B wants it (ETSI EN 319
//! 142-1): signed attributes content-type, message-digest (SHA-512, which
//! RFC 8419 requires with Ed25519) and signing-certificate-v2 (RFC 5035),
//! the signer's chain in the certificate set, no signing-time attribute (the
//! time is the signature dictionary's /M).
//!
//! The ASN.1 is RustCrypto's `cms`, `x509-cert` and `der`; only the two ESS
//! structures that `cms` 0.2 lacks are declared here, with `der`'s derive.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Reader, Sequence, SliceReader};
use sha2::{Digest, Sha256, Sha512};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::SealCheckFailure;
use crate::keys::{SignError, Signer};
use crate::trust::Certificate;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// Most certificates a signature may carry: a signer, its intermediates and
/// perhaps a root, with room to spare.
const MAX_CERTIFICATES: usize = 8;

/// `SigningCertificateV2` (RFC 5035 §3).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    policies: Option<Any>,
}

/// `ESSCertIDv2` (RFC 5035 §4); the hash algorithm is SHA-256 when absent.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertIdV2 {
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    issuer_serial: Option<IssuerSerial>,
}

/// `IssuerSerial` (RFC 5035 §4).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

fn algorithm(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// Why a CMS signature could not be made.
#[derive(Debug)]
pub(crate) enum BuildError {
    Der(der::Error),
    Sign(SignError),
}

impl From<der::Error> for BuildError {
    fn from(e: der::Error) -> Self {
        BuildError::Der(e)
    }
}

/// The DER of a detached SignedData over content whose SHA-512 is `digest`,
/// signed by `signer` whose certificate is `chain[0]`.
pub(crate) fn sign(
    digest: &[u8; 64],
    signer: &dyn Signer,
    chain: &[x509_cert::Certificate],
) -> Result<Vec<u8>, BuildError> {
    let cert = chain
        .first()
        .ok_or(der::Error::from(der::ErrorKind::Failed))?;
    let tbs = &cert.tbs_certificate;
    let cert_hash: [u8; 32] = Sha256::digest(cert.to_der()?).into();
    let signing_certificate = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(cert_hash.to_vec())?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer.clone())],
                serial_number: tbs.serial_number.clone(),
            }),
        }],
        policies: None,
    };
    let attrs = SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA)?)?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.to_vec())?)?,
        )?,
        attribute(
            ID_SIGNING_CERTIFICATE_V2,
            Any::encode_from(&signing_certificate)?,
        )?,
    ])?;
    // RFC 5652 §5.4: the signature is over the attributes as a SET OF.
    let signature = signer.sign(&attrs.to_der()?).map_err(BuildError::Sign)?;
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer.clone(),
            serial_number: tbs.serial_number.clone(),
        }),
        digest_alg: algorithm(ID_SHA512),
        signed_attrs: Some(attrs),
        signature_algorithm: algorithm(ID_ED25519),
        signature: OctetString::new(signature.to_vec())?,
        unsigned_attrs: None,
    };
    let certificates = CertificateSet(SetOfVec::try_from(
        chain
            .iter()
            .cloned()
            .map(CertificateChoices::Certificate)
            .collect::<Vec<_>>(),
    )?);
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![algorithm(ID_SHA512)])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(certificates),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    Ok(ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    }
    .to_der()?)
}

/// What a checked CMS signature says: its signer and the certificates that
/// came with it.
#[derive(Debug)]
pub(crate) struct CheckedCms {
    pub signer: Certificate,
    pub carried: Vec<Certificate>,
}

fn malformed(what: &str) -> SealCheckFailure {
    SealCheckFailure::MalformedCms {
        detail: what.to_owned(),
    }
}

fn der_error(e: der::Error) -> SealCheckFailure {
    malformed(&e.to_string())
}

/// Checks `contents` (the /Contents hole: a DER SignedData, then zero
/// padding) against `digest`, the SHA-512 of the signed byte ranges. The
/// chain is not judged here: that is the trust store's job.
pub(crate) fn check(contents: &[u8], digest: &[u8; 64]) -> Result<CheckedCms, SealCheckFailure> {
    let mut reader = SliceReader::new(contents).map_err(der_error)?;
    let info = ContentInfo::decode(&mut reader).map_err(der_error)?;
    let used = usize::try_from(reader.position()).map_err(der_error)?;
    let (raw, padding) = contents.split_at_checked(used).ok_or(malformed("length"))?;
    if padding.iter().any(|&b| b != 0) {
        return Err(malformed(
            "bytes after the SignedData that are not zero padding",
        ));
    }
    if info.content_type != ID_SIGNED_DATA {
        return Err(malformed("content type is not signedData"));
    }
    let signed_data: SignedData = info.content.decode_as().map_err(der_error)?;
    if signed_data.encap_content_info.econtent_type != ID_DATA
        || signed_data.encap_content_info.econtent.is_some()
    {
        return Err(malformed("not a detached signature over data"));
    }
    let [signer_info] = signed_data.signer_infos.0.as_slice() else {
        return Err(malformed("not exactly one signer"));
    };
    if signer_info.signature_algorithm.oid != ID_ED25519 {
        return Err(SealCheckFailure::UnsupportedAlgorithm {
            oid: signer_info.signature_algorithm.oid.to_string(),
        });
    }
    if signer_info.signature_algorithm.parameters.is_some() {
        return Err(malformed("Ed25519 algorithm identifier with parameters"));
    }
    // RFC 8419 §3.1: with signed attributes, Ed25519 signers use SHA-512.
    if signer_info.digest_alg.oid != ID_SHA512 {
        return Err(SealCheckFailure::UnsupportedAlgorithm {
            oid: signer_info.digest_alg.oid.to_string(),
        });
    }

    let mut pairs = Vec::new();
    for choice in signed_data.certificates.iter().flat_map(|set| set.0.iter()) {
        if pairs.len() == MAX_CERTIFICATES {
            return Err(malformed("too many certificates"));
        }
        let CertificateChoices::Certificate(cert) = choice else {
            continue;
        };
        let der = cert.to_der().map_err(der_error)?;
        let ours = Certificate::from_der(&der).map_err(|e| SealCheckFailure::BadCertificate {
            detail: e.to_string(),
        })?;
        pairs.push((cert, ours));
    }
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer_info.sid else {
        return Err(malformed("signer identified by key identifier"));
    };
    let (signer_x509, signer) = pairs
        .iter()
        .find(|(c, _)| {
            c.tbs_certificate.issuer == sid.issuer
                && c.tbs_certificate.serial_number == sid.serial_number
        })
        .ok_or(SealCheckFailure::SignerCertificateMissing)?;

    let attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or(malformed("no signed attributes"))?;
    let mut content_type = None;
    let mut message_digest = None;
    let mut signing_certificate = None;
    for attr in attrs.iter() {
        let [value] = attr.values.as_slice() else {
            return Err(malformed("attribute without exactly one value"));
        };
        if attr.oid == ID_CONTENT_TYPE {
            content_type = Some(value.decode_as::<ObjectIdentifier>().map_err(der_error)?);
        } else if attr.oid == ID_MESSAGE_DIGEST {
            message_digest = Some(value.decode_as::<OctetString>().map_err(der_error)?);
        } else if attr.oid == ID_SIGNING_CERTIFICATE_V2 {
            signing_certificate = Some(
                value
                    .decode_as::<SigningCertificateV2>()
                    .map_err(der_error)?,
            );
        }
    }
    if content_type != Some(ID_DATA) {
        return Err(malformed("content-type attribute missing or not data"));
    }
    let message_digest = message_digest.ok_or(malformed("no message-digest attribute"))?;
    if message_digest.as_bytes() != digest.as_slice() {
        return Err(SealCheckFailure::DigestMismatch);
    }
    let signing_certificate =
        signing_certificate.ok_or(malformed("no signing-certificate-v2 attribute"))?;
    let first = signing_certificate
        .certs
        .first()
        .ok_or(malformed("empty signing-certificate-v2"))?;
    let signer_der = signer.der();
    let bound = match &first.hash_algorithm {
        None => Sha256::digest(signer_der).as_slice() == first.cert_hash.as_bytes(),
        Some(a) if a.oid == ID_SHA256 => {
            Sha256::digest(signer_der).as_slice() == first.cert_hash.as_bytes()
        }
        Some(a) if a.oid == ID_SHA512 => {
            Sha512::digest(signer_der).as_slice() == first.cert_hash.as_bytes()
        }
        Some(a) => {
            return Err(SealCheckFailure::UnsupportedAlgorithm {
                oid: a.oid.to_string(),
            });
        }
    };
    let serial_matches = first.issuer_serial.as_ref().is_none_or(|is| {
        is.serial_number == signer_x509.tbs_certificate.serial_number
            && is.issuer.iter().any(|n| {
                matches!(n, GeneralName::DirectoryName(name)
                    if *name == signer_x509.tbs_certificate.issuer)
            })
    });
    if !bound || !serial_matches {
        return Err(SealCheckFailure::SigningCertificateMismatch);
    }

    // The signature covers the attributes exactly as received. `der` sorts a
    // SET OF while decoding, so re-encode and require those very bytes (with
    // the [0] IMPLICIT tag) to be what was sent: one encoding, no other.
    let mut signed = attrs.to_der().map_err(der_error)?;
    if let Some(tag) = signed.first_mut() {
        *tag = 0xA0;
    }
    if !raw.windows(signed.len()).any(|w| w == signed.as_slice()) {
        return Err(malformed("signed attributes not in DER order"));
    }
    if let Some(tag) = signed.first_mut() {
        *tag = 0x31;
    }
    let signature: &[u8; 64] = signer_info
        .signature
        .as_bytes()
        .try_into()
        .map_err(|_| malformed("Ed25519 signature is not 64 bytes"))?;
    if !signer.public_key().verify_strict(&signed, signature) {
        return Err(SealCheckFailure::BadSignature);
    }
    let signer = signer.clone();
    let carried = pairs.into_iter().map(|(_, c)| c).collect();
    Ok(CheckedCms { signer, carried })
}
