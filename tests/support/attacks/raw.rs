//! Raw PDF editing for the attack generator: reading what an attacker needs
//! to know about a file (its last trailer, an object, the page), writing
//! objects back as PDF text, and appending incremental updates by hand,
//! with a classic cross-reference table (20-byte rows) or a
//! cross-reference stream. Nothing here is clever on purpose: every byte an
//! attack writes is visible in its case.

use std::rc::Rc;

use elicence::pdf::{Dictionary, Document, ObjRef, Object};

/// The strict reader's view of `pdf` (the attacker reads the file they
/// start from with it; attacks themselves are written by hand).
pub fn read(pdf: &[u8]) -> Document<'_> {
    Document::read(pdf).expect("the file an attack starts from is readable")
}

/// Where the last cross-reference section starts.
pub fn last_xref(pdf: &[u8]) -> usize {
    let doc = read(pdf);
    doc.revisions().last().unwrap().xref_offset
}

/// The newest trailer.
pub fn trailer(pdf: &[u8]) -> Dictionary {
    let doc = read(pdf);
    doc.trailer(doc.latest()).unwrap().clone()
}

/// The newest trailer's `/Size`.
pub fn size(pdf: &[u8]) -> u32 {
    let size = trailer(pdf).get(b"Size").unwrap().as_i64().unwrap();
    u32::try_from(size).unwrap()
}

/// The catalog's reference.
pub fn root(pdf: &[u8]) -> ObjRef {
    trailer(pdf).get(b"Root").unwrap().as_reference().unwrap()
}

/// Object `number` (generation 0) as the newest revision has it.
pub fn object(pdf: &[u8], number: u32) -> Rc<Object> {
    let doc = read(pdf);
    doc.get(doc.latest(), obj(number)).unwrap().unwrap()
}

/// The dictionary of object `number` (a stream's dictionary for a stream).
pub fn dict(pdf: &[u8], number: u32) -> Dictionary {
    object(pdf, number).as_dict().unwrap().clone()
}

/// A stream object's decoded data.
pub fn stream_data(pdf: &[u8], number: u32) -> Vec<u8> {
    let doc = read(pdf);
    let object = doc.get(doc.latest(), obj(number)).unwrap().unwrap();
    doc.decode(object.as_stream().unwrap()).unwrap()
}

/// The first page's reference.
pub fn first_page(pdf: &[u8]) -> ObjRef {
    let doc = read(pdf);
    let view = doc.latest();
    let catalog = doc.catalog(view).unwrap();
    let pages = catalog.as_dict().unwrap().get(b"Pages").unwrap().clone();
    let pages = doc.resolve(view, &pages).unwrap();
    let kids = pages.as_dict().unwrap().get(b"Kids").unwrap();
    kids.as_array().unwrap()[0].as_reference().unwrap()
}

/// The first page's single content stream.
pub fn page_content(pdf: &[u8]) -> u32 {
    let page = dict(pdf, first_page(pdf).number);
    match page.get(b"Contents").unwrap() {
        Object::Reference(r) => r.number,
        Object::Array(items) if items.len() == 1 => items[0].as_reference().unwrap().number,
        other => panic!("unexpected /Contents {other:?}"),
    }
}

/// The embedded licence's file stream (`/EF /F` of `licence.cose`).
pub fn envelope_stream(pdf: &[u8]) -> u32 {
    let doc = read(pdf);
    let view = doc.latest();
    let catalog = doc.catalog(view).unwrap();
    let names = doc
        .dict_at(view, catalog.as_dict().unwrap(), b"Names")
        .unwrap()
        .unwrap();
    let files = doc
        .dict_at(view, names.as_dict().unwrap(), b"EmbeddedFiles")
        .unwrap()
        .unwrap();
    let entries = files.as_dict().unwrap().get(b"Names").unwrap().clone();
    let entries = doc.resolve(view, &entries).unwrap();
    let spec = doc.resolve(view, &entries.as_array().unwrap()[1]).unwrap();
    let ef = doc
        .dict_at(view, spec.as_dict().unwrap(), b"EF")
        .unwrap()
        .unwrap();
    ef.as_dict()
        .unwrap()
        .get(b"F")
        .unwrap()
        .as_reference()
        .unwrap()
        .number
}

/// The number of the newest revision's object whose dictionary has `/Type
/// /type_name` (or `/Subtype`), the last one written.
pub fn newest_typed(pdf: &[u8], key: &[u8], type_name: &[u8]) -> u32 {
    let doc = read(pdf);
    let bodies = doc.bodies().unwrap();
    bodies
        .last()
        .unwrap()
        .iter()
        .filter(|o| o.object.as_dict().and_then(|d| d.name(key)) == Some(type_name))
        .map(|o| o.id.number)
        .next_back()
        .unwrap_or_else(|| panic!("no /{} object", String::from_utf8_lossy(type_name)))
}

