//! The transparency log: an append-only Merkle tree (RFC 9162 hashing) of
//! every issuance, status change, seal registration and trust-list
//! publication, stored and served as C2SP tiles, signed as C2SP checkpoints,
//! and proven offline with C2SP tlog-proof receipts.
//!
//! # Design
//!
//! - **Leaves** are [`LogEvent`]s, deterministic CBOR (section 15 of
//!   `test-vectors/FORMAT.md`). They hold digests, identifiers and authority
//!   codes, never a holder's name or identity number: the log is public.
//! - **Hashing** is RFC 9162 §2.1 (the same as RFC 6962) with SHA-256:
//!   [`leaf_hash`] is `SHA-256(0x00 || leaf)`, [`node_hash`]
//!   `SHA-256(0x01 || left || right)`, and the empty tree's root is
//!   [`empty_root`], `SHA-256("")`.
//! - **Storage** is the tiles of c2sp.org/tlog-tiles ([`tiles`]): runs of
//!   256 hashes at every eighth level of the tree. A database keeps one row
//!   per tile; [`tiles::append`] says which rows change when leaves are
//!   added, and [`tiles::inclusion_proof`] and [`tiles::consistency_proof`]
//!   read a few tiles and hash within them. The same tiles can be served
//!   over HTTP as static files ([`tiles::tile_path`]).
//! - **Tree heads** are checkpoints (c2sp.org/tlog-checkpoint,
//!   [`checkpoint`]) in signed notes (c2sp.org/signed-note, [`note`]) with
//!   Ed25519 signatures, so that witnesses and monitors written for the Go
//!   ecosystem (sumdb, Sigsum, Tessera) read them as they are.
//! - **Receipts** are c2sp.org/tlog-proof texts ([`receipt`]): the leaf in
//!   the `extra` line, its index, its inclusion proof and the signed
//!   checkpoint. [`verify_licence_receipt`] checks, offline, that a licence
//!   envelope was logged as issued.
//!
//! Verification functions here ([`verify_inclusion`],
//! [`verify_consistency`], …) take no storage at all, and every one of
//! them bounds its work: a proof has at most [`MAX_PROOF_LEN`] hashes.
//!
//! ```
//! use elicence::log::{self, MemoryTiles, tiles};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut store = MemoryTiles::new();
//! let leaves: Vec<log::Hash> = (0u32..1000).map(|i| log::leaf_hash(&i.to_be_bytes())).collect();
//! let appended = tiles::append(&mut store, 0, &leaves)?;
//! store.write(&appended.tiles);
//!
//! let proof = tiles::inclusion_proof(&mut store, 417, appended.size)?;
//! log::verify_inclusion(417, appended.size, &leaves[417], &proof, &appended.root)?;
//!
//! let old_root = tiles::root(&mut store, 600)?;
//! let proof = tiles::consistency_proof(&mut store, 600, 1000)?;
//! log::verify_consistency(600, 1000, &proof, &old_root, &appended.root)?;
//! # Ok(())
//! # }
//! ```

use sha2::{Digest, Sha256};
use thiserror::Error;

pub mod checkpoint;
pub mod event;
pub mod note;
pub mod receipt;
pub mod tiles;

pub use checkpoint::{Checkpoint, CheckpointError, open_checkpoint, sign_checkpoint};
pub use event::{EventError, LogEvent};
pub use note::{NoteError, NoteSigner, NoteVerifier, VerifiedNote};
pub use receipt::{LoggedIssuance, Receipt, ReceiptError, verify_licence_receipt};
pub use tiles::{Appended, MemoryTiles, TileSource, TileWrite, TreeError};

/// A SHA-256 hash: a leaf hash, a node hash or a tree's root.
pub type Hash = [u8; 32];

/// Most hashes in any proof: a tree of up to 2^64 leaves is 64 levels
/// deep, and no inclusion or consistency proof needs more.
pub const MAX_PROOF_LEN: usize = 64;

/// The leaf hash of RFC 9162 §2.1.1: `SHA-256(0x00 || leaf)`.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(leaf);
    h.finalize().into()
}

