//! Rendering: a signed licence as a phone PNG and a small PDF, each with a QR
//! verification code, CJK text from a per-type template, the holder's photo
//! and the issuer's seal stamp.
//!
//! Everything here is behind the `render` feature so that an issuing system
//! that only signs compiles none of it. Fonts and templates are parsed once
//! into a [`Renderer`] and reused: parsing a CJK font costs more than
//! laying out a page.
//!
//! Both outputs come from one layout (the private `scene` module), so the PNG and the PDF of a
//! licence agree, and everything that can fail for a given licence (a
//! character no font has, text that does not fit its box, a photo that does
//! not match the signed digest) fails before either is drawn. Output is
//! deterministic: the same licence, photo and options give the same bytes.
//!
//! ```
//! # #[cfg(feature = "embedded-font")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use elicence::render::{FontSet, Renderer, envelope_from_pdf};
//! use elicence::{Licence, SignedLicence, SigningKey, UnixTime};
//!
//! let json = include_str!("../examples/licences/driving-licence.json");
//! let signed_at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00")?;
//! let signed = SignedLicence::sign(Licence::from_json(json)?, &SigningKey::generate(), signed_at)?;
//!
//! // Parse the font once; reuse the renderer for every licence.
//! let renderer = Renderer::new(FontSet::embedded()?);
//! let png = renderer.render_png(&signed, None)?; // no photo: the licence signs none
//! let pdf = renderer.render_pdf(&signed, None)?;
//! assert!(png.starts_with(b"\x89PNG"));
//! assert_eq!(envelope_from_pdf(&pdf)?, signed.as_bytes());
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "embedded-font"))]
//! # fn main() {}
//! ```

pub mod font;
pub mod options;
pub mod pdf;
pub mod qr_image;
mod raster;
mod scene;
pub mod stamp;
pub mod template;

use thiserror::Error;

use crate::envelope::SignedLicence;
use crate::qr::{QrBase, to_qr_text};
use crate::render::stamp::{StampError, StampSpec, load_stamp_png};

pub use crate::pdf::{ENVELOPE_FILE_NAME, PdfError, envelope_from_pdf};
pub use font::{
    FallbackReport, Font, FontError, FontSet, FontSource, MissingGlyph, MissingGlyphs, SkippedFont,
};
pub use options::{RenderOptions, RenderOptionsError};
pub use qr_image::{EcLevel, QrImage, QrImageError};
pub use template::{Template, TemplateError, TemplateSet};

/// Width of the phone PNG when none is set, in pixels.
pub const DEFAULT_PNG_WIDTH: u32 = 1080;
/// Narrowest and widest PNG accepted.
const PNG_WIDTH: (u32, u32) = (320, 4096);
/// Largest photo accepted, in bytes and in pixels per side.
pub const MAX_PHOTO_LEN: usize = 2 * 1024 * 1024;
const MAX_PHOTO_SIDE: u32 = 4096;

