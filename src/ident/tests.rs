#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

const USCC_VALID: [&str; 3] = [
    "91110000600037341L",
    "11100000000013338W",
    "11430000006122244L",
];
const RESIDENT_VALID: [&str; 2] = ["11010519491231002X", "360426199101010071"];
const LICENCE_ID: &str =
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U";

/// Characters to substitute: every alphabet character plus troublemakers.
fn substitutes() -> Vec<char> {
    let mut v: Vec<char> = ALNUM_ALPHABET.iter().map(|&b| char::from(b)).collect();
    v.extend([
        'a', 'x', 'l', 'u', '.', '-', ' ', '\0', '中', '😀', 'Ｘ', '１',
    ]);
    v
}

fn substitute(s: &str, position: usize, c: char) -> String {
    s.chars()
        .enumerate()
        .map(|(i, o)| if i == position { c } else { o })
        .collect()
}

fn assert_every_substitution_rejected<T: FromStr<Err = IdentError> + fmt::Debug>(s: &str) {
    assert_substitutions_rejected::<T>(s, s.chars().count());
}

/// Only the first `checked` characters are covered by a check character.
fn assert_substitutions_rejected<T: FromStr<Err = IdentError> + fmt::Debug>(
    s: &str,
    checked: usize,
) {
    for position in 0..checked {
        let original = s.chars().nth(position).unwrap();
        for c in substitutes() {
            if c == original {
                continue;
            }
            let changed = substitute(s, position, c);
            assert!(
                changed.parse::<T>().is_err(),
                "{changed:?} accepted (position {position}, {c:?})"
            );
        }
    }
}

#[test]
fn uscc_known_codes() {
    for code in USCC_VALID {
        let u: Uscc = code.parse().unwrap();
        assert_eq!(u.as_str(), code);
        assert_eq!(u.to_string(), code);
        let (first17, last) = split_last_char(code).unwrap();
        assert_eq!(uscc_check_char(first17).unwrap(), last);
        assert_eq!(Uscc::with_computed_check(first17).unwrap(), u);
    }
}

#[test]
fn uscc_substitutions_rejected() {
    for code in USCC_VALID {
        assert_every_substitution_rejected::<Uscc>(code);
    }
}

#[test]
fn uscc_letter_prefixes_accepted() {
    // python-stdnum rejects non-digits in the first eight characters; GB
    // 32100 does not, so neither do we.
    for first17 in [
        "Y1110000MA0000001",
        "A1110000MA0000001",
        "N2440300MA5ABCDEF",
        "ABCDEFGHJKLMNPQRT",
        "YYYYYYYYYYYYYYYYY",
    ] {
        let check = uscc_check_char(first17).unwrap();
        let code = format!("{first17}{check}");
        let u: Uscc = code.parse().unwrap();
        assert_eq!(u.as_str(), code);
    }
}

#[test]
fn uscc_errors() {
    assert_eq!(
        "".parse::<Uscc>(),
        Err(IdentError::Length {
            kind: IdentKind::Uscc,
            expected: 18,
            found: 0
        })
    );
    assert_eq!(
        "91110000600037341L0".parse::<Uscc>(),
        Err(IdentError::Length {
            kind: IdentKind::Uscc,
            expected: 18,
            found: 19
        })
    );
    assert_eq!(
        "91110000600037341M".parse::<Uscc>(),
        Err(IdentError::CheckChar {
            kind: IdentKind::Uscc,
            expected: 'L',
            found: 'M'
        })
    );
    assert_eq!(
        "91110000600037341l".parse::<Uscc>(),
        Err(IdentError::Lowercase {
            kind: IdentKind::Uscc,
            position: 18,
            found: 'l'
        })
    );
    assert_eq!(
        "9111000060003734IL".parse::<Uscc>(),
        Err(IdentError::InvalidChar {
            kind: IdentKind::Uscc,
            position: 17,
            found: 'I'
        })
    );
    // 18 CJK characters: the right length in characters, 54 bytes.
    assert_eq!(
        "统一社会信用代码统一社会信用代码统一".parse::<Uscc>(),
        Err(IdentError::InvalidChar {
            kind: IdentKind::Uscc,
            position: 1,
            found: '统'
        })
    );
    assert_eq!(
        "9111000060003734😀L".parse::<Uscc>(),
        Err(IdentError::InvalidChar {
            kind: IdentKind::Uscc,
            position: 17,
            found: '😀'
        })
    );
    assert!("9111000060003734".parse::<Uscc>().is_err());
    assert!(uscc_check_char("").is_err());
    assert!(uscc_check_char("911100006000373415").is_err());
    assert!(uscc_check_char("9111000060003734中").is_err());
    let long = "9".repeat(100_000);
    assert!(long.parse::<Uscc>().is_err());
}

