//! Many codes at once, with the answer single verification gives.
//!
//! [`Verifier::verify_qr_texts`] returns, for every text, exactly the
//! [`Verdict`] that [`Verifier::verify_qr_text`] returns for it (and
//! [`Verifier::verify_envelopes`] what [`Verifier::verify_envelope`]
//! returns): decoding, key lookup and policy are the single path's own
//! functions, and only the question "does this signature pass
//! `verify_strict` under this key" is answered for many signatures at once.
//!
//! # Which signatures go into the batch
//!
//! A code takes part when its key id names a trusted key that is not weak;
//! the first such key `A`, in the order single verification tries them, is
//! the one single verification accepts it under if it verifies under it
//! (weak keys before it are refused without a check). Each signature
//! `(R, s)` must pass, on its own, every check `verify_strict`
//! (ed25519-dalek 2.2) makes before its equation: `s < ℓ`; `R` decompresses;
//! neither `R` nor `A` is of small order. Two more conditions make the
//! batch's question the same as `verify_strict`'s: `R` is the canonical
//! encoding (`y < p`), and `A` has no torsion component. Then, with
//! `h = SHA-512(R ‖ A ‖ M) mod ℓ` as dalek computes it, `verify_strict`
//! accepts exactly when the point `R` equals `sB − hA` (it compares
//! `sB − hA`, compressed, with the bytes of `R`). Everything else, and every
//! code when fewer than [`MIN_BATCH`] signatures qualify (or the number set
//! with [`Verifier::with_batch_threshold`]), takes the single path
//! unchanged.
//!
//! # The check
//!
//! With 128-bit words `w_i` from the operating system's generator, one a
//! signature, the batch passes when both of these hold:
//!
//! 1. **No R has a torsion component.** The 128 subset sums
//!    `Q_j = Σ {R_i : bit j of w_i is set}` are each torsion-free
//!    (`[ℓ]Q_j = 0`). They cost about 18 point additions a signature for
//!    4,096 signatures (the R are bucketed by 8 bits of their words at a
//!    time), plus 128 scalar multiplications a batch. (A batch of at most
//!    128, possible with [`Verifier::with_batch_threshold`], checks each R
//!    instead, and test 2 then takes its own random `z_i`.)
//! 2. **The equation**, with `z_i = w_i` and all signatures under one key
//!    folded into one term:
//!    `Σ z_i R_i + Σ_keys (Σ_{i∈key} z_i h_i) A_key − (Σ z_i s_i) B = 0`,
//!    where `Σ z_i R_i = Σ_j 2^j Q_j` comes from test 1's sums for 254
//!    point operations.
//!
//! # Why it gives the single answer
//!
//! Let `D_i = R_i + h_i A_i − s_i B`: single verification accepts exactly
//! when `D_i = 0`. If every signature passes singly, each
//! `R_i = s_i B − h_i A_i` is torsion-free (B and the batched keys are), so
//! both tests pass, always. If some signature does not:
//!
//! - either some `R_i` has a torsion component `T_i`. A given `Q_j` is
//!   torsion-free only if the torsion components of its `R_i` add up to
//!   zero; fixing every bit but that of such an `i`, at most one of its two
//!   values does that, so each `Q_j` passes with probability at most 1/2,
//!   independently: test 1 passes with probability at most 2⁻¹²⁸;
//! - or no `R_i` has one, so every `D_i` lies in the prime-order subgroup
//!   and some `D_i = d_i G` is not zero. The equation is `Σ z_i d_i ≡ 0`
//!   (mod ℓ); fixing every `z` but `z_i`, one value of `z_i` modulo ℓ
//!   satisfies it, and `z_i` takes 2¹²⁸ < ℓ values: test 2 passes with
//!   probability at most 2⁻¹²⁸.
//!
//! Each case is bounded by one test alone, so sharing the words between
//! the tests costs nothing. Test 1 is what a plain cofactorless batch
//! (`ed25519_dalek::verify_batch`) lacks: there, a signature made by the
//! key's holder with `R = rB + T` (`T` of order 2, 4 or 8, `s = r + ha`),
//! which single verification refuses, passes test 2 whenever `z_i T = 0`,
//! that is, with probability 1/2, 1/4 or 1/8 each time it is checked.
//!
//! # When the batch fails
//!
//! If test 1 fails, some `R` has torsion, and every code takes the single
//! path. If test 2 fails, the batch is halved and each half tested again
//! with the equation alone (test 1 has shown every `R` torsion-free), with
//! fresh `z`, down to parts of [`MIN_SPLIT`] codes, which take the single
//! path; after four times the batch's size has been re-tested, the rest
//! takes the single path. A part that passes differs from the single
//! answers with probability at most 2⁻¹²⁸ (test 1) plus 2⁻¹²⁸ for each
//! equation tested (one when all is well, at most `n + 1` in all);
//! a part that fails gets the single answers. Without randomness from the
//! operating system, everything takes the single path.

