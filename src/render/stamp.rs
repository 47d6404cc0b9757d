//! The red round seal (电子印章 appearance) drawn from the issuing authority's
//! name and an optional purpose text, or loaded from a PNG.
//!
//! The drawing follows the conventions of Chinese official seals: a round red
//! rim, a solid five-pointed star in the centre, the organisation's name in a
//! Song face along the upper arc, read clockwise with each character upright
//! towards the rim, and the purpose (e.g. 行政审批专用章) on a straight line
//! below the star. There is no inner ring and no ink texture: the same input
//! always gives the same pixels.
//!
//! [`render_stamp`]'s image is exactly the seal: its side is
//! `round(diameter_mm × px_per_mm)` pixels, the rim touching the edges, for
//! a renderer that draws it at the seal's place at that very size.
//! [`stamp_png`], the seal picture a seal record carries, adds a clear
//! margin of at least [`PICTURE_MARGIN_MM`] all round (its side is
//! [`picture_side_mm`]), so that no edge of the bitmap cuts the rim when the
//! picture is scaled onto a page. Every pixel outside the ink is
//! transparent so the stamp can be laid over text.
//!
//! The name's glyphs keep a gap of at least [`NAME_MIN_GAP`] of their size
//! between neighbours on the arc: a long name is squeezed, then set
//! smaller down to [`NAME_MIN_SIZE`] of the diameter, and refused
//! ([`StampError::NameDoesNotFit`]) beyond.

use thiserror::Error;
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

use crate::render::font::{Faces, FontSet, MissingGlyph};
use crate::render::png_size;

#[cfg(test)]
mod tests;

/// Seal red, the colour of 印泥 on paper.
pub const SEAL_RED: [u8; 3] = [0xD7, 0x1F, 0x1F];

/// Diameter of a special-purpose seal (专用章), in millimetres.
pub const PURPOSE_SEAL_DIAMETER_MM: f32 = 40.0;

/// Diameter of an organisation's own seal (公章), in millimetres.
pub const ORGANISATION_SEAL_DIAMETER_MM: f32 = 42.0;

/// Smallest diameter accepted, in millimetres.
pub const MIN_DIAMETER_MM: f32 = 20.0;

/// Largest diameter accepted, in millimetres.
pub const MAX_DIAMETER_MM: f32 = 60.0;

/// Most characters a name may have: beyond this the arc is full and the
/// characters would be squeezed past legibility.
pub const MAX_NAME_CHARS: usize = 24;

/// Most characters a purpose text may have on its one line.
pub const MAX_PURPOSE_CHARS: usize = 12;

/// Largest side of a drawn or loaded stamp, in pixels.
pub const MAX_SIDE_PX: u32 = 4096;

/// Least clear margin round the rim of a seal picture ([`stamp_png`]), in
/// millimetres: five pixels at 10 px/mm, past the rim's anti-aliasing and
/// any resampling filter's reach.
pub const PICTURE_MARGIN_MM: f32 = 0.5;

/// Least gap between neighbouring glyphs of the name on the arc, as a
/// fraction of the glyph size (em), measured between their ink boxes
/// (emboldening included) where the arc is tightest, at their feet.
pub const NAME_MIN_GAP: f32 = 0.08;

/// Smallest the name's glyphs are set, as a fraction of the diameter (the
/// usual size is 1/6.5): 4.7 mm on a 40 mm seal, still legible in print.
pub const NAME_MIN_SIZE: f32 = 1.0 / 8.5;