#[test]
fn resident_known_numbers() {
    for number in RESIDENT_VALID {
        let id: ResidentId = number.parse().unwrap();
        assert_eq!(id.as_str(), number);
        assert_eq!(id.to_string(), number);
        let (first17, last) = split_last_char(number).unwrap();
        assert_eq!(resident_id_check_char(first17).unwrap(), last);
    }
    let id: ResidentId = "11010519491231002X".parse().unwrap();
    assert_eq!(id.birth_date(), Date::new(1949, 12, 31).unwrap());
    assert_eq!(id.area_code(), "110105");
    assert_eq!(id.masked(), "110105********002X");
    assert_eq!(format!("{id:?}"), "ResidentId(\"110105********002X\")");
    let id: ResidentId = "360426199101010071".parse().unwrap();
    assert_eq!(id.birth_date(), Date::new(1991, 1, 1).unwrap());
    assert_eq!(id.masked(), "360426********0071");
}

#[test]
fn resident_substitutions_rejected() {
    for number in RESIDENT_VALID {
        assert_every_substitution_rejected::<ResidentId>(number);
    }
}

fn resident(first17: &str) -> String {
    format!("{first17}{}", resident_id_check_char(first17).unwrap())
}

#[test]
fn resident_birth_dates() {
    assert!(resident("11010520240229001").parse::<ResidentId>().is_ok());
    for bad in [
        "19490230", "20230229", "19491301", "19490100", "17991231", "00000101",
    ] {
        let number = resident(&format!("110105{bad}001"));
        assert_eq!(
            number.parse::<ResidentId>(),
            Err(IdentError::BirthDate {
                digits: bad.to_owned()
            }),
            "{number}"
        );
    }
    assert!(resident("11010518000101001").parse::<ResidentId>().is_ok());
}

#[test]
fn resident_errors() {
    assert_eq!(
        "11010519491231002x".parse::<ResidentId>(),
        Err(IdentError::Lowercase {
            kind: IdentKind::ResidentId,
            position: 18,
            found: 'x'
        })
    );
    assert_eq!(
        "110105194912310021".parse::<ResidentId>(),
        Err(IdentError::CheckChar {
            kind: IdentKind::ResidentId,
            expected: 'X',
            found: '1'
        })
    );
    assert_eq!(
        resident("00000019491231002").parse::<ResidentId>(),
        Err(IdentError::AreaCode {
            found: "000000".to_owned()
        })
    );
    assert_eq!(
        "1101051949123100X2".parse::<ResidentId>(),
        Err(IdentError::InvalidChar {
            kind: IdentKind::ResidentId,
            position: 17,
            found: 'X'
        })
    );
    assert!(matches!(
        "".parse::<ResidentId>(),
        Err(IdentError::Length { found: 0, .. })
    ));
    assert!(matches!(
        "１１０１０５１９４９１２３１００２X".parse::<ResidentId>(),
        Err(IdentError::InvalidChar { position: 1, .. })
    ));
    assert!(matches!(
        "11010519491231002X😀".parse::<ResidentId>(),
        Err(IdentError::Length { found: 19, .. })
    ));
    assert!(matches!(
        "11010519491231002😀".parse::<ResidentId>(),
        Err(IdentError::InvalidChar { position: 18, .. })
    ));
    assert!(resident_id_check_char("1101051949123100").is_err());
}

