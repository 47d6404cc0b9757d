//! Revisions and cross-references, read as ISO 32000-1 §7.5 says and no
//! more leniently: the reader finds each revision by its own `startxref`,
//! honours free entries, takes object numbers from the cross-reference
//! entry and checks them against the object's header, and refuses what
//! viewers read differently (hybrid-reference files, repeated entries,
//! `/Prev` loops).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::decode::decode;
use super::object::{Dictionary, ObjRef, Object, Stream};
use super::parse::{Budget, Parser, is_white};
use super::{Limits, PdfReadError};

/// How a revision's cross-reference section is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefKind {
    /// A classic `xref` table and `trailer`.
    Table,
    /// A cross-reference stream (PDF 1.5).
    Stream,
}

/// One cross-reference entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Free: the object does not exist in this revision.
    Free {
        /// The generation the next use would take.
        generation: u16,
    },
    /// Stored plainly at a file offset.
    InUse {
        /// Where its `N G obj` header starts.
        offset: usize,
        /// Its generation.
        generation: u16,
    },
    /// Stored in an object stream.
    Compressed {
        /// The object stream's number.
        stream: u32,
        /// Its index in that stream.
        index: u32,
    },
}

impl Entry {
    fn generation(self) -> u16 {
        match self {
            Entry::Free { generation } | Entry::InUse { generation, .. } => generation,
            Entry::Compressed { .. } => 0,
        }
    }
}

/// One revision: the original file, or an incremental update.
#[derive(Debug, Clone)]
pub struct Revision {
    /// Where its bytes start (the previous revision's end, or 0).
    pub start: usize,
    /// Where its cross-reference section starts.
    pub xref_offset: usize,
    /// Just past its `%%EOF` and that line's end.
    pub end: usize,
    /// How its cross-reference section is written.
    pub kind: XrefKind,
    /// Its trailer (a cross-reference stream's dictionary).
    pub trailer: Dictionary,
    /// Its cross-reference entries, by object number.
    pub entries: BTreeMap<u32, Entry>,
    /// For a cross-reference stream: the stream object's own number.
    pub xref_stream: Option<ObjRef>,
}

/// An object as found by reading a revision's body in order.
#[derive(Debug, Clone)]
pub struct BodyObject {
    /// The header's number and generation.
    pub id: ObjRef,
    /// Where its header starts; for an object in an object stream, the
    /// object stream's offset.
    pub offset: usize,
    /// For an object in an object stream: that stream's number.
    pub in_stream: Option<u32>,
    /// The object.
    pub object: Rc<Object>,
}

type ObjectStreamContents = Rc<(Vec<u8>, Vec<(u32, usize)>, usize)>;

/// A PDF read strictly. Every read is bounded by the [`Limits`] it was
/// opened with; objects are parsed when first asked for and kept.
pub struct Document<'a> {
    bytes: &'a [u8],
    budget: Budget,
    revisions: Vec<Revision>,
    /// Parsed objects by (view revision, offset).
    objects: RefCell<HashMap<(usize, usize), Rc<Object>>>,
    /// Decoded object streams by (view revision, offset): data, the
    /// (number, offset) pairs of their headers, and /First.
    object_streams: RefCell<HashMap<(usize, usize), ObjectStreamContents>>,
    /// Objects parsed from object streams by (view revision, stream offset, index).
    compressed: RefCell<HashMap<(usize, usize, u32), Rc<Object>>>,
}

impl std::fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("len", &self.bytes.len())
            .field("revisions", &self.revisions.len())
            .finish_non_exhaustive()
    }
}

/// Where the last `startxref` is looked for.
const TAIL_WINDOW: usize = 1024;

