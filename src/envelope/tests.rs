#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;
use crate::keys::SigningKey;

const DRIVING: &str = include_str!("../../examples/licences/driving-licence.json");
const BUSINESS: &str = include_str!("../../examples/licences/business-licence.json");
const HEALTH: &str = include_str!("../../examples/licences/health-permit.json");

fn key() -> SigningKey {
    SigningKey::from_seed(&[7; 32])
}

fn at() -> UnixTime {
    UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap()
}

fn signed(json: &str) -> SignedLicence {
    SignedLicence::sign(Licence::from_json(json).unwrap(), &key(), at()).unwrap()
}

/// `16: "application/elicence+cwt"`, the type every protected header ends with.
fn typ_hex() -> String {
    format!("107818{}", hex::encode(LICENCE_TYPE))
}

/// A protected header map of `n` entries: `entries` (hex) then the type.
fn header_hex(n: u8, entries: &str) -> Vec<u8> {
    hex::decode(format!("{:02x}{entries}{}", 0xa0 + n, typ_hex())).unwrap()
}

/// Re-signs hand-made payload bytes under the standard protected header.
fn with_payload(payload: &[u8]) -> Vec<u8> {
    let mut kid_protected = header_hex(3, "0127044800000000000000 00".replace(' ', "").as_str());
    kid_protected[5..13].copy_from_slice(&key().public_key().key_id().0);
    let sig = key().sign(&sig_structure(&kid_protected, payload)).unwrap();
    let mut e = Encoder::new();
    e.tag(18)
        .array(4)
        .bytes(&kid_protected)
        .map(Vec::new())
        .bytes(payload)
        .bytes(&sig);
    e.into_bytes()
}

#[test]
fn sign_then_decode_gives_the_same_licence_and_bytes() {
    for json in [DRIVING, BUSINESS, HEALTH] {
        let s = signed(json);
        let back = SignedLicence::from_slice(s.as_bytes()).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.licence(), &Licence::from_json(json).unwrap());
        assert_eq!(back.issued_at(), at());
        assert_eq!(back.key_id(), key().public_key().key_id());
        back.verify_signature(&key().public_key()).unwrap();
    }
}

#[test]
fn encoding_is_deterministic_and_tagged() {
    let a = signed(DRIVING);
    let b = signed(DRIVING);
    assert_eq!(a.as_bytes(), b.as_bytes());
    assert_eq!(a.as_bytes()[0], 0xd2, "tag 18");
    // Protected header: {1: -8, 4: h'kid', 16: typ}, 40 bytes.
    assert_eq!(
        &a.as_bytes()[2..9],
        &hex::decode("5828a3012704 48".replace(' ', "")).unwrap()[..]
    );
    assert!(
        a.as_bytes()[4..44].ends_with(&hex::decode(typ_hex()).unwrap()),
        "the type closes the protected header"
    );
}

#[test]
fn dates_map_to_china_midnights() {
    let s = signed(DRIVING);
    assert_eq!(
        s.not_before(),
        UnixTime::parse_rfc3339("2024-05-06T00:00:00+08:00").unwrap()
    );
    assert_eq!(
        s.expires(),
        Some(UnixTime::parse_rfc3339("2030-05-07T00:00:00+08:00").unwrap())
    );
    assert_eq!(signed(BUSINESS).expires(), None);
}

#[test]
fn signature_covers_every_byte() {
    let s = signed(HEALTH);
    let bytes = s.as_bytes().to_vec();
    for i in 0..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[i] ^= 0x01;
        // A flipped byte either breaks decoding or breaks the signature.
        if let Ok(decoded) = SignedLicence::from_slice(&flipped) {
            assert!(
                decoded.verify_signature(&key().public_key()).is_err(),
                "byte {i}"
            );
        }
    }
}

