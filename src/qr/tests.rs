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

#[test]
fn base_urls_must_be_https_with_a_host() {
    let reason = |base: &str| match QrBase::new(base) {
        Err(QrError::BadBase { reason, .. }) => Some(reason),
        Ok(_) => None,
        Err(e) => panic!("{base}: {e}"),
    };
    for good in [
        "https://scan.test/v/",
        "https://verify.example.gov.cn",
        "https://verify.example.gov.cn:8443/c/",
        "https://[2001:db8::1]/c/",
        "https://v.example.cn/c?code=",
        "https://v.example.cn/c#",
    ] {
        assert_eq!(reason(good), None, "{good}");
    }
    for (bad, why) in [
        ("http://verify.example.gov.cn/c/", BadBaseReason::NotHttps),
        ("ftp://verify.example.gov.cn/c/", BadBaseReason::NotHttps),
        ("verify.example.gov.cn/c/", BadBaseReason::NotHttps),
        ("", BadBaseReason::NotHttps),
        ("https:/x/", BadBaseReason::NotHttps),
        ("https://", BadBaseReason::NoHost),
        ("https:///c/", BadBaseReason::NoHost),
        ("https://:443/c/", BadBaseReason::NoHost),
        ("https://[]/c/", BadBaseReason::NoHost),
        ("https://user@evil.example/c/", BadBaseReason::UserInfo),
        ("https://x/c1", BadBaseReason::EndsInDigit),
        ("https://x/ c/", BadBaseReason::NotPrintableAscii),
        ("https://例子/", BadBaseReason::NotPrintableAscii),
    ] {
        assert_eq!(reason(bad), Some(why), "{bad}");
    }
    let long = format!("https://x/{}/", "a".repeat(MAX_BASE_LEN));
    assert_eq!(reason(&long), Some(BadBaseReason::TooLong));
    // The reason is in the message a caller shows.
    let e = QrBase::new("http://x/c/").unwrap_err();
    assert_eq!(
        e.to_string(),
        "base URL \"http://x/c/\": must start with https://"
    );
}

#[test]
fn the_example_base_is_told_apart() {
    assert!(QrBase::default().is_example());
    assert!(QrBase::new(DEFAULT_BASE).unwrap().is_example());
    assert!(
        QrBase::new("HTTPS://Verify.Example.Gov.CN:443/other/")
            .unwrap()
            .is_example()
    );
    assert!(!QrBase::new("https://scan.test/v/").unwrap().is_example());
    assert!(
        !QrBase::new("https://verify.example.gov.cn.evil.test/c/")
            .unwrap()
            .is_example()
    );
}
