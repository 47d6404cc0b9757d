//! The tree stored as C2SP tiles (c2sp.org/tlog-tiles), tile height 8.
//!
//! A tile at tile level `L` and index `N` holds up to 256 consecutive
//! hashes of Merkle level `8·L`: at level 0 leaf hashes, above them each
//! hash the root of a full tile of the level below. Hashes at the Merkle
//! levels in between are computed from the tile below, hashing up within
//! it. A tile with fewer than 256 hashes is *partial*; the tile of level
//! `L` for a tree of `s` leaves has `floor(s / 256^L) mod 256` hashes.
//!
//! Storage keeps the widest version of each tile: hashes never change once
//! written, so a wider tile serves every older tree size too.
//! [`append`] returns the tiles to write, each as its whole new content;
//! the other functions read tiles through a [`TileSource`], at most a few
//! per level, each at most once per call.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;

use thiserror::Error;

use super::{Hash, empty_root, node_hash};

/// Merkle levels per tile.
pub const TILE_HEIGHT: u32 = 8;
/// Hashes in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// Bytes in a full tile.
pub const FULL_TILE_BYTES: usize = 256 * 32;
/// Longest entry an entry bundle can hold (its length is a 16-bit prefix).
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;
/// Longest tile path [`parse_tile_path`] reads.
pub const MAX_TILE_PATH_LEN: usize = 96;
/// Highest tile level a path may name (c2sp.org/tlog-tiles).
pub const MAX_TILE_LEVEL: u8 = 63;

/// Where stored tiles come from. A stored tile is the concatenated 32-byte
/// hashes of a full or partial tile; storage keeps only the widest version
/// of each (level, index): hashes at positions already present never
/// change, so a wider tile serves older tree sizes too.
pub trait TileSource {
    /// Why a tile could not be read (a database error, say).
    type Error;

    /// The stored tile at tile `level` and `index`, or `None` if there is
    /// none.
    fn tile(&mut self, level: u8, index: u64) -> Result<Option<Vec<u8>>, Self::Error>;
}

impl<T: TileSource + ?Sized> TileSource for &mut T {
    type Error = T::Error;

    fn tile(&mut self, level: u8, index: u64) -> Result<Option<Vec<u8>>, Self::Error> {
        (**self).tile(level, index)
    }
}

/// Why the tree could not be read or extended.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TreeError<E> {
    /// The tile source failed.
    #[error("tile source: {0}")]
    Source(E),
    /// A tile the tree size needs is not stored.
    #[error("tile {level}/{index} is missing")]
    MissingTile {
        /// Tile level.
        level: u8,
        /// Tile index.
        index: u64,
    },
    /// A stored tile has fewer hashes than the tree size needs.
    #[error("tile {level}/{index} has {len} bytes; at least {needed} are needed")]
    ShortTile {
        /// Tile level.
        level: u8,
        /// Tile index.
        index: u64,
        /// Its length in bytes.
        len: usize,
        /// How many bytes the tree size needs.
        needed: usize,
    },
    /// A stored tile whose length is not a whole number of hashes, or more
    /// than 256 of them.
    #[error("tile {level}/{index} has {len} bytes, not 32 to 8192 in steps of 32")]
    BadTile {
        /// Tile level.
        level: u8,
        /// Tile index.
        index: u64,
        /// Its length in bytes.
        len: usize,
    },
    /// A leaf index not in the tree.
    #[error("index {index} is not in a tree of {size} leaves")]
    OutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree's size.
        size: u64,
    },
    /// A consistency proof asked for from a larger tree to a smaller one.
    #[error("tree size {size2} is smaller than {size1}")]
    SizeOrder {
        /// The first size.
        size1: u64,
        /// The second size.
        size2: u64,
    },
    /// A consistency proof asked for from the empty tree, which has none.
    #[error("there is no consistency proof from the empty tree")]
    FromEmptyTree,
    /// Appending would take the tree past 2^64 - 1 leaves.
    #[error("{added} leaves cannot be added to a tree of {size}")]
    TooLarge {
        /// The tree's size.
        size: u64,
        /// How many leaves were to be added.
        added: usize,
    },
}

impl<E> TreeError<E> {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            TreeError::Source(_) => "tile_source",
            TreeError::MissingTile { .. } => "missing_tile",
            TreeError::ShortTile { .. } => "short_tile",
            TreeError::BadTile { .. } => "bad_tile",
            TreeError::OutOfRange { .. } => "index_out_of_range",
            TreeError::SizeOrder { .. } => "size_order",
            TreeError::FromEmptyTree => "from_empty_tree",
            TreeError::TooLarge { .. } => "tree_too_large",
        }
    }
}