/// The interior node hash of RFC 9162 §2.1.1:
/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf is not in the tree: its index is at or past the tree's size
    /// (every index is, in an empty tree).
    #[error("index {index} is not in a tree of {size} leaves")]
    IndexOutOfRange {
        /// The leaf's index.
        index: u64,
        /// The tree's size.
        size: u64,
    },
    /// The proof has the wrong number of hashes for its sizes (or more than
    /// [`MAX_PROOF_LEN`]).
    #[error("the proof has {len} hashes; {expected} are needed")]
    WrongLength {
        /// How many it has.
        len: usize,
        /// How many the sizes call for.
        expected: usize,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("tree size {size2} is smaller than {size1}")]
    SizeOrder {
        /// The first (older) size.
        size1: u64,
        /// The second (newer) size.
        size2: u64,
    },
    /// A consistency proof from the empty tree, which proves nothing: every
    /// tree extends the empty tree, so there is nothing to check.
    #[error("a consistency proof from the empty tree proves nothing")]
    FromEmptyTree,
    /// The hashes do not lead to the root given (for a consistency proof:
    /// to one of the two roots).
    #[error("the proof does not lead to the {which} root")]
    RootMismatch {
        /// Which root: `"tree"` for an inclusion proof, `"first"` or
        /// `"second"` for a consistency proof, `"subtree"` for a subtree
        /// consistency proof's own root.
        which: &'static str,
    },
    /// A subtree `[start, end)` that is not a node of any tree: `start`
    /// after `end`, or `start` not a multiple of the smallest power of two
    /// at least `end - start`.
    #[error("[{start}, {end}) is not a subtree")]
    BadSubtree {
        /// First leaf.
        start: u64,
        /// One past the last leaf.
        end: u64,
    },
}

impl ProofError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            ProofError::IndexOutOfRange { .. } => "index_out_of_range",
            ProofError::WrongLength { .. } => "wrong_proof_length",
            ProofError::SizeOrder { .. } => "size_order",
            ProofError::FromEmptyTree => "from_empty_tree",
            ProofError::RootMismatch { .. } => "root_mismatch",
            ProofError::BadSubtree { .. } => "bad_subtree",
        }
    }
}

/// Number of significant bits: 0 for 0, 64 for values with the top bit set.
fn bit_len(n: u64) -> u32 {
    u64::BITS - n.leading_zeros()
}

/// `n >> shift`, 0 when `shift` is 64 or more.
fn shr(n: u64, shift: u32) -> u64 {
    n.checked_shr(shift).unwrap_or(0)
}

/// Whether bit `bit` of `n` is set (false past bit 63).
fn bit(n: u64, bit: u32) -> bool {
    shr(n, bit) & 1 == 1
}

/// How an inclusion proof for leaf `index` of a tree of `size` leaves
/// splits: `inner` hashes below the level where the paths to `index` and
/// `size - 1` part, then `border` left siblings above it. Requires
/// `index < size`.
fn decompose(index: u64, size: u64) -> (usize, usize) {
    let inner = bit_len(index ^ (size - 1));
    let border = shr(index, inner).count_ones();
    (inner as usize, border as usize)
}

/// Hashes `seed`, the node at `index` on its level, up through `proof`,
/// each hash a sibling on the side that `index`'s bits say.
fn chain_inner(mut seed: Hash, proof: &[Hash], index: u64) -> Hash {
    for (level, h) in (0u32..).zip(proof) {
        seed = if bit(index, level) {
            node_hash(h, &seed)
        } else {
            node_hash(&seed, h)
        };
    }
    seed
}

/// As [`chain_inner`], but only with the siblings on the left: the hash of
/// the older, smaller version of the same subtree.
fn chain_inner_right(mut seed: Hash, proof: &[Hash], index: u64) -> Hash {
    for (level, h) in (0u32..).zip(proof) {
        if bit(index, level) {
            seed = node_hash(h, &seed);
        }
    }
    seed
}

/// Hashes `seed` up through left siblings only (the tree's right border).
fn chain_border_right(mut seed: Hash, proof: &[Hash]) -> Hash {
    for h in proof {
        seed = node_hash(h, &seed);
    }
    seed
}

