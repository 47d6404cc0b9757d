//! One strict, bounded PDF reader for everything that reads a PDF: taking
//! the envelope out of a licence PDF, checking seals, and sealing.
//!
//! General PDF parsers are lenient by design: they repair broken
//! cross-references, skip free entries, trust an object's own header over
//! its entry, and let a later section shadow an earlier one in ways that
//! differ from reader to reader. Each leniency is a way to make a checker
//! read one document while a viewer draws another, with every signature
//! still valid (the "shadow" and "incremental saving" attacks on PDF
//! signatures). This reader does none of it:
//!
//! - each revision is found by its own `startxref … %%EOF`, `/Prev` must
//!   point backwards (no loops), and revisions tile the file;
//! - free entries are honoured; an entry's object number and generation are
//!   checked against the object's header; a section lists a number once;
//! - hybrid-reference files (`/XRefStm`) and encrypted files are refused;
//! - a dictionary may not repeat a key; `/Length` must end at `endstream`;
//! - [`Document::bodies`] reads every revision front to back and refuses
//!   bytes that are not objects and entries that point anywhere but at the
//!   start of their object.
//!
//! Every read is bounded ([`Limits`]): file size, revisions, entries,
//! nesting, objects built, bytes lexed, and bytes decoded per stream and in
//! total, so no input costs more than a fixed amount of time and memory.

mod decode;
mod document;
mod object;
mod parse;

use thiserror::Error;

pub use document::{BodyObject, Document, Entry, Revision, XrefKind};
pub use object::{Dictionary, ObjRef, Object, Stream};

use crate::envelope::MAX_ENVELOPE_LEN;

/// Largest PDF read.
pub const MAX_PDF_LEN: usize = 16 * 1024 * 1024;

/// Name of the embedded file that carries the envelope.
pub const ENVELOPE_FILE_NAME: &str = "licence.cose";

/// What one document may cost. The defaults keep any input of up to
/// [`MAX_PDF_LEN`] under 256 MiB of memory.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest file.
    pub max_file_len: usize,
    /// Most revisions (the original and its incremental updates).
    pub max_revisions: usize,
    /// Most cross-reference entries, all revisions together.
    pub max_xref_entries: usize,
    /// Largest `/Size`.
    pub max_object_number: u32,
    /// Deepest nesting of arrays and dictionaries.
    pub max_depth: usize,
    /// Most bytes one stream may decode to.
    pub max_stream_decoded: usize,
    /// Most bytes all streams together may decode to.
    pub max_total_decoded: usize,
    /// Most bytes lexed, all parses together (an object read in several
    /// revisions' views counts each time).
    pub max_parse_bytes: usize,
    /// Most objects built (every nested value counts).
    pub max_parsed_objects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_len: MAX_PDF_LEN,
            max_revisions: 64,
            max_xref_entries: 200_000,
            max_object_number: 1_000_000,
            max_depth: 32,
            max_stream_decoded: 16 * 1024 * 1024,
            max_total_decoded: 32 * 1024 * 1024,
            max_parse_bytes: 64 * 1024 * 1024,
            max_parsed_objects: 1_000_000,
        }
    }
}

