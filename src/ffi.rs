//! The C ABI (feature `ffi`): what `include/elicence.h` declares, for
//! issuing systems written in C, Java, C#, Python or Go.
//!
//! Every judgement is the Rust API's: these functions only carry values
//! across the boundary. The conventions follow rustls-ffi:
//!
//! - every fallible function returns an [`elicence_result`], whose numbers
//!   are stable and never reused;
//! - out-parameters are written only on success;
//! - objects are opaque handles, each freed by its one `*_free` function,
//!   which accepts NULL;
//! - byte buffers the library returns are [`elicence_bytes`], freed with
//!   [`elicence_bytes_free`];
//! - inputs are pointer and length pairs (NULL is accepted with length 0),
//!   text is UTF-8 and need not end in NUL;
//! - no panic crosses into C: each function catches it and returns
//!   [`elicence_result::ELICENCE_PANIC`] (or its documented neutral value);
//! - the detail of the last failure on the calling thread is kept for
//!   [`elicence_last_error_message`].
//!
//! This is the only module of the crate where `unsafe` is allowed: it
//! reads what C hands over.

#![allow(non_camel_case_types)]

use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

mod issue;
mod registry;
mod render;
mod seal;
mod verify;

#[cfg(test)]
mod tests;

pub use issue::{
    elicence_issue_json, elicence_issue_json_for, elicence_qr_text, elicence_signing_key,
    elicence_signing_key_free, elicence_signing_key_from_pem,
};
pub use registry::{
    elicence_registry, elicence_registry_create, elicence_registry_free,
    elicence_registry_issue_json, elicence_registry_open, elicence_registry_publish_status,
    elicence_status_lists, elicence_status_lists_count, elicence_status_lists_free,
    elicence_status_lists_number, elicence_status_lists_token,
};
pub use render::{elicence_render_pdf, elicence_render_png};
pub use seal::elicence_seal_pdf;
pub use verify::{
    elicence_verdict, elicence_verdict_free, elicence_verdict_is_valid, elicence_verdict_json,
    elicence_verifier, elicence_verifier_add_status_list, elicence_verifier_add_status_list_at,
    elicence_verifier_add_trust_list, elicence_verifier_add_trust_list_at, elicence_verifier_free,
    elicence_verifier_new, elicence_verify_envelope, elicence_verify_pdf, elicence_verify_qr_text,
};

/// What a function did. The numbers are stable: a number is never given
/// another meaning, and new results get new numbers.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum elicence_result {
    /// Success; the out-parameters are written.
    ELICENCE_OK = 0,
    /// A required pointer was NULL (or a data pointer was NULL with a
    /// length above 0).
    ELICENCE_NULL_ARGUMENT = 1,
    /// Text was not UTF-8.
    ELICENCE_INVALID_UTF8 = 2,
    /// The caller's buffer is too small; the size needed was written.
    ELICENCE_BUFFER_TOO_SMALL = 3,
    /// The input is not what the function reads (not a QR text, not an
    /// envelope, not JSON of the expected shape…).
    ELICENCE_MALFORMED_INPUT = 4,
    /// A file named in the input could not be read.
    ELICENCE_IO = 5,
    /// A bug inside the library; nothing was written, the process goes on.
    ELICENCE_PANIC = 6,
    /// The private key PEM is not a PKCS#8 Ed25519 key.
    ELICENCE_KEY_REFUSED = 7,
    /// The certificate does not vouch for the key, or not for signing
    /// this licence (a CA's, another role, expired, another authority).
    ELICENCE_CERTIFICATE_REFUSED = 8,
    /// The licence JSON is not a valid licence.
    ELICENCE_LICENCE_REFUSED = 9,
    /// Signing failed (the licence does not fit a QR code, say).
    ELICENCE_SIGNING_FAILED = 10,
    /// The trust list was refused (bad signature, rolled back, not for
    /// these roots…).
    ELICENCE_TRUST_LIST_REFUSED = 11,
    /// The status list was refused.
    ELICENCE_STATUS_LIST_REFUSED = 12,
    /// The roots-or-keys text holds no usable root certificate or key.
    ELICENCE_NO_TRUST_ANCHOR = 13,
    /// The options JSON was refused.
    ELICENCE_OPTIONS_REFUSED = 14,
    /// Rendering failed (a field does not fit, a glyph is missing…).
    ELICENCE_RENDER_FAILED = 15,
    /// An input is longer than the library reads.
    ELICENCE_TOO_LARGE = 16,
    /// The seal record was refused for this use: it does not allow the
    /// signer's certificate, is not valid at the time, or its picture
    /// cannot be drawn.
    ELICENCE_SEAL_REFUSED = 17,
    /// The registry failed: it cannot be opened or created, its store
    /// refused the transaction, or what it holds does not read.
    ELICENCE_REGISTRY_FAILED = 18,
}

