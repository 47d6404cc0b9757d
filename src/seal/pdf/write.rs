//! Writing one seal's incremental update.
//!
//! The PDF is read with the strict reader ([`crate::pdf`]); the update is a
//! handful of objects, serialised here, where the offsets of `/ByteRange`
//! and `/Contents` are known as they are written. What it writes is exactly
//! what the checker's seal-revision rule accepts (`revision.rs`): the two
//! share [`appearance_objects`] and [`widget_dictionary`].

use std::ops::Range;

use super::{CONTENTS_LEN, PT_PER_MM, SEAL_KEY, SealPdfError, pdf_date};
use crate::date::UnixTime;
use crate::pdf::{Dictionary, Document, ObjRef, Object, XrefKind};
use crate::seal::record::SealPicture;

/// The seal picture as PDF image planes (colour and soft mask).
#[derive(Debug, Clone)]
pub(crate) struct Planes {
    pub width_px: u32,
    pub height_px: u32,
    pub rgb: Vec<u8>,
    pub alpha: Vec<u8>,
}

/// The planes deflated once per sealer.
#[derive(Debug, Clone)]
pub(crate) struct Appearance {
    width_px: u32,
    height_px: u32,
    rgb: Vec<u8>,
    alpha: Vec<u8>,
    /// Whether the planes are written with PNG row filters (`/DecodeParms`
    /// predictor 15), as a one-ink picture's own compressed rows are.
    predicted: bool,
}

impl Planes {
    /// Decodes the picture without premultiplying: a seal drawn in one ink
    /// (as the stamp renderer writes it, an indexed PNG) then has one colour
    /// everywhere, and its colour plane deflates to almost nothing; only the
    /// soft mask carries the drawing.
    pub(crate) fn from_picture(picture: &SealPicture) -> Result<Planes, SealPdfError> {
        let bad = |e: png::DecodingError| SealPdfError::Picture(e.to_string());
        // The record allows at most 2048 × 2048 pixels: 16 MiB as RGBA.
        let limits = png::Limits {
            bytes: 2048 * 2048 * 4 + 1024,
        };
        let mut decoder =
            png::Decoder::new_with_limits(std::io::Cursor::new(picture.png()), limits);
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().map_err(bad)?;
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| SealPdfError::Picture("image too large".into()))?;
        let mut buffer = vec![0; size];
        let info = reader.next_frame(&mut buffer).map_err(bad)?;
        let pixels = buffer.get(..info.buffer_size()).unwrap_or_default();
        let (rgb, alpha): (Vec<u8>, Vec<u8>) = match info.color_type {
            png::ColorType::Rgba => (
                pixels
                    .chunks_exact(4)
                    .flat_map(|p| p.iter().take(3).copied())
                    .collect(),
                pixels
                    .chunks_exact(4)
                    .filter_map(|p| p.get(3).copied())
                    .collect(),
            ),
            png::ColorType::Rgb => (pixels.to_vec(), vec![255; pixels.len() / 3]),
            png::ColorType::GrayscaleAlpha => (
                pixels
                    .chunks_exact(2)
                    .flat_map(|p| std::iter::repeat_n(p.first().copied().unwrap_or(0), 3))
                    .collect(),
                pixels
                    .chunks_exact(2)
                    .filter_map(|p| p.get(1).copied())
                    .collect(),
            ),
            png::ColorType::Grayscale => (
                pixels
                    .iter()
                    .flat_map(|&g| std::iter::repeat_n(g, 3))
                    .collect(),
                vec![255; pixels.len()],
            ),
            png::ColorType::Indexed => {
                return Err(SealPdfError::Picture("palette not expanded".into()));
            }
        };
        Ok(Planes {
            width_px: info.width,
            height_px: info.height,
            rgb,
            alpha,
        })
    }
}

impl Appearance {
    pub(crate) fn from_picture(picture: &SealPicture) -> Result<Appearance, SealPdfError> {
        if let Some(appearance) = Appearance::passed_through(picture.png())? {
            return Ok(appearance);
        }
        let planes = Planes::from_picture(picture)?;
        Ok(Appearance {
            width_px: planes.width_px,
            height_px: planes.height_px,
            rgb: deflate(&planes.rgb)?,
            alpha: deflate(&planes.alpha)?,
            predicted: false,
        })
    }