/// Why a PDF cannot be read. Each has a stable [`code`](Self::code).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PdfReadError {
    /// Larger than [`Limits::max_file_len`].
    #[error("PDF is {len} bytes, more than {max}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Does not start with `%PDF-`.
    #[error("not a PDF (no %PDF- header at the start)")]
    NotPdf,
    /// No `startxref` near the end.
    #[error("no startxref in the last 1024 bytes")]
    NoStartxref,
    /// Bytes that are not the PDF syntax expected there.
    #[error("syntax error at byte {offset}: {what}")]
    Syntax {
        /// Where.
        offset: usize,
        /// What was expected.
        what: &'static str,
    },
    /// A cross-reference section that is not well formed.
    #[error("cross-reference section at byte {offset}: {what}")]
    Xref {
        /// Where the section starts.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// A section lists one object number twice.
    #[error("the cross-reference section at byte {offset} lists object {number} twice")]
    DuplicateEntry {
        /// The number.
        number: u32,
        /// Where the section starts.
        offset: usize,
    },
    /// One revision's body defines an object number twice.
    #[error("object {number} is defined twice in one revision (again at byte {offset})")]
    DuplicateObject {
        /// The number.
        number: u32,
        /// Where the second definition starts.
        offset: usize,
    },
    /// An entry points at an object with another number or generation.
    #[error("the entry for {expected} points at byte {offset}, where object {found} is")]
    ObjectHeaderMismatch {
        /// What the entry names.
        expected: ObjRef,
        /// What the header there says.
        found: ObjRef,
        /// Where.
        offset: usize,
    },
    /// An entry that does not point at the start of its object as the
    /// bodies were read.
    #[error("revision {revision}'s entry for object {number} is not an object in the file")]
    EntryMismatch {
        /// The object number.
        number: u32,
        /// The revision (from 0).
        revision: usize,
    },
    /// An object stream that cannot be used.
    #[error("object stream {number}: {what}")]
    ObjectStream {
        /// Its number.
        number: u32,
        /// What is wrong.
        what: &'static str,
    },
    /// A hybrid-reference file: a classic section with an `/XRefStm`.
    /// Readers disagree on which of the two wins, so it is refused.
    #[error("hybrid-reference section at byte {offset} (/XRefStm) is not read")]
    HybridReference {
        /// Where the section starts.
        offset: usize,
    },
    /// An encrypted file.
    #[error("the PDF is encrypted")]
    Encrypted,
    /// Revisions that do not fit together.
    #[error("revision structure: {what}")]
    Structure {
        /// What is wrong.
        what: &'static str,
    },
    /// A filter or its parameters that are not read.
    #[error("unsupported stream encoding: {what}")]
    Filter {
        /// What.
        what: &'static str,
    },
    /// Stream data that does not decode.
    #[error("stream data does not decode: {what}")]
    Decode {
        /// Why.
        what: &'static str,
    },
    /// A [`Limits`] bound reached.
    #[error("limit reached: {limit} (at most {max})")]
    LimitExceeded {
        /// Which.
        limit: &'static str,
        /// Its value.
        max: usize,
    },
}

impl PdfReadError {
    /// A stable code for logs and the command line.
    pub fn code(&self) -> &'static str {
        match self {
            PdfReadError::TooLarge { .. } => "pdf_too_large",
            PdfReadError::NotPdf => "not_pdf",
            PdfReadError::NoStartxref => "no_startxref",
            PdfReadError::Syntax { .. } => "pdf_syntax",
            PdfReadError::Xref { .. } => "bad_xref",
            PdfReadError::DuplicateEntry { .. } => "duplicate_xref_entry",
            PdfReadError::DuplicateObject { .. } => "duplicate_object",
            PdfReadError::ObjectHeaderMismatch { .. } => "object_header_mismatch",
            PdfReadError::EntryMismatch { .. } => "xref_entry_mismatch",
            PdfReadError::ObjectStream { .. } => "bad_object_stream",
            PdfReadError::HybridReference { .. } => "hybrid_reference",
            PdfReadError::Encrypted => "encrypted",
            PdfReadError::Structure { .. } => "bad_revision_structure",
            PdfReadError::Filter { .. } => "unsupported_filter",
            PdfReadError::Decode { .. } => "undecodable_stream",
            PdfReadError::LimitExceeded { .. } => "pdf_limit_exceeded",
        }
    }
}

/// Why the envelope could not be taken from a PDF.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PdfError {
    /// Not a PDF the strict reader accepts.
    #[error("not a readable PDF: {0}")]
    Read(#[from] PdfReadError),
    /// The PDF has no embedded file named [`ENVELOPE_FILE_NAME`].
    #[error("the PDF carries no embedded {ENVELOPE_FILE_NAME}")]
    NoEnvelope,
    /// The embedded file is there but its structure is broken.
    #[error("the embedded {ENVELOPE_FILE_NAME} is malformed: {0}")]
    Malformed(&'static str),
    /// The embedded file is larger than any envelope.
    #[error("the embedded {ENVELOPE_FILE_NAME} is more than {MAX_ENVELOPE_LEN} bytes")]
    EnvelopeTooLarge,
}

impl PdfError {
    /// A stable code for logs and the command line.
    pub fn code(&self) -> &'static str {
        match self {
            PdfError::Read(e) => e.code(),
            PdfError::NoEnvelope => "no_envelope",
            PdfError::Malformed(_) => "malformed_envelope_attachment",
            PdfError::EnvelopeTooLarge => "envelope_too_large",
        }
    }
}

