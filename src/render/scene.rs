//! Layout: a licence and a template become a list of placed items, in
//! millimetres from the page's top-left corner, that the PNG and PDF
//! back ends draw the same way. Everything that can fail for a given licence
//! (a missing glyph, text that does not fit, a photo that does not match)
//! fails here, before either back end starts.

use sha2::{Digest, Sha256};

use super::RenderError;
use super::font::{Faces, FontSet, Run};
use super::template::{
    Align, Colour, DateStyle, LINE_SPACING, MM_PER_PT, Rect, SealPlace, Source, Template,
};
use crate::date::Date;
use crate::licence::{Licence, ValidUntil};

/// Smallest fraction of its template size a value is shrunk to before it is
/// an overflow error.
const MIN_SHRINK: f32 = 0.6;

/// A run of text placed on the page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlacedRun {
    /// Index into the font set.
    pub font: usize,
    /// The text.
    pub text: String,
    /// Pen position of the first character, from the left, in mm.
    pub x: f32,
}

/// One line of text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    /// Baseline, from the top, in mm.
    pub baseline: f32,
    /// Font size in points.
    pub size_pt: f32,
    /// Colour.
    pub colour: Colour,
    /// Extra space after each character, in mm.
    pub letter_spacing: f32,
    /// The runs, left to right.
    pub runs: Vec<PlacedRun>,
}

/// Something to draw.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// A rectangle, filled and/or outlined.
    Rect {
        rect: Rect,
        fill: Option<Colour>,
        stroke: Option<(Colour, f32)>,
    },
    /// A line of text.
    Text(Line),
    /// The holder's photo, fitted into the box.
    Photo(Rect),
    /// The QR code, a square.
    Qr(Rect),
    /// The seal stamp, centred.
    Seal(SealPlace),
}

/// A laid-out page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scene {
    pub width: f32,
    pub height: f32,
    pub background: Colour,
    pub items: Vec<Item>,
}

/// Lays out `licence` with `template`.
///
/// `photo` is the holder's photo as supplied (its bytes are hashed and
/// compared with the licence's `photo_sha256`).
pub(crate) fn lay_out(
    licence: &Licence,
    template: &Template,
    fonts: &FontSet,
    photo: Option<&[u8]>,
) -> Result<Scene, RenderError> {
    lay_out_with(licence, template, fonts, photo, true)
}

