#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;
use crate::envelope::SignedLicence;
use crate::keys::{Signer, SigningKey};
use crate::licence::Licence;
use crate::qr::{self, QrBase};
use crate::verify::{TrustedKey, Verifier};
use crate::{PublicKey, UnixTime};

/// The driving-licence example signed as tests/qr_size.rs signs it, and its key.
fn driving_licence_text() -> (String, PublicKey) {
    let json = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/licences/driving-licence.json"
    ))
    .unwrap();
    let key = SigningKey::from_seed(&[9; 32]);
    let at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap();
    let signed = SignedLicence::sign(Licence::from_json(&json).unwrap(), &key, at).unwrap();
    (
        qr::to_qr_text(&signed, &QrBase::default()),
        key.public_key(),
    )
}

/// Reads the single QR code in a pixmap with rqrr: its bytes and rqrr's metadata.
fn scan(pixmap: &tiny_skia::Pixmap) -> (Vec<u8>, rqrr::MetaData) {
    let width = pixmap.width() as usize;
    let data = pixmap.data();
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(width, pixmap.height() as usize, |x, y| {
            data[(y * width + x) * 4]
        });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "expected exactly one QR code");
    let mut bytes = Vec::new();
    let meta = grids[0].decode_to(&mut bytes).unwrap();
    (bytes, meta)
}

/// rqrr reports the level as the two format bits: L=1, M=0, Q=3, H=2.
fn rqrr_level(level: EcLevel) -> u16 {
    match level {
        EcLevel::L => 1,
        EcLevel::M => 0,
        EcLevel::Q => 3,
        EcLevel::H => 2,
    }
}

#[test]
fn driving_licence_versions_match_the_readme() {
    let (text, _) = driving_licence_text();
    let m = QrImage::new(&text, EcLevel::M).unwrap();
    assert_eq!((m.version(), m.level(), m.modules()), (14, EcLevel::M, 73));
    assert_eq!(m.side_with_quiet_zone(), 81);
    let q = QrImage::new(&text, EcLevel::Q).unwrap();
    assert_eq!((q.version(), q.modules()), (17, 85));
    assert_eq!(EcLevel::default(), EcLevel::M);
}

#[test]
fn png_scans_back_to_the_text_and_verifies() {
    let (text, public) = driving_licence_text();
    let verifier = Verifier::new([TrustedKey::new(public)]);
    let now = UnixTime::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
    for level in [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H] {
        let image = QrImage::new(&text, level).unwrap();
        let png = image.to_png(4).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let decoded = tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!(decoded, image.to_pixmap(4).unwrap());

        let (bytes, meta) = scan(&decoded);
        assert_eq!(bytes, text.as_bytes(), "level {level}");
        assert_eq!(meta.ecc_level, rqrr_level(level), "level {level}");
        assert_eq!(meta.version.0, usize::from(image.version()));

        let scanned = String::from_utf8(bytes).unwrap();
        let verdict = verifier.verify_qr_text(&scanned, now);
        assert!(verdict.is_valid(), "level {level}: {verdict}");
    }
}

#[test]
fn every_module_is_exactly_px_per_module_pixels() {
    let (text, _) = driving_licence_text();
    let image = QrImage::new(&text, EcLevel::M).unwrap();
    for ppm in [1u32, 3, 4] {
        let pixmap = image.to_pixmap(ppm).unwrap();
        let side = (image.modules() + 2 * QrImage::QUIET_ZONE) * ppm as usize;
        assert_eq!(
            (pixmap.width() as usize, pixmap.height() as usize),
            (side, side)
        );
        let quiet_px = QrImage::QUIET_ZONE * ppm as usize;
        for (i, px) in pixmap.data().chunks_exact(4).enumerate() {
            let (x, y) = (i % side, i / side);
            let dark = image.is_dark(x / ppm as usize, y / ppm as usize);
            let expected = if dark { [0, 0, 0, 255] } else { [255; 4] };
            assert_eq!(px, expected, "pixel ({x}, {y}) at {ppm} px per module");
            let in_quiet_zone =
                x < quiet_px || y < quiet_px || x >= side - quiet_px || y >= side - quiet_px;
            assert!(
                !(in_quiet_zone && dark),
                "dark pixel ({x}, {y}) in the quiet zone"
            );
        }
    }
}

#[test]
fn is_dark_uses_quiet_zone_coordinates() {
    let image = QrImage::new("https://verify.example.gov.cn/c/0123", EcLevel::M).unwrap();
    let q = QrImage::QUIET_ZONE;
    let end = image.side_with_quiet_zone();
    // Finder patterns have dark corners at the code's top-left, top-right and bottom-left.
    assert!(image.is_dark(q, q));
    assert!(image.is_dark(end - q - 1, q));
    assert!(image.is_dark(q, end - q - 1));
    assert!(!image.is_dark(q - 1, q));
    assert!(!image.is_dark(q, q - 1));
    assert!(!image.is_dark(end - q, q));
    assert!(!image.is_dark(usize::MAX, usize::MAX));
}