/// Takes the envelope bytes out of a licence PDF (the embedded file
/// [`ENVELOPE_FILE_NAME`], as the renderer attaches it). The bytes still
/// have to be verified: this only finds them.
///
/// # Errors
/// [`PdfError`] if the file is not a readable PDF or carries no envelope.
pub fn envelope_from_pdf(pdf: &[u8]) -> Result<Vec<u8>, PdfError> {
    let doc = Document::read(pdf)?;
    envelope_in(&doc, doc.latest())
}

/// The envelope as revision `view` of `doc` has it.
pub(crate) fn envelope_in(doc: &Document<'_>, view: usize) -> Result<Vec<u8>, PdfError> {
    let catalog = doc.catalog(view)?;
    let catalog = catalog.as_dict().ok_or(PdfError::NoEnvelope)?;
    let names = doc
        .dict_at(view, catalog, b"Names")?
        .ok_or(PdfError::NoEnvelope)?;
    let files = doc
        .dict_at(
            view,
            names.as_dict().ok_or(PdfError::NoEnvelope)?,
            b"EmbeddedFiles",
        )?
        .ok_or(PdfError::NoEnvelope)?;
    let files = files.as_dict().ok_or(PdfError::NoEnvelope)?;
    // Only a flat name tree is read: that is what the renderer writes, and
    // one name must map to one file (a second entry of the same name is
    // refused, not chosen between).
    if files.has(b"Kids") {
        return Err(PdfError::Malformed("the embedded-file name tree has /Kids"));
    }
    let entries = match files.get(b"Names") {
        Some(value) => doc.resolve(view, value)?,
        None => return Err(PdfError::NoEnvelope),
    };
    let entries = entries.as_array().ok_or(PdfError::NoEnvelope)?;
    if entries.len() % 2 != 0 {
        return Err(PdfError::Malformed("the name tree's /Names is odd"));
    }
    let mut specs = entries.chunks_exact(2).filter_map(|pair| match pair {
        [Object::String(name), spec] if name.as_slice() == ENVELOPE_FILE_NAME.as_bytes() => {
            Some(spec)
        }
        _ => None,
    });
    let spec = specs.next().ok_or(PdfError::NoEnvelope)?;
    if specs.next().is_some() {
        return Err(PdfError::Malformed("two embedded files of that name"));
    }
    let spec = doc.resolve(view, spec)?;
    let spec = spec.as_dict().ok_or(PdfError::Malformed(
        "file specification is not a dictionary",
    ))?;
    let ef = doc
        .dict_at(view, spec, b"EF")?
        .ok_or(PdfError::Malformed("no /EF"))?;
    let file = match ef.as_dict().and_then(|d| d.get(b"F")) {
        Some(value) => doc.resolve(view, value)?,
        None => return Err(PdfError::Malformed("no /EF /F")),
    };
    let stream = file
        .as_stream()
        .ok_or(PdfError::Malformed("/EF /F is not a stream"))?;
    if doc.raw_data(stream).len() > MAX_ENVELOPE_LEN && !stream.dict.has(b"Filter") {
        return Err(PdfError::EnvelopeTooLarge);
    }
    let bytes = doc
        .decode_limited(stream, MAX_ENVELOPE_LEN)
        .map_err(|e| match e {
            PdfReadError::LimitExceeded { .. } => PdfError::EnvelopeTooLarge,
            _ => PdfError::Malformed("the embedded file does not decode"),
        })?;
    if bytes.len() > MAX_ENVELOPE_LEN {
        return Err(PdfError::EnvelopeTooLarge);
    }
    Ok(bytes)
}

/// A PDF text string: UTF-16BE after a byte order mark, else (for names we
/// only display) bytes as Latin-1.
pub fn text_from_pdf(bytes: &[u8]) -> String {
    match bytes {
        [0xFE, 0xFF, rest @ ..] => char::decode_utf16(rest.chunks_exact(2).map(|pair| {
            u16::from_be_bytes([
                pair.first().copied().unwrap_or(0),
                pair.get(1).copied().unwrap_or(0),
            ])
        }))
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        _ => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

#[cfg(test)]
mod tests;