    /// A one-ink picture as the stamp renderer writes it (8-bit indexed,
    /// not interlaced, every palette entry the same colour, entry `i` of
    /// opacity `i`): its pixel indices are its alpha plane, so the PNG's
    /// own compressed, row-filtered data is the soft mask as it is, with
    /// the PNG predictor a PDF reader undoes. Nothing is decoded or
    /// deflated but the colour plane, one colour, which deflates to almost
    /// nothing almost at once. `None` for any other picture.
    fn passed_through(png: &[u8]) -> Result<Option<Appearance>, SealPdfError> {
        let Some(one_ink) = OneInk::read(png) else {
            return Ok(None);
        };
        let (w, h) = (one_ink.width as usize, one_ink.height as usize);
        // The rows must inflate, as the checker's reader inflates them, to
        // exactly a filter byte and a row of indices each; else the
        // picture takes the decoding path, which names what is wrong.
        if !rows_inflate(&one_ink.data, w, h) {
            return Ok(None);
        }
        let [r, g, b] = one_ink.colour;
        // Row 0 filtered "Sub" (the first pixel, then no difference), every
        // later row "Up" (no difference): the plane of one colour.
        let mut rows = vec![0u8; h * (3 * w + 1)];
        if let Some(first) = rows.get_mut(..4) {
            first.copy_from_slice(&[1, r, g, b]);
        }
        for row in rows.chunks_exact_mut(3 * w + 1).skip(1) {
            if let Some(filter) = row.first_mut() {
                *filter = 2;
            }
        }
        Ok(Some(Appearance {
            width_px: one_ink.width,
            height_px: one_ink.height,
            rgb: deflate(&rows)?,
            alpha: one_ink.data,
            predicted: true,
        }))
    }
}

/// What [`Appearance::passed_through`] takes from a one-ink PNG.
struct OneInk {
    width: u32,
    height: u32,
    colour: [u8; 3],
    /// The IDAT chunks' data, concatenated: one zlib stream.
    data: Vec<u8>,
}

impl OneInk {
    fn read(png: &[u8]) -> Option<OneInk> {
        let mut rest = png.strip_prefix(b"\x89PNG\r\n\x1a\n")?;
        let (mut header, mut colour, mut opacities_ok) = (None, None, false);
        let mut data = Vec::new();
        loop {
            let (len, tail) = rest.split_first_chunk::<4>()?;
            let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
            let (kind, tail) = tail.split_first_chunk::<4>()?;
            let body = tail.get(..len)?;
            rest = tail.get(len + 4..)?;
            match kind {
                b"IHDR" => header = Some(body),
                b"PLTE" => {
                    let entries: Vec<&[u8]> = body.chunks(3).collect();
                    let first: [u8; 3] = entries.first()?.get(..3)?.try_into().ok()?;
                    if entries.len() != 256 || entries.iter().any(|e| *e != first) {
                        return None;
                    }
                    colour = Some(first);
                }
                b"tRNS" => {
                    opacities_ok = body.len() == 256
                        && body.iter().enumerate().all(|(i, &a)| usize::from(a) == i);
                }
                b"IDAT" => data.extend_from_slice(body),
                b"IEND" => break,
                // Ancillary chunks (lower-case first letter) change no
                // pixel; a critical one this reading does not know might.
                [first, ..] if first.is_ascii_lowercase() => {}
                _ => return None,
            }
        }
        let header = header?;
        let width = u32::from_be_bytes(header.get(0..4)?.try_into().ok()?);
        let height = u32::from_be_bytes(header.get(4..8)?.try_into().ok()?);
        // 8 bits, indexed, deflate, adaptive filtering, not interlaced.
        if header.get(8..13)? != [8, 3, 0, 0, 0] || !opacities_ok || width == 0 || height == 0 {
            return None;
        }
        Some(OneInk {
            width,
            height,
            colour: colour?,
            data,
        })
    }
}