/// Rim thickness as a fraction of the diameter: 1.2 mm on a 40 mm seal.
const RIM: f32 = 0.03;
/// Star circumradius as a fraction of the diameter: 14 mm tip circle on 42 mm.
const STAR_RADIUS: f32 = 1.0 / 6.0;
/// Ratio of a regular pentagram's inner to outer radius.
const STAR_INNER: f32 = 0.381_966;
/// Name glyph size (em) as a fraction of the diameter.
const NAME_SIZE: f32 = 1.0 / 6.5;
/// Gap between the rim and the top of the name's em box, as a fraction of the diameter.
const NAME_GAP: f32 = 0.012;
/// Purpose glyph size (em) as a fraction of the diameter.
const PURPOSE_SIZE: f32 = 0.105;
/// Gap between the star's lowest points and the top of the purpose line, as a
/// fraction of the diameter.
const PURPOSE_GAP: f32 = 0.06;
/// Widest the purpose line may be, as a fraction of the diameter.
const PURPOSE_WIDTH: f32 = 0.56;
/// Height of the em box's middle above the baseline, in em. CJK faces draw
/// ideographs in a box from about −0.12 em to 0.88 em (Source Han and Noto
/// use −120/880 units, SimSun −141/859), so centring that box, rather than
/// each glyph's ink, keeps 一 and 口 on the same line.
const EM_MIDDLE: f32 = 0.38;
/// Extra outline stroke as a fraction of the glyph size: a Song face at seal
/// size reads thin next to the weight that carved or inked strokes have.
const EMBOLDEN: f32 = 0.028;
/// Narrowest horizontal scale for crowded characters.
const MIN_X_SCALE: f32 = 0.4;
/// How much smaller each try sets a name that does not fit.
const NAME_SHRINK_STEP: f32 = 0.98;

/// What to draw: the name, the purpose, the size and the colour.
#[derive(Debug, Clone, PartialEq)]
pub struct StampSpec {
    /// The authority's name, set along the upper arc.
    pub name: String,
    /// The purpose (e.g. 行政审批专用章), set straight across below the star;
    /// `None` or blank for the organisation's own seal.
    pub purpose: Option<String>,
    /// Diameter in millimetres, [`MIN_DIAMETER_MM`]`..=`[`MAX_DIAMETER_MM`].
    pub diameter_mm: f32,
    /// Ink colour, RGB.
    pub colour: [u8; 3],
}

impl StampSpec {
    /// A seal in [`SEAL_RED`]: [`PURPOSE_SEAL_DIAMETER_MM`] with a purpose
    /// text, [`ORGANISATION_SEAL_DIAMETER_MM`] without, as seals are cut.
    pub fn new(name: impl Into<String>, purpose: Option<&str>) -> StampSpec {
        let purpose = purpose
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned);
        let diameter_mm = if purpose.is_some() {
            PURPOSE_SEAL_DIAMETER_MM
        } else {
            ORGANISATION_SEAL_DIAMETER_MM
        };
        StampSpec {
            name: name.into(),
            purpose,
            diameter_mm,
            colour: SEAL_RED,
        }
    }

    /// The same seal at another diameter (checked when drawn).
    #[must_use]
    pub fn with_diameter_mm(mut self, diameter_mm: f32) -> StampSpec {
        self.diameter_mm = diameter_mm;
        self
    }

    /// The same seal in another ink colour.
    #[must_use]
    pub fn with_colour(mut self, colour: [u8; 3]) -> StampSpec {
        self.colour = colour;
        self
    }
}