#[test]
fn type_code() {
    let t: LicenceTypeCode = "11100000000013338W011".parse().unwrap();
    assert_eq!(t.as_str(), "11100000000013338W011");
    assert_eq!(t.ministry().as_str(), "11100000000013338W");
    assert_eq!(t.sequence(), "011");
    assert_eq!(t.to_string(), "11100000000013338W011");
    assert_eq!(
        LicenceTypeCode::new(t.ministry().clone(), "011").unwrap(),
        t
    );
    assert!(matches!(
        "11100000000013338X011".parse::<LicenceTypeCode>(),
        Err(IdentError::CheckChar {
            kind: IdentKind::Uscc,
            ..
        })
    ));
    assert_eq!(
        "11100000000013338W01A".parse::<LicenceTypeCode>(),
        Err(IdentError::InvalidChar {
            kind: IdentKind::LicenceTypeCode,
            position: 21,
            found: 'A'
        })
    );
    assert!(matches!(
        "11100000000013338W01".parse::<LicenceTypeCode>(),
        Err(IdentError::Length {
            kind: IdentKind::LicenceTypeCode,
            expected: 21,
            found: 20
        })
    ));
    assert!("11100000000013338W01中".parse::<LicenceTypeCode>().is_err());
    assert!(
        "中中中中中中中中中中中中中中中中中中中中中"
            .parse::<LicenceTypeCode>()
            .is_err()
    );
    // The sequence digits carry no check of their own; the ministry code does.
    assert_substitutions_rejected::<LicenceTypeCode>("11100000000013338W011", 18);
}

#[test]
fn mod37_36_known() {
    assert_eq!(
        mod37_36_check_char("11100000000013338W01111430000006122244L20230000403001").unwrap(),
        'U'
    );
    assert_eq!(
        mod37_36_check_char("ab"),
        Err(IdentError::Lowercase {
            kind: IdentKind::LicenceIdentifier,
            position: 1,
            found: 'a'
        })
    );
    assert!(mod37_36_check_char("1.2").is_err());
    assert!(mod37_36_check_char("中").is_err());
    // Appending the check must satisfy the ISO 7064 hybrid system property.
    for input in ["", "0", "Z", "ABC123", "11100000000013338W011"] {
        let check = mod37_36_check_char(input).unwrap();
        let full = format!("{input}{check}");
        let p = full
            .chars()
            .take(full.chars().count() - 1)
            .map(|c| alphabet_value(ALNUM_ALPHABET, c).unwrap())
            .fold(36, mod37_36_step);
        let v = alphabet_value(ALNUM_ALPHABET, check).unwrap();
        assert_eq!((p + v) % 36, 1, "{full}");
    }
}

#[test]
fn licence_identifier_known() {
    let id: LicenceIdentifier = LICENCE_ID.parse().unwrap();
    assert_eq!(id.check_char(), 'U');
    assert_eq!(id.to_string(), LICENCE_ID);
    assert_eq!(id.type_code().as_str(), "11100000000013338W011");
    assert_eq!(id.issuer().as_str(), "11430000006122244L");
    assert_eq!(id.serial().as_str(), "20230000403");
    assert_eq!(id.version().number(), 1);
    assert_eq!(id.version().to_string(), "001");

    let built = LicenceIdentifier::new(
        "11100000000013338W011".parse().unwrap(),
        "11430000006122244L".parse().unwrap(),
        "20230000403",
        "001",
    )
    .unwrap();
    assert_eq!(built, id);
    assert_eq!(built.check_char(), 'U');
}

