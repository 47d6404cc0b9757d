#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

/// A real 240×320 PNG, 1,227 bytes.
const PNG: &[u8] = include_bytes!("../../../examples/photos/driving-licence.png");
const OWNER: &str = "91110000600037341L";
const CREATED: &str = "2025-03-01T10:00:00+08:00";
const UNTIL: &str = "2029-12-31T23:59:59+08:00";

fn at(s: &str) -> UnixTime {
    UnixTime::parse_rfc3339(s).unwrap()
}

fn picture() -> SealPicture {
    SealPicture::from_png(PNG.to_vec(), 42, 42).unwrap()
}

/// An official seal with every field set and valid.
fn builder() -> SealBuilder {
    SealInfo::builder(
        "ELC-2025-000001",
        "北京示例科技有限公司",
        OWNER.parse().unwrap(),
    )
    .allow_certificate_digest([1; 32])
    .validity(at(CREATED), at(CREATED), at(UNTIL))
    .picture(picture())
}

/// The PNG with its IHDR width and height replaced.
fn png_sized(width: u32, height: u32) -> Vec<u8> {
    let mut png = PNG.to_vec();
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    png
}

#[test]
fn picture_rules() {
    let p = picture();
    assert_eq!(p.png(), PNG);
    assert_eq!((p.width_px(), p.height_px()), (240, 320));
    assert_eq!((p.width_mm(), p.height_mm()), (42, 42));
    assert!(format!("{p:?}").len() < 100, "Debug leaves the PNG out");

    let from_png = |data: Vec<u8>, w, h| SealPicture::from_png(data, w, h).unwrap_err();
    assert_eq!(from_png(b"GIF89a".to_vec(), 40, 40), SealError::NotPng);
    assert_eq!(from_png(PNG[..32].to_vec(), 40, 40), SealError::NotPng);
    let mut no_ihdr = PNG.to_vec();
    no_ihdr[12] = b'I' ^ 0x20;
    assert_eq!(from_png(no_ihdr, 40, 40), SealError::NotPng);
    assert_eq!(
        from_png(png_sized(0, 10), 40, 40),
        SealError::PicturePixels {
            width: 0,
            height: 10
        }
    );
    assert_eq!(
        from_png(png_sized(10, 2049), 40, 40),
        SealError::PicturePixels {
            width: 10,
            height: 2049
        }
    );
    assert!(SealPicture::from_png(png_sized(2048, 2048), 10, 100).is_ok());
    assert_eq!(
        from_png(PNG.to_vec(), 9, 40),
        SealError::PictureMm {
            width_mm: 9,
            height_mm: 40
        }
    );
    assert_eq!(
        from_png(PNG.to_vec(), 40, 101),
        SealError::PictureMm {
            width_mm: 40,
            height_mm: 101
        }
    );
    let mut huge = PNG.to_vec();
    huge.resize(MAX_PICTURE_LEN + 1, 0);
    assert_eq!(
        from_png(huge, 40, 40),
        SealError::PictureTooLarge {
            len: MAX_PICTURE_LEN + 1,
            max: MAX_PICTURE_LEN
        }
    );
}

#[test]
fn builder_fills_kind_vendor_and_sorted_digests() {
    let official = builder().build().unwrap();
    assert_eq!(official.kind(), SealKind::Official);
    assert_eq!(official.purpose(), None);
    assert_eq!(official.vendor(), VENDOR);
    assert_eq!(official.id(), "ELC-2025-000001");
    assert_eq!(official.name(), "北京示例科技有限公司");
    assert_eq!(official.owner().as_str(), OWNER);
    assert_eq!(official.created(), at(CREATED));
    assert_eq!(official.picture(), &picture());

    let special = builder()
        .purpose("合同专用章")
        .allow_certificate_digest([0; 32])
        .allow_certificate_digest([1; 32])
        .allow_certificate_digest([9; 32])
        .build()
        .unwrap();
    assert_eq!(special.kind(), SealKind::SpecialPurpose);
    assert_eq!(special.purpose(), Some("合同专用章"));
    assert_eq!(special.allowed_certificates(), &[[0; 32], [1; 32], [9; 32]]);

    let s = builder().build().unwrap();
    assert!(s.is_valid_at(at(CREATED)) && s.is_valid_at(at(UNTIL)));
    assert!(!s.is_valid_at(UnixTime::from_secs(at(UNTIL).secs() + 1)));
    assert!(!s.is_valid_at(UnixTime::from_secs(at(CREATED).secs() - 1)));
}