use core::num::NonZeroUsize;
use std::collections::HashMap;
use std::thread;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, IsIdentity, VartimeMultiscalarMul};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha512};

use super::{Reason, TrustedKey, Verdict, Verifier, r_is_batch_safe};
use crate::date::UnixTime;
use crate::envelope::SignedLicence;
use crate::keys::PublicKey;
use crate::qr;

/// Fewest signatures checked as a batch; fewer are checked one by one.
pub const MIN_BATCH: usize = 256;
/// A failing part of a batch this small or smaller is checked one by one.
pub const MIN_SPLIT: usize = 8;
/// Random subset sums in the torsion test: its error is at most 2^-ROUNDS.
const TORSION_ROUNDS: usize = 128;
/// After a failed equation, at most this many times the batch's size is
/// re-tested in halves before the rest is checked one by one.
const RETEST_FACTOR: usize = 4;

impl Verifier {
    /// Verifies many QR texts at time `at`, returning for each exactly the
    /// verdict [`Verifier::verify_qr_text`] returns for it, in input order.
    /// The signatures are checked together (see [`crate::verify::batch`]);
    /// a batch that does not pass is narrowed down so that each code gets
    /// its single answer. On one thread; see
    /// [`Verifier::verify_qr_texts_parallel`] for several.
    pub fn verify_qr_texts<S: AsRef<str>>(&self, texts: &[S], at: UnixTime) -> Vec<Verdict> {
        let items = texts.iter().map(|t| decode_text(t.as_ref())).collect();
        self.verify_items(items, at, &mut OsRng)
    }

    /// Verifies decoded envelopes at time `at`, returning for each exactly
    /// the verdict [`Verifier::verify_envelope`] returns for it, in order.
    pub fn verify_envelopes(&self, envelopes: Vec<SignedLicence>, at: UnixTime) -> Vec<Verdict> {
        let items = envelopes.into_iter().map(Ok).collect();
        self.verify_items(items, at, &mut OsRng)
    }

