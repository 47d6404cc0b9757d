use super::*;
use crate::cbor::Encoder;
use crate::keys::SigningKey;
use crate::trust::parse_bundle;

const DRAFT: &str = include_str!("../../test-vectors/status-list/draft-ietf-oauth-status-list.md");
const EXAMPLES: &str = "test-vectors/status-list/examples";

/// The trust vectors' traffic police signer: its key seed (from
/// `test-vectors/trust/vectors.json`), certificate and intermediate.
const TRAFFIC_SEED: &str = "bd12c416c6e3b8f38566205eb85e6a3e38b5cef1c9249f398c7be7fcbb19a5a4";
const TRAFFIC_DSC: &[u8] = include_bytes!("../../test-vectors/trust/dsc-traffic.pem");
const INTERMEDIATE: &[u8] = include_bytes!("../../test-vectors/trust/intermediate.pem");
const SUBJECT: &str = "https://status.example.gov.cn/lists/1";

fn traffic() -> (SigningKey, Vec<Certificate>) {
    let seed: [u8; 32] = hex::decode(TRAFFIC_SEED).unwrap().try_into().unwrap();
    let key = SigningKey::from_seed(&seed);
    let mut chain = parse_bundle(TRAFFIC_DSC).0;
    chain.extend(parse_bundle(INTERMEDIATE).0);
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].public_key(), &key.public_key());
    (key, chain)
}

fn at(secs: i64) -> UnixTime {
    UnixTime::from_secs(secs)
}

/// A deterministic generator for tests (SplitMix64); not for real use.
struct TestRng(u64);

