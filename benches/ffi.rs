//! Verifying one QR text through the C ABI against the Rust call, side by
//! side in one run: `elicence_verify_qr_text` (with the verdict's validity
//! read and the verdict freed, as a C caller does) and
//! `Verifier::verify_qr_text`. The goal is at most 1.10× the Rust time.
//!
//! `cargo bench --features ffi --bench ffi`; `-- --test` to run each once.

#![allow(
    unsafe_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::ptr::null_mut;

use criterion::{Criterion, criterion_group, criterion_main};
use elicence::ffi::{
    elicence_result, elicence_verdict_free, elicence_verdict_is_valid, elicence_verifier_free,
    elicence_verifier_new, elicence_verify_qr_text,
};
use elicence::seal::pdf::PdfVerifier;
use elicence::{Licence, QrBase, SignedLicence, Signer, SigningKey, UnixTime, qr};

const DRIVING_LICENCE: &str = include_str!("../examples/licences/driving-licence.json");

fn ffi_benches(c: &mut Criterion) {
    let key = SigningKey::from_seed(&[5; 32]);
    let signed_at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap();
    let at = UnixTime::parse_rfc3339("2026-06-01T12:00:00+08:00").unwrap();
    let signed = SignedLicence::sign(
        Licence::from_json(DRIVING_LICENCE).unwrap(),
        &key,
        signed_at,
    )
    .unwrap();
    let text = qr::to_qr_text(&signed, &QrBase::default());
    let pem = key.public_key().to_pem();
    // The same verifier both ways: the one the ABI builds from the PEM.
    let rust = PdfVerifier::from_roots_and_keys_pem(pem.as_bytes()).unwrap();
    let mut abi = null_mut();
    // SAFETY: a live buffer and a writable out-parameter.
    let made = unsafe { elicence_verifier_new(pem.as_ptr(), pem.len(), &mut abi) };
    assert_eq!(made, elicence_result::ELICENCE_OK);

    let mut group = c.benchmark_group("verify_qr_text");
    group.bench_function("rust", |b| {
        b.iter(|| {
            let verdict = rust.licence_verifier().verify_qr_text(black_box(&text), at);
            assert!(verdict.is_valid());
        });
    });
    group.bench_function("c_abi", |b| {
        b.iter(|| {
            let text = black_box(&text);
            let mut verdict = null_mut();
            // SAFETY: a live verifier and text; `verdict` is written on
            // success, read, then freed once.
            unsafe {
                let result = elicence_verify_qr_text(
                    abi,
                    text.as_ptr().cast(),
                    text.len(),
                    at.secs(),
                    &mut verdict,
                );
                assert_eq!(result, elicence_result::ELICENCE_OK);
                assert!(elicence_verdict_is_valid(verdict));
                elicence_verdict_free(verdict);
            }
        });
    });
    group.finish();
    // SAFETY: freed once, no longer used.
    unsafe { elicence_verifier_free(abi) };
}

criterion_group!(benches, ffi_benches);
criterion_main!(benches);