/// One tile to store: the whole new content of tile `level`/`index`,
/// replacing what was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileWrite {
    /// Tile level.
    pub level: u8,
    /// Tile index.
    pub index: u64,
    /// The tile's hashes, concatenated (32 to 8192 bytes).
    pub hashes: Vec<u8>,
}

impl TileWrite {
    /// How many hashes the tile holds (256 for a full tile).
    pub fn width(&self) -> u64 {
        (self.hashes.len() / 32) as u64
    }
}

/// What [`append`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Appended {
    /// The tree's new size.
    pub size: u64,
    /// The tree's new root.
    pub root: Hash,
    /// Every tile that changed, lowest level first and by index within a
    /// level, each with its whole new content.
    pub tiles: Vec<TileWrite>,
}

/// Tiles read during one call, each read at most once, over the tiles
/// being written (which win).
struct Reader<'a, S: TileSource> {
    source: &'a mut S,
    read: HashMap<(u8, u64), Vec<u8>>,
}

impl<'a, S: TileSource> Reader<'a, S> {
    fn new(source: &'a mut S) -> Self {
        Reader {
            source,
            read: HashMap::new(),
        }
    }

    /// The tile, checked to be whole hashes, at most 256.
    fn tile(&mut self, level: u8, index: u64) -> Result<&[u8], TreeError<S::Error>> {
        if !self.read.contains_key(&(level, index)) {
            let bytes = self
                .source
                .tile(level, index)
                .map_err(TreeError::Source)?
                .ok_or(TreeError::MissingTile { level, index })?;
            if bytes.is_empty() || bytes.len() % 32 != 0 || bytes.len() > FULL_TILE_BYTES {
                return Err(TreeError::BadTile {
                    level,
                    index,
                    len: bytes.len(),
                });
            }
            self.read.insert((level, index), bytes);
        }
        Ok(self
            .read
            .get(&(level, index))
            .map(Vec::as_slice)
            .unwrap_or_default())
    }

    /// The hash of the complete subtree at Merkle `height` and `index` on
    /// that level (leaves `index·2^height` to `(index+1)·2^height - 1`),
    /// which the caller knows to be inside the tree.
    fn node(&mut self, height: u32, index: u64) -> Result<Hash, TreeError<S::Error>> {
        let level = height / TILE_HEIGHT;
        let within = height % TILE_HEIGHT;
        // The node covers 2^within hashes of its tile's level.
        let first = index << within;
        let tile_index = first / TILE_WIDTH;
        let position = (first % TILE_WIDTH) as usize;
        let count = 1usize << within;
        let level = u8::try_from(level).unwrap_or(u8::MAX);
        let tile = self.tile(level, tile_index)?;
        let needed = (position + count) * 32;
        let run = tile
            .get(position * 32..needed)
            .ok_or(TreeError::ShortTile {
                level,
                index: tile_index,
                len: tile.len(),
                needed,
            })?;
        Ok(perfect_root(run))
    }

    /// MTH(D[start:end]) of RFC 9162, for a range that the recursive
    /// definition produces: `start` a multiple of a power of two at least
    /// `end - start`, and `start < end`. It is the hash of the complete
    /// subtrees of the binary decomposition of `end - start`, largest
    /// first, folded from the right.
    fn range(&mut self, start: u64, end: u64) -> Result<Hash, TreeError<S::Error>> {
        let mut nodes: Vec<Hash> = Vec::with_capacity(64);
        let mut at = start;
        while at < end {
            let rest = end - at;
            let height = rest
                .ilog2()
                .min(if at == 0 { 63 } else { at.trailing_zeros() });
            nodes.push(self.node(height, at >> height)?);
            at += 1u64 << height;
        }
        let mut hashes = nodes.into_iter().rev();
        let last = hashes.next().unwrap_or_else(empty_root);
        Ok(hashes.fold(last, |right, left| node_hash(&left, &right)))
    }
}

