//! Rendering a signed licence.

use std::ffi::c_char;

use super::{Failure, bytes_in, elicence_bytes, elicence_result, give, guard, out_ok, text_in};
use crate::envelope::SignedLicence;
use crate::render::{FontError, RenderError, RenderOptions, RenderOptionsError, Renderer};

/// The envelope and the renderer its options describe.
///
/// # Safety
/// As the exported functions.
unsafe fn prepare(
    envelope: *const u8,
    len: usize,
    options_json: *const c_char,
    options_len: usize,
) -> Result<(SignedLicence, RenderOptions), Failure> {
    // SAFETY: as the callers' contract.
    let envelope = unsafe { bytes_in(envelope, len, "envelope")? };
    // SAFETY: as the callers' contract.
    let options = unsafe { text_in(options_json, options_len, "options_json")? };
    let signed = SignedLicence::from_slice(envelope).map_err(|e| {
        Failure::new(
            elicence_result::ELICENCE_MALFORMED_INPUT,
            format!("envelope: {e}"),
        )
    })?;
    let options = RenderOptions::from_json(options).map_err(|e| {
        let result = match &e {
            RenderOptionsError::TooLong { .. } => elicence_result::ELICENCE_TOO_LARGE,
            RenderOptionsError::Font(FontError::Read { .. }) => elicence_result::ELICENCE_IO,
            _ => elicence_result::ELICENCE_OPTIONS_REFUSED,
        };
        Failure::new(result, e.to_string())
    })?;
    Ok((signed, options))
}

fn render_failed(error: RenderError) -> Failure {
    Failure::new(elicence_result::ELICENCE_RENDER_FAILED, error.to_string())
}

/// Draws the licence in `envelope` (bare or a `.cose` file) as its
/// printable PDF, with the options in `options_json` (UTF-8 JSON, NULL with
/// 0 for the defaults; see the README's "Rendering options"): the QR base,
/// PNG width, QR levels, a template, a seal picture, the holder's photo, a
/// font file. The envelope is not verified here: render what you issued,
/// or verify first. On success `*pdf_out` is new bytes the caller frees.
/// Thread-safe.
///
/// # Safety
/// Each pointer and length pair NULL with 0 or that many readable bytes;
/// `pdf_out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_render_pdf(
    envelope: *const u8,
    len: usize,
    options_json: *const c_char,
    options_len: usize,
    pdf_out: *mut *mut elicence_bytes,
) -> elicence_result {
    guard(|| {
        out_ok(pdf_out, "pdf_out")?;
        // SAFETY: as this function's contract.
        let (signed, options) = unsafe { prepare(envelope, len, options_json, options_len)? };
        let pdf = render_with(&options, |renderer, photo| {
            renderer.render_pdf(&signed, photo)
        })?;
        // SAFETY: `pdf_out` was checked and is writable by contract.
        unsafe { give(pdf_out, elicence_bytes::new(pdf)) };
        Ok(())
    })
}

/// As [`elicence_render_pdf`], the phone PNG (电子亮证).
///
/// # Safety
/// As [`elicence_render_pdf`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_render_png(
    envelope: *const u8,
    len: usize,
    options_json: *const c_char,
    options_len: usize,
    png_out: *mut *mut elicence_bytes,
) -> elicence_result {
    guard(|| {
        out_ok(png_out, "png_out")?;
        // SAFETY: as this function's contract.
        let (signed, options) = unsafe { prepare(envelope, len, options_json, options_len)? };
        let png = render_with(&options, |renderer, photo| {
            renderer.render_png(&signed, photo)
        })?;
        // SAFETY: `png_out` was checked and is writable by contract.
        unsafe { give(png_out, elicence_bytes::new(png)) };
        Ok(())
    })
}

fn render_with(
    options: &RenderOptions,
    draw: impl FnOnce(&Renderer, Option<&[u8]>) -> Result<Vec<u8>, RenderError>,
) -> Result<Vec<u8>, Failure> {
    draw(&options.renderer, options.photo.as_deref()).map_err(render_failed)
}