impl RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand_core::impls::fill_bytes_via_next(self, dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for TestRng {}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// The blocks of `status[i] = 0b…` lines in the draft, in order.
fn draft_blocks() -> Vec<Vec<(u32, u8)>> {
    let mut blocks: Vec<Vec<(u32, u8)>> = Vec::new();
    let mut in_block = false;
    for line in DRAFT.lines() {
        let parsed = line.strip_prefix("status[").and_then(|rest| {
            let (index, value) = rest.split_once(']')?;
            let value = value.trim().strip_prefix('=')?.trim().strip_prefix("0b")?;
            Some((index.parse().ok()?, u8::from_str_radix(value, 2).ok()?))
        });
        match parsed {
            Some(entry) => {
                if !in_block {
                    blocks.push(Vec::new());
                }
                blocks.last_mut().unwrap().push(entry);
                in_block = true;
            }
            None => in_block = false,
        }
    }
    blocks
}

/// The hex in an example file: after `encoded:` if there is one, else all
/// of it.
fn example_hex(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(EXAMPLES)
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .split_once("encoded:")
        .map_or(text.as_str(), |(_, t)| t);
    let hex: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(hex).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Decodes a bare StatusList map (`{"bits": …, "lst": …}`) as foreign
/// tokens' lists are read.
fn foreign_list_map(bytes: &[u8]) -> StatusList {
    let Value::Map(entries) = cbor::decode_any_order(bytes).unwrap() else {
        panic!("not a map")
    };
    let mut bits = None;
    let mut lst = None;
    for e in entries {
        match (e.key, e.value) {
            (Value::Text("bits"), Value::Uint(n)) => bits = Some(n),
            (Value::Text("lst"), Value::Bytes(b)) => lst = Some(b),
            other => panic!("unexpected {other:?}"),
        }
    }
    StatusList::from_compressed(bits.unwrap(), lst.unwrap()).unwrap()
}

/// Every entry of `list` equals what `expected` says, and the others are 0.
fn assert_entries(name: &str, list: &StatusList, expected: &[(u32, u8)]) {
    let mut want = vec![0u8; list.len() as usize];
    for &(index, value) in expected {
        want[index as usize] = value;
    }
    for (index, want) in want.iter().enumerate() {
        assert_eq!(
            list.get(index as u32).unwrap(),
            *want,
            "{name}: entry {index}"
        );
    }
}

#[test]
fn status_codes_labels_and_list_values() {
    let table = [
        (LicenceStatus::Valid, "01", "有效", 0x00),
        (LicenceStatus::Suspended, "02", "暂扣", 0x02),
        (LicenceStatus::Revoked, "03", "撤销", 0x01),
        (LicenceStatus::Cancelled, "04", "注销", 0x03),
        (LicenceStatus::Lapsed, "05", "失效", 0x0C),
        (LicenceStatus::TransferredOut, "06", "转出", 0x0D),
        (LicenceStatus::Withdrawn, "07", "吊销", 0x0E),
        (LicenceStatus::Other, "99", "其他", 0x0F),
    ];
    for (status, code, label, value) in table {
        assert_eq!(status.code(), code);
        assert_eq!(status.label(), label);
        assert_eq!(status.list_value(), value);
        assert_eq!(LicenceStatus::from_code(code), Some(status));
        assert_eq!(LicenceStatus::from_list_value(value), Some(status));
        assert_eq!(status.is_valid(), code == "01");
        assert!(!status.label_en().is_empty());
    }
    for value in (0x04..=0x0B).chain(0x10..=0xFF) {
        assert_eq!(LicenceStatus::from_list_value(value), None, "{value:#x}");
    }
    for code in ["00", "08", "1", "001", ""] {
        assert_eq!(LicenceStatus::from_code(code), None);
    }
    assert_eq!(LicenceStatus::Withdrawn.to_string(), "07 吊销");
}

#[test]
fn entries_pack_least_significant_bit_first_as_the_draft_shows() {
    let blocks = draft_blocks();
    assert_eq!(blocks.len(), 6, "six example lists in the draft");
    assert_eq!(blocks[0].len(), 16);
    assert_eq!(blocks[1].len(), 12);
    for (bits, block, bytes) in [
        (1, &blocks[0], vec![0xB9, 0xA3]),
        (2, &blocks[1], vec![0xC9, 0x44, 0xF9]),
    ] {
        let mut list = StatusList::with_bits(bits, block.len() as u32).unwrap();
        for &(index, value) in block {
            list.set_value(index, value).unwrap();
        }
        assert_eq!(list.as_bytes(), bytes.as_slice());
        for &(index, value) in block {
            assert_eq!(list.get(index).unwrap(), value);
        }
    }
}

#[test]
fn set_get_and_status_with_four_bits() {
    let mut list = StatusList::new(11).unwrap();
    assert_eq!((list.len(), list.bits(), list.as_bytes().len()), (11, 4, 6));
    for (i, status) in LicenceStatus::ALL.into_iter().enumerate() {
        list.set(i as u32, status).unwrap();
    }
    for (i, status) in LicenceStatus::ALL.into_iter().enumerate() {
        assert_eq!(list.status(i as u32).unwrap(), status);
    }
    // Setting one entry leaves its byte's neighbour alone.
    list.set(1, LicenceStatus::Valid).unwrap();
    assert_eq!(list.status(0).unwrap(), LicenceStatus::Valid);
    assert_eq!(list.status(2).unwrap(), LicenceStatus::Revoked);
    list.set_value(8, 0x07).unwrap();
    assert_eq!(
        list.status(8),
        Err(StatusListError::UnregisteredValue {
            index: 8,
            value: 0x07
        })
    );
    assert_eq!(list.status(10).unwrap(), LicenceStatus::Valid);
    let out = Err(StatusListError::IndexOutOfRange { index: 11, len: 11 });
    assert_eq!(list.get(11), out.clone().map(|()| 0));
    assert_eq!(list.set(11, LicenceStatus::Revoked), out);
    assert_eq!(
        list.set_value(0, 0x10).unwrap_err().code(),
        "value_too_wide"
    );

    let mut narrow = StatusList::with_bits(1, 8).unwrap();
    narrow.set(3, LicenceStatus::Revoked).unwrap();
    assert_eq!(
        narrow.set(3, LicenceStatus::Suspended),
        Err(StatusListError::ValueTooWide { value: 2, bits: 1 })
    );
    assert_eq!(
        StatusList::with_bits(3, 8),
        Err(StatusListError::BadBits { found: 3 })
    );
}

#[test]
fn list_sizes_are_bounded() {
    assert!(StatusList::new(MAX_LIST_ENTRIES).is_ok());
    assert_eq!(
        StatusList::new(MAX_LIST_ENTRIES + 1).unwrap_err().code(),
        "too_many_entries"
    );
    assert_eq!(
        StatusList::with_bits(8, u32::MAX),
        Err(StatusListError::TooManyEntries {
            len: u32::MAX,
            max: MAX_STATUS_LIST_BYTES as u32
        })
    );
}

#[test]
fn compression_round_trips_and_decoded_length_counts_padding() {
    let mut list = StatusList::new(1001).unwrap();
    list.set(0, LicenceStatus::Revoked).unwrap();
    list.set(1000, LicenceStatus::Other).unwrap();
    let lst = list.compressed();
    assert_eq!(&lst[..1], &[0x78], "a zlib header");
    let decoded = StatusList::from_compressed(4, &lst).unwrap();
    assert_eq!(decoded.len(), 1002, "501 bytes hold 1002 entries");
    assert_eq!(decoded.as_bytes(), list.as_bytes());
    assert_eq!(decoded.status(1000).unwrap(), LicenceStatus::Other);
    assert_eq!(decoded.status(1001).unwrap(), LicenceStatus::Valid);
    assert_eq!(StatusList::from_compressed(1, &lst).unwrap().len(), 501 * 8);
}

#[test]
fn decompression_is_capped_and_strict() {
    let at_cap = zlib(&vec![0; MAX_STATUS_LIST_BYTES]);
    let list = StatusList::from_compressed(4, &at_cap).unwrap();
    assert_eq!(list.len(), MAX_LIST_ENTRIES);
    assert!(list.bytes.capacity() <= MAX_STATUS_LIST_BYTES);

    let bomb = zlib(&vec![0; MAX_STATUS_LIST_BYTES + 1]);
    assert!(bomb.len() < 32 * 1024, "{}", bomb.len());
    assert_eq!(
        StatusList::from_compressed(4, &bomb),
        Err(StatusListError::ListTooLarge {
            max: MAX_STATUS_LIST_BYTES
        })
    );
    // Far larger: still stops at the cap.
    let big = zlib(&vec![0; 64 * 1024 * 1024]);
    let start = std::time::Instant::now();
    assert_eq!(
        StatusList::from_compressed(4, &big).unwrap_err().code(),
        "list_too_large"
    );
    assert!(start.elapsed().as_secs() < 10);

    let good = zlib(&[0x12; 100]);
    let mut trailing = good.clone();
    trailing.extend_from_slice(&[0, 0, 0]);
    assert_eq!(
        StatusList::from_compressed(4, &trailing),
        Err(StatusListError::CompressedTrailingBytes { remaining: 3 })
    );
    let mut bad_checksum = good.clone();
    *bad_checksum.last_mut().unwrap() ^= 1;
    let cut = &good[..good.len() - 2];
    let mut bad_header = good.clone();
    bad_header[1] ^= 1;
    for (name, lst) in [
        ("checksum", bad_checksum.as_slice()),
        ("cut", cut),
        ("header", bad_header.as_slice()),
        ("empty", &[][..]),
        ("raw deflate", &good[2..]),
    ] {
        assert_eq!(
            StatusList::from_compressed(4, lst).unwrap_err().code(),
            "decompress",
            "{name}"
        );
    }
    assert_eq!(
        StatusList::from_compressed(16, &good),
        Err(StatusListError::BadBits { found: 16 })
    );
}

#[test]
fn the_drafts_cbor_examples_decode_to_the_entries_it_lists() {
    let blocks = draft_blocks();
    let cases = [
        ("status_list_encoding_cbor.md", 1, 0, 16),
        ("status_list_encoding2_cbor.md", 2, 1, 12),
        ("status_list_encoding1_long_cbor.md", 1, 2, 1 << 20),
        ("status_list_encoding2_long_cbor.md", 2, 3, 1 << 20),
        ("status_list_encoding4_cbor.md", 4, 4, 1 << 20),
        ("status_list_encoding8_cbor.md", 8, 5, 1 << 20),
    ];
    for (name, bits, block, len) in cases {
        let bytes = example_hex(name);
        // Not deterministic CBOR: "bits" comes before "lst".
        assert_eq!(
            cbor::decode(&bytes).unwrap_err(),
            CborError::UnsortedKeys { offset: 7 },
            "{name}"
        );
        let list = foreign_list_map(&bytes);
        assert_eq!(list.bits(), bits, "{name}");
        assert_eq!(list.len(), len, "{name}");
        assert_entries(name, &list, &blocks[block]);
    }
    assert_eq!(blocks[5].len(), 256, "every 8-bit value once");
}

#[test]
fn the_drafts_cwt_example_is_read_as_a_foreign_list() {
    let bytes = example_hex("status_list_cwt.md");
    let token = ForeignStatusList::from_slice(&bytes).unwrap();
    assert_eq!(token.alg(), -7, "ES256");
    assert!(!token.is_mac());
    assert_eq!(token.key_id(), Some(&b"12"[..]));
    assert_eq!(token.subject(), "https://example.com/statuslists/1");
    assert_eq!(token.issued_at(), at(1_686_920_170));
    assert_eq!(token.expires(), Some(at(2_291_720_170)));
    assert_eq!(token.ttl_secs(), Some(43_200));
    assert_eq!(token.aggregation_uri(), None);
    assert_eq!(token.list().bits(), 1);
    assert_entries("cwt", token.list(), &draft_blocks()[0]);
    assert!(token.freshness_at(at(1_686_920_170)).is_fresh());
    assert_eq!(
        token.freshness_at(at(1_686_920_170 + 43_200)),
        Freshness::Stale {
            since: at(1_686_920_170 + 43_200),
            cause: StaleCause::TtlElapsed
        }
    );

    // Ours it is not: ES256 (and claims out of order, a kid unprotected).
    assert_eq!(
        SignedStatusList::from_slice(&bytes),
        Err(StatusListError::UnsupportedAlgorithm { found: -7 })
    );
}

#[test]
fn foreign_reading_still_refuses_duplicates_and_other_types() {
    let bytes = example_hex("status_list_cwt.md");
    // The unprotected header `{4: h'3132'}` becomes `{4: h'3132', 4: h'3132'}`:
    // a1 04 42 31 32 at offset 37.
    let at_unprotected = bytes
        .windows(5)
        .position(|w| w == [0xa1, 0x04, 0x42, 0x31, 0x32])
        .unwrap();
    let mut dup = bytes[..at_unprotected].to_vec();
    dup.extend_from_slice(&[0xa2, 0x04, 0x42, 0x31, 0x32, 0x04, 0x42, 0x31, 0x32]);
    dup.extend_from_slice(&bytes[at_unprotected + 5..]);
    assert!(matches!(
        ForeignStatusList::from_slice(&dup),
        Err(StatusListError::Cbor(CborError::DuplicateKey { .. }))
    ));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(
        ForeignStatusList::from_slice(&trailing),
        Err(StatusListError::Cbor(CborError::TrailingBytes { .. }))
    ));

    // A licence, in either reader, is named as what it is.
    let key = SigningKey::from_seed(&[3; 32]);
    let licence =
        crate::Licence::from_json(include_str!("../../examples/licences/driving-licence.json"))
            .unwrap();
    let signed = crate::SignedLicence::sign(licence, &key, at(1_735_693_200)).unwrap();
    let want = StatusListError::WrongType {
        found: format!("{:?}", crate::envelope::LICENCE_TYPE),
    };
    assert_eq!(
        SignedStatusList::from_slice(signed.as_bytes()).unwrap_err(),
        want
    );
    assert_eq!(
        ForeignStatusList::from_slice(signed.as_bytes()).unwrap_err(),
        want
    );
}

#[test]
fn decode_any_order_keeps_every_other_rule() {
    // {2: 0, 1: 0} is fine unsorted, {1: 0, 1: 1} is not.
    assert!(cbor::decode_any_order(&[0xa2, 0x02, 0x00, 0x01, 0x00]).is_ok());
    assert_eq!(
        cbor::decode_any_order(&[0xa3, 0x01, 0x00, 0x02, 0x00, 0x01, 0x01]),
        Err(CborError::DuplicateKey { offset: 5 })
    );
    assert_eq!(
        cbor::decode_any_order(&[0x18, 0x05]),
        Err(CborError::NonShortestInteger { offset: 0 })
    );
    assert_eq!(
        cbor::decode_any_order(&[0xbf, 0xff]),
        Err(CborError::IndefiniteLength { offset: 0 })
    );
    assert_eq!(
        cbor::decode_any_order(&[0xf9, 0x00, 0x00]),
        Err(CborError::UnsupportedSimple { offset: 0 })
    );
    // A map with many keys is checked in n log n, not n².
    let n = 100_000u32;
    let mut e = Encoder::new();
    e.map_header(n as usize);
    for i in (0..n).rev() {
        e.int(i64::from(i)).int(0);
    }
    let bytes = e.into_bytes();
    let start = std::time::Instant::now();
    assert!(cbor::decode_any_order(&bytes).is_ok());
    assert!(start.elapsed().as_secs() < 5);
}

fn revoked_list(len: u32) -> StatusList {
    let mut list = StatusList::new(len).unwrap();
    list.set(0, LicenceStatus::Revoked).unwrap();
    list.set(12_345, LicenceStatus::Suspended).unwrap();
    list.set(len - 1, LicenceStatus::Withdrawn).unwrap();
    list
}

fn signed(list: &StatusList) -> SignedStatusList {
    let (key, chain) = traffic();
    SignedStatusList::sign(
        list,
        SUBJECT,
        at(1_767_225_600),
        Some(at(1_767_225_600 + 7 * 86_400)),
        86_400,
        &key,
        &chain,
    )
    .unwrap()
}

#[test]
fn a_signed_list_round_trips_and_verifies() {
    let list = revoked_list(MIN_LIST_ENTRIES);
    let token = signed(&list);
    let (key, chain) = traffic();
    assert!(token.as_bytes().len() < 4096, "{}", token.as_bytes().len());
    let decoded = SignedStatusList::from_slice(token.as_bytes()).unwrap();
    assert_eq!(decoded, token);
    assert_eq!(decoded.subject(), SUBJECT);
    assert_eq!(decoded.issued_at(), at(1_767_225_600));
    assert_eq!(decoded.expires(), Some(at(1_767_225_600 + 7 * 86_400)));
    assert_eq!(decoded.ttl_secs(), 86_400);
    assert_eq!(decoded.key_id(), key.public_key().key_id());
    assert_eq!(decoded.signer_chain(), chain.as_slice());
    assert_eq!(decoded.list().len(), MIN_LIST_ENTRIES);
    assert_eq!(decoded.list().status(0).unwrap(), LicenceStatus::Revoked);
    assert_eq!(
        decoded.list().status(12_345).unwrap(),
        LicenceStatus::Suspended
    );
    assert_eq!(
        decoded.list().status(MIN_LIST_ENTRIES - 1).unwrap(),
        LicenceStatus::Withdrawn
    );
    assert_eq!(decoded.list().status(1).unwrap(), LicenceStatus::Valid);
    assert_eq!(decoded.verify_signature(&key.public_key()), Ok(()));
    assert_eq!(
        decoded.verify_signature(&SigningKey::from_seed(&[9; 32]).public_key()),
        Err(SignatureFailure::Invalid)
    );

    // The layout: tag 18, array 4, protected header in key order 1, 4, 16, 33.
    let bytes = token.as_bytes();
    assert_eq!(bytes[0], 0xd2);
    let sign1 = cose::decode(bytes).unwrap();
    let Value::Map(header) = cbor::decode(sign1.protected).unwrap() else {
        panic!()
    };
    let labels: Vec<i64> = header.iter().map(|e| e.key.as_i64().unwrap()).collect();
    assert_eq!(labels, [1, 4, 16, 33]);
    assert!(sign1.unprotected.is_empty());
    let Value::Map(claims) = cbor::decode(sign1.payload).unwrap() else {
        panic!()
    };
    let keys: Vec<i64> = claims.iter().map(|e| e.key.as_i64().unwrap()).collect();
    assert_eq!(keys, [2, 4, 6, 65533, 65534]);

    // Every byte matters to the signature.
    for i in [bytes.len() - 1, bytes.len() / 2, 20] {
        let mut changed = bytes.to_vec();
        changed[i] ^= 0x01;
        if let Ok(t) = SignedStatusList::from_slice(&changed) {
            assert_eq!(
                t.verify_signature(&key.public_key()),
                Err(SignatureFailure::Invalid),
                "byte {i}"
            );
        }
    }

    // Foreign reading sees the same claims.
    let foreign = ForeignStatusList::from_slice(bytes).unwrap();
    assert_eq!(foreign.alg(), -8);
    assert_eq!(foreign.key_id(), Some(&key.public_key().key_id().0[..]));
    assert_eq!(foreign.list(), decoded.list());
    assert_eq!(foreign.ttl_secs(), Some(86_400));
}

#[test]
fn freshness_follows_exp_and_ttl() {
    let list = revoked_list(MIN_LIST_ENTRIES);
    let token = signed(&list);
    let iat = 1_767_225_600;
    assert_eq!(token.stale_at(), at(iat + 86_400));
    assert!(token.is_fresh_at(at(iat)));
    assert!(token.is_fresh_at(at(iat + 86_399)));
    assert!(!token.is_fresh_at(at(iat + 86_400)));
    assert_eq!(
        token.freshness_at(at(iat + 86_400)),
        Freshness::Stale {
            since: at(iat + 86_400),
            cause: StaleCause::TtlElapsed
        }
    );
    assert_eq!(
        token.freshness_at(at(iat - 1)),
        Freshness::NotYetIssued { issued_at: at(iat) }
    );
    assert_eq!(
        token.freshness_at(at(iat + 5)),
        Freshness::Fresh {
            until: Some(at(iat + 86_400))
        }
    );

    // exp before iat + ttl decides.
    let (key, chain) = traffic();
    let short = SignedStatusList::sign(
        &list,
        SUBJECT,
        at(iat),
        Some(at(iat + 600)),
        86_400,
        &key,
        &chain,
    )
    .unwrap();
    assert_eq!(short.stale_at(), at(iat + 600));
    assert_eq!(
        short.freshness_at(at(iat + 600)),
        Freshness::Stale {
            since: at(iat + 600),
            cause: StaleCause::Expired
        }
    );
    let no_exp =
        SignedStatusList::sign(&list, SUBJECT, at(iat), None, u64::MAX >> 1, &key, &chain).unwrap();
    assert_eq!(no_exp.stale_at(), at(i64::MAX));
    assert!(no_exp.is_fresh_at(at(i64::MAX - 1)));
}

#[test]
fn signing_refuses_what_we_would_not_accept() {
    let (key, chain) = traffic();
    let list = revoked_list(MIN_LIST_ENTRIES);
    let iat = at(1_767_225_600);
    let sign = |list: &StatusList,
                subject: &str,
                exp: Option<UnixTime>,
                ttl: u64,
                signer: &dyn Signer,
                chain: &[Certificate]| {
        SignedStatusList::sign(list, subject, iat, exp, ttl, signer, chain)
            .map(|_| ())
            .unwrap_err()
    };
    assert_eq!(
        sign(
            &StatusList::new(MIN_LIST_ENTRIES - 1).unwrap(),
            SUBJECT,
            None,
            60,
            &key,
            &chain
        ),
        StatusListError::TooFewEntries {
            len: MIN_LIST_ENTRIES - 1,
            min: MIN_LIST_ENTRIES
        }
    );
    assert_eq!(
        sign(
            &StatusList::with_bits(8, MIN_LIST_ENTRIES).unwrap(),
            SUBJECT,
            None,
            60,
            &key,
            &chain
        ),
        StatusListError::WrongBits {
            found: 8,
            required: 4
        }
    );
    assert_eq!(
        sign(&list, SUBJECT, None, 60, &key, &[]),
        StatusListError::ChainLength { len: 0 }
    );
    let five = vec![chain[0].clone(); 5];
    assert_eq!(
        sign(&list, SUBJECT, None, 60, &key, &five),
        StatusListError::ChainLength { len: 5 }
    );
    let other = SigningKey::from_seed(&[5; 32]);
    assert_eq!(
        sign(&list, SUBJECT, None, 60, &other, &chain),
        StatusListError::SignerNotFirstInChain {
            key_id: other.public_key().key_id()
        }
    );
    let reversed: Vec<Certificate> = chain.iter().rev().cloned().collect();
    assert_eq!(
        sign(&list, SUBJECT, None, 60, &key, &reversed).code(),
        "signer_not_first_in_chain"
    );
    assert_eq!(
        sign(&list, SUBJECT, None, 0, &key, &chain),
        StatusListError::BadTtl { ttl: 0 }
    );
    assert_eq!(
        sign(&list, SUBJECT, None, u64::MAX, &key, &chain).code(),
        "bad_ttl"
    );
    assert_eq!(
        sign(&list, SUBJECT, Some(iat), 60, &key, &chain),
        StatusListError::BadExpiry {
            issued_at: iat,
            expires: iat
        }
    );
    for subject in ["", "https://a b", "https://x\n", &"x".repeat(2049)] {
        assert_eq!(
            sign(&list, subject, None, 60, &key, &chain).code(),
            "bad_subject",
            "{subject:?}"
        );
    }
    // Random entries do not compress: 8 Mi entries are 4 MiB, past 1 MiB.
    let mut noisy = StatusList::new(MAX_LIST_ENTRIES).unwrap();
    let mut rng = TestRng(1);
    for b in noisy.bytes.iter_mut() {
        *b = rng.next_u32() as u8;
    }
    assert_eq!(
        sign(&noisy, SUBJECT, None, 60, &key, &chain).code(),
        "too_large"
    );
}

/// Builds a token as ours would be, with `edit` applied to the protected
/// header entries and the claims, signed by the traffic key.
fn hand_made(
    protected: Vec<(i64, Vec<u8>)>,
    claims: Vec<(i64, Vec<u8>)>,
    unprotected: &[u8],
) -> Vec<u8> {
    let (key, _) = traffic();
    let mut p = Encoder::new();
    p.map(protected);
    let p = p.into_bytes();
    let mut c = Encoder::new();
    c.map(claims);
    let c = c.into_bytes();
    let signature = key.sign(&sig_structure(&p, &c)).unwrap();
    let mut e = Encoder::new();
    e.tag(18).array(4).bytes(&p);
    let mut out = e.into_bytes();
    out.extend_from_slice(unprotected);
    let mut e = Encoder::new();
    e.bytes(&c).bytes(&signature);
    out.extend_from_slice(&e.into_bytes());
    out
}

fn standard_protected() -> Vec<(i64, Vec<u8>)> {
    let (key, chain) = traffic();
    vec![
        (
            1,
            cbor::encode_with(|e| {
                e.int(-8);
            }),
        ),
        (
            4,
            cbor::encode_with(|e| {
                e.bytes(&key.public_key().key_id().0);
            }),
        ),
        (
            16,
            cbor::encode_with(|e| {
                e.text(STATUS_LIST_TYPE);
            }),
        ),
        (
            33,
            cbor::encode_with(|e| {
                e.array(chain.len());
                for c in &chain {
                    e.bytes(c.der());
                }
            }),
        ),
    ]
}

fn status_list_claim(lst: &[u8], bits: i64) -> Vec<u8> {
    cbor::encode_with(|e| {
        e.map_header(2)
            .text("lst")
            .bytes(lst)
            .text("bits")
            .int(bits);
    })
}

fn standard_claims(lst: &[u8]) -> Vec<(i64, Vec<u8>)> {
    vec![
        (
            2,
            cbor::encode_with(|e| {
                e.text(SUBJECT);
            }),
        ),
        (
            6,
            cbor::encode_with(|e| {
                e.int(1_767_225_600);
            }),
        ),
        (65533, status_list_claim(lst, 4)),
        (
            65534,
            cbor::encode_with(|e| {
                e.int(3600);
            }),
        ),
    ]
}

fn replace(
    mut entries: Vec<(i64, Vec<u8>)>,
    key: i64,
    value: Option<Vec<u8>>,
) -> Vec<(i64, Vec<u8>)> {
    entries.retain(|(k, _)| *k != key);
    if let Some(v) = value {
        entries.push((key, v));
    }
    entries
}

#[test]
fn strict_decoding_refuses_each_deviation() {
    let lst = StatusList::new(MIN_LIST_ENTRIES).unwrap().compressed();
    let ok = hand_made(standard_protected(), standard_claims(&lst), &[0xa0]);
    let token = SignedStatusList::from_slice(&ok).unwrap();
    assert!(token.verify_signature(&traffic().0.public_key()).is_ok());
    assert_eq!(token.expires(), None);

    let int = |n: i64| {
        cbor::encode_with(|e| {
            e.int(n);
        })
    };
    let text = |t: &str| {
        cbor::encode_with(|e| {
            e.text(t);
        })
    };
    let code = |bytes: &[u8]| SignedStatusList::from_slice(bytes).unwrap_err().code();
    let p = standard_protected;
    let c = || standard_claims(&lst);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "es256",
            hand_made(replace(p(), 1, Some(int(-7))), c(), &[0xa0]),
            "unsupported_algorithm",
        ),
        (
            "no alg",
            hand_made(replace(p(), 1, None), c(), &[0xa0]),
            "missing_header",
        ),
        (
            "seal type",
            hand_made(
                replace(p(), 16, Some(text("application/elicence-seal+cose"))),
                c(),
                &[0xa0],
            ),
            "not_a_status_list",
        ),
        (
            "jwt type",
            hand_made(replace(p(), 16, Some(text("statuslist+jwt"))), c(), &[0xa0]),
            "not_a_status_list",
        ),
        (
            "no type",
            hand_made(replace(p(), 16, None), c(), &[0xa0]),
            "not_a_status_list",
        ),
        (
            "crit",
            hand_made(
                replace(
                    p(),
                    2,
                    Some(cbor::encode_with(|e| {
                        e.array(1).int(99);
                    })),
                ),
                c(),
                &[0xa0],
            ),
            "unknown_header",
        ),
        (
            "kid length",
            hand_made(
                replace(
                    p(),
                    4,
                    Some(cbor::encode_with(|e| {
                        e.bytes(b"12");
                    })),
                ),
                c(),
                &[0xa0],
            ),
            "key_id_length",
        ),
        (
            "no chain",
            hand_made(replace(p(), 33, None), c(), &[0xa0]),
            "missing_header",
        ),
        (
            "empty chain",
            hand_made(
                replace(
                    p(),
                    33,
                    Some(cbor::encode_with(|e| {
                        e.array(0);
                    })),
                ),
                c(),
                &[0xa0],
            ),
            "chain_length",
        ),
        (
            "bad cert",
            hand_made(
                replace(
                    p(),
                    33,
                    Some(cbor::encode_with(|e| {
                        e.array(1).bytes(b"junk");
                    })),
                ),
                c(),
                &[0xa0],
            ),
            "bad_certificate",
        ),
        (
            "kid not signer",
            hand_made(
                replace(
                    p(),
                    4,
                    Some(cbor::encode_with(|e| {
                        e.bytes(&[0; 8]);
                    })),
                ),
                c(),
                &[0xa0],
            ),
            "signer_not_first_in_chain",
        ),
        (
            "unprotected kid",
            hand_made(p(), c(), &[0xa1, 0x04, 0x42, 0x31, 0x32]),
            "unknown_header",
        ),
        (
            "unknown claim",
            hand_made(p(), replace(c(), 1, Some(text("iss"))), &[0xa0]),
            "unknown_claim",
        ),
        (
            "no sub",
            hand_made(p(), replace(c(), 2, None), &[0xa0]),
            "missing_claim",
        ),
        (
            "sub bytes",
            hand_made(
                p(),
                replace(
                    c(),
                    2,
                    Some(cbor::encode_with(|e| {
                        e.bytes(b"x");
                    })),
                ),
                &[0xa0],
            ),
            "bad_claim",
        ),
        (
            "no iat",
            hand_made(p(), replace(c(), 6, None), &[0xa0]),
            "missing_claim",
        ),
        (
            "no ttl",
            hand_made(p(), replace(c(), 65534, None), &[0xa0]),
            "missing_claim",
        ),
        (
            "ttl 0",
            hand_made(p(), replace(c(), 65534, Some(int(0))), &[0xa0]),
            "bad_claim",
        ),
        (
            "exp = iat",
            hand_made(p(), replace(c(), 4, Some(int(1_767_225_600))), &[0xa0]),
            "bad_claim",
        ),
        (
            "bits 1",
            hand_made(
                p(),
                replace(c(), 65533, Some(status_list_claim(&lst, 1))),
                &[0xa0],
            ),
            "wrong_bits",
        ),
        (
            "bits 3",
            hand_made(
                p(),
                replace(c(), 65533, Some(status_list_claim(&lst, 3))),
                &[0xa0],
            ),
            "bad_bits",
        ),
        (
            "small list",
            hand_made(
                p(),
                replace(
                    c(),
                    65533,
                    Some(status_list_claim(
                        &StatusList::new(1000).unwrap().compressed(),
                        4,
                    )),
                ),
                &[0xa0],
            ),
            "too_few_entries",
        ),
        (
            "not zlib",
            hand_made(
                p(),
                replace(c(), 65533, Some(status_list_claim(b"not zlib", 4))),
                &[0xa0],
            ),
            "decompress",
        ),
        (
            "aggregation_uri",
            hand_made(
                p(),
                replace(
                    c(),
                    65533,
                    Some(cbor::encode_with(|e| {
                        e.map_header(3)
                            .text("lst")
                            .bytes(&lst)
                            .text("bits")
                            .int(4)
                            .text("aggregation_uri")
                            .text("https://a");
                    })),
                ),
                &[0xa0],
            ),
            "unknown_claim",
        ),
        (
            "draft order",
            hand_made(
                p(),
                replace(
                    c(),
                    65533,
                    Some(cbor::encode_with(|e| {
                        e.map_header(2).text("bits").int(4).text("lst").bytes(&lst);
                    })),
                ),
                &[0xa0],
            ),
            "bad_cbor",
        ),
    ];
    for (name, bytes, want) in cases {
        assert_eq!(code(&bytes), want, "{name}");
    }

    let mut trailing = ok.clone();
    trailing.push(0);
    assert_eq!(code(&trailing), "bad_cbor");
    assert_eq!(code(&ok[..ok.len() - 1]), "bad_cbor");
    assert_eq!(
        SignedStatusList::from_slice(&vec![0; MAX_STATUS_TOKEN_LEN + 1]),
        Err(StatusListError::TooLarge {
            len: MAX_STATUS_TOKEN_LEN + 1,
            max: MAX_STATUS_TOKEN_LEN
        })
    );
    let mut short_signature = ok.clone();
    short_signature.truncate(ok.len() - 66);
    short_signature.extend_from_slice(&[0x58, 0x3f]);
    short_signature.extend_from_slice(&[0; 63]);
    assert_eq!(code(&short_signature), "signature_length");

    // The foreign reader takes what is only ours-by-policy.
    let es256 = hand_made(replace(p(), 1, Some(int(-7))), c(), &[0xa0]);
    assert_eq!(ForeignStatusList::from_slice(&es256).unwrap().alg(), -7);
    let small = hand_made(
        p(),
        replace(
            c(),
            65533,
            Some(status_list_claim(
                &StatusList::new(16).unwrap().compressed(),
                4,
            )),
        ),
        &[0xa0],
    );
    assert_eq!(
        ForeignStatusList::from_slice(&small).unwrap().list().len(),
        16
    );
    let crit = hand_made(
        replace(
            p(),
            2,
            Some(cbor::encode_with(|e| {
                e.array(1).int(99);
            })),
        ),
        c(),
        &[0xa0],
    );
    assert_eq!(
        ForeignStatusList::from_slice(&crit).unwrap_err().code(),
        "unknown_header"
    );
}