/// The root of a perfect run of 2^k concatenated hashes (k ≤ 8).
fn perfect_root(run: &[u8]) -> Hash {
    // A stack of (height, hash): each new hash merges with equal heights.
    let mut stack: [(u32, Hash); 10] = [(0, [0; 32]); 10];
    let mut depth = 0usize;
    for chunk in run.chunks_exact(32) {
        let mut hash: Hash = [0; 32];
        hash.copy_from_slice(chunk);
        let mut height = 0;
        while let Some(&(h, left)) = depth.checked_sub(1).and_then(|d| stack.get(d)) {
            if h != height {
                break;
            }
            hash = node_hash(&left, &hash);
            height += 1;
            depth -= 1;
        }
        if let Some(slot) = stack.get_mut(depth) {
            *slot = (height, hash);
            depth += 1;
        }
    }
    stack.first().map(|&(_, h)| h).unwrap_or_else(empty_root)
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split_point(n: u64) -> u64 {
    1u64 << (n - 1).ilog2()
}

/// The root of the tree of `size` leaves (the empty root for 0).
///
/// # Errors
/// A missing, short or malformed tile, or the source's error.
pub fn root<S: TileSource>(source: &mut S, size: u64) -> Result<Hash, TreeError<S::Error>> {
    if size == 0 {
        return Ok(empty_root());
    }
    Reader::new(source).range(0, size)
}

/// The inclusion proof of RFC 9162 §2.1.3.1 for leaf `index` in the tree of
/// `size` leaves: sibling hashes from the leaf's up to the root's child.
///
/// # Errors
/// [`TreeError::OutOfRange`] unless `index < size`; a missing, short or
/// malformed tile, or the source's error.
pub fn inclusion_proof<S: TileSource>(
    source: &mut S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, TreeError<S::Error>> {
    if index >= size {
        return Err(TreeError::OutOfRange { index, size });
    }
    // PATH(m, D[lo:hi]), top down: each step keeps the half holding the
    // leaf and records the other half.
    let mut siblings: Vec<(u64, u64)> = Vec::with_capacity(64);
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            siblings.push((lo + k, hi));
            hi = lo + k;
        } else {
            siblings.push((lo, lo + k));
            lo += k;
        }
    }
    let mut reader = Reader::new(source);
    siblings
        .into_iter()
        .rev()
        .map(|(a, b)| reader.range(a, b))
        .collect()
}

