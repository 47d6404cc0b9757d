#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

const EXAMPLES: [&str; 3] = [
    include_str!("../../examples/licences/driving-licence.json"),
    include_str!("../../examples/licences/business-licence.json"),
    include_str!("../../examples/licences/health-permit.json"),
];

fn driving() -> Licence {
    Licence::from_json(EXAMPLES[0]).unwrap()
}

#[test]
fn examples_parse_and_round_trip_through_json() {
    for json in EXAMPLES {
        let licence = Licence::from_json(json).unwrap();
        assert_eq!(Licence::from_json(&licence.to_json()).unwrap(), licence);
    }
}

#[test]
fn business_licence_identifier_is_rebuilt_from_its_parts() {
    let licence = Licence::from_json(EXAMPLES[1]).unwrap();
    let id = licence.identifier().unwrap();
    assert_eq!(id.type_code(), licence.type_code());
    assert_eq!(id.issuer(), licence.issuer().code());
    let text = id.to_string();
    assert!(
        text.starts_with(
            "1.2.156.3005.2.11100000000054321C001.11110108MB1234567C.20240000123.001."
        )
    );
    assert_eq!(text.parse::<LicenceIdentifier>().unwrap(), *id);
}

#[test]
fn holder_kinds_are_checked() {
    assert!(matches!(
        IdentityDocument::new(DocumentKind::ResidentIdentityCard, "110105194912310021"),
        Err(LicenceError::Ident {
            field: Field::HolderIdNumber,
            ..
        })
    ));
    assert!(matches!(
        IdentityDocument::new(DocumentKind::UnifiedSocialCreditCode, "91110108MA0123456H"),
        Err(LicenceError::Ident { .. })
    ));
    assert!(IdentityDocument::new(DocumentKind::Passport, "E12345678").is_ok());
    assert_eq!(
        IdentityDocument::new(DocumentKind::Passport, "e12345678"),
        Err(LicenceError::DocumentNumber {
            kind: DocumentKind::Passport
        })
    );
    assert_eq!(
        IdentityDocument::new(DocumentKind::Passport, "E12345678")
            .unwrap()
            .masked(),
        "E1*****78"
    );
    let id =
        IdentityDocument::new(DocumentKind::ResidentIdentityCard, "11010519491231002X").unwrap();
    assert_eq!(id.masked(), "110105********002X");
}

#[test]
fn text_is_bounded_and_printable() {
    let doc = || IdentityDocument::new(DocumentKind::Passport, "E1").unwrap();
    assert_eq!(
        Holder::new("", doc()),
        Err(LicenceError::Empty {
            field: Field::HolderName
        })
    );
    assert_eq!(
        Holder::new("张\n三", doc()),
        Err(LicenceError::BadCharacter {
            field: Field::HolderName,
            position: 1
        })
    );
    assert_eq!(
        Holder::new(" 张三", doc()),
        Err(LicenceError::BadCharacter {
            field: Field::HolderName,
            position: 0
        })
    );
    let long = "张".repeat(MAX_NAME_CHARS + 1);
    assert_eq!(
        Holder::new(&long, doc()),
        Err(LicenceError::TooLong {
            field: Field::HolderName,
            max: MAX_NAME_CHARS,
            found: MAX_NAME_CHARS + 1
        })
    );
    assert!(Holder::new(&"张".repeat(MAX_NAME_CHARS), doc()).is_ok());
}

#[test]
fn builder_reports_what_is_missing_or_wrong() {
    let l = driving();
    let base = || Licence::builder(l.type_code().clone(), l.number());
    assert_eq!(
        base().build(),
        Err(LicenceError::Missing {
            field: Field::HolderName
        })
    );
    let from: Date = "2024-05-06".parse().unwrap();
    let until: Date = "2024-05-05".parse().unwrap();
    let wrong_order = base()
        .holder(l.holder().clone())
        .issuer(l.issuer().clone())
        .issue_date(from)
        .validity(from, ValidUntil::Date(until))
        .build();
    assert_eq!(
        wrong_order,
        Err(LicenceError::ValidityOrder { from, until })
    );
    let one_day = base()
        .holder(l.holder().clone())
        .issuer(l.issuer().clone())
        .issue_date(from)
        .validity(from, ValidUntil::Date(from))
        .build();
    assert!(one_day.is_ok());
    let mut too_many = base()
        .holder(l.holder().clone())
        .issuer(l.issuer().clone())
        .issue_date(from)
        .validity(from, ValidUntil::LongTerm);
    for i in 0..=MAX_FACE_FIELDS {
        too_many = too_many.face_field("项", &i.to_string());
    }
    assert!(matches!(
        too_many.build(),
        Err(LicenceError::TooManyFaceFields { .. })
    ));
}

#[test]
fn json_errors_are_typed_and_located() {
    let unknown_field = EXAMPLES[0].replacen("\"number\"", "\"nmber\"", 1);
    assert!(matches!(
        Licence::from_json(&unknown_field),
        Err(LicenceError::Json { line: 3, .. })
    ));
    let bad_check = EXAMPLES[0].replace("111100000000213452", "111100000000213453");
    assert!(matches!(
        Licence::from_json(&bad_check),
        Err(LicenceError::Ident {
            field: Field::IssuerCode,
            ..
        })
    ));
    let bad_date = EXAMPLES[0].replace("2030-05-06", "2030-02-30");
    assert!(matches!(
        Licence::from_json(&bad_date),
        Err(LicenceError::Date {
            field: Field::ValidUntil,
            ..
        })
    ));
    let bad_digest = EXAMPLES[2].replace("43f52010", "43f5201g");
    assert_eq!(
        Licence::from_json(&bad_digest),
        Err(LicenceError::PhotoDigest)
    );
    for garbage in ["", "null", "[]", "{", "\u{0}", "{\"type_code\": 1}"] {
        assert!(
            matches!(Licence::from_json(garbage), Err(LicenceError::Json { .. })),
            "{garbage:?}"
        );
    }
}