#[test]
fn builder_refuses_each_broken_rule() {
    let err = |b: SealBuilder| b.build().unwrap_err();
    let named = |id: &str, name: &str| {
        SealInfo::builder(id, name, OWNER.parse().unwrap())
            .allow_certificate_digest([1; 32])
            .validity(at(CREATED), at(CREATED), at(UNTIL))
            .picture(picture())
    };
    let length = |field, chars, max| SealError::Length {
        field,
        chars,
        min: 1,
        max,
    };
    assert_eq!(err(named("", "名")), length("id", 0, 64));
    assert_eq!(err(named(&"A".repeat(65), "名")), length("id", 65, 64));
    assert!(named(&"A".repeat(64), "名").build().is_ok());
    for (id, position, found) in [
        ("ELC 1", 4, ' '),
        ("ELC-印", 5, '印'),
        ("A\u{7f}", 2, '\u{7f}'),
    ] {
        assert_eq!(
            err(named(id, "名")),
            SealError::Character {
                field: "id",
                position,
                found
            }
        );
    }
    assert_eq!(err(named("A", "")), length("name", 0, 24));
    assert_eq!(err(named("A", &"章".repeat(25))), length("name", 25, 24));
    assert!(named("A", &"章".repeat(24)).build().is_ok());
    assert_eq!(
        err(named("A", "名\n称")),
        SealError::Character {
            field: "name",
            position: 2,
            found: '\n'
        }
    );
    assert_eq!(err(builder().purpose("")), length("purpose", 0, 12));
    assert_eq!(
        err(builder().purpose(&"章".repeat(13))),
        length("purpose", 13, 12)
    );
    assert_eq!(
        err(builder().purpose("合同\t专用章")),
        SealError::Character {
            field: "purpose",
            position: 3,
            found: '\t'
        }
    );

    let no_certs = SealInfo::builder("A", "名", OWNER.parse().unwrap())
        .validity(at(CREATED), at(CREATED), at(UNTIL))
        .picture(picture());
    assert_eq!(
        err(no_certs.clone()),
        SealError::CertificateCount { count: 0 }
    );
    let mut many = no_certs.clone();
    for i in 0..=16u8 {
        many = many.allow_certificate_digest([i; 32]);
    }
    assert_eq!(err(many), SealError::CertificateCount { count: 17 });
    let mut repeated = no_certs;
    for _ in 0..17 {
        repeated = repeated.allow_certificate_digest([5; 32]);
    }
    assert_eq!(repeated.build().unwrap().allowed_certificates(), &[[5; 32]]);

    let validity = |c: &str, f: &str, u: &str| builder().validity(at(c), at(f), at(u));
    let bad_validity = |c: &str, f: &str, u: &str| SealError::Validity {
        created: at(c),
        valid_from: at(f),
        valid_until: at(u),
    };
    assert_eq!(
        err(validity(CREATED, UNTIL, UNTIL)),
        bad_validity(CREATED, UNTIL, UNTIL),
        "an empty period"
    );
    assert_eq!(
        err(validity(CREATED, UNTIL, CREATED)),
        bad_validity(CREATED, UNTIL, CREATED)
    );
    let after = "2030-01-01T00:00:00+08:00";
    assert_eq!(
        err(validity(after, CREATED, UNTIL)),
        bad_validity(after, CREATED, UNTIL),
        "made after it ended"
    );
    // Made before or after validity starts, up to its end, is fine.
    assert!(
        validity("2024-01-01T00:00:00Z", CREATED, UNTIL)
            .build()
            .is_ok()
    );
    assert!(validity(UNTIL, CREATED, UNTIL).build().is_ok());
    assert_eq!(
        err(builder().validity(UnixTime::from_secs(-1), at(CREATED), at(UNTIL))),
        SealError::TimeOutOfRange { key: "created" }
    );

    let bare =
        SealInfo::builder("A", "名", OWNER.parse().unwrap()).allow_certificate_digest([1; 32]);
    assert_eq!(
        err(bare.clone().picture(picture())),
        SealError::MissingKey { key: "created" }
    );
    assert_eq!(
        err(bare.validity(at(CREATED), at(CREATED), at(UNTIL))),
        SealError::MissingKey { key: "picture" }
    );
}

