//! The object syntax (ISO 32000-1 §7.2, §7.3), parsed strictly: every token
//! is one the standard defines, a dictionary repeats no key, and nesting,
//! names and the work spent are bounded.

use std::cell::Cell;

use super::object::{Dictionary, ObjRef, Object, Stream};
use super::{Limits, PdfReadError};

/// The work budget of one document: every byte lexed and every object
/// built counts, so that no input, however its cross-references point into
/// it, costs more than the limits allow.
#[derive(Debug)]
pub(crate) struct Budget {
    limits: Limits,
    lexed: Cell<usize>,
    objects: Cell<usize>,
    decoded: Cell<usize>,
}

impl Budget {
    pub(crate) fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            lexed: Cell::new(0),
            objects: Cell::new(0),
            decoded: Cell::new(0),
        }
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    fn lex(&self, bytes: usize) -> Result<(), PdfReadError> {
        let total = self.lexed.get().saturating_add(bytes);
        self.lexed.set(total);
        if total > self.limits.max_parse_bytes {
            return Err(PdfReadError::LimitExceeded {
                limit: "bytes parsed",
                max: self.limits.max_parse_bytes,
            });
        }
        Ok(())
    }

    fn object(&self) -> Result<(), PdfReadError> {
        let total = self.objects.get().saturating_add(1);
        self.objects.set(total);
        if total > self.limits.max_parsed_objects {
            return Err(PdfReadError::LimitExceeded {
                limit: "objects parsed",
                max: self.limits.max_parsed_objects,
            });
        }
        Ok(())
    }

    /// Reserves room for decoded stream bytes; returns how many one stream
    /// may still decode to.
    pub(crate) fn decode_allowance(&self) -> usize {
        self.limits.max_stream_decoded.min(
            self.limits
                .max_total_decoded
                .saturating_sub(self.decoded.get()),
        )
    }

    pub(crate) fn decoded(&self, bytes: usize) -> Result<(), PdfReadError> {
        let total = self.decoded.get().saturating_add(bytes);
        self.decoded.set(total);
        if total > self.limits.max_total_decoded {
            return Err(PdfReadError::LimitExceeded {
                limit: "bytes decoded in total",
                max: self.limits.max_total_decoded,
            });
        }
        Ok(())
    }
}

pub(crate) fn is_white(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delimiter(b)
}

/// Longest name accepted (ISO 32000-1 Annex C's limit for names).
const MAX_NAME_LEN: usize = 127;

/// A cursor over one buffer: the file, or a decoded object stream.
pub(crate) struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    budget: &'a Budget,
    /// Added to positions in errors and stream ranges: where `bytes` starts
    /// in the file (0 for the file itself).
    base: usize,
    /// Whether `stream` may follow a dictionary (not inside object streams).
    streams_allowed: bool,
}

/// What resolves an indirect `/Length` while a stream is parsed.
pub(crate) type LengthOf<'l> = &'l dyn Fn(ObjRef) -> Result<i64, PdfReadError>;