impl<'a> Document<'a> {
    /// Reads `bytes` with the default [`Limits`].
    ///
    /// # Errors
    /// [`PdfReadError`] if the file is not a PDF this reader understands.
    pub fn read(bytes: &'a [u8]) -> Result<Document<'a>, PdfReadError> {
        Document::read_with(bytes, Limits::default())
    }

    /// Reads `bytes`: the header, every revision's cross-reference section
    /// and trailer. Objects are parsed later, when asked for.
    ///
    /// # Errors
    /// [`PdfReadError`] if the file is not a PDF this reader understands.
    pub fn read_with(bytes: &'a [u8], limits: Limits) -> Result<Document<'a>, PdfReadError> {
        if bytes.len() > limits.max_file_len {
            return Err(PdfReadError::TooLarge {
                len: bytes.len(),
                max: limits.max_file_len,
            });
        }
        if !bytes.starts_with(b"%PDF-") {
            return Err(PdfReadError::NotPdf);
        }
        let mut doc = Document {
            bytes,
            budget: Budget::new(limits),
            revisions: Vec::new(),
            objects: RefCell::new(HashMap::new()),
            object_streams: RefCell::new(HashMap::new()),
            compressed: RefCell::new(HashMap::new()),
        };
        doc.read_revisions()?;
        Ok(doc)
    }

    fn read_revisions(&mut self) -> Result<(), PdfReadError> {
        let window = self.bytes.len().saturating_sub(TAIL_WINDOW);
        let last = self
            .bytes
            .get(window..)
            .and_then(|tail| tail.windows(9).rposition(|w| w == b"startxref"))
            .map(|at| window + at)
            .ok_or(PdfReadError::NoStartxref)?;
        let mut parser = Parser::new(self.bytes, last, &self.budget);
        let mut offset = startxref(&mut parser)?;
        let mut found: Vec<Revision> = Vec::new();
        let mut entries_total = 0usize;
        loop {
            if found.len() >= self.budget.limits().max_revisions {
                return Err(PdfReadError::LimitExceeded {
                    limit: "revisions",
                    max: self.budget.limits().max_revisions,
                });
            }
            let revision = self.read_section(offset)?;
            entries_total = entries_total.saturating_add(revision.entries.len());
            if entries_total > self.budget.limits().max_xref_entries {
                return Err(PdfReadError::LimitExceeded {
                    limit: "cross-reference entries",
                    max: self.budget.limits().max_xref_entries,
                });
            }
            let prev = match revision.trailer.get(b"Prev") {
                None => None,
                Some(Object::Integer(p)) => {
                    Some(usize::try_from(*p).ok().filter(|&p| p < offset).ok_or(
                        PdfReadError::Structure {
                            what: "/Prev does not point to an earlier cross-reference section",
                        },
                    )?)
                }
                Some(_) => {
                    return Err(PdfReadError::Structure {
                        what: "/Prev is not an integer",
                    });
                }
            };
            found.push(revision);
            match prev {
                Some(p) => offset = p,
                None => break,
            }
        }
        found.reverse();
        // Revisions tile the file: each starts where the one before ended,
        // and its cross-reference section lies inside it.
        let mut start = 0;
        for revision in &mut found {
            if revision.xref_offset < start {
                return Err(PdfReadError::Structure {
                    what: "a cross-reference section lies inside an earlier revision",
                });
            }
            revision.start = start;
            start = revision.end;
        }
        self.revisions = found;
        Ok(())
    }

    /// Reads the cross-reference section at `offset` and what follows it up
    /// to its revision's `%%EOF`.
    fn read_section(&self, offset: usize) -> Result<Revision, PdfReadError> {
        let mut parser = Parser::new(self.bytes, offset, &self.budget);
        let (kind, trailer, entries, xref_stream) = if parser.at_keyword(b"xref") {
            let (trailer, entries) = self.read_table(&mut parser)?;
            (XrefKind::Table, trailer, entries, None)
        } else {
            let (id, trailer, entries) = self.read_stream_section(&mut parser)?;
            (XrefKind::Stream, trailer, entries, Some(id))
        };
        if trailer.has(b"XRefStm") {
            return Err(PdfReadError::HybridReference { offset });
        }
        if trailer.has(b"Encrypt") {
            return Err(PdfReadError::Encrypted);
        }
        let size = trailer
            .get(b"Size")
            .and_then(Object::as_i64)
            .and_then(|s| u32::try_from(s).ok())
            .filter(|&s| s >= 1 && s <= self.budget.limits().max_object_number)
            .ok_or(PdfReadError::Xref {
                offset,
                what: "/Size is missing or out of range",
            })?;
        if entries.keys().next_back().is_some_and(|&n| n >= size) {
            return Err(PdfReadError::Xref {
                offset,
                what: "an entry's object number is not below /Size",
            });
        }
        let own = startxref(&mut parser)?;
        if own != offset {
            return Err(PdfReadError::Structure {
                what: "a revision's startxref does not point to its own cross-reference section",
            });
        }
        Ok(Revision {
            start: 0,
            xref_offset: offset,
            end: parser.pos(),
            kind,
            trailer,
            entries,
            xref_stream,
        })
    }

    fn read_table(
        &self,
        parser: &mut Parser<'_>,
    ) -> Result<(Dictionary, BTreeMap<u32, Entry>), PdfReadError> {
        let offset = parser.pos();
        let bad = |what| PdfReadError::Xref { offset, what };
        parser.keyword(b"xref", "expected `xref`")?;
        let mut entries = BTreeMap::new();
        loop {
            parser.skip_white()?;
            if parser.at_keyword(b"trailer") {
                break;
            }
            let first = parser.unsigned("expected a subsection's first number")?;
            let count = parser.unsigned("expected a subsection's count")?;
            // One end of line, then 20-byte entries.
            let mut at = parser.pos();
            match (self.bytes.get(at), self.bytes.get(at + 1)) {
                (Some(b'\r'), Some(b'\n')) => at += 2,
                (Some(b'\r' | b'\n'), _) => at += 1,
                (Some(b' '), Some(b'\r' | b'\n')) => {
                    at += 2;
                    if self.bytes.get(at - 1) == Some(&b'\r') && self.bytes.get(at) == Some(&b'\n')
                    {
                        at += 1;
                    }
                }
                _ => return Err(bad("a subsection header is not followed by an end of line")),
            }
            let count = usize::try_from(count).map_err(|_| bad("subsection too long"))?;
            let rows_len = count
                .checked_mul(20)
                .filter(|&len| at + len <= self.bytes.len())
                .ok_or(bad("a subsection runs past the end of the file"))?;
            if entries.len().saturating_add(count) > self.budget.limits().max_xref_entries {
                return Err(PdfReadError::LimitExceeded {
                    limit: "cross-reference entries",
                    max: self.budget.limits().max_xref_entries,
                });
            }
            let rows = self.bytes.get(at..at + rows_len).unwrap_or_default();
            for (i, row) in rows.chunks_exact(20).enumerate() {
                let number = u64::try_from(i)
                    .ok()
                    .and_then(|i| first.checked_add(i))
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or(bad("object number too large"))?;
                let entry = table_row(row).ok_or(bad("a malformed 20-byte entry"))?;
                if entries.insert(number, entry).is_some() {
                    return Err(PdfReadError::DuplicateEntry { number, offset });
                }
            }
            parser.set_pos(at + rows_len);
        }
        parser.keyword(b"trailer", "expected `trailer`")?;
        let trailer = match parser.object(0, None)? {
            Object::Dictionary(d) => d,
            _ => return Err(bad("the trailer is not a dictionary")),
        };
        Ok((trailer, entries))
    }

    fn read_stream_section(
        &self,
        parser: &mut Parser<'_>,
    ) -> Result<(ObjRef, Dictionary, BTreeMap<u32, Entry>), PdfReadError> {
        let offset = parser.pos();
        let bad = |what| PdfReadError::Xref { offset, what };
        // The stream's own /Length must be direct: nothing can be resolved
        // before the cross-references are known.
        let no_indirect = |_| {
            Err(PdfReadError::Xref {
                offset,
                what: "a cross-reference stream's /Length is indirect",
            })
        };
        let (id, object) = parser.indirect_object(&no_indirect)?;
        let Object::Stream(stream) = object else {
            return Err(bad("neither `xref` nor a cross-reference stream"));
        };
        if stream.dict.name(b"Type") != Some(b"XRef") {
            return Err(bad("the stream is not /Type /XRef"));
        }
        let data = self.decode_counted(&stream)?;
        let widths: Vec<usize> = match stream.dict.get(b"W").and_then(Object::as_array) {
            Some(w) if w.len() == 3 => w
                .iter()
                .map(|o| {
                    o.as_i64()
                        .and_then(|n| usize::try_from(n).ok())
                        .filter(|&n| n <= 8)
                })
                .collect::<Option<_>>()
                .ok_or(bad("/W entries must be integers from 0 to 8"))?,
            _ => return Err(bad("/W is not an array of three integers")),
        };
        let row_len: usize = widths.iter().sum();
        if row_len == 0 || widths.get(1) == Some(&0) {
            return Err(bad("/W gives empty rows"));
        }
        let size = stream
            .dict
            .get(b"Size")
            .and_then(Object::as_i64)
            .ok_or(bad("no integer /Size"))?;
        let index: Vec<i64> = match stream.dict.get(b"Index") {
            None => vec![0, size],
            Some(Object::Array(items)) if items.len() % 2 == 0 && !items.is_empty() => items
                .iter()
                .map(Object::as_i64)
                .collect::<Option<_>>()
                .ok_or(bad("/Index holds a non-integer"))?,
            Some(_) => return Err(bad("/Index is not an even array of integers")),
        };
        // The rows must be exactly what /Index announces: counts are checked
        // against the decoded length before anything is built from them.
        let mut rows_wanted = 0usize;
        for pair in index.chunks_exact(2) {
            let count = pair
                .get(1)
                .and_then(|&c| usize::try_from(c).ok())
                .ok_or(bad("negative /Index count"))?;
            rows_wanted = rows_wanted
                .checked_add(count)
                .ok_or(bad("/Index too large"))?;
        }
        if rows_wanted.checked_mul(row_len) != Some(data.len()) {
            return Err(bad("/Index and /W do not match the stream's length"));
        }
        if rows_wanted > self.budget.limits().max_xref_entries {
            return Err(PdfReadError::LimitExceeded {
                limit: "cross-reference entries",
                max: self.budget.limits().max_xref_entries,
            });
        }
        let mut entries = BTreeMap::new();
        let mut rows = data.chunks_exact(row_len);
        for pair in index.chunks_exact(2) {
            let (first, count) = match pair {
                &[first, count] => (first, count),
                _ => continue,
            };
            let first = u32::try_from(first).map_err(|_| bad("negative /Index start"))?;
            for i in 0..count {
                let number = u32::try_from(i)
                    .ok()
                    .and_then(|i| first.checked_add(i))
                    .ok_or(bad("object number too large"))?;
                let row = rows.next().ok_or(bad("too few rows"))?;
                let (a, rest) = row.split_at(widths.first().copied().unwrap_or(0));
                let (b, c) = rest.split_at(widths.get(1).copied().unwrap_or(0));
                let kind = if a.is_empty() { 1 } else { be(a) };
                let (b, c) = (be(b), be(c));
                let entry = match kind {
                    0 => Entry::Free {
                        generation: u16::try_from(c).map_err(|_| bad("generation too large"))?,
                    },
                    1 => Entry::InUse {
                        offset: usize::try_from(b).map_err(|_| bad("offset too large"))?,
                        generation: u16::try_from(c).map_err(|_| bad("generation too large"))?,
                    },
                    2 => Entry::Compressed {
                        stream: u32::try_from(b)
                            .map_err(|_| bad("object stream number too large"))?,
                        index: u32::try_from(c).map_err(|_| bad("index too large"))?,
                    },
                    _ => return Err(bad("an entry of unknown type")),
                };
                if entries.insert(number, entry).is_some() {
                    return Err(PdfReadError::DuplicateEntry { number, offset });
                }
            }
        }
        Ok((id, stream.dict, entries))
    }

    /// The file.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The revisions, oldest first.
    pub fn revisions(&self) -> &[Revision] {
        &self.revisions
    }

    /// The newest revision's index.
    pub fn latest(&self) -> usize {
        self.revisions.len().saturating_sub(1)
    }

    /// Bytes after the last revision's `%%EOF` line.
    pub fn tail_len(&self) -> usize {
        self.bytes
            .len()
            .saturating_sub(self.revisions.last().map_or(0, |r| r.end))
    }

    /// Whether the bytes after the last revision are only white space.
    pub fn tail_is_white(&self) -> bool {
        self.bytes
            .get(self.bytes.len() - self.tail_len()..)
            .is_some_and(|tail| tail.iter().all(|&b| is_white(b)))
    }

    /// The entry for `number` as revision `view` sees it (its own or the
    /// newest earlier one), with the revision that wrote it.
    pub fn entry(&self, view: usize, number: u32) -> Option<(usize, Entry)> {
        self.revisions
            .get(..=view.min(self.latest()))?
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, r)| r.entries.get(&number).map(|e| (i, *e)))
    }

