#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

#[cfg(feature = "embedded-font")]
mod with_font {
    use super::*;

    fn set() -> FontSet {
        FontSet::embedded().unwrap()
    }

    /// 10 pt is 3.53 mm an em, and CJK characters advance one em.
    const EM_10PT: f32 = 10.0 * MM_PER_PT;

    #[test]
    fn cjk_breaks_between_any_two_characters() {
        let lines = wrap(
            &set().faces(),
            "北京市海淀区中关村大街",
            EM_10PT * 4.0 + 0.01,
            10.0,
        );
        assert_eq!(lines, ["北京市海", "淀区中关", "村大街"]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        let lines = wrap(&set().faces(), "技术开发。软件", EM_10PT * 4.0 + 0.01, 10.0);
        assert_eq!(lines, ["技术开发。", "软件"]);
    }

    #[test]
    fn ascii_words_are_kept_whole_when_they_fit() {
        let text = "代码 91110108MA0123456G";
        let lines = wrap(&set().faces(), text, EM_10PT * 12.0, 10.0);
        assert_eq!(lines, ["代码", "91110108MA0123456G"]);
        // A word longer than the line is broken by character rather than overflowing.
        let narrow = wrap(&set().faces(), "91110108MA0123456G", EM_10PT * 3.0, 10.0);
        assert!(narrow.len() > 1);
        assert_eq!(narrow.concat(), "91110108MA0123456G");
    }

    #[test]
    fn text_shrinks_before_it_overflows() {
        let set = set();
        let f = set.faces();
        // Five characters in four ems: fits once the size drops to 80 %.
        let lines = wrap_to_fit(&f, "一二三四五", "x", EM_10PT * 4.0 + 0.01, 10.0, 1).unwrap();
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].1 < 10.0 && lines[0].1 >= 6.0 - 1e-3,
            "{}",
            lines[0].1
        );
        // Ten characters in four ems needs 40 %, below the 60 % floor.
        let err = wrap_to_fit(&f, "一二三四五六七八九十", "x", EM_10PT * 4.0, 10.0, 1).unwrap_err();
        assert_eq!(
            err,
            RenderError::Overflow {
                field: "x".into(),
                lines_needed: 2,
                lines_allowed: 1,
                width_mm: EM_10PT * 4.0,
            }
        );
    }

    #[test]
    fn centred_text_is_centred_without_trailing_spacing() {
        let set = set();
        let f = set.faces();
        let runs = f.runs("证照", "t").unwrap();
        let line = place_line(
            &f,
            runs,
            0.0,
            100.0,
            10.0,
            10.0,
            Colour::BLACK,
            1.0,
            Align::Centre,
        );
        // Two ems plus one gap of 1 mm, centred in 100 mm.
        let width = 2.0 * EM_10PT + 1.0;
        assert!((line.runs[0].x - (100.0 - width) / 2.0).abs() < 1e-3);
    }
}

#[test]
fn values_are_written_in_the_template_date_style() {
    let json = include_str!("../../../examples/licences/business-licence.json");
    let licence = Licence::from_json(json).unwrap();
    assert_eq!(
        value(&licence, &Source::Validity, DateStyle::Chinese).unwrap(),
        "2020年01月15日 至 长期"
    );
    assert_eq!(
        value(&licence, &Source::ValidFrom, DateStyle::Iso).unwrap(),
        "2020-01-15"
    );
    assert_eq!(
        value(&licence, &Source::Face("法定代表人".into()), DateStyle::Iso).unwrap(),
        "李华"
    );
    assert_eq!(
        value(&licence, &Source::Face("不存在".into()), DateStyle::Iso),
        None
    );
}

#[test]
fn face_dates_take_the_template_style_and_other_values_stay_as_signed() {
    assert_eq!(
        normalise_date("2020-01-15", DateStyle::Chinese),
        "2020年01月15日"
    );
    assert_eq!(normalise_date("2020年1月5日", DateStyle::Iso), "2020-01-05");
    assert_eq!(
        normalise_date("2020年01月15日", DateStyle::Chinese),
        "2020年01月15日"
    );
    for kept in [
        "2020年13月01日",
        "约2020-01-15",
        "2020-01-15 起",
        "20年01月15日",
        "C1",
    ] {
        assert_eq!(normalise_date(kept, DateStyle::Iso), kept);
    }
}

