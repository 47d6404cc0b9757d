#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

const BEIJING: &str = "北京市公安局公安交通管理局";
const APPROVAL: &str = "行政审批专用章";

fn spec() -> StampSpec {
    StampSpec::new(BEIJING, Some(APPROVAL))
}

/// An empty set fails on the first character it is asked to draw, so a spec
/// that gets as far as that error has passed every other check.
fn passes_checks(spec: &StampSpec, px_per_mm: f32) -> bool {
    matches!(
        render_stamp(spec, &FontSet::new(), px_per_mm),
        Err(StampError::MissingGlyph(_))
    )
}

#[test]
fn new_cuts_40_mm_with_a_purpose_and_42_mm_without() {
    let special = StampSpec::new(BEIJING, Some(APPROVAL));
    assert_eq!(special.diameter_mm, PURPOSE_SEAL_DIAMETER_MM);
    assert_eq!(special.purpose.as_deref(), Some(APPROVAL));
    assert_eq!(special.colour, SEAL_RED);

    let own = StampSpec::new(BEIJING, None);
    assert_eq!(own.diameter_mm, ORGANISATION_SEAL_DIAMETER_MM);
    assert_eq!(own.purpose, None);

    let blank = StampSpec::new(BEIJING, Some("  "));
    assert_eq!(blank.purpose, None);
    assert_eq!(blank.diameter_mm, ORGANISATION_SEAL_DIAMETER_MM);

    let set = spec().with_diameter_mm(45.0).with_colour([1, 2, 3]);
    assert_eq!((set.diameter_mm, set.colour), (45.0, [1, 2, 3]));
}

#[test]
fn an_empty_font_set_names_the_first_character_and_field() {
    let err = render_stamp(&spec(), &FontSet::new(), 12.0).unwrap_err();
    assert_eq!(
        err,
        StampError::MissingGlyph(MissingGlyph {
            ch: '北',
            field: "seal.name".to_owned(),
        })
    );
    assert!(err.to_string().contains("seal.name"), "{err}");
    assert!(err.to_string().contains('北'), "{err}");
}

#[test]
fn a_diameter_outside_20_to_60_mm_is_refused() {
    for mm in [19.9, 60.1, 0.0, -40.0, f32::NAN, f32::INFINITY] {
        let err = render_stamp(&spec().with_diameter_mm(mm), &FontSet::new(), 12.0).unwrap_err();
        match err {
            StampError::Diameter { mm: got } => assert!(got.to_bits() == mm.to_bits(), "{got}"),
            other => panic!("{mm} mm gave {other:?}"),
        }
    }
    for mm in [MIN_DIAMETER_MM, MAX_DIAMETER_MM] {
        assert!(passes_checks(&spec().with_diameter_mm(mm), 12.0), "{mm}");
    }
}

#[test]
fn a_blank_name_is_refused() {
    for name in ["", " \u{3000}\t"] {
        assert_eq!(
            render_stamp(&StampSpec::new(name, None), &FontSet::new(), 12.0),
            Err(StampError::EmptyName)
        );
    }
}

#[test]
fn a_name_over_24_characters_is_refused() {
    let longest = "国".repeat(MAX_NAME_CHARS);
    assert!(passes_checks(&StampSpec::new(longest, None), 12.0));
    let err = render_stamp(
        &StampSpec::new("国".repeat(MAX_NAME_CHARS + 1), None),
        &FontSet::new(),
        12.0,
    )
    .unwrap_err();
    assert_eq!(
        err,
        StampError::NameTooLong {
            chars: 25,
            max: MAX_NAME_CHARS
        }
    );
}

#[test]
fn a_purpose_over_12_characters_is_refused() {
    let long = "章".repeat(MAX_PURPOSE_CHARS + 1);
    let err =
        render_stamp(&StampSpec::new(BEIJING, Some(&long)), &FontSet::new(), 12.0).unwrap_err();
    assert_eq!(
        err,
        StampError::PurposeTooLong {
            chars: 13,
            max: MAX_PURPOSE_CHARS
        }
    );
}