    /// The trailer of revision `view`.
    pub fn trailer(&self, view: usize) -> Option<&Dictionary> {
        self.revisions.get(view).map(|r| &r.trailer)
    }

    /// The object `id` as revision `view` sees it: `None` if it is free,
    /// absent or of another generation (a reference to it is `null`).
    ///
    /// # Errors
    /// [`PdfReadError`] if its entry points at something that is not that
    /// object, or it cannot be parsed within the limits.
    pub fn get(&self, view: usize, id: ObjRef) -> Result<Option<Rc<Object>>, PdfReadError> {
        self.get_inner(view, id, true)
    }

    fn get_inner(
        &self,
        view: usize,
        id: ObjRef,
        streams: bool,
    ) -> Result<Option<Rc<Object>>, PdfReadError> {
        let Some((_, entry)) = self.entry(view, id.number) else {
            return Ok(None);
        };
        if entry.generation() != id.generation {
            return Ok(None);
        }
        match entry {
            Entry::Free { .. } => Ok(None),
            Entry::InUse { offset, .. } => {
                if let Some(found) = self.objects.borrow().get(&(view, offset)) {
                    return Ok(Some(found.clone()));
                }
                let length_of = |r: ObjRef| self.length(view, r);
                let no_streams = |_| {
                    Err(PdfReadError::Structure {
                        what: "a stream's /Length refers to another stream",
                    })
                };
                let mut parser = Parser::new(self.bytes, offset, &self.budget);
                let (found, object) = if streams {
                    parser.indirect_object(&length_of)?
                } else {
                    parser.indirect_object(&no_streams)?
                };
                if found != id {
                    return Err(PdfReadError::ObjectHeaderMismatch {
                        expected: id,
                        found,
                        offset,
                    });
                }
                let object = Rc::new(object);
                self.objects
                    .borrow_mut()
                    .insert((view, offset), object.clone());
                Ok(Some(object))
            }
            Entry::Compressed { stream, index } => {
                self.compressed(view, id.number, stream, index).map(Some)
            }
        }
    }

