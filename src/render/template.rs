//! Templates: where each piece of a licence goes on the page, per licence type.
//!
//! A template is JSON data (see `examples/templates/`). Coordinates are
//! millimetres from the top-left corner of the page; font sizes are points.
//! Parsing is strict: unknown keys, out-of-page boxes, bad colours and
//! unknown field sources are errors that say where, so a template author
//! finds a typo at load time rather than on a printed licence.

use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

use crate::ident::LicenceTypeCode;

/// Largest template accepted, in bytes.
pub const MAX_TEMPLATE_LEN: usize = 64 * 1024;
/// Largest background image accepted, in bytes.
pub const MAX_BACKGROUND_LEN: usize = 4 * 1024 * 1024;
/// Most elements of one kind (texts, shapes, fields) in a template.
pub const MAX_ELEMENTS: usize = 64;

/// Smallest and largest page side, in millimetres.
const PAGE_MM: (f32, f32) = (20.0, 1200.0);
/// Smallest and largest font size, in points.
const FONT_PT: (f32, f32) = (3.0, 96.0);

/// The built-in generic layout, used for licence types without a template.
const GENERIC: &str = include_str!("../../examples/templates/generic.json");
/// The built-in templates for the example licence types.
const BUILT_IN: [&str; 3] = [
    include_str!("../../examples/templates/driving-licence.json"),
    include_str!("../../examples/templates/business-licence.json"),
    include_str!("../../examples/templates/health-permit.json"),
];

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The template is larger than [`MAX_TEMPLATE_LEN`].
    #[error("template is {len} bytes, more than the {MAX_TEMPLATE_LEN} accepted")]
    TooLarge {
        /// Its length.
        len: usize,
    },
    /// Not JSON of the template's shape (unknown or missing key, wrong type).
    #[error("template JSON, line {line} column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde's description, which names the key.
        message: String,
    },
    /// A template format version this crate does not know.
    #[error("template format {found} is not supported (expected 1)")]
    Format {
        /// The version found.
        found: u32,
    },
    /// A number outside its allowed range.
    #[error("{element}: {what} is {value}, outside {min}..={max}")]
    OutOfRange {
        /// The element, e.g. `fields[2]`.
        element: String,
        /// The property, e.g. `size_pt`.
        what: &'static str,
        /// The value given.
        value: String,
        /// Smallest allowed.
        min: String,
        /// Largest allowed.
        max: String,
    },
    /// A box that does not lie inside the page.
    #[error("{element} at {placement} does not fit on the {page} page")]
    OffPage {
        /// The element.
        element: String,
        /// Where the element was put: `(x, y) w×h mm`.
        placement: String,
        /// The page size: `W×H mm`.
        page: String,
    },
    /// A colour that is not `#RRGGBB`.
    #[error("{element}: colour {value:?} is not #RRGGBB")]
    Colour {
        /// The element.
        element: String,
        /// The value given.
        value: String,
    },
    /// A field source that names nothing on a licence.
    #[error("{element}: unknown source {value:?}")]
    Source {
        /// The element.
        element: String,
        /// The value given.
        value: String,
    },
    /// More elements of one kind than [`MAX_ELEMENTS`].
    #[error("{element}: {count} entries, more than the {MAX_ELEMENTS} accepted")]
    TooMany {
        /// The list.
        element: &'static str,
        /// How many were given.
        count: usize,
    },
    /// Text that is empty, too long or has control characters.
    #[error("{element}: text must be 1 to 200 characters without control characters")]
    Text {
        /// The element.
        element: String,
    },
    /// A type code in `applies_to` that is not a licence type code.
    #[error("applies_to: {value:?} is not a licence type code")]
    TypeCode {
        /// The value given.
        value: String,
    },
    /// The background image could not be read or is too large.
    #[error("background image {path}: {reason}")]
    Background {
        /// The path, relative to the template.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

impl Colour {
    /// Black.
    pub const BLACK: Colour = Colour { r: 0, g: 0, b: 0 };
    /// White.
    pub const WHITE: Colour = Colour {
        r: 255,
        g: 255,
        b: 255,
    };

    fn parse(value: &str, element: &str) -> Result<Colour, TemplateError> {
        let bad = || TemplateError::Colour {
            element: element.to_owned(),
            value: value.to_owned(),
        };
        let hex = value.strip_prefix('#').ok_or_else(bad)?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let channel = |i: usize| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(bad)
        };
        Ok(Colour {
            r: channel(0)?,
            g: channel(2)?,
            b: channel(4)?,
        })
    }
}

