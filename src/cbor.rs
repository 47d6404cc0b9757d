//! The small, strict subset of CBOR (RFC 8949) that our envelopes use.
//!
//! We write our own codec rather than use ciborium: a general-purpose decoder
//! accepts non-shortest integers, indefinite lengths, unsorted and duplicate map
//! keys, and floats, and then re-encodes them differently. Our format is only
//! useful if every licence has exactly one encoding, so the decoder refuses
//! anything that is not core deterministic encoding (RFC 8949 §4.2.1), and the
//! encoder can only produce it.

use thiserror::Error;

/// Deepest nesting the decoder follows; our format needs 4.
pub(crate) const MAX_DEPTH: usize = 8;

/// Why a byte string is not the deterministic CBOR we accept.
///
/// Offsets count bytes from the start of the item being decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CborError {
    /// The input ended inside an item.
    #[error("CBOR ends early at byte {offset}")]
    Truncated {
        /// Where more bytes were needed.
        offset: usize,
    },
    /// Bytes follow the single top-level item.
    #[error("{remaining} trailing bytes after the CBOR item at byte {offset}")]
    TrailingBytes {
        /// Where the trailing bytes start.
        offset: usize,
        /// How many there are.
        remaining: usize,
    },
    /// An indefinite-length string, array or map (additional information 31).
    #[error("indefinite length at byte {offset}")]
    IndefiniteLength {
        /// Where the item starts.
        offset: usize,
    },
    /// A length, integer or tag written in more bytes than it needs.
    #[error("integer not in shortest form at byte {offset}")]
    NonShortestInteger {
        /// Where the item starts.
        offset: usize,
    },
    /// Additional information 28, 29 or 30, which RFC 8949 reserves.
    #[error("reserved additional information {info} at byte {offset}")]
    ReservedAdditionalInfo {
        /// Where the item starts.
        offset: usize,
        /// The reserved value.
        info: u8,
    },
    /// A float, `undefined` or a simple value other than false, true and null.
    #[error("unsupported simple value or float at byte {offset}")]
    UnsupportedSimple {
        /// Where the item starts.
        offset: usize,
    },
    /// A text string that is not UTF-8.
    #[error("text string is not UTF-8 at byte {offset}")]
    InvalidUtf8 {
        /// Where the string starts.
        offset: usize,
    },
    /// A map key equal to the key before it.
    #[error("duplicate map key at byte {offset}")]
    DuplicateKey {
        /// Where the repeated key starts.
        offset: usize,
    },
    /// A map key that sorts before the key before it (not deterministic).
    #[error("map keys not in deterministic order at byte {offset}")]
    UnsortedKeys {
        /// Where the out-of-order key starts.
        offset: usize,
    },
    /// Nesting deeper than the format allows.
    #[error("nesting deeper than {limit} at byte {offset}")]
    TooDeep {
        /// Where the too-deep item starts.
        offset: usize,
        /// The limit.
        limit: usize,
    },
}

/// A decoded item. Strings borrow from the input so that signed byte strings
/// are verified exactly as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    Uint(u64),
    /// A negative integer, stored as CBOR does: the value is `-1 - n`.
    Nint(u64),
    Bytes(&'a [u8]),
    Text(&'a str),
    Array(Vec<Value<'a>>),
    /// Entries in the (checked) deterministic order, with the offset of each key.
    Map(Vec<MapEntry<'a>>),
    Tag(u64, Box<Value<'a>>),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MapEntry<'a> {
    pub key: Value<'a>,
    pub value: Value<'a>,
    /// Byte offset of the key, so that semantic errors can point at it.
    pub offset: usize,
}

impl Value<'_> {
    /// The value as a signed integer, if it is an integer that fits.
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Uint(n) => i64::try_from(n).ok(),
            Value::Nint(n) => i64::try_from(n).ok().map(|n| -1 - n),
            _ => None,
        }
    }

    /// A short English name of the item's type, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Uint(_) | Value::Nint(_) => "integer",
            Value::Bytes(_) => "byte string",
            Value::Text(_) => "text string",
            Value::Array(_) => "array",
            Value::Map(_) => "map",
            Value::Tag(..) => "tag",
            Value::Bool(_) => "boolean",
            Value::Null => "null",
        }
    }
}

