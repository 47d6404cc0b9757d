#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use core::num::NonZeroUsize;
use std::time::Instant;

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha512};

use super::*;
use crate::keys::{SignError, Signer, SigningKey};
use crate::licence::Licence;
use crate::qr::{QrBase, to_qr_text};

const DRIVING: &str = include_str!("../../../examples/licences/driving-licence.json");

fn t(s: &str) -> UnixTime {
    UnixTime::parse_rfc3339(s).unwrap()
}

fn now() -> UnixTime {
    t("2026-11-22T12:00:00+08:00")
}

fn licence(number: &str) -> Licence {
    let json = DRIVING.replacen(
        "\"number\": \"110108199003071238\"",
        &format!("\"number\": \"{number}\""),
        1,
    );
    Licence::from_json(&json).unwrap()
}

fn code(signer: &dyn Signer, number: &str) -> String {
    to_qr_text(
        &SignedLicence::sign(licence(number), signer, t("2025-01-01T09:00:00+08:00")).unwrap(),
        &QrBase::default(),
    )
}

/// An Ed25519 signer whose nonce point carries a torsion point `torsion`
/// (`R = rB + T`, `s = r + h·a`), and whose public key may carry one too
/// (`A = aB + T_key`): what only a key holder can make.
struct Crafted {
    a: Scalar,
    public: EdwardsPoint,
    torsion: EdwardsPoint,
    /// Nonces are tried until `h` is a multiple of this (1: the first).
    h_multiple_of: u8,
}

impl Crafted {
    fn new(seed: u8, torsion: EdwardsPoint, key_torsion: EdwardsPoint) -> Crafted {
        let digest = Sha512::digest([seed; 32]);
        let mut a = [0u8; 32];
        a.copy_from_slice(&digest[..32]);
        a[0] &= 248;
        a[31] &= 127;
        a[31] |= 64;
        let a = Scalar::from_bytes_mod_order(a);
        Crafted {
            a,
            public: ED25519_BASEPOINT_POINT * a + key_torsion,
            torsion,
            h_multiple_of: 1,
        }
    }
}

impl Signer for Crafted {
    fn public_key(&self) -> PublicKey {
        PublicKey::from_bytes(self.public.compress().as_bytes()).unwrap()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let a_bytes = self.public.compress();
        for counter in 0u32.. {
            let r = Scalar::from_hash(
                Sha512::new()
                    .chain_update(self.a.as_bytes())
                    .chain_update(counter.to_le_bytes())
                    .chain_update(message),
            );
            let big_r = (ED25519_BASEPOINT_POINT * r + self.torsion).compress();
            let h = Scalar::from_hash(
                Sha512::new()
                    .chain_update(big_r.as_bytes())
                    .chain_update(a_bytes.as_bytes())
                    .chain_update(message),
            );
            // h mod 8 is in the low bits of its first byte (1 and 8 only).
            if h.as_bytes()[0] & (self.h_multiple_of - 1) != 0 {
                continue;
            }
            let s = r + h * self.a;
            let mut out = [0u8; 64];
            out[..32].copy_from_slice(big_r.as_bytes());
            out[32..].copy_from_slice(s.as_bytes());
            return Ok(out);
        }
        unreachable!()
    }
}

/// A torsion point of order `order` (2, 4 or 8).
fn torsion(order: usize) -> EdwardsPoint {
    EIGHT_TORSION
        .iter()
        .copied()
        .find(|p| (1..=8u8).find(|&k| (p * Scalar::from(k)).is_identity()) == Some(order as u8))
        .unwrap()
}

/// Randomness with the low three bits of every 128-bit word cleared: then
/// every `z_i` is a multiple of 8, and `z_i T = 0` for every torsion point.
struct EvenRng;