#[test]
fn dark_runs_cover_exactly_the_dark_modules() {
    let (text, _) = driving_licence_text();
    let image = QrImage::new(&text, EcLevel::Q).unwrap();
    let side = image.side_with_quiet_zone();
    let mut rebuilt = vec![false; side * side];
    let runs = image.dark_runs();
    for r in &runs {
        assert!(r.len >= 1);
        for x in r.x..r.x + r.len {
            let cell = &mut rebuilt[r.y * side + x];
            assert!(!*cell, "runs overlap at ({x}, {})", r.y);
            *cell = true;
        }
    }
    for y in 0..side {
        for x in 0..side {
            assert_eq!(rebuilt[y * side + x], image.is_dark(x, y), "({x}, {y})");
        }
    }
    // Runs are maximal: two runs never touch on the same row.
    for pair in runs.windows(2) {
        if pair[0].y == pair[1].y {
            assert!(pair[0].x + pair[0].len < pair[1].x);
        }
    }
}

#[test]
fn svg_is_deterministic_with_one_subpath_per_run() {
    let (text, _) = driving_licence_text();
    let image = QrImage::new(&text, EcLevel::M).unwrap();
    let svg = image.to_svg(8);
    assert_eq!(svg, QrImage::new(&text, EcLevel::M).unwrap().to_svg(8));
    assert!(svg.starts_with("<svg"));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("shape-rendering=\"crispEdges\""));
    assert!(svg.contains("viewBox=\"0 0 81 81\""));
    assert!(svg.contains("width=\"648\" height=\"648\""));
    let d = svg.split(" d=\"").nth(1).unwrap();
    let d = &d[..d.find('"').unwrap()];
    let runs = image.dark_runs();
    assert_eq!(d.matches('M').count(), runs.len());
    assert_eq!(d.matches("v1h-").count(), runs.len());
    assert!(d.starts_with(&format!(
        "M{} {}h{}v1h-{}z",
        runs[0].x, runs[0].y, runs[0].len, runs[0].len
    )));
}

#[test]
fn too_long_text_is_a_typed_error() {
    let digits = "1".repeat(8000);
    assert_eq!(
        QrImage::new(&digits, EcLevel::H),
        Err(QrImageError::TooLong {
            bytes: 8000,
            level: EcLevel::H
        })
    );
    // Under the upfront cap, so the encoder itself says it is too long.
    let digits = "1".repeat(4000);
    assert_eq!(
        QrImage::new(&digits, EcLevel::H),
        Err(QrImageError::TooLong {
            bytes: 4000,
            level: EcLevel::H
        })
    );
    // Version 29-L holds 3927 digits and 30-L holds 4158.
    assert_eq!(QrImage::new(&digits, EcLevel::L).unwrap().version(), 30);
}

#[test]
fn scale_limits() {
    let (text, _) = driving_licence_text();
    let image = QrImage::new(&text, EcLevel::M).unwrap();
    assert_eq!(image.pixels_per_module_for(1080), Some(13));
    assert_eq!(image.pixels_per_module_for(81), Some(1));
    assert_eq!(image.pixels_per_module_for(80), None);
    assert_eq!(image.pixels_per_module_for(0), None);
    // Capped at MAX_SIDE_PX, so whatever it returns can be drawn.
    let most = image.pixels_per_module_for(u32::MAX).unwrap();
    assert_eq!(most, QrImage::MAX_SIDE_PX / 81);
    assert!(image.to_pixmap(most).is_ok());

    assert_eq!(image.to_pixmap(0).err(), Some(QrImageError::ZeroScale));
    assert_eq!(image.to_png(0), Err(QrImageError::ZeroScale));
    assert_eq!(
        image.to_pixmap(most + 1).err(),
        Some(QrImageError::TooLarge {
            px_per_module: most + 1,
            side_px: 81 * u64::from(most + 1),
            max: QrImage::MAX_SIDE_PX,
        })
    );
    assert!(matches!(
        image.to_pixmap(u32::MAX),
        Err(QrImageError::TooLarge { .. })
    ));
}

#[test]
fn level_letters_round_trip() {
    for level in [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H] {
        assert_eq!(level.to_string().parse::<EcLevel>(), Ok(level));
        assert_eq!(level.as_str().to_lowercase().parse::<EcLevel>(), Ok(level));
    }
    assert_eq!(
        "X".parse::<EcLevel>(),
        Err(QrImageError::UnknownLevel { given: "X".into() })
    );
}

#[test]
fn mask_penalty_follows_iso_18004() {
    // All light, 21×21: N1 19 per line × 42 lines, N2 3 × 400 blocks, N4 10 × 10.
    let light = vec![false; 21 * 21];
    assert_eq!(penalty(&light, 21), 19 * 42 + 3 * 400 + 100);

    // A checkerboard has no runs, blocks or finder patterns and is half dark.
    let board: Vec<bool> = (0..21 * 21).map(|i| (i % 21 + i / 21) % 2 == 0).collect();
    assert_eq!(penalty(&board, 21), 0);

    // One finder-like 1011101 followed by 0000 in a row of a checkerboard
    // adds 40, besides the runs and blocks it creates.
    let mut with_finder = board.clone();
    let row = [
        true, false, true, true, true, false, true, false, false, false, false,
    ];
    for (x, &d) in row.iter().enumerate() {
        with_finder[5 * 21 + 3 + x] = d;
    }
    let added = penalty(&with_finder, 21);
    assert!(added >= 40, "{added}");
    let mut reversed = board;
    for (x, &d) in row.iter().rev().enumerate() {
        reversed[5 * 21 + 3 + x] = d;
    }
    assert_eq!(penalty(&reversed, 21), added);
}
