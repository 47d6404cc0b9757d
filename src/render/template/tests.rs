#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use serde_json::{Value, json};

use super::*;
use crate::ident::Uscc;

#[test]
fn every_built_in_template_parses() {
    for json in BUILT_IN.iter().chain([&GENERIC]) {
        if let Err(e) = Template::from_json(json) {
            panic!("{e}");
        }
    }
    assert_eq!(Template::built_in().len(), BUILT_IN.len());
}

// ---- helpers ----------------------------------------------------------------

/// The smallest template the parser accepts: a 100×60 mm page, a QR code and a seal.
fn minimal() -> Value {
    json!({
        "format": 1,
        "name": "t",
        "page": { "width_mm": 100, "height_mm": 60 },
        "qr": { "x": 60, "y": 10, "size": 30 },
        "seal": { "cx": 30, "cy": 40, "diameter_mm": 30 }
    })
}

/// A field that fits the minimal page.
fn field() -> Value {
    json!({ "source": "holder.name", "x": 5, "y": 10, "width": 40, "size_pt": 10 })
}

/// A text that fits the minimal page.
fn text() -> Value {
    json!({ "text": "电子证照", "x": 5, "y": 10, "size_pt": 10 })
}

fn parse(template: &Value) -> Result<Template, TemplateError> {
    Template::from_json(&serde_json::to_string_pretty(template).unwrap())
}

fn parse_err(template: &Value) -> TemplateError {
    match parse(template) {
        Ok(t) => panic!("accepted {template}: {t:?}"),
        Err(e) => e,
    }
}

/// The minimal template with one more top-level entry.
fn minimal_with(key: &str, value: Value) -> Value {
    let mut t = minimal();
    t[key] = value;
    t
}

/// The minimal template with one field whose `key` is `value`.
fn with_field(key: &str, value: Value) -> Value {
    let mut f = field();
    f[key] = value;
    minimal_with("fields", json!([f]))
}

/// Asserts `err` is `OutOfRange` for `element`/`what` with the given value
/// (as the error prints it), and that its message names all three.
#[track_caller]
fn assert_out_of_range(err: &TemplateError, element: &str, what: &str, value: &str) {
    match err {
        TemplateError::OutOfRange {
            element: e,
            what: w,
            value: v,
            ..
        } => {
            assert_eq!(
                (e.as_str(), *w, v.as_str()),
                (element, what, value),
                "{err}"
            );
        }
        other => panic!("expected OutOfRange for {element}.{what}, got {other:?}"),
    }
    let message = err.to_string();
    for part in [element, what, value] {
        assert!(message.contains(part), "{message:?} does not name {part:?}");
    }
}

#[track_caller]
fn assert_colour_error(err: &TemplateError, element: &str, value: &str) {
    assert_eq!(
        *err,
        TemplateError::Colour {
            element: element.into(),
            value: value.into()
        }
    );
    let message = err.to_string();
    assert!(
        message.contains(element) && message.contains(value),
        "{message}"
    );
}

/// A unique, empty directory under the system's temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "elicence-template-{}-{name}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---- JSON shape ---------------------------------------------------------------

#[test]
fn an_unknown_top_level_key_is_a_json_error_naming_it_and_where() {
    let json = "{\n  \"format\": 1,\n  \"nmae\": \"t\",\n  \"page\": { \"width_mm\": 100, \"height_mm\": 60 }\n}";
    let err = Template::from_json(json).unwrap_err();
    let TemplateError::Json {
        line,
        column,
        message,
    } = &err
    else {
        panic!("expected Json, got {err:?}");
    };
    assert_eq!(*line, 3, "{err}");
    // serde_json points just past the key: `  "nmae"` ends at column 8.
    assert_eq!(*column, 8, "{err}");
    assert!(message.contains("unknown field `nmae`"), "{message}");
    assert!(message.contains("`name`"), "lists the keys: {message}");
    assert!(err.to_string().contains("line 3"), "{err}");
}