    /// [`Verifier::verify_qr_texts`] on up to `threads` threads, each taking
    /// a contiguous share of at least the batch threshold ([`MIN_BATCH`]
    /// unless set with [`Verifier::with_batch_threshold`]) as its own batch.
    /// The verdicts are the same, in input order. If a thread cannot be
    /// started, its share is verified on the calling thread.
    pub fn verify_qr_texts_parallel<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        at: UnixTime,
        threads: NonZeroUsize,
    ) -> Vec<Verdict> {
        let shares = threads.get().min(texts.len() / self.batch_threshold).max(1);
        if shares == 1 {
            return self.verify_qr_texts(texts, at);
        }
        let share_len = texts.len().div_ceil(shares);
        thread::scope(|scope| {
            let handles: Vec<_> = texts
                .chunks(share_len)
                .map(|share| {
                    let handle = thread::Builder::new()
                        .name("elicence-verify".into())
                        .spawn_scoped(scope, move || self.verify_qr_texts(share, at));
                    (share, handle)
                })
                .collect();
            let mut verdicts = Vec::with_capacity(texts.len());
            for (share, handle) in handles {
                match handle.map(|h| h.join()) {
                    Ok(Ok(part)) => verdicts.extend(part),
                    // Not started, or failed: this thread does the share.
                    _ => verdicts.extend(self.verify_qr_texts(share, at)),
                }
            }
            verdicts
        })
    }

    /// Sets the fewest signatures checked as a batch (default [`MIN_BATCH`];
    /// at least 2). Only the speed depends on it, never a verdict: below
    /// about 200 signatures on one core, the batch's fixed cost (128 scalar
    /// multiplications, see the [module](crate::verify::batch) documentation)
    /// outweighs what it saves.
    pub fn with_batch_threshold(mut self, signatures: usize) -> Self {
        self.batch_threshold = signatures.max(2);
        self
    }

    /// The batch path over decoded (or refused) codes, with `rng` for the
    /// random coefficients.
    pub(super) fn verify_items<R: RngCore>(
        &self,
        items: Vec<Result<SignedLicence, Reason>>,
        at: UnixTime,
        rng: &mut R,
    ) -> Vec<Verdict> {
        let mut pending: Vec<Result<Pending, Reason>> = items
            .into_iter()
            .map(|item| {
                item.map(|envelope| Pending {
                    carried: self.carried_signer(&envelope),
                    envelope,
                    confirmed: None,
                })
            })
            .collect();
        self.confirm_signatures(&mut pending, rng);
        pending
            .into_iter()
            .map(|item| match item {
                Err(reason) => Verdict::failed(reason),
                Ok(p) => {
                    let signer = match p.confirmed {
                        Some(key) => Ok(key),
                        None => self.check_signature(&p.envelope, p.carried.as_ref()),
                    };
                    self.finish(p.envelope, signer, p.carried.as_ref(), at)
                }
            })
            .collect()
    }

    /// Marks the codes whose signature the batch shows to pass
    /// `verify_strict` under the key single verification tries first.
    fn confirm_signatures<R: RngCore>(&self, pending: &mut [Result<Pending, Reason>], rng: &mut R) {
        if pending.iter().filter(|p| p.is_ok()).count() < self.batch_threshold {
            return;
        }
        let mut keys: Vec<KeyTerm> = Vec::new();
        let mut key_index: HashMap<[u8; 32], Option<usize>> = HashMap::new();
        let mut terms: Vec<Term> = Vec::new();
        for (slot, item) in pending.iter().enumerate() {
            let Ok(p) = item else { continue };
            let Some(key) = self.first_usable_key(&p.envelope, p.carried.as_ref()) else {
                continue;
            };
            let index = *key_index.entry(key.to_bytes()).or_insert_with(|| {
                let point = key.dalek().to_edwards();
                is_torsion_free(&point).then(|| {
                    keys.push(KeyTerm { key, point });
                    keys.len() - 1
                })
            });
            // A key with a torsion component (not weak, but not in the
            // prime-order subgroup) makes `hA` carry torsion: single path.
            let Some(index) = index else { continue };
            if let Some(term) = Term::new(&p.envelope, &key, slot, index) {
                terms.push(term);
            }
        }
        if terms.len() < self.batch_threshold {
            return;
        }
        for (term, ok) in terms.iter().zip(settle(&terms, &keys, rng)) {
            let key = keys.get(term.key).map(|k| k.key);
            if let (true, Some(Ok(p)), Some(key)) = (ok, pending.get_mut(term.slot), key) {
                p.confirmed = Some(key);
            }
        }
    }

    /// The first trusted key for the envelope's id that is not weak: the
    /// only key under which single verification can accept it before
    /// trying any other, since weak keys are refused without a check.
    fn first_usable_key(
        &self,
        envelope: &SignedLicence,
        carried: Option<&TrustedKey>,
    ) -> Option<PublicKey> {
        self.candidates(&envelope.key_id(), carried)
            .map(|c| c.key)
            .find(|k| !k.is_weak())
    }
}

/// The single path's decoding of QR text.
fn decode_text(text: &str) -> Result<SignedLicence, Reason> {
    let bytes = qr::envelope_bytes(text).map_err(Reason::MalformedText)?;
    SignedLicence::from_slice(&bytes).map_err(Reason::Malformed)
}

/// A decoded code waiting for its signature's answer.
struct Pending {
    envelope: SignedLicence,
    carried: Option<TrustedKey>,
    /// The key the batch showed the signature to verify under.
    confirmed: Option<PublicKey>,
}

/// A key in the batch, torsion-free and not weak.
struct KeyTerm {
    key: PublicKey,
    point: EdwardsPoint,
}

/// One signature in the batch, past every per-signature check of
/// `verify_strict`.
struct Term {
    /// Its position among the codes.
    slot: usize,
    /// Its key's position in the batch's keys.
    key: usize,
    r: EdwardsPoint,
    s: Scalar,
    /// `SHA-512(R ‖ A ‖ M) mod ℓ`.
    h: Scalar,
}