/// The consistency proof of RFC 9162 §2.1.4.1 from the tree of `size1`
/// leaves to the tree of `size2` leaves; empty when the sizes are equal.
///
/// # Errors
/// [`TreeError::SizeOrder`] if `size1 > size2`, [`TreeError::FromEmptyTree`]
/// if `size1` is 0 (every tree extends the empty tree: there is nothing to
/// prove); a missing, short or malformed tile, or the source's error.
pub fn consistency_proof<S: TileSource>(
    source: &mut S,
    size1: u64,
    size2: u64,
) -> Result<Vec<Hash>, TreeError<S::Error>> {
    if size1 > size2 {
        return Err(TreeError::SizeOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(TreeError::FromEmptyTree);
    }
    // SUBPROOF(m, D[lo:hi], b), top down.
    let mut siblings: Vec<(u64, u64)> = Vec::with_capacity(64);
    let (mut lo, mut hi) = (0u64, size2);
    let mut whole_old_tree = true;
    let mut first: Option<(u64, u64)> = None;
    loop {
        if size1 == hi {
            if !whole_old_tree {
                first = Some((lo, hi));
            }
            break;
        }
        let k = split_point(hi - lo);
        if size1 <= lo + k {
            siblings.push((lo + k, hi));
            hi = lo + k;
        } else {
            siblings.push((lo, lo + k));
            lo += k;
            whole_old_tree = false;
        }
    }
    let mut reader = Reader::new(source);
    first
        .into_iter()
        .chain(siblings.into_iter().rev())
        .map(|(a, b)| reader.range(a, b))
        .collect()
}

/// Appends `leaf_hashes` to the tree of `size` leaves and returns the new
/// size and root and every tile that changed, upper levels included, each
/// with its whole new content. Nothing is written: the caller stores the
/// tiles (in the same transaction as whatever else records the append).
///
/// Reads at most one tile per level (the partial tile being extended) and
/// those the new root needs, one per level.
///
/// # Errors
/// [`TreeError::TooLarge`] past 2^64 - 1 leaves; a missing, short or
/// malformed tile, or the source's error.
pub fn append<S: TileSource>(
    source: &mut S,
    size: u64,
    leaf_hashes: &[Hash],
) -> Result<Appended, TreeError<S::Error>> {
    let added = leaf_hashes.len();
    let new_size = u64::try_from(added)
        .ok()
        .and_then(|n| size.checked_add(n))
        .ok_or(TreeError::TooLarge { size, added })?;
    let mut reader = Reader::new(source);
    let mut tiles: Vec<TileWrite> = Vec::new();
    let mut new_hashes: Vec<Hash> = leaf_hashes.to_vec();
    // Hashes at this tile level in the old tree.
    let mut old_count = size;
    let mut level: u8 = 0;
    while !new_hashes.is_empty() {
        let mut index = old_count / TILE_WIDTH;
        let kept = (old_count % TILE_WIDTH) as usize * 32;
        let mut buf: Vec<u8> = Vec::with_capacity(FULL_TILE_BYTES);
        if kept > 0 {
            // Only the hashes of the old tree: a stored tile may be wider
            // if an earlier append was not recorded.
            let tile = reader.tile(level, index)?;
            let prefix = tile.get(..kept).ok_or(TreeError::ShortTile {
                level,
                index,
                len: tile.len(),
                needed: kept,
            })?;
            buf.extend_from_slice(prefix);
        }
        let mut full_roots: Vec<Hash> = Vec::with_capacity(new_hashes.len() / 256 + 1);
        for hash in &new_hashes {
            buf.extend_from_slice(hash);
            if buf.len() == FULL_TILE_BYTES {
                full_roots.push(perfect_root(&buf));
                let hashes = std::mem::replace(&mut buf, Vec::with_capacity(FULL_TILE_BYTES));
                tiles.push(TileWrite {
                    level,
                    index,
                    hashes,
                });
                index += 1;
            }
        }
        if !buf.is_empty() {
            tiles.push(TileWrite {
                level,
                index,
                hashes: buf,
            });
        }
        new_hashes = full_roots;
        old_count /= TILE_WIDTH;
        level += 1;
    }
    for write in &tiles {
        reader
            .read
            .insert((write.level, write.index), write.hashes.clone());
    }
    let root = if new_size == 0 {
        empty_root()
    } else {
        reader.range(0, new_size)?
    };
    Ok(Appended {
        size: new_size,
        root,
        tiles,
    })
}

/// An in-memory [`TileSource`] (a `HashMap`) for tests, benches and small
/// tools.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryTiles {
    tiles: HashMap<(u8, u64), Vec<u8>>,
}

impl MemoryTiles {
    /// No tiles: the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores tiles as [`append`] returns them, each replacing what was
    /// stored at its level and index.
    pub fn write(&mut self, writes: &[TileWrite]) {
        for w in writes {
            self.tiles.insert((w.level, w.index), w.hashes.clone());
        }
    }

    /// The stored tile, if any.
    pub fn get(&self, level: u8, index: u64) -> Option<&[u8]> {
        self.tiles.get(&(level, index)).map(Vec::as_slice)
    }

    /// How many tiles are stored.
    pub fn len(&self) -> usize {
        self.tiles.len()
    }

    /// Whether no tile is stored.
    pub fn is_empty(&self) -> bool {
        self.tiles.is_empty()
    }
}

impl TileSource for MemoryTiles {
    type Error = Infallible;

    fn tile(&mut self, level: u8, index: u64) -> Result<Option<Vec<u8>>, Infallible> {
        Ok(self.tiles.get(&(level, index)).cloned())
    }
}

/// Writes a tile index as tlog-tiles path elements: zero-padded groups of
/// three digits, all but the last prefixed with `x` (1234067 is
/// `x001/x234/067`).
fn push_index(out: &mut String, index: u64) {
    let mut groups: Vec<u64> = Vec::with_capacity(7);
    let mut n = index;
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    let last = groups.len() - 1;
    for (i, group) in groups.into_iter().rev().enumerate() {
        if i < last {
            out.push_str(&format!("x{group:03}/"));
        } else {
            out.push_str(&format!("{group:03}"));
        }
    }
}

fn push_width(out: &mut String, width: u64) {
    if (1..TILE_WIDTH).contains(&width) {
        out.push_str(&format!(".p/{width}"));
    }
}

/// The path of a hash tile, relative to the log's prefix:
/// `tile/<L>/<N>[.p/<W>]`, e.g. `tile/0/x001/234.p/12` for the partial tile
/// of 12 hashes at level 0, index 1234.
///
/// `width` is the number of hashes, 1 to 256; 256 (a full tile) has no
/// `.p/` suffix. Empty tiles are never served: a width of 0, like any
/// width above 256, gives the full tile's path.
pub fn tile_path(level: u8, index: u64, width: u64) -> String {
    let mut out = format!("tile/{level}/");
    push_index(&mut out, index);
    push_width(&mut out, width);
    out
}