/// Why a licence could not be rendered.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum RenderError {
    /// Characters that no font in the set has: all of them, each with its
    /// field (rendering checks all of the licence's text before layout).
    #[error(transparent)]
    MissingGlyphs(#[from] MissingGlyphs),
    /// A value that does not fit its box even at the smallest size allowed.
    #[error(
        "{field} does not fit: at the smallest size it needs {lines_needed} lines of {width_mm:.1} mm, the template gives it {lines_allowed}"
    )]
    Overflow {
        /// The field, e.g. `face:经营范围`.
        field: String,
        /// Lines the value takes at the smallest size allowed.
        lines_needed: usize,
        /// Lines the template gives it.
        lines_allowed: usize,
        /// The width of a line, mm.
        width_mm: f32,
    },
    /// Two things on the page would be drawn over each other, e.g. a long
    /// label over its value, or a value over the QR code.
    #[error("{first} would be drawn over {second} on template {template:?}")]
    Overlap {
        /// What was placed first (a field's source, `qr`, `photo`, `seal`, `texts[i]`).
        first: String,
        /// What it overlaps.
        second: String,
        /// The template's name.
        template: String,
    },
    /// The template shows a value that this licence does not have.
    #[error("the template shows {field}, which this licence does not have")]
    MissingValue {
        /// The field.
        field: String,
    },
    /// A face field that the template has no place for.
    #[error(
        "face field {label:?} has no place in template {template:?} (add a field or a face_list)"
    )]
    UnplacedFaceField {
        /// The face field's label.
        label: String,
        /// The template's name.
        template: String,
    },
    /// The photo's SHA-256 is not the one the licence signs.
    #[error("the photo does not match the licence's photo_sha256")]
    PhotoMismatch,
    /// The licence signs a photo digest but no photo was given.
    #[error("the licence has a photo_sha256 but no photo was given")]
    PhotoMissing,
    /// A photo was given for a licence that signs none: it would be unverifiable.
    #[error("a photo was given but the licence signs no photo_sha256")]
    PhotoNotInLicence,
    /// The licence has a photo but the template has no place for it.
    #[error("template {template:?} has no place for a photo")]
    NoPhotoPlace {
        /// The template's name.
        template: String,
    },
    /// An image (photo, background, seal) that cannot be used.
    #[error("{what}: {reason}")]
    Image {
        /// Which image.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The QR code could not be made.
    #[error(transparent)]
    Qr(#[from] QrImageError),
    /// The seal stamp could not be made.
    #[error(transparent)]
    Stamp(#[from] StampError),
    /// A setting out of range.
    #[error("{what} is {value}, outside {min}..={max}")]
    Setting {
        /// The setting.
        what: &'static str,
        /// The value given.
        value: u32,
        /// Smallest allowed.
        min: u32,
        /// Largest allowed.
        max: u32,
    },
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// Renders signed licences. Build one, configure it, and reuse it.
#[derive(Debug, Clone)]
pub struct Renderer {
    fonts: FontSet,
    templates: TemplateSet,
    base: QrBase,
    screen_level: EcLevel,
    print_level: EcLevel,
    png_width: u32,
    seal_png: Option<tiny_skia::Pixmap>,
    stamp_in_pdf: bool,
}

impl Renderer {
    /// A renderer drawing with `fonts`, the built-in templates, the default
    /// scan endpoint, QR level M on screen and Q in print, PNGs 1080 px wide.
    pub fn new(fonts: FontSet) -> Renderer {
        Renderer {
            fonts,
            templates: TemplateSet::default(),
            base: QrBase::default(),
            screen_level: EcLevel::M,
            print_level: EcLevel::Q,
            png_width: DEFAULT_PNG_WIDTH,
            seal_png: None,
            stamp_in_pdf: true,
        }
    }

    /// A renderer with the embedded default face, then the system's CJK
    /// fonts as a fallback.
    ///
    /// # Errors
    /// [`FontError`] only if the embedded font were damaged.
    #[cfg(feature = "embedded-font")]
    pub fn with_embedded_font() -> Result<Renderer, FontError> {
        let mut fonts = FontSet::embedded()?;
        fonts.push_system_fonts();
        Ok(Renderer::new(fonts))
    }

    /// The templates used, by licence type.
    pub fn templates(&self) -> &TemplateSet {
        &self.templates
    }

    /// Replaces the templates.
    pub fn set_templates(&mut self, templates: TemplateSet) -> &mut Renderer {
        self.templates = templates;
        self
    }

    /// The fonts used.
    pub fn fonts(&self) -> &FontSet {
        &self.fonts
    }

    /// Sets the scan endpoint the QR text starts with.
    pub fn set_qr_base(&mut self, base: QrBase) -> &mut Renderer {
        self.base = base;
        self
    }

    /// Sets the QR error-correction levels for the PNG (screen) and the PDF (print).
    pub fn set_qr_levels(&mut self, screen: EcLevel, print: EcLevel) -> &mut Renderer {
        self.screen_level = screen;
        self.print_level = print;
        self
    }

    /// Sets the PNG width in pixels.
    ///
    /// # Errors
    /// [`RenderError::Setting`] outside 320–4096.
    pub fn set_png_width(&mut self, width: u32) -> Result<&mut Renderer, RenderError> {
        if !(PNG_WIDTH.0..=PNG_WIDTH.1).contains(&width) {
            return Err(RenderError::Setting {
                what: "PNG width",
                value: width,
                min: PNG_WIDTH.0,
                max: PNG_WIDTH.1,
            });
        }
        self.png_width = width;
        Ok(self)
    }

    /// Uses a supplied seal picture (PNG with alpha) instead of generating
    /// one from the issuer's name.
    ///
    /// # Errors
    /// [`RenderError::Stamp`] if the PNG cannot be used.
    pub fn set_seal_png(&mut self, png: &[u8]) -> Result<&mut Renderer, RenderError> {
        self.seal_png = Some(load_stamp_png(png)?);
        Ok(self)
    }

    /// Whether the PDF carries a drawn stamp (the default). Turn it off for
    /// PDFs that will be sealed with [`crate::seal::pdf`]: there the stamp is
    /// the signature's appearance, and a drawn one under it would be a seal
    /// without a signature. The PNG always shows the stamp.
    pub fn set_stamp_in_pdf(&mut self, yes: bool) -> &mut Renderer {
        self.stamp_in_pdf = yes;
        self
    }

    /// The seal's place on the template this licence uses.
    pub fn seal_place(&self, licence: &SignedLicence) -> &template::SealPlace {
        &self.templates.for_type(licence.licence().type_code()).seal
    }

    /// The phone image (电子亮证), laid out for a phone rather than shrunk
    /// from the printed page: the holder, number, validity and issuer first
    /// with the seal over the issuer and date, then one QR code of a whole
    /// number of pixels a module (at least 3), then the other face fields.
    /// At the default 1080 px the smallest text is 29.6 px. A person's
    /// identity number in the licence number is masked.
    ///
    /// `photo` is the holder's photo as a PNG; its SHA-256 must be the
    /// licence's `photo_sha256`.
    ///
    /// # Errors
    /// [`RenderError`] for anything this licence, photo or template cannot do.
    pub fn render_png(
        &self,
        licence: &SignedLicence,
        photo: Option<&[u8]>,
    ) -> Result<Vec<u8>, RenderError> {
        let page = self.prepare(licence, photo, Layout::Phone(self.png_width))?;
        raster::render_png(&page, self.png_width)
    }

    /// The printable PDF: vector text in a subset of the font, the QR as
    /// vector squares, photo and seal as images, metadata, and the envelope
    /// embedded as `licence.cose` so the PDF alone can be verified
    /// (see [`envelope_from_pdf`]).
    ///
    /// # Errors
    /// [`RenderError`] for anything this licence, photo or template cannot do.
    pub fn render_pdf(
        &self,
        licence: &SignedLicence,
        photo: Option<&[u8]>,
    ) -> Result<Vec<u8>, RenderError> {
        let page = self.prepare(licence, photo, Layout::Template)?;
        pdf::render_pdf(&page, licence)
    }

    /// Checks, before a licence is signed, that its template can draw it:
    /// every character has a font, every value fits its place (the error
    /// says which field and by how much) and nothing is drawn over anything
    /// else. The photo a licence signs need not be at hand.
    ///
    /// # Errors
    /// The [`RenderError`] rendering this licence would fail with.
    pub fn check_layout(&self, licence: &crate::Licence) -> Result<(), RenderError> {
        let template = self.templates.for_type(licence.type_code());
        font::check_licence(&self.fonts, licence, template, self.seal_png.is_none())?;
        scene::lay_out_with(licence, template, &self.fonts, None, false)?;
        Ok(())
    }

    fn prepare<'a>(
        &'a self,
        signed: &'a SignedLicence,
        photo: Option<&[u8]>,
        layout: Layout,
    ) -> Result<Page<'a>, RenderError> {
        let licence = signed.licence();
        let template = self.templates.for_type(licence.type_code());
        font::check_licence(&self.fonts, licence, template, self.seal_png.is_none())?;
        if let Some(bytes) = photo
            && bytes.len() > MAX_PHOTO_LEN
        {
            return Err(RenderError::Image {
                what: "photo",
                reason: format!("{} bytes, more than {MAX_PHOTO_LEN}", bytes.len()),
            });
        }
        let qr_text = to_qr_text(signed, &self.base);
        let (scene, qr) = match layout {
            Layout::Template => (
                scene::lay_out(licence, template, &self.fonts, photo)?,
                QrImage::new(&qr_text, self.print_level)?,
            ),
            Layout::Phone(width) => {
                let qr = QrImage::new(&qr_text, self.screen_level)?;
                let side = u32::try_from(qr.side_with_quiet_zone()).unwrap_or(u32::MAX);
                let scene =
                    scene::lay_out_phone(licence, template, &self.fonts, photo, side, width)?;
                (scene, qr)
            }
        };
        let photo = photo.map(|bytes| decode_png("photo", bytes)).transpose()?;
        // Only the printed page has the template's background; the phone
        // image is laid out on its own.
        let background = match layout {
            Layout::Template => template
                .background_png
                .as_deref()
                .map(|bytes| decode_png("background image", bytes))
                .transpose()?,
            Layout::Phone(_) => None,
        };
        let mut stamp = StampSpec::new(licence.issuer().name(), template.seal.purpose.as_deref());
        stamp.diameter_mm = template.seal.diameter;
        Ok(Page {
            scene,
            fonts: &self.fonts,
            faces: self.fonts.faces(),
            qr,
            photo,
            background,
            stamp,
            seal_png: self.seal_png.as_ref(),
            stamp_in_pdf: self.stamp_in_pdf,
            title: scene::title(licence, template).to_owned(),
        })
    }
}

/// Which layout a back end draws.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// The template's page, for print.
    Template,
    /// The phone image this many pixels wide.
    Phone(u32),
}