impl<'a> Parser<'a> {
    pub(crate) fn new(bytes: &'a [u8], pos: usize, budget: &'a Budget) -> Parser<'a> {
        Parser {
            bytes,
            pos,
            budget,
            base: 0,
            streams_allowed: true,
        }
    }

    /// A parser over a decoded object stream, which holds no streams.
    pub(crate) fn in_object_stream(
        bytes: &'a [u8],
        pos: usize,
        budget: &'a Budget,
        base: usize,
    ) -> Parser<'a> {
        Parser {
            bytes,
            pos,
            budget,
            base,
            streams_allowed: false,
        }
    }

    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub(crate) fn error(&self, what: &'static str) -> PdfReadError {
        PdfReadError::Syntax {
            offset: self.base + self.pos,
            what,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn advance(&mut self, n: usize) -> Result<(), PdfReadError> {
        self.budget.lex(n)?;
        self.pos = self.pos.saturating_add(n);
        Ok(())
    }

    /// Skips white space and comments.
    pub(crate) fn skip_white(&mut self) -> Result<(), PdfReadError> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
        self.budget.lex(self.pos - start)
    }

    /// Whether the bytes at the cursor are exactly `word`, followed by a
    /// delimiter, white space or the end.
    pub(crate) fn at_keyword(&self, word: &[u8]) -> bool {
        self.bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(word))
            && self
                .bytes
                .get(self.pos + word.len())
                .is_none_or(|&b| !is_regular(b))
    }

    /// Skips white space, then expects `word`.
    pub(crate) fn keyword(&mut self, word: &[u8], what: &'static str) -> Result<(), PdfReadError> {
        self.skip_white()?;
        if !self.at_keyword(word) {
            return Err(self.error(what));
        }
        self.advance(word.len())
    }

    /// Skips white space, then reads an unsigned integer.
    pub(crate) fn unsigned(&mut self, what: &'static str) -> Result<u64, PdfReadError> {
        self.skip_white()?;
        let start = self.pos;
        let mut value: u64 = 0;
        while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b - b'0')))
                .ok_or_else(|| self.error("integer too large"))?;
            self.pos += 1;
        }
        if self.pos == start || self.peek().is_some_and(is_regular) {
            self.pos = start;
            return Err(self.error(what));
        }
        self.budget.lex(self.pos - start)?;
        Ok(value)
    }

    /// An indirect object's header `N G obj` and the object, and `endobj`.
    /// Returns the header's reference and the object.
    pub(crate) fn indirect_object(
        &mut self,
        length_of: LengthOf<'_>,
    ) -> Result<(ObjRef, Object), PdfReadError> {
        let number = self.unsigned("expected an object number")?;
        let generation = self.unsigned("expected a generation number")?;
        let id = ObjRef {
            number: u32::try_from(number).map_err(|_| self.error("object number too large"))?,
            generation: u16::try_from(generation)
                .map_err(|_| self.error("generation number too large"))?,
        };
        self.keyword(b"obj", "expected `obj`")?;
        let object = self.object(0, Some(length_of))?;
        self.keyword(b"endobj", "expected `endobj`")?;
        Ok((id, object))
    }

    /// One object. `length_of` is given at the top level of an indirect
    /// object, where a stream may follow a dictionary.
    pub(crate) fn object(
        &mut self,
        depth: usize,
        length_of: Option<LengthOf<'_>>,
    ) -> Result<Object, PdfReadError> {
        if depth > self.budget.limits().max_depth {
            return Err(PdfReadError::LimitExceeded {
                limit: "nesting depth",
                max: self.budget.limits().max_depth,
            });
        }
        self.budget.object()?;
        self.skip_white()?;
        let Some(b) = self.peek() else {
            return Err(self.error("unexpected end of data"));
        };
        match b {
            b'/' => Ok(Object::Name(self.name()?)),
            b'(' => Ok(Object::String(self.literal_string()?)),
            b'<' if self.bytes.get(self.pos + 1) == Some(&b'<') => {
                let dict = self.dictionary(depth)?;
                match length_of {
                    Some(length_of) => self.maybe_stream(dict, length_of),
                    None => Ok(Object::Dictionary(dict)),
                }
            }
            b'<' => Ok(Object::String(self.hex_string()?)),
            b'[' => {
                self.advance(1)?;
                let mut items = Vec::new();
                loop {
                    self.skip_white()?;
                    if self.peek() == Some(b']') {
                        self.advance(1)?;
                        return Ok(Object::Array(items));
                    }
                    items.push(self.object(depth + 1, None)?);
                }
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number_or_reference(),
            _ if self.at_keyword(b"true") => self.advance(4).map(|()| Object::Bool(true)),
            _ if self.at_keyword(b"false") => self.advance(5).map(|()| Object::Bool(false)),
            _ if self.at_keyword(b"null") => self.advance(4).map(|()| Object::Null),
            _ => Err(self.error("not an object")),
        }
    }

    fn dictionary(&mut self, depth: usize) -> Result<Dictionary, PdfReadError> {
        self.advance(2)?;
        let mut dict = Dictionary::default();
        loop {
            self.skip_white()?;
            match self.peek() {
                Some(b'>') if self.bytes.get(self.pos + 1) == Some(&b'>') => {
                    self.advance(2)?;
                    return Ok(dict);
                }
                Some(b'/') => {
                    let key = self.name()?;
                    if dict.has(&key) {
                        return Err(self.error("a dictionary repeats a key"));
                    }
                    let value = self.object(depth + 1, None)?;
                    dict.entries.push((key, value));
                }
                _ => return Err(self.error("expected a name as dictionary key")),
            }
        }
    }

    /// After a top-level dictionary: `stream` EOL data `endstream`, if there.
    fn maybe_stream(
        &mut self,
        dict: Dictionary,
        length_of: LengthOf<'_>,
    ) -> Result<Object, PdfReadError> {
        let after_dict = self.pos;
        self.skip_white()?;
        if !self.at_keyword(b"stream") {
            self.pos = after_dict;
            return Ok(Object::Dictionary(dict));
        }
        if !self.streams_allowed {
            return Err(self.error("a stream inside an object stream"));
        }
        self.advance(6)?;
        // ISO 32000-1 §7.3.8.1: `stream` is followed by CRLF or LF, not CR alone.
        match (self.peek(), self.bytes.get(self.pos + 1)) {
            (Some(b'\r'), Some(b'\n')) => self.advance(2)?,
            (Some(b'\n'), _) => self.advance(1)?,
            _ => return Err(self.error("`stream` not followed by CRLF or LF")),
        }
        let length = match dict.get(b"Length") {
            Some(Object::Integer(n)) => *n,
            Some(Object::Reference(r)) => length_of(*r)?,
            _ => return Err(self.error("stream without an integer /Length")),
        };
        let length = usize::try_from(length).map_err(|_| self.error("negative /Length"))?;
        let start = self.pos;
        let end = start
            .checked_add(length)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| self.error("/Length runs past the end of the file"))?;
        // Data is not lexed, only skipped: the budget counts it once here.
        self.advance(length)?;
        match (self.peek(), self.bytes.get(self.pos + 1)) {
            (Some(b'\r'), Some(b'\n')) => self.pos += 2,
            (Some(b'\r' | b'\n'), _) => self.pos += 1,
            _ => {}
        }
        if !self.at_keyword(b"endstream") {
            return Err(self.error("/Length does not end at `endstream`"));
        }
        self.advance(9)?;
        Ok(Object::Stream(Stream {
            dict,
            data: self.base + start..self.base + end,
        }))
    }

    fn name(&mut self) -> Result<Vec<u8>, PdfReadError> {
        self.advance(1)?;
        let mut name = Vec::new();
        while let Some(b) = self.peek().filter(|&b| is_regular(b)) {
            if b == b'#' {
                let hex = self
                    .bytes
                    .get(self.pos + 1..self.pos + 3)
                    .and_then(|h| match h {
                        &[hi, lo] => Some(hex_value(hi)? * 16 + hex_value(lo)?),
                        _ => None,
                    })
                    .filter(|&v| v != 0)
                    .ok_or_else(|| self.error("bad #xx escape in a name"))?;
                name.push(hex);
                self.advance(3)?;
            } else {
                name.push(b);
                self.advance(1)?;
            }
            if name.len() > MAX_NAME_LEN {
                return Err(self.error("name too long"));
            }
        }
        Ok(name)
    }

    fn literal_string(&mut self) -> Result<Vec<u8>, PdfReadError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        let mut depth = 0usize;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' if depth == 0 => break,
                b')' => {
                    depth -= 1;
                    out.push(b);
                }
                b'\r' => {
                    // An unescaped end of line is a line feed, however written.
                    if self.peek() == Some(b'\n') {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                }
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'(' | b')' | b'\\' => out.push(e),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut value = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        value = value * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            // High-order overflow is ignored (§7.3.4.2).
                            out.push((value & 0xFF) as u8);
                        }
                        // An unknown escape: the backslash is ignored.
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
        self.budget.lex(self.pos - start)?;
        Ok(out)
    }

    fn hex_string(&mut self) -> Result<Vec<u8>, PdfReadError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error("unterminated hex string"));
            };
            self.pos += 1;
            if b == b'>' {
                break;
            }
            if is_white(b) {
                continue;
            }
            let v = hex_value(b).ok_or_else(|| self.error("bad digit in a hex string"))?;
            match high.take() {
                Some(h) => out.push(h * 16 + v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            out.push(h * 16);
        }
        self.budget.lex(self.pos - start)?;
        Ok(out)
    }

    fn number_or_reference(&mut self) -> Result<Object, PdfReadError> {
        let start = self.pos;
        let number = self.number()?;
        let Object::Integer(first) = number else {
            return Ok(number);
        };
        // `N G R`: look ahead for a second unsigned integer and `R`.
        if first >= 0 && self.bytes.get(start).is_some_and(u8::is_ascii_digit) {
            let after_first = self.pos;
            if let Ok(generation) = self.unsigned("") {
                self.skip_white()?;
                if self.at_keyword(b"R") {
                    self.advance(1)?;
                    return Ok(Object::Reference(ObjRef {
                        number: u32::try_from(first)
                            .map_err(|_| self.error("object number too large"))?,
                        generation: u16::try_from(generation)
                            .map_err(|_| self.error("generation number too large"))?,
                    }));
                }
            }
            self.pos = after_first;
        }
        Ok(number)
    }

    fn number(&mut self) -> Result<Object, PdfReadError> {
        let start = self.pos;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.pos += 1;
        }
        let mut digits = 0usize;
        let mut dot = false;
        while let Some(b) = self.peek() {
            match b {
                b'0'..=b'9' => digits += 1,
                b'.' if !dot => dot = true,
                _ => break,
            }
            self.pos += 1;
        }
        if digits == 0 || self.peek().is_some_and(is_regular) {
            self.pos = start;
            return Err(self.error("malformed number"));
        }
        let text = std::str::from_utf8(self.bytes.get(start..self.pos).unwrap_or_default())
            .map_err(|_| self.error("malformed number"))?;
        self.budget.lex(self.pos - start)?;
        if dot {
            let value: f64 = text
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| self.error("malformed number"))?;
            Ok(Object::Real(value))
        } else {
            let value: i64 = text.parse().map_err(|_| self.error("integer too large"))?;
            Ok(Object::Integer(value))
        }
    }
}

pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