#[test]
fn errors_have_distinct_codes() {
    let errors = [
        SealError::TooLarge { len: 1, max: 0 },
        SealError::Cbor(CborError::Truncated { offset: 0 }),
        SealError::NotCoseSign1 {
            found: "map".into(),
        },
        SealError::Structure("x"),
        SealError::UnsupportedAlgorithm { found: -7 },
        SealError::ObjectType { found: "x".into() },
        SealError::UnprotectedHeader,
        SealError::UnknownHeader { label: 2 },
        SealError::MissingHeader { label: 3 },
        SealError::ChainLength { len: 0 },
        SealError::Certificate {
            index: 0,
            source: CertError::TooLarge { len: 0 },
        },
        SealError::SignatureLength { len: 0 },
        SealError::UnsupportedVersion { version: 2 },
        SealError::UnknownKey {
            map: "payload",
            key: 13,
        },
        SealError::MissingKey { key: "id" },
        SealError::WrongType {
            key: "id",
            expected: "a text string",
            found: "integer",
        },
        SealError::Length {
            field: "id",
            chars: 0,
            min: 1,
            max: 64,
        },
        SealError::Character {
            field: "id",
            position: 1,
            found: ' ',
        },
        SealError::Owner("X".parse::<Uscc>().unwrap_err()),
        SealError::UnknownKind { kind: 3 },
        SealError::PurposeMismatch {
            kind: SealKind::Official,
        },
        SealError::CertificateCount { count: 0 },
        SealError::DigestLength { index: 0, len: 31 },
        SealError::DigestOrder { index: 1 },
        SealError::TimeOutOfRange { key: "created" },
        SealError::Validity {
            created: at(CREATED),
            valid_from: at(CREATED),
            valid_until: at(CREATED),
        },
        SealError::PictureFormat { found: "x".into() },
        SealError::NotPng,
        SealError::PictureTooLarge { len: 1, max: 0 },
        SealError::PicturePixels {
            width: 0,
            height: 0,
        },
        SealError::PictureMm {
            width_mm: 0,
            height_mm: 0,
        },
        SealError::MakerKeyMismatch {
            certificate: KeyId([0; 8]),
            signer: KeyId([1; 8]),
        },
        SealError::Signer(SignError { reason: "x".into() }),
    ];
    let mut codes: Vec<_> = errors.iter().map(SealError::code).collect();
    for e in &errors {
        assert!(!e.to_string().is_empty());
    }
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), errors.len(), "codes repeat");
    assert_eq!(
        SealError::PurposeMismatch {
            kind: SealKind::SpecialPurpose
        }
        .to_string(),
        "a special-purpose seal (专用章) must name its purpose"
    );
}

/// Signed records: certificates come from `trust::ca`.
#[cfg(feature = "ca")]
mod signed {
    use super::*;
    use crate::cbor::encode_with;
    use crate::keys::SigningKey;
    use crate::trust::ca::{CertificateRequest, Role, issue, self_signed};

    /// The seal maker organisation's code (not the owner's).
    const MAKER_CODE: &str = "11110108MB1234567C";

    struct Pki {
        root: Certificate,
        mid: Certificate,
        mid_key: SigningKey,
        maker: Certificate,
        maker_key: SigningKey,
    }

    fn request(
        name: &str,
        code: Option<&str>,
        role: Role,
        from: &str,
        to: &str,
    ) -> CertificateRequest {
        CertificateRequest {
            common_name: name.into(),
            organization: None,
            authority_code: code.map(|c| c.parse().unwrap()),
            not_before: at(from),
            not_after: at(to),
            role,
            serial: [5; 16],
        }
    }

    /// Root and intermediate 2020–2040; the maker, under the intermediate, 2025–2030.
    fn pki() -> Pki {
        let root_key = SigningKey::from_seed(&[1; 32]);
        let (from, to) = ("2020-01-01T00:00:00Z", "2040-01-01T00:00:00Z");
        let root = self_signed(&request("根CA", None, Role::Root, from, to), &root_key).unwrap();
        let mid_key = SigningKey::from_seed(&[2; 32]);
        let mid = issue(
            &request(
                "省级CA",
                None,
                Role::Intermediate { path_len: Some(0) },
                from,
                to,
            ),
            &mid_key.public_key(),
            &root,
            &root_key,
        )
        .unwrap();
        let maker_key = SigningKey::from_seed(&[3; 32]);
        let maker = issue(
            &request(
                "示例电子印章制作中心",
                Some(MAKER_CODE),
                Role::SealMaker,
                "2025-01-01T00:00:00+08:00",
                "2030-01-01T00:00:00+08:00",
            ),
            &maker_key.public_key(),
            &mid,
            &mid_key,
        )
        .unwrap();
        Pki {
            root,
            mid,
            mid_key,
            maker,
            maker_key,
        }
    }

    fn store(roots: &[&Certificate]) -> TrustStore {
        let mut store = TrustStore::new();
        for root in roots {
            store.add_root((*root).clone());
        }
        store
    }

    fn int(n: i64) -> Vec<u8> {
        encode_with(|e| {
            e.int(n);
        })
    }

    fn text(s: &str) -> Vec<u8> {
        encode_with(|e| {
            e.text(s);
        })
    }

    fn bytes(b: &[u8]) -> Vec<u8> {
        encode_with(|e| {
            e.bytes(b);
        })
    }

    fn map(entries: Vec<(i64, Vec<u8>)>) -> Vec<u8> {
        encode_with(|e| {
            e.map(entries);
        })
    }

    fn array(items: &[Vec<u8>]) -> Vec<u8> {
        let mut out = encode_with(|e| {
            e.array(items.len());
        });
        for item in items {
            out.extend_from_slice(item);
        }
        out
    }

    fn picture_entries() -> Vec<(i64, Vec<u8>)> {
        vec![
            (1, text("PNG")),
            (2, bytes(PNG)),
            (3, int(42)),
            (4, int(42)),
        ]
    }