/// [`lay_out`], with `photo_required` false to check a layout without the
/// photo a licence signs.
pub(crate) fn lay_out_with(
    licence: &Licence,
    template: &Template,
    fonts: &FontSet,
    photo: Option<&[u8]>,
    photo_required: bool,
) -> Result<Scene, RenderError> {
    let fonts = &fonts.faces();
    let mut items = Vec::new();
    let mut taken = Taken::default();
    for shape in &template.shapes {
        items.push(Item::Rect {
            rect: shape.rect,
            fill: shape.fill,
            stroke: shape.stroke.map(|c| (c, shape.stroke_mm)),
        });
    }

    let photo_box = if shows_photo(licence, photo, photo_required)? {
        Some(template.photo.ok_or_else(|| RenderError::NoPhotoPlace {
            template: template.name.clone(),
        })?)
    } else {
        None
    };
    if let Some(rect) = photo_box {
        items.push(Item::Photo(rect));
        taken.rect("photo", rect);
    }

    for (i, text) in template.texts.iter().enumerate() {
        let field = format!("texts[{i}]");
        let spacing = text.letter_spacing * text.size_pt * MM_PER_PT;
        let runs = fonts.runs(&text.text, &field)?;
        let line = place_line(
            fonts,
            runs,
            text.x,
            text.width,
            text.y,
            text.size_pt,
            text.colour,
            spacing,
            text.align,
        );
        taken.line(&field, fonts, &line);
        items.push(Item::Text(line));
    }

    let mut placed_faces = Vec::new();
    for field in &template.fields {
        let name = field.source.name();
        let value = match value(licence, &field.source, template.date_style) {
            Some(value) if !value.is_empty() => value,
            _ if field.optional => continue,
            _ => return Err(RenderError::MissingValue { field: name }),
        };
        if let Source::Face(label) = &field.source {
            placed_faces.push(label.clone());
        }
        let label_name = format!("label of {name}");
        let label = field.label.as_deref().map(|l| (l, label_name.as_str()));
        let lines = wrap_to_fit(
            fonts,
            &value,
            &name,
            field.width,
            field.size_pt,
            usize::from(field.max_lines),
        )?;
        let column = Column {
            x: field.x,
            label_width: field.label_width,
            width: field.width,
            size_pt: field.size_pt,
            colour: field.colour,
            label_colour: field.label_colour,
            align: field.align,
        };
        column.place(
            &mut items,
            &mut taken,
            fonts,
            label,
            (&name, lines),
            field.y,
        )?;
    }

    let rest: Vec<_> = licence
        .face_fields()
        .iter()
        .filter(|f| !placed_faces.contains(&f.label))
        .collect();
    if let Some(list) = &template.face_list {
        let mut baseline = list.y;
        // The label column is as wide as the longest label needs (with a
        // gap of half a character), from the template's width up to half
        // the list; longer labels wrap inside it.
        let gap = list.size_pt * MM_PER_PT * 0.5;
        let longest = rest
            .iter()
            .map(|face| text_width(fonts, &face.label, list.size_pt))
            .fold(0.0_f32, f32::max);
        let total = list.label_width + list.width;
        let label_width = (longest + gap).clamp(list.label_width, total * 0.5);
        let value_width = total - label_width;
        for face in &rest {
            let name = format!("face:{}", face.label);
            let label_name = format!("label of {name}");
            let max_lines = ((list.bottom - baseline) / line_height(list.size_pt)).floor() + 1.0;
            if max_lines < 1.0 {
                return Err(RenderError::Overflow {
                    field: name,
                    lines_needed: 1,
                    lines_allowed: 0,
                    width_mm: value_width,
                });
            }
            let lines = wrap_to_fit(
                fonts,
                &normalise_date(&face.value, template.date_style),
                &name,
                value_width,
                list.size_pt,
                max_lines as usize,
            )?;
            let column = Column {
                x: list.x,
                label_width,
                width: value_width,
                size_pt: list.size_pt,
                colour: list.colour,
                label_colour: list.label_colour,
                align: Align::Left,
            };
            baseline = column.place(
                &mut items,
                &mut taken,
                fonts,
                Some((&face.label, &label_name)),
                (&name, lines),
                baseline,
            )?;
            if baseline - line_height(list.size_pt) > list.bottom + 1e-3 {
                return Err(RenderError::Overflow {
                    field: name,
                    lines_needed: ((baseline - list.y) / line_height(list.size_pt)).ceil() as usize,
                    lines_allowed: ((list.bottom - list.y) / line_height(list.size_pt)).floor()
                        as usize
                        + 1,
                    width_mm: value_width,
                });
            }
            baseline += line_height(list.size_pt) * 0.25;
        }
    } else if let Some(face) = rest.first() {
        return Err(RenderError::UnplacedFaceField {
            label: face.label.clone(),
            template: template.name.clone(),
        });
    }

    items.push(Item::Qr(template.qr));
    taken.rect("qr", template.qr);
    // A seal is stamped over its authority's name and the issue date
    // (骑年盖月), never over anything else.
    taken.seal(
        "seal",
        &template.seal,
        &[
            "issuer.name",
            "label of issuer.name",
            "issue_date",
            "label of issue_date",
        ],
    );
    let co_names: Vec<String> = (0..licence.co_issuers().len())
        .map(|i| Source::CoIssuerName(i).name())
        .collect();
    for (i, (place, name)) in template.co_issuer_seals.iter().zip(&co_names).enumerate() {
        let label = format!("label of {name}");
        taken.seal(
            &format!("co_issuer_seals[{i}]"),
            place,
            &[name.as_str(), label.as_str()],
        );
    }
    if let Some((first, second)) = taken.first_overlap() {
        return Err(RenderError::Overlap {
            first,
            second,
            template: template.name.clone(),
        });
    }
    items.push(Item::Seal(template.seal.clone()));
    Ok(Scene {
        width: template.width,
        height: template.height,
        background: template.background,
        items,
    })
}

/// A label and its value beside it, the value wrapped over lines.
struct Column {
    x: f32,
    label_width: f32,
    width: f32,
    size_pt: f32,
    colour: Colour,
    label_colour: Colour,
    align: Align,
}

