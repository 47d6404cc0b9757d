//! The PDF back end, and reading the envelope back out of a licence PDF.
//!
//! printpdf lays down the page: vector text in a subset of each face used,
//! the QR code as filled vector squares, photo and seal as images. The
//! document it builds is then finished with lopdf, which printpdf itself is
//! built on: document information from the licence (not from the clock),
//! a file identifier derived from the envelope, and the envelope attached
//! as the embedded file `licence.cose` (also listed as an associated file),
//! so that the PDF alone is enough to verify the licence.

use lopdf::{Dictionary, Object, Stream, StringFormat};
use printpdf::{
    BlendMode, Color, CurTransMat, ExtendedGraphicsState, ExtendedGraphicsStateId, FontId,
    LineJoinStyle, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Polygon, PolygonRing, Pt, RawImage, RawImageData, RawImageFormat, Rgb,
    SeperableBlendMode, TextItem, WindingOrder, XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};

use super::scene::{Item, Line};
use super::template::{Colour, Rect};
use super::{Page, RenderError};
use crate::envelope::SignedLicence;
use crate::pdf::ENVELOPE_FILE_NAME;
use crate::render::stamp::{StampShape, stamp_shapes};

const PT_PER_MM: f32 = 72.0 / 25.4;
/// China Standard Time, UTC+8, all year.
const CHINA_OFFSET_SECS: i64 = 8 * 3600;

pub(crate) fn render_pdf(page: &Page<'_>, signed: &SignedLicence) -> Result<Vec<u8>, RenderError> {
    let scene = &page.scene;
    let mut doc = PdfDocument::new("");
    let height_pt = scene.height * PT_PER_MM;
    // printpdf names resources with random strings; ours are fixed so the
    // output is reproducible. A font's id doubles as its six-letter subset tag.
    let mut font_ids: Vec<Option<FontId>> = vec![None; page.fonts.fonts().len()];
    let mut ops = Vec::new();

    ops.push(fill_colour(scene.background));
    ops.push(rect_op(
        0.0,
        0.0,
        scene.width,
        scene.height,
        height_pt,
        PaintMode::Fill,
    ));
    if let Some(background) = &page.background {
        let id = add_image(&mut doc, "Background", background);
        ops.extend(image_ops(
            id,
            0.0,
            0.0,
            scene.width,
            scene.height,
            height_pt,
        ));
    }
    for item in &scene.items {
        match item {
            Item::Rect { rect, fill, stroke } => {
                let paint =
                    |mode| rect_op(rect.x, rect.y, rect.width, rect.height, height_pt, mode);
                if let Some(fill) = fill {
                    ops.push(fill_colour(*fill));
                    ops.push(paint(PaintMode::Fill));
                }
                if let Some((colour, width)) = stroke {
                    ops.push(Op::SetOutlineColor { col: rgb(*colour) });
                    ops.push(Op::SetOutlineThickness {
                        pt: Pt(width * PT_PER_MM),
                    });
                    ops.push(paint(PaintMode::Stroke));
                }
            }
            Item::Text(line) => {
                text_ops(&mut doc, page, &mut font_ids, line, height_pt, &mut ops)?;
            }
            Item::Photo(rect) => {
                if let Some(photo) = &page.photo {
                    let id = add_image(&mut doc, "Photo", photo);
                    let (w, h) = (photo.width() as f32, photo.height() as f32);
                    let s = (rect.width / w).min(rect.height / h);
                    let (pw, ph) = (w * s, h * s);
                    let x = rect.x + (rect.width - pw) / 2.0;
                    let y = rect.y + (rect.height - ph) / 2.0;
                    ops.extend(image_ops(id, x, y, pw, ph, height_pt));
                }
            }
            Item::Qr(rect) => ops.extend(qr_ops(page, rect, height_pt)),
            Item::Seal(_) if !page.stamp_in_pdf => {}
            Item::Seal(place) => {
                let gs = ExtendedGraphicsStateId("Ink".into());
                doc.resources.extgstates.map.insert(
                    gs.clone(),
                    ExtendedGraphicsState::default()
                        .with_blend_mode(BlendMode::Seperable(SeperableBlendMode::Multiply)),
                );
                let d = place.diameter;
                let (x, y) = (place.cx - d / 2.0, place.cy - d / 2.0);
                ops.push(Op::SaveGraphicsState);
                ops.push(Op::LoadGraphicsState { gs });
                match page.seal_png {
                    Some(png) => {
                        let id = add_image(&mut doc, "Seal", png);
                        ops.extend(image_ops(id, x, y, d, d, height_pt));
                    }
                    // Generated seals stay vector: crisp at any zoom, and a
                    // fraction of the size and time of a 300 dpi image.
                    None => {
                        let shapes = stamp_shapes(&page.stamp, page.fonts)?;
                        ops.extend(seal_ops(&shapes, page.stamp.colour, x, y, height_pt));
                    }
                }
                ops.push(Op::RestoreGraphicsState);
            }
        }
    }

    doc.with_pages(vec![PdfPage::new(Mm(scene.width), Mm(scene.height), ops)]);
    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut pdf = doc.to_lopdf_document(&options, &mut warnings);
    finish(&mut pdf, signed, &page.title);
    compress_streams(&mut pdf);
    let mut out = Vec::new();
    pdf.save_to(&mut out).map_err(|e| RenderError::Image {
        what: "PDF",
        reason: e.to_string(),
    })?;
    Ok(out)
}