/// Whether zlib `data` inflates to exactly `height` rows of a PNG filter
/// type and `width` one-byte samples.
fn rows_inflate(data: &[u8], width: usize, height: usize) -> bool {
    use std::io::Read;
    let want = height * (width + 1);
    let mut rows = Vec::with_capacity(want);
    let cap = u64::try_from(want).unwrap_or(u64::MAX).saturating_add(1);
    flate2::read::ZlibDecoder::new(data)
        .take(cap)
        .read_to_end(&mut rows)
        .is_ok()
        && rows.len() == want
        && rows
            .chunks_exact(width + 1)
            .all(|row| row.first().is_some_and(|&f| f <= 4))
}

fn deflate(bytes: &[u8]) -> Result<Vec<u8>, SealPdfError> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| SealPdfError::Picture(e.to_string()))
}

/// A page's /MediaBox in points.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MediaBox {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl MediaBox {
    pub(crate) fn width_mm(self) -> f32 {
        ((self.x1 - self.x0) / f64::from(PT_PER_MM)) as f32
    }

    pub(crate) fn height_mm(self) -> f32 {
        ((self.y1 - self.y0) / f64::from(PT_PER_MM)) as f32
    }
}

fn parse_error(e: crate::pdf::PdfReadError) -> SealPdfError {
    SealPdfError::Parse(e.to_string())
}

/// Most pages a sealed PDF's page tree may hold, and how deep it may nest.
const MAX_PAGES: usize = 10_000;
const MAX_PAGE_TREE_DEPTH: usize = 32;

/// The pages in order, as revision `view` has them.
pub(crate) fn pages(doc: &Document<'_>, view: usize) -> Result<Vec<ObjRef>, SealPdfError> {
    let catalog = doc.catalog(view).map_err(parse_error)?;
    let root = catalog
        .as_dict()
        .and_then(|c| c.get(b"Pages"))
        .and_then(Object::as_reference)
        .ok_or_else(|| SealPdfError::Parse("the catalog has no /Pages reference".into()))?;
    let mut pages = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![(root, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_PAGE_TREE_DEPTH || !seen.insert(node) || pages.len() > MAX_PAGES {
            return Err(SealPdfError::Parse(
                "the page tree is too deep, too large or has a cycle".into(),
            ));
        }
        let object = doc
            .get(view, node)
            .map_err(parse_error)?
            .ok_or_else(|| SealPdfError::Parse(format!("page tree node {node} is missing")))?;
        let dict = object.as_dict().ok_or_else(|| {
            SealPdfError::Parse(format!("page tree node {node} is not a dictionary"))
        })?;
        match dict.name(b"Type") {
            Some(b"Page") => pages.push(node),
            Some(b"Pages") => {
                let kids = dict
                    .get(b"Kids")
                    .and_then(Object::as_array)
                    .ok_or_else(|| SealPdfError::Parse("a /Pages node without /Kids".into()))?;
                for kid in kids.iter().rev() {
                    let kid = kid.as_reference().ok_or_else(|| {
                        SealPdfError::Parse("a /Kids entry is not a reference".into())
                    })?;
                    stack.push((kid, depth + 1));
                }
            }
            _ => {
                return Err(SealPdfError::Parse(format!(
                    "page tree node {node} is neither /Page nor /Pages"
                )));
            }
        }
    }
    Ok(pages)
}

/// The page's /MediaBox, inherited from its /Pages ancestors if need be.
pub(crate) fn media_box(
    doc: &Document<'_>,
    view: usize,
    page: ObjRef,
) -> Result<MediaBox, SealPdfError> {
    let mut id = page;
    // A page tree is shallow; a bound stops a /Parent cycle.
    for _ in 0..MAX_PAGE_TREE_DEPTH {
        let object = doc
            .get(view, id)
            .map_err(parse_error)?
            .ok_or_else(|| SealPdfError::Parse("a page's /Parent is missing".into()))?;
        let dict = object
            .as_dict()
            .ok_or_else(|| SealPdfError::Parse("a page is not a dictionary".into()))?;
        if let Some(value) = dict.get(b"MediaBox") {
            let array = doc.resolve(view, value).map_err(parse_error)?;
            let values: Option<Vec<f64>> = array
                .as_array()
                .map(|a| a.iter().map(Object::as_f64).collect::<Option<Vec<f64>>>())
                .unwrap_or(None);
            return match values.as_deref() {
                Some(&[x0, y0, x1, y1]) if x1 > x0 && y1 > y0 => Ok(MediaBox { x0, y0, x1, y1 }),
                _ => Err(SealPdfError::Parse("unusable /MediaBox".into())),
            };
        }
        id = dict
            .get(b"Parent")
            .and_then(Object::as_reference)
            .ok_or_else(|| SealPdfError::Parse("page without /MediaBox".into()))?;
    }
    Err(SealPdfError::Parse("page tree too deep".into()))
}

/// A new object of the update: a plain object, or a stream with its data.
enum NewObject {
    Plain(Object),
    Stream(Dictionary, Vec<u8>),
}

/// What one seal adds to the document.
pub(crate) struct SealObjects<'a> {
    pub page_id: ObjRef,
    /// The widget's rectangle in points: left, bottom, right, top.
    pub rect: [f64; 4],
    pub field_name: &'a str,
    pub signer_name: &'a str,
    pub reason: &'a str,
    pub signed_at: UnixTime,
    pub record: &'a [u8],
    pub appearance: &'a Appearance,
}

