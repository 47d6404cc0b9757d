//! Rendering benchmarks: the QR image alone, the phone PNG and the PDF for
//! each example licence, with a renderer built once (fonts parsed once) as a
//! service would hold it. Font subsetting is part of every PDF.
//!
//! `cargo bench --bench render --features embedded-font`; `-- --test` to smoke-test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use elicence::render::{EcLevel, FontSet, QrImage, Renderer};
use elicence::{Licence, QrBase, SignedLicence, SigningKey, UnixTime, qr};

#[path = "support/examples.rs"]
mod examples;
use examples::{EXAMPLES, PHOTO};

fn render_benches(c: &mut Criterion) {
    let key = SigningKey::from_seed(&[9; 32]);
    let at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap();
    let renderer = Renderer::new(FontSet::embedded().unwrap());
    let signed: Vec<(&str, SignedLicence)> = EXAMPLES
        .iter()
        .map(|(name, json)| {
            let licence = Licence::from_json(json).unwrap();
            (*name, SignedLicence::sign(licence, &key, at).unwrap())
        })
        .collect();
    // No example signs a photo today; one that does is drawn with it.
    let photo =
        |licence: &SignedLicence| licence.licence().photo_sha256().is_some().then_some(PHOTO);
    // Warm the renderer's once-per-process caches (printpdf's font parse).
    for (_, licence) in &signed {
        renderer.render_pdf(licence, photo(licence)).unwrap();
    }

    let mut group = c.benchmark_group("render");
    group.measurement_time(Duration::from_secs(4));
    let text = qr::to_qr_text(&signed[0].1, &QrBase::default());
    group.bench_function("qr_image/driving-licence", |b| {
        b.iter(|| {
            let image = QrImage::new(black_box(&text), EcLevel::M).unwrap();
            image.to_pixmap(9).unwrap()
        });
    });
    for (name, licence) in &signed {
        group.bench_with_input(BenchmarkId::new("png", name), licence, |b, licence| {
            b.iter(|| {
                renderer
                    .render_png(black_box(licence), photo(licence))
                    .unwrap()
            });
        });
        group.bench_with_input(BenchmarkId::new("pdf", name), licence, |b, licence| {
            b.iter(|| {
                renderer
                    .render_pdf(black_box(licence), photo(licence))
                    .unwrap()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, render_benches);
criterion_main!(benches);