fn text_ops(
    doc: &mut PdfDocument,
    page: &Page<'_>,
    font_ids: &mut [Option<FontId>],
    line: &Line,
    height_pt: f32,
    ops: &mut Vec<Op>,
) -> Result<(), RenderError> {
    // Letter-spaced text (titles) would extract as "卫 生 许 可 证": the
    // span gives readers and copy-paste the text as written.
    let spaced = line.letter_spacing > 0.0;
    if spaced {
        let text: String = line.runs.iter().map(|r| r.text.as_str()).collect();
        ops.push(actual_text_begin(&text));
    }
    ops.push(Op::StartTextSection);
    ops.push(fill_colour(line.colour));
    ops.push(Op::SetCharacterSpacing {
        multiplier: line.letter_spacing * PT_PER_MM,
    });
    for run in &line.runs {
        let slot = font_ids.get_mut(run.font).ok_or(RenderError::Image {
            what: "font",
            reason: "run names a face outside the set".into(),
        })?;
        let id = match slot {
            Some(id) => id.clone(),
            None => {
                let font = page
                    .fonts
                    .font(run.font)
                    .and_then(|f| f.pdf_font())
                    .ok_or_else(|| RenderError::Image {
                        what: "font",
                        reason: "printpdf cannot read this face".into(),
                    })?;
                let id = FontId(subset_tag(run.font));
                doc.resources
                    .fonts
                    .map
                    .insert(id.clone(), printpdf::PdfFont::new(font.clone()));
                *slot = Some(id.clone());
                id
            }
        };
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(id),
            size: Pt(line.size_pt),
        });
        ops.push(Op::SetTextCursor {
            pos: Point {
                x: Pt(run.x * PT_PER_MM),
                y: Pt(height_pt - line.baseline * PT_PER_MM),
            },
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(run.text.clone())],
        });
    }
    ops.push(Op::EndTextSection);
    if spaced {
        ops.push(Op::EndMarkedContent);
    }
    Ok(())
}

/// `/Span << /ActualText (UTF-16BE text) >> BDC`.
fn actual_text_begin(text: &str) -> Op {
    let mut data = vec![0xFE, 0xFF];
    data.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let mut map = std::collections::BTreeMap::new();
    map.insert(
        "ActualText".to_owned(),
        printpdf::DictItem::String {
            data,
            literal: false,
        },
    );
    Op::BeginMarkedContentWithProperties {
        tag: "Span".to_owned(),
        properties: printpdf::DictItem::Dict { map },
    }
}

/// Six upper-case letters, as PDF wants for a subset font's tag: `ELAAAA`,
/// `ELAAAB`, … by face index.
fn subset_tag(index: usize) -> String {
    let mut tag = String::from("EL");
    for shift in [3u32, 2, 1, 0] {
        let digit = (index / 26usize.pow(shift)) % 26;
        tag.push(char::from(b'A' + u8::try_from(digit).unwrap_or(0)));
    }
    tag
}