/// Why a stamp could not be drawn or loaded.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum StampError {
    /// No face in the set has a character of the name (field `seal.name`)
    /// or purpose (field `seal.purpose`).
    #[error(transparent)]
    MissingGlyph(#[from] MissingGlyph),
    /// The diameter is outside [`MIN_DIAMETER_MM`]`..=`[`MAX_DIAMETER_MM`].
    #[error("seal diameter {mm} mm is outside {MIN_DIAMETER_MM}..={MAX_DIAMETER_MM} mm")]
    Diameter {
        /// The diameter given.
        mm: f32,
    },
    /// The name is empty or only whitespace.
    #[error("the seal has no name")]
    EmptyName,
    /// The name has more characters than fit on the arc.
    #[error("seal name has {chars} characters, more than the {max} that fit")]
    NameTooLong {
        /// Characters in the name.
        chars: usize,
        /// The most accepted, [`MAX_NAME_CHARS`].
        max: usize,
    },
    /// The name's glyphs cannot keep [`NAME_MIN_GAP`] between neighbours
    /// on the arc even squeezed and set at [`NAME_MIN_SIZE`].
    #[error("seal name has {chars} characters; {fit} fit on the arc in this face")]
    NameDoesNotFit {
        /// Characters in the name.
        chars: usize,
        /// The most of its first characters that fit.
        fit: usize,
    },
    /// The purpose has more characters than fit on its line.
    #[error("seal purpose has {chars} characters, more than the {max} that fit")]
    PurposeTooLong {
        /// Characters in the purpose.
        chars: usize,
        /// The most accepted, [`MAX_PURPOSE_CHARS`].
        max: usize,
    },
    /// The scale is not a positive finite number of pixels per millimetre.
    #[error("{px_per_mm} px/mm is not a usable scale")]
    Scale {
        /// The scale given.
        px_per_mm: f32,
    },
    /// The image would be under one pixel or over [`MAX_SIDE_PX`] a side.
    #[error("a seal {px} px across is outside 1..={max} px")]
    Size {
        /// The side that the diameter and scale ask for, in pixels.
        px: f32,
        /// The largest side accepted.
        max: u32,
    },
    /// The stamp could not be encoded as PNG.
    #[error("PNG encoding failed: {reason}")]
    Encode {
        /// What the encoder said.
        reason: String,
    },
    /// The bytes given as a seal image are not a PNG that can be decoded.
    #[error("not a usable PNG seal image: {reason}")]
    BadPng {
        /// What was wrong.
        reason: String,
    },
    /// The seal image given is larger than [`MAX_SIDE_PX`] a side.
    #[error("seal image is {width}×{height} px, more than {max} px a side")]
    PngTooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The largest side accepted.
        max: u32,
    },
}

/// Draws the seal on a transparent square `round(diameter_mm × px_per_mm)`
/// pixels a side (premultiplied RGBA, as tiny-skia stores it).
///
/// # Errors
/// [`StampError::Diameter`], [`StampError::Scale`], [`StampError::Size`],
/// [`StampError::EmptyName`], [`StampError::NameTooLong`],
/// [`StampError::PurposeTooLong`], [`StampError::MissingGlyph`] for the
/// first character no face in `fonts` has, or
/// [`StampError::NameDoesNotFit`].
pub fn render_stamp(
    spec: &StampSpec,
    fonts: &FontSet,
    px_per_mm: f32,
) -> Result<Pixmap, StampError> {
    draw(spec, fonts, px_per_mm, spec.diameter_mm)
}

/// The seal centred on a transparent square `side_mm` across (its diameter
/// or more).
fn draw(
    spec: &StampSpec,
    fonts: &FontSet,
    px_per_mm: f32,
    side_mm: f32,
) -> Result<Pixmap, StampError> {
    let diameter = spec.diameter_mm;
    if !(MIN_DIAMETER_MM..=MAX_DIAMETER_MM).contains(&diameter) {
        return Err(StampError::Diameter { mm: diameter });
    }
    if !(px_per_mm.is_finite() && px_per_mm > 0.0) {
        return Err(StampError::Scale { px_per_mm });
    }
    let side_f = (side_mm * px_per_mm).round();
    let too_large = StampError::Size {
        px: side_f,
        max: MAX_SIDE_PX,
    };
    let side = side_px(side_f).ok_or(too_large.clone())?;
    let (name, purpose) = checked_texts(spec)?;
    let fonts = &fonts.faces();
    let name_glyphs = faced_chars(fonts, name, "seal.name")?;
    let purpose_glyphs = faced_chars(fonts, purpose, "seal.purpose")?;
    let mut pixmap = Pixmap::new(side, side).ok_or(too_large)?;
    // Measured in the pixmap's own units: without a margin the rim meets
    // the edges exactly, whatever the rounding of the side.
    let margin_px = (side_mm - diameter) * px_per_mm;
    let seal = Seal {
        centre: side_f / 2.0,
        d: side_f - margin_px,
    };
    let shapes = seal.shapes(fonts, &name_glyphs, &purpose_glyphs)?;
    paint_shapes(&mut pixmap, &shapes, spec.colour);
    Ok(pixmap)
}