#[test]
fn areas_overlap_only_by_more_than_a_hairline() {
    let a = Area::Box {
        x0: 0.0,
        y0: 0.0,
        x1: 10.0,
        y1: 10.0,
    };
    let touching = Area::Box {
        x0: 10.0,
        y0: 0.0,
        x1: 20.0,
        y1: 10.0,
    };
    let inside = Area::Box {
        x0: 9.0,
        y0: 9.0,
        x1: 20.0,
        y1: 20.0,
    };
    assert!(!a.overlaps(&touching));
    assert!(a.overlaps(&inside) && inside.overlaps(&a));
    // A circle beside a box's corner: its bounding square overlaps, it does not.
    let circle = Area::Circle {
        cx: 14.0,
        cy: 14.0,
        r: 5.0,
    };
    assert!(!a.overlaps(&circle) && !circle.overlaps(&a));
    let nearer = Area::Circle {
        cx: 13.0,
        cy: 13.0,
        r: 5.0,
    };
    assert!(a.overlaps(&nearer) && nearer.overlaps(&a));
}

/// Every template, filled with the longest values that fit, lays out with
/// no box over another: what the layout engine checks, checked again here
/// from the items it hands the back ends.
#[cfg(feature = "embedded-font")]
mod longest_values {
    use super::*;
    use crate::render::template::Template;
    use serde_json::{Value, json};

    const PHOTO: &[u8] = include_bytes!("../../../examples/photos/driving-licence.png");
    const FOOD: &str = include_str!("../../../examples/templates/food-business-licence.json");
    const BASE: &str = include_str!("../../../examples/licences/food-business-licence.json");

    fn templates() -> Vec<Template> {
        let mut all = Template::built_in();
        all.push(Template::generic());
        all.push(Template::from_json(FOOD).unwrap());
        all
    }

    /// Where a template's variable values go in the licence JSON, with the
    /// licence's own limit on each.
    fn slots(template: &Template) -> Vec<(Source, usize)> {
        let mut slots = vec![
            (Source::HolderName, 64),
            (Source::Number, crate::licence::MAX_NUMBER_CHARS),
            (Source::IssuerName, 64),
            (Source::TypeName, crate::licence::MAX_TYPE_NAME_CHARS),
            (Source::CoIssuerName(0), 64),
        ];
        for field in &template.fields {
            if let Source::Face(_) = field.source {
                slots.push((field.source.clone(), crate::licence::MAX_VALUE_CHARS));
            }
        }
        if template.face_list.is_some() {
            // Two list entries with long labels, as the generic layout gets them.
            for label in ["日常监督管理机构", "法定代表人（负责人）"] {
                slots.push((
                    Source::Face(label.to_owned()),
                    crate::licence::MAX_VALUE_CHARS,
                ));
            }
        }
        slots
    }

    fn set(licence: &mut Value, source: &Source, value: &str) {
        match source {
            Source::HolderName => licence["holder"]["name"] = json!(value),
            Source::Number => licence["number"] = json!(value),
            Source::IssuerName => licence["issuer"]["name"] = json!(value),
            Source::TypeName => licence["type_name"] = json!(value),
            Source::CoIssuerName(_) => {
                licence["co_issuers"] = json!([{ "name": value, "code": "11110105MB12345684" }]);
            }
            Source::Face(label) => {
                let face = licence["face"].as_array_mut().unwrap();
                face.retain(|f| f["label"] != *label);
                face.push(json!({ "label": label, "value": value }));
            }
            other => panic!("not a variable slot: {other:?}"),
        }
    }

    fn lay(licence: &Value, template: &Template, fonts: &FontSet) -> Result<Scene, RenderError> {
        let licence = Licence::from_json(&licence.to_string()).unwrap();
        let photo = licence.photo_sha256().map(|_| PHOTO);
        lay_out(&licence, template, fonts, photo)
    }

