#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

#[test]
fn integers_round_trip_in_shortest_form() {
    for n in [
        0i64,
        1,
        23,
        24,
        255,
        256,
        65535,
        65536,
        u32::MAX as i64,
        i64::MAX,
        -1,
        -24,
        -25,
        -256,
        -257,
        i64::MIN,
    ] {
        let bytes = encode_with(|e| {
            e.int(n);
        });
        assert_eq!(decode(&bytes).unwrap().as_i64(), Some(n), "{n}");
    }
    // RFC 8949 appendix A examples.
    assert_eq!(
        encode_with(|e| {
            e.int(-1000);
        }),
        hex("39 03e7")
    );
    assert_eq!(
        encode_with(|e| {
            e.int(1_000_000);
        }),
        hex("1a 000f4240")
    );
}

#[test]
fn non_shortest_forms_are_refused() {
    for bad in [
        "18 17",
        "19 00ff",
        "1a 0000ffff",
        "1b 00000000ffffffff",
        "38 00",
        "58 01 00",
        "79 0001 61",
        "98 01 00",
        "b8 01 00 00",
        "d8 01 00",
    ] {
        assert!(
            matches!(
                decode(&hex(bad)),
                Err(CborError::NonShortestInteger { offset: 0 })
            ),
            "{bad}"
        );
    }
}

#[test]
fn indefinite_reserved_and_floats_are_refused() {
    assert!(matches!(
        decode(&hex("5f 41 00 ff")),
        Err(CborError::IndefiniteLength { .. })
    ));
    assert!(matches!(
        decode(&hex("9f ff")),
        Err(CborError::IndefiniteLength { .. })
    ));
    assert!(matches!(
        decode(&hex("bf ff")),
        Err(CborError::IndefiniteLength { .. })
    ));
    assert!(matches!(
        decode(&hex("1c")),
        Err(CborError::ReservedAdditionalInfo { info: 28, .. })
    ));
    assert!(matches!(
        decode(&hex("f9 3c00")),
        Err(CborError::UnsupportedSimple { .. })
    ));
    assert!(matches!(
        decode(&hex("f7")),
        Err(CborError::UnsupportedSimple { .. })
    ));
    assert_eq!(decode(&hex("f5")).unwrap(), Value::Bool(true));
    assert_eq!(decode(&hex("f6")).unwrap(), Value::Null);
}

#[test]
fn maps_must_be_sorted_without_duplicates() {
    assert!(decode(&hex("a2 01 00 02 00")).is_ok());
    assert!(
        decode(&hex("a2 01 00 20 00")).is_ok(),
        "positive keys sort before negative"
    );
    assert!(matches!(
        decode(&hex("a2 02 00 01 00")),
        Err(CborError::UnsortedKeys { offset: 3 })
    ));
    assert!(matches!(
        decode(&hex("a2 01 00 01 00")),
        Err(CborError::DuplicateKey { offset: 3 })
    ));
    assert!(matches!(
        decode(&hex("a2 20 00 01 00")),
        Err(CborError::UnsortedKeys { .. })
    ));
}

#[test]
fn encoder_sorts_map_keys() {
    let bytes = encode_with(|e| {
        e.map(vec![(-1, vec![0x00]), (10, vec![0x01]), (1, vec![0x02])]);
    });
    assert_eq!(bytes, hex("a3 01 02 0a 01 20 00"));
    assert!(decode(&bytes).is_ok());
}

#[test]
fn truncation_trailing_bytes_and_bad_utf8() {
    assert!(matches!(
        decode(&hex("")),
        Err(CborError::Truncated { offset: 0 })
    ));
    assert!(matches!(
        decode(&hex("62 61")),
        Err(CborError::Truncated { .. })
    ));
    assert!(matches!(
        decode(&hex("1a 0000")),
        Err(CborError::Truncated { .. })
    ));
    assert!(matches!(
        decode(&hex("00 00")),
        Err(CborError::TrailingBytes {
            offset: 1,
            remaining: 1
        })
    ));
    assert!(matches!(
        decode(&hex("62 c3 28")),
        Err(CborError::InvalidUtf8 { .. })
    ));
}

#[test]
fn huge_declared_lengths_do_not_allocate() {
    // An array claiming 2^64-1 elements in 9 bytes must fail fast.
    assert!(matches!(
        decode(&hex("9b ffffffffffffffff")),
        Err(CborError::Truncated { .. })
    ));
    assert!(matches!(
        decode(&hex("bb ffffffffffffffff")),
        Err(CborError::Truncated { .. })
    ));
    assert!(matches!(
        decode(&hex("5b ffffffffffffffff")),
        Err(CborError::Truncated { .. })
    ));
}

#[test]
fn nesting_is_bounded() {
    let deep = vec![0x81u8; 64];
    assert!(matches!(
        decode(&deep),
        Err(CborError::TooDeep {
            limit: MAX_DEPTH,
            ..
        })
    ));
    let tags: Vec<u8> = std::iter::repeat_n(0xc1u8, 64).chain([0x00]).collect();
    assert!(matches!(decode(&tags), Err(CborError::TooDeep { .. })));
}