/// The seal's widget annotation, which is also its signature field: print
/// and locked (`/F 132`), its one normal appearance `appearance`.
pub(crate) fn widget_dictionary(
    field_name: Object,
    signature: ObjRef,
    rect: [f64; 4],
    page: ObjRef,
    appearance: ObjRef,
) -> Dictionary {
    Dictionary::from_entries([
        (b"Type".as_slice(), name(b"Annot")),
        (b"Subtype", name(b"Widget")),
        (b"FT", name(b"Sig")),
        (b"T", field_name),
        (b"V", Object::Reference(signature)),
        (
            b"Rect",
            Object::Array(rect.iter().map(|&v| Object::Real(v)).collect()),
        ),
        // Print and Locked: the seal is printed and cannot be moved.
        (b"F", Object::Integer(132)),
        (b"P", Object::Reference(page)),
        (
            b"AP",
            Object::Dictionary(Dictionary::from_entries([(
                b"N".as_slice(),
                Object::Reference(appearance),
            )])),
        ),
    ])
}

/// The appearance objects, without their data: the soft mask's and the
/// image's dictionaries (the image's `/SMask` is `mask`), the form's
/// dictionary (drawing `image`) and the form's content, for a widget of
/// `width` × `height` points.
pub(crate) struct AppearanceObjects {
    pub mask: Dictionary,
    pub image: Dictionary,
    pub form: Dictionary,
    pub content: Vec<u8>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn appearance_objects(
    width_px: u32,
    height_px: u32,
    width: f64,
    height: f64,
    mask: ObjRef,
    image: ObjRef,
    predicted: bool,
) -> AppearanceObjects {
    let image_dict = |colour_space: &[u8], colours: i64| {
        let mut dict = Dictionary::from_entries([
            (b"Type".as_slice(), name(b"XObject")),
            (b"Subtype", name(b"Image")),
            (b"Width", Object::Integer(i64::from(width_px))),
            (b"Height", Object::Integer(i64::from(height_px))),
            (b"ColorSpace", name(colour_space)),
            (b"BitsPerComponent", Object::Integer(8)),
            (b"Filter", name(b"FlateDecode")),
        ]);
        if predicted {
            dict.set(
                b"DecodeParms",
                Object::Dictionary(Dictionary::from_entries([
                    (b"Predictor".as_slice(), Object::Integer(15)),
                    (b"Colors", Object::Integer(colours)),
                    (b"BitsPerComponent", Object::Integer(8)),
                    (b"Columns", Object::Integer(i64::from(width_px))),
                ])),
            );
        }
        dict
    };
    let mut image_dict_rgb = image_dict(b"DeviceRGB", 3);
    image_dict_rgb.set(b"SMask", Object::Reference(mask));
    // Multiply, as ink does: the text under the seal stays readable.
    let ink = Dictionary::from_entries([
        (b"Type".as_slice(), name(b"ExtGState")),
        (b"BM", name(b"Multiply")),
    ]);
    let resources = Dictionary::from_entries([
        (
            b"XObject".as_slice(),
            Object::Dictionary(Dictionary::from_entries([(
                b"Seal".as_slice(),
                Object::Reference(image),
            )])),
        ),
        (
            b"ExtGState",
            Object::Dictionary(Dictionary::from_entries([(
                b"Ink".as_slice(),
                Object::Dictionary(ink),
            )])),
        ),
    ]);
    let form = Dictionary::from_entries([
        (b"Type".as_slice(), name(b"XObject")),
        (b"Subtype", name(b"Form")),
        (
            b"BBox",
            Object::Array(vec![
                Object::Integer(0),
                Object::Integer(0),
                Object::Real(width),
                Object::Real(height),
            ]),
        ),
        (b"Resources", Object::Dictionary(resources)),
    ]);
    AppearanceObjects {
        mask: image_dict(b"DeviceGray", 1),
        image: image_dict_rgb,
        form,
        content: format!("q /Ink gs {width:.3} 0 0 {height:.3} 0 0 cm /Seal Do Q").into_bytes(),
    }
}

/// A widget rectangle's coordinates, rounded to what is written and read
/// back exactly: hundredths of a point.
pub(crate) fn round_rect(rect: [f32; 4]) -> [f64; 4] {
    rect.map(|v| (f64::from(v) * 100.0).round() / 100.0)
}

fn name(bytes: &[u8]) -> Object {
    Object::Name(bytes.to_vec())
}

/// An incremental update being built on a parsed PDF.
pub(crate) struct Update<'a> {
    original: &'a [u8],
    doc: &'a Document<'a>,
    view: usize,
    next_id: u32,
    /// Objects to write, by id.
    objects: Vec<(ObjRef, NewObject)>,
}

