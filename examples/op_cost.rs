//! Runs one operation many times, for counting instructions with callgrind:
//! wall-clock benches on a shared machine vary by ±10 %, instruction counts
//! do not. `bash benches/instructions.sh` runs it under valgrind and prints
//! the ratios that the README's figures table quotes.
//!
//! Usage: `op_cost OP N`, where OP is `setup` (everything but the loop),
//! `raw_sign`, `issue`, `raw_verify`, `verify`, `verify_dsc_bare` (a DSC's
//! key trusted bare) or `verify_trust` (the same text through a trust store);
//! and with feature `ca`, `verify_signer_cert` (a business licence with a
//! status reference, its signer's certificate in the store, no lists) and
//! `verify_lists` (the same text with a trust list and a cached status list).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use ed25519_dalek::Signer as _;
use elicence::{
    Licence, QrBase, SignedLicence, Signer, SigningKey, TrustStore, TrustedKey, UnixTime, Verifier,
    qr,
};
use sha2::{Digest, Sha256};

#[cfg(feature = "ca")]
#[path = "../benches/support/lists.rs"]
mod lists;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let op = args.get(1).map(String::as_str).unwrap_or("setup");
    let n: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1000);

    let key = SigningKey::from_seed(&[7; 32]);
    let dalek_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let licence = Licence::from_json(include_str!("licences/driving-licence.json")).unwrap();
    let at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap();
    let now = UnixTime::parse_rfc3339("2026-06-01T12:00:00+08:00").unwrap();
    let signed = SignedLicence::sign(licence.clone(), &key, at).unwrap();
    let text = qr::to_qr_text(&signed, &QrBase::default());
    let message = signed.to_be_signed();
    let signature = dalek_key.sign(&message);
    let verifier = Verifier::new([TrustedKey::new(key.public_key())]);
    let base = QrBase::default();
    // The trust vectors' root, intermediate and traffic police DSC, and the same
    // licence signed by the DSC's key (seed as in test-vectors/trust/vectors.json).
    let mut store = TrustStore::new();
    store.load_roots(include_bytes!("../test-vectors/trust/root.pem"));
    store.load_certificates(include_bytes!("../test-vectors/trust/intermediate.pem"));
    store.load_certificates(include_bytes!("../test-vectors/trust/dsc-traffic.pem"));
    let trust_verifier = Verifier::new([]).with_trust_store(&store);
    let dsc_key = SigningKey::from_seed(&Sha256::digest("elicence trust vectors: traffic").into());
    let dsc_signed = SignedLicence::sign(licence.clone(), &dsc_key, at).unwrap();
    let dsc_text = qr::to_qr_text(&dsc_signed, &base);
    let dsc_verifier = Verifier::new([TrustedKey::new(dsc_key.public_key())]);
    #[cfg(feature = "ca")]
    let lists = lists::lists();

    for _ in 0..n {
        match op {
            "setup" => {}
            "raw_sign" => {
                black_box(dalek_key.sign(black_box(&message)));
            }
            "issue" => {
                let signed = SignedLicence::sign(black_box(&licence).clone(), &key, at).unwrap();
                black_box(qr::to_qr_text(&signed, &base));
            }
            "raw_verify" => {
                black_box(
                    dalek_key
                        .verifying_key()
                        .verify_strict(black_box(&message), &signature),
                )
                .unwrap();
            }
            "verify" => {
                assert!(verifier.verify_qr_text(black_box(&text), now).is_valid());
            }
            "verify_dsc_bare" => {
                assert!(
                    dsc_verifier
                        .verify_qr_text(black_box(&dsc_text), now)
                        .is_valid()
                );
            }
            "verify_trust" => {
                assert!(
                    trust_verifier
                        .verify_qr_text(black_box(&dsc_text), now)
                        .is_valid()
                );
            }
            #[cfg(feature = "ca")]
            "verify_signer_cert" => {
                let v = lists
                    .signer_certificate
                    .verify_qr_text(black_box(&lists.text), lists.at);
                assert!(v.is_valid());
            }
            #[cfg(feature = "ca")]
            "verify_lists" => {
                let v = lists
                    .listed
                    .verify_qr_text(black_box(&lists.text), lists.at);
                assert!(v.is_valid());
            }
            other => panic!("unknown op {other}"),
        }
    }
}
