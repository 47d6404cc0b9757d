//! Fonts: the faces text is drawn with, in the order they are tried.
//!
//! Neither tiny-skia nor printpdf falls back to another face by itself, so a
//! [`FontSet`] splits every string into runs, each drawn with the first face
//! that has all of its characters. A character that no face has is an error
//! naming the character and the field: a licence must never show a blank box
//! where a rare name character (生僻字) should be. Rendering checks all of a
//! licence's text first, so one error lists every such character
//! ([`MissingGlyphs`]).
//!
//! Fallback faces come from a font database (fontdb): the system's fonts
//! ([`FontSet::push_system_fonts`]) or given directories
//! ([`FontSet::push_fonts_in_dirs`]). A face is added only if it has a
//! character that the faces before it lack, so the embedded face draws
//! everything it has and a fallback face only the rest.

mod coverage;
mod system;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use thiserror::Error;

pub(crate) use coverage::check_licence;
pub use system::{FallbackReport, SkippedFont};

/// The embedded default face: Noto Serif CJK SC cut to GB 2312, the 8,105
/// characters of the Table of General Standard Chinese Characters (通用规范
/// 汉字表, 2013) and Latin (SIL Open Font License 1.1; see `fonts/README.md`
/// for how it was made).
#[cfg(feature = "embedded-font")]
static EMBEDDED: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fonts/NotoSerifSC-Regular-Subset.otf"
));

/// Largest font file accepted, so a stray path cannot make us read gigabytes.
pub const MAX_FONT_FILE: u64 = 64 * 1024 * 1024;

/// Why a font could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FontError {
    /// The file could not be read.
    #[error("cannot read font {path}: {reason}")]
    Read {
        /// The path given.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The file is larger than [`MAX_FONT_FILE`].
    #[error("font {path} is {len} bytes, more than the {MAX_FONT_FILE} accepted")]
    TooLarge {
        /// The path given.
        path: PathBuf,
        /// Its size in bytes.
        len: u64,
    },
    /// The bytes are not a TrueType/OpenType font or collection, or the face
    /// index is beyond the collection.
    #[error("not a usable TrueType/OpenType font (face {index}): {reason}")]
    Parse {
        /// The face index asked for.
        index: u32,
        /// What the parser said.
        reason: String,
    },
    /// The face has no Unicode character map, so no text can be drawn with it.
    #[error("font face has no Unicode character map")]
    NoUnicodeMap,
}

/// Where a face came from, for messages and for choosing a PDF font name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FontSource {
    /// The face built into the crate (feature `embedded-font`).
    Embedded,
    /// Bytes handed over by the caller.
    Bytes,
    /// A file the caller named.
    File(PathBuf),
    /// A file found among the system's fonts.
    System(PathBuf),
}

#[derive(Clone)]
enum FontBytes {
    #[cfg_attr(not(feature = "embedded-font"), allow(dead_code))]
    Static(&'static [u8]),
    Shared(Arc<[u8]>),
}

impl FontBytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            FontBytes::Static(bytes) => bytes,
            FontBytes::Shared(bytes) => bytes,
        }
    }
}

/// One font face, checked to parse and to have a Unicode character map.
///
/// Cloning is cheap: the bytes are shared.
#[derive(Clone)]
pub struct Font {
    bytes: FontBytes,
    index: u32,
    source: FontSource,
    units_per_em: f32,
    // printpdf's parse of a CJK face costs milliseconds: do it once, and only
    // for faces a PDF actually uses.
    pdf: Arc<OnceLock<Option<printpdf::ParsedFont>>>,
}

impl core::fmt::Debug for Font {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Font")
            .field("source", &self.source)
            .field("index", &self.index)
            .field("len", &self.bytes.as_slice().len())
            .finish()
    }
}

impl Font {
    /// The embedded default face.
    #[cfg(feature = "embedded-font")]
    pub fn embedded() -> Result<Font, FontError> {
        Font::parse(FontBytes::Static(EMBEDDED), 0, FontSource::Embedded)
    }

    /// A face from font bytes (`index` picks the face of a `.ttc` collection).
    ///
    /// # Errors
    /// [`FontError::Parse`] or [`FontError::NoUnicodeMap`].
    pub fn from_bytes(bytes: Vec<u8>, index: u32) -> Result<Font, FontError> {
        Font::parse(FontBytes::Shared(bytes.into()), index, FontSource::Bytes)
    }