/// The QR code as one filled path of rectangles, one per horizontal run of
/// dark modules, drawn in module units under a scaling matrix so the
/// content stream holds small integers; a white square (quiet zone
/// included) behind it. One path, not one fill per run, so viewers leave no
/// anti-aliasing seams between rows.
fn qr_ops(page: &Page<'_>, rect: &Rect, height_pt: f32) -> Vec<Op> {
    let module = rect.width / page.qr.side_with_quiet_zone() as f32 * PT_PER_MM;
    let corner = |x: usize, y: usize| LinePoint {
        p: Point {
            x: Pt(x as f32),
            y: Pt(y as f32),
        },
        bezier: false,
    };
    let rings = page
        .qr
        .dark_runs()
        .into_iter()
        .map(|run| PolygonRing {
            points: vec![
                corner(run.x, run.y),
                corner(run.x + run.len, run.y),
                corner(run.x + run.len, run.y + 1),
                corner(run.x, run.y + 1),
            ],
        })
        .collect();
    vec![
        fill_colour(Colour::WHITE),
        rect_op(
            rect.x,
            rect.y,
            rect.width,
            rect.width,
            height_pt,
            PaintMode::Fill,
        ),
        Op::SaveGraphicsState,
        // Module (x, y) from the top-left corner maps to the page, y flipped.
        Op::SetTransformationMatrix {
            matrix: CurTransMat::Raw([
                module,
                0.0,
                0.0,
                -module,
                rect.x * PT_PER_MM,
                height_pt - rect.y * PT_PER_MM,
            ]),
        },
        fill_colour(Colour::BLACK),
        Op::DrawPolygon {
            polygon: Polygon {
                rings,
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        },
        Op::RestoreGraphicsState,
    ]
}

/// The seal's shapes (millimetres from the seal's top-left corner) placed
/// with that corner at (`x`, `y`) on the page.
fn seal_ops(shapes: &[StampShape], colour: [u8; 3], x: f32, y: f32, height_pt: f32) -> Vec<Op> {
    let [r, g, b] = colour;
    let ink = Colour { r, g, b };
    let mut ops = vec![
        fill_colour(ink),
        Op::SetOutlineColor { col: rgb(ink) },
        Op::SetLineJoinStyle {
            join: LineJoinStyle::Round,
        },
    ];
    // A hundredth of a point is far below any printer's resolution, and
    // short numbers keep the content stream small.
    let round = |v: f32| (v * 100.0).round() / 100.0;
    let to_page = |p: tiny_skia::Point| Point {
        x: Pt(round((x + p.x) * PT_PER_MM)),
        y: Pt(round(height_pt - (y + p.y) * PT_PER_MM)),
    };
    for shape in shapes {
        let rings = path_rings(&shape.path, &to_page);
        let winding_order = match shape.rule {
            tiny_skia::FillRule::EvenOdd => WindingOrder::EvenOdd,
            tiny_skia::FillRule::Winding => WindingOrder::NonZero,
        };
        // A glyph is filled by its rule and outlined for an inked weight,
        // as the PNG draws it: stroked alone it would print hollow.
        let mode = match shape.stroke {
            Some(width) => {
                ops.push(Op::SetOutlineThickness {
                    pt: Pt(width * PT_PER_MM),
                });
                PaintMode::FillStroke
            }
            None => PaintMode::Fill,
        };
        ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings,
                mode,
                winding_order,
            },
        });
    }
    ops
}