impl RngCore for EvenRng {
    fn next_u32(&mut self) -> u32 {
        OsRng.next_u32() & !7
    }
    fn next_u64(&mut self) -> u64 {
        OsRng.next_u64() & !7
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        OsRng.fill_bytes(dest);
        dest.chunks_mut(16).for_each(|w| w[0] &= !7);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// Randomness that is never there.
struct NoRng;

impl RngCore for NoRng {
    fn next_u32(&mut self) -> u32 {
        0
    }
    fn next_u64(&mut self) -> u64 {
        0
    }
    fn fill_bytes(&mut self, _: &mut [u8]) {}
    fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), rand_core::Error> {
        Err(rand_core::Error::from(
            core::num::NonZeroU32::new(rand_core::Error::CUSTOM_START).unwrap(),
        ))
    }
}

fn decoded(texts: &[String]) -> Vec<Result<SignedLicence, Reason>> {
    texts.iter().map(|t| decode_text(t)).collect()
}

/// How many codes the batch confirmed, with `rng`.
fn confirmed<R: RngCore>(verifier: &Verifier, texts: &[String], rng: &mut R) -> usize {
    let mut pending: Vec<Result<Pending, Reason>> = decoded(texts)
        .into_iter()
        .map(|item| {
            item.map(|envelope| Pending {
                carried: verifier.carried_signer(&envelope),
                envelope,
                confirmed: None,
            })
        })
        .collect();
    verifier.confirm_signatures(&mut pending, rng);
    pending
        .iter()
        .filter(|p| p.as_ref().is_ok_and(|p| p.confirmed.is_some()))
        .count()
}

fn assert_same_as_single(verifier: &Verifier, texts: &[String], verdicts: &[Verdict]) {
    assert_eq!(verdicts.len(), texts.len());
    for (i, (text, verdict)) in texts.iter().zip(verdicts).enumerate() {
        assert_eq!(*verdict, verifier.verify_qr_text(text, now()), "code {i}");
    }
}

fn good(key: &SigningKey, n: usize, prefix: &str) -> Vec<String> {
    (0..n)
        .map(|i| code(key, &format!("{prefix}{i:05}")))
        .collect()
}

/// Codes are slow to make in a debug build: these are made once.
fn key_one() -> SigningKey {
    SigningKey::from_seed(&[1; 32])
}

fn key_one_codes(n: usize) -> Vec<String> {
    static CODES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| good(&key_one(), 600, "K"))[..n].to_vec()
}

fn honest() -> Crafted {
    Crafted::new(9, EdwardsPoint::identity(), EdwardsPoint::identity())
}

fn honest_codes(n: usize) -> Vec<String> {
    static CODES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        (0..300)
            .map(|i| code(&honest(), &format!("H{i:04}")))
            .collect()
    })[..n]
        .to_vec()
}

/// Whether test 1 passes for `terms` with `rng`'s words.
fn torsion_ok<R: RngCore>(terms: &[Term], rng: &mut R) -> bool {
    let words = random_words(terms.len(), rng).unwrap();
    subset_sums(terms, &words).iter().all(is_torsion_free)
}

#[test]
fn canonical_y_is_what_compression_gives() {
    // The 19 encodings of y = p, …, 2^255 − 1, with either sign bit, are
    // not canonical; those that decompress compress to something else.
    let mut noncanonical = 0;
    for k in 0u8..19 {
        for sign in [0u8, 0x80] {
            let mut bytes = [0xff; 32];
            bytes[0] = 0xed + k;
            bytes[31] = 0x7f | sign;
            assert!(!is_canonical_y(&bytes), "{bytes:02x?}");
            if let Some(p) = CompressedEdwardsY(bytes).decompress() {
                assert_ne!(p.compress().to_bytes(), bytes);
                noncanonical += 1;
            }
        }
    }
    assert!(noncanonical > 0);
    // p − 1 and smaller are canonical.
    let mut below = [0xff; 32];
    below[0] = 0xec;
    below[31] = 0x7f;
    assert!(is_canonical_y(&below));
    // Random points: canonical, and compression gives the bytes back.
    for _ in 0..200 {
        let p = ED25519_BASEPOINT_POINT * Scalar::from(OsRng.next_u64());
        let bytes = p.compress().to_bytes();
        assert!(is_canonical_y(&bytes));
        assert_eq!(
            CompressedEdwardsY(bytes)
                .decompress()
                .unwrap()
                .compress()
                .to_bytes(),
            bytes
        );
    }
}

