//! Attacks on sealed licence PDFs, judged by the library's one policy call
//! (`PdfVerifier::verify`), each with the reason codes it must produce.
//! The generator is this file: every case is built from a real licence PDF
//! (rendered, signed by its issuer's document signer, sealed) by an
//! attacker who is a stranger (no key) or a co-signer (another authority's
//! valid, trusted seal and key). `write_attack_corpus` (ignored; run by
//! `.ci/run`) writes every case to `$ATTACK_DIR` for `.ci/pdf_bounds.sh`.
//!
//! Attacks on the structure of one seal revision (root swaps, widget flags,
//! evil appearances, signed again with the co-signer's key) are in
//! `src/seal/pdf/tests.rs`; parser differentials (free entries, aliasing,
//! duplicate numbers, hybrid files, loops) in `src/pdf/tests.rs`; bombs in
//! `examples/pdf_bombs.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

use elicence::render::stamp::{StampSpec, stamp_png};
use elicence::render::{FontSet, Renderer};
use elicence::seal::pdf::{PdfSealer, PdfVerifier, Placement};
use elicence::seal::record::{SealInfo, SealPicture, SignedSeal};
use elicence::trust::Certificate;
use elicence::{Licence, SignedLicence, SigningKey, TrustStore, UnixTime};

mod test_pki {
    use elicence::trust::Certificate;
    use elicence::trust::ca::{CertificateRequest, Role, issue, self_signed};
    use elicence::{Signer, SigningKey, UnixTime};
    include!("support/test_pki.rs");
}

fn at(s: &str) -> UnixTime {
    UnixTime::parse_rfc3339(s).unwrap()
}

const POLICE: (&str, &str) = ("北京市公安局公安交通管理局", "111100000000213452");
const MARKET: (&str, &str) = ("北京市海淀区市场监督管理局", "11110108MB1234567C");
const ISSUED: &str = "2025-01-01T09:00:00+08:00";
const SEALED: &str = "2025-01-01T10:00:00+08:00";
const CO_SEALED: &str = "2025-01-01T11:00:00+08:00";
const NOW: &str = "2026-06-01T12:00:00+08:00";

/// An authority: its document signer's key and certificate, and a sealer
/// for its seal.
struct Authority {
    key: SigningKey,
    sealer: PdfSealer,
}

struct World {
    verifier: PdfVerifier,
    police: Authority,
    market: Authority,
    place: Placement,
    /// The driving licence, issued by the police alone, rendered.
    alone: Vec<u8>,
    /// The same licence naming the market regulator as a co-issuer.
    joint: Vec<u8>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let pki = test_pki::TestPki::new();
        let (maker_key, maker) = pki.seal_maker(3, "印章制作中心", "91110000600037341L");
        let fonts = FontSet::embedded().unwrap();
        let authority = |seed: u8, (name, code): (&str, &str)| {
            let (key, cert): (SigningKey, Certificate) = pki.signer(seed, name, code);
            let picture = SealPicture::from_png(
                stamp_png(&StampSpec::new(name, None), &fonts, 10.0).unwrap(),
                42,
                42,
            )
            .unwrap();
            let info = SealInfo::builder(&format!("{code}-1"), name, code.parse().unwrap())
                .allow_certificate(&cert)
                .validity(
                    at("2024-01-01T00:00:00Z"),
                    at("2024-01-01T00:00:00Z"),
                    at("2028-01-01T00:00:00Z"),
                )
                .picture(picture)
                .build()
                .unwrap();
            let seal =
                SignedSeal::sign(info, &maker_key, &[maker.clone(), pki.mid.clone()]).unwrap();
            let sealer = PdfSealer::new(seal, &[cert, pki.mid.clone()]).unwrap();
            Authority { key, sealer }
        };
        let police = authority(20, POLICE);
        let market = authority(21, MARKET);
        let mut renderer = Renderer::new(fonts);
        renderer.set_stamp_in_pdf(false);
        let json = include_str!("../examples/licences/driving-licence.json");
        let render = |json: &str| {
            let licence = Licence::from_json(json).unwrap();
            let signed = SignedLicence::sign(licence, &police.key, at(ISSUED)).unwrap();
            renderer.render_pdf(&signed, None).unwrap()
        };
        let alone = render(json);
        let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
        value["co_issuers"] = serde_json::json!([{ "name": MARKET.0, "code": MARKET.1 }]);
        let joint = render(&value.to_string());
        let place = {
            let licence = Licence::from_json(json).unwrap();
            let signed = SignedLicence::sign(licence, &police.key, at(ISSUED)).unwrap();
            Placement::from_template(renderer.seal_place(&signed))
        };
        let mut store = TrustStore::new();
        store.add_root(pki.root.clone());
        World {
            // No status lists in these attacks: a status reference only warns.
            verifier: PdfVerifier::new(store).with_licence_verifier(
                elicence::Verifier::new([])
                    .with_status_policy(elicence::verify::StatusPolicy::Warn),
            ),
            police,
            market,
            place,
            alone,
            joint,
        }
    })
}