/// The path of an entry bundle: `tile/entries/<N>[.p/<W>]`, `width` as for
/// [`tile_path`].
pub fn entries_path(index: u64, width: u64) -> String {
    let mut out = String::from("tile/entries/");
    push_index(&mut out, index);
    push_width(&mut out, width);
    out
}

/// A tile path taken apart by [`parse_tile_path`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TilePath {
    /// A tile of Merkle tree hashes.
    Hashes {
        /// Tile level, 0 to 63.
        level: u8,
        /// Tile index.
        index: u64,
        /// Hashes in the tile: 1 to 255 for a partial tile, 256 for a full one.
        width: u64,
    },
    /// An entry bundle.
    Entries {
        /// Bundle index (the index of the level-0 tile it matches).
        index: u64,
        /// Entries in the bundle: 1 to 255 for a partial bundle, 256 for a
        /// full one.
        width: u64,
    },
}

impl TilePath {
    /// The tile's or bundle's index.
    pub fn index(&self) -> u64 {
        match *self {
            TilePath::Hashes { index, .. } | TilePath::Entries { index, .. } => index,
        }
    }

    /// Hashes or entries in it (256 when full).
    pub fn width(&self) -> u64 {
        match *self {
            TilePath::Hashes { width, .. } | TilePath::Entries { width, .. } => width,
        }
    }

    /// Whether it is a partial tile or bundle (a `.p/` path).
    pub fn is_partial(&self) -> bool {
        self.width() < TILE_WIDTH
    }
}

impl fmt::Display for TilePath {
    /// The canonical path, as [`tile_path`] and [`entries_path`] write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TilePath::Hashes {
                level,
                index,
                width,
            } => f.write_str(&tile_path(level, index, width)),
            TilePath::Entries { index, width } => f.write_str(&entries_path(index, width)),
        }
    }
}

/// Why a path is not a canonical tile path.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TilePathError {
    /// Longer than [`MAX_TILE_PATH_LEN`] bytes.
    #[error("tile path is {len} bytes; at most {max} are accepted")]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// It does not start with `tile/`, or ends after it.
    #[error("not a tile path")]
    NotATile,
    /// The level is not a decimal 0 to 63 without leading zeros.
    #[error("tile level {found:?} is not 0 to 63 in canonical decimal")]
    BadLevel {
        /// The level element as found.
        found: String,
    },
    /// The index is not canonical `x`-prefixed three-digit groups, or
    /// does not fit in 64 bits.
    #[error("tile index element {found:?} is not canonical")]
    BadIndex {
        /// The offending element.
        found: String,
    },
    /// The width after `.p/` is not a decimal 1 to 255 without leading
    /// zeros, or something follows it.
    #[error("partial width {found:?} is not 1 to 255 in canonical decimal")]
    BadWidth {
        /// The width element (and anything after it) as found.
        found: String,
    },
}

impl TilePathError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            TilePathError::TooLong { .. } => "too_long",
            TilePathError::NotATile => "not_a_tile",
            TilePathError::BadLevel { .. } => "bad_level",
            TilePathError::BadIndex { .. } => "bad_index",
            TilePathError::BadWidth { .. } => "bad_width",
        }
    }
}

/// A canonical decimal without sign or leading zeros, at most `max`.
fn canonical_decimal(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse::<u64>().ok().filter(|&n| n <= max)
}