/// Everything a back end needs for one licence.
pub(crate) struct Page<'a> {
    pub scene: scene::Scene,
    pub fonts: &'a FontSet,
    pub faces: font::Faces<'a>,
    pub qr: QrImage,
    pub photo: Option<tiny_skia::Pixmap>,
    pub background: Option<tiny_skia::Pixmap>,
    pub stamp: StampSpec,
    pub seal_png: Option<&'a tiny_skia::Pixmap>,
    pub stamp_in_pdf: bool,
    /// The licence's heading: its template's title, else its type name.
    pub title: String,
}

fn decode_png(what: &'static str, bytes: &[u8]) -> Result<tiny_skia::Pixmap, RenderError> {
    let bad = |reason: String| RenderError::Image { what, reason };
    // Read the header first so a small file cannot ask for a huge allocation.
    let (width, height) = png_size(bytes).ok_or_else(|| bad("not a PNG file".into()))?;
    if width == 0 || height == 0 || width > MAX_PHOTO_SIDE || height > MAX_PHOTO_SIDE {
        return Err(bad(format!(
            "{width}×{height} pixels; at most {MAX_PHOTO_SIDE} a side"
        )));
    }
    tiny_skia::Pixmap::decode_png(bytes).map_err(|e| bad(e.to_string()))
}

/// Width and height from a PNG's IHDR chunk, read before decoding so that a
/// small file claiming a huge image is refused without allocating it.
pub(crate) fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    if bytes.get(..8)? != SIGNATURE || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    Some((word(16)?, word(20)?))
}

#[cfg(test)]
mod tests;