/// Horizontal alignment of text within its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// Flush left (the default).
    #[default]
    Left,
    /// Centred.
    Centre,
    /// Flush right.
    Right,
}

/// How dates are written on the face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateStyle {
    /// `2030年05月06日` (the default).
    #[default]
    Chinese,
    /// `2030-05-06`.
    Iso,
}

/// What a field shows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// The holder's name.
    HolderName,
    /// The number of the holder's identity document.
    HolderDocument,
    /// The same, with a natural person's middle digits hidden
    /// (`110105********002X`); organisation codes in full.
    HolderDocumentMasked,
    /// The licence number.
    Number,
    /// The GB/T 36904 licence identifier (empty when the licence has none).
    Identifier,
    /// The issuing authority's name.
    IssuerName,
    /// The issuing authority's unified social credit code.
    IssuerCode,
    /// The issue date.
    IssueDate,
    /// First day of validity.
    ValidFrom,
    /// Last day of validity, or 长期 for long-term licences.
    ValidUntil,
    /// `valid_from 至 valid_until`.
    Validity,
    /// The face field with this label.
    Face(String),
    /// The licence type's name (电子证照 when the licence names none).
    TypeName,
    /// The name of the co-issuing authority at this position (from 0);
    /// empty when the licence has fewer co-issuers.
    CoIssuerName(usize),
}

impl Source {
    fn parse(value: &str, element: &str) -> Result<Source, TemplateError> {
        Ok(match value {
            "holder.name" => Source::HolderName,
            "holder.document" => Source::HolderDocument,
            "holder.document_masked" => Source::HolderDocumentMasked,
            "number" => Source::Number,
            "identifier" => Source::Identifier,
            "issuer.name" => Source::IssuerName,
            "issuer.code" => Source::IssuerCode,
            "issue_date" => Source::IssueDate,
            "valid_from" => Source::ValidFrom,
            "valid_until" => Source::ValidUntil,
            "validity" => Source::Validity,
            "type_name" => Source::TypeName,
            _ if value.starts_with("co_issuers[") => value
                .strip_prefix("co_issuers[")
                .and_then(|rest| rest.strip_suffix("].name"))
                .and_then(|index| index.parse::<usize>().ok())
                .filter(|&i| i < crate::licence::MAX_CO_ISSUERS)
                .map(Source::CoIssuerName)
                .ok_or_else(|| TemplateError::Source {
                    element: element.to_owned(),
                    value: value.to_owned(),
                })?,
            _ => match value.strip_prefix("face:") {
                Some(label) if check_text(label) => Source::Face(label.to_owned()),
                _ => {
                    return Err(TemplateError::Source {
                        element: element.to_owned(),
                        value: value.to_owned(),
                    });
                }
            },
        })
    }

    /// The name used in templates and in error messages (`holder.name`, `face:准驾车型`).
    pub fn name(&self) -> String {
        match self {
            Source::HolderName => "holder.name".into(),
            Source::HolderDocument => "holder.document".into(),
            Source::HolderDocumentMasked => "holder.document_masked".into(),
            Source::Number => "number".into(),
            Source::Identifier => "identifier".into(),
            Source::IssuerName => "issuer.name".into(),
            Source::IssuerCode => "issuer.code".into(),
            Source::IssueDate => "issue_date".into(),
            Source::ValidFrom => "valid_from".into(),
            Source::ValidUntil => "valid_until".into(),
            Source::Validity => "validity".into(),
            Source::Face(label) => format!("face:{label}"),
            Source::TypeName => "type_name".into(),
            Source::CoIssuerName(i) => format!("co_issuers[{i}].name"),
        }
    }
}

/// A rectangle in millimetres from the page's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// Fixed text printed on every licence of the type (title, headings).
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// The text.
    pub text: String,
    /// Left edge of the box (for centred text, the box is centred on the page's
    /// `x + width / 2`).
    pub x: f32,
    /// Baseline.
    pub y: f32,
    /// Box width, for alignment.
    pub width: f32,
    /// Font size in points.
    pub size_pt: f32,
    /// Text colour.
    pub colour: Colour,
    /// Alignment within the box.
    pub align: Align,
    /// Extra space between characters, in em (titles are set spaced out).
    pub letter_spacing: f32,
}

