//! Envelope benchmarks, all in one run so the ratios sit side by side:
//! raw Ed25519 (`raw/*`) against the crate's issue and verify paths, batch
//! against single verification, verification with a bare key against a trust
//! store (`verify/*`), and the decoding sub-steps (`decode/*`).
//!
//! `cargo bench --bench envelope` (about a minute); `-- --test` to smoke-test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::Signer as _;
use elicence::trust::TrustStore;
use elicence::{Licence, QrBase, SignedLicence, SigningKey, TrustedKey, UnixTime, Verifier, qr};
use sha2::{Digest, Sha256};

const DRIVING_LICENCE: &str = include_str!("../examples/licences/driving-licence.json");

/// RFC 8032 test-1 seed.
const SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];

/// The trust vectors' PKI (`test-vectors/trust/`): the root, the
/// intermediate, and the traffic police's document signer certificate.
const TRUST_ROOT: &str = include_str!("../test-vectors/trust/root.pem");
const TRUST_INTERMEDIATE: &str = include_str!("../test-vectors/trust/intermediate.pem");
const TRUST_DSC: &str = include_str!("../test-vectors/trust/dsc-traffic.pem");

/// Sizes of the batch benchmarks.
const BATCH_SIZES: [usize; 2] = [64, 256];
/// Size of the single-verification loop compared with the batches.
const SINGLE_LOOP: usize = 64;