impl<'a> Update<'a> {
    pub(crate) fn new(original: &'a [u8], doc: &'a Document<'a>) -> Result<Self, SealPdfError> {
        let view = doc.latest();
        let size = doc
            .trailer(view)
            .and_then(|t| t.get(b"Size"))
            .and_then(Object::as_i64)
            .and_then(|s| u32::try_from(s).ok())
            .ok_or_else(|| SealPdfError::Parse("the trailer has no /Size".into()))?;
        Ok(Update {
            original,
            doc,
            view,
            next_id: size,
            objects: Vec::new(),
        })
    }

    fn next(&mut self) -> ObjRef {
        let id = ObjRef {
            number: self.next_id,
            generation: 0,
        };
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    fn add(&mut self, object: NewObject) -> ObjRef {
        let id = self.next();
        self.objects.push((id, object));
        id
    }

    fn replace(&mut self, id: ObjRef, object: Object) {
        self.objects.retain(|(i, _)| *i != id);
        self.objects.push((id, NewObject::Plain(object)));
    }

    fn dictionary(&self, id: ObjRef) -> Result<Dictionary, SealPdfError> {
        if let Some((_, NewObject::Plain(Object::Dictionary(d)))) =
            self.objects.iter().find(|(i, _)| *i == id)
        {
            return Ok(d.clone());
        }
        match self.doc.get(self.view, id).map_err(parse_error)?.as_deref() {
            Some(Object::Dictionary(d)) => Ok(d.clone()),
            _ => Err(SealPdfError::Parse(format!(
                "object {id} is not a dictionary"
            ))),
        }
    }

    /// Appends `item` to the array at `key` of the dictionary `owner` (an
    /// object to rewrite), following one indirection: an indirect array is
    /// rewritten in place instead.
    fn push_to_array(
        &mut self,
        owner: &mut Dictionary,
        key: &[u8],
        item: Object,
    ) -> Result<(), SealPdfError> {
        match owner.get(key).cloned() {
            None => owner.set(key, Object::Array(vec![item])),
            Some(Object::Array(mut items)) => {
                items.push(item);
                owner.set(key, Object::Array(items));
            }
            Some(Object::Reference(id)) => {
                let mut items = match self.doc.get(self.view, id).map_err(parse_error)?.as_deref() {
                    Some(Object::Array(items)) => items.clone(),
                    _ => return Err(SealPdfError::Parse("indirect array is not an array".into())),
                };
                items.push(item);
                self.replace(id, Object::Array(items));
            }
            Some(_) => return Err(SealPdfError::Parse("expected an array".into())),
        }
        Ok(())
    }

    /// Writes the update. Returns the whole new file, its `/ByteRange`
    /// already filled in, and the `/Contents` hole (`<` to `>` inclusive)
    /// still holding zeros.
    pub(crate) fn write_seal(
        &mut self,
        seal: SealObjects<'_>,
    ) -> Result<(Vec<u8>, Range<usize>), SealPdfError> {
        let appearance = seal.appearance;
        let (width, height) = (seal.rect[2] - seal.rect[0], seal.rect[3] - seal.rect[1]);
        let mask = self.next();
        let image = self.next();
        let parts = appearance_objects(
            appearance.width_px,
            appearance.height_px,
            width,
            height,
            mask,
            image,
            appearance.predicted,
        );
        self.objects.push((
            mask,
            NewObject::Stream(parts.mask, appearance.alpha.clone()),
        ));
        self.objects.push((
            image,
            NewObject::Stream(parts.image, appearance.rgb.clone()),
        ));
        let form = self.add(NewObject::Stream(parts.form, parts.content));
        let widget = self.next();
        let signature_id = self.next();
        self.objects.push((
            widget,
            NewObject::Plain(Object::Dictionary(widget_dictionary(
                text_string(seal.field_name),
                signature_id,
                seal.rect,
                seal.page_id,
                form,
            ))),
        ));

        let original_page = self.dictionary(seal.page_id)?;
        let mut page = original_page.clone();
        self.push_to_array(&mut page, b"Annots", Object::Reference(widget))?;
        if page != original_page {
            self.replace(seal.page_id, Object::Dictionary(page));
        }

        let trailer = self
            .doc
            .trailer(self.view)
            .ok_or_else(|| SealPdfError::Parse("no trailer".into()))?
            .clone();
        let root = trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .ok_or_else(|| SealPdfError::Parse("no /Root".into()))?;
        let mut catalog = self.dictionary(root)?;
        match catalog.get(b"AcroForm").cloned() {
            Some(Object::Reference(form_id)) => {
                let mut form = self.dictionary(form_id)?;
                self.push_to_array(&mut form, b"Fields", Object::Reference(widget))?;
                form.set(b"SigFlags", Object::Integer(3));
                self.replace(form_id, Object::Dictionary(form));
            }
            existing => {
                let mut form = match existing {
                    Some(Object::Dictionary(d)) => d,
                    None => Dictionary::default(),
                    Some(_) => {
                        return Err(SealPdfError::Parse("/AcroForm is not a dictionary".into()));
                    }
                };
                self.push_to_array(&mut form, b"Fields", Object::Reference(widget))?;
                // SignaturesExist and AppendOnly: later changes must be
                // incremental, or they break the seal.
                form.set(b"SigFlags", Object::Integer(3));
                catalog.set(b"AcroForm", Object::Dictionary(form));
                self.replace(root, Object::Dictionary(catalog));
            }
        }

        let mut out = Vec::with_capacity(self.original.len() + 2 * CONTENTS_LEN + 64 * 1024);
        out.extend_from_slice(self.original);
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        let mut offsets: Vec<(ObjRef, usize)> = Vec::new();
        let mut objects = std::mem::take(&mut self.objects);
        objects.sort_by_key(|(id, _)| *id);
        for (id, object) in &objects {
            offsets.push((*id, out.len()));
            out.extend_from_slice(format!("{} {} obj\n", id.number, id.generation).as_bytes());
            match object {
                NewObject::Plain(object) => write_object(&mut out, object)?,
                NewObject::Stream(dict, data) => write_stream(&mut out, dict, data)?,
            }
            out.extend_from_slice(b"\nendobj\n");
        }
        // The signature dictionary last: the cross-reference section gives
        // each object's place, so order in the file does not matter.
        let ((signature_at, byte_range_at), hole) =
            write_signature_object(&mut out, signature_id, &seal)?;
        offsets.push((signature_id, signature_at));
        offsets.sort_by_key(|(id, _)| *id);

        // The update's cross-reference section is of the kind the file
        // already uses: a table after a table, a stream after a stream.
        let latest = self
            .doc
            .revisions()
            .get(self.view)
            .ok_or_else(|| SealPdfError::Parse("no revision".into()))?;
        let as_stream = latest.kind == XrefKind::Stream;
        let xref_id = self.next();
        let xref_at = out.len();
        if as_stream {
            offsets.push((xref_id, xref_at));
        }
        let size = i64::from(self.next_id) - i64::from(!as_stream);
        let mut new_trailer =
            Dictionary::from_entries([(b"Size".as_slice(), Object::Integer(size))]);
        for key in [b"Root".as_slice(), b"Info", b"ID"] {
            if let Some(value) = trailer.get(key) {
                new_trailer.set(key, value.clone());
            }
        }
        new_trailer.set(
            b"Prev",
            Object::Integer(i64::try_from(latest.xref_offset).unwrap_or(i64::MAX)),
        );
        let runs: Vec<&[(ObjRef, usize)]> = offsets
            .chunk_by(|a, b| b.0.number == a.0.number + 1)
            .collect();
        if as_stream {
            let mut index = Vec::new();
            let mut rows = Vec::new();
            for run in &runs {
                if let Some((first, _)) = run.first() {
                    index.push(Object::Integer(i64::from(first.number)));
                    index.push(Object::Integer(run.len() as i64));
                }
                for (id, offset) in *run {
                    rows.push(1u8);
                    rows.extend_from_slice(
                        &u32::try_from(*offset).unwrap_or(u32::MAX).to_be_bytes(),
                    );
                    rows.extend_from_slice(&id.generation.to_be_bytes());
                }
            }
            new_trailer.set(b"Type", name(b"XRef"));
            new_trailer.set(
                b"W",
                Object::Array(vec![
                    Object::Integer(1),
                    Object::Integer(4),
                    Object::Integer(2),
                ]),
            );
            new_trailer.set(b"Index", Object::Array(index));
            out.extend_from_slice(
                format!("{} {} obj\n", xref_id.number, xref_id.generation).as_bytes(),
            );
            write_stream(&mut out, &new_trailer, &rows)?;
            out.extend_from_slice(b"\nendobj\n");
        } else {
            out.extend_from_slice(b"xref\n");
            for run in &runs {
                if let Some((first, _)) = run.first() {
                    out.extend_from_slice(format!("{} {}\n", first.number, run.len()).as_bytes());
                }
                for (id, offset) in *run {
                    out.extend_from_slice(
                        format!("{offset:010} {:05} n\r\n", id.generation).as_bytes(),
                    );
                }
            }
            out.extend_from_slice(b"trailer\n");
            write_object(&mut out, &Object::Dictionary(new_trailer))?;
            out.push(b'\n');
        }
        out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());

        let byte_range = format!(
            "{:<10} {:<10} {:<10}",
            hole.start,
            hole.end,
            out.len() - hole.end
        );
        if let Some(slot) = out.get_mut(byte_range_at..byte_range_at + BYTE_RANGE_SLOT) {
            slot.copy_from_slice(byte_range.as_bytes());
        }
        Ok((out, hole))
    }
}