    /// An indirect stream /Length: a plain integer object.
    fn length(&self, view: usize, id: ObjRef) -> Result<i64, PdfReadError> {
        match self.get_inner(view, id, false)?.as_deref() {
            Some(Object::Integer(n)) => Ok(*n),
            _ => Err(PdfReadError::Structure {
                what: "a stream's indirect /Length is not an integer",
            }),
        }
    }

    /// Object `number` at `index` in object stream `stream`.
    fn compressed(
        &self,
        view: usize,
        number: u32,
        stream: u32,
        index: u32,
    ) -> Result<Rc<Object>, PdfReadError> {
        let bad = |what| PdfReadError::ObjectStream {
            number: stream,
            what,
        };
        let Some((_, Entry::InUse { offset, .. })) = self.entry(view, stream) else {
            return Err(bad("the object stream is not stored plainly"));
        };
        let contents = self.object_stream(view, stream, offset)?;
        let (data, headers, first) = &*contents;
        let &(header_number, at) = headers
            .get(usize::try_from(index).unwrap_or(usize::MAX))
            .ok_or(bad("index past the stream's objects"))?;
        if header_number != number {
            return Err(PdfReadError::ObjectHeaderMismatch {
                expected: ObjRef {
                    number,
                    generation: 0,
                },
                found: ObjRef {
                    number: header_number,
                    generation: 0,
                },
                offset,
            });
        }
        let key = (view, offset, index);
        if let Some(found) = self.compressed.borrow().get(&key) {
            return Ok(found.clone());
        }
        let start = first.checked_add(at).ok_or(bad("offset too large"))?;
        let mut parser = Parser::in_object_stream(data, start, &self.budget, 0);
        let object = Rc::new(parser.object(0, None)?);
        self.compressed.borrow_mut().insert(key, object.clone());
        Ok(object)
    }

