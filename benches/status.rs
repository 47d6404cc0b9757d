//! Status list benchmarks: building and signing a 2^20-entry list with 1 %
//! of its entries revoked at random (`sign/*`), reading the token back
//! (`decode/*`: the strict decoder with decompression, then decompression
//! alone), and one lookup.
//!
//! `cargo bench --bench status`; `-- --test` to smoke-test. The token's size
//! is printed once to stderr.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use elicence::status::{IndexAllocator, LicenceStatus, SignedStatusList, StatusList};
use elicence::trust::parse_bundle;
use elicence::{SigningKey, UnixTime};

/// The trust vectors' traffic police signer (`test-vectors/trust/`): its
/// key seed from `vectors.json`, its certificate and the intermediate.
const TRAFFIC_SEED: [u8; 32] = [
    0xbd, 0x12, 0xc4, 0x16, 0xc6, 0xe3, 0xb8, 0xf3, 0x85, 0x66, 0x20, 0x5e, 0xb8, 0x5e, 0x6a, 0x3e,
    0x38, 0xb5, 0xce, 0xf1, 0xc9, 0x24, 0x9f, 0x39, 0x8c, 0x7b, 0xe7, 0xfc, 0xbb, 0x19, 0xa5, 0xa4,
];
const TRAFFIC_DSC: &[u8] = include_bytes!("../test-vectors/trust/dsc-traffic.pem");
const INTERMEDIATE: &[u8] = include_bytes!("../test-vectors/trust/intermediate.pem");

const ENTRIES: u32 = 1 << 20;
const SUBJECT: &str = "https://status.example.gov.cn/lists/1";

fn status_benches(c: &mut Criterion) {
    let key = SigningKey::from_seed(&TRAFFIC_SEED);
    let mut chain = parse_bundle(TRAFFIC_DSC).0;
    chain.extend(parse_bundle(INTERMEDIATE).0);
    let issued_at = UnixTime::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
    let expires = Some(UnixTime::from_secs(issued_at.secs() + 7 * 86_400));

    // 1 % revoked, at indices an allocator hands out.
    let build = || {
        let mut allocator = IndexAllocator::new(ENTRIES).unwrap();
        let mut list = StatusList::new(ENTRIES).unwrap();
        for _ in 0..ENTRIES / 100 {
            let index = allocator.allocate(&mut rand_core::OsRng).unwrap();
            list.set(index, LicenceStatus::Revoked).unwrap();
        }
        list
    };
    let list = build();
    let sign = |list: &StatusList| {
        SignedStatusList::sign(list, SUBJECT, issued_at, expires, 86_400, &key, &chain).unwrap()
    };
    let token = sign(&list);
    eprintln!(
        "status list token: {} entries, 1 % revoked at random: {} bytes ({} bytes of lst)",
        ENTRIES,
        token.as_bytes().len(),
        list.compressed().len()
    );
    let bytes = token.as_bytes().to_vec();
    let lst = list.compressed();
    let probe = (0..ENTRIES)
        .find(|&i| list.status(i).unwrap() == LicenceStatus::Revoked)
        .unwrap();

    let mut group = c.benchmark_group("sign");
    group.sample_size(10);
    group.bench_function("build_2^20_1pct", |b| b.iter(build));
    group.bench_function("compress_and_sign_2^20_1pct", |b| {
        b.iter(|| sign(black_box(&list)))
    });
    group.finish();

    let mut group = c.benchmark_group("decode");
    group.bench_function("from_slice_2^20_1pct", |b| {
        b.iter(|| SignedStatusList::from_slice(black_box(&bytes)).unwrap())
    });
    group.bench_function("decompress_2^20_1pct", |b| {
        b.iter(|| StatusList::from_compressed(4, black_box(&lst)).unwrap())
    });
    group.finish();

    let decoded = SignedStatusList::from_slice(&bytes).unwrap();
    c.bench_function("lookup/status", |b| {
        b.iter(|| decoded.list().status(black_box(probe)).unwrap())
    });
}

criterion_group!(benches, status_benches);
criterion_main!(benches);
