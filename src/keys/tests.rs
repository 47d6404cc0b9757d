#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

/// RFC 8032 §7.1, test 1.
const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

fn seed() -> [u8; 32] {
    hex::decode(SEED).unwrap().try_into().unwrap()
}

#[test]
fn rfc8032_test_key_1() {
    let key = SigningKey::from_seed(&seed());
    assert_eq!(hex::encode(key.public_key().to_bytes()), PUBLIC);
    // RFC 8032 test 1 signs the empty message.
    let sig = key.sign(b"").unwrap();
    assert_eq!(
        hex::encode(sig),
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    );
}

#[test]
fn key_id_is_sha256_prefix_of_raw_key() {
    let key = SigningKey::from_seed(&seed()).public_key();
    let digest = Sha256::digest(key.to_bytes());
    assert_eq!(key.key_id().0, digest[..8]);
    assert_eq!(key.key_id().to_hex().len(), 16);
}

#[test]
fn pem_round_trips() {
    let key = SigningKey::generate();
    let pem = key.to_pkcs8_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    // PKCS#8 v1 for Ed25519 is always 48 bytes of DER: 64 base64 characters.
    assert_eq!(pem.lines().nth(1).map(str::len), Some(64));
    assert_eq!(pem.lines().count(), 3);
    let back = SigningKey::from_pkcs8_pem(&pem).unwrap();
    assert_eq!(back.public_key(), key.public_key());

    let public_pem = key.public_key().to_pem();
    assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_eq!(PublicKey::from_pem(&public_pem).unwrap(), key.public_key());
}

#[test]
fn bad_pem_is_a_typed_error() {
    assert!(matches!(
        SigningKey::from_pkcs8_pem("garbage"),
        Err(KeyError::PrivateKey { .. })
    ));
    assert!(matches!(
        PublicKey::from_pem(""),
        Err(KeyError::PublicKey { .. })
    ));
    let public_pem = SigningKey::from_seed(&seed()).public_key().to_pem();
    assert!(matches!(
        SigningKey::from_pkcs8_pem(&public_pem),
        Err(KeyError::PrivateKey { .. })
    ));
}

#[test]
fn small_order_keys_are_weak_and_non_points_refused() {
    // The identity point: order 1.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(PublicKey::from_bytes(&identity).unwrap().is_weak());
    assert!(!SigningKey::from_seed(&seed()).public_key().is_weak());
    // y = 2 is not on the curve.
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    assert_eq!(
        PublicKey::from_bytes(&not_a_point),
        Err(KeyError::NotAPoint)
    );
}

#[test]
fn debug_does_not_print_secrets() {
    let key = SigningKey::from_seed(&seed());
    let shown = format!("{key:?}");
    assert!(!shown.contains(&SEED[..16]));
    assert!(shown.starts_with("SigningKey("));
}

#[test]
fn every_public_key_block_of_a_pem_text_is_read_and_a_bad_one_is_placed() {
    let one = SigningKey::from_seed(&[1; 32]).public_key();
    let two = SigningKey::from_seed(&[2; 32]).public_key();
    let text = format!(
        "junk\n{}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n{}",
        one.to_pem(),
        two.to_pem()
    );
    let (keys, refused) = PublicKey::all_from_pem(&text);
    assert_eq!(keys, vec![one, two]);
    assert!(refused.is_empty());
    let broken = format!(
        "{}-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n-----BEGIN PUBLIC KEY-----\n",
        one.to_pem()
    );
    let (keys, refused) = PublicKey::all_from_pem(&broken);
    assert_eq!(keys, vec![one]);
    assert_eq!(
        refused.iter().map(|(at, _)| *at).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(PublicKey::all_from_pem("").0, vec![]);
}