    fn object_stream(
        &self,
        view: usize,
        number: u32,
        offset: usize,
    ) -> Result<ObjectStreamContents, PdfReadError> {
        if let Some(found) = self.object_streams.borrow().get(&(view, offset)) {
            return Ok(found.clone());
        }
        let object = self
            .get(
                view,
                ObjRef {
                    number,
                    generation: 0,
                },
            )?
            .ok_or(PdfReadError::ObjectStream {
                number,
                what: "missing",
            })?;
        let stream = object.as_stream().ok_or(PdfReadError::ObjectStream {
            number,
            what: "not a stream",
        })?;
        self.object_stream_of(view, number, offset, stream)
    }

    fn object_stream_of(
        &self,
        view: usize,
        number: u32,
        offset: usize,
        stream: &Stream,
    ) -> Result<ObjectStreamContents, PdfReadError> {
        if let Some(found) = self.object_streams.borrow().get(&(view, offset)) {
            return Ok(found.clone());
        }
        let bad = |what| PdfReadError::ObjectStream { number, what };
        if stream.dict.name(b"Type") != Some(b"ObjStm") {
            return Err(bad("not /Type /ObjStm"));
        }
        let count = stream
            .dict
            .get(b"N")
            .and_then(Object::as_i64)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or(bad("no /N"))?;
        let first = stream
            .dict
            .get(b"First")
            .and_then(Object::as_i64)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or(bad("no /First"))?;
        let data = self.decode_counted(stream)?;
        if first > data.len() || count > data.len() / 2 + 1 {
            return Err(bad("/N or /First do not fit the data"));
        }
        let mut parser = Parser::in_object_stream(&data, 0, &self.budget, 0);
        let mut headers = Vec::with_capacity(count);
        let mut numbers = std::collections::HashSet::new();
        for _ in 0..count {
            let n = parser.unsigned("expected an object number")?;
            let at = parser.unsigned("expected an offset")?;
            let n = u32::try_from(n).map_err(|_| bad("object number too large"))?;
            if !numbers.insert(n) {
                return Err(bad("an object number appears twice"));
            }
            let at = usize::try_from(at).map_err(|_| bad("offset too large"))?;
            if first.checked_add(at).is_none_or(|end| end > data.len()) {
                return Err(bad("an offset past the data"));
            }
            headers.push((n, at));
        }
        if parser.pos() > first {
            return Err(bad("the header runs past /First"));
        }
        let contents = Rc::new((data, headers, first));
        self.object_streams
            .borrow_mut()
            .insert((view, offset), contents.clone());
        Ok(contents)
    }