/// Decodes exactly one deterministic CBOR item that fills `input`.
pub(crate) fn decode(input: &[u8]) -> Result<Value<'_>, CborError> {
    decode_with(input, true)
}

/// [`decode`] with one relaxation, for data other implementations sign
/// (the status list draft's examples): map keys may come in any order.
/// Duplicate keys, indefinite lengths, non-shortest integers, floats and
/// trailing bytes are still refused, so each item still has one meaning;
/// maps keep the order of the input.
pub(crate) fn decode_any_order(input: &[u8]) -> Result<Value<'_>, CborError> {
    decode_with(input, false)
}

fn decode_with(input: &[u8], sorted_keys: bool) -> Result<Value<'_>, CborError> {
    let mut decoder = Decoder {
        input,
        pos: 0,
        sorted_keys,
    };
    let value = decoder.item(0)?;
    if decoder.pos != input.len() {
        return Err(CborError::TrailingBytes {
            offset: decoder.pos,
            remaining: input.len() - decoder.pos,
        });
    }
    Ok(value)
}

struct Decoder<'a> {
    input: &'a [u8],
    pos: usize,
    /// Whether map keys must be in deterministic order; if not, they are
    /// only checked for duplicates.
    sorted_keys: bool,
}

impl<'a> Decoder<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CborError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.input.len())
            .ok_or(CborError::Truncated { offset: self.pos })?;
        let bytes = self
            .input
            .get(self.pos..end)
            .ok_or(CborError::Truncated { offset: self.pos })?;
        self.pos = end;
        Ok(bytes)
    }

    fn byte(&mut self) -> Result<u8, CborError> {
        let b = *self
            .input
            .get(self.pos)
            .ok_or(CborError::Truncated { offset: self.pos })?;
        self.pos += 1;
        Ok(b)
    }

    /// Reads the argument of a head whose initial byte has been consumed,
    /// insisting on the shortest form.
    fn argument(&mut self, start: usize, info: u8) -> Result<u64, CborError> {
        let (value, min) = match info {
            0..=23 => return Ok(u64::from(info)),
            24 => (u64::from(self.byte()?), 24),
            25 => (u64::from(u16::from_be_bytes(self.array()?)), 0x100),
            26 => (u64::from(u32::from_be_bytes(self.array()?)), 0x1_0000),
            27 => (u64::from_be_bytes(self.array()?), 0x1_0000_0000),
            31 => return Err(CborError::IndefiniteLength { offset: start }),
            _ => {
                return Err(CborError::ReservedAdditionalInfo {
                    offset: start,
                    info,
                });
            }
        };
        if value < min {
            return Err(CborError::NonShortestInteger { offset: start });
        }
        Ok(value)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CborError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// A length that must fit in what is left of the input: every element
    /// takes at least one byte, so this bounds allocations by the input size.
    fn length(&mut self, start: usize, info: u8) -> Result<usize, CborError> {
        let n = self.argument(start, info)?;
        let remaining = self.input.len() - self.pos;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= remaining)
            .ok_or(CborError::Truncated {
                offset: self.input.len(),
            })
    }

    fn item(&mut self, depth: usize) -> Result<Value<'a>, CborError> {
        let start = self.pos;
        if depth > MAX_DEPTH {
            return Err(CborError::TooDeep {
                offset: start,
                limit: MAX_DEPTH,
            });
        }
        let initial = self.byte()?;
        let major = initial >> 5;
        let info = initial & 0x1f;
        match major {
            0 => Ok(Value::Uint(self.argument(start, info)?)),
            1 => Ok(Value::Nint(self.argument(start, info)?)),
            2 => {
                let n = self.length(start, info)?;
                Ok(Value::Bytes(self.take(n)?))
            }
            3 => {
                let n = self.length(start, info)?;
                let bytes = self.take(n)?;
                core::str::from_utf8(bytes)
                    .map(Value::Text)
                    .map_err(|_| CborError::InvalidUtf8 { offset: start })
            }
            4 => {
                let n = self.length(start, info)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            5 => {
                let n = self.length(start, info)?;
                let mut entries: Vec<MapEntry<'a>> = Vec::with_capacity(n);
                let mut previous_key: Option<&'a [u8]> = None;
                // Unsorted keys are checked for duplicates by sorting them
                // once the map is read: O(n log n), where comparing each key
                // with every earlier one would be quadratic in the input.
                let mut unsorted_keys: Vec<(&'a [u8], usize)> = Vec::new();
                for _ in 0..n {
                    let key_start = self.pos;
                    let key = self.item(depth + 1)?;
                    let key_bytes = self.input.get(key_start..self.pos).unwrap_or_default();
                    if !self.sorted_keys {
                        unsorted_keys.push((key_bytes, key_start));
                    } else if let Some(previous) = previous_key {
                        // Deterministic order is bytewise order of the encoded keys.
                        match previous.cmp(key_bytes) {
                            core::cmp::Ordering::Less => {}
                            core::cmp::Ordering::Equal => {
                                return Err(CborError::DuplicateKey { offset: key_start });
                            }
                            core::cmp::Ordering::Greater => {
                                return Err(CborError::UnsortedKeys { offset: key_start });
                            }
                        }
                    }
                    previous_key = Some(key_bytes);
                    let value = self.item(depth + 1)?;
                    entries.push(MapEntry {
                        key,
                        value,
                        offset: key_start,
                    });
                }
                unsorted_keys.sort_unstable();
                if let Some(offset) = unsorted_keys
                    .windows(2)
                    .filter_map(|pair| match pair {
                        [(a, first), (b, second)] if a == b => Some(*first.max(second)),
                        _ => None,
                    })
                    .min()
                {
                    return Err(CborError::DuplicateKey { offset });
                }
                Ok(Value::Map(entries))
            }
            6 => {
                let tag = self.argument(start, info)?;
                Ok(Value::Tag(tag, Box::new(self.item(depth + 1)?)))
            }
            _ => match info {
                20 => Ok(Value::Bool(false)),
                21 => Ok(Value::Bool(true)),
                22 => Ok(Value::Null),
                31 => Err(CborError::IndefiniteLength { offset: start }),
                28..=30 => Err(CborError::ReservedAdditionalInfo {
                    offset: start,
                    info,
                }),
                _ => Err(CborError::UnsupportedSimple { offset: start }),
            },
        }
    }
}

