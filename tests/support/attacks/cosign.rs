//! What a co-signer can do that a stranger cannot: sign. A co-signer (an
//! authority with a valid, trusted seal and key) lets its sealer write its
//! honest seal revision, takes it apart into objects, edits, adds or frees
//! whatever it likes, writes the revision back with a fresh
//! cross-reference section, and signs the result with its own key
//! (`PdfSealer::sign_prepared`). The signature over the edited revision is
//! valid; only the revision's structure can give the edit away.

use elicence::pdf::{Dictionary, Object, XrefKind};
use elicence::seal::pdf::CONTENTS_LEN;

use super::raw::{self, Row, Update};
use super::world::{Authority, at, world};

/// The number under which bytes no row lists are kept.
const RAW: u32 = u32::MAX;

/// A seal revision taken apart: the file before it, its objects in file
/// order (each `N 0 obj … endobj` as written), its trailer, and any rows
/// to list besides the objects.
pub struct SealRevision {
    base: Vec<u8>,
    /// The honest, signed file, to read objects from.
    honest: Vec<u8>,
    objects: Vec<(u32, Vec<u8>)>,
    trailer: Dictionary,
    kind: XrefKind,
    rows: Vec<(u32, Row)>,
}

impl SealRevision {
    /// `by`'s honest seal over `base` at `when`, taken apart, its byte
    /// range and signature blanked as the sealer leaves them before
    /// signing.
    pub fn honest(by: &Authority, base: &[u8], when: &str) -> SealRevision {
        let honest = by
            .sealer
            .apply(base, &by.key, world().place, at(when))
            .unwrap();
        let doc = raw::read(&honest);
        let revision = doc.revisions().last().unwrap();
        let mut starts: Vec<(usize, u32)> = revision
            .entries
            .iter()
            .filter(|(n, _)| Some(**n) != revision.xref_stream.map(|r| r.number))
            .map(|(&n, e)| match e {
                elicence::pdf::Entry::InUse { offset, .. } => (*offset, n),
                other => panic!("the sealer wrote {other:?}"),
            })
            .collect();
        starts.sort();
        let mut objects = Vec::new();
        for (i, &(offset, number)) in starts.iter().enumerate() {
            let end = starts
                .get(i + 1)
                .map_or(revision.xref_offset, |&(next, _)| next);
            objects.push((number, honest[offset..end].to_vec()));
        }
        let trailer = revision.trailer.clone();
        let kind = revision.kind;
        drop(doc);
        let mut this = SealRevision {
            base: base.to_vec(),
            honest,
            objects,
            trailer,
            kind,
            rows: Vec::new(),
        };
        this.blank();
        this
    }

    fn blank(&mut self) {
        let signature = self.signature();
        let bytes = &mut self
            .objects
            .iter_mut()
            .find(|(n, _)| *n == signature)
            .unwrap()
            .1;
        let slot = raw::rfind(bytes, b"/ByteRange[0 ") + 13;
        bytes[slot..slot + 32].fill(b' ');
        let hole = raw::rfind(bytes, b"/Contents<") + 10;
        bytes[hole..hole + 2 * CONTENTS_LEN].fill(b'0');
    }

    /// The signature dictionary's number.
    pub fn signature(&self) -> u32 {
        self.find(b"/Type/Sig")
    }

    /// The widget's number.
    pub fn widget(&self) -> u32 {
        self.find(b"/Subtype /Widget")
    }

    /// The appearance form's number.
    pub fn form(&self) -> u32 {
        self.find(b"/Subtype /Form")
    }

    /// The number of the object whose text holds `marker`.
    pub fn find(&self, marker: &[u8]) -> u32 {
        self.objects
            .iter()
            .find(|(_, b)| b.windows(marker.len()).any(|w| w == marker))
            .unwrap_or_else(|| panic!("no object with {}", String::from_utf8_lossy(marker)))
            .0
    }