/// A tiny-skia path as printpdf rings: one ring per contour, quadratic
/// curves raised to cubics, each contour explicitly returned to its start so
/// a stroke has no seam.
fn path_rings(
    path: &tiny_skia::Path,
    to_page: &dyn Fn(tiny_skia::Point) -> Point,
) -> Vec<PolygonRing> {
    use tiny_skia::PathSegment;
    let point = |p: tiny_skia::Point, bezier: bool| LinePoint {
        p: to_page(p),
        bezier,
    };
    let mut rings = Vec::new();
    let mut ring: Vec<LinePoint> = Vec::new();
    let mut start = tiny_skia::Point::zero();
    let mut current = start;
    let mut finish =
        |ring: &mut Vec<LinePoint>, start: tiny_skia::Point, current: tiny_skia::Point| {
            if ring.len() > 1 {
                if current != start {
                    ring.push(point(start, false));
                }
                rings.push(PolygonRing {
                    points: core::mem::take(ring),
                });
            } else {
                ring.clear();
            }
        };
    for segment in path.segments() {
        match segment {
            PathSegment::MoveTo(p) => {
                finish(&mut ring, start, current);
                ring.push(point(p, false));
                start = p;
                current = p;
            }
            PathSegment::LineTo(p) => {
                ring.push(point(p, false));
                current = p;
            }
            PathSegment::QuadTo(c, p) => {
                let toward = |from: tiny_skia::Point| {
                    tiny_skia::Point::from_xy(
                        from.x + (c.x - from.x) * 2.0 / 3.0,
                        from.y + (c.y - from.y) * 2.0 / 3.0,
                    )
                };
                let (c1, c2) = (toward(current), toward(p));
                ring.extend([point(c1, true), point(c2, true), point(p, false)]);
                current = p;
            }
            PathSegment::CubicTo(c1, c2, p) => {
                ring.extend([point(c1, true), point(c2, true), point(p, false)]);
                current = p;
            }
            PathSegment::Close => {
                finish(&mut ring, start, current);
                current = start;
            }
        }
    }
    finish(&mut ring, start, current);
    rings
}

fn add_image(doc: &mut PdfDocument, name: &str, pixmap: &tiny_skia::Pixmap) -> XObjectId {
    // tiny-skia keeps premultiplied alpha; PDF images with an SMask want it straight.
    let mut rgba = Vec::with_capacity(pixmap.data().len());
    for px in pixmap.pixels() {
        let c = px.demultiply();
        rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    let image = RawImage {
        pixels: RawImageData::U8(rgba),
        width: pixmap.width() as usize,
        height: pixmap.height() as usize,
        data_format: RawImageFormat::RGBA8,
        tag: Vec::new(),
    };
    let id = XObjectId(name.to_owned());
    doc.resources
        .xobjects
        .map
        .insert(id.clone(), printpdf::XObject::Image(image));
    id
}

/// Paints an image XObject (a unit square) over the box.
fn image_ops(id: XObjectId, x: f32, y: f32, w: f32, h: f32, height_pt: f32) -> Vec<Op> {
    vec![
        Op::SaveGraphicsState,
        Op::SetTransformationMatrix {
            matrix: CurTransMat::Raw([
                w * PT_PER_MM,
                0.0,
                0.0,
                h * PT_PER_MM,
                x * PT_PER_MM,
                height_pt - (y + h) * PT_PER_MM,
            ]),
        },
        Op::UseXobject {
            id,
            transform: XObjectTransform {
                no_auto_scale: true,
                ..XObjectTransform::default()
            },
        },
        Op::RestoreGraphicsState,
    ]
}

fn rect_op(x: f32, y: f32, w: f32, h: f32, height_pt: f32, mode: PaintMode) -> Op {
    Op::DrawRectangle {
        rectangle: printpdf::Rect {
            x: Pt(x * PT_PER_MM),
            y: Pt(height_pt - (y + h) * PT_PER_MM),
            width: Pt(w * PT_PER_MM),
            height: Pt(h * PT_PER_MM),
            mode: Some(mode),
            winding_order: None,
        },
    }
}

fn rgb(c: Colour) -> Color {
    Color::Rgb(Rgb {
        r: f32::from(c.r) / 255.0,
        g: f32::from(c.g) / 255.0,
        b: f32::from(c.b) / 255.0,
        icc_profile: None,
    })
}

fn fill_colour(c: Colour) -> Op {
    Op::SetFillColor { col: rgb(c) }
}

/// Deflates every stream that allows it, at level 6: lopdf's own `compress`
/// uses level 9, which costs several times the time for a few per cent of
/// a PDF this size.
fn compress_streams(pdf: &mut lopdf::Document) {
    use std::io::Write as _;
    for object in pdf.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        let compressed = encoder
            .write_all(&stream.content)
            .and_then(|()| encoder.finish());
        // Writing to a Vec cannot fail; if it somehow did, the stream stays
        // uncompressed, which is still a valid PDF.
        if let Ok(compressed) = compressed
            && compressed.len() < stream.content.len()
        {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(compressed);
        }
    }
}