impl elicence_result {
    /// What the result means, in English.
    fn message(number: u32) -> &'static str {
        match number {
            0 => "success",
            1 => "a required pointer was NULL",
            2 => "text was not valid UTF-8",
            3 => "the buffer is too small",
            4 => "the input is malformed",
            5 => "a file could not be read",
            6 => "a panic inside the library (a bug); nothing was written",
            7 => "the private key was refused",
            8 => "the certificate was refused",
            9 => "the licence was refused",
            10 => "signing failed",
            11 => "the trust list was refused",
            12 => "the status list was refused",
            13 => "no usable root certificate or public key",
            14 => "the options were refused",
            15 => "rendering failed",
            16 => "an input is too large",
            17 => "the seal was refused",
            18 => "the registry failed",
            _ => "unknown result",
        }
    }
}

/// A failure on its way out: the result and what happened.
#[derive(Debug)]
pub(crate) struct Failure {
    result: elicence_result,
    detail: String,
}

impl Failure {
    pub(crate) fn new(result: elicence_result, detail: impl Into<String>) -> Failure {
        Failure {
            result,
            detail: detail.into(),
        }
    }
}

thread_local! {
    /// The detail of the last failure on this thread.
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn remember(detail: &str) {
    LAST_ERROR.with(|last| {
        let mut last = last.borrow_mut();
        last.clear();
        last.push_str(detail);
    });
}

/// Runs `body`, turning its failure or panic into a result.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> elicence_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => elicence_result::ELICENCE_OK,
        Ok(Err(failure)) => {
            remember(&failure.detail);
            failure.result
        }
        Err(_) => {
            remember("a panic inside the library");
            elicence_result::ELICENCE_PANIC
        }
    }
}

/// Runs `body` for a function that returns a value, not a result: a panic
/// gives `neutral`.
pub(crate) fn guard_value<T>(neutral: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(neutral)
}

/// The bytes C passed: `len` bytes at `data`, which may be NULL only when
/// `len` is 0.
///
/// # Safety
/// If `data` is not NULL it must point to `len` readable bytes that stay
/// unchanged for the call.
pub(crate) unsafe fn bytes_in<'a>(
    data: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(Failure::new(
            elicence_result::ELICENCE_NULL_ARGUMENT,
            format!("{what} is NULL with length {len}"),
        ));
    }
    if len > isize::MAX as usize {
        return Err(Failure::new(
            elicence_result::ELICENCE_TOO_LARGE,
            format!("{what} is longer than any buffer can be"),
        ));
    }
    // SAFETY: the caller promises `len` readable bytes at `data`, not NULL
    // (checked) and not longer than isize::MAX (checked).
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// The UTF-8 text C passed (no NUL needed).
///
/// # Safety
/// As [`bytes_in`].
pub(crate) unsafe fn text_in<'a>(
    data: *const c_char,
    len: usize,
    what: &str,
) -> Result<&'a str, Failure> {
    // SAFETY: as this function's contract.
    let bytes = unsafe { bytes_in(data.cast::<u8>(), len, what)? };
    std::str::from_utf8(bytes).map_err(|e| {
        Failure::new(
            elicence_result::ELICENCE_INVALID_UTF8,
            format!("{what} is not UTF-8: {e}"),
        )
    })
}

/// A handle C passed, borrowed.
///
/// # Safety
/// `handle` must be NULL or a live handle of this type from this library.
pub(crate) unsafe fn borrow<'a, T>(handle: *const T, what: &str) -> Result<&'a T, Failure> {
    // SAFETY: as this function's contract: a live Box<T> made by this
    // library, or NULL (refused).
    unsafe { handle.as_ref() }.ok_or_else(|| {
        Failure::new(
            elicence_result::ELICENCE_NULL_ARGUMENT,
            format!("{what} is NULL"),
        )
    })
}

/// A handle C passed, borrowed to change.
///
/// # Safety
/// As [`borrow`], and no other thread may use the handle during the call.
pub(crate) unsafe fn borrow_mut<'a, T>(handle: *mut T, what: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: as this function's contract.
    unsafe { handle.as_mut() }.ok_or_else(|| {
        Failure::new(
            elicence_result::ELICENCE_NULL_ARGUMENT,
            format!("{what} is NULL"),
        )
    })
}

/// Checks that an out-parameter can be written, before any work is done.
pub(crate) fn out_ok<T>(out: *mut *mut T, what: &str) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::new(
            elicence_result::ELICENCE_NULL_ARGUMENT,
            format!("{what} is NULL"),
        ));
    }
    Ok(())
}