/// A decorative rectangle: band, frame or rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// Where.
    pub rect: Rect,
    /// Fill colour, if filled.
    pub fill: Option<Colour>,
    /// Stroke colour, if outlined.
    pub stroke: Option<Colour>,
    /// Stroke width in millimetres.
    pub stroke_mm: f32,
}

/// A labelled value from the licence.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// What it shows.
    pub source: Source,
    /// Label printed before the value, if any.
    pub label: Option<String>,
    /// Left edge of the label.
    pub x: f32,
    /// Baseline of the first line.
    pub y: f32,
    /// Width of the label column; the value starts at `x + label_width`.
    pub label_width: f32,
    /// Width available to the value; longer values wrap.
    pub width: f32,
    /// Font size in points.
    pub size_pt: f32,
    /// Lines the value may take; a value that needs more is set smaller, and
    /// is an error if it still does not fit.
    pub max_lines: u8,
    /// Value colour.
    pub colour: Colour,
    /// Label colour.
    pub label_colour: Colour,
    /// Value alignment within its width.
    pub align: Align,
    /// Whether a missing face field leaves the place empty instead of failing.
    pub optional: bool,
}

/// Where face fields that no [`Field`] names are listed, one per line.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceList {
    /// Left edge.
    pub x: f32,
    /// Baseline of the first line.
    pub y: f32,
    /// Width of the label column.
    pub label_width: f32,
    /// Width of the value column.
    pub width: f32,
    /// Lowest baseline allowed; fields beyond it are an error.
    pub bottom: f32,
    /// Font size in points.
    pub size_pt: f32,
    /// Value colour.
    pub colour: Colour,
    /// Label colour.
    pub label_colour: Colour,
}

/// Where the seal stamp goes.
#[derive(Debug, Clone, PartialEq)]
pub struct SealPlace {
    /// Centre, from the left.
    pub cx: f32,
    /// Centre, from the top.
    pub cy: f32,
    /// Diameter in millimetres (40 for special-purpose seals, 42 otherwise).
    pub diameter: f32,
    /// Purpose text across the bottom of a generated seal (e.g. 行政审批专用章).
    pub purpose: Option<String>,
}

/// A layout for one or more licence types.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// A name for messages.
    pub name: String,
    /// The licence types this template is for; empty for the generic layout.
    pub applies_to: Vec<LicenceTypeCode>,
    /// The type's name as its faces show it (e.g. 机动车驾驶证), for the
    /// phone image's heading; without it the licence's own type name is
    /// shown, or 电子证照.
    pub title: Option<String>,
    /// Page width in millimetres.
    pub width: f32,
    /// Page height in millimetres.
    pub height: f32,
    /// Page colour under everything.
    pub background: Colour,
    /// A PNG drawn over the whole page before anything else (底图).
    pub background_png: Option<Vec<u8>>,
    /// How dates are written.
    pub date_style: DateStyle,
    /// Rectangles, drawn first, in order.
    pub shapes: Vec<Shape>,
    /// Fixed texts.
    pub texts: Vec<Text>,
    /// Licence values.
    pub fields: Vec<Field>,
    /// Where face fields without a [`Field`] of their own go.
    pub face_list: Option<FaceList>,
    /// The holder's photo, if the layout has one.
    pub photo: Option<Rect>,
    /// The QR code (a square of side `width`).
    pub qr: Rect,
    /// The issuing authority's seal, over its name and the issue date.
    pub seal: SealPlace,
    /// The seals of the co-issuing authorities, in the licence's order of
    /// co-issuers: each over that authority's name on the face.
    pub co_issuer_seals: Vec<SealPlace>,
}

// ---- JSON shape -----------------------------------------------------------