pub fn obj(number: u32) -> ObjRef {
    ObjRef {
        number,
        generation: 0,
    }
}

/// `N 0 R`.
pub fn r(number: u32) -> Object {
    Object::Reference(obj(number))
}

pub fn name(text: &str) -> Object {
    Object::Name(text.as_bytes().to_vec())
}

/// `dict` without `key`.
pub fn without(dict: &Dictionary, key: &[u8]) -> Dictionary {
    Dictionary::from_entries(
        dict.iter()
            .filter(|(k, _)| *k != key)
            .map(|(k, v)| (k, v.clone())),
    )
}

/// `dict` with `key` set to `value`.
pub fn with(dict: &Dictionary, key: &str, value: Object) -> Dictionary {
    let mut dict = dict.clone();
    dict.set(key.as_bytes(), value);
    dict
}

/// An object as PDF text: strings in hex, names escaped, reals with a point.
/// Streams are written with [`Update::stream`].
pub fn text(object: &Object) -> String {
    match object {
        Object::Null => "null".into(),
        Object::Bool(b) => b.to_string(),
        Object::Integer(n) => n.to_string(),
        Object::Real(x) => {
            let t = format!("{x}");
            if t.contains('.') { t } else { t + ".0" }
        }
        Object::Name(n) => name_text(n),
        Object::String(bytes) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
            format!("<{hex}>")
        }
        Object::Array(items) => {
            let items: Vec<String> = items.iter().map(text).collect();
            format!("[{}]", items.join(" "))
        }
        Object::Dictionary(d) => dict_text(d),
        Object::Stream(_) => panic!("a stream is written with its data"),
        Object::Reference(r) => format!("{} {} R", r.number, r.generation),
    }
}

pub fn dict_text(dict: &Dictionary) -> String {
    let mut out = String::from("<<");
    for (key, value) in dict.iter() {
        out.push_str(&name_text(key));
        out.push(' ');
        out.push_str(&text(value));
    }
    out.push_str(">>");
    out
}

/// A dictionary's text without its `<<` `>>`, for [`Update::stream`].
pub fn inside(dict: &Dictionary) -> String {
    let text = dict_text(dict);
    text[2..text.len() - 2].to_owned()
}

