#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

#[test]
fn block_lengths() {
    assert_eq!(
        (0..=8).map(digit_count).collect::<Vec<_>>(),
        [0, 3, 5, 8, 10, 13, 15, 17, 20]
    );
    assert_eq!(digit_count(169), 17 * 24 + 3);
}

#[test]
fn digits_round_trip_for_every_length_and_extreme_values() {
    for len in 0..=40 {
        for fill in [0x00u8, 0xff, 0x5a] {
            let bytes = vec![fill; len];
            let mut digits = String::new();
            push_digits(&mut digits, &bytes);
            assert_eq!(digits.len(), digit_count(len));
            assert_eq!(
                decode_digits(&digits).unwrap(),
                bytes,
                "len {len} fill {fill:#x}"
            );
        }
    }
    let mut digits = String::new();
    push_digits(&mut digits, &[0xff; 7]);
    assert_eq!(digits, "72057594037927935");
}

#[test]
fn digit_block_must_be_exact() {
    assert_eq!(decode_digits("1234"), Err(QrError::DigitCount { count: 4 }));
    // 256 does not fit in one byte.
    assert_eq!(
        decode_digits("256"),
        Err(QrError::BlockOutOfRange { index: 0 })
    );
    assert_eq!(decode_digits("255").unwrap(), [0xff]);
    // 2^56 does not fit in seven bytes.
    assert_eq!(
        decode_digits("72057594037927936"),
        Err(QrError::BlockOutOfRange { index: 0 })
    );
    assert_eq!(envelope_bytes("https://x/c/"), Err(QrError::NoDigits));
    assert_eq!(envelope_bytes(""), Err(QrError::NoDigits));
    assert_eq!(envelope_bytes("https://x/c/255 "), Err(QrError::NoDigits));
    assert_eq!(envelope_bytes("https://x/c/255").unwrap(), [0xff]);
    assert_eq!(envelope_bytes("任意/255").unwrap(), [0xff]);
    assert_eq!(envelope_bytes("255").unwrap(), [0xff]);
    assert!(matches!(
        envelope_bytes(&"1".repeat(20_000)),
        Err(QrError::TooLong { .. })
    ));
}

#[test]
fn base_urls_are_checked() {
    assert!(QrBase::new("https://verify.example.gov.cn/c/").is_ok());
    assert!(QrBase::new("HTTPS://V.EXAMPLE.CN/C/").is_ok());
    assert!(matches!(
        QrBase::new("https://x/c1"),
        Err(QrError::BadBase { .. })
    ));
    assert!(matches!(
        QrBase::new("https://x/ c/"),
        Err(QrError::BadBase { .. })
    ));
    assert!(matches!(
        QrBase::new("https://例子/"),
        Err(QrError::BadBase { .. })
    ));
    assert_eq!(QrBase::default().as_str(), DEFAULT_BASE);
}
