#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;
use crate::cbor::Encoder;
use crate::cose::sig_structure;
use crate::keys::{Signer, SigningKey};
use crate::qr::{QrBase, to_qr_text};

const DRIVING: &str = include_str!("../../examples/licences/driving-licence.json");

fn t(s: &str) -> UnixTime {
    UnixTime::parse_rfc3339(s).unwrap()
}

fn issued() -> UnixTime {
    t("2025-01-01T09:00:00+08:00")
}

fn now() -> UnixTime {
    t("2026-11-22T12:00:00+08:00")
}

fn code(key: &SigningKey, number: &str) -> String {
    let json = DRIVING.replacen(
        "\"number\": \"110108199003071238\"",
        &format!("\"number\": \"{number}\""),
        1,
    );
    let licence = Licence::from_json(&json).unwrap();
    to_qr_text(
        &SignedLicence::sign(licence, key, issued()).unwrap(),
        &QrBase::default(),
    )
}

fn codes() -> (Verifier, SigningKey, Vec<String>) {
    let key = SigningKey::from_seed(&[1; 32]);
    let verifier = Verifier::new([TrustedKey::new(key.public_key())]);
    let texts = (0..20).map(|i| code(&key, &format!("DL{i:04}"))).collect();
    (verifier, key, texts)
}

#[test]
fn valid_code_verifies_and_times_are_checked() {
    let (verifier, _, texts) = codes();
    let v = verifier.verify_qr_text(&texts[0], now());
    assert!(v.is_valid(), "{v}");
    assert_eq!(v.licence().unwrap().number(), "DL0000");

    let early = verifier.verify_qr_text(&texts[0], t("2024-05-05T23:59:59+08:00"));
    // Before validity and before signing: both reasons, key/issue reasons first.
    assert_eq!(
        early.reasons().iter().map(Reason::code).collect::<Vec<_>>(),
        ["issued_in_future", "not_yet_valid"]
    );
    assert!(early.licence().is_some(), "authentic, just not valid yet");
    let last_moment = verifier.verify_qr_text(&texts[0], t("2030-05-06T23:59:59+08:00"));
    assert!(last_moment.is_valid());
    let expired = verifier.verify_qr_text(&texts[0], t("2030-05-07T00:00:00+08:00"));
    assert!(matches!(expired.reasons(), [Reason::Expired { .. }]));
}

#[test]
fn unknown_key_and_bad_signature() {
    let (_, _, texts) = codes();
    let other = Verifier::new([TrustedKey::new(
        SigningKey::from_seed(&[2; 32]).public_key(),
    )]);
    let v = other.verify_qr_text(&texts[0], now());
    assert!(matches!(v.reasons(), [Reason::UnknownKey { .. }]));
    assert!(v.licence().is_none());
    assert!(v.unverified().is_some());
}

#[test]
fn colliding_key_ids_are_all_tried() {
    let (_, key, texts) = codes();
    // A verifier whose first candidate for the kid is the wrong key.
    let impostor =
        PublicKey::from_bytes(&SigningKey::from_seed(&[3; 32]).public_key().to_bytes()).unwrap();
    let mut verifier = Verifier::new([TrustedKey::new(key.public_key())]);
    verifier
        .keys
        .get_mut(&key.public_key().key_id())
        .unwrap()
        .insert(0, TrustedKey::new(impostor));
    assert!(verifier.verify_qr_text(&texts[0], now()).is_valid());
    let batch = verifier.verify_batch(&texts, now());
    assert!(batch.iter().all(Verdict::is_valid));
}

#[test]
fn rotation_window_is_checked_against_signing_time() {
    let (_, key, texts) = codes();
    let retired = Verifier::new([
        TrustedKey::new(key.public_key()).signed_until(t("2024-12-31T23:59:59+08:00"))
    ]);
    let v = retired.verify_qr_text(&texts[0], now());
    assert!(matches!(
        v.reasons(),
        [Reason::KeyNotValidAtIssuance { .. }]
    ));
    let rotated_out_later = Verifier::new([TrustedKey::new(key.public_key())
        .signed_from(t("2024-01-01T00:00:00Z"))
        .signed_until(t("2025-06-30T00:00:00Z"))]);
    assert!(
        rotated_out_later
            .verify_qr_text(&texts[0], now())
            .is_valid()
    );
}

#[test]
fn batch_names_exactly_the_bad_codes() {
    let (verifier, _, mut texts) = codes();
    let all = verifier.verify_batch(&texts, now());
    assert_eq!(all.len(), 20);
    assert!(all.iter().all(Verdict::is_valid));

    // Change one digit in the signature part of codes 3 and 11, and garble 7.
    for i in [3, 11] {
        let mut chars: Vec<char> = texts[i].chars().collect();
        let n = chars.len() - 20;
        chars[n] = if chars[n] == '0' { '1' } else { '0' };
        texts[i] = chars.into_iter().collect();
    }
    texts[7] = "https://verify.example.gov.cn/c/123".into();
    let verdicts = verifier.verify_batch(&texts, now());
    for (i, v) in verdicts.iter().enumerate() {
        let single = verifier.verify_qr_text(&texts[i], now());
        assert_eq!(v.reasons(), single.reasons(), "code {i}");
        assert_eq!(v.is_valid(), ![3, 7, 11].contains(&i), "code {i}: {v}");
    }
    assert!(verifier.verify_batch::<&str>(&[], now()).is_empty());
}