/// Just the version, read leniently before the strict parse.
#[derive(Deserialize)]
struct FormatOnly {
    format: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateJson {
    format: u32,
    name: String,
    #[serde(default)]
    applies_to: Vec<String>,
    title: Option<String>,
    page: PageJson,
    #[serde(default)]
    date_style: DateStyle,
    #[serde(default)]
    shapes: Vec<ShapeJson>,
    #[serde(default)]
    texts: Vec<TextJson>,
    #[serde(default)]
    fields: Vec<FieldJson>,
    face_list: Option<FaceListJson>,
    photo: Option<RectJson>,
    qr: QrJson,
    seal: SealJson,
    #[serde(default)]
    co_issuer_seals: Vec<SealJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageJson {
    width_mm: f32,
    height_mm: f32,
    #[serde(default)]
    background: Option<String>,
    #[serde(default)]
    background_image: Option<String>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct RectJson {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShapeJson {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    fill: Option<String>,
    stroke: Option<String>,
    #[serde(default)]
    stroke_mm: Option<f32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextJson {
    text: String,
    x: f32,
    y: f32,
    #[serde(default)]
    width: Option<f32>,
    size_pt: f32,
    colour: Option<String>,
    #[serde(default)]
    align: Align,
    #[serde(default)]
    letter_spacing: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldJson {
    source: String,
    label: Option<String>,
    x: f32,
    y: f32,
    #[serde(default)]
    label_width: f32,
    width: f32,
    size_pt: f32,
    #[serde(default = "one")]
    max_lines: u8,
    colour: Option<String>,
    label_colour: Option<String>,
    #[serde(default)]
    align: Align,
    #[serde(default)]
    optional: bool,
}

fn one() -> u8 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaceListJson {
    x: f32,
    y: f32,
    label_width: f32,
    width: f32,
    bottom: f32,
    size_pt: f32,
    colour: Option<String>,
    label_colour: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QrJson {
    x: f32,
    y: f32,
    size: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SealJson {
    cx: f32,
    cy: f32,
    diameter_mm: f32,
    purpose: Option<String>,
}

// ---- checks ---------------------------------------------------------------

fn check_text(text: &str) -> bool {
    let chars = text.chars().count();
    (1..=200).contains(&chars) && !text.chars().any(char::is_control)
}

struct Checker {
    width: f32,
    height: f32,
}

impl Checker {
    fn range(
        &self,
        element: &str,
        what: &'static str,
        value: f32,
        min: f32,
        max: f32,
    ) -> Result<f32, TemplateError> {
        // NaN fails both comparisons, so it is refused too.
        if value >= min && value <= max {
            Ok(value)
        } else {
            Err(TemplateError::OutOfRange {
                element: element.to_owned(),
                what,
                value: value.to_string(),
                min: min.to_string(),
                max: max.to_string(),
            })
        }
    }

    fn rect(&self, element: &str, x: f32, y: f32, w: f32, h: f32) -> Result<Rect, TemplateError> {
        self.range(element, "width", w, 0.1, self.width)?;
        self.range(element, "height", h, 0.1, self.height)?;
        let inside =
            x >= 0.0 && y >= 0.0 && x + w <= self.width + 1e-3 && y + h <= self.height + 1e-3;
        if !inside {
            return Err(TemplateError::OffPage {
                element: element.to_owned(),
                placement: format!("({x}, {y}) {w}×{h} mm"),
                page: format!("{}×{} mm", self.width, self.height),
            });
        }
        Ok(Rect {
            x,
            y,
            width: w,
            height: h,
        })
    }

    fn font(&self, element: &str, size_pt: f32) -> Result<f32, TemplateError> {
        self.range(element, "size_pt", size_pt, FONT_PT.0, FONT_PT.1)
    }

    /// A text line: baseline `y`, from `x` over `width`; the line's ascent (about
    /// one em) must be on the page too.
    fn line(
        &self,
        element: &str,
        x: f32,
        y: f32,
        width: f32,
        size_pt: f32,
    ) -> Result<(), TemplateError> {
        let em = size_pt * MM_PER_PT;
        self.rect(element, x, y - em * 0.9, width, em * 0.9)
            .map(|_| ())
    }

    fn text(&self, element: &str, text: &str) -> Result<String, TemplateError> {
        if check_text(text) {
            Ok(text.to_owned())
        } else {
            Err(TemplateError::Text {
                element: element.to_owned(),
            })
        }
    }
}

/// Millimetres in a point.
pub(crate) const MM_PER_PT: f32 = 25.4 / 72.0;

fn colour(value: Option<&String>, default: Colour, element: &str) -> Result<Colour, TemplateError> {
    value.map_or(Ok(default), |v| Colour::parse(v, element))
}

fn count(element: &'static str, n: usize) -> Result<(), TemplateError> {
    if n > MAX_ELEMENTS {
        Err(TemplateError::TooMany { element, count: n })
    } else {
        Ok(())
    }
}

impl Template {
    /// Parses a template. A `background_image` is not loaded: use
    /// [`Template::from_path`], which resolves it next to the template file.
    ///
    /// # Errors
    /// [`TemplateError`] naming the first problem found.
    pub fn from_json(json: &str) -> Result<Template, TemplateError> {
        Template::parse(json).map(|(template, _)| template)
    }

    /// Reads a template file, and its background image (a PNG path relative
    /// to the template's directory) if it names one.
    ///
    /// # Errors
    /// [`TemplateError`]; an unreadable file is [`TemplateError::Json`] at
    /// line 0 with the operating system's reason.
    pub fn from_path(path: &Path) -> Result<Template, TemplateError> {
        let io = |e: std::io::Error| TemplateError::Json {
            line: 0,
            column: 0,
            message: format!("{}: {e}", path.display()),
        };
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_TEMPLATE_LEN as u64 {
            return Err(TemplateError::TooLarge {
                len: usize::try_from(len).unwrap_or(usize::MAX),
            });
        }
        let json = std::fs::read_to_string(path).map_err(io)?;
        let (mut template, background) = Template::parse(&json)?;
        if let Some(relative) = background {
            let full = path.parent().unwrap_or(Path::new(".")).join(&relative);
            let bad = |reason: String| TemplateError::Background {
                path: relative.clone(),
                reason,
            };
            let len = std::fs::metadata(&full)
                .map_err(|e| bad(e.to_string()))?
                .len();
            if len > MAX_BACKGROUND_LEN as u64 {
                return Err(bad(format!("{len} bytes, more than {MAX_BACKGROUND_LEN}")));
            }
            let bytes = std::fs::read(&full).map_err(|e| bad(e.to_string()))?;
            template.background_png = Some(bytes);
        }
        Ok(template)
    }

    /// The built-in generic layout: title, holder, number, issuer, validity,
    /// every face field listed, photo, QR and seal on an A5 landscape page.
    pub fn generic() -> Template {
        Template::from_json(GENERIC).unwrap_or_else(|_| Template::minimal())
    }

    /// The built-in templates for the example licence types.
    pub fn built_in() -> Vec<Template> {
        BUILT_IN
            .iter()
            .filter_map(|json| Template::from_json(json).ok())
            .collect()
    }

    /// Last resort if the built-in generic JSON were broken; a unit test
    /// makes sure it is not, so this is never what users see.
    fn minimal() -> Template {
        Template {
            name: "minimal".into(),
            applies_to: Vec::new(),
            title: None,
            width: 148.0,
            height: 105.0,
            background: Colour::WHITE,
            background_png: None,
            date_style: DateStyle::Chinese,
            shapes: Vec::new(),
            texts: Vec::new(),
            fields: Vec::new(),
            face_list: None,
            photo: None,
            qr: Rect {
                x: 100.0,
                y: 50.0,
                width: 40.0,
                height: 40.0,
            },
            seal: SealPlace {
                cx: 50.0,
                cy: 60.0,
                diameter: 40.0,
                purpose: None,
            },
            co_issuer_seals: Vec::new(),
        }
    }

    fn parse(json: &str) -> Result<(Template, Option<String>), TemplateError> {
        if json.len() > MAX_TEMPLATE_LEN {
            return Err(TemplateError::TooLarge { len: json.len() });
        }
        // The version first, so a newer template is named as such rather
        // than as a list of keys this parser does not know.
        if let Ok(FormatOnly {
            format: Some(found),
        }) = serde_json::from_str::<FormatOnly>(json)
            && found != 1
        {
            return Err(TemplateError::Format { found });
        }
        let raw: TemplateJson = serde_json::from_str(json).map_err(|e| {
            let message = e.to_string();
            // serde_json appends " at line L column C"; the variant carries those.
            let message = match message.rsplit_once(" at line ") {
                Some((head, _)) => head.to_owned(),
                None => message,
            };
            TemplateError::Json {
                line: e.line(),
                column: e.column(),
                message,
            }
        })?;
        if raw.format != 1 {
            return Err(TemplateError::Format { found: raw.format });
        }
        let page = Checker {
            width: PAGE_MM.1,
            height: PAGE_MM.1,
        };
        let width = page.range("page", "width_mm", raw.page.width_mm, PAGE_MM.0, PAGE_MM.1)?;
        let height = page.range(
            "page",
            "height_mm",
            raw.page.height_mm,
            PAGE_MM.0,
            PAGE_MM.1,
        )?;
        let c = Checker { width, height };
        let name = c.text("name", &raw.name)?;
        let applies_to = raw
            .applies_to
            .iter()
            .map(|code| {
                code.parse::<LicenceTypeCode>()
                    .map_err(|_| TemplateError::TypeCode {
                        value: code.clone(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        count("applies_to", applies_to.len())?;
        let background = colour(raw.page.background.as_ref(), Colour::WHITE, "page")?;
        if let Some(path) = &raw.page.background_image {
            c.text("page.background_image", path)?;
            // Relative to the template and inside its directory: a template
            // must not be a way to read any file on the machine.
            let inside = Path::new(path)
                .components()
                .all(|part| matches!(part, std::path::Component::Normal(_)));
            if !inside {
                return Err(TemplateError::Background {
                    path: path.clone(),
                    reason: "must be a relative path inside the template's directory".into(),
                });
            }
        }

        count("shapes", raw.shapes.len())?;
        let shapes = raw
            .shapes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let element = format!("shapes[{i}]");
                Ok(Shape {
                    rect: c.rect(&element, s.x, s.y, s.width, s.height)?,
                    fill: s
                        .fill
                        .as_ref()
                        .map(|v| Colour::parse(v, &element))
                        .transpose()?,
                    stroke: s
                        .stroke
                        .as_ref()
                        .map(|v| Colour::parse(v, &element))
                        .transpose()?,
                    stroke_mm: c.range(
                        &element,
                        "stroke_mm",
                        s.stroke_mm.unwrap_or(0.3),
                        0.05,
                        10.0,
                    )?,
                })
            })
            .collect::<Result<Vec<_>, TemplateError>>()?;

        count("texts", raw.texts.len())?;
        let texts = raw
            .texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let element = format!("texts[{i}]");
                let size_pt = c.font(&element, t.size_pt)?;
                c.range(&element, "x", t.x, 0.0, width)?;
                let width = t.width.unwrap_or(width - t.x);
                c.line(&element, t.x, t.y, width, size_pt)?;
                Ok(Text {
                    text: c.text(&element, &t.text)?,
                    x: t.x,
                    y: t.y,
                    width,
                    size_pt,
                    colour: colour(t.colour.as_ref(), Colour::BLACK, &element)?,
                    align: t.align,
                    letter_spacing: c.range(
                        &element,
                        "letter_spacing",
                        t.letter_spacing,
                        0.0,
                        2.0,
                    )?,
                })
            })
            .collect::<Result<Vec<_>, TemplateError>>()?;

        count("fields", raw.fields.len())?;
        let fields = raw
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let element = format!("fields[{i}]");
                let size_pt = c.font(&element, f.size_pt)?;
                let label_width = c.range(&element, "label_width", f.label_width, 0.0, width)?;
                c.range(&element, "width", f.width, 1.0, width)?;
                c.range(&element, "max_lines", f32::from(f.max_lines), 1.0, 20.0)?;
                c.line(&element, f.x, f.y, label_width + f.width, size_pt)?;
                let line_height = size_pt * MM_PER_PT * LINE_SPACING;
                let last_baseline = f.y + line_height * f32::from(f.max_lines.saturating_sub(1));
                c.line(&element, f.x, last_baseline, label_width + f.width, size_pt)?;
                Ok(Field {
                    source: Source::parse(&f.source, &element)?,
                    label: f
                        .label
                        .as_deref()
                        .map(|l| c.text(&element, l))
                        .transpose()?,
                    x: f.x,
                    y: f.y,
                    label_width,
                    width: f.width,
                    size_pt,
                    max_lines: f.max_lines,
                    colour: colour(f.colour.as_ref(), Colour::BLACK, &element)?,
                    label_colour: colour(f.label_colour.as_ref(), Colour::BLACK, &element)?,
                    align: f.align,
                    optional: f.optional,
                })
            })
            .collect::<Result<Vec<_>, TemplateError>>()?;

        let face_list = raw
            .face_list
            .as_ref()
            .map(|l| {
                let element = "face_list";
                let size_pt = c.font(element, l.size_pt)?;
                c.range(element, "label_width", l.label_width, 0.0, width)?;
                c.range(element, "width", l.width, 1.0, width)?;
                c.line(element, l.x, l.y, l.label_width + l.width, size_pt)?;
                c.line(element, l.x, l.bottom, l.label_width + l.width, size_pt)?;
                c.range(element, "bottom", l.bottom, l.y, height)?;
                Ok(FaceList {
                    x: l.x,
                    y: l.y,
                    label_width: l.label_width,
                    width: l.width,
                    bottom: l.bottom,
                    size_pt,
                    colour: colour(l.colour.as_ref(), Colour::BLACK, element)?,
                    label_colour: colour(l.label_colour.as_ref(), Colour::BLACK, element)?,
                })
            })
            .transpose()?;

        let photo = raw
            .photo
            .map(|p| c.rect("photo", p.x, p.y, p.width, p.height))
            .transpose()?;
        c.range("qr", "size", raw.qr.size, 10.0, 200.0)?;
        let qr = c.rect("qr", raw.qr.x, raw.qr.y, raw.qr.size, raw.qr.size)?;
        let seal = seal_place(&c, "seal", &raw.seal)?;
        count("co_issuer_seals", raw.co_issuer_seals.len())?;
        let co_issuer_seals = raw
            .co_issuer_seals
            .iter()
            .enumerate()
            .map(|(i, s)| seal_place(&c, &format!("co_issuer_seals[{i}]"), s))
            .collect::<Result<Vec<_>, TemplateError>>()?;

        Ok((
            Template {
                name,
                applies_to,
                title: raw
                    .title
                    .as_deref()
                    .map(|t| c.text("title", t))
                    .transpose()?,
                width,
                height,
                background,
                background_png: None,
                date_style: raw.date_style,
                shapes,
                texts,
                fields,
                face_list,
                photo,
                qr,
                seal,
                co_issuer_seals,
            },
            raw.page.background_image,
        ))
    }
}

fn seal_place(c: &Checker, element: &str, raw: &SealJson) -> Result<SealPlace, TemplateError> {
    // The range a drawn stamp can be cut to (see `render::stamp`): 20 mm on
    // a card up to 60 mm.
    let diameter = c.range(element, "diameter_mm", raw.diameter_mm, 20.0, 60.0)?;
    // A seal may overhang the page edge a little on a card, but its
    // centre must be on the page.
    c.range(element, "cx", raw.cx, 0.0, c.width)?;
    c.range(element, "cy", raw.cy, 0.0, c.height)?;
    Ok(SealPlace {
        cx: raw.cx,
        cy: raw.cy,
        diameter,
        purpose: raw
            .purpose
            .as_deref()
            .map(|p| c.text(&format!("{element}.purpose"), p))
            .transpose()?,
    })
}

/// Baseline-to-baseline distance as a multiple of the font size.
pub(crate) const LINE_SPACING: f32 = 1.35;

/// Templates chosen by licence type, with the generic layout for the rest.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    templates: Vec<Template>,
    generic: Template,
}

impl Default for TemplateSet {
    /// The built-in templates and the built-in generic layout.
    fn default() -> Self {
        TemplateSet {
            templates: Template::built_in(),
            generic: Template::generic(),
        }
    }
}

impl TemplateSet {
    /// No type-specific templates: everything gets the generic layout.
    pub fn generic_only() -> TemplateSet {
        TemplateSet {
            templates: Vec::new(),
            generic: Template::generic(),
        }
    }

    /// One layout for every licence type, whatever its `applies_to` says.
    pub fn single(template: Template) -> TemplateSet {
        TemplateSet {
            templates: Vec::new(),
            generic: template,
        }
    }

    /// Adds a template; it is tried before the ones already in the set.
    pub fn push(&mut self, template: Template) -> &mut TemplateSet {
        self.templates.insert(0, template);
        self
    }

    /// The template for a licence type: the first that applies, else the
    /// generic layout.
    pub fn for_type(&self, code: &LicenceTypeCode) -> &Template {
        self.templates
            .iter()
            .find(|t| t.applies_to.contains(code))
            .unwrap_or(&self.generic)
    }
}

#[cfg(test)]
mod tests;
