use std::convert::Infallible;

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};

use super::checkpoint::{Checkpoint, CheckpointError, open_checkpoint, sign_checkpoint};
use super::event::{EventError, LEAF_CONTEXT, LogEvent, MAX_LEAF_LEN};
use super::note::{self, MAX_NOTE_LEN, MAX_SIGNATURES, NoteError, NoteSigner, NoteVerifier};
use super::receipt::{MAX_RECEIPT_LEN, Receipt, ReceiptError, verify_licence_receipt};
use super::tiles::{
    self, BundleError, MemoryTiles, TilePath, TilePathError, TileSource, TileWrite, TreeError,
    entries_path, entry_bundle, parse_entry_bundle, parse_tile_path, tile_path,
};
use super::*;
use crate::cbor::Encoder;
use crate::date::UnixTime;
use crate::envelope::SignedLicence;
use crate::ident::Uscc;
use crate::keys::{PublicKey, Signer, SigningKey};
use crate::licence::{Licence, StatusReference};
use crate::status::LicenceStatus;

// ---------------------------------------------------------------------------
// Helpers: a small deterministic RNG and a naive RFC 9162 tree.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH of RFC 9162 §2.1.1, recursively.
fn mth(l: &[Hash]) -> Hash {
    match l.len() {
        0 => empty_root(),
        1 => l[0],
        n => {
            let k = split(n);
            node_hash(&mth(&l[..k]), &mth(&l[k..]))
        }
    }
}

/// PATH(m, D[n]) of RFC 9162 §2.1.3.1.
fn path(m: usize, l: &[Hash]) -> Vec<Hash> {
    if l.len() <= 1 {
        return Vec::new();
    }
    let k = split(l.len());
    if m < k {
        let mut p = path(m, &l[..k]);
        p.push(mth(&l[k..]));
        p
    } else {
        let mut p = path(m - k, &l[k..]);
        p.push(mth(&l[..k]));
        p
    }
}

/// SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1.
fn subproof(m: usize, l: &[Hash], b: bool) -> Vec<Hash> {
    let n = l.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(l)] };
    }
    let k = split(n);
    if m <= k {
        let mut p = subproof(m, &l[..k], b);
        p.push(mth(&l[k..]));
        p
    } else {
        let mut p = subproof(m - k, &l[k..], false);
        p.push(mth(&l[..k]));
        p
    }
}

fn hex32(s: &str) -> Hash {
    hex::decode(s).unwrap().try_into().unwrap()
}

/// Builds a tree of `hashes` in random chunks, checking every root that
/// `append` returns against the naive one.
fn build(hashes: &[Hash], rng: &mut Rng, max_chunk: u64) -> MemoryTiles {
    let mut store = MemoryTiles::new();
    let mut size = 0usize;
    while size < hashes.len() {
        let chunk = (1 + rng.below(max_chunk) as usize).min(hashes.len() - size);
        let appended = tiles::append(&mut store, size as u64, &hashes[size..size + chunk]).unwrap();
        store.write(&appended.tiles);
        size += chunk;
        assert_eq!(appended.size, size as u64);
        if size <= 2048 {
            assert_eq!(appended.root, mth(&hashes[..size]), "root at {size}");
        }
    }
    store
}

/// The tiles a tree of `hashes` must be stored as, computed naively from the
/// specification's definition of tile `n` at level `l`.
fn expected_tiles(hashes: &[Hash]) -> Vec<TileWrite> {
    let mut out = Vec::new();
    let size = hashes.len() as u64;
    for level in 0u8..8 {
        let span = 256u64.pow(u32::from(level)); // leaves per hash
        let count = size / span;
        if count == 0 {
            break;
        }
        for index in 0..count.div_ceil(256) {
            let width = (count - index * 256).min(256);
            let mut bytes = Vec::new();
            for i in 0..width {
                let start = ((index * 256 + i) * span) as usize;
                bytes.extend_from_slice(&mth(&hashes[start..start + span as usize]));
            }
            out.push(TileWrite {
                level,
                index,
                hashes: bytes,
            });
        }
    }
    out
}