/// Writes deterministic CBOR. Only the shortest form exists here; map keys are
/// put in order by [`Encoder::map`].
#[derive(Debug, Default)]
pub(crate) struct Encoder {
    buf: Vec<u8>,
}

impl Encoder {
    #[cfg(test)]
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Encoder {
            buf: Vec::with_capacity(capacity),
        }
    }

    pub(crate) fn map_header(&mut self, len: usize) -> &mut Self {
        self.head(5, len as u64);
        self
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    fn head(&mut self, major: u8, n: u64) {
        let major = major << 5;
        if n < 24 {
            self.buf.push(major | n as u8);
        } else if let Ok(n) = u8::try_from(n) {
            self.buf.extend_from_slice(&[major | 24, n]);
        } else if let Ok(n) = u16::try_from(n) {
            self.buf.push(major | 25);
            self.buf.extend_from_slice(&n.to_be_bytes());
        } else if let Ok(n) = u32::try_from(n) {
            self.buf.push(major | 26);
            self.buf.extend_from_slice(&n.to_be_bytes());
        } else {
            self.buf.push(major | 27);
            self.buf.extend_from_slice(&n.to_be_bytes());
        }
    }

    pub(crate) fn int(&mut self, n: i64) -> &mut Self {
        match u64::try_from(n) {
            Ok(n) => self.head(0, n),
            // -1 - n for negative n is n.unsigned_abs() - 1, which cannot overflow.
            Err(_) => self.head(1, n.unsigned_abs() - 1),
        }
        self
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.head(2, bytes.len() as u64);
        self.buf.extend_from_slice(bytes);
        self
    }

    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        self.head(3, text.len() as u64);
        self.buf.extend_from_slice(text.as_bytes());
        self
    }

    pub(crate) fn array(&mut self, len: usize) -> &mut Self {
        self.head(4, len as u64);
        self
    }

    pub(crate) fn tag(&mut self, tag: u64) -> &mut Self {
        self.head(6, tag);
        self
    }

    /// Writes a map from integer keys to already-encoded values, sorting the
    /// keys into deterministic order. Tests use it to build envelopes by hand.
    #[cfg(test)]
    pub(crate) fn map(&mut self, mut entries: Vec<(i64, Vec<u8>)>) -> &mut Self {
        let mut encoded: Vec<(Vec<u8>, Vec<u8>)> = entries
            .drain(..)
            .map(|(key, value)| {
                let mut k = Encoder::new();
                k.int(key);
                (k.into_bytes(), value)
            })
            .collect();
        encoded.sort();
        self.head(5, encoded.len() as u64);
        for (key, value) in encoded {
            self.buf.extend_from_slice(&key);
            self.buf.extend_from_slice(&value);
        }
        self
    }
}