#[test]
fn an_unknown_nested_key_is_a_json_error_naming_it() {
    let mut t = minimal();
    t["page"]["colour"] = json!("#FFFFFF");
    let json = serde_json::to_string_pretty(&t).unwrap();
    let err = Template::from_json(&json).unwrap_err();
    let TemplateError::Json { line, message, .. } = &err else {
        panic!("expected Json, got {err:?}");
    };
    let expected_line = json.lines().position(|l| l.contains("colour")).unwrap() + 1;
    assert_eq!(*line, expected_line, "{err}");
    assert!(message.contains("unknown field `colour`"), "{message}");
    assert!(message.contains("`background`"), "{message}");

    let err = parse_err(&with_field("colour_label", json!("#000000")));
    assert!(
        matches!(&err, TemplateError::Json { message, .. } if message.contains("`colour_label`")),
        "{err:?}"
    );
}

#[test]
fn missing_keys_and_wrong_types_are_json_errors() {
    let mut t = minimal();
    t.as_object_mut().unwrap().remove("seal");
    let err = parse_err(&t);
    assert!(
        matches!(&err, TemplateError::Json { message, .. } if message.contains("missing field `seal`")),
        "{err:?}"
    );
    let err = parse_err(&with_field("size_pt", json!("10")));
    assert!(matches!(err, TemplateError::Json { .. }), "{err:?}");
    let err = parse_err(&minimal_with("date_style", json!("roman")));
    assert!(matches!(err, TemplateError::Json { .. }), "{err:?}");
    let err = Template::from_json("").unwrap_err();
    assert!(
        matches!(err, TemplateError::Json { line: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn an_unknown_format_is_a_format_error() {
    for found in [0, 2, u32::MAX] {
        let err = parse_err(&minimal_with("format", json!(found)));
        assert_eq!(err, TemplateError::Format { found });
        assert!(err.to_string().contains(&found.to_string()), "{err}");
    }
    // Not a u32 at all: the JSON shape is wrong.
    let err = parse_err(&minimal_with("format", json!(-1)));
    assert!(matches!(err, TemplateError::Json { .. }), "{err:?}");
}

// ---- numbers ------------------------------------------------------------------

#[test]
fn nan_and_infinity_are_refused() {
    // JSON has no NaN: the literal is a syntax error.
    let json = serde_json::to_string(&minimal())
        .unwrap()
        .replace("\"width_mm\":100", "\"width_mm\":NaN");
    assert!(json.contains("NaN"));
    let err = Template::from_json(&json).unwrap_err();
    assert!(matches!(err, TemplateError::Json { .. }), "{err:?}");

    // 1e39 is a finite f64 but infinite as an f32: refused by the range check.
    let mut t = minimal();
    t["page"]["width_mm"] = json!(1e39);
    assert_out_of_range(&parse_err(&t), "page", "width_mm", "inf");
    let mut t = minimal();
    t["page"]["height_mm"] = json!(-1e39);
    assert_out_of_range(&parse_err(&t), "page", "height_mm", "-inf");

    // Beyond f64: serde_json's own error.
    let json = serde_json::to_string(&minimal())
        .unwrap()
        .replace("\"width_mm\":100", "\"width_mm\":1e400");
    let err = Template::from_json(&json).unwrap_err();
    assert!(
        matches!(&err, TemplateError::Json { message, .. } if message.contains("out of range")),
        "{err:?}"
    );
}

#[test]
fn the_page_must_be_20_to_1200_mm() {
    for (w, h, what, value) in [
        (19.5, 60.0, "width_mm", "19.5"),
        (1200.5, 60.0, "width_mm", "1200.5"),
        (100.0, 0.0, "height_mm", "0"),
        (100.0, -60.0, "height_mm", "-60"),
    ] {
        let mut t = minimal();
        t["page"] = json!({ "width_mm": w, "height_mm": h });
        assert_out_of_range(&parse_err(&t), "page", what, value);
    }
    let mut t = minimal();
    t["page"] = json!({ "width_mm": 1200, "height_mm": 1200 });
    assert_eq!(parse(&t).unwrap().width, 1200.0);
}

#[test]
fn negative_and_huge_sizes_name_the_element_and_property() {
    let err = parse_err(&minimal_with(
        "texts",
        json!([text(), { "text": "x", "x": 5, "y": 20, "size_pt": -5 }]),
    ));
    assert_out_of_range(&err, "texts[1]", "size_pt", "-5");
    assert_out_of_range(
        &parse_err(&with_field("size_pt", json!(97))),
        "fields[0]",
        "size_pt",
        "97",
    );
    assert_out_of_range(
        &parse_err(&with_field("label_width", json!(-1))),
        "fields[0]",
        "label_width",
        "-1",
    );
    let mut t = text();
    t["letter_spacing"] = json!(2.5);
    assert_out_of_range(
        &parse_err(&minimal_with("texts", json!([t]))),
        "texts[0]",
        "letter_spacing",
        "2.5",
    );
    let err = parse_err(&minimal_with(
        "shapes",
        json!([{ "x": 0, "y": 0, "width": 10, "height": 10, "stroke": "#000000", "stroke_mm": 1e6 }]),
    ));
    assert_out_of_range(&err, "shapes[0]", "stroke_mm", "1000000");
    let err = parse_err(&minimal_with(
        "shapes",
        json!([{ "x": 0, "y": 0, "width": 0, "height": 10, "fill": "#000000" }]),
    ));
    assert_out_of_range(&err, "shapes[0]", "width", "0");
}

#[test]
fn a_box_off_the_page_is_an_off_page_error_naming_it() {
    let fields =
        json!([field(), { "source": "number", "x": 90, "y": 20, "width": 40, "size_pt": 10 }]);
    let err = parse_err(&minimal_with("fields", fields));
    let TemplateError::OffPage {
        element,
        placement,
        page,
    } = &err
    else {
        panic!("expected OffPage, got {err:?}");
    };
    assert_eq!(
        (element.as_str(), page.as_str()),
        ("fields[1]", "100×60 mm")
    );
    // The box checked is the first line's: from the ascent above the baseline.
    assert!(
        placement.starts_with("(90, ") && placement.ends_with(" mm"),
        "{placement}"
    );
    let message = err.to_string();
    assert!(
        message.contains("fields[1]") && message.contains("100×60 mm"),
        "{message}"
    );

    // Negative coordinates, the last wrapped line below the page, a baseline
    // so high the text's ascent is above the page.
    let err = parse_err(&with_field("x", json!(-1)));
    assert!(
        matches!(&err, TemplateError::OffPage { element, .. } if element == "fields[0]"),
        "{err:?}"
    );
    let mut f = field();
    f["y"] = json!(50);
    f["max_lines"] = json!(5);
    let err = parse_err(&minimal_with("fields", json!([f])));
    assert!(
        matches!(&err, TemplateError::OffPage { element, .. } if element == "fields[0]"),
        "{err:?}"
    );
    let mut t = text();
    t["y"] = json!(1);
    let err = parse_err(&minimal_with("texts", json!([t])));
    assert!(
        matches!(&err, TemplateError::OffPage { element, .. } if element == "texts[0]"),
        "{err:?}"
    );

    let err = parse_err(&minimal_with(
        "photo",
        json!({ "x": 80, "y": 10, "width": 30, "height": 40 }),
    ));
    assert!(
        matches!(&err, TemplateError::OffPage { element, .. } if element == "photo"),
        "{err:?}"
    );
    let err = parse_err(&minimal_with("qr", json!({ "x": 80, "y": 10, "size": 30 })));
    assert!(
        matches!(&err, TemplateError::OffPage { element, .. } if element == "qr"),
        "{err:?}"
    );
    let err = parse_err(&minimal_with(
        "shapes",
        json!([{ "x": 0, "y": 50, "width": 10, "height": 11, "fill": "#000000" }]),
    ));
    assert!(
        matches!(&err, TemplateError::OffPage { element, .. } if element == "shapes[0]"),
        "{err:?}"
    );
    let err = parse_err(&minimal_with(
        "face_list",
        json!({ "x": 5, "y": 20, "label_width": 20, "width": 40, "bottom": 70, "size_pt": 10 }),
    ));
    assert!(
        matches!(&err, TemplateError::OffPage { element, .. } if element == "face_list"),
        "{err:?}"
    );
}

#[test]
fn a_box_that_exactly_fills_the_page_is_accepted() {
    let t = minimal_with(
        "shapes",
        json!([{ "x": 0, "y": 0, "width": 100, "height": 60, "stroke": "#000000" }]),
    );
    let shape = &parse(&t).unwrap().shapes[0];
    assert_eq!(
        shape.rect,
        Rect {
            x: 0.0,
            y: 0.0,
            width: 100.0,
            height: 60.0
        }
    );
    assert_eq!(shape.stroke_mm, 0.3, "default stroke width");
}

#[test]
fn the_seal_diameter_is_20_to_60_mm_and_its_centre_on_the_page() {
    for bad in [19.9, 60.1, 0.0, -30.0] {
        let mut t = minimal();
        t["seal"]["diameter_mm"] = json!(bad);
        assert_out_of_range(
            &parse_err(&t),
            "seal",
            "diameter_mm",
            &(bad as f32).to_string(),
        );
    }
    for good in [20.0, 60.0] {
        let mut t = minimal();
        t["seal"]["diameter_mm"] = json!(good);
        assert_eq!(parse(&t).unwrap().seal.diameter, good);
    }
    let mut t = minimal();
    t["seal"]["cx"] = json!(100.5);
    assert_out_of_range(&parse_err(&t), "seal", "cx", "100.5");
    let mut t = minimal();
    t["seal"]["cy"] = json!(-0.5);
    assert_out_of_range(&parse_err(&t), "seal", "cy", "-0.5");
    // The seal may overhang the edge as long as its centre is on the page.
    let mut t = minimal();
    t["seal"] = json!({ "cx": 100, "cy": 60, "diameter_mm": 60 });
    assert!(parse(&t).is_ok());
}

#[test]
fn the_qr_size_is_10_to_200_mm() {
    for bad in [9.9, 200.5, 0.0, -30.0] {
        let mut t = minimal();
        t["page"] = json!({ "width_mm": 300, "height_mm": 300 });
        t["qr"] = json!({ "x": 0, "y": 0, "size": bad });
        assert_out_of_range(&parse_err(&t), "qr", "size", &(bad as f32).to_string());
    }
    let mut t = minimal();
    t["page"] = json!({ "width_mm": 300, "height_mm": 300 });
    t["qr"] = json!({ "x": 0, "y": 0, "size": 200 });
    assert_eq!(parse(&t).unwrap().qr.width, 200.0);
}

#[test]
fn max_lines_is_1_to_20() {
    assert_out_of_range(
        &parse_err(&with_field("max_lines", json!(0))),
        "fields[0]",
        "max_lines",
        "0",
    );
    let mut t = with_field("max_lines", json!(21));
    t["page"]["height_mm"] = json!(600);
    assert_out_of_range(&parse_err(&t), "fields[0]", "max_lines", "21");
    let mut t = with_field("max_lines", json!(20));
    t["page"]["height_mm"] = json!(600);
    assert_eq!(parse(&t).unwrap().fields[0].max_lines, 20);
    // Beyond u8: the JSON shape is wrong.
    let err = parse_err(&with_field("max_lines", json!(256)));
    assert!(matches!(err, TemplateError::Json { .. }), "{err:?}");
}

// ---- colours, sources, texts, type codes ----------------------------------------

#[test]
fn a_colour_that_is_not_rrggbb_is_a_colour_error() {
    for bad in [
        "#12345",
        "red",
        "#GGGGGG",
        "#1234567",
        "123456",
        "",
        "#+12345",
        "#１２３４５６",
    ] {
        let mut t = minimal();
        t["page"]["background"] = json!(bad);
        assert_colour_error(&parse_err(&t), "page", bad);
        assert_colour_error(
            &parse_err(&with_field("label_colour", json!(bad))),
            "fields[0]",
            bad,
        );
        let err = parse_err(&minimal_with(
            "shapes",
            json!([{ "x": 0, "y": 0, "width": 10, "height": 10, "fill": "#000000", "stroke": bad }]),
        ));
        assert_colour_error(&err, "shapes[0]", bad);
    }
    let mut t = text();
    t["colour"] = json!("#a0141E");
    let t = parse(&minimal_with("texts", json!([t]))).unwrap();
    assert_eq!(
        t.texts[0].colour,
        Colour {
            r: 0xa0,
            g: 0x14,
            b: 0x1e
        }
    );
}

#[test]
fn an_unknown_source_is_a_source_error() {
    for bad in ["holder.nmae", "face:", "Holder.name", "", "face:\u{7}"] {
        let err = parse_err(&with_field("source", json!(bad)));
        assert_eq!(
            err,
            TemplateError::Source {
                element: "fields[0]".into(),
                value: bad.into()
            }
        );
        assert!(err.to_string().contains("fields[0]"), "{err}");
    }
    let t = parse(&with_field("source", json!("face:准驾车型"))).unwrap();
    assert_eq!(t.fields[0].source, Source::Face("准驾车型".into()));
    assert_eq!(t.fields[0].source.name(), "face:准驾车型");
    for name in [
        "holder.name",
        "holder.document",
        "number",
        "identifier",
        "issuer.name",
        "issuer.code",
        "issue_date",
        "valid_from",
        "valid_until",
        "validity",
    ] {
        let t = parse(&with_field("source", json!(name))).unwrap();
        assert_eq!(t.fields[0].source.name(), name, "names round-trip");
    }
}

#[test]
fn more_than_64_elements_is_too_many() {
    let texts: Vec<Value> = (0..65).map(|_| text()).collect();
    let err = parse_err(&minimal_with("texts", json!(texts)));
    assert_eq!(
        err,
        TemplateError::TooMany {
            element: "texts",
            count: 65
        }
    );
    assert!(err.to_string().contains("65"), "{err}");
    let texts: Vec<Value> = (0..64).map(|_| text()).collect();
    assert_eq!(
        parse(&minimal_with("texts", json!(texts)))
            .unwrap()
            .texts
            .len(),
        64
    );

    let fields: Vec<Value> = (0..65).map(|_| field()).collect();
    let err = parse_err(&minimal_with("fields", json!(fields)));
    assert_eq!(
        err,
        TemplateError::TooMany {
            element: "fields",
            count: 65
        }
    );
    let shape = json!({ "x": 0, "y": 0, "width": 1, "height": 1, "fill": "#000000" });
    let err = parse_err(&minimal_with("shapes", json!(vec![shape; 65])));
    assert_eq!(
        err,
        TemplateError::TooMany {
            element: "shapes",
            count: 65
        }
    );
}

#[test]
fn empty_long_or_control_character_text_is_a_text_error() {
    for bad in [
        String::new(),
        "a\u{7}b".into(),
        "两行\n文字".into(),
        "x".repeat(201),
    ] {
        let mut t = text();
        t["text"] = json!(bad);
        let err = parse_err(&minimal_with("texts", json!([text(), t])));
        assert_eq!(
            err,
            TemplateError::Text {
                element: "texts[1]".into()
            }
        );
        assert!(err.to_string().contains("texts[1]"), "{err}");
        assert_eq!(
            parse_err(&minimal_with("name", json!(bad))),
            TemplateError::Text {
                element: "name".into()
            }
        );
        assert_eq!(
            parse_err(&with_field("label", json!(bad))),
            TemplateError::Text {
                element: "fields[0]".into()
            }
        );
        let mut t = minimal();
        t["seal"]["purpose"] = json!(bad);
        assert_eq!(
            parse_err(&t),
            TemplateError::Text {
                element: "seal.purpose".into()
            }
        );
    }
    // 200 characters (not bytes) is the limit.
    let mut t = text();
    t["text"] = json!("证".repeat(200));
    assert!(parse(&minimal_with("texts", json!([t]))).is_ok());
}

#[test]
fn a_bad_type_code_in_applies_to_is_a_type_code_error() {
    for bad in [
        "",
        "123",
        "11100000000033333W00",
        "11100000000033333X002",
        "11100000000033333W00A",
    ] {
        let err = parse_err(&minimal_with(
            "applies_to",
            json!(["11100000000033333W002", bad]),
        ));
        assert_eq!(err, TemplateError::TypeCode { value: bad.into() });
        assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
    }
    let codes: Vec<String> = (0..65)
        .map(|n| format!("11100000000033333W{n:03}"))
        .collect();
    assert_eq!(
        parse_err(&minimal_with("applies_to", json!(codes))),
        TemplateError::TooMany {
            element: "applies_to",
            count: 65
        }
    );
}

#[test]
fn oversize_input_is_too_large_before_parsing() {
    let json = serde_json::to_string(&minimal()).unwrap();
    let padded = format!("{json}{}", " ".repeat(MAX_TEMPLATE_LEN - json.len()));
    assert_eq!(padded.len(), MAX_TEMPLATE_LEN);
    assert!(Template::from_json(&padded).is_ok());
    let over = format!("{padded} ");
    assert_eq!(
        Template::from_json(&over).unwrap_err(),
        TemplateError::TooLarge {
            len: MAX_TEMPLATE_LEN + 1
        }
    );
    // Not even looked at: garbage is TooLarge, not Json.
    let garbage = "x".repeat(MAX_TEMPLATE_LEN * 2);
    assert_eq!(
        Template::from_json(&garbage).unwrap_err(),
        TemplateError::TooLarge {
            len: MAX_TEMPLATE_LEN * 2
        }
    );

    let dir = temp_dir("too-large");
    let path = dir.join("big.json");
    std::fs::write(&path, &over).unwrap();
    assert_eq!(
        Template::from_path(&path).unwrap_err(),
        TemplateError::TooLarge {
            len: MAX_TEMPLATE_LEN + 1
        }
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- what an accepted template holds ------------------------------------------

#[test]
fn a_minimal_template_gets_the_defaults() {
    let mut t = minimal_with("fields", json!([field()]));
    t["texts"] = json!([text()]);
    let t = parse(&t).unwrap();
    assert_eq!(t.name, "t");
    assert!(t.applies_to.is_empty());
    assert_eq!((t.width, t.height), (100.0, 60.0));
    assert_eq!(t.background, Colour::WHITE);
    assert_eq!(t.background_png, None);
    assert_eq!(t.date_style, DateStyle::Chinese);
    assert!(t.shapes.is_empty());
    assert_eq!((&t.face_list, &t.photo), (&None, &None));
    assert_eq!(
        t.qr,
        Rect {
            x: 60.0,
            y: 10.0,
            width: 30.0,
            height: 30.0
        }
    );
    assert_eq!(
        t.seal,
        SealPlace {
            cx: 30.0,
            cy: 40.0,
            diameter: 30.0,
            purpose: None
        }
    );

    let f = &t.fields[0];
    assert_eq!(f.source, Source::HolderName);
    assert_eq!(f.label, None);
    assert_eq!(f.label_width, 0.0);
    assert_eq!(f.max_lines, 1);
    assert_eq!(f.align, Align::Left);
    assert_eq!((f.colour, f.label_colour), (Colour::BLACK, Colour::BLACK));
    assert!(!f.optional);

    let text = &t.texts[0];
    assert_eq!(text.text, "电子证照");
    assert_eq!(text.width, 95.0, "defaults to the rest of the page");
    assert_eq!(text.align, Align::Left);
    assert_eq!(text.colour, Colour::BLACK);
    assert_eq!(text.letter_spacing, 0.0);
}

#[test]
fn explicit_values_are_kept() {
    let mut t = minimal_with("date_style", json!("iso"));
    t["page"]["background"] = json!("#F4F8FB");
    t["fields"] = json!([{
        "source": "face:地址", "label": "地址", "x": 5, "y": 10, "label_width": 13,
        "width": 40, "size_pt": 9, "max_lines": 3, "align": "right", "optional": true,
        "colour": "#A0141E", "label_colour": "#4A6785"
    }]);
    t["seal"]["purpose"] = json!("行政审批专用章");
    let t = parse(&t).unwrap();
    assert_eq!(t.date_style, DateStyle::Iso);
    assert_eq!(
        t.background,
        Colour {
            r: 0xf4,
            g: 0xf8,
            b: 0xfb
        }
    );
    let f = &t.fields[0];
    assert_eq!(f.label.as_deref(), Some("地址"));
    assert_eq!((f.label_width, f.width, f.max_lines), (13.0, 40.0, 3));
    assert_eq!(f.align, Align::Right);
    assert!(f.optional);
    assert_eq!(t.seal.purpose.as_deref(), Some("行政审批专用章"));
}

#[test]
fn parsing_is_deterministic() {
    for json in BUILT_IN.iter().chain([&GENERIC]) {
        assert_eq!(Template::from_json(json), Template::from_json(json));
    }
}

// ---- files --------------------------------------------------------------------

#[test]
fn from_path_loads_the_background_image_next_to_the_template() {
    let dir = temp_dir("background");
    std::fs::create_dir_all(dir.join("img")).unwrap();
    // from_path only reads the bytes; decoding is the renderer's business.
    let bytes = b"\x89PNG\r\n\x1a\n not really".to_vec();
    std::fs::write(dir.join("img/bg.png"), &bytes).unwrap();
    let mut t = minimal();
    t["page"]["background_image"] = json!("img/bg.png");
    let path = dir.join("t.json");
    std::fs::write(&path, serde_json::to_string(&t).unwrap()).unwrap();

    let loaded = Template::from_path(&path).unwrap();
    assert_eq!(loaded.background_png.as_deref(), Some(&bytes[..]));
    // from_json does not touch the file system.
    assert_eq!(
        Template::from_json(&std::fs::read_to_string(&path).unwrap())
            .unwrap()
            .background_png,
        None
    );
    // Apart from the image, the same template.
    assert_eq!(
        Template {
            background_png: None,
            ..loaded
        },
        parse(&t).unwrap()
    );

    // Relative to the template's directory, not the working directory.
    let other = temp_dir("background-elsewhere");
    std::fs::copy(&path, other.join("t.json")).unwrap();
    let err = Template::from_path(&other.join("t.json")).unwrap_err();
    let TemplateError::Background { path: p, reason } = &err else {
        panic!("expected Background, got {err:?}");
    };
    assert_eq!(p, "img/bg.png");
    assert!(!reason.is_empty());
    assert!(err.to_string().contains("img/bg.png"), "{err}");

    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&other).unwrap();
}

#[test]
fn from_path_reports_a_missing_template_and_parse_errors() {
    let dir = temp_dir("missing");
    let err = Template::from_path(&dir.join("nope.json")).unwrap_err();
    assert!(
        matches!(&err, TemplateError::Json { line: 0, column: 0, message } if message.contains("nope.json")),
        "{err:?}"
    );
    let path = dir.join("bad.json");
    std::fs::write(
        &path,
        serde_json::to_string(&with_field("source", json!("holder.nmae"))).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        Template::from_path(&path).unwrap_err(),
        TemplateError::Source { .. }
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- choosing a template by type ---------------------------------------------------

/// The type codes of the example licences, with the template each should get.
fn example_codes() -> Vec<(LicenceTypeCode, &'static str)> {
    [
        (
            include_str!("../../../examples/licences/driving-licence.json"),
            "driving-licence",
        ),
        (
            include_str!("../../../examples/licences/business-licence.json"),
            "business-licence",
        ),
        (
            include_str!("../../../examples/licences/health-permit.json"),
            "health-permit",
        ),
    ]
    .into_iter()
    .map(|(json, name)| {
        let licence: Value = serde_json::from_str(json).unwrap();
        let code = licence["type_code"].as_str().unwrap().parse().unwrap();
        (code, name)
    })
    .collect()
}

#[test]
fn for_type_picks_the_template_listing_the_code_else_the_generic_one() {
    let set = TemplateSet::default();
    let codes = example_codes();
    for (code, name) in &codes {
        let t = set.for_type(code);
        assert_eq!(t.name, *name, "{code}");
        assert!(t.applies_to.contains(code));
    }
    // Same ministry, another sequence number: no template lists it.
    let health = &codes[2].0;
    let unknown = LicenceTypeCode::new(health.ministry().clone(), "999").unwrap();
    assert_eq!(unknown.as_str(), "11100000000033333W999");
    assert_eq!(set.for_type(&unknown).name, "generic");
    assert_eq!(*set.for_type(&unknown), Template::generic());
    // Another ministry altogether.
    let ministry = Uscc::with_computed_check("11100000000044444").unwrap();
    let other = LicenceTypeCode::new(ministry, "001").unwrap();
    assert_eq!(set.for_type(&other).name, "generic");

    let generic = TemplateSet::generic_only();
    for (code, _) in &codes {
        assert_eq!(generic.for_type(code).name, "generic");
    }
}

#[test]
fn a_pushed_template_comes_before_the_built_in_ones() {
    let codes = example_codes();
    let (driving, health) = (&codes[0].0, &codes[2].0);
    let custom = |name: &str| {
        let mut t = minimal_with("applies_to", json!([driving.as_str()]));
        t["name"] = json!(name);
        parse(&t).unwrap()
    };
    let mut set = TemplateSet::default();
    set.push(custom("custom"));
    assert_eq!(set.for_type(driving).name, "custom");
    assert_eq!(
        set.for_type(health).name,
        "health-permit",
        "others untouched"
    );
    set.push(custom("newer"));
    assert_eq!(set.for_type(driving).name, "newer", "the latest push wins");

    // A pushed template listing no type never applies.
    let mut set = TemplateSet::generic_only();
    set.push(parse(&minimal()).unwrap());
    assert_eq!(set.for_type(driving).name, "generic");
}

#[test]
fn a_value_column_narrower_than_1_mm_is_refused() {
    let mut t = minimal();
    let mut f = field();
    f["width"] = json!(-9.9);
    f["label_width"] = json!(10);
    t["fields"] = json!([f]);
    assert!(matches!(
        parse_err(&t),
        TemplateError::OutOfRange { what: "width", .. }
    ));
    let mut t = minimal();
    t["face_list"] =
        json!({"x": 0, "y": 20, "label_width": -20, "width": 60, "bottom": 40, "size_pt": 10});
    assert!(matches!(
        parse_err(&t),
        TemplateError::OutOfRange {
            what: "label_width",
            ..
        }
    ));
}

#[test]
fn a_text_starting_off_the_page_names_its_x() {
    let mut t = minimal();
    let mut x = text();
    x["x"] = json!(120);
    t["texts"] = json!([x]);
    assert!(matches!(
        parse_err(&t),
        TemplateError::OutOfRange { what: "x", .. }
    ));
}

#[test]
fn a_newer_format_is_named_even_with_keys_this_parser_does_not_know() {
    let mut t = minimal();
    t["format"] = json!(2);
    t["new_key"] = json!(true);
    assert_eq!(parse_err(&t), TemplateError::Format { found: 2 });
}

#[test]
fn json_messages_do_not_repeat_the_position() {
    let mut t = minimal();
    t["surprise"] = json!(1);
    let TemplateError::Json { message, line, .. } = parse_err(&t) else {
        panic!("not a JSON error");
    };
    assert!(line > 0);
    assert!(message.contains("surprise"), "{message}");
    assert!(!message.contains(" at line "), "{message}");
}

#[test]
fn a_background_image_must_stay_beside_the_template() {
    for path in ["/etc/passwd", "../secret.png", "a/../../b.png"] {
        let mut t = minimal();
        t["page"]["background_image"] = json!(path);
        assert!(
            matches!(parse_err(&t), TemplateError::Background { .. }),
            "{path}"
        );
    }
    let mut t = minimal();
    t["page"]["background_image"] = json!("images/bg.png");
    parse(&t).unwrap();
}