#[test]
fn structure_errors_are_typed() {
    let good = signed(DRIVING).as_bytes().to_vec();
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(matches!(
        SignedLicence::from_slice(&trailing),
        Err(EnvelopeError::Cbor(CborError::TrailingBytes { .. }))
    ));
    assert!(matches!(
        SignedLicence::from_slice(&good[1..]),
        Err(EnvelopeError::NotCoseSign1 { .. })
    ));
    let mut wrong_tag = good.clone();
    wrong_tag[0] = 0xd1;
    assert!(matches!(
        SignedLicence::from_slice(&wrong_tag),
        Err(EnvelopeError::NotCoseSign1 { .. })
    ));
    assert!(matches!(
        SignedLicence::from_slice(&vec![0u8; MAX_ENVELOPE_FILE_LEN + 1]),
        Err(EnvelopeError::FileTooLarge { .. })
    ));
    // An envelope whose payload alone exceeds the QR limit.
    let mut e = Encoder::new();
    e.tag(18)
        .array(4)
        .bytes(&header_hex(
            2,
            "01270448 0000000000000000".replace(' ', "").as_str(),
        ))
        .map(Vec::new())
        .bytes(&vec![0; MAX_ENVELOPE_LEN])
        .bytes(&[0; 64]);
    assert!(matches!(
        SignedLicence::from_slice(&e.into_bytes()),
        Err(EnvelopeError::TooLarge { .. })
    ));
    for n in 0..good.len() {
        assert!(
            SignedLicence::from_slice(&good[..n]).is_err(),
            "truncated to {n}"
        );
    }
}

#[test]
fn header_rules() {
    let good = signed(DRIVING);
    let rebuild = |protected: &[u8]| {
        let mut e = Encoder::new();
        e.tag(18).array(4).bytes(protected).map(Vec::new());
        let payload = &good.as_bytes()[good.payload.clone()];
        e.bytes(payload).bytes(good.signature());
        SignedLicence::from_slice(&e.into_bytes())
    };
    // alg ES256 (-7).
    assert_eq!(
        rebuild(&header_hex(
            3,
            "0126044800000000000000 00".replace(' ', "").as_str()
        )),
        Err(EnvelopeError::UnsupportedAlgorithm { found: -7 })
    );
    // crit present.
    assert_eq!(
        rebuild(&header_hex(4, "012702810504480000000000000000")),
        Err(EnvelopeError::UnknownHeader { label: 2 })
    );
    // kid of 4 bytes.
    assert_eq!(
        rebuild(&header_hex(3, "0127044400000000")),
        Err(EnvelopeError::KeyIdLength { len: 4 })
    );
    // kid missing.
    assert!(matches!(
        rebuild(&header_hex(2, "0127")),
        Err(EnvelopeError::Structure(_))
    ));
    // No type, another format's type, a content format number.
    for (protected, found) in [
        ("a20127044800000000000000 00", "none".to_owned()),
        (
            &*format!(
                "a301270448000000000000000010781a{}",
                hex::encode("application/statuslist+cwt")
            ),
            "\"application/statuslist+cwt\"".to_owned(),
        ),
        (
            "a301270448000000000000000010 19fde8",
            "content format 65000".to_owned(),
        ),
    ] {
        assert_eq!(
            rebuild(&hex::decode(protected.replace(' ', "")).unwrap()),
            Err(EnvelopeError::ObjectType { found }),
            "{protected}"
        );
    }
}

#[test]
fn claim_rules() {
    // An empty claims map: iss is the first thing missing.
    assert_eq!(
        SignedLicence::from_slice(&with_payload(&[0xa0])),
        Err(EnvelopeError::MissingClaim { claim: "iss" })
    );
    // A valid payload with an extra top-level claim 7 (cti) before the licence claim.
    let licence = Licence::from_json(DRIVING).unwrap();
    let claims = encode_claims(&licence, at());
    assert_eq!(claims[0], 0xa5);
    let licence_key = [0x3a, 0x00, 0x01, 0x00, 0x00];
    let pos = claims.windows(5).position(|w| w == licence_key).unwrap();
    let mut extra = claims.clone();
    extra[0] = 0xa6;
    extra.splice(pos..pos, [0x07, 0x40]);
    assert_eq!(
        SignedLicence::from_slice(&with_payload(&extra)),
        Err(EnvelopeError::UnknownClaim {
            map: "claims",
            key: 7
        })
    );
    // nbf not at China midnight.
    let mut claims = encode_claims(&licence, at());
    let nbf = licence.valid_from.start_in_china().secs() as u32;
    let pos = claims
        .windows(5)
        .position(|w| {
            w == [
                0x1a,
                (nbf >> 24) as u8,
                (nbf >> 16) as u8,
                (nbf >> 8) as u8,
                nbf as u8,
            ]
        })
        .unwrap();
    claims[pos + 4] ^= 1;
    assert!(matches!(
        SignedLicence::from_slice(&with_payload(&claims)),
        Err(EnvelopeError::BadClaim { claim: "nbf", .. })
    ));
}