#[test]
fn licence_identifier_substitutions_rejected() {
    assert_every_substitution_rejected::<LicenceIdentifier>(LICENCE_ID);
}

#[test]
fn licence_identifier_serial_shapes() {
    let type_code: LicenceTypeCode = "11100000000013338W011".parse().unwrap();
    let issuer: Uscc = "11430000006122244L".parse().unwrap();
    for serial in [
        "1",
        "2023000040",
        "ABCDEFGHIJ0123456789",
        "0123456789ABCDEF0123456789ABCDEF",
    ] {
        let id = LicenceIdentifier::new(type_code.clone(), issuer.clone(), serial, "999").unwrap();
        let text = id.to_string();
        assert_eq!(text.parse::<LicenceIdentifier>().unwrap(), id);
        assert_every_substitution_rejected::<LicenceIdentifier>(&text);
    }
    let new = |serial: &str, version: &str| {
        LicenceIdentifier::new(type_code.clone(), issuer.clone(), serial, version)
    };
    assert_eq!(new("", "001"), Err(IdentError::SerialLength { found: 0 }));
    assert_eq!(
        new(&"A".repeat(33), "001"),
        Err(IdentError::SerialLength { found: 33 })
    );
    assert_eq!(
        new("abc", "001"),
        Err(IdentError::Lowercase {
            kind: IdentKind::Serial,
            position: 1,
            found: 'a'
        })
    );
    assert!(matches!(
        new("证照", "001"),
        Err(IdentError::InvalidChar {
            kind: IdentKind::Serial,
            position: 1,
            ..
        })
    ));
    assert!(matches!(
        new("1", "01"),
        Err(IdentError::Length {
            kind: IdentKind::Version,
            expected: 3,
            found: 2
        })
    ));
    assert!(matches!(
        new("1", "0A1"),
        Err(IdentError::InvalidChar {
            kind: IdentKind::Version,
            position: 2,
            ..
        })
    ));
    assert!(new("1", "１２３").is_err());
    assert_eq!(Version::new(999).unwrap().to_string(), "999");
    assert_eq!(Version::new(7).unwrap().to_string(), "007");
    assert_eq!(
        Version::new(1000),
        Err(IdentError::VersionRange { found: 1000 })
    );
}

#[test]
fn licence_identifier_errors() {
    let parse = |s: &str| s.parse::<LicenceIdentifier>();
    assert_eq!(
        parse(&LICENCE_ID.replace(".U", ".V")),
        Err(IdentError::CheckChar {
            kind: IdentKind::LicenceIdentifier,
            expected: 'U',
            found: 'V'
        })
    );
    assert_eq!(
        parse(&LICENCE_ID.replace(".U", ".u")),
        Err(IdentError::Lowercase {
            kind: IdentKind::LicenceIdentifier,
            position: LICENCE_ID.len(),
            found: 'u'
        })
    );
    assert_eq!(
        parse(&LICENCE_ID.replace(".U", ".UU")),
        Err(IdentError::CheckLength { found: 2 })
    );
    assert_eq!(
        parse(&LICENCE_ID.replace(".U", ".")),
        Err(IdentError::CheckLength { found: 0 })
    );
    assert_eq!(
        parse(&LICENCE_ID.replacen("1.2.156.3005.2", "1.2.156.3005.3", 1)),
        Err(IdentError::Root {
            found: "1.2.156.3005.3".to_owned()
        })
    );
    assert_eq!(
        parse(&LICENCE_ID.replacen("1.2.156.3005.2.", "", 1)),
        Err(IdentError::Root {
            found: "11100000000013338W011.11430000006122244L.20230000403.001.U".to_owned()
        })
    );
    assert_eq!(
        parse(""),
        Err(IdentError::Root {
            found: String::new()
        })
    );
    assert_eq!(
        parse("1.2.156.3005.2"),
        Err(IdentError::Segments { found: 5 })
    );
    assert_eq!(
        parse(&format!("{LICENCE_ID}.X")),
        Err(IdentError::Segments { found: 11 })
    );
    assert_eq!(
        parse(&LICENCE_ID.replace(".001.U", ".U")),
        Err(IdentError::Segments { found: 9 })
    );
    assert_eq!(
        parse(&format!(" {LICENCE_ID}")),
        Err(IdentError::Root {
            found: " 1.2.156.3005.2".to_owned()
        })
    );
    assert!(parse(&format!("{LICENCE_ID} ")).is_err());
    assert!(parse(&LICENCE_ID.replace(".001.", ".1.")).is_err());
    assert!(parse(&LICENCE_ID.replace(".001.", "..")).is_err());
    assert!(parse(&LICENCE_ID.replace(".U", ".证")).is_err());
    assert!(parse(&LICENCE_ID.replace(".U", ".😀")).is_err());
    assert!(parse("1.2.156.3005.2.证.照.标.识.码").is_err());
    assert!(parse(&".".repeat(10_000)).is_err());
    match parse(&"9".repeat(10_000)) {
        Err(IdentError::Root { found }) => assert_eq!(found.chars().count(), 64),
        other => panic!("{other:?}"),
    }
    // Type code must contain a valid ministry code.
    assert!(matches!(
        parse(&LICENCE_ID.replace("11100000000013338W011", "11100000000013338X011")),
        Err(IdentError::CheckChar {
            kind: IdentKind::Uscc,
            ..
        })
    ));
}