    /// The object `object` is, or refers to (following at most a few
    /// references), as revision `view` sees it. A reference to nothing is
    /// `null`.
    ///
    /// # Errors
    /// As [`Document::get`].
    pub fn resolve(&self, view: usize, object: &Object) -> Result<Rc<Object>, PdfReadError> {
        let mut current = match object {
            Object::Reference(r) => *r,
            other => return Ok(Rc::new(other.clone())),
        };
        for _ in 0..8 {
            match self.get(view, current)? {
                None => return Ok(Rc::new(Object::Null)),
                Some(found) => match &*found {
                    Object::Reference(next) => current = *next,
                    _ => return Ok(found),
                },
            }
        }
        Err(PdfReadError::Structure {
            what: "a chain of references too long",
        })
    }

    /// The dictionary at `key` of `dict`, resolved.
    ///
    /// # Errors
    /// As [`Document::get`].
    pub fn dict_at(
        &self,
        view: usize,
        dict: &Dictionary,
        key: &[u8],
    ) -> Result<Option<Rc<Object>>, PdfReadError> {
        match dict.get(key) {
            None => Ok(None),
            Some(value) => {
                let found = self.resolve(view, value)?;
                Ok(found.as_dict().is_some().then_some(found))
            }
        }
    }

    /// The catalog (`/Root`) as revision `view` sees it.
    ///
    /// # Errors
    /// [`PdfReadError::Structure`] if there is none.
    pub fn catalog(&self, view: usize) -> Result<Rc<Object>, PdfReadError> {
        let root = self
            .trailer(view)
            .and_then(|t| t.get(b"Root"))
            .and_then(Object::as_reference)
            .ok_or(PdfReadError::Structure {
                what: "the trailer has no /Root reference",
            })?;
        let catalog = self.get(view, root)?.ok_or(PdfReadError::Structure {
            what: "/Root refers to no object",
        })?;
        if catalog.as_dict().is_none() {
            return Err(PdfReadError::Structure {
                what: "/Root is not a dictionary",
            });
        }
        Ok(catalog)
    }

