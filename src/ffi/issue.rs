//! Signing keys and issuance.

use std::ffi::c_char;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::{
    Failure, bytes_in, elicence_bytes, elicence_result, free, give, guard, out_ok, text_in,
};
use crate::date::UnixTime;
use crate::envelope::SignedLicence;
use crate::keys::{Signer, SigningKey};
use crate::licence::Licence;
use crate::qr::{QrBase, to_qr_text};
use crate::trust::{CertifiedSigner, SignerCertError};

/// An Ed25519 private key, wiped when freed. Free with
/// [`elicence_signing_key_free`]. Safe to share between threads: signing
/// only reads it.
pub struct elicence_signing_key {
    key: Arc<SigningKey>,
}

impl elicence_signing_key {
    pub(super) fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The key, shared with a registry's issuing key for one call.
    pub(super) fn shared(&self) -> Arc<SigningKey> {
        Arc::clone(&self.key)
    }
}

/// Reads a PKCS#8 PEM Ed25519 private key (`-----BEGIN PRIVATE KEY-----`).
/// On success `*out` is a new key the caller owns. The PEM text is not
/// kept.
///
/// # Safety
/// `pem` must be NULL (with `len` 0) or point to `len` readable bytes;
/// `out` must point to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_signing_key_from_pem(
    pem: *const u8,
    len: usize,
    out: *mut *mut elicence_signing_key,
) -> elicence_result {
    guard(|| {
        out_ok(out, "out")?;
        // SAFETY: as this function's contract.
        let pem = unsafe { text_in(pem.cast::<c_char>(), len, "pem")? };
        let pem = Zeroizing::new(pem.to_owned());
        let key = SigningKey::from_pkcs8_pem(&pem)
            .map_err(|e| Failure::new(elicence_result::ELICENCE_KEY_REFUSED, e.to_string()))?;
        // SAFETY: `out` was checked and is writable by contract.
        unsafe { give(out, elicence_signing_key { key: Arc::new(key) }) };
        Ok(())
    })
}

/// Frees a key, wiping it. NULL is accepted.
///
/// # Safety
/// `key` must be NULL or a live key, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_signing_key_free(key: *mut elicence_signing_key) {
    super::guard_value((), || {
        // SAFETY: as this function's contract.
        unsafe { free(key) }
    });
}

/// Signs a licence given as JSON (the format of `examples/licences/`) at
/// `unix_time` (seconds) and returns the envelope and its QR text (for the
/// default scan endpoint base `https://verify.example.gov.cn/c/`; see
/// [`elicence_issue_json_for`] to name another).
///
/// With a certificate (`cert_pem` a PEM bundle holding the key's document
/// signer certificate and, optionally, its CA certificates), the library
/// first checks it as verifiers will: it must be for this key, not a
/// CA's, of the document-signer role, allow signatures, name the licence's
/// issuer and be valid at `unix_time`; the envelope returned then carries
/// the chain (as `.cose` files do). Without one (`cert_pem` NULL, `cert_len`
/// 0) the bare envelope is signed.
///
/// On success `*envelope_out` and `*qr_text_out` are new bytes the caller
/// frees with `elicence_bytes_free`; `qr_text_out` may be NULL when the QR
/// text is not wanted. Thread-safe.
///
/// # Safety
/// Each pointer and length pair must be NULL with 0 or point to that many
/// readable bytes; `key` must be a live key; `envelope_out` must be
/// writable, `qr_text_out` NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn elicence_issue_json(
    key: *const elicence_signing_key,
    cert_pem: *const u8,
    cert_len: usize,
    licence_json: *const c_char,
    json_len: usize,
    unix_time: i64,
    envelope_out: *mut *mut elicence_bytes,
    qr_text_out: *mut *mut elicence_bytes,
) -> elicence_result {
    // SAFETY: forwarded with this function's contract; the base is the
    // default one.
    unsafe {
        elicence_issue_json_for(
            key,
            cert_pem,
            cert_len,
            licence_json,
            json_len,
            unix_time,
            std::ptr::null(),
            0,
            envelope_out,
            qr_text_out,
        )
    }
}

