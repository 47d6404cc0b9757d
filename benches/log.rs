//! Transparency log benchmarks on a tree of 1,000,000 leaves held in
//! `MemoryTiles` (built once with `tiles::append`, 4,096 leaves at a
//! time): making and checking an inclusion proof (`inclusion/*`) and a
//! consistency proof (`consistency/*`) at random indices and sizes, and
//! appending 1,000 leaves (`append/*`, the tiles returned but not stored).
//!
//! `cargo bench --bench log`; `-- --test` to smoke-test. The build time and
//! the number of tiles are printed once to stderr.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use elicence::log::tiles::{self, MemoryTiles};
use elicence::log::{self, Hash};

const LEAVES: u64 = 1_000_000;
const CHUNK: u64 = 4096;

/// A fixed sequence of pseudo-random numbers (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn leaf(i: u64) -> Hash {
    log::leaf_hash(&i.to_be_bytes())
}

fn log_benches(c: &mut Criterion) {
    let started = Instant::now();
    let mut store = MemoryTiles::new();
    let mut size = 0;
    let mut root = log::empty_root();
    while size < LEAVES {
        let n = CHUNK.min(LEAVES - size);
        let hashes: Vec<Hash> = (size..size + n).map(leaf).collect();
        let appended = tiles::append(&mut store, size, &hashes).unwrap();
        store.write(&appended.tiles);
        size = appended.size;
        root = appended.root;
    }
    eprintln!(
        "log: {LEAVES} leaves appended {CHUNK} at a time in {:.2?}, {} tiles",
        started.elapsed(),
        store.len()
    );

    let mut rng = Rng(0x1f2e_3d4c_5b6a_7988);
    c.bench_function("inclusion/prove", |b| {
        b.iter(|| {
            let index = rng.below(LEAVES);
            black_box(tiles::inclusion_proof(&mut store, index, LEAVES).unwrap())
        });
    });
    let index = 765_432;
    let proof = tiles::inclusion_proof(&mut store, index, LEAVES).unwrap();
    let leaf_hash = leaf(index);
    c.bench_function("inclusion/verify", |b| {
        b.iter(|| {
            log::verify_inclusion(index, LEAVES, &leaf_hash, black_box(&proof), &root).unwrap()
        });
    });

    c.bench_function("consistency/prove", |b| {
        b.iter(|| {
            let old = 1 + rng.below(LEAVES - 1);
            black_box(tiles::consistency_proof(&mut store, old, LEAVES).unwrap())
        });
    });
    let old = 654_321;
    let old_root = tiles::root(&mut store, old).unwrap();
    let proof = tiles::consistency_proof(&mut store, old, LEAVES).unwrap();
    c.bench_function("consistency/verify", |b| {
        b.iter(|| {
            log::verify_consistency(old, LEAVES, black_box(&proof), &old_root, &root).unwrap();
        });
    });

    let more: Vec<Hash> = (LEAVES..LEAVES + 1000).map(leaf).collect();
    c.bench_function("append/1000", |b| {
        b.iter(|| black_box(tiles::append(&mut store, LEAVES, &more).unwrap()));
    });
    c.bench_function("root", |b| {
        b.iter(|| black_box(tiles::root(&mut store, 1 + rng.below(LEAVES)).unwrap()));
    });
}

criterion_group!(benches, log_benches);
criterion_main!(benches);