#[test]
fn torsion_check_agrees_with_dalek() {
    for k in [1u64, 2, 12345, u64::MAX] {
        let p = ED25519_BASEPOINT_POINT * Scalar::from(k);
        for t in EIGHT_TORSION {
            let q = p + t;
            assert_eq!(is_torsion_free(&q), q.is_torsion_free(), "{k} {t:?}");
            assert_eq!(is_torsion_free(&q), t.is_identity());
        }
    }
    assert_eq!(subset_window(4096), 8);
    assert!((1..=12).contains(&subset_window(1)));
    assert!((1..=12).contains(&subset_window(usize::MAX)));
}

#[test]
fn crafted_torsion_signature_is_refused_singly() {
    for order in [2, 4, 8] {
        let signer = Crafted::new(9, torsion(order), EdwardsPoint::identity());
        let verifier = Verifier::new([TrustedKey::new(signer.public_key())]);
        let text = code(&signer, "T0001");
        let v = verifier.verify_qr_text(&text, now());
        assert!(matches!(v.reasons(), [Reason::BadSignature { .. }]), "{v}");
        // The same signer without torsion makes valid signatures.
        let honest = Crafted::new(9, EdwardsPoint::identity(), EdwardsPoint::identity());
        assert!(
            verifier
                .verify_qr_text(&code(&honest, "T0002"), now())
                .is_valid()
        );
    }
}

/// The residual of a plain cofactorless batch, and what closes it: with
/// every z_i a multiple of 8 (as happens by chance with probability 1/2 for
/// an order-2 component), the equation alone accepts the crafted signature
/// that single verification refuses; the torsion test refuses it always.
#[test]
fn equation_alone_would_accept_torsion_that_the_torsion_test_refuses() {
    // More than 128: test 1 takes the subset sums.
    let n = 140;
    let verifier = Verifier::new([TrustedKey::new(honest().public_key())]).with_batch_threshold(8);
    let clean = honest_codes(n);
    assert_eq!(confirmed(&verifier, &clean, &mut OsRng), n);
    for order in [2, 4, 8] {
        let signer = Crafted::new(9, torsion(order), EdwardsPoint::identity());
        let mut texts = clean.clone();
        texts[n / 2] = code(&signer, "T0001");

        let envelopes: Vec<SignedLicence> =
            decoded(&texts).into_iter().map(Result::unwrap).collect();
        let key = signer.public_key();
        let keys = vec![KeyTerm {
            key,
            point: key.dalek().to_edwards(),
        }];
        let terms: Vec<Term> = envelopes
            .iter()
            .enumerate()
            .map(|(i, e)| Term::new(e, &key, i, 0).unwrap())
            .collect();
        assert_eq!(equation_holds(&terms, &keys, &mut EvenRng), Some(true));
        assert!(!torsion_ok(&terms, &mut OsRng));
        assert!(!torsion_ok(&terms, &mut EvenRng));
        assert!(settle(&terms, &keys, &mut EvenRng).iter().all(|c| !c));

        // Through the verifier: nothing is confirmed, and every verdict is
        // the single one, the crafted code's bad_signature included.
        assert_eq!(confirmed(&verifier, &texts, &mut EvenRng), 0);
        assert_eq!(confirmed(&verifier, &texts, &mut OsRng), 0);
        let verdicts = verifier.verify_items(decoded(&texts), now(), &mut EvenRng);
        assert_same_as_single(&verifier, &texts, &verdicts);
        assert!(matches!(
            verdicts[n / 2].reasons(),
            [Reason::BadSignature { .. }]
        ));
    }
}