/// Document information, file identifier and the embedded envelope.
fn finish(pdf: &mut lopdf::Document, signed: &SignedLicence, title: &str) {
    let licence = signed.licence();
    let envelope = signed.as_bytes();
    let digest = Sha256::digest(envelope);
    let id = digest.get(..16).unwrap_or_default().to_vec();
    pdf.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.clone(), StringFormat::Hexadecimal),
            Object::String(id, StringFormat::Hexadecimal),
        ]),
    );
    let issued = pdf_date(signed.issued_at());
    let info = Dictionary::from_iter(vec![
        // The metadata travels with the file wherever it is shared: a
        // person's identity number is masked in it.
        (
            "Title",
            text(&format!(
                "{title} {} {}",
                licence.holder().name(),
                licence.masked_number()
            )),
        ),
        ("Author", text(licence.issuer().name())),
        (
            "Subject",
            text(&format!("电子证照 {}", licence.type_code())),
        ),
        ("Keywords", text(&licence.masked_number())),
        ("Creator", text("elicence")),
        (
            "Producer",
            text(concat!(
                "elicence ",
                env!("CARGO_PKG_VERSION"),
                " (printpdf, lopdf)"
            )),
        ),
        (
            "CreationDate",
            Object::String(issued.clone().into_bytes(), StringFormat::Literal),
        ),
        (
            "ModDate",
            Object::String(issued.into_bytes(), StringFormat::Literal),
        ),
    ]);
    let info_id = pdf.add_object(info);
    pdf.trailer.set("Info", Object::Reference(info_id));

    let size = i64::try_from(envelope.len()).unwrap_or(i64::MAX);
    let file = Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"EmbeddedFile".to_vec())),
            ("Subtype", Object::Name(b"application/cose".to_vec())),
            (
                "Params",
                Object::Dictionary(Dictionary::from_iter(vec![("Size", Object::Integer(size))])),
            ),
        ]),
        envelope.to_vec(),
    )
    // A signed envelope is mostly signature and does not compress; stored
    // as it is, its bytes can also be found without a PDF parser.
    .with_compression(false);
    let file_id = pdf.add_object(file);
    let spec = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Filespec".to_vec())),
        ("F", Object::string_literal(ENVELOPE_FILE_NAME)),
        ("UF", Object::string_literal(ENVELOPE_FILE_NAME)),
        (
            "Desc",
            text("Signed licence (COSE_Sign1); verify with elicence"),
        ),
        ("AFRelationship", Object::Name(b"Source".to_vec())),
        (
            "EF",
            Object::Dictionary(Dictionary::from_iter(vec![(
                "F",
                Object::Reference(file_id),
            )])),
        ),
    ]);
    let spec_id = pdf.add_object(spec);
    let names = Dictionary::from_iter(vec![(
        "EmbeddedFiles",
        Object::Dictionary(Dictionary::from_iter(vec![(
            "Names",
            Object::Array(vec![
                Object::string_literal(ENVELOPE_FILE_NAME),
                Object::Reference(spec_id),
            ]),
        )])),
    )]);
    if let Ok(catalog) = pdf.catalog_mut() {
        catalog.set("Names", Object::Dictionary(names));
        catalog.set("AF", Object::Array(vec![Object::Reference(spec_id)]));
        catalog.set("Lang", Object::string_literal("zh-CN"));
    }
}

/// A PDF text string: UTF-16BE with a byte-order mark, so CJK survives.
fn text(s: &str) -> Object {
    let mut bytes = vec![0xfe, 0xff];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// `D:YYYYMMDDHHmmSS+08'00'`, in China time like the licence's dates.
fn pdf_date(at: crate::date::UnixTime) -> String {
    let china = at.secs().saturating_add(CHINA_OFFSET_SECS);
    let seconds = china.rem_euclid(86_400);
    let Ok(date) = crate::date::Date::from_days_since_epoch(china.div_euclid(86_400)) else {
        return String::from("D:19700101000000Z");
    };
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+08'00'",
        date.year(),
        date.month(),
        date.day(),
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}