fn sorted_tiles(store: &MemoryTiles, max_level: u8) -> Vec<TileWrite> {
    let mut out = Vec::new();
    for level in 0..=max_level {
        let mut index = 0;
        while let Some(t) = store.get(level, index) {
            out.push(TileWrite {
                level,
                index,
                hashes: t.to_vec(),
            });
            index += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Hashing and proof verification.

#[test]
fn hashes_are_rfc_9162() {
    assert_eq!(
        empty_root(),
        hex32("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    // RFC 6962 test data (certificate-transparency-go): the empty leaf.
    assert_eq!(
        leaf_hash(b""),
        hex32("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    );
    let (l, r) = (leaf_hash(b"a"), leaf_hash(b"b"));
    let mut h = Sha256::new();
    h.update([1]);
    h.update(l);
    h.update(r);
    assert_eq!(node_hash(&l, &r), <Hash>::from(h.finalize()));
    // The first 8 leaves of the RFC 6962 test tree (0x00, 0x10, ...) and
    // their root, as in the transparency-dev/merkle vectors.
    let data: [&[u8]; 8] = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ];
    let hashes: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
    assert_eq!(
        mth(&hashes),
        hex32("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
    );
}

#[test]
fn proofs_verify_and_tampered_ones_do_not() {
    let l = leaves(37);
    for n in 1..=l.len() {
        let root = mth(&l[..n]);
        for m in 0..n {
            let proof = path(m, &l[..n]);
            assert_eq!(
                root_from_inclusion(m as u64, n as u64, &l[m], &proof),
                Ok(root)
            );
            verify_inclusion(m as u64, n as u64, &l[m], &proof, &root).unwrap();
            // Every bit of every hash matters.
            for i in 0..proof.len() {
                let mut bad = proof.clone();
                bad[i][7] ^= 0x10;
                assert_eq!(
                    verify_inclusion(m as u64, n as u64, &l[m], &bad, &root),
                    Err(ProofError::RootMismatch { which: "tree" })
                );
            }
            let mut longer = proof.clone();
            longer.push(root);
            assert!(matches!(
                verify_inclusion(m as u64, n as u64, &l[m], &longer, &root),
                Err(ProofError::WrongLength { .. })
            ));
            if !proof.is_empty() {
                assert!(matches!(
                    verify_inclusion(m as u64, n as u64, &l[m], &proof[1..], &root),
                    Err(ProofError::WrongLength { .. })
                ));
            }
            // A proof for another leaf, or with the leaf's hash for another index.
            let other = (m + 1) % n;
            if other != m {
                assert!(verify_inclusion(other as u64, n as u64, &l[m], &proof, &root).is_err());
                assert!(verify_inclusion(m as u64, n as u64, &l[other], &proof, &root).is_err());
            }
            assert_eq!(
                verify_inclusion(n as u64, n as u64, &l[m], &proof, &root),
                Err(ProofError::IndexOutOfRange {
                    index: n as u64,
                    size: n as u64
                })
            );
        }
        for m in 1..=n {
            let proof = subproof(m, &l[..n], true);
            let old = mth(&l[..m]);
            verify_consistency(m as u64, n as u64, &proof, &old, &root).unwrap();
            for i in 0..proof.len() {
                let mut bad = proof.clone();
                bad[i][0] ^= 1;
                assert!(matches!(
                    verify_consistency(m as u64, n as u64, &bad, &old, &root),
                    Err(ProofError::RootMismatch { .. })
                ));
            }
            if m < n {
                let mut wrong_old = old;
                wrong_old[31] ^= 1;
                assert!(verify_consistency(m as u64, n as u64, &proof, &wrong_old, &root).is_err());
                assert!(verify_consistency(m as u64, n as u64, &[], &old, &root).is_err());
            }
        }
    }
}

#[test]
fn proof_edge_cases() {
    let r = leaf_hash(b"x");
    // Size-0 trees hold no leaf and extend nothing.
    assert_eq!(
        verify_inclusion(0, 0, &r, &[], &empty_root()),
        Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
    );
    assert_eq!(
        verify_consistency(0, 0, &[], &empty_root(), &empty_root()),
        Err(ProofError::FromEmptyTree)
    );
    assert_eq!(
        verify_consistency(0, 5, &[], &empty_root(), &r),
        Err(ProofError::FromEmptyTree)
    );
    assert_eq!(
        verify_consistency(2, 1, &[], &r, &r),
        Err(ProofError::SizeOrder { size1: 2, size2: 1 })
    );
    verify_consistency(7, 7, &[], &r, &r).unwrap();
    assert!(verify_consistency(7, 7, &[r], &r, &r).is_err());
    assert!(verify_consistency(7, 7, &[], &r, &empty_root()).is_err());
    // The largest sizes: proofs are at most 64 hashes, nothing overflows.
    let max = u64::MAX;
    let (inner, border) = super::decompose(max - 1, max);
    assert!(inner + border <= MAX_PROOF_LEN);
    let proof = vec![r; inner + border];
    assert!(matches!(
        verify_inclusion(max - 1, max, &r, &proof, &r),
        Err(ProofError::RootMismatch { .. })
    ));
    assert!(verify_inclusion(0, max, &r, &vec![r; 64], &r).is_err());
    assert!(verify_inclusion(0, max, &r, &vec![r; 65], &r).is_err());
    assert!(verify_consistency(1, max, &vec![r; 64], &r, &r).is_err());
    assert!(verify_consistency(max - 1, max, &vec![r; 65], &r, &r).is_err());
    assert!(verify_subtree_consistency(1 << 62, (1 << 62) + 1, max, &[r; 3], &r, &r).is_err());
    assert_eq!(
        verify_subtree_inclusion(5, 3, 4, &r, &[], &r),
        Err(ProofError::IndexOutOfRange { index: 5, size: 4 })
    );
    assert_eq!(
        verify_subtree_inclusion(3, 3, 5, &r, &[], &r),
        Err(ProofError::BadSubtree { start: 3, end: 5 })
    );
    assert!(matches!(
        verify_subtree_inclusion(0, 1, u64::MAX, &r, &[], &r),
        Err(ProofError::BadSubtree { .. })
    ));
    for e in [
        ProofError::IndexOutOfRange { index: 1, size: 1 },
        ProofError::WrongLength {
            len: 1,
            expected: 2,
        },
        ProofError::SizeOrder { size1: 2, size2: 1 },
        ProofError::FromEmptyTree,
        ProofError::RootMismatch { which: "tree" },
        ProofError::BadSubtree { start: 1, end: 4 },
    ] {
        assert!(!e.code().is_empty() && !e.to_string().is_empty());
    }
}

// ---------------------------------------------------------------------------
// Tiles.

/// Perfect subtree hashes level by level, computed plainly from the leaves.
fn naive_levels(hashes: &[Hash]) -> Vec<Vec<Hash>> {
    let mut levels: Vec<Vec<Hash>> = vec![hashes.to_vec()];
    while levels.last().unwrap().len() > 1 {
        let next = levels
            .last()
            .unwrap()
            .chunks_exact(2)
            .map(|p| node_hash(&p[0], &p[1]))
            .collect();
        levels.push(next);
    }
    levels
}

/// The root of the first `n` leaves from their binary decomposition into
/// perfect subtrees (largest first, folded from the right), which is what
/// RFC 9162's recursive MTH comes to.
fn prefix_root(levels: &[Vec<Hash>], n: u64) -> Hash {
    let mut parts = Vec::new();
    let mut at = 0u64;
    for k in (0..levels.len()).rev() {
        if n & (1 << k) != 0 {
            parts.push(levels[k][(at >> k) as usize]);
            at += 1 << k;
        }
    }
    let Some(last) = parts.pop() else {
        return empty_root();
    };
    parts.iter().rev().fold(last, |r, l| node_hash(l, &r))
}

#[test]
fn tiles_match_a_naive_tree_at_every_size_up_to_700() {
    let mut rng = Rng(0x5eed_1234_5678_9abc);
    let hashes = leaves(700);
    let mut store = build(&hashes, &mut rng, 40);
    assert_eq!(sorted_tiles(&store, 2), expected_tiles(&hashes));
    let levels = naive_levels(&hashes);
    let roots: Vec<Hash> = (0..=700).map(|n| prefix_root(&levels, n)).collect();
    for n in (0..=130).chain([255, 256, 257, 511, 512, 513, 700]) {
        assert_eq!(roots[n], mth(&hashes[..n]), "{n}");
    }

    // Every size, read from the widest tiles (which serve older sizes):
    // every proof of the small trees, and some of the larger ones.
    for n in 0..=700u64 {
        assert_eq!(
            tiles::root(&mut store, n).unwrap(),
            roots[n as usize],
            "root {n}"
        );
        if n == 0 {
            continue;
        }
        let (indices, sizes): (Vec<u64>, Vec<u64>) = if n <= 48 {
            ((0..n).collect(), (1..=n).collect())
        } else if n % 2 == 0 {
            (vec![n - 1], vec![1 + rng.below(n)])
        } else {
            (vec![rng.below(n)], vec![n - 1])
        };
        for m in indices {
            let proof = tiles::inclusion_proof(&mut store, m, n).unwrap();
            verify_inclusion(m, n, &hashes[m as usize], &proof, &roots[n as usize]).unwrap();
            if n <= 48 {
                assert_eq!(
                    proof,
                    path(m as usize, &hashes[..n as usize]),
                    "path {m} {n}"
                );
            }
        }
        for m in sizes {
            let proof = tiles::consistency_proof(&mut store, m, n).unwrap();
            verify_consistency(m, n, &proof, &roots[m as usize], &roots[n as usize]).unwrap();
            if n <= 48 {
                assert_eq!(proof, subproof(m as usize, &hashes[..n as usize], true));
            }
        }
    }
}

#[test]
fn appending_one_at_a_time_or_all_at_once_gives_the_same_tiles() {
    let hashes = leaves(600);
    let mut one = MemoryTiles::new();
    for (i, h) in hashes.iter().enumerate() {
        let a = tiles::append(&mut one, i as u64, std::slice::from_ref(h)).unwrap();
        // A leaf changes one tile per level it completes, plus its own.
        assert!(!a.tiles.is_empty() && a.tiles.len() <= 3);
        one.write(&a.tiles);
    }
    let mut all = MemoryTiles::new();
    let a = tiles::append(&mut all, 0, &hashes).unwrap();
    all.write(&a.tiles);
    assert_eq!(one, all);
    assert_eq!(a.root, mth(&hashes));
    // Appending nothing changes nothing and gives the root.
    let none = tiles::append(&mut all, 600, &[]).unwrap();
    assert_eq!((none.size, none.root, none.tiles.len()), (600, a.root, 0));
    assert_eq!(
        tiles::append(&mut MemoryTiles::new(), 0, &[]).unwrap().root,
        empty_root()
    );
}

/// A source that counts reads, to check that appends read O(log) tiles.
struct Counting<'a> {
    inner: &'a mut MemoryTiles,
    reads: usize,
}

impl TileSource for Counting<'_> {
    type Error = Infallible;
    fn tile(&mut self, level: u8, index: u64) -> Result<Option<Vec<u8>>, Infallible> {
        self.reads += 1;
        self.inner.tile(level, index)
    }
}

#[test]
fn large_trees_and_the_specification_example_of_70000() {
    let mut rng = Rng(77);
    let hashes = leaves(140_123);
    // 70,000 leaves: 273 full level-0 tiles, one partial of width 112, one
    // full level-1 tile, one partial of width 17, one level-2 tile of width 1
    // (c2sp.org/tlog-tiles, "Partial Tiles").
    let mut store = build(&hashes[..70_000], &mut rng, 3000);
    let mut widths: Vec<(u8, u64, u64)> = Vec::new();
    for level in 0..4u8 {
        let mut index = 0;
        while let Some(t) = store.get(level, index) {
            widths.push((level, index, (t.len() / 32) as u64));
            index += 1;
        }
    }
    let full0 = widths
        .iter()
        .filter(|&&(l, _, w)| l == 0 && w == 256)
        .count();
    assert_eq!(full0, 273);
    assert_eq!(widths.get(273), Some(&(0, 273, 112)));
    assert_eq!(
        &widths[274..],
        &[(1, 0, 256), (1, 1, 17), (2, 0, 1)],
        "{widths:?}"
    );
    assert_eq!(store.len(), 277);

    // Grow on in random chunks; every proof at random sizes verifies.
    let mut size = 70_000usize;
    while size < hashes.len() {
        let chunk = (1 + rng.below(5000) as usize).min(hashes.len() - size);
        let mut counting = Counting {
            inner: &mut store,
            reads: 0,
        };
        let a = tiles::append(&mut counting, size as u64, &hashes[size..size + chunk]).unwrap();
        assert!(counting.reads <= 8, "{} reads", counting.reads);
        store.write(&a.tiles);
        size += chunk;
    }
    let levels = naive_levels(&hashes);
    let prefix_root = |n: u64| prefix_root(&levels, n);
    assert_eq!(prefix_root(140_123), mth(&hashes));
    for n in [
        65_536u64,
        65_537,
        70_000,
        131_072,
        140_123,
        1 + rng.below(140_123),
    ] {
        let root = prefix_root(n);
        assert_eq!(tiles::root(&mut store, n).unwrap(), root);
        for m in [0, n - 1, rng.below(n), 65_535.min(n - 1)] {
            let proof = tiles::inclusion_proof(&mut store, m, n).unwrap();
            verify_inclusion(m, n, &hashes[m as usize], &proof, &root).unwrap();
        }
        for m in [1, n, 1 + rng.below(n), 256.min(n)] {
            let proof = tiles::consistency_proof(&mut store, m, n).unwrap();
            verify_consistency(m, n, &proof, &prefix_root(m), &root).unwrap();
        }
    }
}

/// A source that always fails.
struct Broken;

impl TileSource for Broken {
    type Error = &'static str;
    fn tile(&mut self, _: u8, _: u64) -> Result<Option<Vec<u8>>, &'static str> {
        Err("disk on fire")
    }
}

#[test]
fn tree_errors() {
    let mut empty = MemoryTiles::new();
    assert_eq!(tiles::root(&mut empty, 0), Ok(empty_root()));
    assert_eq!(
        tiles::root(&mut empty, 5),
        Err(TreeError::MissingTile { level: 0, index: 0 })
    );
    assert_eq!(
        tiles::inclusion_proof(&mut empty, 0, 0),
        Err(TreeError::OutOfRange { index: 0, size: 0 })
    );
    assert_eq!(
        tiles::inclusion_proof(&mut empty, 9, 9),
        Err(TreeError::OutOfRange { index: 9, size: 9 })
    );
    assert_eq!(
        tiles::consistency_proof(&mut empty, 0, 4),
        Err(TreeError::FromEmptyTree)
    );
    assert_eq!(
        tiles::consistency_proof(&mut empty, 5, 4),
        Err(TreeError::SizeOrder { size1: 5, size2: 4 })
    );
    assert_eq!(tiles::consistency_proof(&mut empty, 4, 4), Ok(Vec::new()));
    assert_eq!(
        tiles::append(&mut empty, u64::MAX - 1, &leaves(2)),
        Err(TreeError::TooLarge {
            size: u64::MAX - 1,
            added: 2
        })
    );
    assert_eq!(
        tiles::append(&mut Broken, 3, &leaves(1)),
        Err(TreeError::Source("disk on fire"))
    );
    assert_eq!(
        tiles::root(&mut Broken, 3).unwrap_err().to_string(),
        "tile source: disk on fire"
    );

    let mut short = MemoryTiles::new();
    short.write(&[TileWrite {
        level: 0,
        index: 0,
        hashes: vec![7; 64],
    }]);
    assert_eq!(
        tiles::root(&mut short, 5),
        Err(TreeError::ShortTile {
            level: 0,
            index: 0,
            len: 64,
            needed: 128
        })
    );
    assert!(matches!(
        tiles::append(&mut short, 5, &leaves(1)),
        Err(TreeError::ShortTile { .. })
    ));
    for len in [0, 33, 8224] {
        let mut bad = MemoryTiles::new();
        bad.write(&[TileWrite {
            level: 0,
            index: 0,
            hashes: vec![1; len],
        }]);
        assert_eq!(
            tiles::root(&mut bad, 1),
            Err(TreeError::BadTile {
                level: 0,
                index: 0,
                len
            })
        );
    }
    // A stored tile wider than the tree (an append that was not recorded)
    // is cut back to the tree's hashes.
    let hashes = leaves(10);
    let mut store = MemoryTiles::new();
    let a = tiles::append(&mut store, 0, &hashes).unwrap();
    store.write(&a.tiles);
    let redo = tiles::append(&mut store, 4, &leaves(3)).unwrap();
    let mut expected = hashes[..4].to_vec();
    expected.extend(leaves(3));
    assert_eq!(redo.root, mth(&expected));
    assert_eq!(redo.tiles[0].hashes.len(), 7 * 32);
    assert_eq!(redo.tiles[0].width(), 7);

    let errors: [TreeError<Infallible>; 7] = [
        TreeError::MissingTile { level: 0, index: 0 },
        TreeError::ShortTile {
            level: 0,
            index: 0,
            len: 0,
            needed: 32,
        },
        TreeError::BadTile {
            level: 0,
            index: 0,
            len: 1,
        },
        TreeError::OutOfRange { index: 1, size: 1 },
        TreeError::SizeOrder { size1: 2, size2: 1 },
        TreeError::FromEmptyTree,
        TreeError::TooLarge { size: 1, added: 1 },
    ];
    let codes: std::collections::HashSet<_> = errors.iter().map(TreeError::code).collect();
    assert_eq!(codes.len(), errors.len());
}

#[test]
fn tile_paths() {
    // c2sp.org/tlog-tiles: "index 1234067 will be encoded as x001/x234/067".
    assert_eq!(tile_path(0, 1_234_067, 256), "tile/0/x001/x234/067");
    assert_eq!(tile_path(0, 1234, 12), "tile/0/x001/234.p/12");
    assert_eq!(tile_path(1, 0, 1), "tile/1/000.p/1");
    assert_eq!(tile_path(63, 999, 255), "tile/63/999.p/255");
    assert_eq!(tile_path(2, 1000, 0), "tile/2/x001/000");
    assert_eq!(tile_path(2, 5, 300), "tile/2/005");
    assert_eq!(entries_path(0, 256), "tile/entries/000");
    assert_eq!(entries_path(273, 112), "tile/entries/273.p/112");
    assert_eq!(
        tile_path(0, u64::MAX, 256),
        "tile/0/x018/x446/x744/x073/x709/x551/615"
    );
    assert_eq!(
        parse_tile_path("tile/0/x001/234.p/12"),
        Ok(TilePath::Hashes {
            level: 0,
            index: 1234,
            width: 12
        })
    );
    assert_eq!(
        parse_tile_path("tile/entries/x001/x234/067"),
        Ok(TilePath::Entries {
            index: 1_234_067,
            width: 256
        })
    );
    let mut rng = Rng(3);
    for _ in 0..2000 {
        let level = rng.below(64) as u8;
        let index = rng.next() >> rng.below(64);
        let width = 1 + rng.below(256);
        for path in [tile_path(level, index, width), entries_path(index, width)] {
            let parsed = parse_tile_path(&path).unwrap();
            assert_eq!(parsed.to_string(), path);
            assert_eq!((parsed.index(), parsed.width()), (index, width));
            assert_eq!(parsed.is_partial(), width < 256);
        }
    }
    let refused = [
        ("", "not_a_tile"),
        ("tile/", "not_a_tile"),
        ("tile/0", "not_a_tile"),
        ("/tile/0/000", "not_a_tile"),
        ("tiles/0/000", "not_a_tile"),
        ("tile/00/000", "bad_level"),
        ("tile/64/000", "bad_level"),
        ("tile/+1/000", "bad_level"),
        ("tile/data/000", "bad_level"),
        ("tile/256/000", "bad_level"),
        ("tile/0/", "bad_index"),
        ("tile/0/1", "bad_index"),
        ("tile/0/0001", "bad_index"),
        ("tile/0/x001", "bad_index"),
        ("tile/0/x000/001", "bad_index"),
        ("tile/0/X001/234", "bad_index"),
        ("tile/0/001/", "bad_index"),
        ("tile/0/001/x234", "bad_index"),
        ("tile/0/x01/234", "bad_index"),
        ("tile/0/x018/x446/x744/x073/x709/x551/616", "bad_index"),
        ("tile/0/x001/x018/x446/x744/x073/x709/x551/615", "bad_index"),
        ("tile/0/-01", "bad_index"),
        ("tile/0/.p/5", "bad_index"),
        ("tile/0/001.p/0", "bad_width"),
        ("tile/0/001.p/256", "bad_width"),
        ("tile/0/001.p/012", "bad_width"),
        ("tile/0/001.p/12/", "bad_width"),
        ("tile/0/001.p/12.p/1", "bad_width"),
        ("tile/0/001.p/", "bad_width"),
        ("tile/0/001.p/+5", "bad_width"),
        ("tile/entries/001.p/1a", "bad_width"),
    ];
    for (path, code) in refused {
        let e = parse_tile_path(path).unwrap_err();
        assert_eq!(e.code(), code, "{path}: {e}");
    }
    let long = format!("tile/0/{}", "x000/".repeat(20));
    assert!(matches!(
        parse_tile_path(&long),
        Err(TilePathError::TooLong { .. })
    ));
}

#[test]
fn entry_bundles() {
    let a = [0x61u8];
    let b = vec![7u8; 300];
    let bundle = entry_bundle(&[&a, &[], &b]).unwrap();
    assert_eq!(&bundle[..5], &[0, 1, 0x61, 0, 0]);
    assert_eq!(
        parse_entry_bundle(&bundle).unwrap(),
        vec![&a[..], &[][..], &b[..]]
    );
    assert_eq!(parse_entry_bundle(&[]).unwrap(), Vec::<&[u8]>::new());
    for cut in 1..bundle.len() {
        if cut == 3 || cut == 5 {
            continue; // Entry boundaries.
        }
        assert!(
            matches!(
                parse_entry_bundle(&bundle[..cut]),
                Err(BundleError::Truncated { .. })
            ),
            "{cut}"
        );
    }
    let big = vec![0u8; 65_536];
    assert_eq!(
        entry_bundle(&[&a, &big]),
        Err(BundleError::EntryTooLong {
            position: 1,
            len: 65_536
        })
    );
    let max = vec![0u8; 65_535];
    assert_eq!(
        parse_entry_bundle(&entry_bundle(&[&max]).unwrap()).unwrap()[0].len(),
        65_535
    );
    let many: Vec<&[u8]> = vec![&a; 257];
    assert_eq!(
        entry_bundle(&many),
        Err(BundleError::TooManyEntries { count: 257 })
    );
    let full = entry_bundle(&many[..256]).unwrap();
    assert_eq!(parse_entry_bundle(&full).unwrap().len(), 256);
    assert!(matches!(
        parse_entry_bundle(&[full.as_slice(), &[0, 0]].concat()),
        Err(BundleError::TooManyEntries { .. })
    ));
}

// ---------------------------------------------------------------------------
// Signed notes.

/// The example of golang.org/x/mod/sumdb/note (note_test.go, BSD-3-Clause):
/// its signer key, verifier key, text and signed note. Ed25519 is
/// deterministic, so our signer must write the same note byte for byte.
const GO_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n\
                       \n\
                       — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn go_signer() -> NoteSigner {
    // PRIVATE+KEY+<name>+<hash>+<base64>, and base64 may hold a `+`.
    let b64 = GO_SKEY.splitn(5, '+').nth(4).unwrap();
    let bytes = Base64::decode_vec(b64).unwrap();
    assert_eq!(bytes[0], 0x01);
    NoteSigner::new(
        "PeterNeumann",
        SigningKey::from_seed(&bytes[1..].try_into().unwrap()),
    )
    .unwrap()
}

fn signer(name: &str, seed: u8) -> NoteSigner {
    NoteSigner::new(name, SigningKey::from_seed(&[seed; 32])).unwrap()
}

#[test]
fn go_reference_note_is_reproduced_byte_for_byte() {
    let signer = go_signer();
    assert_eq!(signer.key_hash(), [0xc7, 0x4f, 0x20, 0xa3]);
    assert_eq!(signer.verifier().to_string(), GO_VKEY);
    assert_eq!(signer.sign(GO_TEXT).unwrap(), GO_NOTE);
    let verifier: NoteVerifier = GO_VKEY.parse().unwrap();
    assert_eq!(verifier, signer.verifier());
    let opened = note::open(GO_NOTE, &[verifier]).unwrap();
    assert_eq!(opened.text(), GO_TEXT);
    assert_eq!(opened.signers(), ["PeterNeumann"]);
    assert_eq!(format!("{signer:?}"), "NoteSigner(PeterNeumann+c74f20a3)");
}

#[test]
fn verifier_keys_are_strict() {
    let vkey = GO_VKEY;
    // Go's TestNewVerifier: no proper substring and no one-byte change of
    // the key is accepted.
    let b = vkey.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i != 0 || j != b.len() {
                let s = std::str::from_utf8(&b[i..j]).unwrap();
                assert!(s.parse::<NoteVerifier>().is_err(), "{s}");
            }
        }
    }
    for i in 0..b.len() {
        let mut c = b.to_vec();
        c[i] += 1;
        let s = String::from_utf8(c).unwrap();
        assert!(s.parse::<NoteVerifier>().is_err(), "{s}");
    }
    let err = |s: &str| s.parse::<NoteVerifier>().unwrap_err().code();
    assert_eq!(
        err("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        "bad_verifier_key"
    );
    assert_eq!(
        err("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        "key_hash_mismatch"
    );
    // Another signature type (0x04, cosignatures) with the same bytes.
    let mut typed = Base64::decode_vec("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").unwrap();
    typed[0] = 0x04;
    assert_eq!(
        err(&format!(
            "PeterNeumann+c74f20a3+{}",
            Base64::encode_string(&typed)
        )),
        "unsupported_key_type"
    );
    // The identity point has small order.
    let mut weak = [0u8; 33];
    weak[0] = 1;
    weak[1] = 1;
    let weak_key = PublicKey::from_bytes(&weak[1..].try_into().unwrap()).unwrap();
    let hash = note::key_hash("w", &weak_key);
    assert_eq!(
        err(&format!(
            "w+{}+{}",
            hex::encode(hash),
            Base64::encode_string(&weak)
        )),
        "bad_key"
    );
    assert_eq!(NoteVerifier::new("w", weak_key), Err(NoteError::BadKey));
    assert_eq!(err("a b+c74f20a3+AA=="), "bad_key_name");
    assert_eq!(err("PeterNeumann+c74f20a3"), "bad_verifier_key");
    assert_eq!(err(&"x".repeat(400)), "bad_verifier_key");
}

#[test]
fn key_names() {
    let key = || SigningKey::from_seed(&[1; 32]);
    for bad in ["", "a b", "a+b", "a\tb", "a\u{3000}b", "a\u{85}b", "a\nb"] {
        assert!(
            matches!(NoteSigner::new(bad, key()), Err(NoteError::BadName { .. })),
            "{bad:?}"
        );
        assert!(NoteVerifier::new(bad, key().public_key()).is_err());
    }
    assert!(NoteSigner::new(&"n".repeat(257), key()).is_err());
    assert!(NoteSigner::new(&"n".repeat(256), key()).is_ok());
    assert!(NoteSigner::new("日志.example/一", key()).is_ok());
}

#[test]
fn notes_sign_open_and_cosign() {
    let log = signer("log.example/a", 1);
    let witness = signer("witness.example", 2);
    let text = "one\n\ntwo\n";
    let signed = log.sign(text).unwrap();
    assert!(signed.starts_with("one\n\ntwo\n\n— log.example/a "));
    let both = note::cosign(&signed, &witness).unwrap();
    let opened = note::open(&both, &[witness.verifier(), log.verifier()]).unwrap();
    assert_eq!(opened.text(), text);
    assert_eq!(opened.signers(), ["log.example/a", "witness.example"]);
    // Only the log's key known: the witness's line is skipped.
    assert_eq!(
        note::open(&both, &[log.verifier()]).unwrap().signers(),
        ["log.example/a"]
    );
    assert_eq!(
        note::cosign(&both, &witness),
        Err(NoteError::DuplicateSignature {
            name: "witness.example".into()
        })
    );
    for bad in ["", "no newline", "tab\there\n", "cr\r\n"] {
        assert!(
            matches!(log.sign(bad), Err(NoteError::BadText { .. })),
            "{bad:?}"
        );
    }
    assert!(matches!(
        log.sign(&format!("{}\n", "a".repeat(MAX_NOTE_LEN))),
        Err(NoteError::BadText { .. })
    ));
}

#[test]
fn note_attacks() {
    let log = signer("log.example/a", 1);
    let known = [log.verifier()];
    let text = "hello\n";
    let signed = log.sign(text).unwrap();
    let line = signed.strip_prefix("hello\n\n").unwrap();
    let blob = line.trim_end().rsplit(' ').next().unwrap();
    let raw = Base64::decode_vec(blob).unwrap();

    // The right key hash with a wrong signature.
    let mut forged = raw.clone();
    forged[10] ^= 1;
    let forged_note = format!(
        "hello\n\n— log.example/a {}\n",
        Base64::encode_string(&forged)
    );
    assert_eq!(
        note::open(&forged_note, &known),
        Err(NoteError::BadSignature {
            name: "log.example/a".into(),
            key_hash: log.key_hash()
        })
    );
    // ... even beside a valid one.
    let two = format!(
        "{signed}— log.example/a {}\n",
        Base64::encode_string(&forged)
    );
    assert!(note::open(&two, &known).is_err());
    // Changed text.
    assert!(matches!(
        note::open(&signed.replace("hello", "hellO"), &known),
        Err(NoteError::BadSignature { .. })
    ));
    // Another key under the same name: another key hash, so unknown.
    let impostor = signer("log.example/a", 9);
    assert_eq!(
        note::open(&impostor.sign(text).unwrap(), &known),
        Err(NoteError::NoKnownSignature)
    );
    // The impostor's signature under the real key's hash.
    let imp = impostor.sign(text).unwrap();
    let imp_blob = Base64::decode_vec(imp.trim_end().rsplit(' ').next().unwrap()).unwrap();
    let mut swapped = log.key_hash().to_vec();
    swapped.extend_from_slice(&imp_blob[4..]);
    assert!(matches!(
        note::open(
            &format!(
                "hello\n\n— log.example/a {}\n",
                Base64::encode_string(&swapped)
            ),
            &known
        ),
        Err(NoteError::BadSignature { .. })
    ));
    // The same signature line twice.
    assert_eq!(
        note::open(&format!("{signed}{line}"), &known),
        Err(NoteError::DuplicateSignature {
            name: "log.example/a".into()
        })
    );
    // Unknown signatures, even repeated, are skipped.
    let unknown = "— other.example AAAAAAAAAAAAAAA=\n";
    let padded = format!("{signed}{unknown}{unknown}");
    assert_eq!(
        note::open(&padded, &known).unwrap().signers(),
        ["log.example/a"]
    );
    assert_eq!(note::open(&padded, &[]), Err(NoteError::NoKnownSignature));

    let malformed = [
        "hello\n— log.example/a AAAA\n".to_owned(),
        "hello\n\n".to_owned(),
        format!("hello\n\n{}", line.trim_end()),
        format!("hello\n\n- log.example/a {blob}\n"),
        format!("hello\n\n—  log.example/a {blob}\n"),
        format!("hello\n\n— log.example/a  {blob}\n"),
        format!("hello\n\n— log.example/a {blob} \n"),
        "hello\n\n— log.example/a\n".to_owned(),
        format!("hello\n\n— {blob}\n"),
        format!("hello\n\n— log+example {blob}\n"),
        format!("hello\n\n— log.example/a {}\n", blob.trim_end_matches('=')),
        format!("hello\n\n— log.example/a {}=\n", blob),
        "hello\n\n— log.example/a \n".to_owned(),
        "hello\n\n— log.example/a AAAA\n".to_owned(), // 3 bytes: no key hash
        "hello\n\n— log.example/a AAAAAA==\n".to_owned(), // key hash, no signature
        // Non-canonical: the last character's unused bits set.
        "hello\n\n— other.example AAAAAAAAAAAAAAB=\n".to_owned(),
        format!("hello\r\n\n{line}"),
        format!("hel\0lo\n\n{line}"),
        format!("hello\n\n{line}\n"),
        format!("{signed}\n"),
        format!("hello\n\n{line}plain text\n"),
    ];
    for m in &malformed {
        let e = note::open(m, &known).unwrap_err();
        assert_eq!(e.code(), "malformed_note", "{m:?}: {e:?}");
    }
    // Many signatures: 100 are read, 101 are not.
    let many = format!("{signed}{}", unknown.repeat(MAX_SIGNATURES - 1));
    assert!(note::open(&many, &known).is_ok());
    assert_eq!(
        note::open(&format!("{many}{unknown}"), &known),
        Err(NoteError::TooManySignatures { max: 100 })
    );
    assert!(matches!(
        note::cosign(&many, &signer("w", 3)),
        Err(NoteError::TooManySignatures { .. })
    ));
    // Oversized.
    let huge = format!("{}\n\n{line}", "a".repeat(MAX_NOTE_LEN));
    assert_eq!(
        note::open(&huge, &known),
        Err(NoteError::TooLarge {
            len: huge.len(),
            max: MAX_NOTE_LEN
        })
    );
}

// ---------------------------------------------------------------------------
// Checkpoints.

#[test]
fn checkpoints() {
    let log = signer("log.example/licences", 1);
    let root = leaf_hash(b"r");
    let cp = Checkpoint::new("log.example/licences", 20_852_163, root).unwrap();
    let text = cp.to_note_text();
    assert_eq!(
        text,
        format!(
            "log.example/licences\n20852163\n{}\n",
            Base64::encode_string(&root)
        )
    );
    assert_eq!(Checkpoint::from_note_text(&text), Ok(cp.clone()));
    let signed = sign_checkpoint(&cp, &log).unwrap();
    assert_eq!(open_checkpoint(&signed, &log.verifier()), Ok(cp.clone()));

    let mut ext = cp.clone();
    ext.extensions = vec!["ext one".into(), "ext-two".into()];
    let signed_ext = sign_checkpoint(&ext, &log).unwrap();
    assert_eq!(
        open_checkpoint(&signed_ext, &log.verifier()),
        Ok(ext.clone())
    );
    ext.extensions.push(String::new());
    assert_eq!(
        sign_checkpoint(&ext, &log),
        Err(CheckpointError::BadExtension { position: 2 })
    );
    ext.extensions = vec!["x".into(); 17];
    assert!(matches!(
        sign_checkpoint(&ext, &log),
        Err(CheckpointError::TooManyExtensions { .. })
    ));

    let empty = Checkpoint::new("log.example/licences", 0, empty_root()).unwrap();
    let signed_empty = sign_checkpoint(&empty, &log).unwrap();
    assert_eq!(open_checkpoint(&signed_empty, &log.verifier()), Ok(empty));

    // The signer must be named after the origin, both ways.
    let other = signer("other.example", 1);
    assert!(matches!(
        sign_checkpoint(&cp, &other),
        Err(CheckpointError::OriginMismatch { .. })
    ));
    let by_other = other.sign(&text).unwrap();
    assert!(matches!(
        open_checkpoint(&by_other, &other.verifier()),
        Err(CheckpointError::OriginMismatch { .. })
    ));
    // A checkpoint signed by another key.
    assert_eq!(
        open_checkpoint(&by_other, &log.verifier()),
        Err(CheckpointError::Note(NoteError::NoKnownSignature))
    );
    assert_eq!(
        open_checkpoint(&signed, &signer("log.example/licences", 2).verifier())
            .unwrap_err()
            .code(),
        "no_known_signature"
    );

    assert!(Checkpoint::new("", 1, root).is_err());
    assert!(Checkpoint::new("a\u{7}", 1, root).is_err());
    let b64 = Base64::encode_string(&root);
    let bad = [
        ("o\n1\n".to_owned(), "checkpoint_too_few_lines"),
        (format!("o\n1\n{b64}"), "checkpoint_too_few_lines"),
        (format!("\n1\n{b64}\n"), "bad_origin"),
        (format!("o\n01\n{b64}\n"), "bad_tree_size"),
        (format!("o\n+1\n{b64}\n"), "bad_tree_size"),
        (format!("o\n-0\n{b64}\n"), "bad_tree_size"),
        (format!("o\n\n{b64}\n"), "bad_tree_size"),
        (format!("o\n 1\n{b64}\n"), "bad_tree_size"),
        (format!("o\n18446744073709551616\n{b64}\n"), "bad_tree_size"),
        (format!("o\n1\n{}\n", b64.trim_end_matches('=')), "bad_root"),
        (
            format!("o\n1\n{}\n", Base64::encode_string(&[0u8; 31])),
            "bad_root",
        ),
        (
            format!("o\n1\n{}\n", Base64::encode_string(&[0u8; 33])),
            "bad_root",
        ),
        (format!("o\n1\n{}B=\n", &b64[..42]), "bad_root"),
        (format!("o\n1\n{b64}\n\n"), "bad_extension"),
        (
            format!("o\n1\n{b64}\n{}", "e\n".repeat(17)),
            "too_many_extensions",
        ),
    ];
    for (text, code) in bad {
        assert_eq!(
            Checkpoint::from_note_text(&text).unwrap_err().code(),
            code,
            "{text:?}"
        );
    }
    assert_eq!(
        Checkpoint::from_note_text(&format!("o\n18446744073709551615\n{b64}\n"))
            .unwrap()
            .size,
        u64::MAX
    );
}

// ---------------------------------------------------------------------------
// Events.

fn uscc(s: &str) -> Uscc {
    s.parse().unwrap()
}

const IDENTIFIER: &str =
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U";

/// The issuance leaf of `test-vectors/FORMAT.md`, section 15.
const ISSUANCE_LEAF_HEX: &str = "a7006f656c6963656e6365206c6f672076310101021a6955b900037849312e322e3135362e333030352e322e3131313030303030303030303133333338573031312e31313433303030303030363132323234344c2e32303233303030303430332e3030312e55047231313433303030303030363132323234344c055820abababababababababababababababababababababababababababababababab0682011912d5";

fn sample_events() -> Vec<LogEvent> {
    let at = UnixTime::from_secs(1_767_225_600); // 2026-01-01T00:00:00Z
    vec![
        LogEvent::Issuance {
            at,
            identifier: IDENTIFIER.into(),
            authority: uscc("11430000006122244L"),
            envelope_sha256: [0xab; 32],
            status: Some(StatusReference {
                list: 1,
                index: 4821,
            }),
        },
        LogEvent::Issuance {
            at,
            identifier: IDENTIFIER.into(),
            authority: uscc("11430000006122244L"),
            envelope_sha256: [0xab; 32],
            status: None,
        },
        LogEvent::StatusChange {
            at,
            identifier: IDENTIFIER.into(),
            envelope_sha256: [0xab; 32],
            status: LicenceStatus::Revoked,
        },
        LogEvent::SealRegistration {
            at,
            authority: uscc("91110000600037341L"),
            record_sha256: [1; 32],
        },
        LogEvent::TrustListPublication {
            at,
            sequence: 42,
            list_sha256: [2; 32],
        },
    ]
}

#[test]
fn events_round_trip_and_the_format_example_holds() {
    for event in sample_events() {
        let leaf = event.to_leaf();
        assert_eq!(
            LogEvent::from_leaf(&leaf),
            Ok(event.clone()),
            "{}",
            event.kind()
        );
        assert_eq!(event.leaf_hash(), leaf_hash(&leaf));
        // Key 0, the context string, comes first.
        assert_eq!(&leaf[1..3], &[0x00, 0x6f]);
        assert_eq!(&leaf[3..18], LEAF_CONTEXT.as_bytes());
        assert!(leaf.len() < 256, "{}", leaf.len());
    }
    let kinds: Vec<&str> = sample_events().iter().map(LogEvent::kind).collect();
    assert_eq!(
        kinds,
        [
            "issuance",
            "issuance",
            "status_change",
            "seal_registration",
            "trust_list_publication"
        ]
    );
    // The example of test-vectors/FORMAT.md, section 15.
    let issuance = &sample_events()[0];
    assert_eq!(hex::encode(issuance.to_leaf()), ISSUANCE_LEAF_HEX);
    assert_eq!(
        hex::encode(issuance.leaf_hash()),
        "7ccbd59205afa09ba727f33ebb0903116c3c2de80f74914e003ebc2ba1ff7559"
    );
}

fn map(entries: Vec<(i64, Vec<u8>)>) -> Vec<u8> {
    let mut e = Encoder::new();
    e.map(entries);
    e.into_bytes()
}

fn enc(f: impl FnOnce(&mut Encoder)) -> Vec<u8> {
    crate::cbor::encode_with(f)
}

#[test]
fn event_decoding_is_strict() {
    let good = |extra: Vec<(i64, Vec<u8>)>, skip: &[i64]| {
        let mut entries: Vec<(i64, Vec<u8>)> = vec![
            (
                0,
                enc(|e| {
                    e.text(LEAF_CONTEXT);
                }),
            ),
            (
                1,
                enc(|e| {
                    e.int(3);
                }),
            ),
            (
                2,
                enc(|e| {
                    e.int(5);
                }),
            ),
            (
                4,
                enc(|e| {
                    e.text("91110000600037341L");
                }),
            ),
            (
                5,
                enc(|e| {
                    e.bytes(&[1; 32]);
                }),
            ),
        ];
        entries.retain(|(k, _)| !skip.contains(k));
        for (k, v) in extra {
            entries.retain(|(key, _)| *key != k);
            entries.push((k, v));
        }
        map(entries)
    };
    assert!(LogEvent::from_leaf(&good(vec![], &[])).is_ok());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (good(vec![], &[0]), "not_a_log_leaf"),
        (
            good(
                vec![(
                    0,
                    enc(|e| {
                        e.text("elicence log v2");
                    }),
                )],
                &[],
            ),
            "not_a_log_leaf",
        ),
        (
            good(
                vec![(
                    1,
                    enc(|e| {
                        e.int(9);
                    }),
                )],
                &[],
            ),
            "unknown_event_kind",
        ),
        (
            good(
                vec![(
                    1,
                    enc(|e| {
                        e.int(-1);
                    }),
                )],
                &[],
            ),
            "bad_field",
        ),
        (good(vec![], &[1]), "missing_field"),
        (
            good(
                vec![(
                    2,
                    enc(|e| {
                        e.int(-5);
                    }),
                )],
                &[],
            ),
            "bad_field",
        ),
        (
            good(
                vec![(
                    2,
                    enc(|e| {
                        e.text("5");
                    }),
                )],
                &[],
            ),
            "bad_field",
        ),
        (good(vec![], &[4]), "missing_field"),
        (
            good(
                vec![(
                    4,
                    enc(|e| {
                        e.text("91110000600037341X");
                    }),
                )],
                &[],
            ),
            "bad_field",
        ),
        (
            good(
                vec![(
                    4,
                    enc(|e| {
                        e.text("91110000600037341l");
                    }),
                )],
                &[],
            ),
            "bad_field",
        ),
        (
            good(
                vec![(
                    5,
                    enc(|e| {
                        e.bytes(&[1; 31]);
                    }),
                )],
                &[],
            ),
            "bad_field",
        ),
        (
            good(
                vec![(
                    5,
                    enc(|e| {
                        e.text("x");
                    }),
                )],
                &[],
            ),
            "bad_field",
        ),
        (
            good(
                vec![(
                    3,
                    enc(|e| {
                        e.text(IDENTIFIER);
                    }),
                )],
                &[],
            ),
            "unknown_key",
        ),
        (
            good(
                vec![(
                    9,
                    enc(|e| {
                        e.int(0);
                    }),
                )],
                &[],
            ),
            "unknown_key",
        ),
        (
            good(
                vec![(
                    -1,
                    enc(|e| {
                        e.int(0);
                    }),
                )],
                &[],
            ),
            "unknown_key",
        ),
        ([good(vec![], &[]), vec![0]].concat(), "bad_cbor"),
        (vec![0x80], "not_a_log_leaf"),
        (vec![0xa1, 0x61, 0x61, 0x00], "not_a_log_leaf"),
        (vec![0u8; MAX_LEAF_LEN + 1], "leaf_too_large"),
    ];
    for (leaf, code) in cases {
        assert_eq!(
            LogEvent::from_leaf(&leaf).map_err(|e| e.code()),
            Err(code),
            "{}",
            hex::encode(&leaf)
        );
    }
    // Identifiers: canonical GB/T 36904 only.
    let issuance = |identifier: &str| {
        map(vec![
            (
                0,
                enc(|e| {
                    e.text(LEAF_CONTEXT);
                }),
            ),
            (
                1,
                enc(|e| {
                    e.int(1);
                }),
            ),
            (
                2,
                enc(|e| {
                    e.int(5);
                }),
            ),
            (
                3,
                enc(|e| {
                    e.text(identifier);
                }),
            ),
            (
                4,
                enc(|e| {
                    e.text("91110000600037341L");
                }),
            ),
            (
                5,
                enc(|e| {
                    e.bytes(&[1; 32]);
                }),
            ),
        ])
    };
    assert!(LogEvent::from_leaf(&issuance(IDENTIFIER)).is_ok());
    for bad in [
        "",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.V",
        "1.2.156.3005.2.11100000000013338w011.11430000006122244L.20230000403.001.U",
        "张三",
    ] {
        assert_eq!(
            LogEvent::from_leaf(&issuance(bad)).map_err(|e| e.code()),
            Err("bad_field"),
            "{bad}"
        );
    }
    // A status reference is two uints below 2^32.
    let with_reference = |value: Vec<u8>| {
        let mut leaf = issuance(IDENTIFIER);
        leaf[0] += 1;
        leaf.extend(enc(|e| {
            e.int(6);
        }));
        leaf.extend(value);
        leaf
    };
    assert!(
        LogEvent::from_leaf(&with_reference(enc(|e| {
            e.array(2).int(1).int(2);
        })))
        .is_ok()
    );
    for bad in [
        enc(|e| {
            e.array(1).int(1);
        }),
        enc(|e| {
            e.array(2).int(1).int(1 << 32);
        }),
        enc(|e| {
            e.array(2).int(-1).int(1);
        }),
        enc(|e| {
            e.int(1);
        }),
    ] {
        assert!(matches!(
            LogEvent::from_leaf(&with_reference(bad)),
            Err(EventError::BadField {
                field: "status_reference",
                ..
            })
        ));
    }
    // A status change's status is a registered code.
    let LogEvent::StatusChange { .. } = &sample_events()[2] else {
        unreachable!()
    };
    let leaf = sample_events()[2].to_leaf();
    let bad_status = [&leaf[..leaf.len() - 2], b"08"].concat();
    assert!(matches!(
        LogEvent::from_leaf(&bad_status),
        Err(EventError::BadField {
            field: "status",
            ..
        })
    ));
    // Negative times encode but do not decode.
    let past = LogEvent::TrustListPublication {
        at: UnixTime::from_secs(-1),
        sequence: 1,
        list_sha256: [0; 32],
    };
    assert!(LogEvent::from_leaf(&past.to_leaf()).is_err());
}

// ---------------------------------------------------------------------------
// Receipts.

/// A log of `events` (plus filler leaves), signed, with a receipt for each event.
struct TestLog {
    signer: NoteSigner,
    store: MemoryTiles,
    leaves: Vec<Vec<u8>>,
    checkpoint: String,
    size: u64,
}

impl TestLog {
    fn new(leaves: Vec<Vec<u8>>) -> Self {
        let signer = signer("log.example/licences", 5);
        let mut store = MemoryTiles::new();
        let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l)).collect();
        let appended = tiles::append(&mut store, 0, &hashes).unwrap();
        store.write(&appended.tiles);
        let cp = Checkpoint::new(signer.name(), appended.size, appended.root).unwrap();
        let checkpoint = sign_checkpoint(&cp, &signer).unwrap();
        TestLog {
            signer,
            store,
            leaves,
            checkpoint,
            size: appended.size,
        }
    }

    fn receipt(&mut self, index: u64) -> Receipt {
        let proof = tiles::inclusion_proof(&mut self.store, index, self.size).unwrap();
        Receipt::new(&self.leaves[index as usize], index, proof, &self.checkpoint)
    }
}

#[test]
fn receipts_round_trip_and_verify() {
    let mut leaves: Vec<Vec<u8>> = sample_events().iter().map(LogEvent::to_leaf).collect();
    leaves.extend((0u32..300).map(|i| i.to_be_bytes().to_vec()));
    let mut log = TestLog::new(leaves);
    let verifier = log.signer.verifier();
    for index in [0u64, 1, 2, 3, 4, 200, 304] {
        let receipt = log.receipt(index);
        let text = receipt.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra "));
        assert!(text.contains(&format!("\nindex {index}\n")));
        assert!(text.ends_with(&log.checkpoint));
        let back = Receipt::from_text(&text).unwrap();
        assert_eq!(back, receipt);
        assert_eq!(back.to_text(), text);
        let leaf = back.extra.clone().unwrap();
        let cp = back.verify(&verifier, &leaf_hash(&leaf)).unwrap();
        assert_eq!((cp.size, cp.origin.as_str()), (305, "log.example/licences"));
    }
    // Without extra data.
    let mut bare = log.receipt(7);
    bare.extra = None;
    let text = bare.to_text();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 7\n"));
    assert_eq!(Receipt::from_text(&text), Ok(bare));
    // Empty extra data is not no extra data.
    let mut empty = log.receipt(7);
    empty.extra = Some(Vec::new());
    assert!(empty.to_text().contains("\nextra \n"));
    assert_eq!(Receipt::from_text(&empty.to_text()), Ok(empty));
    // A tree of one leaf: an empty proof.
    let mut one = TestLog::new(vec![b"only".to_vec()]);
    let r = one.receipt(0);
    assert!(r.proof.is_empty());
    assert!(
        r.to_text()
            .contains("\nindex 0\n\nlog.example/licences\n1\n")
    );
    let back = Receipt::from_text(&r.to_text()).unwrap();
    back.verify(&one.signer.verifier(), &leaf_hash(b"only"))
        .unwrap();
}

#[test]
fn receipt_attacks() {
    let leaves: Vec<Vec<u8>> = (0u32..40).map(|i| i.to_be_bytes().to_vec()).collect();
    let mut log = TestLog::new(leaves);
    let verifier = log.signer.verifier();
    let good = log.receipt(9);
    let hash9 = leaf_hash(&9u32.to_be_bytes());

    // A proof for another index.
    let mut other_index = good.clone();
    other_index.index = 10;
    assert!(matches!(
        other_index.verify(&verifier, &hash9),
        Err(ReceiptError::Proof(ProofError::RootMismatch { .. }))
    ));
    let other_proof = Receipt {
        proof: log.receipt(10).proof,
        ..good.clone()
    };
    assert!(other_proof.verify(&verifier, &hash9).is_err());
    // Another leaf.
    assert!(good.verify(&verifier, &leaf_hash(b"x")).is_err());
    // Index at or past the size.
    let mut past = good.clone();
    past.index = 40;
    assert_eq!(
        past.verify(&verifier, &hash9),
        Err(ReceiptError::Proof(ProofError::IndexOutOfRange {
            index: 40,
            size: 40
        }))
    );
    // A checkpoint signed by another key.
    let impostor = signer("log.example/licences", 6);
    let cp = Checkpoint::from_note_text(note::parse(&good.checkpoint).unwrap().text).unwrap();
    let forged = Receipt {
        checkpoint: sign_checkpoint(&cp, &impostor).unwrap(),
        ..good.clone()
    };
    assert_eq!(
        forged.verify(&verifier, &hash9),
        Err(ReceiptError::Checkpoint(CheckpointError::Note(
            NoteError::NoKnownSignature
        )))
    );
    // A checkpoint with a wrong root, signed by the right key.
    let wrong_root = Checkpoint::new(log.signer.name(), 40, [0; 32]).unwrap();
    let lying = Receipt {
        checkpoint: sign_checkpoint(&wrong_root, &log.signer).unwrap(),
        ..good.clone()
    };
    assert!(matches!(
        lying.verify(&verifier, &hash9),
        Err(ReceiptError::Proof(ProofError::RootMismatch { .. }))
    ));
    // A size-0 tree proves nothing.
    let empty = Checkpoint::new(log.signer.name(), 0, empty_root()).unwrap();
    let zero = Receipt {
        index: 0,
        proof: Vec::new(),
        checkpoint: sign_checkpoint(&empty, &log.signer).unwrap(),
        extra: None,
    };
    assert_eq!(
        zero.verify(&verifier, &hash9),
        Err(ReceiptError::Proof(ProofError::IndexOutOfRange {
            index: 0,
            size: 0
        }))
    );

    // Text-level attacks.
    let text = good.to_text();
    let lines: Vec<&str> = text.split('\n').collect();
    let proof_line = lines[3];
    let with = |from: &str, to: &str| text.replacen(from, to, 1);
    let malformed = [
        with("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
        with(
            "c2sp.org/tlog-proof@v1\n",
            "c2sp.org/tlog-proof@v1\nc2sp.org/tlog-proof@v1\n",
        ),
        with("index 9", "index 09"),
        with("index 9", "index +9"),
        with("index 9", "index  9"),
        with("index 9", "index 9 "),
        with("index 9", "Index 9"),
        with("index 9", "index 0x9"),
        with("index 9", "index 18446744073709551616"),
        with("index 9\n", "index 9\nindex 9\n"),
        with("index 9\n", "index 9\r\n"),
        with("\nextra ", "\nextra  "),
        with("\nextra ", "\nextra\t"),
        with("\nindex", "\nextra AAAA\nindex"),
        with(proof_line, &proof_line[..43]),
        with(proof_line, &format!("{}B=", &proof_line[..42])),
        with(proof_line, &format!(" {proof_line}")),
        with(proof_line, &Base64::encode_string(&[0u8; 33])),
        text.replacen("\n\nlog.example", "\nlog.example", 1),
        text.replacen(&format!("{proof_line}\n"), "", 1)
            .replacen("\n\nlog", "\n\n\nlog", 1),
        lines[..3].join("\n"),
        String::new(),
    ];
    for m in &malformed {
        let e = Receipt::from_text(m);
        assert!(
            matches!(
                e,
                Err(ReceiptError::Malformed { .. } | ReceiptError::Checkpoint(_))
            ),
            "{m:?}: {e:?}"
        );
    }
    // A repeated proof line parses but does not verify.
    let doubled = Receipt::from_text(&with(
        &format!("{proof_line}\n"),
        &format!("{proof_line}\n{proof_line}\n"),
    ))
    .unwrap();
    assert!(matches!(
        doubled.verify(&verifier, &hash9),
        Err(ReceiptError::Proof(ProofError::WrongLength { .. }))
    ));
    // Trailing text after the checkpoint's signatures.
    assert!(Receipt::from_text(&format!("{text}junk\n")).is_err());
    // 64 proof lines are read, 65 are not.
    let hash_line = Base64::encode_string(&[0u8; 32]);
    let n_lines = |n: usize| {
        format!(
            "c2sp.org/tlog-proof@v1\nindex 1\n{}\n{}",
            format!("{hash_line}\n").repeat(n),
            good.checkpoint
        )
    };
    assert_eq!(Receipt::from_text(&n_lines(64)).unwrap().proof.len(), 64);
    assert!(matches!(
        Receipt::from_text(&n_lines(65)),
        Err(ReceiptError::Malformed { .. })
    ));
    // Oversized.
    let huge = format!("{}{}", text, "a".repeat(MAX_RECEIPT_LEN));
    assert!(matches!(
        Receipt::from_text(&huge),
        Err(ReceiptError::TooLarge { .. })
    ));
    let long_extra = format!(
        "c2sp.org/tlog-proof@v1\nextra {}\nindex 1\n\n{}",
        Base64::encode_string(&vec![0u8; 16 * 1024 + 3]),
        good.checkpoint
    );
    assert!(matches!(
        Receipt::from_text(&long_extra),
        Err(ReceiptError::Malformed { .. })
    ));
}

/// The trust vectors' traffic police signer (`test-vectors/trust/`, as in
/// `benches/status.rs`).
const TRAFFIC_SEED: [u8; 32] = [
    0xbd, 0x12, 0xc4, 0x16, 0xc6, 0xe3, 0xb8, 0xf3, 0x85, 0x66, 0x20, 0x5e, 0xb8, 0x5e, 0x6a, 0x3e,
    0x38, 0xb5, 0xce, 0xf1, 0xc9, 0x24, 0x9f, 0x39, 0x8c, 0x7b, 0xe7, 0xfc, 0xbb, 0x19, 0xa5, 0xa4,
];

fn business_licence() -> Licence {
    Licence::from_json(include_str!(
        "../../examples/licences/business-licence.json"
    ))
    .unwrap()
}

fn issuance_of(signed: &SignedLicence) -> LogEvent {
    let licence = signed.licence();
    LogEvent::Issuance {
        at: signed.issued_at(),
        identifier: licence.identifier().unwrap().to_string(),
        authority: licence.issuer().code().clone(),
        envelope_sha256: Sha256::digest(signed.as_bytes()).into(),
        status: licence.status(),
    }
}

#[test]
fn licence_receipts() {
    let key = SigningKey::from_seed(&TRAFFIC_SEED);
    let at = UnixTime::parse_rfc3339("2026-01-01T09:00:00+08:00").unwrap();
    let signed = SignedLicence::sign(business_licence(), &key, at).unwrap();
    let event = issuance_of(&signed);
    // Another licence: the same with another serial.
    let other = SignedLicence::sign(
        Licence::from_json(
            &include_str!("../../examples/licences/business-licence.json")
                .replace("20240000123", "20240000124"),
        )
        .unwrap(),
        &key,
        at,
    )
    .unwrap();
    let other_event = issuance_of(&other);
    let status_change = LogEvent::StatusChange {
        at,
        identifier: signed.licence().identifier().unwrap().to_string(),
        envelope_sha256: Sha256::digest(signed.as_bytes()).into(),
        status: LicenceStatus::Revoked,
    };
    // The right envelope hash, another identifier.
    let LogEvent::Issuance { identifier, .. } = &other_event else {
        unreachable!()
    };
    let mut misnamed = event.clone();
    if let LogEvent::Issuance { identifier: id, .. } = &mut misnamed {
        id.clone_from(identifier);
    }
    let mut log = TestLog::new(vec![
        event.to_leaf(),
        other_event.to_leaf(),
        status_change.to_leaf(),
        misnamed.to_leaf(),
        b"not a leaf".to_vec(),
    ]);
    let verifier = log.signer.verifier();

    let receipt = log.receipt(0);
    let logged = verify_licence_receipt(signed.as_bytes(), &receipt, &verifier).unwrap();
    assert_eq!((logged.index, logged.event.clone()), (0, event.clone()));
    assert_eq!(logged.checkpoint.size, 5);
    // Through the text form, as a holder would keep it.
    let back = Receipt::from_text(&receipt.to_text()).unwrap();
    assert_eq!(
        verify_licence_receipt(signed.as_bytes(), &back, &verifier),
        Ok(logged)
    );

    // A .cose file carrying the signer's chain: hashed without it.
    let mut chain =
        crate::trust::parse_bundle(include_bytes!("../../test-vectors/trust/dsc-traffic.pem")).0;
    chain.extend(
        crate::trust::parse_bundle(include_bytes!("../../test-vectors/trust/intermediate.pem")).0,
    );
    let file = signed.clone().with_chain(chain).unwrap().to_file_bytes();
    assert_ne!(file, signed.as_bytes());
    assert!(verify_licence_receipt(&file, &receipt, &verifier).is_ok());

    // The receipt's leaf names another envelope.
    assert!(matches!(
        verify_licence_receipt(other.as_bytes(), &receipt, &verifier),
        Err(ReceiptError::EnvelopeMismatch { .. })
    ));
    assert!(matches!(
        verify_licence_receipt(signed.as_bytes(), &log.receipt(1), &verifier),
        Err(ReceiptError::EnvelopeMismatch { .. })
    ));
    // The other licence's receipt with this licence's leaf swapped in.
    let mut swapped = log.receipt(1);
    swapped.extra = Some(event.to_leaf());
    assert!(matches!(
        verify_licence_receipt(signed.as_bytes(), &swapped, &verifier),
        Err(ReceiptError::Proof(_))
    ));
    // A status change is not an issuance.
    assert_eq!(
        verify_licence_receipt(signed.as_bytes(), &log.receipt(2), &verifier),
        Err(ReceiptError::NotAnIssuance {
            found: "status_change"
        })
    );
    // The right envelope hash under another identifier.
    assert!(matches!(
        verify_licence_receipt(signed.as_bytes(), &log.receipt(3), &verifier),
        Err(ReceiptError::IdentifierMismatch { .. })
    ));
    // Not a leaf, no leaf, not an envelope.
    assert!(matches!(
        verify_licence_receipt(signed.as_bytes(), &log.receipt(4), &verifier),
        Err(ReceiptError::Event(_))
    ));
    let mut no_leaf = receipt.clone();
    no_leaf.extra = None;
    assert_eq!(
        verify_licence_receipt(signed.as_bytes(), &no_leaf, &verifier),
        Err(ReceiptError::NoLeaf)
    );
    assert!(matches!(
        verify_licence_receipt(b"\xd2\x84", &receipt, &verifier),
        Err(ReceiptError::Envelope(_))
    ));
    // A licence without an identifier cannot match any issuance.
    let json = include_str!("../../examples/licences/business-licence.json").replace(
        "  \"identifier\": { \"serial\": \"20240000123\", \"version\": \"001\" },\n",
        "",
    );
    let anonymous = SignedLicence::sign(Licence::from_json(&json).unwrap(), &key, at).unwrap();
    assert!(anonymous.licence().identifier().is_none());
    let mut named = event.clone();
    if let LogEvent::Issuance {
        envelope_sha256, ..
    } = &mut named
    {
        *envelope_sha256 = Sha256::digest(anonymous.as_bytes()).into();
    }
    let mut anon_log = TestLog::new(vec![named.to_leaf()]);
    assert_eq!(
        verify_licence_receipt(anonymous.as_bytes(), &anon_log.receipt(0), &verifier),
        Err(ReceiptError::NoIdentifier)
    );
    // Another log's key.
    assert!(matches!(
        verify_licence_receipt(
            signed.as_bytes(),
            &receipt,
            &signer("log.example/licences", 7).verifier()
        ),
        Err(ReceiptError::Checkpoint(_))
    ));
    let codes = [
        ReceiptError::NoLeaf.code(),
        ReceiptError::NoIdentifier.code(),
        ReceiptError::NotAnIssuance { found: "x" }.code(),
    ];
    assert_eq!(codes, ["no_leaf", "no_identifier", "not_an_issuance"]);
}

#[test]
fn a_checkpoint_is_extended_by_a_grown_tree_and_an_empty_one_by_every_tree() {
    let all = leaves(13);
    let mut store = MemoryTiles::new();
    let appended = tiles::append(&mut store, 0, &all).unwrap();
    store.write(&appended.tiles);
    let old = Checkpoint::new("example.com/log", 5, mth(&all[..5])).unwrap();
    let new = Checkpoint::new("example.com/log", 13, appended.root).unwrap();
    let proof = tiles::consistency_proof(&mut store, 5, 13).unwrap();
    assert_eq!(old.verify_extended_by(&new, &proof), Ok(()));
    // Backwards, or with a root changed, it does not hold.
    assert!(new.verify_extended_by(&old, &proof).is_err());
    let mut rewritten = old.clone();
    rewritten.root[0] ^= 1;
    assert!(rewritten.verify_extended_by(&new, &proof).is_err());

    // From the empty tree: no proof, and only the empty tree's root.
    let empty = Checkpoint::new("example.com/log", 0, empty_root()).unwrap();
    assert_eq!(empty.verify_extended_by(&new, &[]), Ok(()));
    assert!(matches!(
        empty.verify_extended_by(&new, &proof),
        Err(ProofError::WrongLength { .. })
    ));
    let lying = Checkpoint::new("example.com/log", 0, appended.root).unwrap();
    assert!(matches!(
        lying.verify_extended_by(&new, &[]),
        Err(ProofError::RootMismatch { .. })
    ));
}