/// Side of the seal picture [`stamp_png`] draws for a seal `diameter_mm`
/// across, in whole millimetres (as a seal record sizes its picture): the
/// diameter and at least [`PICTURE_MARGIN_MM`] each side, rounded up.
pub fn picture_side_mm(diameter_mm: f32) -> f32 {
    (diameter_mm + 2.0 * PICTURE_MARGIN_MM).ceil()
}

/// The seal centred on a transparent square [`picture_side_mm`] across.
pub(crate) fn render_picture(
    spec: &StampSpec,
    fonts: &FontSet,
    px_per_mm: f32,
) -> Result<Pixmap, StampError> {
    draw(spec, fonts, px_per_mm, picture_side_mm(spec.diameter_mm))
}

fn paint_shapes(pixmap: &mut Pixmap, shapes: &[StampShape], colour: [u8; 3]) {
    let paint = ink(colour);
    for shape in shapes {
        pixmap.fill_path(&shape.path, &paint, shape.rule, Transform::identity(), None);
        if let Some(width) = shape.stroke {
            let stroke = Stroke {
                width,
                line_join: tiny_skia::LineJoin::Round,
                ..Stroke::default()
            };
            pixmap.stroke_path(&shape.path, &paint, &stroke, Transform::identity(), None);
        }
    }
}

/// One piece of ink: a path filled by `rule`, and also stroked `stroke` wide
/// (round joins) to give thin Song strokes an inked weight.
#[derive(Debug, Clone)]
pub(crate) struct StampShape {
    /// The outline, in the seal's units (origin top-left, y down).
    pub path: tiny_skia::Path,
    /// How the path is filled.
    pub rule: FillRule,
    /// `Some(width)` to stroke the outline as well as fill it.
    pub stroke: Option<f32>,
}

/// The seal as vector shapes in millimetres (origin at the seal's top-left
/// corner, y down), for output that keeps it as paths, such as PDF.
///
/// # Errors
/// As [`render_stamp`], except for the pixel limits.
pub(crate) fn stamp_shapes(
    spec: &StampSpec,
    fonts: &FontSet,
) -> Result<Vec<StampShape>, StampError> {
    let diameter = spec.diameter_mm;
    if !(MIN_DIAMETER_MM..=MAX_DIAMETER_MM).contains(&diameter) {
        return Err(StampError::Diameter { mm: diameter });
    }
    let (name, purpose) = checked_texts(spec)?;
    let fonts = &fonts.faces();
    let name_glyphs = faced_chars(fonts, name, "seal.name")?;
    let purpose_glyphs = faced_chars(fonts, purpose, "seal.purpose")?;
    Seal::new(diameter).shapes(fonts, &name_glyphs, &purpose_glyphs)
}

/// The name and purpose, trimmed and within their length limits.
fn checked_texts(spec: &StampSpec) -> Result<(&str, &str), StampError> {
    let name = spec.name.trim();
    let name_chars = name.chars().count();
    if name_chars == 0 {
        return Err(StampError::EmptyName);
    }
    if name_chars > MAX_NAME_CHARS {
        return Err(StampError::NameTooLong {
            chars: name_chars,
            max: MAX_NAME_CHARS,
        });
    }
    let purpose = spec.purpose.as_deref().map(str::trim).unwrap_or_default();
    let purpose_chars = purpose.chars().count();
    if purpose_chars > MAX_PURPOSE_CHARS {
        return Err(StampError::PurposeTooLong {
            chars: purpose_chars,
            max: MAX_PURPOSE_CHARS,
        });
    }
    Ok((name, purpose))
}

