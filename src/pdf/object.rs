//! PDF objects as the strict reader returns them (ISO 32000-1 §7.3).

use std::ops::Range;

/// An indirect object's number and generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    /// The object number.
    pub number: u32,
    /// The generation number.
    pub generation: u16,
}

impl std::fmt::Display for ObjRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.number, self.generation)
    }
}

/// A PDF object. A stream's data stays in the buffer it was read from (the
/// file, or a decoded object stream, which cannot hold streams): its range is
/// kept, so that reading a large file copies no stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A real number.
    Real(f64),
    /// A name, `#xx` escapes decoded.
    Name(Vec<u8>),
    /// A string's bytes, literal escapes or hex decoded.
    String(Vec<u8>),
    /// An array.
    Array(Vec<Object>),
    /// A dictionary.
    Dictionary(Dictionary),
    /// A stream: its dictionary and where its (still encoded) data lies in the file.
    Stream(Stream),
    /// `N G R`.
    Reference(ObjRef),
}

/// A dictionary with its keys in file order. A key appears at most once: the
/// reader refuses a dictionary that repeats one, since readers disagree on
/// which of the two counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dictionary {
    pub(crate) entries: Vec<(Vec<u8>, Object)>,
}

/// A stream's dictionary and the file range of its encoded data.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    /// The stream dictionary.
    pub dict: Dictionary,
    /// Where the data lies in the file (between `stream` EOL and `endstream`).
    pub data: Range<usize>,
}

impl Dictionary {
    /// A dictionary of these entries (a later repeat of a key replaces it).
    pub fn from_entries<K: AsRef<[u8]>>(entries: impl IntoIterator<Item = (K, Object)>) -> Self {
        let mut dict = Dictionary::default();
        for (key, value) in entries {
            dict.set(key.as_ref(), value);
        }
        dict
    }

    /// Sets `key` to `value`, in place if the key is there, else at the end.
    pub fn set(&mut self, key: &[u8], value: Object) {
        match self.entries.iter_mut().find(|(k, _)| k.as_slice() == key) {
            Some((_, slot)) => *slot = value,
            None => self.entries.push((key.to_vec(), value)),
        }
    }

    /// Whether the two hold the same entries, in any order, but for `except`.
    pub fn same_except(&self, other: &Dictionary, except: &[&[u8]]) -> bool {
        let kept = |d: &Dictionary| d.keys().filter(|k| !except.contains(k)).count();
        kept(self) == kept(other)
            && self
                .iter()
                .filter(|(k, _)| !except.contains(k))
                .all(|(k, v)| other.get(k) == Some(v))
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_slice() == key)
            .map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn has(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// The name at `key`, if it is one.
    pub fn name(&self, key: &[u8]) -> Option<&[u8]> {
        self.get(key).and_then(Object::as_name)
    }

    /// The keys, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.entries.iter().map(|(k, _)| k.as_slice())
    }

    /// The entries, in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Object)> {
        self.entries.iter().map(|(k, v)| (k.as_slice(), v))
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the keys are exactly `keys`, in any order.
    pub fn has_exactly(&self, keys: &[&[u8]]) -> bool {
        self.len() == keys.len() && keys.iter().all(|k| self.has(k))
    }
}

impl Object {
    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Object::Integer(n) => Some(n),
            _ => None,
        }
    }

    /// The number, integer or real.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Object::Integer(n) => Some(n as f64),
            Object::Real(r) => Some(r),
            _ => None,
        }
    }

    /// The name, if this is one.
    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }

    /// The string's bytes, if this is a string.
    pub fn as_string(&self) -> Option<&[u8]> {
        match self {
            Object::String(s) => Some(s),
            _ => None,
        }
    }

    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The dictionary, or a stream's dictionary.
    pub fn as_dict(&self) -> Option<&Dictionary> {
        match self {
            Object::Dictionary(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    /// The stream, if this is one.
    pub fn as_stream(&self) -> Option<&Stream> {
        match self {
            Object::Stream(s) => Some(s),
            _ => None,
        }
    }

    /// The reference, if this is one.
    pub fn as_reference(&self) -> Option<ObjRef> {
        match *self {
            Object::Reference(r) => Some(r),
            _ => None,
        }
    }

    /// Calls `visit` on this object and every object nested in it.
    pub fn walk(&self, visit: &mut dyn FnMut(&Object)) {
        visit(self);
        match self {
            Object::Array(items) => items.iter().for_each(|o| o.walk(visit)),
            Object::Dictionary(d) => d.entries.iter().for_each(|(_, o)| o.walk(visit)),
            Object::Stream(s) => s.dict.entries.iter().for_each(|(_, o)| o.walk(visit)),
            _ => {}
        }
    }
}