impl Term {
    /// The term, or `None` if `verify_strict` would refuse the signature on
    /// its own (then it takes the single path, which says so).
    fn new(envelope: &SignedLicence, key: &PublicKey, slot: usize, index: usize) -> Option<Term> {
        let signature = envelope.signature();
        if !r_is_batch_safe(signature) {
            return None;
        }
        let r_bytes = *signature.first_chunk::<32>()?;
        let s_bytes = *signature.last_chunk::<32>()?;
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))?;
        if !is_canonical_y(&r_bytes) {
            return None;
        }
        let r = CompressedEdwardsY(r_bytes).decompress()?;
        if r.is_small_order() {
            return None;
        }
        let mut hash = Sha512::new();
        hash.update(r_bytes);
        hash.update(key.dalek().as_bytes());
        hash.update(envelope.to_be_signed());
        Some(Term {
            slot,
            key: index,
            r,
            s,
            h: Scalar::from_hash(hash),
        })
    }
}

/// Whether the 255-bit y in an encoding is below p = 2^255 − 19: the
/// encoding is canonical, so that it is what compressing its point gives
/// (the sign bit with x = 0 only arises for small-order points, refused
/// on their own).
fn is_canonical_y(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    if let Some(top) = y.last_mut() {
        *top &= 0x7f;
    }
    // y ≥ p exactly when y is one of p, …, 2^255 − 1: bytes ed…ff, ff × 30, 7f.
    let (low, high) = y.split_first().map_or((0, &[][..]), |(l, h)| (*l, h));
    let all_ff = high
        .iter()
        .enumerate()
        .all(|(i, &b)| b == if i + 1 == high.len() { 0x7f } else { 0xff });
    !(all_ff && low >= 0xed)
}

/// `[ℓ]P = 0`, without ℓ as a scalar: with c = 8⁻¹ mod ℓ, `[8c]P` is P's
/// prime-order part, which is P itself exactly when P has no torsion.
fn is_torsion_free(point: &EdwardsPoint) -> bool {
    let eighth = Scalar::from(8u8).invert();
    EdwardsPoint::vartime_double_scalar_mul_basepoint(&eighth, point, &Scalar::ZERO)
        .mul_by_cofactor()
        == *point
}

/// Which terms the batch shows to be valid; the rest take the single path.
fn settle<R: RngCore>(terms: &[Term], keys: &[KeyTerm], rng: &mut R) -> Vec<bool> {
    let mut confirmed = vec![false; terms.len()];
    let passed = if terms.len() <= TORSION_ROUNDS {
        // Test 1 on each R costs no more than on 128 sums.
        if !terms.iter().all(|t| is_torsion_free(&t.r)) {
            return confirmed;
        }
        match equation_holds(terms, keys, rng) {
            Some(passed) => passed,
            None => return confirmed,
        }
    } else {
        let Some(words) = random_words(terms.len(), rng) else {
            return confirmed;
        };
        // Test 1. Its subset sums also give the equation's R part for
        // z_i = words[i]: Σ z_i R_i = Σ_j 2^j Q_j.
        let sums = subset_sums(terms, &words);
        if !sums.iter().all(is_torsion_free) {
            // Some R has a torsion component: the single path says which.
            return confirmed;
        }
        let r_part = sums
            .iter()
            .rev()
            .fold(EdwardsPoint::identity(), |acc, q| acc + acc + q);
        let z: Vec<Scalar> = words.into_iter().map(Scalar::from).collect();
        equation_with(terms, keys, z, r_part)
    };
    if passed {
        confirmed.iter_mut().for_each(|c| *c = true);
        return confirmed;
    }
    // The equation fails: halve, with fresh z for each part.
    let mut budget = RETEST_FACTOR.saturating_mul(terms.len());
    let mut ranges = Vec::new();
    let mut split = |lo: usize, hi: usize, ranges: &mut Vec<(usize, usize)>| {
        if hi - lo > MIN_SPLIT && budget >= hi - lo {
            budget -= hi - lo;
            let mid = lo + (hi - lo) / 2;
            ranges.push((mid, hi));
            ranges.push((lo, mid));
        }
    };
    split(0, terms.len(), &mut ranges);
    while let Some((lo, hi)) = ranges.pop() {
        let Some(range) = terms.get(lo..hi) else {
            continue;
        };
        match equation_holds(range, keys, rng) {
            Some(true) => confirmed
                .iter_mut()
                .skip(lo)
                .take(hi - lo)
                .for_each(|c| *c = true),
            Some(false) => split(lo, hi, &mut ranges),
            // No randomness: one by one.
            None => {}
        }
    }
    confirmed
}