#[test]
fn weak_trusted_key_is_refused_by_name() {
    // The identity point as a "public key" and the signature (R = identity,
    // S = 0) satisfy the cofactorless equation for every message.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = PublicKey::from_bytes(&identity).unwrap();
    let (_, _, texts) = codes();
    let genuine =
        SignedLicence::from_slice(&crate::qr::envelope_bytes(&texts[0]).unwrap()).unwrap();

    let protected = {
        let mut e = Encoder::new();
        e.map(vec![
            (
                1,
                crate::cbor::encode_with(|e| {
                    e.int(-8);
                }),
            ),
            (
                4,
                crate::cbor::encode_with(|e| {
                    e.bytes(&weak.key_id().0);
                }),
            ),
            (
                16,
                crate::cbor::encode_with(|e| {
                    e.text(crate::envelope::LICENCE_TYPE);
                }),
            ),
        ]);
        e.into_bytes()
    };
    let payload = crate::cbor::decode(genuine.as_bytes()).unwrap();
    let crate::cbor::Value::Tag(_, inner) = payload else {
        panic!()
    };
    let crate::cbor::Value::Array(items) = *inner else {
        panic!()
    };
    let crate::cbor::Value::Bytes(payload) = items[2] else {
        panic!()
    };
    let mut signature = [0u8; 64];
    signature[0] = 1;
    use ed25519_dalek::Verifier as _;
    assert!(
        weak.dalek()
            .verify(
                &sig_structure(&protected, payload),
                &ed25519_dalek::Signature::from_bytes(&signature)
            )
            .is_ok()
    );

    let mut e = Encoder::new();
    e.tag(18)
        .array(4)
        .bytes(&protected)
        .map(Vec::new())
        .bytes(payload)
        .bytes(&signature);
    let forged = e.into_bytes();
    let verifier = Verifier::new([TrustedKey::new(weak)]);
    let v = verifier.verify_bytes(&forged, now());
    assert!(matches!(v.reasons(), [Reason::WeakKey { .. }]), "{v}");
}

#[test]
fn verdict_json_has_the_documented_fields() {
    let (verifier, _, texts) = codes();
    let json = verifier.verify_qr_text(&texts[0], now()).to_json_value();
    assert_eq!(json["valid"], true);
    assert_eq!(json["reasons"].as_array().unwrap().len(), 0);
    assert_eq!(json["licence"]["holder"]["name"], "王小明");
    let bad = verifier.verify_qr_text("nonsense", now()).to_json_value();
    assert_eq!(bad["valid"], false);
    assert_eq!(bad["reasons"][0]["code"], "malformed_text");
    assert!(bad["licence"].is_null());
}

#[test]
fn small_order_blocklist_matches_the_curve() {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    for encoding in SMALL_ORDER_ENCODINGS {
        for sign in [0u8, 0x80] {
            let mut e = encoding;
            e[31] |= sign;
            if let Some(point) = CompressedEdwardsY(e).decompress() {
                assert!(point.is_small_order(), "{e:02x?}");
            }
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&e);
            assert!(!r_is_batch_safe(&sig));
        }
    }
    // Every small-order point, from the 8-torsion subgroup, is on the list.
    let torsion = curve25519_dalek::constants::EIGHT_TORSION;
    for point in torsion {
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(point.compress().as_bytes());
        assert!(!r_is_batch_safe(&sig), "{point:?}");
    }
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED.as_bytes());
    assert!(r_is_batch_safe(&sig));
}

#[test]
fn outcomes_put_forgery_before_status_before_expiry() {
    let (verifier, _, texts) = codes();
    let valid = verifier.verify_qr_text(&texts[0], now());
    assert_eq!(valid.outcome(), Outcome::Valid);
    assert_eq!(valid.outcome().label(Lang::Zh), "有效");
    assert_eq!(valid.outcome().tone(), Tone::Good);

    // Past its validity (the example runs to 2030-05-06).
    let late = verifier.verify_qr_text(&texts[0], t("2032-01-01T00:00:00+08:00"));
    assert_eq!(late.outcome(), Outcome::Expired);
    assert_eq!(late.outcome().label(Lang::En), "Expired");
    assert_eq!(late.reasons()[0].explain(Lang::Zh), "证照已超过有效期。");

    // Signed in the future and not yet valid: the signing time is a
    // reason that makes it invalid, which outranks "not yet valid".
    let early = verifier.verify_qr_text(&texts[0], t("2024-05-05T23:59:59+08:00"));
    assert_eq!(early.outcome(), Outcome::Invalid);

    // A stranger's key: invalid, and nothing from inside is believed.
    let stranger = Verifier::new([TrustedKey::new(
        SigningKey::from_seed(&[2; 32]).public_key(),
    )]);
    let forged = stranger.verify_qr_text(&texts[0], t("2032-01-01T00:00:00+08:00"));
    assert_eq!(forged.outcome(), Outcome::Invalid);
    assert_eq!(forged.outcome().tone(), Tone::Bad);

    // Not a code at all.
    assert_eq!(
        verifier.verify_qr_text("hello", now()).outcome(),
        Outcome::Invalid
    );
}
