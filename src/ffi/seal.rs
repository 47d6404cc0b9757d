//! Sealing licence PDFs.

use std::ffi::c_char;

use super::{Failure, bytes_in, elicence_bytes, elicence_result, give, guard, out_ok, text_in};
use crate::date::UnixTime;
use crate::keys::Signer;
use crate::render::{Template, TemplateSet};
use crate::seal::pdf::{NotValidPart, PdfSealer, Placement, SealPdfError};
use crate::seal::record::{SealError, SignedSeal};

/// Seals a licence PDF (as `elicence_render_pdf` draws it, best without
/// the drawn stamp: `{"stamp_in_pdf": false}`) with a seal record (a
/// `.seal` file as `elicence seal make` writes it), signed by `key` at
/// `unix_time` (seconds), and returns the sealed PDF.
///
/// `cert_pem` is a PEM bundle holding the key's certificate (which the
/// seal record must list as allowed to apply it) and, optionally, its CA
/// certificates, carried in the signature so that roots alone verify it.
/// The seal is placed where the licence's template puts it:
/// `template_json` is that template (UTF-8 JSON as in `templates/`), or
/// NULL with 0 for the built-in template of the licence's type. The seal
/// and the certificate must be valid at `unix_time`.
///
/// On success `*pdf_out` is new bytes the caller frees with
/// `elicence_bytes_free`. Thread-safe.
///
/// # Safety
/// Each pointer and length pair must be NULL with 0 or point to that many
/// readable bytes; `key` must be a live key; `pdf_out` must be writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn elicence_seal_pdf(
    key: *const super::elicence_signing_key,
    cert_pem: *const u8,
    cert_len: usize,
    seal: *const u8,
    seal_len: usize,
    pdf: *const u8,
    pdf_len: usize,
    template_json: *const c_char,
    template_len: usize,
    unix_time: i64,
    pdf_out: *mut *mut elicence_bytes,
) -> elicence_result {
    guard(|| {
        out_ok(pdf_out, "pdf_out")?;
        // SAFETY: as this function's contract.
        let key = unsafe { super::borrow(key, "key")? };
        // SAFETY: as this function's contract.
        let cert_pem = unsafe { bytes_in(cert_pem, cert_len, "cert_pem")? };
        // SAFETY: as this function's contract.
        let seal = unsafe { bytes_in(seal, seal_len, "seal")? };
        // SAFETY: as this function's contract.
        let pdf = unsafe { bytes_in(pdf, pdf_len, "pdf")? };
        // SAFETY: as this function's contract.
        let template = unsafe { text_in(template_json, template_len, "template_json")? };
        let templates = if template.is_empty() {
            TemplateSet::default()
        } else {
            TemplateSet::single(Template::from_json(template).map_err(|e| {
                Failure::new(
                    elicence_result::ELICENCE_OPTIONS_REFUSED,
                    format!("template_json: {e}"),
                )
            })?)
        };
        let seal = SignedSeal::from_slice(seal).map_err(seal_unreadable)?;
        let at = UnixTime::from_secs(unix_time);
        let signing_key = key.signing_key();
        let sealer = PdfSealer::from_bundle(seal, cert_pem, &signing_key.public_key(), at)
            .map_err(seal_failed)?;
        let place = Placement::for_licence_pdf(pdf, &templates, sealer.seal().info())
            .map_err(seal_failed)?;
        let sealed = sealer
            .apply(pdf, signing_key, place, at)
            .map_err(seal_failed)?;
        // SAFETY: `pdf_out` was checked and is writable by contract.
        unsafe { give(pdf_out, elicence_bytes::new(sealed)) };
        Ok(())
    })
}

fn seal_unreadable(error: SealError) -> Failure {
    let result = match error {
        SealError::TooLarge { .. } => elicence_result::ELICENCE_TOO_LARGE,
        _ => elicence_result::ELICENCE_MALFORMED_INPUT,
    };
    Failure::new(result, format!("seal: {error}"))
}

fn seal_failed(error: SealPdfError) -> Failure {
    let result = match &error {
        SealPdfError::TooLarge { .. } => elicence_result::ELICENCE_TOO_LARGE,
        SealPdfError::Parse(_)
        | SealPdfError::Read(_)
        | SealPdfError::Unsupported(_)
        | SealPdfError::NoSuchPage { .. }
        | SealPdfError::OffPage { .. }
        | SealPdfError::TooManySeals { .. } => elicence_result::ELICENCE_MALFORMED_INPUT,
        SealPdfError::NoCertificate
        | SealPdfError::KeyMismatch
        | SealPdfError::Certificate(_)
        | SealPdfError::NotValidAt {
            what: NotValidPart::SignerCertificate,
            ..
        } => elicence_result::ELICENCE_CERTIFICATE_REFUSED,
        SealPdfError::SignerNotAllowed { .. }
        | SealPdfError::NotValidAt { .. }
        | SealPdfError::Picture(_)
        | SealPdfError::SealSize { .. }
        | SealPdfError::NotAnIssuer { .. }
        | SealPdfError::NoSealPlace { .. } => elicence_result::ELICENCE_SEAL_REFUSED,
        _ => elicence_result::ELICENCE_SIGNING_FAILED,
    };
    Failure::new(result, error.to_string())
}