/// Why a map with integer keys does not have the fields a format wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldError {
    /// A key that is not an integer.
    KeyNotInteger { map: &'static str },
    /// A required field is missing.
    Missing { field: &'static str },
    /// A field has the wrong type or an out-of-range value.
    Bad {
        field: &'static str,
        expected: &'static str,
    },
    /// A key the format does not define.
    Unknown { map: &'static str, key: i64 },
}

/// A map with integer keys being taken apart, field by field; anything left
/// at [`Fields::finish`] is an unknown key.
pub(crate) struct Fields<'a> {
    entries: Vec<Option<MapEntry<'a>>>,
    map: &'static str,
}

impl<'a> Fields<'a> {
    /// `value` must be a map whose keys are all integers.
    pub(crate) fn of(value: Value<'a>, map: &'static str) -> Result<Fields<'a>, FieldError> {
        let Value::Map(entries) = value else {
            return Err(FieldError::Bad {
                field: map,
                expected: "a map",
            });
        };
        if entries.iter().any(|e| e.key.as_i64().is_none()) {
            return Err(FieldError::KeyNotInteger { map });
        }
        Ok(Fields {
            entries: entries.into_iter().map(Some).collect(),
            map,
        })
    }

    pub(crate) fn optional(&mut self, key: i64) -> Option<Value<'a>> {
        self.entries
            .iter_mut()
            .find(|e| e.as_ref().is_some_and(|e| e.key.as_i64() == Some(key)))
            .and_then(Option::take)
            .map(|e| e.value)
    }

    pub(crate) fn take(&mut self, key: i64, field: &'static str) -> Result<Value<'a>, FieldError> {
        self.optional(key).ok_or(FieldError::Missing { field })
    }

    pub(crate) fn text(&mut self, key: i64, field: &'static str) -> Result<&'a str, FieldError> {
        match self.take(key, field)? {
            Value::Text(t) => Ok(t),
            _ => Err(FieldError::Bad {
                field,
                expected: "a text string",
            }),
        }
    }

    pub(crate) fn int(&mut self, key: i64, field: &'static str) -> Result<i64, FieldError> {
        self.take(key, field)?.as_i64().ok_or(FieldError::Bad {
            field,
            expected: "an integer",
        })
    }

    pub(crate) fn finish(self) -> Result<(), FieldError> {
        match self.entries.into_iter().flatten().next() {
            None => Ok(()),
            Some(e) => Err(FieldError::Unknown {
                map: self.map,
                key: e.key.as_i64().unwrap_or_default(),
            }),
        }
    }
}

/// Encoded size of a byte string of `len` bytes: its head plus the bytes.
pub(crate) fn byte_string_len(len: usize) -> usize {
    let head = match len {
        0..=23 => 1,
        24..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    };
    head + len
}

/// Encodes one item with a closure, for building map values.
#[cfg(test)]
pub(crate) fn encode_with(f: impl FnOnce(&mut Encoder)) -> Vec<u8> {
    let mut e = Encoder::new();
    f(&mut e);
    e.into_bytes()
}

#[cfg(test)]
mod tests;