    /// `builder()`'s payload written key by key, as `FORMAT.md` §9 has it.
    fn payload_entries() -> Vec<(i64, Vec<u8>)> {
        vec![
            (1, int(1)),
            (2, text("elicence")),
            (3, text("ELC-2025-000001")),
            (4, int(1)),
            (5, text("北京示例科技有限公司")),
            (6, text(OWNER)),
            (8, array(&[bytes(&[1; 32])])),
            (9, int(at(CREATED).secs())),
            (10, int(at(CREATED).secs())),
            (11, int(at(UNTIL).secs())),
            (12, map(picture_entries())),
        ]
    }

    /// `entries` with `key` set to `value`, or removed.
    fn with(
        mut entries: Vec<(i64, Vec<u8>)>,
        key: i64,
        value: Option<Vec<u8>>,
    ) -> Vec<(i64, Vec<u8>)> {
        entries.retain(|(k, _)| *k != key);
        if let Some(value) = value {
            entries.push((key, value));
        }
        entries
    }

    fn protected_entries(pki: &Pki) -> Vec<(i64, Vec<u8>)> {
        vec![
            (1, int(-8)),
            (16, text(SEAL_TYPE)),
            (33, array(&[bytes(pki.maker.der())])),
        ]
    }

    /// A COSE_Sign1 of these exact header and payload bytes, signed by the maker.
    fn record(pki: &Pki, protected: &[u8], payload: &[u8]) -> Vec<u8> {
        let sig = pki
            .maker_key
            .sign(&sig_structure(protected, payload))
            .unwrap();
        let mut e = Encoder::new();
        e.tag(18)
            .array(4)
            .bytes(protected)
            .map(Vec::new())
            .bytes(payload)
            .bytes(&sig);
        e.into_bytes()
    }

    fn decode_payload_entries(
        pki: &Pki,
        entries: Vec<(i64, Vec<u8>)>,
    ) -> Result<SignedSeal, SealError> {
        let protected = map(protected_entries(pki));
        SignedSeal::from_slice(&record(pki, &protected, &map(entries)))
    }

    fn decode_header_entries(
        pki: &Pki,
        entries: Vec<(i64, Vec<u8>)>,
    ) -> Result<SignedSeal, SealError> {
        SignedSeal::from_slice(&record(pki, &map(entries), &map(payload_entries())))
    }

    #[test]
    fn sign_then_decode_gives_the_same_seal_and_bytes() {
        let pki = pki();
        for info in [
            builder().build().unwrap(),
            builder()
                .purpose("合同专用章")
                .allow_certificate(&pki.maker)
                .build()
                .unwrap(),
        ] {
            for chain in [
                vec![pki.maker.clone()],
                vec![pki.maker.clone(), pki.mid.clone()],
            ] {
                let signed = SignedSeal::sign(info.clone(), &pki.maker_key, &chain).unwrap();
                let back = SignedSeal::from_slice(signed.as_bytes()).unwrap();
                assert_eq!(back, signed);
                assert_eq!(back.as_bytes(), signed.as_bytes());
                assert_eq!(back.info(), &info);
                assert_eq!(back.maker(), &pki.maker);
                assert_eq!(back.maker_chain(), chain.as_slice());
                assert_eq!(back.signature(), signed.signature());
            }
        }
    }

    #[test]
    fn encoding_is_deterministic_and_as_specified() {
        let pki = pki();
        let info = builder().build().unwrap();
        let chain = [pki.maker.clone()];
        let a = SignedSeal::sign(info.clone(), &pki.maker_key, &chain).unwrap();
        let b = SignedSeal::sign(info.clone(), &pki.maker_key, &chain).unwrap();
        assert_eq!(a.as_bytes(), b.as_bytes());
        // The hand-written payload and header are what the encoder writes.
        assert_eq!(encode_payload(&info), map(payload_entries()));
        assert_eq!(encode_protected(&chain), map(protected_entries(&pki)));
        let expected = record(&pki, &map(protected_entries(&pki)), &map(payload_entries()));
        assert_eq!(a.as_bytes(), expected.as_slice());
        // Tag 18, array of 4, then the protected bstr opening
        // {1: -8, 16: "application/elicence-seal+cose", 33: [...]}.
        let head = hex::decode("d28459").unwrap();
        assert_eq!(&a.as_bytes()[..3], head.as_slice());
        let header = [
            &hex::decode("a3012710781e").unwrap()[..],
            SEAL_TYPE.as_bytes(),
            &hex::decode("182181").unwrap()[..],
        ]
        .concat();
        assert_eq!(&a.as_bytes()[5..5 + header.len()], header.as_slice());
    }

