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
    let bad_digest = EXAMPLES[2].replacen(
        "\"status\"",
        "\"photo_sha256\": \"43f5201g8e5fc2ae6cbf5e681b34c963720f732db82b2c5ae9823e03486409d1\",\n  \"status\"",
        1,
    );
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

/// The market regulator of the demo, and another authority.
fn market() -> Issuer {
    Issuer::new(
        "北京市海淀区市场监督管理局",
        "11110108MB1234567C".parse().unwrap(),
    )
    .unwrap()
}

fn other_authority(i: u8) -> Issuer {
    let code = Uscc::with_computed_check(&format!("1111010{i}MB123456{i}")).unwrap();
    Issuer::new(&format!("示例联合发证机关{i}"), code).unwrap()
}

fn health_builder() -> LicenceBuilder {
    let l = Licence::from_json(EXAMPLES[2]).unwrap();
    Licence::builder(l.type_code().clone(), l.number())
        .holder(l.holder().clone())
        .issuer(l.issuer().clone())
        .issue_date(l.issue_date())
        .validity(l.valid_from(), l.valid_until())
}

#[test]
fn co_issuers_keep_their_order_and_are_absent_by_default() {
    assert!(driving().co_issuers().is_empty());
    let l = health_builder()
        .co_issuer(other_authority(3))
        .co_issuer(market())
        .build()
        .unwrap();
    assert_eq!(l.co_issuers(), [other_authority(3), market()]);
    let replaced = health_builder()
        .co_issuer(other_authority(3))
        .co_issuers(vec![market()])
        .build()
        .unwrap();
    assert_eq!(replaced.co_issuers(), [market()]);
    let eight = (0..MAX_CO_ISSUERS as u8).map(other_authority).collect();
    let l = health_builder().co_issuers(eight).build().unwrap();
    assert_eq!(l.co_issuers().len(), MAX_CO_ISSUERS);
}

#[test]
fn co_issuers_are_refused_when_repeated_the_issuer_or_too_many() {
    let issuer = Licence::from_json(EXAMPLES[2]).unwrap().issuer().clone();
    assert_eq!(
        health_builder().co_issuer(issuer.clone()).build(),
        Err(LicenceError::CoIssuerIsIssuer {
            index: 0,
            code: issuer.code().clone()
        })
    );
    // Same code under another name is still the issuer.
    let renamed = Issuer::new("另一个名称", issuer.code().clone()).unwrap();
    assert!(matches!(
        health_builder()
            .co_issuer(market())
            .co_issuer(renamed)
            .build(),
        Err(LicenceError::CoIssuerIsIssuer { index: 1, .. })
    ));
    let renamed_market = Issuer::new("海淀区市场监管局", market().code().clone()).unwrap();
    assert_eq!(
        health_builder()
            .co_issuer(market())
            .co_issuer(other_authority(1))
            .co_issuer(renamed_market)
            .build(),
        Err(LicenceError::DuplicateCoIssuer {
            index: 2,
            first: 0,
            code: market().code().clone()
        })
    );
    let nine = (0..=MAX_CO_ISSUERS as u8).map(other_authority).collect();
    assert_eq!(
        health_builder().co_issuers(nine).build(),
        Err(LicenceError::TooManyCoIssuers {
            max: MAX_CO_ISSUERS,
            found: MAX_CO_ISSUERS + 1
        })
    );
}

/// The health permit example with `co_issuers` added after the issuer.
fn health_json_with(co_issuers: &str) -> String {
    EXAMPLES[2].replacen(
        "\n  \"issue_date\"",
        &format!("\n  \"co_issuers\": {co_issuers},\n  \"issue_date\""),
        1,
    )
}

