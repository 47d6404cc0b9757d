#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

#[test]
fn garbage_is_a_parse_error() {
    assert!(matches!(
        Font::from_bytes(b"not a font".to_vec(), 0),
        Err(FontError::Parse { index: 0, .. })
    ));
    assert!(matches!(
        Font::from_bytes(Vec::new(), 3),
        Err(FontError::Parse { index: 3, .. })
    ));
}

#[test]
fn a_missing_file_is_a_read_error() {
    let err = Font::from_path(Path::new("/nonexistent/font.otf"), 0).unwrap_err();
    assert!(matches!(err, FontError::Read { .. }), "{err}");
}

#[test]
fn an_empty_set_names_the_character_and_field() {
    let set = FontSet::new();
    let err = set.faces().runs("王𠀀", "holder.name").unwrap_err();
    assert_eq!(
        err,
        MissingGlyph {
            ch: '王',
            field: "holder.name".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "no font has a glyph for '王' (U+738B) in holder.name"
    );
}

#[cfg(feature = "embedded-font")]
#[test]
fn the_embedded_face_covers_gb2312_and_latin() {
    let set = FontSet::embedded().unwrap();
    for ch in "王小明北京市公安局公安交通管理局行政审批专用章ABCxyz0123456789·（）：".chars()
    {
        assert!(set.font_for(ch).is_some(), "{ch}");
    }
    let runs = set.faces().runs("王 小明 A1", "holder.name").unwrap();
    assert_eq!(
        runs,
        vec![Run {
            font: 0,
            text: "王 小明 A1".into()
        }]
    );
}

#[cfg(feature = "embedded-font")]
#[test]
fn a_rare_character_outside_gb2312_is_a_typed_error() {
    // 𠀀 (U+20000, CJK Extension B) is not in GB 2312, so not in the subset.
    let set = FontSet::embedded().unwrap();
    let err = set.faces().runs("王𠀀明", "holder.name").unwrap_err();
    assert_eq!(err.ch, '𠀀');
    assert_eq!(err.field, "holder.name");
}

#[cfg(feature = "embedded-font")]
#[test]
fn the_first_face_that_has_a_character_wins() {
    let mut set = FontSet::embedded().unwrap();
    set.push(Font::embedded().unwrap());
    assert_eq!(set.font_for('王'), Some(0));
    assert_eq!(set.font_for('𠀀'), None);
}

#[test]
fn coverage_is_checked_for_every_field_at_once() {
    let set = FontSet::new();
    // Whitespace is drawn as an advance, so even an empty set has it.
    assert_eq!(set.check_coverage([("a", " \u{3000}")]), Ok(()));
    let err = set
        .check_coverage([("a", "王王 𠀀"), ("b", "王"), ("c", "")])
        .unwrap_err();
    assert_eq!(err.fields(), ["a", "b"]);
    assert_eq!(err.chars_in("a"), ['王', '𠀀']);
    assert_eq!(err.chars_in("b"), ['王']);
    assert_eq!(
        err.to_string(),
        "no font has 王 (U+738B), 𠀀 (U+20000) in a; 王 (U+738B) in b"
    );
}

#[cfg(feature = "embedded-font")]
#[test]
fn the_embedded_face_passes_the_check_for_gb2312_and_table_characters() {
    let set = FontSet::embedded().unwrap();
    assert_eq!(
        set.check_coverage([("holder.name", "王喆"), ("face:地址", "堃昇珺𬭚")]),
        Ok(())
    );
    let err = set
        .check_coverage([("holder.name", "王𠮷"), ("face:地址", "北京市𡘙区")])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no font has 𠮷 (U+20BB7) in holder.name; 𡘙 (U+21619) in face:地址"
    );
}