#[test]
fn a_scale_that_is_not_positive_and_finite_is_refused() {
    for px_per_mm in [0.0, -12.0, f32::NAN, f32::INFINITY] {
        let err = render_stamp(&spec(), &FontSet::new(), px_per_mm).unwrap_err();
        assert!(
            matches!(err, StampError::Scale { .. }),
            "{px_per_mm}: {err:?}"
        );
    }
}

#[test]
fn a_side_over_4096_px_or_under_one_is_refused() {
    let err = render_stamp(&spec().with_diameter_mm(60.0), &FontSet::new(), 100.0).unwrap_err();
    assert_eq!(
        err,
        StampError::Size {
            px: 6000.0,
            max: MAX_SIDE_PX
        }
    );
    let err = render_stamp(&spec(), &FontSet::new(), 0.01).unwrap_err();
    assert!(
        matches!(err, StampError::Size { px, .. } if px == 0.0),
        "{err:?}"
    );
    // 40 mm × 102.4 px/mm is exactly the limit.
    assert!(passes_checks(&spec(), 102.4));
}

#[test]
fn garbage_is_not_a_stamp_png() {
    for bytes in [&b""[..], b"not a png at all", b"\x89PNG\r\n\x1a\n"] {
        let err = load_stamp_png(bytes).unwrap_err();
        assert!(matches!(err, StampError::BadPng { .. }), "{err:?}");
    }
    // A valid header over a body that is not image data.
    let mut png = Pixmap::new(3, 2).unwrap().encode_png().unwrap();
    png.truncate(40);
    let err = load_stamp_png(&png).unwrap_err();
    assert!(matches!(err, StampError::BadPng { .. }), "{err:?}");
}

#[test]
fn a_png_claiming_a_huge_size_is_refused_before_decoding() {
    let mut png = Pixmap::new(1, 1).unwrap().encode_png().unwrap();
    // IHDR's width and height, right after the signature, length and tag.
    png[16..20].copy_from_slice(&5000u32.to_be_bytes());
    png[20..24].copy_from_slice(&7u32.to_be_bytes());
    assert_eq!(
        load_stamp_png(&png),
        Err(StampError::PngTooLarge {
            width: 5000,
            height: 7,
            max: MAX_SIDE_PX
        })
    );
}

#[test]
fn a_png_seal_loads_with_its_pixels() {
    let mut pixmap = Pixmap::new(5, 4).unwrap();
    pixmap.fill(tiny_skia::Color::from_rgba8(0xD7, 0x1F, 0x1F, 0xFF));
    let loaded = load_stamp_png(&pixmap.encode_png().unwrap()).unwrap();
    assert_eq!((loaded.width(), loaded.height()), (5, 4));
    assert_eq!(loaded.data(), pixmap.data());
}

#[test]
fn short_names_take_a_narrower_arc_and_long_ones_a_wider() {
    let deg = |n| arc_span(n).0.to_degrees();
    assert_eq!(arc_span(1), (0.0, 0.0));
    assert!(deg(4) < deg(8), "{} {}", deg(4), deg(8));
    assert!(deg(8) < deg(13));
    assert!((200.0..=235.0).contains(&deg(13)), "{}", deg(13));
    assert!(deg(24) <= 240.5, "{}", deg(24));
    let step = |n| arc_span(n).1;
    assert!(step(4) > step(13));
}

#[cfg(feature = "embedded-font")]
mod with_font {
    use super::*;

    fn fonts() -> FontSet {
        FontSet::embedded().unwrap()
    }

    fn rgba(pixmap: &Pixmap, x: u32, y: u32) -> [u8; 4] {
        let c = pixmap.pixel(x, y).unwrap().demultiply();
        [c.red(), c.green(), c.blue(), c.alpha()]
    }

    /// Ink pixels (alpha > 0) in the rectangle, as fractions of the side.
    fn ink_in(pixmap: &Pixmap, x: (f32, f32), y: (f32, f32)) -> usize {
        let side = pixmap.width() as f32;
        let span = |(a, b): (f32, f32)| (a * side) as u32..(b * side) as u32;
        span(y)
            .flat_map(|py| span(x).map(move |px| (px, py)))
            .filter(|&(px, py)| pixmap.pixel(px, py).unwrap().alpha() > 0)
            .count()
    }