#[test]
fn a_bad_check_character_inside_a_signed_payload_is_refused() {
    let licence = Licence::from_json(DRIVING).unwrap();
    let claims = encode_claims(&licence, at());
    let needle = b"111100000000213452";
    let pos = claims
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    let mut bad = claims.clone();
    bad[pos + 17] = b'3';
    assert!(matches!(
        SignedLicence::from_slice(&with_payload(&bad)),
        Err(EnvelopeError::Licence(LicenceError::Ident {
            field: Field::IssuerCode,
            ..
        }))
    ));
}

#[test]
fn extreme_dates_sign_and_decode_or_are_refused_up_front() {
    let base = Licence::from_json(DRIVING).unwrap();
    let first: Date = "0001-01-01".parse().unwrap();
    let last_with_successor: Date = "9999-12-30".parse().unwrap();
    let builder = |until| {
        Licence::builder(base.type_code().clone(), base.number())
            .holder(base.holder().clone())
            .issuer(base.issuer().clone())
            .issue_date(first)
            .validity(first, until)
    };
    for until in [ValidUntil::Date(last_with_successor), ValidUntil::LongTerm] {
        let licence = builder(until).build().unwrap();
        let signed =
            SignedLicence::sign(licence.clone(), &key(), UnixTime::from_secs(i64::MIN / 2))
                .unwrap();
        assert_eq!(
            SignedLicence::from_slice(signed.as_bytes())
                .unwrap()
                .licence(),
            &licence
        );
    }
    assert!(matches!(
        builder(ValidUntil::Date("9999-12-31".parse().unwrap())).build(),
        Err(LicenceError::Date {
            field: Field::ValidUntil,
            ..
        })
    ));
}