    /// The licence with each slot in turn grown to the longest value that
    /// still fits (binary search on the number of characters).
    fn longest(template: &Template, fonts: &FontSet) -> Value {
        let mut licence: Value = serde_json::from_str(BASE).unwrap();
        licence["face"] = json!([]);
        if template.photo.is_some() {
            let digest: String = <sha2::Sha256 as sha2::Digest>::digest(PHOTO)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            licence["photo_sha256"] = json!(digest);
        }
        let slots = slots(template);
        for (source, _) in &slots {
            set(&mut licence, source, "国");
        }
        for (source, max) in &slots {
            let name = source.name();
            let fits = |n: usize, licence: &mut Value| {
                set(licence, source, &"国".repeat(n));
                !matches!(lay(licence, template, fonts),
                    Err(RenderError::Overflow { ref field, .. }) if *field == name)
            };
            let (mut lo, mut hi) = (1, *max);
            while lo < hi {
                let mid = (lo + hi).div_ceil(2);
                if fits(mid, &mut licence) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            if lo == 1 && !fits(1, &mut licence) {
                // A face-list entry with no room left: the list is full.
                let Source::Face(label) = source else {
                    panic!("{}: {name} does not fit at all", template.name);
                };
                let face = licence["face"].as_array_mut().unwrap();
                face.retain(|f| f["label"] != *label.as_str());
                continue;
            }
            set(&mut licence, source, &"国".repeat(lo));
        }
        licence
    }

    fn text_box(fonts: &Faces<'_>, line: &Line) -> [f32; 4] {
        let em = line.size_pt * MM_PER_PT;
        let first = line.runs.first().unwrap();
        let last = line.runs.last().unwrap();
        let run = Run {
            font: last.font,
            text: last.text.clone(),
        };
        let end = last.x + run_width(fonts, &run, line.size_pt, line.letter_spacing)
            - line.letter_spacing;
        [
            first.x,
            line.baseline - em * 0.88,
            end,
            line.baseline + em * 0.12,
        ]
    }

    fn overlap(a: [f32; 4], b: [f32; 4]) -> bool {
        a[0].max(b[0]) + 0.05 < a[2].min(b[2]) && a[1].max(b[1]) + 0.05 < a[3].min(b[3])
    }

    #[test]
    fn no_box_overlaps_another_with_the_longest_values_that_fit() {
        let fonts = FontSet::embedded().unwrap();
        for template in templates() {
            let licence = longest(&template, &fonts);
            let scene = lay(&licence, &template, &fonts)
                .unwrap_or_else(|e| panic!("{}: {e}\n{licence:#}", template.name));
            let faces = fonts.faces();
            let mut boxes: Vec<(String, [f32; 4])> = Vec::new();
            for item in &scene.items {
                match item {
                    Item::Text(line) => {
                        let text: String = line.runs.iter().map(|r| r.text.as_str()).collect();
                        boxes.push((text, text_box(&faces, line)));
                    }
                    Item::Photo(r) | Item::Qr(r) => boxes.push((
                        format!("{item:?}"),
                        [r.x, r.y, r.x + r.width, r.y + r.height],
                    )),
                    Item::Rect { .. } | Item::Seal(_) => {}
                }
            }
            for (i, (a, box_a)) in boxes.iter().enumerate() {
                // Everything inside the page.
                assert!(
                    box_a[0] >= -0.01
                        && box_a[2] <= template.width + 0.01
                        && box_a[1] >= -0.01
                        && box_a[3] <= template.height + 0.01,
                    "{}: {a} leaves the page at {box_a:?}",
                    template.name
                );
                for (b, box_b) in boxes.iter().skip(i + 1) {
                    assert!(
                        !overlap(*box_a, *box_b),
                        "{}: {a} {box_a:?} overlaps {b} {box_b:?}",
                        template.name
                    );
                }
            }
            // And the seal covers no QR code or photo.
            let seal = &template.seal;
            for item in &scene.items {
                if let Item::Photo(r) | Item::Qr(r) = item {
                    let dx = seal.cx - seal.cx.clamp(r.x, r.x + r.width);
                    let dy = seal.cy - seal.cy.clamp(r.y, r.y + r.height);
                    assert!(
                        (dx * dx + dy * dy).sqrt() >= seal.diameter / 2.0 - 0.05,
                        "{}: the seal covers {item:?}",
                        template.name
                    );
                }
            }
        }
    }

    #[test]
    fn one_character_more_than_fits_is_an_overflow_not_an_overlap() {
        let fonts = FontSet::embedded().unwrap();
        for template in templates() {
            let licence = longest(&template, &fonts);
            for (source, max) in slots(&template) {
                let mut longer = licence.clone();
                let current = match &source {
                    Source::HolderName => licence["holder"]["name"].as_str(),
                    Source::Number => licence["number"].as_str(),
                    Source::IssuerName => licence["issuer"]["name"].as_str(),
                    Source::TypeName => licence["type_name"].as_str(),
                    Source::CoIssuerName(_) => licence["co_issuers"][0]["name"].as_str(),
                    Source::Face(label) => licence["face"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|f| f["label"] == *label)
                        .and_then(|f| f["value"].as_str()),
                    _ => None,
                }
                .map_or(0, |value| value.chars().count());
                if current == 0 {
                    continue;
                }
                if current >= max {
                    continue;
                }
                set(&mut longer, &source, &"国".repeat(current + 1));
                match lay(&longer, &template, &fonts) {
                    Err(RenderError::Overflow { .. }) => {}
                    // A value the template does not show, or shows in
                    // full, can grow without harm.
                    Ok(_) => {}
                    Err(other) => panic!("{} {}: {other}", template.name, source.name()),
                }
            }
        }
    }
}

#[cfg(feature = "embedded-font")]
mod overlaps {
    use super::*;
    use crate::render::template::Template;