    #[test]
    fn two_renders_are_byte_identical() {
        let a = render_stamp(&spec(), &fonts(), 12.0).unwrap();
        let b = render_stamp(&spec(), &fonts(), 12.0).unwrap();
        assert_eq!(a.data(), b.data());
        assert_eq!(
            stamp_png(&spec(), &fonts(), 12.0).unwrap(),
            stamp_png(&spec(), &fonts(), 12.0).unwrap()
        );
    }

    #[test]
    fn the_side_is_the_diameter_times_the_scale_rounded() {
        let pixmap = render_stamp(&spec(), &fonts(), 12.0).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (480, 480));
        let own = StampSpec::new(BEIJING, None);
        let pixmap = render_stamp(&own, &fonts(), 12.3).unwrap();
        // 42 × 12.3 = 516.6.
        assert_eq!((pixmap.width(), pixmap.height()), (517, 517));
    }

    #[test]
    fn corners_are_clear_and_the_star_and_rim_are_opaque_seal_red() {
        let pixmap = render_stamp(&spec(), &fonts(), 12.0).unwrap();
        let [r, g, b] = SEAL_RED;
        for (x, y) in [(0, 0), (479, 0), (0, 479), (479, 479), (40, 40)] {
            assert_eq!(rgba(&pixmap, x, y)[3], 0, "({x}, {y})");
        }
        // The star's centre, and the rim (1.2 mm = 14 px thick) at 3, 6 and
        // 9 o'clock, 7 px in from the edge.
        for (x, y) in [(240, 240), (240, 234), (472, 240), (240, 472), (7, 240)] {
            assert_eq!(rgba(&pixmap, x, y), [r, g, b, 255], "({x}, {y})");
        }
        // Inside the rim, between the star and the name: no inner ring.
        assert_eq!(rgba(&pixmap, 240, 140)[3], 0);
    }

    #[test]
    fn all_ink_is_the_seal_colour() {
        for spec in [spec(), StampSpec::new("上海市浦东新区市场监督管理局", None)] {
            let pixmap = render_stamp(&spec, &fonts(), 12.0).unwrap();
            let mut opaque = 0;
            for p in pixmap.pixels() {
                if p.alpha() == 0 {
                    continue;
                }
                let c = p.demultiply();
                let (r, g, b) = (c.red(), c.green(), c.blue());
                assert!(r >= g && r >= b, "{c:?}");
                // Edge pixels lose precision to premultiplication.
                if c.alpha() >= 64 {
                    assert!(r.abs_diff(0xD7) <= 4 && g.abs_diff(0x1F) <= 4, "{c:?}");
                    assert!(b.abs_diff(0x1F) <= 4, "{c:?}");
                }
                opaque += usize::from(c.alpha() == 255);
            }
            assert!(opaque > 10_000, "{opaque}");
        }
    }

    #[test]
    fn the_colour_can_be_changed() {
        let blue = spec().with_colour([0, 0, 200]);
        let pixmap = render_stamp(&blue, &fonts(), 12.0).unwrap();
        assert_eq!(rgba(&pixmap, 240, 240), [0, 0, 200, 255]);
    }

    #[test]
    fn the_name_is_on_the_upper_arc_and_the_purpose_below_the_star() {
        let with = render_stamp(&spec(), &fonts(), 12.0).unwrap();
        let mut no_purpose = spec();
        no_purpose.purpose = None;
        let without = render_stamp(&no_purpose, &fonts(), 12.0).unwrap();
        // The top of the name, inside the rim at 12 o'clock.
        assert!(ink_in(&with, (0.4, 0.6), (0.05, 0.2)) > 100);
        // Under the star, in the middle: the purpose line or nothing.
        let below_star = ((0.3, 0.7), (0.68, 0.8));
        assert!(ink_in(&with, below_star.0, below_star.1) > 500);
        assert_eq!(ink_in(&without, below_star.0, below_star.1), 0);
        // The bottom of the seal, inside the rim, is clear.
        assert_eq!(ink_in(&with, (0.4, 0.6), (0.86, 0.94)), 0);
    }

    #[test]
    fn a_short_name_and_a_long_name_both_draw() {
        for name in [
            "某某公司",
            "中华人民共和国国家市场监督管理总局行政审批局",
            "局",
        ] {
            let pixmap = render_stamp(&StampSpec::new(name, None), &fonts(), 12.0).unwrap();
            assert!(ink_in(&pixmap, (0.3, 0.7), (0.05, 0.25)) > 100, "{name}");
        }
    }

    #[test]
    fn a_missing_character_names_it_and_its_field() {
        let err = render_stamp(&StampSpec::new("北京𠀀局", None), &fonts(), 12.0).unwrap_err();
        assert_eq!(
            err,
            StampError::MissingGlyph(MissingGlyph {
                ch: '𠀀',
                field: "seal.name".to_owned()
            })
        );
        let err =
            render_stamp(&StampSpec::new(BEIJING, Some("𠀀专用章")), &fonts(), 12.0).unwrap_err();
        assert_eq!(
            err,
            StampError::MissingGlyph(MissingGlyph {
                ch: '𠀀',
                field: "seal.purpose".to_owned()
            })
        );
    }

    #[test]
    fn the_picture_has_a_clear_margin_round_the_whole_rim() {
        for (spec, px_per_mm) in [
            (spec(), 10.0),
            (StampSpec::new(BEIJING, None), 10.0),
            (spec().with_diameter_mm(20.0), 12.0),
            (spec().with_diameter_mm(59.5), 10.0),
        ] {
            let d = spec.diameter_mm;
            let side_mm = picture_side_mm(d);
            assert!(
                side_mm >= d + 2.0 * PICTURE_MARGIN_MM && side_mm < d + 2.0,
                "{d}"
            );
            assert_eq!(side_mm.fract(), 0.0);
            let png = stamp_png(&spec, &fonts(), px_per_mm).unwrap();
            let pixmap = load_stamp_png(&png).unwrap();
            let side = pixmap.width();
            assert_eq!(side, pixmap.height());
            assert_eq!(side as f32, (side_mm * px_per_mm).round());
            let alpha = |x: u32, y: u32| pixmap.pixel(x, y).unwrap().alpha();
            // The outermost rows and columns are clear all along.
            for i in 0..side {
                for (x, y) in [(i, 0), (i, side - 1), (0, i), (side - 1, i)] {
                    assert_eq!(alpha(x, y), 0, "{d} mm: ({x}, {y})");
                }
            }
            // The rim's ink reaches to within the margin (and a pixel) of
            // each edge, at 12, 3, 6 and 9 o'clock: it is whole, not cut.
            let margin = ((side as f32 - d * px_per_mm) / 2.0).ceil() as u32 + 1;
            let mid = side / 2;
            for (x, y) in [
                (mid, margin),
                (side - 1 - margin, mid),
                (mid, side - 1 - margin),
                (margin, mid),
            ] {
                assert_eq!(alpha(x, y), 255, "{d} mm: ({x}, {y})");
            }
        }
    }

    #[test]
    fn a_stamp_png_loads_back_as_the_same_ink() {
        let png = stamp_png(&spec(), &fonts(), 12.0).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let loaded = load_stamp_png(&png).unwrap();
        let drawn = render_picture(&spec(), &fonts(), 12.0).unwrap();
        assert_eq!(loaded.width(), drawn.width());
        // One ink at each opacity: coverage is exact, and the premultiplied
        // colour differs from the drawing by rounding at most.
        for (l, d) in loaded.pixels().iter().zip(drawn.pixels()) {
            assert_eq!(l.alpha(), d.alpha());
            for (a, b) in [
                (l.red(), d.red()),
                (l.green(), d.green()),
                (l.blue(), d.blue()),
            ] {
                assert!(a.abs_diff(b) <= 1, "{l:?} vs {d:?}");
            }
        }
        let rgba = render_picture(&spec(), &fonts(), 12.0)
            .unwrap()
            .encode_png()
            .unwrap();
        assert!(
            png.len() * 3 < rgba.len() * 2,
            "{} vs {} bytes",
            png.len(),
            rgba.len()
        );
    }
}