/// Hands `value` to C through `out` (checked by [`out_ok`]).
///
/// # Safety
/// `out` must be writable; it was checked to be non-NULL.
pub(crate) unsafe fn give<T>(out: *mut *mut T, value: T) {
    // SAFETY: `out` is non-NULL (checked before the work) and the caller
    // promises it is writable.
    unsafe { out.write(Box::into_raw(Box::new(value))) };
}

/// Frees a handle made by [`give`]; NULL is accepted.
///
/// # Safety
/// `handle` must be NULL or a handle of this type not yet freed.
pub(crate) unsafe fn free<T>(handle: *mut T) {
    if !handle.is_null() {
        // SAFETY: the caller promises a live Box<T> from `give`.
        drop(unsafe { Box::from_raw(handle) });
    }
}

/// Bytes made by the library: an envelope, a QR text, JSON, a PDF, a PNG.
/// Read them with [`elicence_bytes_data`] and [`elicence_bytes_len`]; free
/// them with [`elicence_bytes_free`].
#[derive(Debug)]
pub struct elicence_bytes {
    data: Vec<u8>,
}

impl elicence_bytes {
    pub(crate) fn new(data: Vec<u8>) -> elicence_bytes {
        elicence_bytes { data }
    }
}

/// The first byte of `bytes` (not NUL-terminated; see
/// [`elicence_bytes_len`]). NULL if `bytes` is NULL. Valid until
/// `bytes` is freed.
///
/// # Safety
/// `bytes` must be NULL or a live `elicence_bytes`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_bytes_data(bytes: *const elicence_bytes) -> *const u8 {
    guard_value(std::ptr::null(), || {
        // SAFETY: as this function's contract.
        match unsafe { bytes.as_ref() } {
            Some(bytes) => bytes.data.as_ptr(),
            None => std::ptr::null(),
        }
    })
}

/// How many bytes `bytes` holds; 0 if `bytes` is NULL.
///
/// # Safety
/// `bytes` must be NULL or a live `elicence_bytes`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_bytes_len(bytes: *const elicence_bytes) -> usize {
    guard_value(0, || {
        // SAFETY: as this function's contract.
        unsafe { bytes.as_ref() }.map_or(0, |bytes| bytes.data.len())
    })
}

/// Frees bytes the library returned. NULL is accepted.
///
/// # Safety
/// `bytes` must be NULL or a live `elicence_bytes`, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_bytes_free(bytes: *mut elicence_bytes) {
    guard_value((), || {
        // SAFETY: as this function's contract.
        unsafe { free(bytes) }
    });
}

/// Copies `message` and a NUL into `buf` if they fit, writing the message's
/// length (without the NUL) to `out_n`; if not, writes the size needed
/// (with the NUL) to `out_n` and returns `ELICENCE_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` must be NULL or point to `len` writable bytes; `out_n` must be
/// NULL or writable.
unsafe fn copy_out(
    message: &str,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> elicence_result {
    // Not through `guard`: reading the last error must not replace it.
    guard_value(elicence_result::ELICENCE_PANIC, || {
        if out_n.is_null() {
            return elicence_result::ELICENCE_NULL_ARGUMENT;
        }
        let needed = message.len() + 1;
        if buf.is_null() || len < needed {
            // SAFETY: `out_n` is non-NULL and, by contract, writable.
            unsafe { out_n.write(needed) };
            return elicence_result::ELICENCE_BUFFER_TOO_SMALL;
        }
        // SAFETY: `buf` holds `len` >= needed writable bytes by contract;
        // the source is a distinct Rust string.
        unsafe {
            std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), message.len());
            buf.add(message.len()).write(0);
            out_n.write(message.len());
        }
        elicence_result::ELICENCE_OK
    })
}

/// What `result` means, in English, as NUL-terminated UTF-8 in `buf`
/// (`len` bytes). On success `*out_n` is the message's length without the
/// NUL. If `buf` is NULL or too small, nothing is copied, `*out_n` is the
/// size needed (with the NUL), and the return is
/// `ELICENCE_BUFFER_TOO_SMALL`: the one case where an out-parameter is
/// written on failure. Unknown numbers give "unknown result". Thread-safe.
///
/// # Safety
/// `buf` must be NULL or point to `len` writable bytes; `out_n` must point
/// to a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_result_message(
    result: u32,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> elicence_result {
    // SAFETY: as this function's contract.
    unsafe { copy_out(elicence_result::message(result), buf, len, out_n) }
}

/// The detail of the last failure of a library function on the calling
/// thread (empty if none failed), in `buf` as [`elicence_result_message`]
/// writes. The detail names what was wrong (which field, which check) and
/// never a key's secret.
///
/// # Safety
/// As [`elicence_result_message`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_last_error_message(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> elicence_result {
    let detail = LAST_ERROR.with(|last| last.borrow().clone());
    // SAFETY: as this function's contract.
    unsafe { copy_out(&detail, buf, len, out_n) }
}