    const DRIVING: &str = include_str!("../../../examples/licences/driving-licence.json");

    fn lay(template: &str) -> Result<Scene, RenderError> {
        let licence = Licence::from_json(DRIVING).unwrap();
        let template = Template::from_json(template).unwrap();
        lay_out(&licence, &template, &FontSet::embedded().unwrap(), None)
    }

    fn overlap(template: &str) -> (String, String) {
        match lay(template) {
            Err(RenderError::Overlap { first, second, .. }) => (first, second),
            other => panic!("{other:?}"),
        }
    }

    const PAGE: &str = r#""format":1,"name":"t","page":{"width_mm":150,"height_mm":100}"#;

    #[test]
    fn a_value_under_the_qr_code_is_refused() {
        let t = format!(
            r#"{{{PAGE},"fields":[{{"source":"holder.name","x":10,"y":20,"width":60,"size_pt":10}},
                {{"source":"face:准驾车型","x":10,"y":30,"width":60,"size_pt":10}}],
                "qr":{{"x":12,"y":10,"size":12}},"seal":{{"cx":120,"cy":70,"diameter_mm":20}}}}"#
        );
        assert_eq!(overlap(&t), ("holder.name".into(), "qr".into()));
    }

    #[test]
    fn a_label_longer_than_its_column_wraps_and_is_refused_if_it_runs_into_the_next_field() {
        // A 4-character label in a 9 mm column wraps to two lines…
        let t = format!(
            r#"{{{PAGE},"fields":[{{"source":"holder.name","label":"持证主体","x":10,"y":20,"label_width":9,"width":60,"size_pt":10}},
                {{"source":"face:准驾车型","label":"准驾车型","x":10,"y":40,"label_width":9,"width":60,"size_pt":10}}],
                "qr":{{"x":100,"y":10,"size":30}},"seal":{{"cx":120,"cy":75,"diameter_mm":20}}}}"#
        );
        let scene = lay(&t).unwrap();
        let labels = scene
            .items
            .iter()
            .filter(|i| matches!(i, Item::Text(l) if l.runs.iter().any(|r| r.text.contains('持') || r.text.contains('主'))))
            .count();
        assert_eq!(labels, 2, "the label wrapped in its column");
        // …and into the field below when that is one line down.
        let t = t.replace(r#""y":40"#, r#""y":24.5"#);
        assert_eq!(
            overlap(&t),
            (
                "label of holder.name".into(),
                "label of face:准驾车型".into()
            )
        );
    }

    #[test]
    fn the_seal_may_cover_the_authority_and_date_but_nothing_else() {
        let fields = r#""fields":[{"source":"holder.name","label":"姓名","x":10,"y":20,"label_width":12,"width":40,"size_pt":10},
                {"source":"issuer.name","label":"发证机关","x":10,"y":60,"label_width":16,"width":60,"size_pt":10},
                {"source":"issue_date","x":30,"y":70,"width":40,"size_pt":10},
                {"source":"face:准驾车型","x":10,"y":40,"width":40,"size_pt":10}]"#;
        let over_authority = format!(
            r#"{{{PAGE},{fields},"qr":{{"x":110,"y":10,"size":30}},"seal":{{"cx":45,"cy":64,"diameter_mm":20}}}}"#
        );
        lay(&over_authority).unwrap();
        let over_holder = over_authority.replace(r#""cx":45,"cy":64"#, r#""cx":30,"cy":24"#);
        assert_eq!(overlap(&over_holder), ("holder.name".into(), "seal".into()));
    }
}