fn name_text(name: &[u8]) -> String {
    let mut out = String::from("/");
    for &b in name {
        if b"()<>[]{}/%#".contains(&b) || !(b'!'..=b'~').contains(&b) {
            out.push_str(&format!("#{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// A PDF text string (UTF-16BE with a byte order mark) in hex.
pub fn text_string(s: &str) -> String {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    text(&Object::String(bytes))
}

/// A zlib stream that inflates to `mib` MiB of zeros, built without
/// deflating them all: one MiB is deflated with a sync flush (which leaves
/// the output byte-aligned, with no final block) and repeated, then a final
/// empty stored block and the Adler-32 of the zeros close it. Every
/// repetition refers only to zeros before it, so the whole inflates to
/// zeros. About 1 KB per MiB.
pub fn zeros_bomb(mib: usize) -> Vec<u8> {
    let chunk_len = 1 << 20;
    let mut raw = flate2::Compress::new(flate2::Compression::best(), false);
    let mut chunk = Vec::with_capacity(16 * 1024);
    raw.compress_vec(&vec![0; chunk_len], &mut chunk, flate2::FlushCompress::Sync)
        .unwrap();
    assert_eq!(raw.total_in(), chunk_len as u64, "the chunk fits one call");
    assert!(
        chunk.ends_with(&[0, 0, 0xFF, 0xFF]),
        "the sync flush is complete"
    );
    let mut out = vec![0x78, 0xDA];
    for _ in 0..mib {
        out.extend_from_slice(&chunk);
    }
    // BFINAL=1, BTYPE=00 (stored), LEN=0, NLEN=!0.
    out.extend_from_slice(&[0x01, 0x00, 0x00, 0xFF, 0xFF]);
    // Adler-32 of n zeros: a = 1, b = n mod 65521.
    let b = ((mib as u64) * chunk_len as u64 % 65521) as u32;
    out.extend_from_slice(&((b << 16) | 1).to_be_bytes());
    out
}

/// One cross-reference row of an update.
#[derive(Debug, Clone, Copy)]
pub enum Row {
    InUse { offset: usize, generation: u16 },
    Free { generation: u16 },
    Compressed { stream: u32, index: u32 },
}

/// An incremental update written by hand: objects appended after `base`,
/// then a cross-reference section listing the rows given (by default each
/// object written), a trailer that keeps `base`'s `/Root`, `/Info` and
/// `/ID` and points `/Prev` at `base`'s last section, `startxref` and
/// `%%EOF`.
pub struct Update {
    base: Vec<u8>,
    body: Vec<u8>,
    rows: Vec<(u32, Row)>,
    /// Trailer entries as text, in order.
    trailer: Vec<(String, String)>,
}

impl Update {
    pub fn on(base: &[u8]) -> Update {
        let old = trailer(base);
        let mut entries = vec![("Size".to_owned(), size(base).to_string())];
        for key in ["Root", "Info", "ID"] {
            if let Some(value) = old.get(key.as_bytes()) {
                entries.push((key.to_owned(), text(value)));
            }
        }
        entries.push(("Prev".to_owned(), last_xref(base).to_string()));
        let mut base = base.to_vec();
        if !base.ends_with(b"\n") {
            base.push(b'\n');
        }
        Update {
            base,
            body: Vec::new(),
            rows: Vec::new(),
            trailer: entries,
        }
    }

    /// Where the next byte written goes, in the whole file.
    pub fn here(&self) -> usize {
        self.base.len() + self.body.len()
    }

    /// Writes `number 0 obj body endobj` and lists it.
    pub fn object(mut self, number: u32, body: &str) -> Update {
        let at = self.here();
        self.body
            .extend_from_slice(format!("{number} 0 obj\n{body}\nendobj\n").as_bytes());
        self.row(
            number,
            Row::InUse {
                offset: at,
                generation: 0,
            },
        )
    }

    /// Writes a stream object (its `/Length` added to `dict`, which is the
    /// dictionary's inside, without `<<` `>>`) and lists it.
    pub fn stream(mut self, number: u32, dict: &str, data: &[u8]) -> Update {
        let at = self.here();
        self.body.extend_from_slice(
            format!("{number} 0 obj\n<<{dict}/Length {}>>\nstream\n", data.len()).as_bytes(),
        );
        self.body.extend_from_slice(data);
        self.body.extend_from_slice(b"\nendstream\nendobj\n");
        self.row(
            number,
            Row::InUse {
                offset: at,
                generation: 0,
            },
        )
    }

    /// Writes an object's bytes as they are (`N G obj … endobj`) and lists
    /// it.
    pub fn written(mut self, number: u32, bytes: &[u8]) -> Update {
        let at = self.here();
        self.body.extend_from_slice(bytes);
        self.row(
            number,
            Row::InUse {
                offset: at,
                generation: 0,
            },
        )
    }

    /// Writes bytes into the body that no row lists.
    pub fn raw(mut self, bytes: &[u8]) -> Update {
        self.body.extend_from_slice(bytes);
        self
    }

    /// Lists a row (a number may be listed twice: the attack decides).
    pub fn row(mut self, number: u32, row: Row) -> Update {
        self.rows.push((number, row));
        self.grow(number);
        self
    }

    /// Sets (or adds) a trailer entry, its value as PDF text.
    pub fn trailer(mut self, key: &str, value: &str) -> Update {
        match self.trailer.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value.to_owned(),
            None => self.trailer.push((key.to_owned(), value.to_owned())),
        }
        self
    }

    fn grow(&mut self, number: u32) {
        let size: u32 = self.trailer[0].1.parse().unwrap_or(0);
        if number >= size {
            self.trailer[0].1 = (number + 1).to_string();
        }
    }

    fn trailer_text(&self) -> String {
        self.trailer
            .iter()
            .map(|(k, v)| format!("/{k} {v}"))
            .collect()
    }

    /// Ends the update with a classic `xref` table: subsections of
    /// consecutive numbers, 20-byte rows.
    pub fn classic(self) -> Vec<u8> {
        let mut rows = self.rows.clone();
        rows.sort_by_key(|(n, _)| *n);
        let mut table = String::from("xref\n");
        let mut i = 0;
        while i < rows.len() {
            let mut j = i + 1;
            while j < rows.len() && rows[j].0 == rows[j - 1].0 + 1 {
                j += 1;
            }
            table.push_str(&format!("{} {}\n", rows[i].0, j - i));
            for (_, row) in &rows[i..j] {
                table.push_str(&match *row {
                    Row::InUse { offset, generation } => {
                        format!("{offset:010} {generation:05} n\r\n")
                    }
                    Row::Free { generation } => format!("0000000000 {generation:05} f\r\n"),
                    Row::Compressed { .. } => panic!("a classic table has no compressed rows"),
                });
            }
            i = j;
        }
        let at = self.here();
        let mut out = self.base.clone();
        out.extend_from_slice(&self.body);
        out.extend_from_slice(table.as_bytes());
        out.extend_from_slice(
            format!(
                "trailer\n<<{}>>\nstartxref\n{at}\n%%EOF\n",
                self.trailer_text()
            )
            .as_bytes(),
        );
        out
    }

    /// Ends the update with a cross-reference stream, object `number`
    /// (listed in itself), rows `/W [1 4 2]`, `extra` added to its
    /// dictionary.
    pub fn xref_stream(self, number: u32, extra: &str) -> Vec<u8> {
        let at = self.here();
        let this = self.row(
            number,
            Row::InUse {
                offset: at,
                generation: 0,
            },
        );
        let dict = format!("{}{extra}", this.trailer_text());
        let mut out = this.base.clone();
        out.extend_from_slice(&this.body);
        out.extend_from_slice(&xref_stream_object(number, &this.rows, &dict));
        out.extend_from_slice(format!("startxref\n{at}\n%%EOF\n").as_bytes());
        out
    }
}

/// A cross-reference stream object (`N 0 obj … endobj`) listing `rows`
/// with `/W [1 4 2]`, `dict` added to its dictionary.
pub fn xref_stream_object(number: u32, rows: &[(u32, Row)], dict: &str) -> Vec<u8> {
    let mut rows = rows.to_vec();
    rows.sort_by_key(|(n, _)| *n);
    let mut index = Vec::new();
    let mut data = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let mut j = i + 1;
        while j < rows.len() && rows[j].0 == rows[j - 1].0 + 1 {
            j += 1;
        }
        index.push(format!("{} {}", rows[i].0, j - i));
        for (_, row) in &rows[i..j] {
            let (kind, b, c) = match *row {
                Row::Free { generation } => (0u8, 0u32, generation),
                Row::InUse { offset, generation } => {
                    (1, u32::try_from(offset).unwrap(), generation)
                }
                Row::Compressed { stream, index } => (2, stream, u16::try_from(index).unwrap()),
            };
            data.push(kind);
            data.extend_from_slice(&b.to_be_bytes());
            data.extend_from_slice(&c.to_be_bytes());
        }
        i = j;
    }
    let mut out = format!(
        "{number} 0 obj\n<</Type/XRef{dict}/W[1 4 2]/Index[{}]/Length {}>>\nstream\n",
        index.join(" "),
        data.len()
    )
    .into_bytes();
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    out
}

/// An object stream (`N 0 obj … endobj`) holding `objects` (number, text)
/// in order, uncompressed.
pub fn object_stream(number: u32, objects: &[(u32, String)]) -> Vec<u8> {
    let mut header = String::new();
    let mut data = String::new();
    for (n, text) in objects {
        header.push_str(&format!("{n} {} ", data.len()));
        data.push_str(text);
        data.push('\n');
    }
    let first = header.len();
    let all = header + &data;
    format!(
        "{number} 0 obj\n<</Type/ObjStm/N {}/First {first}/Length {}>>\nstream\n{all}\nendstream\nendobj\n",
        objects.len(),
        all.len()
    )
    .into_bytes()
}

/// A cross-reference stream section appended to `base` by hand with any
/// dictionary and data (for the bombs: `/W`, `/Index` and filters that do
/// not fit the data), as object 99990.
pub fn raw_xref_stream(base: &[u8], body: &[u8], dict: &str, data: &[u8]) -> Vec<u8> {
    let mut out = base.to_vec();
    out.extend_from_slice(body);
    let at = out.len();
    out.extend_from_slice(
        format!(
            "99990 0 obj\n<</Type/XRef/Size 99991/Root {}/Prev {}{dict}/Length {}>>\nstream\n",
            text(&Object::Reference(root(base))),
            last_xref(base),
            data.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(data);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
    out
}

/// Replaces the first `from` at or after `after` with `to`, which must be
/// as long, so that no offset moves.
pub fn overwrite(pdf: &mut [u8], after: usize, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len(), "an in-place edit keeps the length");
    let at = after
        + pdf[after..]
            .windows(from.len())
            .position(|w| w == from)
            .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(from)));
    pdf[at..at + to.len()].copy_from_slice(to);
}

/// Where the last `what` is.
pub fn rfind(pdf: &[u8], what: &[u8]) -> usize {
    pdf.windows(what.len())
        .rposition(|w| w == what)
        .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(what)))
}

/// Where the first `what` at or after `from` is.
pub fn find_from(pdf: &[u8], from: usize, what: &[u8]) -> usize {
    from + pdf[from..]
        .windows(what.len())
        .position(|w| w == what)
        .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(what)))
}
