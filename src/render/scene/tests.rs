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
        assert_eq!(err, RenderError::Overflow { field: "x".into() });
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
