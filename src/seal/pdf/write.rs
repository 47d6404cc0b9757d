//! Writing one seal's incremental update.
//!
//! lopdf parses the PDF and holds the objects we change, but its incremental
//! writer starts each update with a second `%PDF-` header and does not say
//! where it put the bytes a signature needs to find again. The update is a
//! handful of objects, so it is serialised here, where the offsets of
//! `/ByteRange` and `/Contents` are known as they are written.

use std::ops::Range;

use lopdf::{Dictionary, Object, ObjectId, Stream};

use super::{CONTENTS_LEN, PT_PER_MM, SEAL_KEY, SealPdfError, pdf_date, resolve};
use crate::date::UnixTime;
use crate::seal::record::SealPicture;

/// The seal picture as PDF image streams (colour and soft mask), deflated
/// once per sealer.
#[derive(Debug, Clone)]
pub(crate) struct Appearance {
    width_px: u32,
    height_px: u32,
    rgb: Vec<u8>,
    alpha: Vec<u8>,
}

impl Appearance {
    /// Decodes the picture without premultiplying: a seal drawn in one ink
    /// (as [`crate::seal::stamp::stamp_png`] writes it, an indexed PNG) then
    /// has one colour everywhere, and its colour plane deflates to almost
    /// nothing; only the soft mask carries the drawing.
    pub(crate) fn from_picture(picture: &SealPicture) -> Result<Appearance, SealPdfError> {
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
        Ok(Appearance {
            width_px: info.width,
            height_px: info.height,
            rgb: deflate(&rgb)?,
            alpha: deflate(&alpha)?,
        })
    }
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
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl MediaBox {
    pub(crate) fn width_mm(self) -> f32 {
        (self.x1 - self.x0) / PT_PER_MM
    }

    pub(crate) fn height_mm(self) -> f32 {
        (self.y1 - self.y0) / PT_PER_MM
    }
}

fn number(object: &Object) -> Option<f32> {
    match *object {
        Object::Integer(n) => Some(n as f32),
        Object::Real(r) if r.is_finite() => Some(r),
        _ => None,
    }
}

/// The page's /MediaBox, inherited from its /Pages ancestors if need be.
pub(crate) fn media_box(doc: &lopdf::Document, page: ObjectId) -> Result<MediaBox, SealPdfError> {
    let mut id = page;
    // A page tree is shallow; a bound stops a /Parent cycle.
    for _ in 0..16 {
        let dict = doc
            .get_dictionary(id)
            .map_err(|e| SealPdfError::Parse(e.to_string()))?;
        if let Some(array) =
            resolve(doc, dict.get(b"MediaBox").ok()).and_then(|o| o.as_array().ok())
        {
            let values: Option<Vec<f32>> = array.iter().map(number).collect();
            return match values.as_deref() {
                Some(&[x0, y0, x1, y1]) if x1 > x0 && y1 > y0 => Ok(MediaBox { x0, y0, x1, y1 }),
                _ => Err(SealPdfError::Parse("unusable /MediaBox".into())),
            };
        }
        id = dict
            .get(b"Parent")
            .and_then(Object::as_reference)
            .map_err(|_| SealPdfError::Parse("page without /MediaBox".into()))?;
    }
    Err(SealPdfError::Parse("page tree too deep".into()))
}

/// What one seal adds to the document.
pub(crate) struct SealObjects<'a> {
    pub page_id: ObjectId,
    /// The widget's rectangle in points: left, bottom, right, top.
    pub rect: [f32; 4],
    pub field_name: &'a str,
    pub signer_name: &'a str,
    pub reason: &'a str,
    pub signed_at: UnixTime,
    pub record: &'a [u8],
    pub appearance: &'a Appearance,
}

/// An incremental update being built on a parsed PDF.
pub(crate) struct Update<'a> {
    original: &'a [u8],
    doc: &'a lopdf::Document,
    next_id: u32,
    /// Objects to write, by id, with their generation.
    objects: Vec<(ObjectId, Object)>,
}