    #[test]
    fn decoder_enforces_every_payload_rule() {
        let pki = pki();
        assert!(decode_payload_entries(&pki, payload_entries()).is_ok());
        let pic = |key, value| Some(map(with(picture_entries(), key, value)));
        let wrong = |key, expected, found| SealError::WrongType {
            key,
            expected,
            found,
        };
        let too_far = u64::from(u32::MAX) * 4;
        let cases: Vec<(i64, Option<Vec<u8>>, SealError)> = vec![
            (
                1,
                Some(int(2)),
                SealError::UnsupportedVersion { version: 2 },
            ),
            (
                1,
                Some(int(0)),
                SealError::UnsupportedVersion { version: 0 },
            ),
            (
                1,
                Some(int(-1)),
                wrong("version", "an unsigned integer", "negative integer"),
            ),
            (1, None, SealError::MissingKey { key: "version" }),
            (
                13,
                Some(int(0)),
                SealError::UnknownKey {
                    map: "payload",
                    key: 13,
                },
            ),
            (
                -1,
                Some(int(0)),
                SealError::UnknownKey {
                    map: "payload",
                    key: -1,
                },
            ),
            (
                0,
                Some(int(0)),
                SealError::UnknownKey {
                    map: "payload",
                    key: 0,
                },
            ),
            (
                2,
                Some(text("")),
                SealError::Length {
                    field: "vendor",
                    chars: 0,
                    min: 1,
                    max: 64,
                },
            ),
            (2, Some(int(1)), wrong("vendor", "a text string", "integer")),
            (2, None, SealError::MissingKey { key: "vendor" }),
            (
                3,
                Some(text("ELC 1")),
                SealError::Character {
                    field: "id",
                    position: 4,
                    found: ' ',
                },
            ),
            (
                3,
                Some(bytes(b"ELC")),
                wrong("id", "a text string", "byte string"),
            ),
            (4, Some(int(3)), SealError::UnknownKind { kind: 3 }),
            (4, Some(int(0)), SealError::UnknownKind { kind: 0 }),
            (
                4,
                Some(int(2)),
                SealError::PurposeMismatch {
                    kind: SealKind::SpecialPurpose,
                },
            ),
            (
                7,
                Some(text("合同专用章")),
                SealError::PurposeMismatch {
                    kind: SealKind::Official,
                },
            ),
            (
                7,
                Some(int(1)),
                wrong("purpose", "a text string", "integer"),
            ),
            (
                5,
                Some(text(&"章".repeat(25))),
                SealError::Length {
                    field: "name",
                    chars: 25,
                    min: 1,
                    max: 24,
                },
            ),
            (
                6,
                Some(text("91110000600037341X")),
                SealError::Owner("91110000600037341X".parse::<Uscc>().unwrap_err()),
            ),
            (6, None, SealError::MissingKey { key: "owner" }),
            (
                8,
                Some(array(&[])),
                SealError::CertificateCount { count: 0 },
            ),
            (
                8,
                Some(array(&vec![bytes(&[1; 32]); 17])),
                SealError::CertificateCount { count: 17 },
            ),
            (
                8,
                Some(array(&[bytes(&[2; 32]), bytes(&[1; 32])])),
                SealError::DigestOrder { index: 1 },
            ),
            (
                8,
                Some(array(&[bytes(&[1; 32]), bytes(&[1; 32])])),
                SealError::DigestOrder { index: 1 },
            ),
            (
                8,
                Some(array(&[bytes(&[1; 32]), bytes(&[2; 31])])),
                SealError::DigestLength { index: 1, len: 31 },
            ),
            (
                8,
                Some(array(&[text("a")])),
                wrong(
                    "certificates",
                    "an array of 32-byte byte strings",
                    "text string",
                ),
            ),
            (
                8,
                Some(bytes(&[1; 32])),
                wrong(
                    "certificates",
                    "an array of 32-byte byte strings",
                    "byte string",
                ),
            ),
            (
                9,
                Some(int(-1)),
                SealError::TimeOutOfRange { key: "created" },
            ),
            (
                10,
                Some(encode_with(|e| {
                    e.tag(1).int(0);
                })),
                wrong("valid_from", "an unsigned integer", "tag"),
            ),
            (
                11,
                Some(int(at(CREATED).secs())),
                SealError::Validity {
                    created: at(CREATED),
                    valid_from: at(CREATED),
                    valid_until: at(CREATED),
                },
            ),
            (
                11,
                Some(hex::decode("1b8000000000000000").unwrap()), // 2^63
                SealError::TimeOutOfRange { key: "valid_until" },
            ),
            (12, None, SealError::MissingKey { key: "picture" }),
            (
                12,
                Some(bytes(PNG)),
                wrong("picture", "a map", "byte string"),
            ),
            (
                12,
                pic(1, Some(text("JPG"))),
                SealError::PictureFormat {
                    found: "\"JPG\"".into(),
                },
            ),
            (12, pic(2, Some(bytes(b"\x89PNG"))), SealError::NotPng),
            (
                12,
                pic(2, Some(text("PNG"))),
                wrong("picture.data", "a byte string", "text string"),
            ),
            (
                12,
                pic(2, Some(bytes(&png_sized(4096, 1)))),
                SealError::PicturePixels {
                    width: 4096,
                    height: 1,
                },
            ),
            (
                12,
                pic(3, Some(int(9))),
                SealError::PictureMm {
                    width_mm: 9,
                    height_mm: 42,
                },
            ),
            (
                12,
                pic(4, Some(int(too_far as i64))),
                SealError::PictureMm {
                    width_mm: 42,
                    height_mm: too_far,
                },
            ),
            (
                12,
                pic(4, None),
                SealError::MissingKey {
                    key: "picture.height_mm",
                },
            ),
            (
                12,
                pic(5, Some(int(0))),
                SealError::UnknownKey {
                    map: "picture",
                    key: 5,
                },
            ),
        ];
        for (key, value, expected) in cases {
            let shown = format!("key {key} = {value:02x?}");
            let result = decode_payload_entries(&pki, with(payload_entries(), key, value));
            assert_eq!(result.unwrap_err(), expected, "{shown}");
        }
        // A special-purpose seal with its purpose decodes.
        let special = with(
            with(payload_entries(), 4, Some(int(2))),
            7,
            Some(text("合同专用章")),
        );
        let seal = decode_payload_entries(&pki, special).unwrap();
        assert_eq!(seal.info().purpose(), Some("合同专用章"));
        // Text keys are not this format's.
        let mut text_key = map(payload_entries());
        text_key[0] += 1; // one more entry...
        text_key.extend_from_slice(&[0x61, b'a', 0x00]); // ...`"a": 0`, sorted last
        let protected = map(protected_entries(&pki));
        assert_eq!(
            SignedSeal::from_slice(&record(&pki, &protected, &text_key)).unwrap_err(),
            wrong("payload", "a map with integer keys", "text string")
        );
        // A version 2 record is reported as such, not for its new keys.
        let v2 = with(with(payload_entries(), 1, Some(int(2))), 13, Some(int(0)));
        assert_eq!(
            decode_payload_entries(&pki, v2).unwrap_err(),
            SealError::UnsupportedVersion { version: 2 }
        );
    }

