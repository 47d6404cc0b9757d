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
    let fonts = &fonts.faces();
    let mut items = Vec::new();
    for shape in &template.shapes {
        items.push(Item::Rect {
            rect: shape.rect,
            fill: shape.fill,
            stroke: shape.stroke.map(|c| (c, shape.stroke_mm)),
        });
    }

    let mut photo_box = None;
    match (licence.photo_sha256(), photo) {
        (Some(expected), Some(bytes)) => {
            let found: [u8; 32] = Sha256::digest(bytes).into();
            if &found != expected {
                return Err(RenderError::PhotoMismatch);
            }
            photo_box = Some(template.photo.ok_or_else(|| RenderError::NoPhotoPlace {
                template: template.name.clone(),
            })?);
        }
        (Some(_), None) => return Err(RenderError::PhotoMissing),
        (None, Some(_)) => return Err(RenderError::PhotoNotInLicence),
        (None, None) => {}
    }
    if let Some(rect) = photo_box {
        items.push(Item::Photo(rect));
    }

    for (i, text) in template.texts.iter().enumerate() {
        let field = format!("texts[{i}]");
        let spacing = text.letter_spacing * text.size_pt * MM_PER_PT;
        let runs = fonts.runs(&text.text, &field)?;
        items.push(Item::Text(place_line(
            fonts,
            runs,
            text.x,
            text.width,
            text.y,
            text.size_pt,
            text.colour,
            spacing,
            text.align,
        )));
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
        let label = field
            .label
            .as_deref()
            .map(|label| fonts.runs(label, &format!("label of {name}")))
            .transpose()?;
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
        column.place(&mut items, fonts, label, lines, field.y);
    }

    let rest: Vec<_> = licence
        .face_fields()
        .iter()
        .filter(|f| !placed_faces.contains(&f.label))
        .collect();
    if let Some(list) = &template.face_list {
        let mut baseline = list.y;
        for face in &rest {
            let name = format!("face:{}", face.label);
            let label_runs = fonts.runs(&face.label, &format!("label of {name}"))?;
            let max_lines = ((list.bottom - baseline) / line_height(list.size_pt)).floor() + 1.0;
            if max_lines < 1.0 {
                return Err(RenderError::Overflow { field: name });
            }
            let lines = wrap_to_fit(
                fonts,
                &face.value,
                &name,
                list.width,
                list.size_pt,
                max_lines as usize,
            )?;
            let column = Column {
                x: list.x,
                label_width: list.label_width,
                width: list.width,
                size_pt: list.size_pt,
                colour: list.colour,
                label_colour: list.label_colour,
                align: Align::Left,
            };
            baseline = column.place(&mut items, fonts, Some(label_runs), lines, baseline);
            baseline += line_height(list.size_pt) * 0.25;
        }
    } else if let Some(face) = rest.first() {
        return Err(RenderError::UnplacedFaceField {
            label: face.label.clone(),
            template: template.name.clone(),
        });
    }

    items.push(Item::Qr(template.qr));
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
    /// Places the label on the first baseline and the value's lines from it
    /// down; returns the baseline after the last line.
    fn place(
        &self,
        items: &mut Vec<Item>,
        fonts: &Faces<'_>,
        label: Option<Vec<Run>>,
        lines: Vec<(Vec<Run>, f32)>,
        mut baseline: f32,
    ) -> f32 {
        if let Some(runs) = label {
            items.push(Item::Text(place_line(
                fonts,
                runs,
                self.x,
                self.label_width,
                baseline,
                self.size_pt,
                self.label_colour,
                0.0,
                Align::Left,
            )));
        }
        for (runs, size_pt) in lines {
            items.push(Item::Text(place_line(
                fonts,
                runs,
                self.x + self.label_width,
                self.width,
                baseline,
                size_pt,
                self.colour,
                0.0,
                self.align,
            )));
            baseline += line_height(size_pt);
        }
        baseline
    }
}

fn line_height(size_pt: f32) -> f32 {
    size_pt * MM_PER_PT * LINE_SPACING
}

/// The text a source shows, `None` when the licence has no such value.
pub(crate) fn value(licence: &Licence, source: &Source, style: DateStyle) -> Option<String> {
    let date = |d: Date| match style {
        DateStyle::Iso => d.to_string(),
        DateStyle::Chinese => format!("{}年{:02}月{:02}日", d.year(), d.month(), d.day()),
    };
    let until = || match licence.valid_until() {
        ValidUntil::Date(d) => date(d),
        ValidUntil::LongTerm => "长期".to_owned(),
    };
    Some(match source {
        Source::HolderName => licence.holder().name().to_owned(),
        Source::HolderDocument => licence.holder().document().number().to_owned(),
        Source::Number => licence.number().to_owned(),
        Source::Identifier => licence.identifier()?.to_string(),
        Source::IssuerName => licence.issuer().name().to_owned(),
        Source::IssuerCode => licence.issuer().code().to_string(),
        Source::IssueDate => date(licence.issue_date()),
        Source::ValidFrom => date(licence.valid_from()),
        Source::ValidUntil => until(),
        Source::Validity => format!("{} 至 {}", date(licence.valid_from()), until()),
        Source::Face(label) => licence
            .face_fields()
            .iter()
            .find(|f| f.label == *label)?
            .value
            .clone(),
    })
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
    })
}

/// Greedy line breaking by character advance: any CJK character may start a
/// line, runs of ASCII letters and digits are kept whole when they fit.
fn wrap(fonts: &Faces<'_>, text: &str, width: f32, size_pt: f32) -> Vec<String> {
    let em = size_pt * MM_PER_PT;
    let advance = |ch: char| fonts.font_for(ch).map_or(0.5, |i| fonts.advance(i, ch)) * em;
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
            lines.push(core::mem::take(&mut line).trim_end().to_owned());
            used = 0.0;
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

#[cfg(test)]
mod tests;