impl Column {
    /// Places the label from the first baseline down (wrapped inside the
    /// label column if it is longer, keeping a gap of a quarter character
    /// before the value) and the value's lines from it down, each recorded
    /// in `taken` under its owner's name (`label`: the label's text and
    /// name; `value`: the field's name and its lines). Returns the baseline
    /// after the last line of either.
    fn place(
        &self,
        items: &mut Vec<Item>,
        taken: &mut Taken,
        fonts: &Faces<'_>,
        label: Option<(&str, &str)>,
        (name, lines): (&str, Vec<(Vec<Run>, f32)>),
        mut baseline: f32,
    ) -> Result<f32, RenderError> {
        let mut label_end = baseline;
        if let Some((label, field)) = label {
            let gap = self.size_pt * MM_PER_PT * 0.25;
            let room = self.label_width - gap;
            let parts = if text_width(fonts, label, self.size_pt) > room && room > 0.0 {
                wrap(fonts, label, room, self.size_pt)
            } else {
                vec![label.to_owned()]
            };
            for part in parts {
                let line = place_line(
                    fonts,
                    fonts.runs(&part, field)?,
                    self.x,
                    self.label_width,
                    label_end,
                    self.size_pt,
                    self.label_colour,
                    0.0,
                    Align::Left,
                );
                taken.line(field, fonts, &line);
                items.push(Item::Text(line));
                label_end += line_height(self.size_pt);
            }
        }
        for (runs, size_pt) in lines {
            let line = place_line(
                fonts,
                runs,
                self.x + self.label_width,
                self.width,
                baseline,
                size_pt,
                self.colour,
                0.0,
                self.align,
            );
            taken.line(name, fonts, &line);
            items.push(Item::Text(line));
            baseline += line_height(size_pt);
        }
        // A label may have wrapped below the value's last line.
        Ok(baseline.max(label_end))
    }
}

fn line_height(size_pt: f32) -> f32 {
    size_pt * MM_PER_PT * LINE_SPACING
}

/// The text a source shows, `None` when the licence has no such value.
pub(crate) fn value(licence: &Licence, source: &Source, style: DateStyle) -> Option<String> {
    let date = |d: Date| format_date(d, style);
    let until = || match licence.valid_until() {
        ValidUntil::Date(d) => date(d),
        ValidUntil::LongTerm => "长期".to_owned(),
    };
    Some(match source {
        Source::HolderName => licence.holder().name().to_owned(),
        Source::HolderDocument => licence.holder().document().number().to_owned(),
        Source::HolderDocumentMasked => licence.holder().document().masked(),
        Source::Number => licence.number().to_owned(),
        Source::Identifier => licence.identifier()?.to_string(),
        Source::IssuerName => licence.issuer().name().to_owned(),
        Source::IssuerCode => licence.issuer().code().to_string(),
        Source::IssueDate => date(licence.issue_date()),
        Source::ValidFrom => date(licence.valid_from()),
        Source::ValidUntil => until(),
        Source::Validity => format!("{} 至 {}", date(licence.valid_from()), until()),
        Source::Face(label) => normalise_date(
            &licence
                .face_fields()
                .iter()
                .find(|f| f.label == *label)?
                .value,
            style,
        ),
        Source::TypeName => licence.type_name().unwrap_or(GENERIC_TITLE).to_owned(),
        Source::CoIssuerName(i) => licence.co_issuers().get(*i)?.name().to_owned(),
    })
}

/// Whether the licence's photo is drawn: `photo` must be the one it signs
/// (a licence that signs none takes none). With `photo_required` false, a
/// layout is checked before issuing, when the photo is not at hand.
fn shows_photo(
    licence: &Licence,
    photo: Option<&[u8]>,
    photo_required: bool,
) -> Result<bool, RenderError> {
    match (licence.photo_sha256(), photo) {
        (Some(expected), Some(bytes)) => {
            let found: [u8; 32] = Sha256::digest(bytes).into();
            if &found == expected {
                Ok(true)
            } else {
                Err(RenderError::PhotoMismatch)
            }
        }
        (Some(_), None) if !photo_required => Ok(true),
        (Some(_), None) => Err(RenderError::PhotoMissing),
        (None, Some(_)) => Err(RenderError::PhotoNotInLicence),
        (None, None) => Ok(false),
    }
}

/// The title of a licence whose type has no name: 电子证照 ("electronic licence").
pub(crate) const GENERIC_TITLE: &str = "电子证照";