#[test]
fn co_issuers_round_trip_through_json() {
    let json = health_json_with(
        r#"[{ "name": "北京市海淀区市场监督管理局", "code": "11110108MB1234567C" },
            { "name": "示例联合发证机关3", "code": "CODE" }]"#
            .replace("CODE", other_authority(3).code().as_str())
            .as_str(),
    );
    let l = Licence::from_json(&json).unwrap();
    assert_eq!(l.co_issuers(), [market(), other_authority(3)]);
    assert_eq!(Licence::from_json(&l.to_json()).unwrap(), l);
    assert_eq!(
        l.to_json_value()["co_issuers"],
        serde_json::json!([
            { "name": "北京市海淀区市场监督管理局", "code": "11110108MB1234567C" },
            { "name": "示例联合发证机关3", "code": other_authority(3).code().as_str() },
        ])
    );
    // Printed after the issuer, in the order given.
    let printed = l.to_json();
    let at = |needle: &str| printed.find(needle).unwrap();
    assert!(at("\"issuer\"") < at("\"co_issuers\""));
    assert!(at("11110108MB1234567C") < at(other_authority(3).code().as_str()));
    // None: the key is left out, and an empty array reads as none.
    assert!(!driving().to_json().contains("co_issuers"));
    assert!(driving().to_json_value().get("co_issuers").is_none());
    let empty = Licence::from_json(&health_json_with("[]")).unwrap();
    assert_eq!(empty, Licence::from_json(EXAMPLES[2]).unwrap());
}

#[test]
fn co_issuer_json_errors_name_the_co_issuer() {
    let one = |name: &str, code: &str| {
        Licence::from_json(&health_json_with(&format!(
            r#"[{{ "name": "{name}", "code": "{code}" }}]"#
        )))
    };
    assert!(one(market().name(), market().code().as_str()).is_ok());
    assert!(matches!(
        one(market().name(), "11110108MB1234567D"),
        Err(LicenceError::Ident {
            field: Field::CoIssuerCode(0),
            ..
        })
    ));
    assert!(matches!(
        one(market().name(), "1111"),
        Err(LicenceError::Ident {
            field: Field::CoIssuerCode(0),
            ..
        })
    ));
    assert_eq!(
        one("", market().code().as_str()),
        Err(LicenceError::Empty {
            field: Field::CoIssuerName(0)
        })
    );
    assert_eq!(
        one(
            &"局".repeat(MAX_AUTHORITY_CHARS + 1),
            market().code().as_str()
        ),
        Err(LicenceError::TooLong {
            field: Field::CoIssuerName(0),
            max: MAX_AUTHORITY_CHARS,
            found: MAX_AUTHORITY_CHARS + 1
        })
    );
    assert!(matches!(
        one(market().name(), "11110105MB0234567T"),
        Err(LicenceError::CoIssuerIsIssuer { index: 0, .. })
    ));
    let unknown_key =
        health_json_with(r#"[{ "name": "局", "code": "11110108MB1234567C", "x": 1 }]"#);
    assert!(matches!(
        Licence::from_json(&unknown_key),
        Err(LicenceError::Json { .. })
    ));
    assert_eq!(Field::CoIssuerCode(2).to_string(), "code of co-issuer 2");
}

#[test]
fn a_type_name_is_checked_and_kept() {
    let named = Licence::from_json(EXAMPLES[2]).unwrap();
    assert_eq!(named.type_name(), Some("公共场所卫生许可证"));
    assert_eq!(Licence::from_json(&named.to_json()).unwrap(), named);
    assert_eq!(Licence::from_json(EXAMPLES[0]).unwrap().type_name(), None);
    let long = EXAMPLES[2].replace("公共场所卫生许可证", &"证".repeat(MAX_TYPE_NAME_CHARS + 1));
    assert_eq!(
        Licence::from_json(&long),
        Err(LicenceError::TooLong {
            field: Field::TypeName,
            max: MAX_TYPE_NAME_CHARS,
            found: MAX_TYPE_NAME_CHARS + 1
        })
    );
    let padded = EXAMPLES[2].replace("公共场所卫生许可证", " 卫生许可证");
    assert!(matches!(
        Licence::from_json(&padded),
        Err(LicenceError::BadCharacter {
            field: Field::TypeName,
            ..
        })
    ));
}

#[test]
fn the_masked_number_hides_a_persons_id_number_inside_the_licence_number() {
    // The driving licence's number is its holder's ID number.
    let driving = Licence::from_json(EXAMPLES[0]).unwrap();
    assert_eq!(driving.number(), "110108199003071238");
    assert_eq!(
        driving.masked_number(),
        driving.holder().document().masked()
    );
    assert!(!driving.masked_number().contains("19900307"));
    // An organisation's code is public: shown whole.
    let business = Licence::from_json(EXAMPLES[1]).unwrap();
    assert_eq!(business.masked_number(), business.number());
}