    /// A face from a font file (`index` picks the face of a `.ttc` collection).
    ///
    /// # Errors
    /// [`FontError::Read`], [`FontError::TooLarge`], [`FontError::Parse`] or
    /// [`FontError::NoUnicodeMap`].
    pub fn from_path(path: &Path, index: u32) -> Result<Font, FontError> {
        Font::read(path, index, FontSource::File(path.to_path_buf()))
    }

    fn read(path: &Path, index: u32, source: FontSource) -> Result<Font, FontError> {
        Font::parse(FontBytes::Shared(read_font_file(path)?), index, source)
    }

    fn parse(bytes: FontBytes, index: u32, source: FontSource) -> Result<Font, FontError> {
        let face =
            ttf_parser::Face::parse(bytes.as_slice(), index).map_err(|e| FontError::Parse {
                index,
                reason: e.to_string(),
            })?;
        let has_unicode_map = face
            .tables()
            .cmap
            .is_some_and(|cmap| cmap.subtables.into_iter().any(|s| s.is_unicode()));
        if !has_unicode_map {
            return Err(FontError::NoUnicodeMap);
        }
        let units_per_em = f32::from(face.units_per_em());
        Ok(Font {
            bytes,
            index,
            source,
            units_per_em,
            pdf: Arc::new(OnceLock::new()),
        })
    }

    /// Where this face came from.
    pub fn source(&self) -> &FontSource {
        &self.source
    }

    /// The face, parsed again: ttf-parser parses lazily, so this is cheap.
    /// `None` cannot happen for a `Font` (it parsed when made) but is handled
    /// rather than unwrapped.
    pub(crate) fn face(&self) -> Option<ttf_parser::Face<'_>> {
        ttf_parser::Face::parse(self.bytes.as_slice(), self.index).ok()
    }

    /// Whether the face has a glyph for `ch`. Whitespace counts as present:
    /// it is drawn as an advance, never as a glyph.
    pub fn has_char(&self, ch: char) -> bool {
        self.face().is_some_and(|face| has_char(&face, ch))
    }

    /// The face as printpdf wants it, parsed on first use.
    pub(crate) fn pdf_font(&self) -> Option<&printpdf::ParsedFont> {
        self.pdf
            .get_or_init(|| {
                let mut warnings = Vec::new();
                printpdf::ParsedFont::from_bytes(
                    self.bytes.as_slice(),
                    usize::try_from(self.index).unwrap_or(usize::MAX),
                    &mut warnings,
                )
            })
            .as_ref()
    }
}

