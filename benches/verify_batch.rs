//! Verifying 40,000 driving-licence codes from three issuer keys, side by
//! side in one run: the old way (`verify_qr_text` in a loop, one core)
//! against `Verifier::verify_qr_texts` on one thread (in batches of 4,096,
//! as `elicence verify --batch` hands them out) and
//! `Verifier::verify_qr_texts_parallel` on every core.
//!
//! `cargo bench --bench verify_batch` (about three minutes on two cores);
//! `-- --test` to run each once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use elicence::{
    Licence, QrBase, SignedLicence, Signer, SigningKey, TrustedKey, UnixTime, Verifier, qr,
};

const DRIVING_LICENCE: &str = include_str!("../examples/licences/driving-licence.json");
/// Codes verified in each run.
const CODES: usize = 40_000;
/// Codes a batch, as `verify --batch` chunks its input.
const CHUNK: usize = 4096;

fn verify_batch_benches(c: &mut Criterion) {
    let licence = Licence::from_json(DRIVING_LICENCE).unwrap();
    let keys: Vec<SigningKey> = (1u8..=3).map(|i| SigningKey::from_seed(&[i; 32])).collect();
    let verifier = Verifier::new(keys.iter().map(|k| TrustedKey::new(k.public_key())));
    let signed_at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap();
    let at = UnixTime::parse_rfc3339("2026-06-01T12:00:00+08:00").unwrap();
    let base = QrBase::default();
    // Distinct codes: the licence signed a second apart, by each key in turn.
    let texts: Vec<String> = (0..CODES)
        .map(|i| {
            let when = UnixTime::from_secs(signed_at.secs() + i64::try_from(i).unwrap());
            let key = &keys[i % keys.len()];
            qr::to_qr_text(
                &SignedLicence::sign(licence.clone(), key, when).unwrap(),
                &base,
            )
        })
        .collect();
    let threads = std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
    // Every code is valid (the driving licence has no status reference),
    // and the paths agree.
    let batch = verifier.verify_qr_texts_parallel(&texts, at, threads);
    assert!(batch.iter().all(|v| v.is_valid()), "{}", batch[0]);
    assert_eq!(batch[..100], verifier.verify_batch(&texts[..100], at)[..]);
    drop(batch);

    let mut group = c.benchmark_group(format!("verify_{CODES}"));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(CODES as u64));
    group.bench_function("verify_qr_text loop, 1 thread", |b| {
        b.iter(|| {
            black_box(&texts)
                .iter()
                .filter(|t| verifier.verify_qr_text(t, at).is_valid())
                .count()
        })
    });
    group.bench_function("verify_qr_texts, 1 thread, batches of 4096", |b| {
        b.iter(|| {
            black_box(&texts)
                .chunks(CHUNK)
                .map(|chunk| {
                    verifier
                        .verify_qr_texts(chunk, at)
                        .iter()
                        .filter(|v| v.is_valid())
                        .count()
                })
                .sum::<usize>()
        })
    });
    group.bench_function(
        format!("verify_qr_texts_parallel, {threads} threads"),
        |b| {
            b.iter(|| {
                verifier
                    .verify_qr_texts_parallel(black_box(&texts), at, threads)
                    .iter()
                    .filter(|v| v.is_valid())
                    .count()
            })
        },
    );
    group.finish();
}

criterion_group!(benches, verify_batch_benches);
criterion_main!(benches);