fn check_len(len: usize, expected: usize) -> Result<(), ProofError> {
    if len == expected && len <= MAX_PROOF_LEN {
        Ok(())
    } else {
        Err(ProofError::WrongLength { len, expected })
    }
}

fn check_root(computed: &Hash, expected: &Hash, which: &'static str) -> Result<(), ProofError> {
    if computed == expected {
        Ok(())
    } else {
        Err(ProofError::RootMismatch { which })
    }
}

/// The root that an inclusion proof for leaf `index` (with hash
/// `leaf_hash`) leads to in a tree of `size` leaves (RFC 9162 §2.1.3.2).
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] unless `index < size`;
/// [`ProofError::WrongLength`] if the proof is not exactly as long as the
/// sizes require.
pub fn root_from_inclusion(
    index: u64,
    size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (inner, border) = decompose(index, size);
    check_len(proof.len(), inner + border)?;
    let (inner_proof, border_proof) =
        proof
            .split_at_checked(inner)
            .ok_or(ProofError::WrongLength {
                len: proof.len(),
                expected: inner + border,
            })?;
    let seed = chain_inner(*leaf_hash, inner_proof, index);
    Ok(chain_border_right(seed, border_proof))
}

/// Checks that `proof` shows leaf `index`, with hash `leaf_hash`, in the
/// tree of `size` leaves whose root is `root`.
///
/// # Errors
/// As [`root_from_inclusion`], and [`ProofError::RootMismatch`] if the
/// proof leads to another root.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion(index, size, leaf_hash, proof)?;
    check_root(&computed, root, "tree")
}

/// Checks that `proof` shows the tree of `size1` leaves with root `root1`
/// to be a prefix of the tree of `size2` leaves with root `root2`
/// (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots. A proof from the empty
/// tree is refused ([`ProofError::FromEmptyTree`]): every tree extends it,
/// so callers have nothing to check.
///
/// # Errors
/// [`ProofError::SizeOrder`], [`ProofError::FromEmptyTree`],
/// [`ProofError::WrongLength`], or [`ProofError::RootMismatch`] naming the
/// root that does not match.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), ProofError> {
    if size2 < size1 {
        return Err(ProofError::SizeOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(ProofError::FromEmptyTree);
    }
    if size1 == size2 {
        check_len(proof.len(), 0)?;
        return check_root(root1, root2, "second");
    }
    let computed = subtree_consistency_root(0, size1, size2, proof, root1)?;
    check_root(&computed, root2, "second")
}

/// Whether `[start, end)` is a subtree: some node of a large enough tree
/// covers exactly its leaves, and none to their left.
fn check_subtree(start: u64, end: u64) -> Result<(), ProofError> {
    let bad = ProofError::BadSubtree { start, end };
    if start > end {
        return Err(bad);
    }
    if start == 0 || start == end {
        return Ok(());
    }
    // The smallest power of two at least `end - start`; past 2^63 none
    // fits in a u64 and start would have to be 0.
    let width = (end - start)
        .checked_next_power_of_two()
        .ok_or(bad.clone())?;
    // `width` is a power of two.
    if start & (width - 1) == 0 {
        Ok(())
    } else {
        Err(bad)
    }
}

/// Checks a subtree inclusion proof (transparency-dev/merkle,
/// draft-ietf-plants-merkle-tree-certs): `proof` shows leaf `index` in the
/// subtree `[start, end)` whose hash is `subtree_root`.
///
/// # Errors
/// [`ProofError::BadSubtree`] if `[start, end)` is no subtree,
/// [`ProofError::IndexOutOfRange`] if `index` is outside it, otherwise as
/// [`verify_inclusion`].
pub fn verify_subtree_inclusion(
    index: u64,
    start: u64,
    end: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
    subtree_root: &Hash,
) -> Result<(), ProofError> {
    check_subtree(start, end)?;
    if index < start || index >= end {
        return Err(ProofError::IndexOutOfRange { index, size: end });
    }
    let computed = root_from_inclusion(index - start, end - start, leaf_hash, proof)?;
    check_root(&computed, subtree_root, "tree")
}