#[test]
fn every_error_has_a_distinct_code() {
    let errors = [
        StatusListError::TooLarge { len: 0, max: 0 },
        StatusListError::Cbor(CborError::Truncated { offset: 0 }),
        StatusListError::NotCoseSign1 {
            found: String::new(),
        },
        StatusListError::Structure { what: "" },
        StatusListError::WrongType {
            found: String::new(),
        },
        StatusListError::UnsupportedAlgorithm { found: 0 },
        StatusListError::MissingHeader { label: 0 },
        StatusListError::KeyIdLength { len: 0 },
        StatusListError::UnknownHeader {
            label: 0,
            protected: false,
        },
        StatusListError::SignatureLength { len: 0 },
        StatusListError::ChainLength { len: 0 },
        StatusListError::ChainCertificate {
            index: 0,
            source: CertError::Der(String::new()),
        },
        StatusListError::SignerNotFirstInChain {
            key_id: KeyId([0; 8]),
        },
        StatusListError::MissingClaim { claim: "" },
        StatusListError::BadClaim {
            claim: "",
            expected: "",
        },
        StatusListError::UnknownClaim {
            map: "",
            key: String::new(),
        },
        StatusListError::BadBits { found: 0 },
        StatusListError::WrongBits {
            found: 0,
            required: 0,
        },
        StatusListError::Decompress {
            reason: String::new(),
        },
        StatusListError::CompressedTrailingBytes { remaining: 0 },
        StatusListError::ListTooLarge { max: 0 },
        StatusListError::TooManyEntries { len: 0, max: 0 },
        StatusListError::TooFewEntries { len: 0, min: 0 },
        StatusListError::IndexOutOfRange { index: 0, len: 0 },
        StatusListError::UnregisteredValue { index: 0, value: 0 },
        StatusListError::ValueTooWide { value: 0, bits: 0 },
        StatusListError::BadSubject { reason: "" },
        StatusListError::BadTtl { ttl: 0 },
        StatusListError::BadExpiry {
            issued_at: at(0),
            expires: at(0),
        },
        StatusListError::Signer(SignError {
            reason: String::new(),
        }),
    ];
    let mut codes: Vec<&str> = errors.iter().map(StatusListError::code).collect();
    codes.sort_unstable();
    let len = codes.len();
    codes.dedup();
    assert_eq!(codes.len(), len);
}