#[test]
fn subset_sums_are_the_sums_of_the_subsets() {
    let texts = honest_codes(40);
    let key = honest().public_key();
    let terms: Vec<Term> = decoded(&texts)
        .into_iter()
        .enumerate()
        .map(|(i, e)| Term::new(&e.unwrap(), &key, i, 0).unwrap())
        .collect();
    let words = random_words(terms.len(), &mut OsRng).unwrap();
    let sums = subset_sums(&terms, &words);
    assert_eq!(sums.len(), 128);
    for (j, sum) in sums.iter().enumerate() {
        let expected: EdwardsPoint = terms
            .iter()
            .zip(&words)
            .filter(|(_, w)| *w >> j & 1 == 1)
            .map(|(t, _)| t.r)
            .sum();
        assert_eq!(*sum, expected, "bit {j}");
    }
    // And Σ 2^j Q_j is Σ w_i R_i.
    let folded = sums
        .iter()
        .rev()
        .fold(EdwardsPoint::identity(), |acc, q| acc + acc + q);
    let direct: EdwardsPoint = terms
        .iter()
        .zip(&words)
        .map(|(t, w)| t.r * Scalar::from(*w))
        .sum();
    assert_eq!(folded, direct);
}

#[test]
fn good_batches_are_confirmed_and_bad_codes_found() {
    let key = key_one();
    let other = SigningKey::from_seed(&[2; 32]);
    let verifier = Verifier::new([
        TrustedKey::new(key.public_key()),
        TrustedKey::new(other.public_key()),
    ]);
    let mut texts = key_one_codes(250);
    texts.extend(good(&other, 50, "B"));
    assert_eq!(confirmed(&verifier, &texts, &mut OsRng), 300);
    let verdicts = verifier.verify_qr_texts(&texts, now());
    assert!(verdicts.iter().all(Verdict::is_valid));
    assert_same_as_single(&verifier, &texts, &verdicts);

    // A changed digit in the signature of three codes: the halving finds
    // them and confirms the rest but for at most MIN_SPLIT codes each.
    for i in [7, 120, 280] {
        let mut chars: Vec<char> = texts[i].chars().collect();
        let n = chars.len() - 20;
        chars[n] = if chars[n] == '0' { '1' } else { '0' };
        texts[i] = chars.into_iter().collect();
    }
    let found = confirmed(&verifier, &texts, &mut OsRng);
    assert!((300 - 3 * MIN_SPLIT..=297).contains(&found), "{found}");
    let verdicts = verifier.verify_qr_texts(&texts, now());
    assert_same_as_single(&verifier, &texts, &verdicts);
    assert_eq!(verdicts.iter().filter(|v| !v.is_valid()).count(), 3);

    // Without randomness, all take the single path, with the same verdicts.
    assert_eq!(confirmed(&verifier, &texts, &mut NoRng), 0);
    let verdicts = verifier.verify_items(decoded(&texts), now(), &mut NoRng);
    assert_same_as_single(&verifier, &texts, &verdicts);

    // Too few to batch: one by one.
    assert_eq!(confirmed(&verifier, &texts[..MIN_BATCH - 1], &mut OsRng), 0);
    let lowered = verifier.clone().with_batch_threshold(8);
    assert_eq!(confirmed(&lowered, &texts[8..15], &mut OsRng), 0);
    assert_eq!(confirmed(&lowered, &texts[8..16], &mut OsRng), 8);
}

#[test]
fn torsion_anywhere_in_a_batch_is_caught() {
    let verifier = Verifier::new([TrustedKey::new(honest().public_key())]).with_batch_threshold(8);
    // Above 128 signatures (subset sums) and below (each R).
    for n in [140, 20] {
        let mut texts = honest_codes(n);
        for (order, at) in [(2, 0), (4, n / 2), (8, n - 1)] {
            let signer = Crafted::new(9, torsion(order), EdwardsPoint::identity());
            texts[at] = code(&signer, &format!("T{order}"));
        }
        for _ in 0..3 {
            assert_eq!(confirmed(&verifier, &texts, &mut OsRng), 0);
        }
        let verdicts = verifier.verify_qr_texts(&texts, now());
        assert_same_as_single(&verifier, &texts, &verdicts);
        assert_eq!(verdicts.iter().filter(|v| !v.is_valid()).count(), 3);
    }
}