#[test]
fn error_messages() {
    let e = "11010519491231002x".parse::<ResidentId>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "resident identity number: lower-case 'x' at position 18; only upper-case is accepted"
    );
    let e = "91110000600037341M".parse::<Uscc>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "unified social credit code: wrong check character (expected 'L', found 'M')"
    );
}

#[test]
fn serde_round_trips() {
    let uscc: Uscc = USCC_VALID[0].parse().unwrap();
    let json = serde_json::to_string(&uscc).unwrap();
    assert_eq!(json, format!("\"{}\"", USCC_VALID[0]));
    assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), uscc);
    assert!(serde_json::from_str::<Uscc>("\"91110000600037341M\"").is_err());
    assert!(serde_json::from_str::<Uscc>("91110000").is_err());

    let rid: ResidentId = RESIDENT_VALID[0].parse().unwrap();
    let json = serde_json::to_string(&rid).unwrap();
    assert_eq!(json, format!("\"{}\"", RESIDENT_VALID[0]));
    assert_eq!(serde_json::from_str::<ResidentId>(&json).unwrap(), rid);
    assert!(serde_json::from_str::<ResidentId>("\"11010519491231002x\"").is_err());

    let id: LicenceIdentifier = LICENCE_ID.parse().unwrap();
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, format!("\"{LICENCE_ID}\""));
    assert_eq!(
        serde_json::from_str::<LicenceIdentifier>(&json).unwrap(),
        id
    );
    let bad = format!("\"{}\"", LICENCE_ID.replace(".U", ".V"));
    let err = serde_json::from_str::<LicenceIdentifier>(&bad).unwrap_err();
    assert!(err.to_string().contains("expected 'U'"), "{err}");

    let t = id.type_code().clone();
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(serde_json::from_str::<LicenceTypeCode>(&json).unwrap(), t);
    let v = id.version();
    assert_eq!(serde_json::to_string(&v).unwrap(), "\"001\"");
    assert_eq!(serde_json::from_str::<Version>("\"001\"").unwrap(), v);
    assert!(serde_json::from_str::<Version>("1").is_err());
    let s = id.serial().clone();
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<Serial>(&json).unwrap(), s);
    // Owned strings (e.g. from serde_json::Value) take the same path.
    let from_value: LicenceIdentifier =
        serde_json::from_value(serde_json::Value::String(LICENCE_ID.to_owned())).unwrap();
    assert_eq!(from_value, id);
}