fn seal(by: &Authority, pdf: &[u8], when: &str) -> Vec<u8> {
    by.sealer
        .apply(pdf, &by.key, world().place, at(when))
        .unwrap()
}

/// Where the last cross-reference section starts.
fn last_xref(pdf: &[u8]) -> usize {
    let at = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
    String::from_utf8_lossy(&pdf[at + 9..])
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The `/Root` reference of the last trailer, as text (`N 0 R`).
fn root_of(pdf: &[u8]) -> String {
    let doc = elicence::pdf::Document::read(pdf).unwrap();
    let root = doc
        .trailer(doc.latest())
        .unwrap()
        .get(b"Root")
        .unwrap()
        .as_reference()
        .unwrap();
    format!("{} {} R", root.number, root.generation)
}

/// An unsigned incremental update of `pdf` (classic table) with `objects`.
fn unsigned_update(pdf: &[u8], objects: &[(u32, String)]) -> Vec<u8> {
    let mut out = pdf.to_vec();
    let mut rows = String::new();
    for (number, body) in objects {
        rows.push_str(&format!("{number} 1\n{:010} 00000 n\r\n", out.len()));
        out.extend_from_slice(format!("{number} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n{rows}trailer\n<</Size 9001/Root {}/Prev {}>>\nstartxref\n{xref}\n%%EOF\n",
            root_of(pdf),
            last_xref(pdf)
        )
        .as_bytes(),
    );
    out
}

/// The object `number`'s body as the newest revision of `pdf` has it.
fn object_text(pdf: &[u8], number: u32) -> String {
    let doc = elicence::pdf::Document::read(pdf).unwrap();
    let Some((_, elicence::pdf::Entry::InUse { offset, .. })) = doc.entry(doc.latest(), number)
    else {
        panic!("object {number} is not stored plainly")
    };
    let text = &pdf[offset..];
    let start = text.windows(3).position(|w| w == b"obj").unwrap() + 3;
    let end = text.windows(6).position(|w| w == b"endobj").unwrap();
    String::from_utf8_lossy(&text[start..end]).trim().to_owned()
}

/// The first page's object number.
fn first_page(pdf: &[u8]) -> u32 {
    let doc = elicence::pdf::Document::read(pdf).unwrap();
    let view = doc.latest();
    let catalog = doc.catalog(view).unwrap();
    let pages = catalog.as_dict().unwrap().get(b"Pages").unwrap().clone();
    let pages = doc.resolve(view, &pages).unwrap();
    let kids = pages
        .as_dict()
        .unwrap()
        .get(b"Kids")
        .unwrap()
        .as_array()
        .unwrap();
    kids[0].as_reference().unwrap().number
}

/// The number of the first object whose body contains `marker`.
fn number_of(pdf: &[u8], marker: &str) -> u32 {
    let at = pdf
        .windows(marker.len())
        .position(|w| w == marker.as_bytes())
        .unwrap();
    let head = &pdf[..at];
    let obj = head.windows(4).rposition(|w| w == b" obj").unwrap();
    let line_start = head[..obj]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    String::from_utf8_lossy(&head[line_start..obj])
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Every case: its name, the PDF, and the codes its verdict must contain
/// (an empty list: it must be valid).
fn cases() -> Vec<(&'static str, Vec<u8>, Vec<&'static str>)> {
    let w = world();
    let police_sealed = seal(&w.police, &w.alone, SEALED);
    let joint_sealed = seal(&w.market, &seal(&w.police, &w.joint, SEALED), CO_SEALED);
    let mut cases = vec![
        ("valid-sealed-by-its-issuer", police_sealed.clone(), vec![]),
        (
            "valid-jointly-sealed-by-a-named-co-issuer",
            joint_sealed.clone(),
            vec![],
        ),
        ("unsealed", w.alone.clone(), vec!["not_sealed"]),
    ];

    // Cross-authority: another authority's valid seal on the police's licence.
    cases.push((
        "sealed-only-by-another-authority",
        seal(&w.market, &w.alone, SEALED),
        vec![
            "not_sealed_by_issuer",
            "seal_owner_not_named",
            "licence_invalid",
        ],
    ));
    cases.push((
        "co-sealed-by-an-authority-the-licence-does-not-name",
        seal(&w.market, &police_sealed, CO_SEALED),
        vec!["seal_owner_not_named"],
    ));

    // A stranger: one byte of the page changed, bytes appended.
    let mut changed = police_sealed.clone();
    let at = changed.windows(7).position(|w| w == b"/Author").unwrap();
    changed[at + 1] = b'a';
    cases.push((
        "stranger-changes-one-byte",
        changed,
        vec!["digest_mismatch", "seal_invalid"],
    ));
    let mut appended = police_sealed.clone();
    appended.extend_from_slice(b"% appended\n");
    cases.push((
        "stranger-appends-a-line",
        appended,
        vec!["unsealed_bytes_after_last_seal"],
    ));

    // Incremental saving: an unsigned revision after the last seal replaces
    // the page's content or the embedded licence.
    let page = first_page(&police_sealed);
    let page_text = object_text(&police_sealed, page);
    cases.push((
        "unsigned-revision-replaces-the-page",
        unsigned_update(
            &police_sealed,
            &[(page, page_text.replace("/Contents", "/Contents 1 0 R /Old"))],
        ),
        vec!["unsealed_bytes_after_last_seal"],
    ));
    let file = number_of(&police_sealed, "/Type/EmbeddedFile");
    cases.push((
        "unsigned-revision-replaces-the-embedded-licence",
        unsigned_update(
            &police_sealed,
            &[(
                file,
                "<</Type/EmbeddedFile/Length 3>>\nstream\nabc\nendstream".to_owned(),
            )],
        ),
        vec!["unsealed_bytes_after_last_seal"],
    ));
    // An unsigned revision between the issuer's seal and a co-signer's: the
    // co-signer seals what it changed; the issuer's seal no longer holds.
    let between = unsigned_update(
        &seal(&w.police, &w.joint, SEALED),
        &[(9000, "(an object the issuer never sealed)".to_owned())],
    );
    cases.push((
        "co-signer-seals-over-an-unsigned-revision",
        seal(&w.market, &between, CO_SEALED),
        vec![
            "changed_after_sealing",
            "seal_invalid",
            "not_sealed_by_issuer",
        ],
    ));

    // Seals vanish: a revision that removes the seal from the form and the
    // page, or that points the field at nothing: the revision still holds
    // signature objects, or the field is still in an earlier revision, so
    // the seal is still checked, and the later revision is refused.
    let sealed_catalog = root_of(&police_sealed);
    let catalog_number: u32 = sealed_catalog.split(' ').next().unwrap().parse().unwrap();
    let catalog_text = object_text(&police_sealed, catalog_number);
    let without_form = catalog_text
        .split("/AcroForm")
        .next()
        .unwrap()
        .trim_end()
        .to_owned()
        + ">>";
    cases.push((
        "revision-removes-the-form",
        unsigned_update(&police_sealed, &[(catalog_number, without_form)]),
        vec!["unsealed_bytes_after_last_seal"],
    ));
    let widget = number_of(&police_sealed, "/Subtype /Widget");
    let widget_text = object_text(&police_sealed, widget);
    cases.push((
        "revision-points-the-field-at-nothing",
        unsigned_update(
            &police_sealed,
            &[(widget, widget_text.replacen("/V ", "/V 8999 0 R /X ", 1))],
        ),
        vec!["malformed_seal_revision", "unaccounted_signature_object"],
    ));
    // Shadow: a second, unsigned signature field and widget drawn over the
    // page in a revision of its own.
    cases.push((
        "revision-adds-an-unsigned-signature-field",
        unsigned_update(
            &police_sealed,
            &[(
                9000,
                "<</Type/Annot/Subtype/Widget/FT/Sig/T(Fake)/Rect[0 0 595 842]/F 4>>".to_owned(),
            )],
        ),
        vec![
            "malformed_seal_revision",
            "unaccounted_signature_object",
            "changed_after_sealing",
        ],
    ));
    // The base revision itself carries a signature dictionary before the
    // issuer seals it: it is no seal, and it is not ignored.
    let pre_signed = unsigned_update(
        &w.alone,
        &[(
            9000,
            "<</Type/Sig/Filter/Adobe.PPKLite/ByteRange[0 0 0 0]/Contents<00>>>".to_owned(),
        )],
    );
    cases.push((
        "a-signature-dictionary-before-the-seal",
        seal(&w.police, &pre_signed, SEALED),
        vec![
            "malformed_seal_revision",
            "unaccounted_signature_object",
            "seal_invalid",
        ],
    ));

    // Parser differentials in a revision after the seal: a free entry over
    // the licence, a hybrid section, an entry at another object's header.
    let mut freed = police_sealed.clone();
    let xref = freed.len();
    freed.extend_from_slice(
        format!(
            "xref\n{file} 1\n0000000000 00001 f\r\ntrailer\n<</Size 9001/Root {}/Prev {}>>\nstartxref\n{xref}\n%%EOF\n",
            root_of(&police_sealed),
            last_xref(&police_sealed)
        )
        .as_bytes(),
    );
    cases.push((
        "revision-frees-the-embedded-licence",
        freed,
        vec!["unsealed_bytes_after_last_seal"],
    ));
    let hybrid = {
        // The trailer gains `/XRefStm 0 ` before `/Prev`: the offsets before
        // it do not move, and startxref still points at the section.
        let mut out = unsigned_update(&police_sealed, &[(9000, "null".to_owned())]);
        let at = out.windows(6).rposition(|w| w == b"/Prev ").unwrap();
        out.splice(at..at, b"/XRefStm 0 ".iter().copied());
        out
    };
    cases.push(("hybrid-reference-revision", hybrid, vec!["unreadable_pdf"]));
    let aliased = {
        let mut out = police_sealed.clone();
        let xref = out.len();
        let page_at = {
            let doc = elicence::pdf::Document::read(&police_sealed).unwrap();
            match doc.entry(doc.latest(), page) {
                Some((_, elicence::pdf::Entry::InUse { offset, .. })) => offset,
                _ => unreachable!(),
            }
        };
        out.extend_from_slice(
            format!(
                "xref\n{file} 1\n{page_at:010} 00000 n\r\ntrailer\n<</Size 9001/Root {}/Prev {}>>\nstartxref\n{xref}\n%%EOF\n",
                root_of(&police_sealed),
                last_xref(&police_sealed)
            )
            .as_bytes(),
        );
        out
    };
    cases.push((
        "revision-aliases-the-licence-to-the-page",
        aliased,
        vec!["unreadable_pdf"],
    ));
    cases
}

#[test]
fn every_attack_is_refused_with_its_reason_and_the_controls_hold() {
    let w = world();
    let now = at(NOW);
    for (name, pdf, expected) in cases() {
        let verdict = w.verifier.verify(&pdf, now);
        let codes = verdict.codes();
        if expected.is_empty() {
            assert!(verdict.is_valid(), "{name}: {codes:?}");
            continue;
        }
        assert!(!verdict.is_valid(), "{name} is accepted");
        for code in &expected {
            assert!(codes.contains(code), "{name}: {codes:?} lacks {code}");
        }
    }
}

/// Writes every case to `$ATTACK_DIR` (default `target/pdf-attacks`) as
/// `NAME.pdf`, and `expected.tsv`.
#[test]
#[ignore]
fn write_attack_corpus() {
    let dir = std::env::var("ATTACK_DIR").unwrap_or_else(|_| "target/pdf-attacks".into());
    std::fs::create_dir_all(&dir).unwrap();
    let mut expected = String::new();
    // The valid controls are left out: the corpus is for bounds, judged
    // against another root.
    for (name, pdf, codes) in cases().into_iter().filter(|c| !c.2.is_empty()) {
        std::fs::write(format!("{dir}/{name}.pdf"), pdf).unwrap();
        expected.push_str(&format!("{name}\t{}\n", codes.join(",")));
    }
    std::fs::write(format!("{dir}/expected.tsv"), expected).unwrap();
}
