//! Verifying with a trust list and a cached status list against verifying
//! with the signer's certificate alone, in one run, on the same licence (a
//! business licence with a status reference); and taking a trust list and a
//! status list. The setup is `support/lists.rs`, shared with
//! `examples/op_cost.rs`, whose instruction counts are the steadier figure.
//!
//! `cargo bench --bench trust_lists --features ca`; `-- --test` to smoke-test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use elicence::Verifier;

#[path = "support/lists.rs"]
mod support;

fn benches(c: &mut Criterion) {
    let s = support::lists();
    eprintln!(
        "trust list: {} bytes; status list token (2^17 entries): {} bytes",
        s.trust_list.len(),
        s.status_list.as_bytes().len()
    );
    let at = s.at;

    let mut verify = c.benchmark_group("verify_lists");
    verify.bench_function("signer_certificate", |b| {
        b.iter(|| s.signer_certificate.verify_qr_text(black_box(&s.text), at))
    });
    verify.bench_function("trust_list_and_status_list", |b| {
        b.iter(|| s.listed.verify_qr_text(black_box(&s.text), at))
    });
    verify.finish();

    let mut load = c.benchmark_group("load_lists");
    load.bench_function("trust_list", |b| {
        b.iter(|| {
            let mut v = Verifier::from_roots(&s.roots);
            v.add_trust_list(black_box(&s.trust_list), at).unwrap();
            v
        })
    });
    load.bench_function("status_list_2e17", |b| {
        b.iter(|| {
            let mut v = s.listed.clone();
            v.add_status_list(black_box(s.status_list.as_bytes()), at)
                .unwrap();
            v
        })
    });
    load.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = lists;
    config = config();
    targets = benches
}
criterion_main!(lists);