/// `n` random 128-bit numbers, or `None` if the generator fails.
fn random_words<R: RngCore>(n: usize, rng: &mut R) -> Option<Vec<u128>> {
    let mut bytes = vec![0u8; n.checked_mul(16)?];
    rng.try_fill_bytes(&mut bytes).ok()?;
    Some(
        bytes
            .chunks_exact(16)
            .map(|w| w.try_into().map_or(0, u128::from_le_bytes))
            .collect(),
    )
}

/// The 128 sums `Q_j = Σ {R_i : bit j of words[i] set}`. The bits are
/// taken a window at a time: each R goes into the bucket its window's bits
/// name, and the sums for those bits are read off the buckets by halving
/// (about 2 · 2^window additions a window, besides one per R).
fn subset_sums(terms: &[Term], words: &[u128]) -> Vec<EdwardsPoint> {
    let window = subset_window(terms.len());
    let mut sums = vec![EdwardsPoint::identity(); TORSION_ROUNDS];
    let mut offset = 0u32;
    while offset < u128::BITS {
        let bits = window.min(u128::BITS - offset);
        let mask = (1u128 << bits) - 1;
        let mut buckets = vec![EdwardsPoint::identity(); 1usize << bits];
        for (term, word) in terms.iter().zip(words) {
            // Bucket 0 (no bit set) adds to no sum: skipped.
            let index = usize::try_from((word >> offset) & mask).unwrap_or(0);
            if let Some(bucket) = buckets.get_mut(index).filter(|_| index != 0) {
                *bucket += &term.r;
            }
        }
        // The sum for the top bit is that of the upper half of the buckets;
        // folding the upper half onto the lower drops the bit.
        for bit in (0..bits).rev() {
            let half = 1usize << bit;
            let Some((low, high)) = buckets.split_at_mut_checked(half) else {
                break;
            };
            let j = usize::try_from(offset + bit).unwrap_or(usize::MAX);
            if let Some(sum) = sums.get_mut(j) {
                *sum = high.iter().sum();
            }
            low.iter_mut().zip(high.iter()).for_each(|(l, h)| *l += h);
            buckets.truncate(half);
        }
        offset += bits;
    }
    sums
}

/// The window (bits a bucket pass takes) that needs the fewest additions
/// for `n` points: `⌈128 / w⌉ · (n + 2^(w+1))`.
fn subset_window(n: usize) -> u32 {
    (1..=12u32)
        .min_by_key(|&w| {
            let passes = u128::BITS.div_ceil(w) as usize;
            passes.saturating_mul(n.saturating_add(1usize << (w + 1)))
        })
        .unwrap_or(8)
}

/// Test 2 on `terms` with these `z` (one a term), given `r_part = Σ z_i R_i`:
/// `r_part + Σ_keys (Σ_{i∈key} z_i h_i) A_key − (Σ z_i s_i) B = 0`.
fn equation_with(terms: &[Term], keys: &[KeyTerm], z: Vec<Scalar>, r_part: EdwardsPoint) -> bool {
    let mut key_coefficients = vec![Scalar::ZERO; keys.len()];
    let mut used = vec![false; keys.len()];
    let mut basepoint_coefficient = Scalar::ZERO;
    for (term, z) in terms.iter().zip(&z) {
        basepoint_coefficient += z * term.s;
        if let (Some(c), Some(u)) = (key_coefficients.get_mut(term.key), used.get_mut(term.key)) {
            *c += z * term.h;
            *u = true;
        }
    }
    let mut scalars = Vec::with_capacity(keys.len() + 1);
    let mut points = Vec::with_capacity(keys.len() + 1);
    for ((key, coefficient), used) in keys.iter().zip(key_coefficients).zip(used) {
        if used {
            scalars.push(coefficient);
            points.push(key.point);
        }
    }
    scalars.push(-basepoint_coefficient);
    points.push(ED25519_BASEPOINT_POINT);
    (EdwardsPoint::vartime_multiscalar_mul(&scalars, &points) + r_part).is_identity()
}

/// Test 2 on `terms` with fresh random z, the R part as a multiscalar
/// multiplication. `None` if the generator fails.
fn equation_holds<R: RngCore>(terms: &[Term], keys: &[KeyTerm], rng: &mut R) -> Option<bool> {
    let z: Vec<Scalar> = random_words(terms.len(), rng)?
        .into_iter()
        .map(Scalar::from)
        .collect();
    let r_part = EdwardsPoint::vartime_multiscalar_mul(&z, terms.iter().map(|t| &t.r));
    Some(equation_with(terms, keys, z, r_part))
}

#[cfg(test)]
mod tests;