/// Width of the three patched /ByteRange numbers: each padded to 10 digits.
pub(super) const BYTE_RANGE_SLOT: usize = 32;

/// Writes the signature dictionary with a blank /ByteRange and a /Contents
/// hole of zeros. Returns (object offset, /ByteRange slot offset) and the
/// hole.
///
/// The seal record is a direct string in the dictionary, not a stream of its
/// own: validators that analyse later revisions (pyHanko) accept a new
/// signature dictionary, but count any other new object a later seal
/// brings as an unexplained change to the seals before it.
fn write_signature_object(
    out: &mut Vec<u8>,
    id: ObjRef,
    seal: &SealObjects<'_>,
) -> Result<((usize, usize), Range<usize>), SealPdfError> {
    let start = out.len();
    out.extend_from_slice(
        format!(
            "{} {} obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/M({})/Name",
            id.number,
            id.generation,
            pdf_date(seal.signed_at)
        )
        .as_bytes(),
    );
    write_object(out, &text_string(seal.signer_name))?;
    out.extend_from_slice(b"/Reason");
    write_object(out, &text_string(seal.reason))?;
    write_name(out, SEAL_KEY);
    write_literal_string(out, seal.record);
    out.extend_from_slice(b"/ByteRange[0 ");
    let byte_range_at = out.len();
    out.extend_from_slice(&[b' '; BYTE_RANGE_SLOT]);
    out.extend_from_slice(b"]/Contents");
    let hole_start = out.len();
    out.push(b'<');
    out.resize(out.len() + 2 * CONTENTS_LEN, b'0');
    out.push(b'>');
    let hole_end = out.len();
    out.extend_from_slice(b">>\nendobj\n");
    Ok(((start, byte_range_at), hole_start..hole_end))
}

