//! Verifiers and verdicts.

use std::ffi::c_char;

use super::{
    Failure, borrow, borrow_mut, bytes_in, elicence_bytes, elicence_result, free, give, guard,
    guard_value, out_ok, text_in,
};
use crate::date::UnixTime;
use crate::seal::pdf::{LicencePdfVerdict, PdfVerifier, TrustAnchorError};
use crate::verify::Verdict;

/// What codes, envelopes and licence PDFs are checked against: roots and
/// bare keys, then a trust list and status lists. Free with
/// [`elicence_verifier_free`].
///
/// Thread safety: the `elicence_verify_*` functions only read it and may
/// be called from any number of threads at once; adding a list changes it
/// and must not overlap with any other use of the same verifier.
pub struct elicence_verifier {
    inner: PdfVerifier,
}

/// A verdict: valid or not, and why, with the licence's fields. Free with
/// [`elicence_verdict_free`]. Safe to read from several threads.
pub struct elicence_verdict {
    inner: Judged,
}

enum Judged {
    Code(Box<Verdict>),
    Pdf(Box<LicencePdfVerdict>),
}

/// A verifier from a PEM text holding root certificates (licences signed
/// under them are checked along their chains, seals too), bare `PUBLIC
/// KEY` blocks (trusted as licence signers), or both. On success `*out` is
/// a new verifier the caller owns.
///
/// Returns `ELICENCE_NO_TRUST_ANCHOR` for a text with neither, and
/// `ELICENCE_MALFORMED_INPUT` for a block that does not parse.
///
/// # Safety
/// `roots_or_keys_pem` NULL with 0 or `len` readable bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verifier_new(
    roots_or_keys_pem: *const u8,
    len: usize,
    out: *mut *mut elicence_verifier,
) -> elicence_result {
    guard(|| {
        out_ok(out, "out")?;
        // SAFETY: as this function's contract.
        let pem = unsafe { bytes_in(roots_or_keys_pem, len, "roots_or_keys_pem")? };
        let inner = PdfVerifier::from_roots_and_keys_pem(pem).map_err(|e| {
            let result = match e {
                TrustAnchorError::Empty => elicence_result::ELICENCE_NO_TRUST_ANCHOR,
                _ => elicence_result::ELICENCE_MALFORMED_INPUT,
            };
            Failure::new(result, e.to_string())
        })?;
        // SAFETY: `out` was checked and is writable by contract.
        unsafe { give(out, elicence_verifier { inner }) };
        Ok(())
    })
}

/// Frees a verifier. NULL is accepted.
///
/// # Safety
/// `verifier` NULL or live, not used afterwards (by any thread).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verifier_free(verifier: *mut elicence_verifier) {
    guard_value((), || {
        // SAFETY: as this function's contract.
        unsafe { free(verifier) }
    });
}

/// Takes a signed trust list (the `.cose` the publisher signs), checked
/// against the verifier's roots at the system's current time; see
/// [`elicence_verifier_add_trust_list_at`] to give the time. On refusal the
/// verifier is unchanged.
///
/// # Safety
/// `verifier` live and not in use by another thread; `list` NULL with 0
/// or `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verifier_add_trust_list(
    verifier: *mut elicence_verifier,
    list: *const u8,
    len: usize,
) -> elicence_result {
    // SAFETY: forwarded with this function's contract.
    unsafe { elicence_verifier_add_trust_list_at(verifier, list, len, now_secs()) }
}

/// As [`elicence_verifier_add_trust_list`], at `unix_time` (seconds).
///
/// # Safety
/// As [`elicence_verifier_add_trust_list`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verifier_add_trust_list_at(
    verifier: *mut elicence_verifier,
    list: *const u8,
    len: usize,
    unix_time: i64,
) -> elicence_result {
    guard(|| {
        // SAFETY: as this function's contract.
        let verifier = unsafe { borrow_mut(verifier, "verifier")? };
        // SAFETY: as this function's contract.
        let list = unsafe { bytes_in(list, len, "list")? };
        verifier
            .inner
            .licence_verifier_mut()
            .add_trust_list(list, UnixTime::from_secs(unix_time))
            .map_err(|e| {
                Failure::new(
                    elicence_result::ELICENCE_TRUST_LIST_REFUSED,
                    format!("{e} ({})", e.code()),
                )
            })?;
        Ok(())
    })
}

/// Takes a signed status list token (`.cwt`), checked against the
/// verifier's roots (and trust list, if one is held) at the system's
/// current time; see [`elicence_verifier_add_status_list_at`]. On refusal
/// the verifier is unchanged.
///
/// # Safety
/// As [`elicence_verifier_add_trust_list`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verifier_add_status_list(
    verifier: *mut elicence_verifier,
    list: *const u8,
    len: usize,
) -> elicence_result {
    // SAFETY: forwarded with this function's contract.
    unsafe { elicence_verifier_add_status_list_at(verifier, list, len, now_secs()) }
}

/// As [`elicence_verifier_add_status_list`], at `unix_time` (seconds).
///
/// # Safety
/// As [`elicence_verifier_add_trust_list`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verifier_add_status_list_at(
    verifier: *mut elicence_verifier,
    list: *const u8,
    len: usize,
    unix_time: i64,
) -> elicence_result {
    guard(|| {
        // SAFETY: as this function's contract.
        let verifier = unsafe { borrow_mut(verifier, "verifier")? };
        // SAFETY: as this function's contract.
        let list = unsafe { bytes_in(list, len, "list")? };
        verifier
            .inner
            .licence_verifier_mut()
            .add_status_list(list, UnixTime::from_secs(unix_time))
            .map_err(|e| {
                Failure::new(
                    elicence_result::ELICENCE_STATUS_LIST_REFUSED,
                    format!("{e} ({})", e.code()),
                )
            })?;
        Ok(())
    })
}