    /// Object `number` as the honest revision wrote it (or as the file
    /// before it has it).
    pub fn object(&self, number: u32) -> Object {
        (*raw::object(&self.honest, number)).clone()
    }

    /// The dictionary of object `number`, as [`SealRevision::object`].
    pub fn dict(&self, number: u32) -> Dictionary {
        self.object(number).as_dict().unwrap().clone()
    }

    /// A stream's data as the honest revision wrote it, decoded.
    pub fn stream_data(&self, number: u32) -> Vec<u8> {
        raw::stream_data(&self.honest, number)
    }

    /// The next free object number.
    pub fn next_number(&self) -> u32 {
        let size = self.trailer.get(b"Size").unwrap().as_i64().unwrap();
        let taken = self
            .objects
            .iter()
            .filter(|(n, _)| *n != RAW)
            .map(|(n, _)| n + 1)
            .max()
            .unwrap_or(0);
        u32::try_from(size).unwrap().max(taken) + 1
    }

    /// Writes object `number` as `body` (replacing it if the revision has
    /// it, else after the others).
    pub fn set(&mut self, number: u32, body: &str) -> &mut Self {
        let bytes = format!("{number} 0 obj\n{body}\nendobj\n").into_bytes();
        self.set_bytes(number, bytes)
    }

    /// Writes a stream object (`dict` is the dictionary's inside).
    pub fn set_stream(&mut self, number: u32, dict: &str, data: &[u8]) -> &mut Self {
        let mut bytes =
            format!("{number} 0 obj\n<<{dict}/Length {}>>\nstream\n", data.len()).into_bytes();
        bytes.extend_from_slice(data);
        bytes.extend_from_slice(b"\nendstream\nendobj\n");
        self.set_bytes(number, bytes)
    }

    /// Writes object `number` as exactly `bytes` (its header included).
    pub fn set_bytes(&mut self, number: u32, bytes: Vec<u8>) -> &mut Self {
        match self.objects.iter_mut().find(|(n, _)| *n == number) {
            Some((_, slot)) => *slot = bytes,
            None => self.objects.push((number, bytes)),
        }
        self
    }

    /// Takes object `number` out of the revision.
    pub fn remove(&mut self, number: u32) -> &mut Self {
        self.objects.retain(|(n, _)| *n != number);
        self
    }

    /// Writes bytes into the body before the objects, listed by no row.
    pub fn prepend_raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.objects.insert(0, (RAW, bytes.to_vec()));
        self
    }

    /// Lists an extra row (a free entry, say) in the section.
    pub fn row(&mut self, number: u32, row: Row) -> &mut Self {
        self.rows.push((number, row));
        self
    }

    /// Sets a trailer entry.
    pub fn set_trailer(&mut self, key: &str, value: Object) -> &mut Self {
        self.trailer.set(key.as_bytes(), value);
        self
    }

    /// Writes the revision back onto the file before it, with a section of
    /// the kind the sealer used, and signs it with `by`'s key.
    pub fn sign(&self, by: &Authority) -> Vec<u8> {
        by.sealer.sign_prepared(self.unsigned(), &by.key).unwrap()
    }

    /// The revision written back, its signature still blank.
    pub fn unsigned(&self) -> Vec<u8> {
        let mut update = Update::on(&self.base);
        for (number, bytes) in &self.objects {
            update = if *number == RAW {
                update.raw(bytes)
            } else {
                update.written(*number, bytes)
            };
        }
        for &(number, row) in &self.rows {
            update = update.row(number, row);
        }
        for (key, value) in self.trailer.iter() {
            if !matches!(
                key,
                b"Size" | b"Prev" | b"Type" | b"W" | b"Index" | b"Length"
            ) {
                update = update.trailer(std::str::from_utf8(key).unwrap(), &raw::text(value));
            }
        }
        match self.kind {
            XrefKind::Table => update.classic(),
            XrefKind::Stream => update.xref_stream(self.next_number(), ""),
        }
    }
}