/// The bytes of a font file, refused before reading if larger than
/// [`MAX_FONT_FILE`]. The read itself is capped too, in case the file grows
/// between the size check and the read.
fn read_font_file(path: &Path) -> Result<Arc<[u8]>, FontError> {
    use std::io::Read;
    let read_error = |e: std::io::Error| FontError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let too_large = |len: u64| FontError::TooLarge {
        path: path.to_path_buf(),
        len,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let len = file.metadata().map_err(read_error)?.len();
    if len > MAX_FONT_FILE {
        return Err(too_large(len));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(MAX_FONT_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > MAX_FONT_FILE {
        return Err(too_large(read));
    }
    Ok(bytes.into())
}

/// Turns font units (y up) into pixels (y down).
struct PathSink {
    path: tiny_skia::PathBuilder,
    scale: f32,
}

impl ttf_parser::OutlineBuilder for PathSink {
    fn move_to(&mut self, x: f32, y: f32) {
        self.path.move_to(x * self.scale, -y * self.scale);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.path.line_to(x * self.scale, -y * self.scale);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let s = self.scale;
        self.path.quad_to(x1 * s, -y1 * s, x * s, -y * s);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let s = self.scale;
        self.path
            .cubic_to(x1 * s, -y1 * s, x2 * s, -y2 * s, x * s, -y * s);
    }
    fn close(&mut self) {
        self.path.close();
    }
}

fn has_char(face: &ttf_parser::Face<'_>, ch: char) -> bool {
    ch.is_whitespace() || face.glyph_index(ch).is_some_and(|g| g.0 != 0)
}

/// A run of text drawn with one face.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    /// Index into the set's faces.
    pub font: usize,
    /// The text.
    pub text: String,
}

/// Faces tried in order for every character.
#[derive(Debug, Clone, Default)]
pub struct FontSet {
    fonts: Vec<Font>,
}

impl FontSet {
    /// An empty set; add faces with [`FontSet::push`].
    pub fn new() -> FontSet {
        FontSet::default()
    }

    /// The embedded default face alone.
    ///
    /// # Errors
    /// [`FontError`] only if the embedded file were damaged.
    #[cfg(feature = "embedded-font")]
    pub fn embedded() -> Result<FontSet, FontError> {
        Ok(FontSet {
            fonts: vec![Font::embedded()?],
        })
    }

    /// The usual faces: `first` (a user's own font), then the embedded
    /// face (with feature `embedded-font`), then the system faces that have
    /// characters those lack ([`FontSet::push_system_fonts`]).
    ///
    /// # Errors
    /// [`FontError`] only if the embedded file were damaged.
    pub fn usual(first: Option<Font>) -> Result<FontSet, FontError> {
        let mut fonts = FontSet::new();
        if let Some(font) = first {
            fonts.push(font);
        }
        #[cfg(feature = "embedded-font")]
        fonts.push(Font::embedded()?);
        fonts.push_system_fonts();
        Ok(fonts)
    }

    /// Adds a face, tried after the ones already in the set.
    pub fn push(&mut self, font: Font) -> &mut FontSet {
        self.fonts.push(font);
        self
    }

    /// Adds the system's fonts that have characters the faces already in the
    /// set lack, each tried after the ones before it, and says what it added
    /// and skipped. The fonts are those in the directories fontconfig's
    /// configuration names (on Linux and the BSDs; the usual directories
    /// where there is none, and on Windows and macOS). Regular upright faces
    /// only; serif (Song) faces and Simplified Chinese faces are tried first.
    ///
    /// Files that cannot be used (unreadable, larger than [`MAX_FONT_FILE`],
    /// not a font) are skipped and listed in the report: a fallback must not
    /// turn a working setup into an error.
    pub fn push_system_fonts(&mut self) -> FallbackReport {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        system::push_covering(self, &db, FontSource::System)
    }

    /// As [`FontSet::push_system_fonts`], but with the fonts in `dirs`
    /// (searched recursively for `.ttf`, `.otf`, `.ttc` and `.otc` files)
    /// instead of the system's: for deployments that ship their own fonts.
    pub fn push_fonts_in_dirs<P: AsRef<Path>>(&mut self, dirs: &[P]) -> FallbackReport {
        let mut db = fontdb::Database::new();
        for dir in dirs {
            db.load_fonts_dir(dir);
        }
        system::push_covering(self, &db, FontSource::File)
    }

    /// The faces, in the order they are tried.
    pub fn fonts(&self) -> &[Font] {
        &self.fonts
    }

    pub(crate) fn font(&self, index: usize) -> Option<&Font> {
        self.fonts.get(index)
    }

    /// The first face that has `ch`, if any.
    pub fn font_for(&self, ch: char) -> Option<usize> {
        self.faces().font_for(ch)
    }

    /// The faces parsed for one rendering pass. ttf-parser parses lazily but
    /// not for free (a CID-keyed CFF face costs microseconds), and layout asks
    /// for thousands of advances: parse once per pass, not per character.
    pub(crate) fn faces(&self) -> Faces<'_> {
        Faces {
            faces: self
                .fonts
                .iter()
                .map(|font| font.face().map(|face| (face, font.units_per_em)))
                .collect(),
        }
    }
}

/// The faces of a [`FontSet`], parsed, for one rendering pass.
pub(crate) struct Faces<'a> {
    faces: Vec<Option<(ttf_parser::Face<'a>, f32)>>,
}

impl Faces<'_> {
    /// The first face that has `ch`, if any.
    pub(crate) fn font_for(&self, ch: char) -> Option<usize> {
        self.faces
            .iter()
            .position(|face| face.as_ref().is_some_and(|(f, _)| has_char(f, ch)))
    }

    /// The advance of `ch` in face `font`, as a fraction of the font size; half
    /// an em for a character the face lacks (coverage is checked by [`Faces::runs`]).
    pub(crate) fn advance(&self, font: usize, ch: char) -> f32 {
        self.faces
            .get(font)
            .and_then(Option::as_ref)
            .and_then(|(face, units_per_em)| {
                let glyph = face.glyph_index(ch)?;
                Some(f32::from(face.glyph_hor_advance(glyph)?) / units_per_em)
            })
            .unwrap_or(0.5)
    }

    /// The outline of `ch` in face `font`, in pixels at `size_px` per em, pen
    /// on the baseline at the origin, y down. `None` for whitespace.
    pub(crate) fn glyph_path(
        &self,
        font: usize,
        ch: char,
        size_px: f32,
    ) -> Option<tiny_skia::Path> {
        let (face, units_per_em) = self.faces.get(font)?.as_ref()?;
        let glyph = face.glyph_index(ch)?;
        let mut builder = PathSink {
            path: tiny_skia::PathBuilder::new(),
            scale: size_px / units_per_em,
        };
        face.outline_glyph(glyph, &mut builder)?;
        builder.path.finish()
    }

    /// Splits `text` into runs by face. `field` names the text in the error.
    ///
    /// # Errors
    /// [`MissingGlyph`] for the first character that no face has.
    pub(crate) fn runs(&self, text: &str, field: &str) -> Result<Vec<Run>, MissingGlyph> {
        let mut runs: Vec<Run> = Vec::new();
        for ch in text.chars() {
            // Whitespace stays in the current run so runs do not fragment.
            let font = match runs.last() {
                Some(last) if ch.is_whitespace() => last.font,
                _ => self.font_for(ch).ok_or_else(|| MissingGlyph {
                    ch,
                    field: field.to_owned(),
                })?,
            };
            match runs.last_mut() {
                Some(last) if last.font == font => last.text.push(ch),
                _ => runs.push(Run {
                    font,
                    text: ch.to_string(),
                }),
            }
        }
        Ok(runs)
    }
}