#[test]
fn an_oversized_licence_is_refused_before_signing() {
    struct Refuses;
    impl Signer for Refuses {
        fn public_key(&self) -> PublicKey {
            key().public_key()
        }
        fn sign(&self, _: &[u8]) -> Result<[u8; 64], SignError> {
            panic!("the signer must not be asked");
        }
    }
    let mut builder = Licence::builder(
        "111000000000222224001".parse().unwrap(),
        "110108199003071238",
    );
    let base = Licence::from_json(DRIVING).unwrap();
    builder = builder
        .holder(base.holder().clone())
        .issuer(base.issuer().clone())
        .issue_date(base.issue_date())
        .validity(base.valid_from(), base.valid_until());
    // Grow one face field at a time until the envelope no longer fits.
    let value = "长".repeat(crate::licence::MAX_VALUE_CHARS);
    let mut last_len = 0;
    for i in 0..crate::licence::MAX_FACE_FIELDS {
        builder = builder.face_field(&format!("项{i}"), &value);
        match SignedLicence::sign(builder.clone().build().unwrap(), &key(), at()) {
            Ok(signed) => last_len = signed.as_bytes().len(),
            Err(IssueError::TooLarge { len, max }) => {
                assert!(len > max && last_len <= max, "{len} {last_len}");
                assert!(matches!(
                    SignedLicence::sign(builder.build().unwrap(), &Refuses, at()),
                    Err(IssueError::TooLarge { .. })
                ));
                return;
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("64 face fields of 512 characters should not fit");
}

const MARKET_NAME: &str = "北京市海淀区市场监督管理局";
const MARKET_CODE: &str = "11110108MB1234567C";

fn co(name: &str, code: &str) -> Issuer {
    Issuer::new(name, code.parse().unwrap()).unwrap()
}

/// The health permit without its type name, so that its licence map ends
/// at key 12 or before.
fn health_untyped() -> Licence {
    let json = HEALTH.replace("  \"type_name\": \"公共场所卫生许可证\",\n", "");
    assert_ne!(json, HEALTH);
    Licence::from_json(&json).unwrap()
}

/// The health permit issued jointly with these co-issuers.
fn joint(co_issuers: Vec<Issuer>) -> Licence {
    let l = health_untyped();
    let mut builder = Licence::builder(l.type_code().clone(), l.number())
        .holder(l.holder().clone())
        .issuer(l.issuer().clone())
        .co_issuers(co_issuers)
        .issue_date(l.issue_date())
        .validity(l.valid_from(), l.valid_until())
        .face_fields(l.face_fields().to_vec())
        .status(l.status().unwrap());
    if let Some(id) = l.identifier() {
        builder = builder.identifier(id.serial().as_str(), &id.version().to_string());
    }
    builder.build().unwrap()
}

fn authority(i: u8) -> Issuer {
    let code = Uscc::with_computed_check(&format!("1111010{i}MB123456{i}")).unwrap();
    Issuer::new(&format!("示例联合发证机关{i}"), code).unwrap()
}

/// The health permit's claims with `entry` (already encoded) appended to the
/// licence map under key 12: the licence map is the payload's last item.
fn health_with_key_12(entry: &[u8]) -> Vec<u8> {
    let mut claims = encode_claims(&health_untyped(), at());
    let licence_key = [0x3a, 0x00, 0x01, 0x00, 0x00];
    let pos = claims.windows(5).position(|w| w == licence_key).unwrap();
    claims[pos + 5] += 1;
    claims.push(0x0c);
    claims.extend_from_slice(entry);
    claims
}

fn co_issuers_cbor(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut e = Encoder::new();
    e.array(pairs.len());
    for (name, code) in pairs {
        e.array(2).text(name).text(code);
    }
    e.into_bytes()
}

#[test]
fn co_issuers_are_signed_in_order_and_decode() {
    let second = authority(3);
    let licence = joint(vec![co(MARKET_NAME, MARKET_CODE), second.clone()]);
    let s = SignedLicence::sign(licence.clone(), &key(), at()).unwrap();
    let back = SignedLicence::from_slice(s.as_bytes()).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.licence(), &licence);
    assert_eq!(
        back.licence().co_issuers(),
        [co(MARKET_NAME, MARKET_CODE), second.clone()]
    );
    back.verify_signature(&key().public_key()).unwrap();
    // Key 12 comes last in the licence map, as the builder ordered them.
    let expected = co_issuers_cbor(&[
        (MARKET_NAME, MARKET_CODE),
        (second.name(), second.code().as_str()),
    ]);
    assert_eq!(encode_claims(&licence, at()), health_with_key_12(&expected));
    // Another order is another licence, with other bytes.
    let swapped = joint(vec![second, co(MARKET_NAME, MARKET_CODE)]);
    assert_ne!(swapped, licence);
    assert_ne!(encode_claims(&swapped, at()), encode_claims(&licence, at()));
    // Without co-issuers there is no key 12.
    let plain = health_untyped();
    assert_eq!(joint(Vec::new()), plain);
    assert_eq!(
        SignedLicence::from_slice(&with_payload(&encode_claims(&plain, at())))
            .unwrap()
            .licence()
            .co_issuers(),
        []
    );
}

#[test]
fn co_issuer_rules_hold_inside_a_signed_payload() {
    let decode =
        |entry: &[u8]| SignedLicence::from_slice(&with_payload(&health_with_key_12(entry)));
    assert!(decode(&co_issuers_cbor(&[(MARKET_NAME, MARKET_CODE)])).is_ok());
    // Never an empty array.
    assert_eq!(
        decode(&[0x80]),
        Err(EnvelopeError::BadClaim {
            claim: "licence.co_issuers",
            expected: "a non-empty array"
        })
    );
    for shape in [
        vec![0xa0],                                                   // a map
        co_issuers_cbor(&[(MARKET_NAME, MARKET_CODE)])[1..].to_vec(), // a bare pair
    ] {
        assert!(
            matches!(
                decode(&shape),
                Err(EnvelopeError::BadClaim {
                    claim: "licence.co_issuers",
                    ..
                })
            ),
            "{shape:02x?}"
        );
    }
    // Pairs of two texts only.
    let mut e = Encoder::new();
    e.array(1)
        .array(3)
        .text(MARKET_NAME)
        .text(MARKET_CODE)
        .text("x");
    let mut f = Encoder::new();
    f.array(1)
        .array(2)
        .text(MARKET_NAME)
        .bytes(MARKET_CODE.as_bytes());
    for entry in [e.into_bytes(), f.into_bytes(), vec![0x81, 0x01]] {
        assert_eq!(
            decode(&entry),
            Err(EnvelopeError::BadClaim {
                claim: "licence.co_issuers",
                expected: "[name text, code text] pairs"
            })
        );
    }
    // A bad check character, and a name that is not trimmed.
    assert!(matches!(
        decode(&co_issuers_cbor(&[(MARKET_NAME, "11110108MB1234567D")])),
        Err(EnvelopeError::Licence(LicenceError::Ident {
            field: Field::CoIssuerCode(0),
            ..
        }))
    ));
    assert_eq!(
        decode(&co_issuers_cbor(&[
            (MARKET_NAME, MARKET_CODE),
            ("局 ", "11110105MB0234567T")
        ])),
        Err(EnvelopeError::Licence(LicenceError::BadCharacter {
            field: Field::CoIssuerName(1),
            position: 1
        }))
    );
    // The issuer itself (iss), and one code twice.
    assert!(matches!(
        decode(&co_issuers_cbor(&[
            (MARKET_NAME, MARKET_CODE),
            ("卫健委", "11110105MB0234567T")
        ])),
        Err(EnvelopeError::Licence(LicenceError::CoIssuerIsIssuer {
            index: 1,
            ..
        }))
    ));
    assert!(matches!(
        decode(&co_issuers_cbor(&[
            (MARKET_NAME, MARKET_CODE),
            ("市场监管局", MARKET_CODE)
        ])),
        Err(EnvelopeError::Licence(LicenceError::DuplicateCoIssuer {
            index: 1,
            first: 0,
            ..
        }))
    ));
    // Eight are allowed, nine are not.
    let codes: Vec<(String, String)> = (0..=MAX_CO_ISSUERS as u8)
        .map(authority)
        .map(|a| (a.name().to_owned(), a.code().to_string()))
        .collect();
    let pairs: Vec<(&str, &str)> = codes
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect();
    assert!(decode(&co_issuers_cbor(&pairs[..MAX_CO_ISSUERS])).is_ok());
    assert_eq!(
        decode(&co_issuers_cbor(&pairs)),
        Err(EnvelopeError::Licence(LicenceError::TooManyCoIssuers {
            max: MAX_CO_ISSUERS,
            found: MAX_CO_ISSUERS + 1
        }))
    );
    // Not in the shortest form: a one-entry array with a one-byte length.
    let mut long_head = co_issuers_cbor(&[(MARKET_NAME, MARKET_CODE)]);
    long_head.splice(0..1, [0x98, 0x01]);
    assert!(matches!(decode(&long_head), Err(EnvelopeError::Cbor(_))));
}

#[test]
fn the_type_name_is_signed_under_key_13_and_must_be_text() {
    let named = Licence::from_json(HEALTH).unwrap();
    let claims = encode_claims(&named, at());
    // The last entry of the licence map: 13 => "公共场所卫生许可证".
    let mut tail = vec![0x0d, 0x78, 27];
    tail.extend_from_slice("公共场所卫生许可证".as_bytes());
    assert!(claims.ends_with(&tail));
    let (back, _) = decode_claims(&claims).unwrap();
    assert_eq!(back, named);
    // The same key holding a number is refused, not read as no name.
    let mut wrong = encode_claims(&health_untyped(), at());
    let licence_key = [0x3a, 0x00, 0x01, 0x00, 0x00];
    let pos = wrong.windows(5).position(|w| w == licence_key).unwrap();
    wrong[pos + 5] += 1;
    wrong.extend_from_slice(&[0x0d, 0x05]);
    assert_eq!(
        decode_claims(&wrong).unwrap_err(),
        EnvelopeError::BadClaim {
            claim: "licence.type_name",
            expected: "text"
        }
    );
}