impl<'a> Update<'a> {
    pub(crate) fn new(original: &'a [u8], doc: &'a lopdf::Document) -> Result<Self, SealPdfError> {
        if doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
            return Err(SealPdfError::Unsupported("the PDF is encrypted"));
        }
        Ok(Update {
            original,
            doc,
            next_id: doc.max_id.saturating_add(1),
            objects: Vec::new(),
        })
    }

    fn add(&mut self, object: Object) -> ObjectId {
        let id = (self.next_id, 0);
        self.next_id = self.next_id.saturating_add(1);
        self.objects.push((id, object));
        id
    }

    fn replace(&mut self, id: ObjectId, object: Object) {
        self.objects.retain(|(i, _)| *i != id);
        self.objects.push((id, object));
    }

    fn dictionary(&self, id: ObjectId) -> Result<Dictionary, SealPdfError> {
        if let Some((_, Object::Dictionary(d))) = self.objects.iter().find(|(i, _)| *i == id) {
            return Ok(d.clone());
        }
        self.doc
            .get_dictionary(id)
            .cloned()
            .map_err(|e| SealPdfError::Parse(e.to_string()))
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
        match owner.get(key).ok().cloned() {
            None => owner.set(key, Object::Array(vec![item])),
            Some(Object::Array(mut items)) => {
                items.push(item);
                owner.set(key, Object::Array(items));
            }
            Some(Object::Reference(id)) => {
                let mut items = self
                    .doc
                    .get_object(id)
                    .and_then(Object::as_array)
                    .cloned()
                    .map_err(|_| SealPdfError::Parse("indirect array is not an array".into()))?;
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
        let appearance = self.appearance(seal.appearance, seal.rect);
        let signature_id = (self.next_id, 0);
        self.next_id = self.next_id.saturating_add(1);

        let mut widget = Dictionary::new();
        widget.set("Type", Object::Name(b"Annot".to_vec()));
        widget.set("Subtype", Object::Name(b"Widget".to_vec()));
        widget.set("FT", Object::Name(b"Sig".to_vec()));
        widget.set("T", text_string(seal.field_name));
        widget.set("V", Object::Reference(signature_id));
        widget.set(
            "Rect",
            Object::Array(seal.rect.iter().map(|&v| Object::Real(v)).collect()),
        );
        // Print and Locked: the seal is printed and cannot be moved.
        widget.set("F", Object::Integer(132));
        widget.set("P", Object::Reference(seal.page_id));
        let mut ap = Dictionary::new();
        ap.set("N", Object::Reference(appearance));
        widget.set("AP", Object::Dictionary(ap));
        let widget = self.add(Object::Dictionary(widget));

        let mut page = self.dictionary(seal.page_id)?;
        self.push_to_array(&mut page, b"Annots", Object::Reference(widget))?;
        self.replace(seal.page_id, Object::Dictionary(page));

        let root = self
            .doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| SealPdfError::Parse("no /Root".into()))?;
        let mut catalog = self.dictionary(root)?;
        match catalog.get(b"AcroForm").ok().cloned() {
            Some(Object::Reference(form_id)) => {
                let mut form = self.dictionary(form_id)?;
                self.push_to_array(&mut form, b"Fields", Object::Reference(widget))?;
                form.set("SigFlags", Object::Integer(3));
                self.replace(form_id, Object::Dictionary(form));
            }
            existing => {
                let mut form = match existing {
                    Some(Object::Dictionary(d)) => d,
                    None => Dictionary::new(),
                    Some(_) => {
                        return Err(SealPdfError::Parse("/AcroForm is not a dictionary".into()));
                    }
                };
                self.push_to_array(&mut form, b"Fields", Object::Reference(widget))?;
                // SignaturesExist and AppendOnly: later changes must be
                // incremental, or they break the seal.
                form.set("SigFlags", Object::Integer(3));
                catalog.set("AcroForm", Object::Dictionary(form));
                self.replace(root, Object::Dictionary(catalog));
            }
        }

        let mut out = Vec::with_capacity(self.original.len() + 2 * CONTENTS_LEN + 64 * 1024);
        out.extend_from_slice(self.original);
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        let mut offsets: Vec<(ObjectId, usize)> = Vec::new();
        let mut objects = std::mem::take(&mut self.objects);
        objects.sort_by_key(|(id, _)| *id);
        for (id, object) in &objects {
            offsets.push((*id, out.len()));
            out.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
            write_object(&mut out, object);
            out.extend_from_slice(b"\nendobj\n");
        }
        // The signature dictionary last: the cross-reference section gives
        // each object's place, so order in the file does not matter.
        let ((signature_at, byte_range_at), hole) =
            write_signature_object(&mut out, signature_id, &seal);
        offsets.push((signature_id, signature_at));
        offsets.sort_by_key(|(id, _)| *id);

        // The update's cross-reference section is of the kind the file
        // already uses: a table after a table, a stream after a stream.
        let as_stream = matches!(
            self.doc.reference_table.cross_reference_type,
            lopdf::xref::XrefType::CrossReferenceStream
        );
        let xref_id = (self.next_id, 0);
        let xref_at = out.len();
        if as_stream {
            offsets.push((xref_id, xref_at));
        }
        let mut trailer = Dictionary::new();
        let size = self
            .doc
            .trailer
            .get(b"Size")
            .and_then(Object::as_i64)
            .unwrap_or(0)
            .max(i64::from(self.next_id) + i64::from(as_stream));
        trailer.set("Size", Object::Integer(size));
        for key in [b"Root".as_slice(), b"Info", b"ID"] {
            if let Ok(value) = self.doc.trailer.get(key) {
                trailer.set(key, value.clone());
            }
        }
        trailer.set("Prev", Object::Integer(self.doc.xref_start as i64));
        let runs: Vec<&[(ObjectId, usize)]> = offsets.chunk_by(|a, b| b.0.0 == a.0.0 + 1).collect();
        if as_stream {
            let mut index = Vec::new();
            let mut rows = Vec::new();
            for run in &runs {
                if let Some(((first, _), _)) = run.first() {
                    index.push(Object::Integer(i64::from(*first)));
                    index.push(Object::Integer(run.len() as i64));
                }
                for ((_, generation), offset) in *run {
                    rows.push(1u8);
                    rows.extend_from_slice(
                        &u32::try_from(*offset).unwrap_or(u32::MAX).to_be_bytes(),
                    );
                    rows.extend_from_slice(&generation.to_be_bytes());
                }
            }
            trailer.set("Type", Object::Name(b"XRef".to_vec()));
            trailer.set(
                "W",
                Object::Array(vec![
                    Object::Integer(1),
                    Object::Integer(4),
                    Object::Integer(2),
                ]),
            );
            trailer.set("Index", Object::Array(index));
            out.extend_from_slice(format!("{} {} obj\n", xref_id.0, xref_id.1).as_bytes());
            write_object(&mut out, &Object::Stream(Stream::new(trailer, rows)));
            out.extend_from_slice(b"\nendobj\n");
        } else {
            out.extend_from_slice(b"xref\n");
            for run in &runs {
                if let Some(((first, _), _)) = run.first() {
                    out.extend_from_slice(format!("{first} {}\n", run.len()).as_bytes());
                }
                for ((_, generation), offset) in *run {
                    out.extend_from_slice(format!("{offset:010} {generation:05} n\r\n").as_bytes());
                }
            }
            out.extend_from_slice(b"trailer\n");
            write_object(&mut out, &Object::Dictionary(trailer));
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

    /// The image, its soft mask and the form drawing it over the widget.
    fn appearance(&mut self, appearance: &Appearance, rect: [f32; 4]) -> ObjectId {
        let image_dict = |colour_space: &[u8]| {
            let mut d = Dictionary::new();
            d.set("Type", Object::Name(b"XObject".to_vec()));
            d.set("Subtype", Object::Name(b"Image".to_vec()));
            d.set("Width", Object::Integer(i64::from(appearance.width_px)));
            d.set("Height", Object::Integer(i64::from(appearance.height_px)));
            d.set("ColorSpace", Object::Name(colour_space.to_vec()));
            d.set("BitsPerComponent", Object::Integer(8));
            d.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            d
        };
        let mask = self.add(Object::Stream(Stream::new(
            image_dict(b"DeviceGray"),
            appearance.alpha.clone(),
        )));
        let mut image = image_dict(b"DeviceRGB");
        image.set("SMask", Object::Reference(mask));
        let image = self.add(Object::Stream(Stream::new(image, appearance.rgb.clone())));

        let (w, h) = (rect[2] - rect[0], rect[3] - rect[1]);
        let mut ink = Dictionary::new();
        ink.set("Type", Object::Name(b"ExtGState".to_vec()));
        // Multiply, as ink does: the text under the seal stays readable.
        ink.set("BM", Object::Name(b"Multiply".to_vec()));
        let mut states = Dictionary::new();
        states.set("Ink", Object::Dictionary(ink));
        let mut xobjects = Dictionary::new();
        xobjects.set("Seal", Object::Reference(image));
        let mut resources = Dictionary::new();
        resources.set("XObject", Object::Dictionary(xobjects));
        resources.set("ExtGState", Object::Dictionary(states));
        let mut form = Dictionary::new();
        form.set("Type", Object::Name(b"XObject".to_vec()));
        form.set("Subtype", Object::Name(b"Form".to_vec()));
        form.set(
            "BBox",
            Object::Array(vec![
                Object::Integer(0),
                Object::Integer(0),
                Object::Real(w),
                Object::Real(h),
            ]),
        );
        form.set("Resources", Object::Dictionary(resources));
        let content = format!("q /Ink gs {w:.3} 0 0 {h:.3} 0 0 cm /Seal Do Q");
        self.add(Object::Stream(Stream::new(form, content.into_bytes())))
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
    id: ObjectId,
    seal: &SealObjects<'_>,
) -> ((usize, usize), Range<usize>) {
    let start = out.len();
    out.extend_from_slice(
        format!(
            "{} {} obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/M({})/Name",
            id.0,
            id.1,
            pdf_date(seal.signed_at)
        )
        .as_bytes(),
    );
    write_object(out, &text_string(seal.signer_name));
    out.extend_from_slice(b"/Reason");
    write_object(out, &text_string(seal.reason));
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
    ((start, byte_range_at), hole_start..hole_end)
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
fn text_string(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, lopdf::StringFormat::Hexadecimal)
}

/// Serialises an object. Strings are always written in hex, which needs no
/// escaping; reals without exponents, as PDF requires.
fn write_object(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Object::Real(r) => {
            let r = if r.is_finite() { *r } else { 0.0 };
            let text = format!("{r:.4}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            out.extend_from_slice(if text.is_empty() || text == "-" {
                b"0"
            } else {
                text.as_bytes()
            });
        }
        Object::Name(name) => write_name(out, name),
        Object::String(bytes, _) => {
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
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => write_dictionary(out, dict),
        Object::Stream(stream) => {
            let mut dict = stream.dict.clone();
            dict.set("Length", Object::Integer(stream.content.len() as i64));
            write_dictionary(out, &dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&stream.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference(id) => out.extend_from_slice(format!("{} {} R", id.0, id.1).as_bytes()),
    }
}

fn write_dictionary(out: &mut Vec<u8>, dict: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (key, value) in dict {
        write_name(out, key);
        out.push(b' ');
        write_object(out, value);
    }
    out.extend_from_slice(b">>");
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