#[cfg(feature = "embedded-font")]
mod phone {
    use super::*;
    use crate::render::template::Template;

    const EXAMPLES: [&str; 4] = [
        include_str!("../../../examples/licences/driving-licence.json"),
        include_str!("../../../examples/licences/business-licence.json"),
        include_str!("../../../examples/licences/health-permit.json"),
        include_str!("../../../examples/licences/food-business-licence.json"),
    ];
    /// Version 20 at M with its quiet zone, as the business licence's code.
    const MODULES: u32 = 97 + 8;

    fn texts(scene: &Scene) -> Vec<(String, f32, f32)> {
        scene
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Text(line) => Some((
                    line.runs.iter().map(|r| r.text.as_str()).collect(),
                    line.baseline,
                    line.size_pt,
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn at_1080_px_the_smallest_text_is_28_px_and_the_key_fields_come_first() {
        let fonts = FontSet::embedded().unwrap();
        for json in EXAMPLES {
            let licence = Licence::from_json(json).unwrap();
            let template = Template::generic();
            let scene = lay_out_phone(&licence, &template, &fonts, None, MODULES, 1080).unwrap();
            let scale = 1080.0 / scene.width;
            let texts = texts(&scene);
            let smallest = texts
                .iter()
                .map(|(_, _, size)| size * MM_PER_PT * scale)
                .fold(f32::MAX, f32::min);
            assert!(smallest >= 28.0, "{smallest} px");
            let at = |wanted: &str| {
                texts
                    .iter()
                    .find(|(text, _, _)| text == wanted)
                    .map(|(_, baseline, _)| *baseline)
                    .unwrap_or_else(|| panic!("no {wanted:?} in {texts:?}"))
            };
            let qr = scene
                .items
                .iter()
                .find_map(|item| match item {
                    Item::Qr(rect) => Some(*rect),
                    _ => None,
                })
                .unwrap();
            let order = [
                at(licence.holder().name()),
                at(&licence.masked_number()),
                at("有效期限"),
                at(licence.issuer().name()),
                qr.y,
            ];
            assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
            // One QR code, a whole number of pixels a module, at least 3.
            let qrs = scene
                .items
                .iter()
                .filter(|i| matches!(i, Item::Qr(_)))
                .count();
            assert_eq!(qrs, 1);
            let px = qr.width * scale;
            let ppm = px / MODULES as f32;
            assert!(
                (ppm - ppm.round()).abs() < 1e-3 && ppm.round() >= 3.0,
                "{ppm}"
            );
            assert!(scene.items.iter().any(|i| matches!(i, Item::Seal(_))));
        }
    }

    #[test]
    fn a_width_that_would_give_fewer_than_3_pixels_a_module_is_refused_saying_the_least_width() {
        let fonts = FontSet::embedded().unwrap();
        let licence = Licence::from_json(EXAMPLES[1]).unwrap();
        let template = Template::generic();
        match lay_out_phone(&licence, &template, &fonts, None, MODULES, 320) {
            Err(RenderError::Setting { value, min, .. }) => {
                assert_eq!(value, 320);
                assert_eq!(min, (MODULES * 3 * 5).div_ceil(4));
                lay_out_phone(&licence, &template, &fonts, None, MODULES, min).unwrap();
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_persons_id_number_is_masked_on_the_phone() {
        let fonts = FontSet::embedded().unwrap();
        let licence = Licence::from_json(EXAMPLES[0]).unwrap();
        let scene =
            lay_out_phone(&licence, &Template::generic(), &fonts, None, MODULES, 1080).unwrap();
        let all: String = texts(&scene).into_iter().map(|(t, _, _)| t).collect();
        assert!(!all.contains("110108199003071238"), "{all}");
        assert!(all.contains("110108********1238"), "{all}");
    }
}