    #[test]
    fn non_deterministic_cbor_and_trailing_bytes_are_refused() {
        let pki = pki();
        let good = SignedSeal::sign(
            builder().build().unwrap(),
            &pki.maker_key,
            core::slice::from_ref(&pki.maker),
        )
        .unwrap();
        let bytes = good.as_bytes();
        let mut trailing = bytes.to_vec();
        trailing.push(0);
        assert!(matches!(
            SignedSeal::from_slice(&trailing),
            Err(SealError::Cbor(CborError::TrailingBytes {
                remaining: 1,
                ..
            }))
        ));
        assert!(matches!(
            SignedSeal::from_slice(&bytes[..bytes.len() - 1]),
            Err(SealError::Cbor(CborError::Truncated { .. }))
        ));

        // Version 1 as `18 01`, not `01`.
        let mut payload = map(with(payload_entries(), 1, Some(vec![0x18, 0x01])));
        let protected = map(protected_entries(&pki));
        assert!(matches!(
            SignedSeal::from_slice(&record(&pki, &protected, &payload)),
            Err(SealError::Cbor(CborError::NonShortestInteger { .. }))
        ));
        // Keys 2 and 3 swapped.
        payload = map(payload_entries());
        let two = payload.windows(2).position(|w| w == [0x02, 0x68]).unwrap();
        let entry2 = payload[two..two + 10].to_vec(); // 02 68 "elicence"
        let entry3 = payload[two + 10..two + 10 + 17].to_vec(); // 03 6f "ELC-2025-000001"
        payload.splice(two..two + 27, entry3.into_iter().chain(entry2));
        assert!(matches!(
            SignedSeal::from_slice(&record(&pki, &protected, &payload)),
            Err(SealError::Cbor(CborError::UnsortedKeys { .. }))
        ));
        // An indefinite-length map for the header.
        let mut indefinite = vec![0xbf];
        indefinite.extend_from_slice(&protected[1..]);
        indefinite.push(0xff);
        assert!(matches!(
            SignedSeal::from_slice(&record(&pki, &indefinite, &map(payload_entries()))),
            Err(SealError::Cbor(CborError::IndefiniteLength { .. }))
        ));
    }