#[test]
fn the_allocator_hands_out_every_index_once() {
    let mut rng = TestRng(7);
    for len in [0u32, 1, 63, 64, 65, 1000] {
        let mut allocator = IndexAllocator::new(len).unwrap();
        let mut seen = vec![false; len as usize];
        for _ in 0..len {
            let i = allocator.allocate(&mut rng).unwrap();
            assert!(!seen[i as usize], "{i} twice");
            seen[i as usize] = true;
        }
        assert_eq!(allocator.remaining(), 0);
        assert_eq!(allocator.allocate(&mut rng), None, "len {len}");
    }
}

#[test]
fn the_allocator_respects_marked_indices_and_is_bounded_when_nearly_full() {
    let mut rng = TestRng(11);
    let len = MIN_LIST_ENTRIES;
    let mut allocator = IndexAllocator::new(len).unwrap();
    for i in 0..len {
        if i != 4242 && i != len - 1 {
            assert!(allocator.mark_used(i).unwrap());
        }
    }
    assert!(!allocator.mark_used(5).unwrap(), "already used");
    assert_eq!(allocator.remaining(), 2);
    let start = std::time::Instant::now();
    let mut got = [
        allocator.allocate(&mut rng).unwrap(),
        allocator.allocate(&mut rng).unwrap(),
    ];
    got.sort_unstable();
    assert_eq!(got, [4242, len - 1]);
    assert_eq!(allocator.allocate(&mut rng), None);
    assert!(start.elapsed().as_secs() < 2);
    assert_eq!(
        allocator.mark_used(len),
        Err(StatusListError::IndexOutOfRange { index: len, len })
    );
    assert!(!allocator.is_used(len));
    assert_eq!(
        IndexAllocator::new(MAX_LIST_ENTRIES + 1)
            .unwrap_err()
            .code(),
        "too_many_entries"
    );
}