#[test]
fn a_key_with_torsion_takes_the_single_path() {
    // A = aB + T8 is not weak, and a signature with 8 | h verifies under it
    // strictly (R = sB − hA = rB); other signatures do not.
    let mut mixed = Crafted::new(5, EdwardsPoint::identity(), torsion(8));
    assert!(!mixed.public_key().is_weak());
    let verifier = Verifier::new([TrustedKey::new(mixed.public_key())]).with_batch_threshold(8);
    let half = 20;
    let plain: Vec<String> = (0..half)
        .map(|i| code(&mixed, &format!("P{i:04}")))
        .collect();
    mixed.h_multiple_of = 8;
    let fitted: Vec<String> = (0..half)
        .map(|i| code(&mixed, &format!("F{i:04}")))
        .collect();
    let texts: Vec<String> = plain.into_iter().chain(fitted).collect();
    assert_eq!(confirmed(&verifier, &texts, &mut OsRng), 0);
    let verdicts = verifier.verify_qr_texts(&texts, now());
    assert_same_as_single(&verifier, &texts, &verdicts);
    let valid = verdicts.iter().filter(|v| v.is_valid()).count();
    assert!((half..2 * half).contains(&valid), "{valid}");
}

#[test]
fn the_first_candidate_key_is_the_one_batched() {
    // Colliding key ids: the wrong key first. The batch cannot confirm
    // anything under it, and the single path finds the right key.
    let key = key_one();
    let impostor = SigningKey::from_seed(&[3; 32]).public_key();
    let mut verifier = Verifier::new([TrustedKey::new(key.public_key())]).with_batch_threshold(8);
    verifier
        .keys
        .get_mut(&key.public_key().key_id())
        .unwrap()
        .insert(0, TrustedKey::new(impostor));
    let texts = key_one_codes(24);
    assert_eq!(confirmed(&verifier, &texts, &mut OsRng), 0);
    let verdicts = verifier.verify_qr_texts(&texts, now());
    assert!(verdicts.iter().all(Verdict::is_valid));
    assert_same_as_single(&verifier, &texts, &verdicts);

    // A weak key first is skipped, as single verification skips it.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = PublicKey::from_bytes(&identity).unwrap();
    let mut verifier = Verifier::new([TrustedKey::new(key.public_key())]).with_batch_threshold(8);
    verifier
        .keys
        .get_mut(&key.public_key().key_id())
        .unwrap()
        .insert(0, TrustedKey::new(weak));
    assert_eq!(confirmed(&verifier, &texts, &mut OsRng), 24);
    assert_same_as_single(&verifier, &texts, &verifier.verify_qr_texts(&texts, now()));
}

#[test]
fn signatures_verify_strict_refuses_alone_take_the_single_path() {
    let verifier = Verifier::new([TrustedKey::new(key_one().public_key())]).with_batch_threshold(8);
    let mut texts = key_one_codes(40);
    let envelope = |text: &str| decode_text(text).unwrap();
    let with_signature = |text: &str, f: &dyn Fn(&mut [u8; 64])| {
        let e = envelope(text);
        let mut signature = *e.signature();
        f(&mut signature);
        let mut bytes = e.as_bytes().to_vec();
        let len = bytes.len();
        bytes[len - 64..].copy_from_slice(&signature);
        let mut text = QrBase::default().as_str().to_owned();
        crate::qr::push_digits(&mut text, &bytes);
        text
    };
    let l = {
        let mut l = [0u8; 32];
        l.copy_from_slice(&hex_l());
        l
    };
    // s + ℓ: the same point equation, refused as non-canonical.
    texts[3] = with_signature(&texts[3], &|sig| {
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(sig[32 + i]) + u16::from(l[i]) + carry;
            sig[32 + i] = v as u8;
            carry = v >> 8;
        }
    });
    // R the identity, and R of order 8.
    texts[10] = with_signature(&texts[10], &|sig| {
        sig[..32].copy_from_slice(&[0; 32]);
        sig[0] = 1;
    });
    texts[11] = with_signature(&texts[11], &|sig| {
        sig[..32].copy_from_slice(torsion(8).compress().as_bytes())
    });
    // R non-canonical (y = p + 2, or any y ≥ p that decompresses).
    texts[20] = with_signature(&texts[20], &|sig| {
        let mut bytes = [0xff; 32];
        bytes[31] = 0x7f;
        for k in 0u8..19 {
            bytes[0] = 0xed + k;
            if CompressedEdwardsY(bytes)
                .decompress()
                .is_some_and(|p| !p.is_small_order())
            {
                break;
            }
        }
        sig[..32].copy_from_slice(&bytes);
    });
    // R that is not a point.
    texts[30] = with_signature(&texts[30], &|sig| {
        let mut y = 2u8;
        loop {
            let mut bytes = [0u8; 32];
            bytes[0] = y;
            if CompressedEdwardsY(bytes).decompress().is_none() {
                sig[..32].copy_from_slice(&bytes);
                break;
            }
            y += 1;
        }
    });
    let verdicts = verifier.verify_qr_texts(&texts, now());
    assert_same_as_single(&verifier, &texts, &verdicts);
    for i in [3, 10, 11, 20, 30] {
        assert!(
            matches!(verdicts[i].reasons(), [Reason::BadSignature { .. }]),
            "{i}: {}",
            verdicts[i]
        );
    }
    assert_eq!(confirmed(&verifier, &texts, &mut OsRng), 35);
}