/// The seal picture: the seal centred on a transparent square
/// [`picture_side_mm`]`(diameter_mm)` across, `round(side × px_per_mm)`
/// pixels, encoded as PNG.
///
/// A seal is one ink at varying coverage, so it is written as an indexed PNG
/// whose 256 palette entries are the ink at each opacity: under 60 % of the
/// size of the RGBA file, which matters because the picture travels in
/// every seal record and every sealed PDF (whose sealer passes these rows
/// through as the appearance's soft mask).
///
/// # Errors
/// As [`render_stamp`], and [`StampError::Encode`].
pub fn stamp_png(spec: &StampSpec, fonts: &FontSet, px_per_mm: f32) -> Result<Vec<u8>, StampError> {
    let pixmap = render_picture(spec, fonts, px_per_mm)?;
    let indices: Vec<u8> = pixmap.pixels().iter().map(|p| p.alpha()).collect();
    let palette: Vec<u8> = std::iter::repeat_n(spec.colour, 256).flatten().collect();
    let opacities: Vec<u8> = (0..=255).collect();
    let encode_error = |e: png::EncodingError| StampError::Encode {
        reason: e.to_string(),
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette);
    encoder.set_trns(opacities);
    encoder.set_compression(png::Compression::High);
    // Unfiltered rows deflate smaller for a seal's coverage plane (13.4
    // against 19.5 KiB for a 43 mm seal at 10 px/mm), and a sealed PDF
    // carries these very rows as its appearance's soft mask.
    encoder.set_filter(png::Filter::NoFilter);
    let mut writer = encoder.write_header().map_err(encode_error)?;
    writer.write_image_data(&indices).map_err(encode_error)?;
    writer.finish().map_err(encode_error)?;
    Ok(out)
}

/// A seal image the authority supplies, as a PNG with transparency.
///
/// The size in the PNG header is checked before decoding, so a small file
/// that claims a huge image is refused without allocating it.
///
/// # Errors
/// [`StampError::BadPng`] or [`StampError::PngTooLarge`].
pub fn load_stamp_png(bytes: &[u8]) -> Result<Pixmap, StampError> {
    let (width, height) = png_size(bytes).ok_or_else(|| StampError::BadPng {
        reason: "no PNG signature and IHDR header".to_owned(),
    })?;
    if width > MAX_SIDE_PX || height > MAX_SIDE_PX {
        return Err(StampError::PngTooLarge {
            width,
            height,
            max: MAX_SIDE_PX,
        });
    }
    Pixmap::decode_png(bytes).map_err(|e| StampError::BadPng {
        reason: e.to_string(),
    })
}

fn side_px(side: f32) -> Option<u32> {
    // The range check also rejects NaN, so the cast cannot saturate; the
    // side is already rounded, so it truncates nothing.
    (1.0..=MAX_SIDE_PX as f32)
        .contains(&side)
        .then_some(side as u32)
}

/// Each character with the index of the face that draws it.
fn faced_chars(
    fonts: &Faces<'_>,
    text: &str,
    field: &str,
) -> Result<Vec<(usize, char)>, StampError> {
    Ok(fonts
        .runs(text, field)?
        .into_iter()
        .flat_map(|run| {
            let font = run.font;
            run.text
                .chars()
                .map(move |ch| (font, ch))
                .collect::<Vec<_>>()
        })
        .collect())
}

fn ink(colour: [u8; 3]) -> Paint<'static> {
    let [r, g, b] = colour;
    let mut paint = Paint::default();
    paint.set_color_rgba8(r, g, b, 255);
    paint.anti_alias = true;
    paint
}

/// Geometry shared by the parts of one seal, in pixels.
struct Seal {
    /// Centre on both axes.
    centre: f32,
    /// Diameter.
    d: f32,
}