#[test]
fn allocated_indices_spread_over_the_list() {
    let mut rng = TestRng(3);
    let len = 1 << 20;
    let mut allocator = IndexAllocator::new(len).unwrap();
    let mut quarters = [0u32; 4];
    for _ in 0..4000 {
        let i = allocator.allocate(&mut rng).unwrap();
        quarters[(i / (len / 4)) as usize] += 1;
    }
    for q in quarters {
        assert!((850..1150).contains(&q), "{quarters:?}");
    }
}

/// The hand-made fuzz seeds (`fuzz/corpus/status_list/`) are what their
/// names say, and what the strict reader takes the lenient one takes too.
#[test]
fn fuzz_seeds_decode_as_named() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/status_list");
    let cases = [
        ("ours-2pow17.cwt", None),
        ("ours-bad-signature.cwt", None),
        ("ours-truncated.cwt", Some("bad_cbor")),
        ("ours-trailing.cwt", Some("bad_cbor")),
        ("ours-lst-bomb.cwt", Some("list_too_large")),
        ("ours-lst-trailing.cwt", Some("compressed_trailing_bytes")),
        ("ours-bits-1.cwt", Some("wrong_bits")),
        ("ours-kid-unprotected.cwt", Some("unknown_header")),
        ("draft-cwt-es256.cwt", Some("unsupported_algorithm")),
        ("licence.cose", Some("not_a_status_list")),
        ("seal-record.seal", Some("not_a_status_list")),
    ];
    for (name, want) in cases {
        let data = std::fs::read(dir.join(name)).unwrap();
        match (SignedStatusList::from_slice(&data), want) {
            (Ok(token), None) => {
                let foreign = ForeignStatusList::from_slice(&data).unwrap();
                assert_eq!(foreign.list(), token.list(), "{name}");
                let signer = *token.signer_chain()[0].public_key();
                assert_eq!(
                    token.verify_signature(&signer).is_ok(),
                    name == "ours-2pow17.cwt",
                    "{name}"
                );
            }
            (Err(e), Some(code)) => assert_eq!(e.code(), code, "{name}: {e}"),
            (other, _) => panic!("{name}: {other:?}"),
        }
    }
    assert!(
        ForeignStatusList::from_slice(&std::fs::read(dir.join("draft-cwt-es256.cwt")).unwrap())
            .is_ok()
    );
}