    #[test]
    fn decoder_enforces_every_header_and_structure_rule() {
        let pki = pki();
        let ok = decode_header_entries(&pki, protected_entries(&pki)).unwrap();
        assert_eq!(ok.maker(), &pki.maker);
        let cases: Vec<(i64, Option<Vec<u8>>, SealError)> = vec![
            (
                1,
                Some(int(-7)),
                SealError::UnsupportedAlgorithm { found: -7 },
            ),
            (1, None, SealError::MissingHeader { label: 1 }),
            (
                16,
                Some(text("application/cose")),
                SealError::ObjectType {
                    found: "\"application/cose\"".into(),
                },
            ),
            (
                16,
                Some(text("application/statuslist+cwt")),
                SealError::ObjectType {
                    found: "\"application/statuslist+cwt\"".into(),
                },
            ),
            (
                16,
                Some(int(18)),
                SealError::ObjectType {
                    found: "content format 18".into(),
                },
            ),
            (
                16,
                Some(bytes(b"x")),
                SealError::ObjectType {
                    found: "byte string".into(),
                },
            ),
            (
                16,
                None,
                SealError::ObjectType {
                    found: "none".into(),
                },
            ),
            (
                3,
                Some(text(SEAL_TYPE)),
                SealError::UnknownHeader { label: 3 },
            ),
            (
                4,
                Some(bytes(&[0; 8])),
                SealError::UnknownHeader { label: 4 },
            ),
            (
                2,
                Some(array(&[int(1)])),
                SealError::UnknownHeader { label: 2 },
            ),
            (33, None, SealError::MissingHeader { label: 33 }),
            (
                33,
                Some(bytes(pki.maker.der())),
                SealError::Structure("x5chain must be an array of byte strings"),
            ),
            (33, Some(array(&[])), SealError::ChainLength { len: 0 }),
            (
                33,
                Some(array(&vec![bytes(pki.maker.der()); 5])),
                SealError::ChainLength { len: 5 },
            ),
            (
                33,
                Some(array(&[bytes(pki.maker.der()), bytes(b"junk")])),
                SealError::Certificate {
                    index: 1,
                    source: Certificate::from_der(b"junk").unwrap_err(),
                },
            ),
        ];
        for (label, value, expected) in cases {
            let shown = format!("label {label}");
            let result = decode_header_entries(&pki, with(protected_entries(&pki), label, value));
            assert_eq!(result.unwrap_err(), expected, "{shown}");
        }

        let protected = map(protected_entries(&pki));
        let payload = map(payload_entries());
        let cose = |items: &[Vec<u8>]| [hex::decode("d2").unwrap(), array(items)].concat();
        let structure = |bytes: &[u8]| SignedSeal::from_slice(bytes).unwrap_err();
        assert_eq!(
            structure(&cose(&[
                bytes(&protected),
                map(vec![(4, bytes(&[0; 8]))]),
                bytes(&payload),
                bytes(&[0; 64])
            ])),
            SealError::UnprotectedHeader
        );
        assert_eq!(
            structure(&cose(&[
                bytes(&protected),
                map(vec![]),
                bytes(&payload),
                bytes(&[0; 63])
            ])),
            SealError::SignatureLength { len: 63 }
        );
        assert_eq!(
            structure(&cose(&[bytes(&protected), map(vec![]), bytes(&payload)])),
            SealError::Structure("expected an array of 4")
        );
        assert!(matches!(
            structure(&cose(&[
                bytes(&protected),
                map(vec![]),
                encode_with(|e| {
                    e.int(0);
                }),
                bytes(&[0; 64])
            ])),
            SealError::Structure(_)
        ));
        let untagged = array(&[
            bytes(&protected),
            map(vec![]),
            bytes(&payload),
            bytes(&[0; 64]),
        ]);
        assert_eq!(
            structure(&untagged),
            SealError::NotCoseSign1 {
                found: "array".into()
            }
        );
        let mut tag17 = cose(&[
            bytes(&protected),
            map(vec![]),
            bytes(&payload),
            bytes(&[0; 64]),
        ]);
        tag17[0] = 0xd1;
        assert_eq!(
            structure(&tag17),
            SealError::NotCoseSign1 {
                found: "tag 17".into()
            }
        );
        // A licence envelope is not a seal record: it is named by its type.
        let licence_header = map(vec![
            (1, int(-8)),
            (4, bytes(&[0; 8])),
            (16, text(crate::envelope::LICENCE_TYPE)),
        ]);
        assert_eq!(
            structure(&record(&pki, &licence_header, &payload)),
            SealError::ObjectType {
                found: "\"application/elicence+cwt\"".into()
            }
        );
        // Too large is refused before any decoding.
        let huge = vec![0u8; MAX_SEAL_LEN + 1];
        assert_eq!(
            structure(&huge),
            SealError::TooLarge {
                len: MAX_SEAL_LEN + 1,
                max: MAX_SEAL_LEN
            }
        );
    }