#[cfg(feature = "embedded-font")]
mod arc_gaps {
    use super::*;

    /// 24 different characters, as a long authority name has them.
    const LONG: &str = "中华人民共和国国家市场监督管理总局行政审批数据局";

    type Quad = [(f32, f32); 4];

    /// The ink boxes of the name's glyphs on the seal, emboldening
    /// included, as corners in the seal's millimetres (y down).
    fn glyph_quads(layout: &NameLayout) -> Vec<Quad> {
        let (size, xs) = (layout.size, layout.x_scale);
        let e = embolden_width(size, xs) / 2.0;
        layout
            .boxes
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let [l, t, r, bottom] = (*b)?;
                let a = layout.first + i as f32 * layout.step;
                let (sin, cos) = a.sin_cos();
                let (cx, cy) = (layout.radius * sin, -layout.radius * cos);
                let corner = |x: f32, y: f32| (cx + x * cos - y * sin, cy + x * sin + y * cos);
                let (x0, x1) = (l * size * xs - e, r * size * xs + e);
                let (y0, y1) = (t * size - e, bottom * size + e);
                Some([
                    corner(x0, y0),
                    corner(x1, y0),
                    corner(x1, y1),
                    corner(x0, y1),
                ])
            })
            .collect()
    }

    fn edges(q: &Quad) -> impl Iterator<Item = ((f32, f32), (f32, f32))> + '_ {
        (0..4).map(move |i| (q[i], q[(i + 1) % 4]))
    }

    /// Whether some edge normal of either box separates them.
    fn separated(a: &Quad, b: &Quad) -> bool {
        edges(a).chain(edges(b)).any(|(p, q)| {
            let axis = (q.1 - p.1, p.0 - q.0);
            let project = |quad: &Quad| {
                let v: Vec<f32> = quad.iter().map(|c| c.0 * axis.0 + c.1 * axis.1).collect();
                (
                    v.iter().copied().fold(f32::INFINITY, f32::min),
                    v.iter().copied().fold(f32::NEG_INFINITY, f32::max),
                )
            };
            let ((amin, amax), (bmin, bmax)) = (project(a), project(b));
            amax < bmin || bmax < amin
        })
    }

    fn point_segment(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
        ((p.0 - a.0 - t * dx).powi(2) + (p.1 - a.1 - t * dy).powi(2)).sqrt()
    }

    /// The distance between two separated convex boxes.
    fn distance(a: &Quad, b: &Quad) -> f32 {
        let one_way = |a: &Quad, b: &Quad| {
            a.iter()
                .flat_map(|&p| edges(b).map(move |(s, t)| point_segment(p, s, t)))
                .fold(f32::INFINITY, f32::min)
        };
        one_way(a, b).min(one_way(b, a))
    }

    #[test]
    fn neighbouring_glyphs_on_the_arc_keep_the_minimum_gap_at_every_length() {
        let fonts = FontSet::embedded().unwrap();
        let mut sizes = Vec::new();
        for n in [2, 4, 8, 13, 18, 20, 23, 24] {
            let name: String = LONG.chars().take(n).collect();
            for diameter in [20.0, 40.0, 42.0] {
                let spec = StampSpec::new(name.clone(), None).with_diameter_mm(diameter);
                let layout = name_layout(&spec, &fonts).unwrap();
                let quads = glyph_quads(&layout);
                assert_eq!(quads.len(), n);
                let gap = NAME_MIN_GAP * layout.size;
                for (i, a) in quads.iter().enumerate() {
                    for (j, b) in quads.iter().enumerate().skip(i + 1) {
                        assert!(separated(a, b), "{n} chars: glyphs {i} and {j} overlap");
                    }
                    if let Some(b) = quads.get(i + 1) {
                        let d = distance(a, b);
                        assert!(
                            d >= gap * 0.999,
                            "{n} chars, {diameter} mm: glyphs {i} and {} are {d} mm apart, \
                             less than {gap}",
                            i + 1
                        );
                    }
                }
                // The glyphs stay inside the rim.
                let inner_rim = diameter / 2.0 * (1.0 - 2.0 * RIM);
                for q in &quads {
                    for &(x, y) in q {
                        assert!((x * x + y * y).sqrt() < inner_rim, "{n}: ({x}, {y})");
                    }
                }
                assert!(layout.size >= diameter * NAME_MIN_SIZE * 0.999);
                assert!(layout.x_scale >= 0.4 && layout.x_scale <= 1.0);
                if diameter == 40.0 {
                    sizes.push((n, layout.size, layout.x_scale));
                }
            }
        }
        // Short names are set at full size, unsqueezed; the longest smaller.
        let (_, first_size, first_scale) = sizes[0];
        assert_eq!((first_size, first_scale), (40.0 * NAME_SIZE, 1.0));
        let (_, last_size, _) = sizes[sizes.len() - 1];
        assert!(last_size < first_size, "{sizes:?}");
    }

    #[test]
    fn a_name_whose_glyphs_cannot_keep_the_gap_is_refused_saying_how_many_fit() {
        let fonts = FontSet::embedded().unwrap();
        // Full-width capitals fill their em, as wide as any ideograph: the
        // longest name accepted still fits, at the smallest sizes.
        let wide = StampSpec::new("Ｗ".repeat(MAX_NAME_CHARS), None);
        let layout = name_layout(&wide, &fonts).unwrap();
        assert!(layout.size < 40.0 * NAME_SIZE, "{}", layout.size);
        // A face whose glyphs are 1.3 em wide does not fit them all.
        let boxes = vec![Some([-0.65, -0.45, 0.65, 0.45]); MAX_NAME_CHARS];
        match arc_layout(40.0, boxes.clone()) {
            Err(StampError::NameDoesNotFit { chars, fit }) => {
                assert_eq!(chars, MAX_NAME_CHARS);
                assert!(fit > 1 && fit < MAX_NAME_CHARS, "{fit}");
                assert!(arc_layout(40.0, boxes[..fit].to_vec()).is_ok());
                assert!(arc_layout(40.0, boxes[..fit + 1].to_vec()).is_err());
                let err = StampError::NameDoesNotFit { chars, fit };
                assert!(err.to_string().contains(&format!("{fit} fit")), "{err}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[cfg(feature = "embedded-font")]
mod in_pdf {
    use crate::render::{FontSet, Renderer};
    use crate::{Licence, SignedLicence, SigningKey, UnixTime};

    /// The content operators of a rendered licence PDF's page that draw
    /// the stamp: from the ink blend state to the end of its group.
    fn stamp_operators(pdf: &[u8]) -> Vec<String> {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let page = *doc.get_pages().values().next().unwrap();
        let content = lopdf::content::Content::decode(&doc.get_page_content(page)).unwrap();
        let ops: Vec<String> = content
            .operations
            .iter()
            .map(|o| o.operator.clone())
            .collect();
        let start = ops.iter().position(|o| o == "gs").unwrap();
        let end = start + ops[start..].iter().position(|o| o == "Q").unwrap();
        ops[start..end].to_vec()
    }

    #[test]
    fn a_drawn_stamp_in_a_pdf_has_filled_glyphs_and_nothing_only_stroked() {
        let mut json: serde_json::Value = serde_json::from_str(include_str!(
            "../../../examples/licences/driving-licence.json"
        ))
        .unwrap();
        json.as_object_mut().unwrap().remove("photo_sha256");
        let licence = Licence::from_json(&json.to_string()).unwrap();
        let issuer_chars = licence.issuer().name().chars().count();
        let at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap();
        let signed = SignedLicence::sign(licence, &SigningKey::from_seed(&[7; 32]), at).unwrap();
        let renderer = Renderer::new(FontSet::embedded().unwrap());
        let ops = stamp_operators(&renderer.render_pdf(&signed, None).unwrap());
        // The rim (even-odd) and the star (nonzero) are filled; every glyph
        // is filled and outlined in one operator, none stroked alone.
        assert!(ops.iter().any(|o| o == "f*"), "{ops:?}");
        assert!(ops.iter().any(|o| o == "f"), "{ops:?}");
        let filled_and_stroked = ops.iter().filter(|o| *o == "b" || *o == "b*").count();
        assert!(
            filled_and_stroked >= issuer_chars,
            "{filled_and_stroked} {ops:?}"
        );
        assert!(!ops.iter().any(|o| o == "S" || o == "s"), "{ops:?}");
    }
}