/// A face value that is a date alone, in either style, is written in the
/// template's style, so one licence shows one date style; anything else is
/// shown as signed.
fn normalise_date(value: &str, style: DateStyle) -> String {
    let parsed = value.parse::<Date>().ok().or_else(|| {
        let (year, rest) = value.split_once('年')?;
        let (month, rest) = rest.split_once('月')?;
        let day = rest.strip_suffix('日')?;
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !(all_digits(year) && all_digits(month) && all_digits(day)) || year.len() != 4 {
            return None;
        }
        format!("{year}-{month:0>2}-{day:0>2}").parse::<Date>().ok()
    });
    match parsed {
        Some(d) => format_date(d, style),
        None => value.to_owned(),
    }
}

/// A date in a template's style.
pub(crate) fn format_date(d: Date, style: DateStyle) -> String {
    match style {
        DateStyle::Iso => d.to_string(),
        DateStyle::Chinese => format!("{}年{:02}月{:02}日", d.year(), d.month(), d.day()),
    }
}

/// Width of `text` in mm at `size_pt`, each character from the first face
/// that has it.
fn text_width(fonts: &Faces<'_>, text: &str, size_pt: f32) -> f32 {
    text.chars().map(|ch| char_width(fonts, ch, size_pt)).sum()
}

/// Advance of `ch` in mm at `size_pt`, from the first face that has it
/// (half an em for a character none has: coverage is checked before).
fn char_width(fonts: &Faces<'_>, ch: char, size_pt: f32) -> f32 {
    fonts.font_for(ch).map_or(0.5, |i| fonts.advance(i, ch)) * size_pt * MM_PER_PT
}

/// Height above the baseline and depth below it that a line's box takes,
/// as fractions of the size: the ideographic em box of a CJK face.
const ASCENT: f32 = 0.88;
const DESCENT: f32 = 0.12;

/// An area something on the page takes.
#[derive(Debug, Clone, Copy)]
enum Area {
    Box { x0: f32, y0: f32, x1: f32, y1: f32 },
    Circle { cx: f32, cy: f32, r: f32 },
}

impl Area {
    /// Whether the two areas share more than a hairline (0.05 mm).
    fn overlaps(&self, other: &Area) -> bool {
        const TOLERANCE: f32 = 0.05;
        match (*self, *other) {
            (
                Area::Box { x0, y0, x1, y1 },
                Area::Box {
                    x0: a0,
                    y0: b0,
                    x1: a1,
                    y1: b1,
                },
            ) => x0.max(a0) + TOLERANCE < x1.min(a1) && y0.max(b0) + TOLERANCE < y1.min(b1),
            (Area::Circle { cx, cy, r }, Area::Box { x0, y0, x1, y1 })
            | (Area::Box { x0, y0, x1, y1 }, Area::Circle { cx, cy, r }) => {
                let dx = cx - cx.clamp(x0, x1);
                let dy = cy - cy.clamp(y0, y1);
                (dx * dx + dy * dy).sqrt() + TOLERANCE < r
            }
            (Area::Circle { cx, cy, r }, Area::Circle { cx: x, cy: y, r: s }) => {
                ((cx - x).powi(2) + (cy - y).powi(2)).sqrt() + TOLERANCE < r + s
            }
        }
    }
}

/// What is on the page so far, by owner, for the overlap check.
#[derive(Debug, Default)]
struct Taken {
    areas: Vec<(String, Area)>,
    /// Owners whose overlap is by design: (seal, what it may cover).
    allowed: Vec<(String, String)>,
}

impl Taken {
    fn rect(&mut self, owner: &str, rect: Rect) {
        self.areas.push((
            owner.to_owned(),
            Area::Box {
                x0: rect.x,
                y0: rect.y,
                x1: rect.x + rect.width,
                y1: rect.y + rect.height,
            },
        ));
    }

    fn line(&mut self, owner: &str, fonts: &Faces<'_>, line: &Line) {
        let (Some(first), Some(last)) = (line.runs.first(), line.runs.last()) else {
            return;
        };
        let last_run = Run {
            font: last.font,
            text: last.text.clone(),
        };
        let end = last.x + run_width(fonts, &last_run, line.size_pt, line.letter_spacing)
            - line.letter_spacing;
        let em = line.size_pt * MM_PER_PT;
        self.areas.push((
            owner.to_owned(),
            Area::Box {
                x0: first.x,
                y0: line.baseline - em * ASCENT,
                x1: end,
                y1: line.baseline + em * DESCENT,
            },
        ));
    }