/// Verifies a QR text (the URL the code holds) at `unix_time` (seconds).
/// Any text gets a verdict, a malformed one an invalid verdict: the
/// result is `ELICENCE_OK` whenever `*out` was written, valid or not; ask
/// [`elicence_verdict_is_valid`]. Thread-safe on a shared verifier.
///
/// # Safety
/// `verifier` live; `text` NULL with 0 or `len` readable bytes; `out`
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verify_qr_text(
    verifier: *const elicence_verifier,
    text: *const c_char,
    len: usize,
    unix_time: i64,
    out: *mut *mut elicence_verdict,
) -> elicence_result {
    guard(|| {
        out_ok(out, "out")?;
        // SAFETY: as this function's contract.
        let verifier = unsafe { borrow(verifier, "verifier")? };
        // SAFETY: as this function's contract.
        let text = unsafe { text_in(text, len, "text")? };
        let verdict = verifier
            .inner
            .licence_verifier()
            .verify_qr_text(text, UnixTime::from_secs(unix_time));
        // SAFETY: `out` was checked and is writable by contract.
        unsafe { give(out, code_verdict(verdict)) };
        Ok(())
    })
}

/// Verifies an envelope (COSE_Sign1 bytes, bare or as a `.cose` file
/// carrying its chain) at `unix_time`. As [`elicence_verify_qr_text`]:
/// `ELICENCE_OK` with a verdict, valid or not.
///
/// # Safety
/// As [`elicence_verify_qr_text`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verify_envelope(
    verifier: *const elicence_verifier,
    bytes: *const u8,
    len: usize,
    unix_time: i64,
    out: *mut *mut elicence_verdict,
) -> elicence_result {
    guard(|| {
        out_ok(out, "out")?;
        // SAFETY: as this function's contract.
        let verifier = unsafe { borrow(verifier, "verifier")? };
        // SAFETY: as this function's contract.
        let bytes = unsafe { bytes_in(bytes, len, "bytes")? };
        let verdict = verifier
            .inner
            .licence_verifier()
            .verify_bytes(bytes, UnixTime::from_secs(unix_time));
        // SAFETY: `out` was checked and is writable by contract.
        unsafe { give(out, code_verdict(verdict)) };
        Ok(())
    })
}

/// Verifies a sealed licence PDF as a whole at `unix_time`: the licence
/// inside (with the verifier's lists), every seal, the binding between
/// them, and nothing added after the last seal. `ELICENCE_OK` with a
/// verdict, valid or not.
///
/// # Safety
/// As [`elicence_verify_qr_text`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verify_pdf(
    verifier: *const elicence_verifier,
    pdf: *const u8,
    len: usize,
    unix_time: i64,
    out: *mut *mut elicence_verdict,
) -> elicence_result {
    guard(|| {
        out_ok(out, "out")?;
        // SAFETY: as this function's contract.
        let verifier = unsafe { borrow(verifier, "verifier")? };
        // SAFETY: as this function's contract.
        let pdf = unsafe { bytes_in(pdf, len, "pdf")? };
        let verdict = verifier.inner.verify(pdf, UnixTime::from_secs(unix_time));
        let judged = elicence_verdict {
            inner: Judged::Pdf(Box::new(verdict)),
        };
        // SAFETY: `out` was checked and is writable by contract.
        unsafe { give(out, judged) };
        Ok(())
    })
}

/// Whether the verdict is valid: genuine, trusted, in force, within its
/// validity (and, for a PDF, properly sealed). False for NULL.
///
/// # Safety
/// `verdict` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verdict_is_valid(verdict: *const elicence_verdict) -> bool {
    guard_value(false, || {
        // SAFETY: as this function's contract.
        match unsafe { verdict.as_ref() } {
            Some(verdict) => match &verdict.inner {
                Judged::Code(v) => v.is_valid(),
                Judged::Pdf(v) => v.is_valid(),
            },
            None => false,
        }
    })
}

/// The verdict as JSON (UTF-8, the CLI's `verify` output): `valid`, the
/// reasons with stable codes, the licence's fields, the certified issuer,
/// the status. On success `*json_out` is new bytes the caller frees.
///
/// # Safety
/// `verdict` live; `json_out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verdict_json(
    verdict: *const elicence_verdict,
    json_out: *mut *mut elicence_bytes,
) -> elicence_result {
    guard(|| {
        out_ok(json_out, "json_out")?;
        // SAFETY: as this function's contract.
        let verdict = unsafe { borrow(verdict, "verdict")? };
        let value = match &verdict.inner {
            Judged::Code(v) => v.to_json_value(),
            Judged::Pdf(v) => v.to_json_value(),
        };
        // SAFETY: `json_out` was checked and is writable by contract.
        unsafe {
            give(
                json_out,
                elicence_bytes::new(value.to_string().into_bytes()),
            )
        };
        Ok(())
    })
}

/// Frees a verdict. NULL is accepted.
///
/// # Safety
/// `verdict` NULL or live, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_verdict_free(verdict: *mut elicence_verdict) {
    guard_value((), || {
        // SAFETY: as this function's contract.
        unsafe { free(verdict) }
    });
}

fn code_verdict(verdict: Verdict) -> elicence_verdict {
    elicence_verdict {
        inner: Judged::Code(Box::new(verdict)),
    }
}

/// The system's time in seconds, for the functions without a time
/// argument: read here, at the boundary, never inside the library.
fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