/// A character that no face in the set can draw.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("no font has a glyph for {ch:?} (U+{code:04X}) in {field}", code = u32::from(*ch))]
pub struct MissingGlyph {
    /// The character.
    pub ch: char,
    /// The field it appears in, e.g. `holder.name`.
    pub field: String,
}

/// Every character of a licence that no face in the set can draw, each with
/// its field, in the order they appear; a character appears once per field.
///
/// The message groups them by field, e.g. `no font has 𠮷 (U+20BB7) in
/// holder.name; 𡘙 (U+21619) in face:地址`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub struct MissingGlyphs {
    /// The characters, never empty.
    pub missing: Vec<MissingGlyph>,
}

impl MissingGlyphs {
    /// The fields that have a missing character, each once, in order.
    pub fn fields(&self) -> Vec<&str> {
        let mut fields: Vec<&str> = Vec::new();
        for glyph in &self.missing {
            if !fields.contains(&glyph.field.as_str()) {
                fields.push(&glyph.field);
            }
        }
        fields
    }

    /// The missing characters of `field`, in order.
    pub fn chars_in(&self, field: &str) -> Vec<char> {
        self.missing
            .iter()
            .filter(|glyph| glyph.field == field)
            .map(|glyph| glyph.ch)
            .collect()
    }
}

impl core::fmt::Display for MissingGlyphs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("no font has ")?;
        for (i, field) in self.fields().into_iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            for (j, ch) in self.chars_in(field).into_iter().enumerate() {
                if j > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{ch} (U+{:04X})", u32::from(ch))?;
            }
            write!(f, " in {field}")?;
        }
        Ok(())
    }
}

impl From<MissingGlyph> for MissingGlyphs {
    fn from(glyph: MissingGlyph) -> MissingGlyphs {
        MissingGlyphs {
            missing: vec![glyph],
        }
    }
}

// Layout splits text into runs one field at a time and stops at the first
// character no face has; that error (a backstop: `Renderer` checks all the
// text first) becomes a one-character list.
impl From<MissingGlyph> for super::RenderError {
    fn from(glyph: MissingGlyph) -> super::RenderError {
        super::RenderError::MissingGlyphs(glyph.into())
    }
}

impl FontSet {
    /// Every character of `texts` (field name, text) that no face has, each
    /// once per field, in order.
    ///
    /// # Errors
    /// [`MissingGlyphs`] listing them, if there are any.
    pub fn check_coverage<'t, I>(&self, texts: I) -> Result<(), MissingGlyphs>
    where
        I: IntoIterator<Item = (&'t str, &'t str)>,
    {
        let faces = self.faces();
        let mut missing: Vec<MissingGlyph> = Vec::new();
        for (field, text) in texts {
            for ch in text.chars() {
                // Whitespace is drawn as an advance, never as a glyph.
                if !ch.is_whitespace()
                    && faces.font_for(ch).is_none()
                    && !missing.iter().any(|m| m.ch == ch && m.field == field)
                {
                    missing.push(MissingGlyph {
                        ch,
                        field: field.to_owned(),
                    });
                }
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(MissingGlyphs { missing })
        }
    }
}

#[cfg(test)]
mod tests;