fn envelope_benches(c: &mut Criterion) {
    let licence = Licence::from_json(DRIVING_LICENCE).unwrap();
    let key = SigningKey::from_seed(&SEED);
    let signed_at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap();
    let at = UnixTime::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
    let base = QrBase::default();
    let signed = SignedLicence::sign(licence.clone(), &key, signed_at).unwrap();
    let text = qr::to_qr_text(&signed, &base);
    let verifier = Verifier::new([TrustedKey::new(elicence::Signer::public_key(&key))]);
    assert!(verifier.verify_qr_text(&text, at).is_valid());

    // Raw Ed25519 over a message as long as the driving licence's Sig_structure.
    let dalek_key = ed25519_dalek::SigningKey::from_bytes(&SEED);
    let dalek_public = dalek_key.verifying_key();
    let message = signed.to_be_signed();
    let signature = dalek_key.sign(&message);
    assert!(dalek_public.verify_strict(&message, &signature).is_ok());

    let mut raw = c.benchmark_group("raw");
    raw.bench_function("sign", |b| b.iter(|| dalek_key.sign(black_box(&message))));
    raw.bench_function("verify_strict", |b| {
        b.iter(|| dalek_public.verify_strict(black_box(&message), black_box(&signature)))
    });
    raw.finish();

    c.bench_function("issue/driving-licence", |b| {
        b.iter(|| {
            let licence = black_box(&licence).clone();
            let signed = SignedLicence::sign(licence, &key, signed_at).unwrap();
            qr::to_qr_text(&signed, &base)
        })
    });

    // Sub-steps of issuing.
    let mut steps = c.benchmark_group("issue_step");
    steps.bench_function("sign", |b| {
        b.iter(|| SignedLicence::sign(black_box(licence.clone()), &key, signed_at).unwrap())
    });
    steps.bench_function("qr_text", |b| {
        b.iter(|| qr::to_qr_text(black_box(&signed), &base))
    });
    steps.finish();

    // The same licence signed by the DSC's key (seed as in
    // test-vectors/trust/vectors.json), verified through a trust store whose
    // chains are checked once, when the verifier is built; and, as a control
    // on the same text, with that key trusted bare.
    let dsc_key = SigningKey::from_seed(&Sha256::digest("elicence trust vectors: traffic").into());
    let dsc_text = qr::to_qr_text(
        &SignedLicence::sign(licence.clone(), &dsc_key, signed_at).unwrap(),
        &base,
    );
    let mut store = TrustStore::new();
    assert_eq!(store.load_roots(TRUST_ROOT.as_bytes()).added, 1);
    assert_eq!(
        store.load_certificates(TRUST_INTERMEDIATE.as_bytes()).added,
        1
    );
    assert_eq!(store.load_certificates(TRUST_DSC.as_bytes()).added, 1);
    let trust_verifier = Verifier::new([]).with_trust_store(&store);
    let dsc_bare_verifier =
        Verifier::new([TrustedKey::new(elicence::Signer::public_key(&dsc_key))]);
    assert!(trust_verifier.verify_qr_text(&dsc_text, at).is_valid());
    assert!(dsc_bare_verifier.verify_qr_text(&dsc_text, at).is_valid());

    let mut verify = c.benchmark_group("verify");
    verify.bench_function("qr_text", |b| {
        b.iter(|| verifier.verify_qr_text(black_box(&text), at))
    });
    verify.bench_function("qr_text_dsc_bare_key", |b| {
        b.iter(|| dsc_bare_verifier.verify_qr_text(black_box(&dsc_text), at))
    });
    verify.bench_function("qr_text_trust_store", |b| {
        b.iter(|| trust_verifier.verify_qr_text(black_box(&dsc_text), at))
    });
    verify.bench_function("bytes", |b| {
        b.iter(|| verifier.verify_bytes(black_box(signed.as_bytes()), at))
    });
    verify.finish();

    let mut decode = c.benchmark_group("decode");
    decode.bench_function("envelope", |b| {
        b.iter(|| SignedLicence::from_slice(black_box(signed.as_bytes())))
    });
    decode.bench_function("qr_digits", |b| {
        b.iter(|| qr::envelope_bytes(black_box(&text)))
    });
    decode.bench_function("to_be_signed", |b| {
        b.iter(|| black_box(&signed).to_be_signed())
    });
    decode.finish();

    // Distinct codes: the same licence signed a second apart.
    let max = BATCH_SIZES.into_iter().max().unwrap_or_default();
    let texts: Vec<String> = (0..max)
        .map(|i| {
            let when = UnixTime::from_secs(signed_at.secs() + i64::try_from(i).unwrap());
            qr::to_qr_text(
                &SignedLicence::sign(licence.clone(), &key, when).unwrap(),
                &base,
            )
        })
        .collect();
    assert!(
        verifier
            .verify_batch(&texts, at)
            .iter()
            .all(|v| v.is_valid())
    );

    // What the batch path costs without the crate: dalek's batch check alone,
    // and the R decompression the crate adds per signature before batching.
    let decoded: Vec<SignedLicence> = texts
        .iter()
        .map(|t| SignedLicence::from_slice(&qr::envelope_bytes(t).unwrap()).unwrap())
        .collect();
    let messages: Vec<Vec<u8>> = decoded.iter().map(SignedLicence::to_be_signed).collect();
    let messages: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let signatures: Vec<ed25519_dalek::Signature> = decoded
        .iter()
        .map(|d| ed25519_dalek::Signature::from_bytes(d.signature()))
        .collect();
    let keys = vec![dalek_public; max];
    assert!(ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok());
    let mut raw_batch = c.benchmark_group("raw_verify_batch");
    raw_batch.throughput(Throughput::Elements(max as u64));
    raw_batch.bench_function(BenchmarkId::from_parameter(max), |b| {
        b.iter(|| ed25519_dalek::verify_batch(black_box(&messages), &signatures, &keys))
    });
    raw_batch.finish();
    let r = curve25519_dalek::edwards::CompressedEdwardsY(signature.r_bytes().to_owned());
    c.bench_function("raw/decompress_r", |b| {
        b.iter(|| black_box(&r).decompress().map(|p| p.is_small_order()))
    });

    let mut batch = c.benchmark_group("verify_batch");
    for n in BATCH_SIZES {
        let texts = texts.get(..n).unwrap();
        batch.throughput(Throughput::Elements(n as u64));
        batch.bench_with_input(BenchmarkId::from_parameter(n), texts, |b, texts| {
            b.iter(|| verifier.verify_batch(black_box(texts), at))
        });
    }
    batch.finish();

    let mut single = c.benchmark_group("verify_single_loop");
    let texts = texts.get(..SINGLE_LOOP).unwrap();
    single.throughput(Throughput::Elements(SINGLE_LOOP as u64));
    single.bench_with_input(
        BenchmarkId::from_parameter(SINGLE_LOOP),
        texts,
        |b, texts| {
            b.iter(|| {
                texts
                    .iter()
                    .map(|t| verifier.verify_qr_text(black_box(t), at))
                    .collect::<Vec<_>>()
            })
        },
    );
    single.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = envelope_benches
}
criterion_main!(benches);