/// Three ASCII digits.
fn group(s: &str) -> Option<u64> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Reads a tile or entry bundle path relative to the log's prefix
/// (`tile/0/x001/234.p/12`, `tile/entries/000`), strictly: only the one
/// canonical form of each tile is accepted (no leading zeros in the level or
/// width, no `x000/` group before the index, no `.p/256`, nothing after).
///
/// # Errors
/// A [`TilePathError`] naming the element at fault.
pub fn parse_tile_path(path: &str) -> Result<TilePath, TilePathError> {
    if path.len() > MAX_TILE_PATH_LEN {
        return Err(TilePathError::TooLong {
            len: path.len(),
            max: MAX_TILE_PATH_LEN,
        });
    }
    let rest = path.strip_prefix("tile/").ok_or(TilePathError::NotATile)?;
    let (head, rest) = rest.split_once('/').ok_or(TilePathError::NotATile)?;
    let level = if head == "entries" {
        None
    } else {
        let level = canonical_decimal(head, u64::from(MAX_TILE_LEVEL))
            .and_then(|l| u8::try_from(l).ok())
            .ok_or_else(|| TilePathError::BadLevel {
                found: head.to_owned(),
            })?;
        Some(level)
    };
    let (index_part, width_part) = match rest.split_once(".p/") {
        Some((index, width)) => (index, Some(width)),
        None => (rest, None),
    };
    let mut index: u64 = 0;
    let mut elements = index_part.split('/').peekable();
    let mut first = true;
    while let Some(element) = elements.next() {
        let bad = || TilePathError::BadIndex {
            found: element.to_owned(),
        };
        let last = elements.peek().is_none();
        let digits = if last {
            element
        } else {
            element.strip_prefix('x').ok_or_else(bad)?
        };
        let value = group(digits).ok_or_else(bad)?;
        // A leading group of zeros is not canonical ("x000/001").
        if first && !last && value == 0 {
            return Err(bad());
        }
        index = index
            .checked_mul(1000)
            .and_then(|i| i.checked_add(value))
            .ok_or_else(bad)?;
        first = false;
    }
    let width = match width_part {
        None => TILE_WIDTH,
        Some(w) => canonical_decimal(w, TILE_WIDTH - 1)
            .filter(|&w| w >= 1)
            .ok_or_else(|| TilePathError::BadWidth {
                found: w.to_owned(),
            })?,
    };
    Ok(match level {
        Some(level) => TilePath::Hashes {
            level,
            index,
            width,
        },
        None => TilePath::Entries { index, width },
    })
}

/// Why entries could not be put in a bundle, or a bundle read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BundleError {
    /// An entry longer than [`MAX_ENTRY_LEN`] bytes, which a 16-bit length
    /// cannot hold.
    #[error("entry {position} is {len} bytes; at most {MAX_ENTRY_LEN} fit in a bundle")]
    EntryTooLong {
        /// Its position in the bundle.
        position: usize,
        /// Its length.
        len: usize,
    },
    /// More than 256 entries.
    #[error("{count} entries; a bundle holds at most 256")]
    TooManyEntries {
        /// How many were given or found.
        count: usize,
    },
    /// The bundle ends inside an entry or its length.
    #[error("the bundle ends inside entry {position}")]
    Truncated {
        /// The entry being read.
        position: usize,
    },
}

impl BundleError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::EntryTooLong { .. } => "entry_too_long",
            BundleError::TooManyEntries { .. } => "too_many_entries",
            BundleError::Truncated { .. } => "truncated",
        }
    }
}

/// An entry bundle (c2sp.org/tlog-tiles): each entry after its length as a
/// 2-byte big-endian integer.
///
/// # Errors
/// [`BundleError::EntryTooLong`] for an entry of more than 65,535 bytes,
/// [`BundleError::TooManyEntries`] for more than 256 entries: nothing is
/// ever cut short.
pub fn entry_bundle(entries: &[&[u8]]) -> Result<Vec<u8>, BundleError> {
    if entries.len() > TILE_WIDTH as usize {
        return Err(BundleError::TooManyEntries {
            count: entries.len(),
        });
    }
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.len() + 2).sum());
    for (position, entry) in entries.iter().enumerate() {
        let len = u16::try_from(entry.len()).map_err(|_| BundleError::EntryTooLong {
            position,
            len: entry.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Reads an entry bundle back into its entries (at most 256).
///
/// # Errors
/// [`BundleError::Truncated`] if it ends inside an entry or a length,
/// [`BundleError::TooManyEntries`] past 256 entries.
pub fn parse_entry_bundle(bytes: &[u8]) -> Result<Vec<&[u8]>, BundleError> {
    let mut entries = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let position = entries.len();
        if position == TILE_WIDTH as usize {
            return Err(BundleError::TooManyEntries {
                count: position + 1,
            });
        }
        let (len, tail) = rest
            .split_first_chunk::<2>()
            .ok_or(BundleError::Truncated { position })?;
        let (entry, tail) = tail
            .split_at_checked(usize::from(u16::from_be_bytes(*len)))
            .ok_or(BundleError::Truncated { position })?;
        entries.push(entry);
        rest = tail;
    }
    Ok(entries)
}