/// As [`elicence_issue_json`], with the QR text for the scan endpoint base
/// `qr_base` (UTF-8, e.g. `https://verify.example.gov.cn/c/`; NULL with 0
/// for the default).
///
/// # Safety
/// As [`elicence_issue_json`]; `qr_base` NULL with 0 or `qr_base_len`
/// readable bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn elicence_issue_json_for(
    key: *const elicence_signing_key,
    cert_pem: *const u8,
    cert_len: usize,
    licence_json: *const c_char,
    json_len: usize,
    unix_time: i64,
    qr_base: *const c_char,
    qr_base_len: usize,
    envelope_out: *mut *mut elicence_bytes,
    qr_text_out: *mut *mut elicence_bytes,
) -> elicence_result {
    guard(|| {
        out_ok(envelope_out, "envelope_out")?;
        // SAFETY: as this function's contract.
        let key = unsafe { super::borrow(key, "key")? };
        // SAFETY: as this function's contract.
        let cert_pem = unsafe { bytes_in(cert_pem, cert_len, "cert_pem")? };
        // SAFETY: as this function's contract.
        let json = unsafe { text_in(licence_json, json_len, "licence_json")? };
        // SAFETY: as this function's contract.
        let base = unsafe { text_in(qr_base, qr_base_len, "qr_base")? };
        let base = qr_base_from(base)?;
        let at = UnixTime::from_secs(unix_time);
        let licence = licence_from_json(json)?;
        let (signed, envelope) = match certified_signer(key, cert_pem, at)? {
            None => {
                let signed =
                    SignedLicence::sign(licence, key.signing_key(), at).map_err(signing_failed)?;
                let envelope = signed.as_bytes().to_vec();
                (signed, envelope)
            }
            Some(signer) => {
                let signed = signer
                    .sign(key.signing_key(), licence, at)
                    .map_err(certificate_refused)?;
                let envelope = signer.file_bytes(&signed).map_err(certificate_refused)?;
                (signed, envelope)
            }
        };
        let qr_text = to_qr_text(&signed, &base);
        // SAFETY: `envelope_out` was checked; both are writable by contract.
        unsafe {
            give(envelope_out, elicence_bytes::new(envelope));
            if !qr_text_out.is_null() {
                give(qr_text_out, elicence_bytes::new(qr_text.into_bytes()));
            }
        }
        Ok(())
    })
}

/// The QR text of a signed licence (`envelope` bare or a `.cose` file) for
/// the scan endpoint base `qr_base` (NULL with 0 for the default). On
/// success `*qr_text_out` is new bytes (ASCII) the caller frees with
/// `elicence_bytes_free`. Thread-safe.
///
/// # Safety
/// Each pointer and length pair must be NULL with 0 or point to that many
/// readable bytes; `qr_text_out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_qr_text(
    envelope: *const u8,
    len: usize,
    qr_base: *const c_char,
    qr_base_len: usize,
    qr_text_out: *mut *mut elicence_bytes,
) -> elicence_result {
    guard(|| {
        out_ok(qr_text_out, "qr_text_out")?;
        // SAFETY: as this function's contract.
        let envelope = unsafe { bytes_in(envelope, len, "envelope")? };
        // SAFETY: as this function's contract.
        let base = unsafe { text_in(qr_base, qr_base_len, "qr_base")? };
        let base = qr_base_from(base)?;
        let signed = SignedLicence::from_slice(envelope).map_err(|e| {
            Failure::new(
                elicence_result::ELICENCE_MALFORMED_INPUT,
                format!("envelope: {e}"),
            )
        })?;
        let text = to_qr_text(&signed, &base);
        // SAFETY: `qr_text_out` was checked and is writable by contract.
        unsafe { give(qr_text_out, elicence_bytes::new(text.into_bytes())) };
        Ok(())
    })
}

/// The licence in the JSON C passed.
pub(super) fn licence_from_json(json: &str) -> Result<Licence, Failure> {
    Licence::from_json(json)
        .map_err(|e| Failure::new(elicence_result::ELICENCE_LICENCE_REFUSED, e.to_string()))
}

/// The key's document signer certificate from `cert_pem`, checked at `at`
/// as verifiers will check it; `None` when no certificate was given (an
/// empty buffer).
pub(super) fn certified_signer(
    key: &elicence_signing_key,
    cert_pem: &[u8],
    at: UnixTime,
) -> Result<Option<CertifiedSigner>, Failure> {
    if cert_pem.is_empty() {
        return Ok(None);
    }
    CertifiedSigner::from_bundle(&key.signing_key().public_key(), cert_pem, at)
        .map(Some)
        .map_err(certificate_refused)
}

/// The scan endpoint base given, or the default for empty text.
fn qr_base_from(base: &str) -> Result<QrBase, Failure> {
    if base.is_empty() {
        return Ok(QrBase::default());
    }
    QrBase::new(base).map_err(|e| {
        Failure::new(
            elicence_result::ELICENCE_MALFORMED_INPUT,
            format!("qr_base: {e}"),
        )
    })
}

fn signing_failed(error: crate::IssueError) -> Failure {
    Failure::new(elicence_result::ELICENCE_SIGNING_FAILED, error.to_string())
}

pub(super) fn certificate_refused(error: SignerCertError) -> Failure {
    match error {
        SignerCertError::Sign(e) => signing_failed(e),
        e => Failure::new(
            elicence_result::ELICENCE_CERTIFICATE_REFUSED,
            format!("{} ({})", e, e.code()),
        ),
    }
}
