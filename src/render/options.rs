//! Rendering options as one JSON object, for callers that cannot build a
//! [`Renderer`] field by field (the C ABI, other languages): every setting
//! the command line's `render` has, with the same defaults.
//!
//! ```json
//! {"qr_base": "https://verify.example.gov.cn/c/", "png_width": 1080,
//!  "screen_level": "M", "print_level": "Q", "stamp_in_pdf": true,
//!  "template": { … }, "seal_png_base64": "…", "photo_base64": "…",
//!  "font_path": "/usr/share/fonts/…", "font_index": 0}
//! ```
//!
//! Every field may be left out; unknown fields are refused, so that a
//! misspelt option is an error rather than silently the default.

use std::path::PathBuf;

use base64ct::{Base64, Encoding};
use serde::Deserialize;
use thiserror::Error;

use super::{EcLevel, Font, FontError, FontSet, RenderError, Renderer, Template, TemplateSet};
use crate::qr::QrBase;

/// The largest options text read, in bytes: a template and a seal picture
/// fit many times over.
pub const MAX_OPTIONS_LEN: usize = 16 * 1024 * 1024;

/// Why options were refused.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RenderOptionsError {
    /// Not the expected JSON (an unknown field, a wrong type…).
    #[error("render options: {0}")]
    Json(String),
    /// Longer than [`MAX_OPTIONS_LEN`].
    #[error("render options are {len} bytes, more than {MAX_OPTIONS_LEN}")]
    TooLong {
        /// Their length.
        len: usize,
    },
    /// A field is not valid.
    #[error("render options: {field}: {reason}")]
    Field {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The font cannot be read.
    #[error(transparent)]
    Font(#[from] FontError),
    /// The renderer refused a value (a width out of range, a seal picture
    /// that is not a PNG…).
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// What [`RenderOptions::from_json`] reads.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields {
    qr_base: Option<String>,
    png_width: Option<u32>,
    screen_level: Option<String>,
    print_level: Option<String>,
    stamp_in_pdf: Option<bool>,
    template: Option<serde_json::Value>,
    seal_png_base64: Option<String>,
    photo_base64: Option<String>,
    font_path: Option<PathBuf>,
    font_index: Option<u32>,
}

/// A renderer set up from options, and the holder's photo if one was given.
#[derive(Debug)]
#[non_exhaustive]
pub struct RenderOptions {
    /// The renderer.
    pub renderer: Renderer,
    /// The holder's photo, for licences that sign its digest.
    pub photo: Option<Vec<u8>>,
}

impl RenderOptions {
    /// Reads options from JSON text; empty text means every default.
    ///
    /// # Errors
    /// [`RenderOptionsError`].
    pub fn from_json(text: &str) -> Result<RenderOptions, RenderOptionsError> {
        if text.len() > MAX_OPTIONS_LEN {
            return Err(RenderOptionsError::TooLong { len: text.len() });
        }
        let fields: Fields = if text.trim().is_empty() {
            Fields::default()
        } else {
            serde_json::from_str(text).map_err(|e| RenderOptionsError::Json(e.to_string()))?
        };
        let first = fields
            .font_path
            .as_deref()
            .map(|path| Font::from_path(path, fields.font_index.unwrap_or(0)))
            .transpose()?;
        let mut renderer = Renderer::new(FontSet::usual(first)?);
        if let Some(template) = &fields.template {
            let template =
                Template::from_json(&template.to_string()).map_err(|e| field("template", e))?;
            renderer.set_templates(TemplateSet::single(template));
        }
        if let Some(base) = &fields.qr_base {
            renderer.set_qr_base(QrBase::new(base).map_err(|e| field("qr_base", e))?);
        }
        let level = |name: &'static str, value: &Option<String>, default: EcLevel| match value {
            Some(text) => text.parse::<EcLevel>().map_err(|e| field(name, e)),
            None => Ok(default),
        };
        renderer.set_qr_levels(
            level("screen_level", &fields.screen_level, EcLevel::M)?,
            level("print_level", &fields.print_level, EcLevel::Q)?,
        );
        renderer.set_stamp_in_pdf(fields.stamp_in_pdf.unwrap_or(true));
        if let Some(width) = fields.png_width {
            renderer.set_png_width(width)?;
        }
        if let Some(seal) = &fields.seal_png_base64 {
            renderer.set_seal_png(&base64(seal).map_err(|e| field("seal_png_base64", e))?)?;
        }
        let photo = fields
            .photo_base64
            .as_deref()
            .map(base64)
            .transpose()
            .map_err(|e| field("photo_base64", e))?;
        Ok(RenderOptions { renderer, photo })
    }
}

fn base64(text: &str) -> Result<Vec<u8>, &'static str> {
    Base64::decode_vec(text.trim()).map_err(|_| "not standard base64")
}

fn field(field: &'static str, reason: impl ToString) -> RenderOptionsError {
    RenderOptionsError::Field {
        field,
        reason: reason.to_string(),
    }
}