    #[test]
    fn verify_checks_signature_chain_and_time() {
        let pki = pki();
        let info = builder().build().unwrap();
        let with_mid = SignedSeal::sign(
            info.clone(),
            &pki.maker_key,
            &[pki.maker.clone(), pki.mid.clone()],
        )
        .unwrap();
        let alone = SignedSeal::sign(
            info.clone(),
            &pki.maker_key,
            core::slice::from_ref(&pki.maker),
        )
        .unwrap();
        let roots = store(&[&pki.root]);
        with_mid.verify(&roots).unwrap();
        // Without the carried intermediate the store needs it.
        let err = alone.verify(&roots).unwrap_err();
        assert!(
            matches!(
                &err,
                SealFailure::MakerUntrusted {
                    failure: TrustFailure::UntrustedRoot { .. }
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.code(), "untrusted_root");
        let mut with_mid_store = roots.clone();
        with_mid_store.add_certificate(pki.mid.clone());
        alone.verify(&with_mid_store).unwrap();
        // A store without the root trusts nothing; carried certificates are
        // never anchors.
        let err = with_mid.verify(&TrustStore::new()).unwrap_err();
        assert!(matches!(err, SealFailure::MakerUntrusted { .. }), "{err:?}");
        let carried_root = SignedSeal::sign(
            info.clone(),
            &pki.maker_key,
            &[pki.maker.clone(), pki.mid.clone(), pki.root.clone()],
        )
        .unwrap();
        assert!(carried_root.verify(&TrustStore::new()).is_err());
        // A CA key cannot make seals.
        let by_ca =
            SignedSeal::sign(info.clone(), &pki.mid_key, core::slice::from_ref(&pki.mid)).unwrap();
        let err = by_ca.verify(&roots).unwrap_err();
        assert_eq!(err.code(), "wrong_key_usage", "{err:?}");

        // Made before the maker's certificate was valid (2025-01-01).
        let early = builder()
            .validity(
                at("2024-06-01T00:00:00Z"),
                at("2024-06-01T00:00:00Z"),
                at(UNTIL),
            )
            .build()
            .unwrap();
        let early =
            SignedSeal::sign(early, &pki.maker_key, &[pki.maker.clone(), pki.mid.clone()]).unwrap();
        let err = early.verify(&roots).unwrap_err();
        assert_eq!(
            err,
            SealFailure::MakerNotValidAtCreation {
                created: at("2024-06-01T00:00:00Z")
            }
        );
        assert_eq!(err.code(), "maker_not_valid_at_creation");
    }

    #[test]
    fn a_tampered_byte_is_a_bad_signature() {
        let pki = pki();
        let roots = store(&[&pki.root]);
        let signed = SignedSeal::sign(
            builder().build().unwrap(),
            &pki.maker_key,
            &[pki.maker.clone(), pki.mid.clone()],
        )
        .unwrap();
        let bytes = signed.as_bytes();
        // A byte of the PNG's image data, of the name, and of the signature.
        let png_at = bytes.windows(8).position(|w| w == &PNG[..8]).unwrap() + 100;
        let name_at = bytes
            .windows(6)
            .position(|w| w == "北京".as_bytes())
            .unwrap()
            + 2;
        for at in [png_at, name_at, bytes.len() - 1] {
            let mut tampered = bytes.to_vec();
            tampered[at] ^= 1;
            let seal = SignedSeal::from_slice(&tampered).unwrap();
            let err = seal.verify(&roots).unwrap_err();
            assert_eq!(err, SealFailure::BadSignature, "byte {at}");
            assert_eq!(err.code(), "bad_signature");
        }
    }

    #[test]
    fn sign_refuses_a_chain_not_for_the_key() {
        let pki = pki();
        let info = builder().build().unwrap();
        assert_eq!(
            SignedSeal::sign(
                info.clone(),
                &pki.maker_key,
                &[pki.mid.clone(), pki.maker.clone()]
            )
            .unwrap_err(),
            SealError::MakerKeyMismatch {
                certificate: pki.mid.public_key().key_id(),
                signer: pki.maker_key.public_key().key_id(),
            }
        );
        assert_eq!(
            SignedSeal::sign(info.clone(), &pki.maker_key, &[]).unwrap_err(),
            SealError::ChainLength { len: 0 }
        );
        assert_eq!(
            SignedSeal::sign(info, &pki.maker_key, &vec![pki.maker.clone(); 5]).unwrap_err(),
            SealError::ChainLength { len: 5 }
        );
    }

    #[test]
    fn allows_matches_certificate_digests() {
        let pki = pki();
        let info = builder().allow_certificate(&pki.maker).build().unwrap();
        assert!(info.allows(&pki.maker));
        assert!(!info.allows(&pki.mid));
        let digest: [u8; 32] = Sha256::digest(pki.mid.der()).into();
        let info = builder().allow_certificate_digest(digest).build().unwrap();
        assert!(info.allows(&pki.mid) && !info.allows(&pki.maker));
        // Survives signing and decoding.
        let signed =
            SignedSeal::sign(info, &pki.maker_key, core::slice::from_ref(&pki.maker)).unwrap();
        let back = SignedSeal::from_slice(signed.as_bytes()).unwrap();
        assert!(back.info().allows(&pki.mid));
        assert_eq!(back.info().allowed_certificates().len(), 2);
    }
}