fn hex_l() -> [u8; 32] {
    [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ]
}

#[test]
fn parallel_verdicts_are_the_sequential_ones() {
    let verifier = Verifier::new([TrustedKey::new(key_one().public_key())]).with_batch_threshold(8);
    let mut texts = key_one_codes(60);
    texts[30] = "not a code".into();
    let sequential = verifier.verify_qr_texts(&texts, now());
    for threads in [1, 2, 3, 8] {
        let parallel =
            verifier.verify_qr_texts_parallel(&texts, now(), NonZeroUsize::new(threads).unwrap());
        assert_eq!(parallel, sequential, "{threads} threads");
    }
    assert!(
        verifier
            .verify_qr_texts_parallel::<&str>(&[], now(), NonZeroUsize::MIN)
            .is_empty()
    );
}

/// Costs of the parts, for the figures: `cargo test --release --all-features
/// --lib batch_costs -- --ignored --nocapture`.
#[test]
#[ignore = "prints timings"]
fn batch_costs() {
    let key = SigningKey::from_seed(&[1; 32]);
    let verifier = Verifier::new([TrustedKey::new(key.public_key())]);
    for n in [64, 256, 1024, 4096] {
        let texts = good(&key, n, "X");
        let envelopes: Vec<SignedLicence> =
            decoded(&texts).into_iter().map(Result::unwrap).collect();
        let public = key.public_key();
        let keys = vec![KeyTerm {
            key: public,
            point: public.dalek().to_edwards(),
        }];
        let time = |label: &str, f: &mut dyn FnMut()| {
            let start = Instant::now();
            f();
            println!(
                "n = {n:5}: {label:32} {:8.2} µs per code",
                start.elapsed().as_secs_f64() * 1e6 / n as f64
            );
        };
        let mut terms = Vec::new();
        time("terms (decompress R, hash)", &mut || {
            terms = envelopes
                .iter()
                .enumerate()
                .map(|(i, e)| Term::new(e, &public, i, 0).unwrap())
                .collect();
        });
        time("torsion test (subset sums)", &mut || {
            assert!(torsion_ok(&terms, &mut OsRng))
        });
        time("torsion, each R alone", &mut || {
            assert!(terms.iter().all(|t| is_torsion_free(&t.r)))
        });
        time("equation as a multiscalar mul", &mut || {
            assert_eq!(equation_holds(&terms, &keys, &mut OsRng), Some(true))
        });
        time("settle (both tests)", &mut || {
            assert!(settle(&terms, &keys, &mut OsRng).iter().all(|c| *c))
        });
        time("verify_qr_texts", &mut || {
            assert!(
                verifier
                    .verify_qr_texts(&texts, now())
                    .iter()
                    .all(Verdict::is_valid)
            )
        });
        time("verify_qr_text loop", &mut || {
            assert!(
                texts
                    .iter()
                    .all(|t| verifier.verify_qr_text(t, now()).is_valid())
            )
        });
    }
}