    fn seal(&mut self, owner: &str, place: &SealPlace, may_cover: &[&str]) {
        self.areas.push((
            owner.to_owned(),
            Area::Circle {
                cx: place.cx,
                cy: place.cy,
                r: place.diameter / 2.0,
            },
        ));
        for covered in may_cover {
            self.allowed.push((owner.to_owned(), (*covered).to_owned()));
        }
    }

    /// The right edge of the last area taken.
    fn last_right_edge(&self) -> Option<f32> {
        match self.areas.last()?.1 {
            Area::Box { x1, .. } => Some(x1),
            Area::Circle { cx, r, .. } => Some(cx + r),
        }
    }

    /// The first two owners whose areas overlap, in the order placed.
    fn first_overlap(&self) -> Option<(String, String)> {
        let allowed = |a: &str, b: &str| {
            a == b
                || self
                    .allowed
                    .iter()
                    .any(|(s, c)| (s == a && c == b) || (s == b && c == a))
        };
        for (i, (owner_a, area_a)) in self.areas.iter().enumerate() {
            for (owner_b, area_b) in self.areas.iter().skip(i + 1) {
                if !allowed(owner_a, owner_b) && area_a.overlaps(area_b) {
                    return Some((owner_a.clone(), owner_b.clone()));
                }
            }
        }
        None
    }
}

/// Width of a run in mm at `size_pt`, with `spacing` mm after each character.
pub(crate) fn run_width(fonts: &Faces<'_>, run: &Run, size_pt: f32, spacing: f32) -> f32 {
    let em = size_pt * MM_PER_PT;
    run.text
        .chars()
        .map(|ch| fonts.advance(run.font, ch) * em + spacing)
        .sum()
}

/// A line of runs laid out from `x` over `width` with `align`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn place_line(
    fonts: &Faces<'_>,
    runs: Vec<Run>,
    x: f32,
    width: f32,
    baseline: f32,
    size_pt: f32,
    colour: Colour,
    letter_spacing: f32,
    align: Align,
) -> Line {
    let widths: Vec<f32> = runs
        .iter()
        .map(|r| run_width(fonts, r, size_pt, letter_spacing))
        .collect();
    // Spacing after the last character would push centred text off centre.
    let total: f32 = widths.iter().sum::<f32>() - letter_spacing;
    let mut pen = match align {
        Align::Left => x,
        Align::Centre => x + (width - total) / 2.0,
        Align::Right => x + width - total,
    };
    let runs = runs
        .into_iter()
        .zip(widths)
        .map(|(run, w)| {
            let placed = PlacedRun {
                font: run.font,
                text: run.text,
                x: pen,
            };
            pen += w;
            placed
        })
        .collect();
    Line {
        baseline,
        size_pt,
        colour,
        letter_spacing,
        runs,
    }
}

/// Characters that must not end a line.
const NO_LINE_END: &str = "（《「『【〔“‘([{";

/// Characters that must not start a line (Chinese line-breaking rules).
const NO_LINE_START: &str = "，。、；：？！）》」』】〕”’,.;:?!)]}%";

/// Wraps `text` into at most `max_lines` lines of `width` mm, shrinking the
/// size in 5 % steps down to [`MIN_SHRINK`] if needed. Returns each line's
/// runs with the size used.
fn wrap_to_fit(
    fonts: &Faces<'_>,
    text: &str,
    field: &str,
    width: f32,
    size_pt: f32,
    max_lines: usize,
) -> Result<Vec<(Vec<Run>, f32)>, RenderError> {
    // Checks coverage once, and names the field if a character is missing.
    fonts.runs(text, field)?;
    let mut size = size_pt;
    while size >= size_pt * MIN_SHRINK - f32::EPSILON {
        let lines = wrap(fonts, text, width, size);
        if lines.len() <= max_lines {
            return lines
                .into_iter()
                .map(|line| Ok((fonts.runs(&line, field)?, size)))
                .collect();
        }
        size -= size_pt * 0.05;
    }
    Err(RenderError::Overflow {
        field: field.to_owned(),
        lines_needed: wrap(fonts, text, width, size_pt * MIN_SHRINK).len(),
        lines_allowed: max_lines,
        width_mm: width,
    })
}