/// A literal string: binary bytes as they are, with `\\`, the parentheses
/// and CR escaped (ISO 32000 §7.3.4.2) so a reader gets the bytes back.
fn write_literal_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'(');
    for &byte in bytes {
        match byte {
            b'\\' | b'(' | b')' => out.extend_from_slice(&[b'\\', byte]),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(byte),
        }
    }
    out.push(b')');
}

/// Writes `signature` as hex into the hole, the rest staying zeros.
pub(crate) fn fill_hole(
    out: &mut [u8],
    hole: Range<usize>,
    signature: &[u8],
) -> Result<(), SealPdfError> {
    if signature.len() > CONTENTS_LEN {
        return Err(SealPdfError::SignatureTooLarge {
            len: signature.len(),
        });
    }
    let hex = out
        .get_mut(hole.start + 1..hole.end - 1)
        .ok_or(SealPdfError::Unsupported("the signature hole moved"))?;
    let digit = |nibble: u8| match nibble {
        0..=9 => b'0' + nibble,
        _ => b'A' + nibble - 10,
    };
    for (pair, byte) in hex.chunks_exact_mut(2).zip(signature) {
        if let [hi, lo] = pair {
            *hi = digit(byte >> 4);
            *lo = digit(byte & 15);
        }
    }
    Ok(())
}

