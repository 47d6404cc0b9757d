//! Seal benchmarks: applying a seal to a rendered licence PDF (the sealer
//! built once, as an issuing service holds it) and checking a sealed PDF's
//! seals, for each example licence, with rendering alongside for scale.
//!
//! `cargo bench --bench seal --features embedded-font,seal-pdf,ca`; `-- --test` to smoke-test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use elicence::render::stamp::{StampSpec, picture_side_mm, stamp_png};
use elicence::render::{FontSet, Renderer};
use elicence::seal::pdf::{PdfSealer, PdfVerifier, Placement, check_sealed_pdf};
use elicence::seal::record::{SealInfo, SealPicture, SignedSeal};
use elicence::trust::TrustStore;
use elicence::{Licence, SignedLicence, SigningKey, UnixTime};

#[path = "support/examples.rs"]
mod examples;
use examples::{EXAMPLES, PHOTO};

fn at(s: &str) -> UnixTime {
    UnixTime::parse_rfc3339(s).unwrap()
}

mod test_pki {
    use elicence::trust::Certificate;
    use elicence::trust::ca::{CertificateRequest, Role, issue, self_signed};
    use elicence::{Signer, SigningKey, UnixTime};
    include!("../tests/support/test_pki.rs");
}

fn seal_benches(c: &mut Criterion) {
    let pki = test_pki::TestPki::new();
    let (root, mid) = (pki.root.clone(), pki.mid.clone());
    let leaf = |seed: u8, name: &str, code: &str| pki.signer(seed, name, code);
    let (maker_key, maker) = pki.seal_maker(3, "印章制作中心", "91110000600037341L");
    let fonts = FontSet::embedded().unwrap();
    let mut renderer = Renderer::new(fonts.clone());
    renderer.set_stamp_in_pdf(false);
    let mut store = TrustStore::new();
    store.add_root(root.clone());

    let mut group = c.benchmark_group("seal");
    group.measurement_time(Duration::from_secs(4));
    // The sealer of the licence before, for a joint (second) seal.
    let mut previous: Option<(PdfSealer, SigningKey)> = None;
    for (i, (name, json)) in EXAMPLES.iter().enumerate() {
        let licence = Licence::from_json(json).unwrap();
        let issuer = licence.issuer().clone();
        let (key, cert) = leaf(10 + i as u8, issuer.name(), &issuer.code().to_string());
        let signed = SignedLicence::sign(licence, &key, at("2025-01-01T09:00:00+08:00")).unwrap();
        // The example whose licence signs a photo digest gets the photo.
        let photo = signed.licence().photo_sha256().is_some().then_some(PHOTO);
        let pdf = renderer.render_pdf(&signed, photo).unwrap();

        let stamp = StampSpec::new(issuer.name(), Some("行政审批专用章"));
        let side = picture_side_mm(stamp.diameter_mm) as u16;
        let png = stamp_png(&stamp, &fonts, 10.0).unwrap();
        let picture = SealPicture::from_png(png.clone(), side, side).unwrap();
        // The same picture as RGBA, as other tools write seal pictures: its
        // appearance is decoded and deflated, as every picture's was before
        // one-ink pictures passed their compressed rows through.
        let rgba = elicence::render::stamp::load_stamp_png(&png)
            .unwrap()
            .encode_png()
            .unwrap();
        let rgba_picture = SealPicture::from_png(rgba, side, side).unwrap();
        let info = SealInfo::builder("bench-1", issuer.name(), issuer.code().clone())
            .purpose("行政审批专用章")
            .allow_certificate(&cert)
            .validity(
                at("2024-01-01T00:00:00Z"),
                at("2024-01-01T00:00:00Z"),
                at("2029-01-01T00:00:00Z"),
            )
            .picture(picture)
            .build()
            .unwrap();
        let seal = SignedSeal::sign(info, &maker_key, &[maker.clone(), mid.clone()]).unwrap();
        let sealer = PdfSealer::new(seal, &[cert.clone(), mid.clone()]).unwrap();
        let place = Placement::from_template(renderer.seal_place(&signed));
        let sealed_at = at("2025-01-01T10:00:00+08:00");
        let sealed = sealer.apply(&pdf, &key, place, sealed_at).unwrap();
        assert!(check_sealed_pdf(&sealed, &store).unwrap().is_intact());

        group.bench_function(format!("render_pdf/{name}"), |b| {
            b.iter(|| renderer.render_pdf(black_box(&signed), photo).unwrap())
        });
        // What preparing a seal costs (its appearance), paid once per
        // sealer: the one-ink picture passed through, and the RGBA one
        // decoded into planes and deflated.
        let chain = [cert.clone(), mid.clone()];
        group.bench_function(format!("new_sealer/{name}"), |b| {
            b.iter(|| PdfSealer::new(black_box(sealer.seal().clone()), &chain).unwrap())
        });
        let rgba_info = SealInfo::builder("bench-2", issuer.name(), issuer.code().clone())
            .purpose("行政审批专用章")
            .allow_certificate(&cert)
            .validity(
                at("2024-01-01T00:00:00Z"),
                at("2024-01-01T00:00:00Z"),
                at("2029-01-01T00:00:00Z"),
            )
            .picture(rgba_picture)
            .build()
            .unwrap();
        let rgba_seal =
            SignedSeal::sign(rgba_info, &maker_key, &[maker.clone(), mid.clone()]).unwrap();
        let rgba_sealer = PdfSealer::new(rgba_seal.clone(), &chain).unwrap();
        let rgba_sealed = rgba_sealer.apply(&pdf, &key, place, sealed_at).unwrap();
        assert!(check_sealed_pdf(&rgba_sealed, &store).unwrap().is_intact());
        eprintln!(
            "{name}: sealed {} bytes with the one-ink picture passed through, {} decoded and deflated",
            sealed.len(),
            rgba_sealed.len()
        );
        group.bench_function(format!("new_sealer_rgba/{name}"), |b| {
            b.iter(|| PdfSealer::new(black_box(rgba_seal.clone()), &chain).unwrap())
        });
        group.bench_function(format!("apply/{name}"), |b| {
            b.iter(|| {
                sealer
                    .apply(black_box(&pdf), &key, place, sealed_at)
                    .unwrap()
            })
        });
        group.bench_function(format!("check/{name}"), |b| {
            b.iter(|| check_sealed_pdf(black_box(&sealed), &store).unwrap())
        });
        // The whole policy: the strict read, every seal, the licence and
        // the binding between them, as `elicence verify` and a scan
        // endpoint call it.
        // No status lists here: a status reference only warns.
        let verifier = PdfVerifier::new(store.clone()).with_licence_verifier(
            elicence::Verifier::new([]).with_status_policy(elicence::verify::StatusPolicy::Warn),
        );
        let now = at("2026-06-01T00:00:00Z");
        let verdict = verifier.verify(&sealed, now);
        assert!(verdict.is_valid(), "{name}: {:?}", verdict.codes());
        group.bench_function(format!("verify_licence_pdf/{name}"), |b| {
            b.iter(|| verifier.verify(black_box(&sealed), now))
        });
        if let (Some((joint, joint_key)), "health-permit") = (&previous, *name) {
            let later = at("2025-01-01T11:00:00+08:00");
            let twice = joint.apply(&sealed, joint_key, place, later).unwrap();
            assert!(check_sealed_pdf(&twice, &store).unwrap().is_intact());
            group.bench_function(format!("check/{name}-two-seals"), |b| {
                b.iter(|| check_sealed_pdf(black_box(&twice), &store).unwrap())
            });
        }
        previous = Some((sealer, key));
    }
    group.finish();
}

criterion_group!(benches, seal_benches);
criterion_main!(benches);