/// Greedy line breaking by character advance: any CJK character may start a
/// line, runs of ASCII letters and digits are kept whole when they fit.
fn wrap(fonts: &Faces<'_>, text: &str, width: f32, size_pt: f32) -> Vec<String> {
    let advance = |ch: char| char_width(fonts, ch, size_pt);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0.0;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while let Some(&ch) = chars.get(i) {
        // Treat an ASCII word as one unit so `C1` or `91110108MA0123456G` do not split.
        let end = if ch.is_ascii_alphanumeric() {
            chars
                .iter()
                .skip(i)
                .position(|c| !c.is_ascii_alphanumeric())
                .map_or(chars.len(), |n| i + n)
        } else {
            i + 1
        };
        let unit: String = chars.get(i..end).unwrap_or_default().iter().collect();
        let unit_width: f32 = unit.chars().map(advance).sum();
        let fits = used + unit_width <= width + 1e-3;
        let keeps_with_previous = NO_LINE_START.contains(ch);
        if unit_width > width {
            // A word longer than a whole line: break it by character.
            for c in unit.chars() {
                let w = advance(c);
                if used + w > width + 1e-3 && !line.is_empty() {
                    lines.push(core::mem::take(&mut line));
                    used = 0.0;
                }
                line.push(c);
                used += w;
            }
            i = end;
            continue;
        }
        if !fits && !line.is_empty() && !keeps_with_previous {
            // An opening bracket never ends a line: it goes down with what
            // it opens.
            let mut carried = String::new();
            while line.chars().count() > 1 && line.ends_with(|c: char| NO_LINE_END.contains(c)) {
                if let Some(c) = line.pop() {
                    carried.insert(0, c);
                }
            }
            lines.push(core::mem::take(&mut line).trim_end().to_owned());
            used = carried.chars().map(advance).sum();
            line = carried;
            if ch == ' ' {
                i = end;
                continue;
            }
        }
        line.push_str(&unit);
        used += unit_width;
        i = end;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

// ---- the phone image (电子亮证) -------------------------------------------

/// The phone image's width in layout units (mm): at 1080 px, 12 px a unit.
pub(crate) const PHONE_WIDTH: f32 = 90.0;
/// Smallest text on the phone image: 7 pt is 29.6 px at 1080 px wide.
const PHONE_SMALL_PT: f32 = 7.0;
const PHONE_VALUE_PT: f32 = 9.0;
const PHONE_NAME_PT: f32 = 13.0;
const PHONE_TITLE_PT: f32 = 14.0;
const PHONE_MARGIN: f32 = 6.0;
const PHONE_SEAL: f32 = 26.0;
/// Share of the width the QR code may take.
const PHONE_QR_SHARE: f32 = 0.8;
/// Fewest pixels a module that phone scanners read reliably.
pub(crate) const MIN_PX_PER_MODULE: u32 = 3;
/// Never shrunk: a phone value wraps over as many lines as it needs.
const PHONE_MAX_LINES: usize = 64;

const PHONE_BAND: Colour = Colour {
    r: 0x1F,
    g: 0x4E,
    b: 0x79,
};
const PHONE_LABEL: Colour = Colour {
    r: 0x5A,
    g: 0x66,
    b: 0x73,
};
const PHONE_TEXT: Colour = Colour {
    r: 0x1A,
    g: 0x1A,
    b: 0x1A,
};
const PHONE_VALIDITY: Colour = Colour {
    r: 0xA0,
    g: 0x14,
    b: 0x1E,
};
const PHONE_BAND_TEXT: Colour = Colour {
    r: 0xFF,
    g: 0xFF,
    b: 0xFF,
};

/// The heading a licence's faces carry: its template's title, else the
/// licence's type name, else 电子证照.
pub(crate) fn title<'a>(licence: &'a Licence, template: &'a Template) -> &'a str {
    template
        .title
        .as_deref()
        .or(licence.type_name())
        .unwrap_or(GENERIC_TITLE)
}

/// Lays out the phone image: one column, the holder, number, validity and
/// issuer first with the seal over the issuer and date, then one QR code of
/// a whole number of at least [`MIN_PX_PER_MODULE`] pixels a module at
/// `width_px`, then the other face fields. `qr_modules` is the QR code's
/// side with its quiet zone. The height follows the content.
pub(crate) fn lay_out_phone(
    licence: &Licence,
    template: &Template,
    fonts: &FontSet,
    photo: Option<&[u8]>,
    qr_modules: u32,
    width_px: u32,
) -> Result<Scene, RenderError> {
    let fonts = &fonts.faces();
    let scale = width_px as f32 / PHONE_WIDTH;
    let ppm = ((width_px as f32 * PHONE_QR_SHARE) as u32) / qr_modules.max(1);
    if ppm < MIN_PX_PER_MODULE {
        let min = (qr_modules * MIN_PX_PER_MODULE) as f32 / PHONE_QR_SHARE;
        return Err(RenderError::Setting {
            what: "PNG width (the QR code needs 3 pixels a module)",
            value: width_px,
            min: min.ceil() as u32,
            max: 4096,
        });
    }
    shows_photo(licence, photo, true)?;

    let mut phone = Phone {
        fonts,
        items: Vec::new(),
        taken: Taken::default(),
        y: 0.0,
        authority_end: None,
    };
    let band = 24.0;
    phone.items.push(Item::Rect {
        rect: Rect {
            x: 0.0,
            y: 0.0,
            width: PHONE_WIDTH,
            height: band,
        },
        fill: Some(PHONE_BAND),
        stroke: None,
    });
    phone.centred(title(licence, template), "title", 12.5, PHONE_TITLE_PT)?;
    phone.centred("电子证照", "subtitle", 19.5, PHONE_SMALL_PT)?;
    phone.y = band + 4.0;

    let full = PHONE_WIDTH - 2.0 * PHONE_MARGIN;
    let photo_box = licence.photo_sha256().map(|_| Rect {
        x: PHONE_WIDTH - PHONE_MARGIN - 24.0,
        y: band + 5.0,
        width: 24.0,
        height: 32.0,
    });
    let beside_photo = if photo_box.is_some() {
        full - 28.0
    } else {
        full
    };
    if let Some(rect) = photo_box {
        phone.items.push(Item::Photo(rect));
        phone.taken.rect("photo", rect);
    }
    let value = |source: Source| value(licence, &source, DateStyle::Chinese);
    phone.row(
        "持证人",
        licence.holder().name(),
        "holder.name",
        PHONE_NAME_PT,
        PHONE_TEXT,
        beside_photo,
    )?;
    phone.row(
        "证照编号",
        &licence.masked_number(),
        "number",
        PHONE_VALUE_PT,
        PHONE_TEXT,
        beside_photo,
    )?;
    if let Some(validity) = value(Source::Validity) {
        phone.row(
            "有效期限",
            &validity,
            "validity",
            PHONE_VALUE_PT,
            PHONE_VALIDITY,
            beside_photo,
        )?;
    }
    if let Some(rect) = photo_box {
        phone.y = phone.y.max(rect.y + rect.height + 2.0);
    }
    let authority_top = phone.y;
    phone.row(
        "发证机关",
        licence.issuer().name(),
        "issuer.name",
        PHONE_VALUE_PT,
        PHONE_TEXT,
        full,
    )?;
    for (i, co) in licence.co_issuers().iter().enumerate() {
        phone.row(
            "联合发证机关",
            co.name(),
            &Source::CoIssuerName(i).name(),
            PHONE_VALUE_PT,
            PHONE_TEXT,
            full,
        )?;
    }
    if let Some(date) = value(Source::IssueDate) {
        phone.row(
            "发证日期",
            &date,
            "issue_date",
            PHONE_VALUE_PT,
            PHONE_TEXT,
            full,
        )?;
    }
    // The seal over the authority and the date, at the right; never up
    // into the rows above them.
    let r = PHONE_SEAL / 2.0;
    // Stamped where the authority's name ends, as a clerk stamps it, but
    // inside the margins.
    let name_end = phone.authority_end.unwrap_or(PHONE_WIDTH);
    let seal = SealPlace {
        cx: name_end.clamp(PHONE_MARGIN + r, PHONE_WIDTH - PHONE_MARGIN - r),
        cy: ((authority_top + phone.y) / 2.0).max(authority_top + r),
        diameter: PHONE_SEAL,
        purpose: template.seal.purpose.clone(),
    };
    let mut covers = vec![
        "issuer.name".to_owned(),
        "label of issuer.name".to_owned(),
        "issue_date".to_owned(),
        "label of issue_date".to_owned(),
    ];
    for i in 0..licence.co_issuers().len() {
        let name = Source::CoIssuerName(i).name();
        covers.push(format!("label of {name}"));
        covers.push(name);
    }
    let covers: Vec<&str> = covers.iter().map(String::as_str).collect();
    phone.taken.seal("seal", &seal, &covers);
    phone.y = phone.y.max(seal.cy + r) + 4.0;

    // One QR code, a whole number of pixels a module, centred.
    let side = (qr_modules * ppm) as f32 / scale;
    let qr = Rect {
        x: (PHONE_WIDTH - side) / 2.0,
        y: phone.y,
        width: side,
        height: side,
    };
    phone.items.push(Item::Qr(qr));
    phone.taken.rect("qr", qr);
    phone.y += side + line_height(PHONE_SMALL_PT);
    phone.centred("扫码核验", "qr caption", phone.y, PHONE_SMALL_PT)?;
    phone.y += line_height(PHONE_SMALL_PT) * 0.8;

    for face in licence.face_fields() {
        phone.row(
            &face.label,
            &normalise_date(&face.value, DateStyle::Chinese),
            &format!("face:{}", face.label),
            PHONE_VALUE_PT,
            PHONE_TEXT,
            full,
        )?;
    }
    if let Some(id) = licence.identifier() {
        phone.row(
            "证照标识",
            &id.to_string(),
            "identifier",
            PHONE_SMALL_PT,
            PHONE_LABEL,
            full,
        )?;
    }
    let height = phone.y + PHONE_MARGIN;
    if let Some((first, second)) = phone.taken.first_overlap() {
        return Err(RenderError::Overlap {
            first,
            second,
            template: "phone".into(),
        });
    }
    let mut items = phone.items;
    items.push(Item::Seal(seal));
    Ok(Scene {
        width: PHONE_WIDTH,
        height,
        background: Colour::WHITE,
        items,
    })
}

/// The phone image as it is laid out, top down.
struct Phone<'f, 'a> {
    fonts: &'f Faces<'a>,
    items: Vec<Item>,
    taken: Taken,
    /// The top of what comes next.
    y: f32,
    /// Where the first line of the issuing authority's name ends.
    authority_end: Option<f32>,
}

impl Phone<'_, '_> {
    /// A label over its value, the value wrapped over as many lines as it
    /// takes (never shrunk: the phone's smallest text stays readable).
    fn row(
        &mut self,
        label: &str,
        value: &str,
        field: &str,
        size_pt: f32,
        colour: Colour,
        width: f32,
    ) -> Result<(), RenderError> {
        let label_field = format!("label of {field}");
        self.y += line_height(PHONE_SMALL_PT) * 0.8;
        let line = place_line(
            self.fonts,
            self.fonts.runs(label, &label_field)?,
            PHONE_MARGIN,
            width,
            self.y,
            PHONE_SMALL_PT,
            PHONE_LABEL,
            0.0,
            Align::Left,
        );
        self.taken.line(&label_field, self.fonts, &line);
        self.items.push(Item::Text(line));
        self.y += line_height(size_pt) * 0.95;
        let lines = wrap_to_fit(self.fonts, value, field, width, size_pt, PHONE_MAX_LINES)?;
        let last = lines.len().saturating_sub(1);
        for (i, (runs, size)) in lines.into_iter().enumerate() {
            let line = place_line(
                self.fonts,
                runs,
                PHONE_MARGIN,
                width,
                self.y,
                size,
                colour,
                0.0,
                Align::Left,
            );
            self.taken.line(field, self.fonts, &line);
            if field == "issuer.name" && i == 0 {
                self.authority_end = self.taken.last_right_edge();
            }
            self.items.push(Item::Text(line));
            if i < last {
                self.y += line_height(size);
            }
        }
        self.y += line_height(size_pt) * 0.35;
        Ok(())
    }

    fn centred(
        &mut self,
        text: &str,
        field: &str,
        baseline: f32,
        size_pt: f32,
    ) -> Result<(), RenderError> {
        let colour = if baseline < 24.0 {
            PHONE_BAND_TEXT
        } else {
            PHONE_LABEL
        };
        let line = place_line(
            self.fonts,
            self.fonts.runs(text, field)?,
            0.0,
            PHONE_WIDTH,
            baseline,
            size_pt,
            colour,
            0.0,
            Align::Centre,
        );
        self.taken.line(field, self.fonts, &line);
        self.items.push(Item::Text(line));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