    /// A stream's encoded bytes.
    pub fn raw_data(&self, stream: &Stream) -> &'a [u8] {
        self.bytes.get(stream.data.clone()).unwrap_or_default()
    }

    /// A stream's decoded bytes, counted against the document's limits.
    ///
    /// # Errors
    /// [`PdfReadError::Filter`], [`PdfReadError::Decode`] or
    /// [`PdfReadError::LimitExceeded`].
    pub fn decode(&self, stream: &Stream) -> Result<Vec<u8>, PdfReadError> {
        self.decode_counted(stream)
    }

    /// [`Document::decode`] to at most `max` bytes.
    ///
    /// # Errors
    /// As [`Document::decode`].
    pub fn decode_limited(&self, stream: &Stream, max: usize) -> Result<Vec<u8>, PdfReadError> {
        let data = decode(
            &stream.dict,
            self.raw_data(stream),
            self.budget.decode_allowance().min(max),
        )?;
        self.budget.decoded(data.len())?;
        Ok(data)
    }

    fn decode_counted(&self, stream: &Stream) -> Result<Vec<u8>, PdfReadError> {
        let data = decode(
            &stream.dict,
            self.raw_data(stream),
            self.budget.decode_allowance(),
        )?;
        self.budget.decoded(data.len())?;
        Ok(data)
    }

    /// Reads revision `index`'s body in order, from its start to its
    /// cross-reference section: nothing but indirect objects (and white
    /// space and comments) may stand there. Objects in object streams are
    /// listed after the stream.
    ///
    /// # Errors
    /// [`PdfReadError`] if anything in the body is not a well-formed object.
    pub fn body(&self, index: usize) -> Result<Vec<BodyObject>, PdfReadError> {
        let revision = self.revisions.get(index).ok_or(PdfReadError::Structure {
            what: "no such revision",
        })?;
        let mut parser = Parser::new(self.bytes, revision.start, &self.budget);
        if index == 0 {
            // The header line `%PDF-x.y` and the binary comment are comments.
            parser.set_pos(0);
        }
        let mut found = Vec::new();
        let mut seen = std::collections::HashSet::new();
        loop {
            parser.skip_white()?;
            let at = parser.pos();
            if at >= revision.xref_offset {
                if at > revision.xref_offset {
                    return Err(PdfReadError::Structure {
                        what: "an object overlaps the cross-reference section",
                    });
                }
                break;
            }
            let length_of = |r: ObjRef| self.length(index, r);
            let (id, object) = parser.indirect_object(&length_of)?;
            if !seen.insert(id.number) {
                return Err(PdfReadError::DuplicateObject {
                    number: id.number,
                    offset: at,
                });
            }
            let object = Rc::new(object);
            self.objects
                .borrow_mut()
                .entry((index, at))
                .or_insert_with(|| object.clone());
            let objects_inside = match &*object {
                Object::Stream(s) if s.dict.name(b"Type") == Some(b"ObjStm") => {
                    Some(self.object_stream_of(index, id.number, at, s)?)
                }
                _ => None,
            };
            found.push(BodyObject {
                id,
                offset: at,
                in_stream: None,
                object,
            });
            if let Some(contents) = objects_inside {
                let (data, headers, first) = &*contents;
                for &(number, rel) in headers {
                    let mut inner =
                        Parser::in_object_stream(data, first.saturating_add(rel), &self.budget, 0);
                    let object = inner.object(0, None)?;
                    found.push(BodyObject {
                        id: ObjRef {
                            number,
                            generation: 0,
                        },
                        offset: at,
                        in_stream: Some(id.number),
                        object: Rc::new(object),
                    });
                }
            }
        }
        Ok(found)
    }
}