/// A PDF text string: UTF-16BE with a byte order mark, so CJK survives.
pub(crate) fn text_string(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes)
}

/// Serialises an object so that the strict reader reads back the same
/// object: strings in hex (no escaping), reals in their shortest exact
/// decimal with a point (never an exponent, never read back as an integer).
fn write_object(out: &mut Vec<u8>, object: &Object) -> Result<(), SealPdfError> {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Object::Real(r) => {
            if !r.is_finite() {
                return Err(SealPdfError::Unsupported(
                    "a real number that is not finite",
                ));
            }
            let text = format!("{r}");
            out.extend_from_slice(text.as_bytes());
            if !text.contains('.') {
                out.extend_from_slice(b".0");
            }
        }
        Object::Name(name) => write_name(out, name),
        Object::String(bytes) => {
            out.push(b'<');
            for byte in bytes {
                out.extend_from_slice(format!("{byte:02X}").as_bytes());
            }
            out.push(b'>');
        }
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item)?;
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => write_dictionary(out, dict)?,
        Object::Stream(_) => {
            return Err(SealPdfError::Unsupported("rewriting an existing stream"));
        }
        Object::Reference(id) => {
            out.extend_from_slice(format!("{} {} R", id.number, id.generation).as_bytes());
        }
    }
    Ok(())
}

fn write_stream(out: &mut Vec<u8>, dict: &Dictionary, data: &[u8]) -> Result<(), SealPdfError> {
    let mut dict = dict.clone();
    dict.set(
        b"Length",
        Object::Integer(i64::try_from(data.len()).unwrap_or(i64::MAX)),
    );
    write_dictionary(out, &dict)?;
    out.extend_from_slice(b"\nstream\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    Ok(())
}

fn write_dictionary(out: &mut Vec<u8>, dict: &Dictionary) -> Result<(), SealPdfError> {
    out.extend_from_slice(b"<<");
    for (key, value) in dict.iter() {
        write_name(out, key);
        out.push(b' ');
        write_object(out, value)?;
    }
    out.extend_from_slice(b">>");
    Ok(())
}

fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &byte in name {
        if b"()<>[]{}/%#".contains(&byte) || !(b'!'..=b'~').contains(&byte) {
            out.extend_from_slice(format!("#{byte:02X}").as_bytes());
        } else {
            out.push(byte);
        }
    }
}