/// Checks a subtree consistency proof: `proof` shows the subtree
/// `[start, end)` with hash `subtree_root` to be part of the tree of `size`
/// leaves with root `root`. An empty subtree (`start == end`) needs an
/// empty proof and the empty root, and says nothing about `root`.
///
/// # Errors
/// [`ProofError::BadSubtree`], [`ProofError::SizeOrder`] if the subtree
/// ends past `size`, [`ProofError::WrongLength`] or
/// [`ProofError::RootMismatch`].
pub fn verify_subtree_consistency(
    start: u64,
    end: u64,
    size: u64,
    proof: &[Hash],
    subtree_root: &Hash,
    root: &Hash,
) -> Result<(), ProofError> {
    check_subtree(start, end)?;
    if size < end {
        return Err(ProofError::SizeOrder {
            size1: end,
            size2: size,
        });
    }
    if start == end {
        check_len(proof.len(), 0)?;
        return check_root(subtree_root, &empty_root(), "subtree");
    }
    if start == 0 && end == size {
        check_len(proof.len(), 0)?;
        return check_root(subtree_root, root, "tree");
    }
    let computed = subtree_consistency_root(start, end, size, proof, subtree_root)?;
    check_root(&computed, root, "tree")
}

/// The root of the tree of `size` leaves that a consistency proof from the
/// subtree `[start, end)` with hash `sub_root` leads to, after checking the
/// proof's hashes inside the subtree against `sub_root`. Requires a valid
/// subtree with `start < end < size`, or `start < end == size` and
/// `start > 0` (the cases above handle the rest).
fn subtree_consistency_root(
    start: u64,
    end: u64,
    size: u64,
    proof: &[Hash],
    sub_root: &Hash,
) -> Result<Hash, ProofError> {
    if end == size {
        // The subtree is on the right border: one left sibling for each
        // level where its ancestor is a right child.
        let level = bit_len((end - 1) ^ start);
        let index = shr(start, level);
        check_len(proof.len(), index.count_ones() as usize)?;
        return Ok(chain_border_right(*sub_root, proof));
    }
    // Split where the paths to leaves end - 1 and size - 1 part.
    let (fork, border) = decompose(end - 1, size);
    // Height of the rightmost perfect subtree inside [start, end): the
    // proof starts at that level.
    let shift = (end - start).trailing_zeros();
    let wrong = || ProofError::WrongLength {
        len: proof.len(),
        expected: MAX_PROOF_LEN + 1,
    };
    let inner = fork.checked_sub(shift as usize).ok_or_else(wrong)?;
    // A perfect subtree is its own rightmost perfect subtree, whose hash
    // the verifier has; otherwise the proof starts with that hash.
    let perfect = end - start == 1u64.checked_shl(shift).unwrap_or(0);
    let (seed, rest) = if perfect {
        (*sub_root, proof)
    } else {
        let (first, rest) = proof.split_first().ok_or(ProofError::WrongLength {
            len: 0,
            expected: 1 + inner + border,
        })?;
        (*first, rest)
    };
    let expected = usize::from(!perfect) + inner + border;
    check_len(proof.len(), expected)?;
    let (inner_proof, border_proof) = rest.split_at_checked(inner).ok_or_else(wrong)?;
    let mask = shr(end - 1, shift);

    if !perfect {
        // The hashes that lie inside the subtree must rebuild its root.
        let height = bit_len((end - 1) ^ start);
        let fork_level = bit_len((end - 1) ^ (size - 1));
        let sub_inner = (height.min(fork_level) as usize)
            .checked_sub(shift as usize)
            .ok_or_else(wrong)?;
        let sub_border = border.saturating_sub(shr(end - 1, height).count_ones() as usize);
        let first = inner_proof.get(..sub_inner).ok_or_else(wrong)?;
        let second = border_proof.get(..sub_border).ok_or_else(wrong)?;
        let hash1 = chain_border_right(chain_inner_right(seed, first, mask), second);
        let which = if start == 0 { "first" } else { "subtree" };
        check_root(&hash1, sub_root, which)?;
    }
    Ok(chain_border_right(
        chain_inner(seed, inner_proof, mask),
        border_proof,
    ))
}

#[cfg(test)]
mod tests;