impl Document<'_> {
    /// Reads every revision's body ([`Document::body`]) and checks that the
    /// cross-references describe exactly those objects: every entry in use
    /// points at the start of an object of its number and generation, in
    /// its revision or an earlier one, and every compressed entry at an
    /// object stream that holds that number. No entry points into another
    /// object (aliasing), and no object goes unread.
    ///
    /// # Errors
    /// [`PdfReadError::EntryMismatch`], or what reading a body found.
    pub fn bodies(&self) -> Result<Vec<Vec<BodyObject>>, PdfReadError> {
        let all = (0..self.revisions.len())
            .map(|i| self.body(i))
            .collect::<Result<Vec<_>, _>>()?;
        let mut starts: HashMap<usize, ObjRef> = HashMap::new();
        let mut in_streams = std::collections::HashSet::new();
        for (i, objects) in all.iter().enumerate() {
            for object in objects {
                match object.in_stream {
                    None => {
                        starts.insert(object.offset, object.id);
                    }
                    Some(stream) => {
                        in_streams.insert((i, stream, object.id.number));
                    }
                }
            }
            if let Some(revision) = self.revisions.get(i)
                && let Some(id) = revision.xref_stream
            {
                starts.insert(revision.xref_offset, id);
            }
        }
        for (i, revision) in self.revisions.iter().enumerate() {
            for (&number, &entry) in &revision.entries {
                let fits = match entry {
                    Entry::Free { .. } => true,
                    Entry::InUse { offset, generation } => {
                        offset < revision.end
                            && starts.get(&offset) == Some(&ObjRef { number, generation })
                    }
                    Entry::Compressed { stream, .. } => {
                        (0..=i).any(|r| in_streams.contains(&(r, stream, number)))
                    }
                };
                if !fits {
                    return Err(PdfReadError::EntryMismatch {
                        number,
                        revision: i,
                    });
                }
            }
        }
        Ok(all)
    }
}

/// `startxref` N `%%EOF` and its end of line; the cursor is left after it.
fn startxref(parser: &mut Parser<'_>) -> Result<usize, PdfReadError> {
    parser.keyword(b"startxref", "expected `startxref`")?;
    let offset = parser.unsigned("expected the cross-reference offset")?;
    // `%%EOF` is a comment to the lexer: match it by hand.
    let mut at = parser.pos();
    let bytes = parser.bytes();
    while bytes.get(at).copied().is_some_and(is_white) {
        at += 1;
    }
    if bytes.get(at..at + 5) != Some(b"%%EOF".as_slice()) {
        return Err(PdfReadError::Structure {
            what: "startxref is not followed by %%EOF",
        });
    }
    at += 5;
    match (bytes.get(at), bytes.get(at + 1)) {
        (Some(b'\r'), Some(b'\n')) => at += 2,
        (Some(b'\r' | b'\n'), _) => at += 1,
        _ => {}
    }
    parser.set_pos(at);
    usize::try_from(offset).map_err(|_| PdfReadError::Structure {
        what: "startxref offset too large",
    })
}

/// A classic 20-byte entry: `oooooooooo ggggg n` and a two-byte end of line.
fn table_row(row: &[u8]) -> Option<Entry> {
    let digits = |range: std::ops::Range<usize>| -> Option<u64> {
        let field = row.get(range)?;
        if !field.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(field).ok()?.parse().ok()
    };
    let first = digits(0..10)?;
    let generation = u16::try_from(digits(11..16)?).ok()?;
    if row.get(10) != Some(&b' ') || row.get(16) != Some(&b' ') {
        return None;
    }
    if !matches!(row.get(18..20)?, b" \r" | b" \n" | b"\r\n") {
        return None;
    }
    match row.get(17)? {
        b'n' => Some(Entry::InUse {
            offset: usize::try_from(first).ok()?,
            generation,
        }),
        b'f' => Some(Entry::Free { generation }),
        _ => None,
    }
}

/// A big-endian unsigned field of at most 8 bytes.
fn be(field: &[u8]) -> u64 {
    field.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b))
}