impl Seal {
    fn new(d: f32) -> Seal {
        Seal { centre: d / 2.0, d }
    }

    fn shapes(
        &self,
        fonts: &Faces<'_>,
        name: &[(usize, char)],
        purpose: &[(usize, char)],
    ) -> Result<Vec<StampShape>, StampError> {
        let layout = self.name_layout(fonts, name)?;
        let mut shapes = Vec::new();
        self.rim(&mut shapes);
        self.star(&mut shapes);
        self.name(&mut shapes, fonts, name, &layout);
        self.purpose(&mut shapes, fonts, purpose);
        Ok(shapes)
    }

    fn rim(&self, shapes: &mut Vec<StampShape>) {
        let outer = self.d / 2.0;
        let inner = outer - self.d * RIM;
        let mut pb = PathBuilder::new();
        pb.push_circle(self.centre, self.centre, outer);
        pb.push_circle(self.centre, self.centre, inner);
        if let Some(path) = pb.finish() {
            shapes.push(StampShape {
                path,
                rule: FillRule::EvenOdd,
                stroke: None,
            });
        }
    }

    fn star_radius(&self) -> f32 {
        self.d * STAR_RADIUS
    }

    fn star(&self, shapes: &mut Vec<StampShape>) {
        let outer = self.star_radius();
        let inner = outer * STAR_INNER;
        let mut pb = PathBuilder::new();
        for k in 0..10u8 {
            // Points alternate tip, notch, tip…, starting with the tip straight up.
            let r = if k % 2 == 0 { outer } else { inner };
            let angle = f32::from(k) * core::f32::consts::PI / 5.0;
            let x = self.centre + r * angle.sin();
            let y = self.centre - r * angle.cos();
            if k == 0 {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
        pb.close();
        if let Some(path) = pb.finish() {
            shapes.push(StampShape {
                path,
                rule: FillRule::Winding,
                stroke: None,
            });
        }
    }

    /// Where the name's glyphs go on the upper arc, clockwise from lower
    /// left to lower right: the largest size up to `NAME_SIZE` and the
    /// widest squeeze up to none that keep [`NAME_MIN_GAP`] between
    /// neighbours.
    ///
    /// Two neighbours `step` apart are mirror images across the radius
    /// between them, so they keep a gap `g` if each keeps `g / 2` from that
    /// radius. A glyph's ink box corner nearest it is a foot corner: at
    /// `x` from the glyph's centre line and `y` below its em middle on the
    /// circle of radius `r`, it is `(r − y) sin(step/2) − x cos(step/2)`
    /// from the radius, which bounds the squeeze.
    fn name_layout(
        &self,
        fonts: &Faces<'_>,
        chars: &[(usize, char)],
    ) -> Result<NameLayout, StampError> {
        // Ink boxes at one em, the em middle on the origin, y down.
        let boxes: Vec<Option<[f32; 4]>> = chars
            .iter()
            .map(|&(font, ch)| {
                let path = fonts.glyph_path(font, ch, 1.0)?;
                let b = path.bounds();
                let half = fonts.advance(font, ch) / 2.0;
                Some([
                    b.left() - half,
                    b.top() + EM_MIDDLE,
                    b.right() - half,
                    b.bottom() + EM_MIDDLE,
                ])
            })
            .collect();
        self.arc_layout(boxes)
    }

    /// [`Seal::name_layout`] for glyphs with these ink boxes.
    fn arc_layout(&self, boxes: Vec<Option<[f32; 4]>>) -> Result<NameLayout, StampError> {
        if let Some(layout) = self.try_arc_layout(&boxes) {
            return Ok(layout);
        }
        let fit = (1..boxes.len())
            .rev()
            .find(|&k| {
                self.try_arc_layout(boxes.get(..k).unwrap_or_default())
                    .is_some()
            })
            .unwrap_or(0);
        Err(StampError::NameDoesNotFit {
            chars: boxes.len(),
            fit,
        })
    }

    fn try_arc_layout(&self, boxes: &[Option<[f32; 4]>]) -> Option<NameLayout> {
        let count = u16::try_from(boxes.len()).unwrap_or(u16::MAX);
        let (span, step) = arc_span(count);
        let (sin, cos) = (step / 2.0).sin_cos();
        let mut size = self.d * NAME_SIZE;
        while size >= self.d * NAME_MIN_SIZE {
            let radius = self.name_radius(size);
            let x_scale = if boxes.len() < 2 {
                1.0
            } else {
                boxes
                    .iter()
                    .flatten()
                    .map(|&[left, _, right, bottom]| {
                        // Half the emboldening stroke at its widest,
                        // unsqueezed: it only narrows as the glyph does.
                        let e = embolden_width(size, 1.0) / 2.0;
                        let room = ((radius - bottom * size - e) * sin - NAME_MIN_GAP * size / 2.0)
                            / cos
                            - e;
                        room / (right.max(-left) * size).max(f32::MIN_POSITIVE)
                    })
                    .fold(1.0f32, f32::min)
            };
            if x_scale >= MIN_X_SCALE {
                return Some(NameLayout {
                    size,
                    radius,
                    x_scale,
                    first: -span / 2.0,
                    step,
                    boxes: boxes.to_vec(),
                });
            }
            size *= NAME_SHRINK_STEP;
        }
        None
    }

    /// The circle the name's em middles sit on: the em box's top just
    /// inside the rim.
    fn name_radius(&self, size: f32) -> f32 {
        self.d / 2.0 - self.d * RIM - self.d * NAME_GAP - size / 2.0
    }

    /// The name along the upper arc, as `layout` sets it.
    fn name(
        &self,
        shapes: &mut Vec<StampShape>,
        fonts: &Faces<'_>,
        chars: &[(usize, char)],
        layout: &NameLayout,
    ) {
        let mut angle = layout.first;
        for &(font, ch) in chars {
            let at = Transform::from_translate(
                self.centre + layout.radius * angle.sin(),
                self.centre - layout.radius * angle.cos(),
            )
            .pre_rotate(angle.to_degrees());
            self.glyph(shapes, fonts, font, ch, layout.size, layout.x_scale, at);
            angle += layout.step;
        }
    }

    /// The purpose on one straight line below the star, centred.
    fn purpose(&self, shapes: &mut Vec<StampShape>, fonts: &Faces<'_>, chars: &[(usize, char)]) {
        if chars.is_empty() {
            return;
        }
        let size = self.d * PURPOSE_SIZE;
        let advances: Vec<f32> = chars
            .iter()
            .map(|&(font, ch)| fonts.advance(font, ch) * size)
            .collect();
        let natural: f32 = advances.iter().sum();
        let x_scale = (self.d * PURPOSE_WIDTH / natural).clamp(MIN_X_SCALE, 1.0);
        let star_bottom = self.star_radius() * (core::f32::consts::PI / 5.0).cos();
        let middle_y = self.centre + star_bottom + self.d * PURPOSE_GAP + size / 2.0;
        let mut x = self.centre - natural * x_scale / 2.0;
        for (&(font, ch), advance) in chars.iter().zip(advances) {
            let width = advance * x_scale;
            let at = Transform::from_translate(x + width / 2.0, middle_y);
            self.glyph(shapes, fonts, font, ch, size, x_scale, at);
            x += width;
        }
    }

    /// Draws `ch` with its em box centred on the origin of `at`, squeezed to
    /// `x_scale` of its width, filled and outlined for an inked weight.
    #[allow(clippy::too_many_arguments)]
    fn glyph(
        &self,
        shapes: &mut Vec<StampShape>,
        fonts: &Faces<'_>,
        font: usize,
        ch: char,
        size: f32,
        x_scale: f32,
        at: Transform,
    ) {
        let Some(path) = fonts.glyph_path(font, ch, size) else {
            return;
        };
        let centre_on_origin = Transform::from_scale(x_scale, 1.0)
            .pre_translate(-fonts.advance(font, ch) * size / 2.0, EM_MIDDLE * size);
        // Transform the outline itself rather than drawing through the
        // transform, so the emboldening stroke keeps one width on every side
        // of a squeezed glyph.
        let Some(path) = path.transform(at.pre_concat(centre_on_origin)) else {
            return;
        };
        let width = embolden_width(size, x_scale);
        shapes.push(StampShape {
            path,
            rule: FillRule::Winding,
            stroke: Some(width),
        });
    }
}

/// How the name is set on the arc.
#[derive(Debug, Clone)]
pub(crate) struct NameLayout {
    /// Glyph size (em), in the seal's units.
    pub size: f32,
    /// Radius of the circle the em middles sit on.
    pub radius: f32,
    /// Horizontal squeeze of every glyph.
    pub x_scale: f32,
    /// The first glyph's angle from 12 o'clock, clockwise, in radians.
    pub first: f32,
    /// Angle between neighbours, in radians.
    pub step: f32,
    /// Each glyph's ink box at one em before squeezing and emboldening:
    /// left, top, right, bottom from its em middle, y down (towards the
    /// seal's centre); `None` for a glyph with no outline.
    // Read by the tests, which check the gaps from the geometry.
    #[cfg_attr(not(all(test, feature = "embedded-font")), allow(dead_code))]
    pub boxes: Vec<Option<[f32; 4]>>,
}

/// The name's layout on a seal of `spec`'s diameter in millimetres, for
/// checking its geometry.
#[cfg(test)]
#[cfg_attr(not(feature = "embedded-font"), allow(dead_code))]
pub(crate) fn name_layout(spec: &StampSpec, fonts: &FontSet) -> Result<NameLayout, StampError> {
    let (name, _) = checked_texts(spec)?;
    let fonts = &fonts.faces();
    let chars = faced_chars(fonts, name, "seal.name")?;
    Seal::new(spec.diameter_mm).name_layout(fonts, &chars)
}

/// The name's layout on a seal `diameter_mm` across for glyphs with these
/// ink boxes (see [`NameLayout::boxes`]), as a face with such glyphs gets.
#[cfg(test)]
#[cfg_attr(not(feature = "embedded-font"), allow(dead_code))]
pub(crate) fn arc_layout(
    diameter_mm: f32,
    boxes: Vec<Option<[f32; 4]>>,
) -> Result<NameLayout, StampError> {
    Seal::new(diameter_mm).arc_layout(boxes)
}

/// The emboldening stroke's width for a glyph of `size` squeezed to
/// `x_scale`: squeezed glyphs have their strokes closer together, and a
/// full-weight outline would fill the counters of 管 or 督.
pub(crate) fn embolden_width(size: f32, x_scale: f32) -> f32 {
    size * EMBOLDEN * x_scale.max(0.6)
}

/// The angle from the first character's centre to the last's, and between
/// neighbours, in radians, for `count` characters on the arc.
///
/// Long names spread from about 8 o'clock to 4 o'clock (240°) and beyond;
/// short ones take a narrower arc with wider spacing, as a cutter would set
/// them, rather than being stretched all the way round.
fn arc_span(count: u16) -> (f32, f32) {
    // Widest gap between neighbours, so that 某某公司 does not scatter.
    const MAX_STEP_DEG: f32 = 40.0;
    if count < 2 {
        return (0.0, 0.0);
    }
    let gaps = f32::from(count - 1);
    let wanted = (180.0 + 2.5 * f32::from(count)).min(240.0);
    let span_deg = wanted.min(gaps * MAX_STEP_DEG);
    let span = span_deg.to_radians();
    (span, span / gaps)
}
