#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;
use crate::pdf::text_from_pdf;

#[test]
fn pdf_dates_round_trip_and_refuse_partial_forms() {
    let at = UnixTime::parse_rfc3339("2026-11-23T08:05:09Z").unwrap();
    assert_eq!(pdf_date(at), "D:20261123080509Z");
    assert_eq!(parse_pdf_date(pdf_date(at).as_bytes()), Some(at));
    assert_eq!(parse_pdf_date(b"D:20261123160509+08'00'"), Some(at));
    assert_eq!(parse_pdf_date(b"D:20261123160509+08'00"), Some(at));
    for bad in [
        &b"D:2026112316"[..],
        b"20261123160509Z",
        b"D:2026112316050xZ",
        b"D:20261123160509+8'00'",
        b"D:20261323160509Z",
    ] {
        assert_eq!(
            parse_pdf_date(bad),
            None,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn seals_in_a_row_go_left_then_right_and_stay_on_the_page() {
    // A4 landscape, seal at 220 mm: the second goes 43 mm to the left.
    assert_eq!(row_position(220.0, 40.0, 0, 297.0), 220.0);
    assert_eq!(row_position(220.0, 40.0, 1, 297.0), 177.0);
    // Near the left edge the next one goes to the right instead.
    assert_eq!(row_position(30.0, 40.0, 1, 297.0), 73.0);
    // No room either side: the same place.
    assert_eq!(row_position(30.0, 40.0, 1, 60.0), 30.0);
}

#[test]
fn text_strings_decode_utf16_and_latin1() {
    assert_eq!(text_from_pdf(&[0xFE, 0xFF, 0x53, 0x70, 0x00, 0x41]), "印A");
    assert_eq!(text_from_pdf(b"Seal1"), "Seal1");
}

#[test]
fn garbage_is_an_error_and_an_unsealed_pdf_has_no_seals() {
    let store = TrustStore::new();
    assert!(matches!(
        check_sealed_pdf(b"not a pdf", &store),
        Err(SealPdfError::Read(crate::pdf::PdfReadError::NotPdf))
    ));
    assert!(matches!(
        check_sealed_pdf(&vec![b' '; MAX_PDF_LEN + 1], &store),
        Err(SealPdfError::TooLarge { .. })
    ));
    let checked = check_sealed_pdf(&blank_pdf(), &store).unwrap();
    assert!(checked.seals.is_empty());
    assert!(!checked.is_intact(), "a PDF without seals is not sealed");
}

#[path = "../../../tests/support/blank_pdf.rs"]
mod blank_pdf;
use blank_pdf::blank_pdf;

#[cfg(feature = "ca")]
mod sealed {
    use super::super::write::BYTE_RANGE_SLOT;
    use super::*;
    use crate::keys::SigningKey;
    use crate::seal::record::{SealInfo, SealPicture};
    use crate::trust::ca::{Role, issue, self_signed};

    fn at(s: &str) -> UnixTime {
        UnixTime::parse_rfc3339(s).unwrap()
    }

    const POLICE: &str = "111100000000213452";
    const REGULATOR: &str = "11110108MB1234567C";

    mod test_pki {
        use crate::date::UnixTime;
        use crate::keys::{Signer, SigningKey};
        use crate::trust::Certificate;
        use crate::trust::ca::{CertificateRequest, Role, issue, self_signed};
        include!("../../../tests/support/test_pki.rs");
    }

    struct Pki {
        root: Certificate,
        mid: Certificate,
        maker: (SigningKey, Certificate),
        police: (SigningKey, Certificate),
        regulator: (SigningKey, Certificate),
    }

    fn pki() -> Pki {
        let pki = test_pki::TestPki::new();
        Pki {
            maker: pki.seal_maker(3, "印章制作中心", "91110000600037341L"),
            police: pki.signer(4, "北京市公安局公安交通管理局", POLICE),
            regulator: pki.signer(5, "北京市海淀区市场监督管理局", REGULATOR),
            root: pki.root,
            mid: pki.mid,
        }
    }

    /// A small red PNG: one ink colour, alpha only where the ink is.
    fn picture() -> SealPicture {
        let mut pixmap = tiny_skia::Pixmap::new(40, 40).unwrap();
        pixmap.fill(tiny_skia::Color::from_rgba8(200, 0, 0, 180));
        SealPicture::from_png(pixmap.encode_png().unwrap(), 40, 40).unwrap()
    }

    fn seal(pki: &Pki, owner: &str, holder: &Certificate, valid: (&str, &str)) -> SignedSeal {
        let info = SealInfo::builder(&format!("{owner}-1"), "示例印章", owner.parse().unwrap())
            .purpose("行政审批专用章")
            .allow_certificate(holder)
            .validity(at(valid.0), at(valid.0), at(valid.1))
            .picture(picture())
            .build()
            .unwrap();
        SignedSeal::sign(info, &pki.maker.0, &[pki.maker.1.clone(), pki.mid.clone()]).unwrap()
    }

    const SEAL_VALIDITY: (&str, &str) = ("2024-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    const PLACE: Placement = Placement::at(1, 150.0, 230.0);

    fn sealed_by_police(pki: &Pki, when: &str) -> Vec<u8> {
        let seal = seal(pki, POLICE, &pki.police.1, SEAL_VALIDITY);
        let sealer = PdfSealer::new(seal, &[pki.police.1.clone(), pki.mid.clone()]).unwrap();
        sealer
            .apply(&blank_pdf(), &pki.police.0, PLACE, at(when))
            .unwrap()
    }

    fn roots(pki: &Pki) -> TrustStore {
        let mut store = TrustStore::new();
        store.add_root(pki.root.clone());
        store
    }

    fn only_status(pdf: &[u8], store: &TrustStore) -> Result<(), SealCheckFailure> {
        let checked = check_sealed_pdf(pdf, store).unwrap();
        assert_eq!(checked.seals.len(), 1);
        checked.seals[0].status.clone()
    }

    #[test]
    fn a_sealed_pdf_checks_against_the_root_alone() {
        let pki = pki();
        let original = blank_pdf();
        let pdf = sealed_by_police(&pki, "2025-03-01T10:00:00Z");
        assert!(pdf.starts_with(&original), "an incremental update");
        let checked = check_sealed_pdf(&pdf, &roots(&pki)).unwrap();
        assert!(checked.is_intact(), "{:?}", checked.seals[0].status);
        let seal = &checked.seals[0];
        assert_eq!(seal.field, "Seal1");
        assert_eq!(seal.covered_len, pdf.len());
        assert_eq!(seal.signed_at, Some(at("2025-03-01T10:00:00Z")));
        assert_eq!(
            seal.seal.as_ref().unwrap().info().owner().to_string(),
            POLICE
        );
        assert_eq!(seal.signer.as_ref(), Some(&pki.police.1));
        assert!(seal.certificates.contains(&pki.mid));
        assert_eq!(checked.unsealed_tail, 0);
        // Deterministic: the same inputs give the same bytes.
        assert_eq!(pdf, sealed_by_police(&pki, "2025-03-01T10:00:00Z"));
    }

    #[test]
    fn a_second_seal_covers_the_first() {
        let pki = pki();
        let first = sealed_by_police(&pki, "2025-03-01T10:00:00Z");
        let seal = seal(&pki, REGULATOR, &pki.regulator.1, SEAL_VALIDITY);
        let sealer = PdfSealer::new(seal, &[pki.regulator.1.clone(), pki.mid.clone()]).unwrap();
        let both = sealer
            .apply(&first, &pki.regulator.0, PLACE, at("2025-03-01T11:00:00Z"))
            .unwrap();
        assert!(both.starts_with(&first));
        let checked = check_sealed_pdf(&both, &roots(&pki)).unwrap();
        assert!(checked.is_intact());
        let fields: Vec<_> = checked.seals.iter().map(|s| s.field.as_str()).collect();
        assert_eq!(fields, ["Seal1", "Seal2"]);
        assert_eq!(checked.seals[0].covered_len, first.len());
        assert_eq!(checked.seals[1].covered_len, both.len());
    }

    /// A page with an indirect /Annots and a catalog with an indirect form
    /// whose /Fields is indirect too, as other tools write them; written
    /// with a classic table, or (`modern`) with object and
    /// cross-reference streams.
    fn indirect_form_pdf(modern: bool) -> Vec<u8> {
        use lopdf::{Document, Object, Stream, dictionary};
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let content = doc.add_object(Stream::new(dictionary! {}, b"BT ET".to_vec()));
        let annots = doc.add_object(Object::Array(vec![]));
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.5.into(), 842.into()],
            "Contents" => content,
            "Annots" => annots,
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
            ),
        );
        let fields = doc.add_object(Object::Array(vec![]));
        let form = doc.add_object(dictionary! { "Fields" => fields });
        let catalog = doc.add_object(
            dictionary! { "Type" => "Catalog", "Pages" => pages_id, "AcroForm" => form },
        );
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        if modern {
            doc.save_modern(&mut out).unwrap();
        } else {
            doc.save_to(&mut out).unwrap();
        }
        out
    }

    #[test]
    fn indirect_forms_fields_and_annots_and_xref_streams_hold_two_seals() {
        let pki = pki();
        for modern in [false, true] {
            let base = indirect_form_pdf(modern);
            let police = PdfSealer::new(
                seal(&pki, POLICE, &pki.police.1, SEAL_VALIDITY),
                &[pki.police.1.clone(), pki.mid.clone()],
            )
            .unwrap();
            let regulator = PdfSealer::new(
                seal(&pki, REGULATOR, &pki.regulator.1, SEAL_VALIDITY),
                &[pki.regulator.1.clone(), pki.mid.clone()],
            )
            .unwrap();
            let once = police
                .apply(&base, &pki.police.0, PLACE, at("2025-03-01T10:00:00Z"))
                .unwrap();
            let twice = regulator
                .apply(&once, &pki.regulator.0, PLACE, at("2025-03-01T11:00:00Z"))
                .unwrap();
            let checked = check_sealed_pdf(&twice, &roots(&pki)).unwrap();
            assert!(checked.is_intact(), "modern {modern}: {:?}", checked.seals);
            assert_eq!(checked.seals.len(), 2);
        }
    }

    /// `pdf` with its last seal's byte range and signature blanked again, as
    /// the sealer left them before signing: a revision to edit and sign
    /// with `PdfSealer::sign_prepared`, as a co-signer holding a valid key
    /// could.
    fn unsigned(mut pdf: Vec<u8>) -> Vec<u8> {
        let slot = pdf
            .windows(13)
            .rposition(|w| w == b"/ByteRange[0 ")
            .unwrap()
            + 13;
        pdf[slot..slot + BYTE_RANGE_SLOT].fill(b' ');
        let hole = slot + BYTE_RANGE_SLOT + b"]/Contents<".len();
        pdf[hole..hole + 2 * CONTENTS_LEN].fill(b'0');
        pdf
    }

    /// Replaces the last `from` in the bytes after `after` with `to`, of the
    /// same length, so that no offset moves.
    fn replace_last(pdf: &mut [u8], after: usize, from: &[u8], to: &[u8]) {
        assert_eq!(from.len(), to.len());
        let at = after
            + pdf[after..]
                .windows(from.len())
                .rposition(|w| w == from)
                .unwrap();
        pdf[at..at + to.len()].copy_from_slice(to);
    }

    #[test]
    fn a_co_signer_cannot_change_anything_in_a_validly_signed_seal_revision() {
        let pki = pki();
        let first = sealed_by_police(&pki, "2025-03-01T10:00:00Z");
        let regulator = PdfSealer::new(
            seal(&pki, REGULATOR, &pki.regulator.1, SEAL_VALIDITY),
            &[pki.regulator.1.clone(), pki.mid.clone()],
        )
        .unwrap();
        let honest = regulator
            .apply(&first, &pki.regulator.0, PLACE, at("2025-03-01T11:00:00Z"))
            .unwrap();
        let root = {
            let doc = crate::pdf::Document::read(&first).unwrap();
            doc.trailer(doc.latest())
                .unwrap()
                .get(b"Root")
                .unwrap()
                .as_reference()
                .unwrap()
        };
        let other = if root.number > 1 {
            root.number - 1
        } else {
            root.number + 1
        };
        let root_text = format!("/Root {} 0 R", root.number);
        let other_text = format!("/Root {other} 0 R");
        // Each edit keeps every offset, and the edited revision is signed
        // again with the co-signer's valid key: only structure can catch it.
        let edits: Vec<(&str, Vec<u8>, Vec<u8>, &str)> = vec![
            (
                "trailer /Root swapped",
                root_text.into_bytes(),
                other_text.into_bytes(),
                "malformed_seal_revision",
            ),
            (
                "widget flags changed",
                b"/F 132".to_vec(),
                b"/F 100".to_vec(),
                "malformed_seal_revision",
            ),
            (
                "appearance draws something else",
                b"/Seal Do Q".to_vec(),
                b"0 0 m f  Q".to_vec(),
                "appearance_mismatch",
            ),
            (
                "appearance blend changed",
                b"/BM /Multiply".to_vec(),
                b"/BM /Screen  ".to_vec(),
                "appearance_mismatch",
            ),
        ];
        for (what, from, to, code) in edits {
            let mut pdf = unsigned(honest.clone());
            replace_last(&mut pdf, first.len(), &from, &to);
            let attacked = regulator.sign_prepared(pdf, &pki.regulator.0).unwrap();
            let checked = check_sealed_pdf(&attacked, &roots(&pki)).unwrap();
            let codes: Vec<_> = checked
                .seals
                .iter()
                .map(|s| s.status.as_ref().err().map(SealCheckFailure::code))
                .collect();
            assert_eq!(
                codes,
                [Some("changed_after_sealing"), Some(code)],
                "{what}: {:?}",
                checked.seals
            );
        }
        // The honest revision, blanked and signed again, still holds: the
        // edits above are what is refused.
        let again = regulator
            .sign_prepared(unsigned(honest), &pki.regulator.0)
            .unwrap();
        assert!(check_sealed_pdf(&again, &roots(&pki)).unwrap().is_intact());
    }

    #[test]
    fn a_changed_byte_breaks_the_seal() {
        let pki = pki();
        let mut pdf = sealed_by_police(&pki, "2025-03-01T10:00:00Z");
        let at = pdf.windows(7).position(|w| w == b"licence").unwrap();
        pdf[at] = b'L';
        assert_eq!(
            only_status(&pdf, &roots(&pki)),
            Err(SealCheckFailure::DigestMismatch)
        );
    }

    #[test]
    fn bytes_added_after_the_seal_are_reported() {
        let pki = pki();
        let mut pdf = sealed_by_police(&pki, "2025-03-01T10:00:00Z");
        pdf.extend_from_slice(b"% added later\n");
        let checked = check_sealed_pdf(&pdf, &roots(&pki)).unwrap();
        assert_eq!(checked.seals[0].status, Ok(()));
        assert_eq!(checked.unsealed_tail, 14);
        assert!(!checked.is_intact());
    }

    /// The first object in `pdf` that contains `marker`: its id and its
    /// bytes from `N 0 obj` to `endobj`.
    fn object_starting(pdf: &[u8], marker: &[u8]) -> (usize, Vec<u8>) {
        let find = |from: usize, what: &[u8]| {
            pdf[from..]
                .windows(what.len())
                .position(|w| w == what)
                .unwrap()
                + from
        };
        let start = find(0, marker);
        let header = pdf[..start].windows(4).rposition(|w| w == b" obj").unwrap();
        let id_start = pdf[..header].iter().rposition(|&b| b == b'\n').unwrap() + 1;
        let end = find(start, b"endobj") + 6;
        (number_at(pdf, id_start), pdf[id_start..end].to_vec())
    }

    fn number_at(pdf: &[u8], at: usize) -> usize {
        let digits: Vec<u8> = pdf[at..]
            .iter()
            .copied()
            .take_while(u8::is_ascii_digit)
            .collect();
        String::from_utf8(digits).unwrap().parse().unwrap()
    }

    /// `pdf` with a revision appended that redefines object `id` as `object`.
    fn redefined(pdf: &[u8], id: usize, object: &[u8]) -> Vec<u8> {
        let rfind = |what: &[u8]| pdf.windows(what.len()).rposition(|w| w == what).unwrap();
        let prev = number_at(pdf, rfind(b"startxref\n") + 10);
        let root = number_at(pdf, rfind(b"/Root ") + 6);
        let size = number_at(pdf, rfind(b"/Size ") + 6);
        let mut updated = pdf.to_vec();
        let offset = updated.len();
        updated.extend_from_slice(object);
        updated.push(b'\n');
        let xref = updated.len();
        updated.extend_from_slice(
            format!(
                "xref\n{id} 1\n{offset:010} 00000 n\r\ntrailer\n<</Size {size}/Root {root} 0 R/Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        updated
    }

    #[test]
    fn a_signature_dictionary_redefined_later_is_refused() {
        let pki = pki();
        let pdf = sealed_by_police(&pki, "2025-03-01T10:00:00Z");
        // The signature dictionary again, in an appended revision, with
        // another signing time: everything else, hole included, the same.
        let (id, mut object) = object_starting(&pdf, b"<</Type/Sig");
        let at = object.windows(6).position(|w| w == b"(D:202").unwrap();
        object[at + 6] = b'4';
        let updated = redefined(&pdf, id, &object);
        let checked = check_sealed_pdf(&updated, &roots(&pki)).unwrap();
        // The redefinition is a revision with a signature dictionary that is
        // no seal's: it is a seal that fails, and the first seal is followed
        // by something that is not a seal.
        assert_eq!(checked.seals.len(), 2);
        assert_eq!(
            checked.seals[0].status.as_ref().unwrap_err().code(),
            "changed_after_sealing"
        );
        assert_eq!(
            checked.seals[1].status.as_ref().unwrap_err().code(),
            "malformed_seal_revision"
        );
        assert!(!checked.is_intact());
    }

    #[test]
    fn a_later_seal_does_not_cover_a_changed_page() {
        let pki = pki();
        let pdf = sealed_by_police(&pki, "2025-03-01T10:00:00Z");
        // The page's text changed in a revision of its own, then sealed over
        // by another authority: the second seal holds, the first does not.
        let (id, object) = object_starting(&pdf, b"stream\nBT /F1 12 Tf");
        let text = String::from_utf8(object)
            .unwrap()
            .replace("(licence)", "(LICENCE)");
        let changed = redefined(&pdf, id, text.as_bytes());
        let seal = seal(&pki, REGULATOR, &pki.regulator.1, SEAL_VALIDITY);
        let sealer = PdfSealer::new(seal, &[pki.regulator.1.clone(), pki.mid.clone()]).unwrap();
        let both = sealer
            .apply(
                &changed,
                &pki.regulator.0,
                PLACE,
                at("2025-03-01T11:00:00Z"),
            )
            .unwrap();
        let checked = check_sealed_pdf(&both, &roots(&pki)).unwrap();
        assert_eq!(checked.unsealed_tail, 0);
        assert_eq!(
            checked.seals[0].status.as_ref().unwrap_err().code(),
            "changed_after_sealing"
        );
        assert_eq!(checked.seals[1].status, Ok(()));
        assert!(!checked.is_intact());
    }

    /// The hole's position and the CMS length in `pdf`'s last seal.
    fn hole(pdf: &[u8]) -> std::ops::Range<usize> {
        let start = pdf.windows(10).rposition(|w| w == b"/Contents<").unwrap() + 9;
        start..start + 2 + 2 * CONTENTS_LEN
    }

    #[test]
    fn the_byte_range_must_be_the_file_minus_the_hole() {
        let pki = pki();
        let pdf = sealed_by_police(&pki, "2025-03-01T10:00:00Z");
        let slot = pdf.windows(12).position(|w| w == b"/ByteRange[0").unwrap() + 13;
        let numbers = String::from_utf8(pdf[slot..slot + BYTE_RANGE_SLOT].to_vec()).unwrap();
        let n: Vec<usize> = numbers
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        let write = |text: String| {
            let mut pdf = pdf.clone();
            pdf[slot..slot + BYTE_RANGE_SLOT].copy_from_slice(format!("{text:<32}").as_bytes());
            only_status(&pdf, &roots(&pki))
        };
        let code = |r: Result<(), SealCheckFailure>| r.unwrap_err().code();
        // Stops short of the revision's end.
        assert_eq!(
            code(write(format!("{} {} {}", n[0], n[1], n[2] - 1))),
            "byte_range"
        );
        // A hole one byte wider than /Contents.
        assert_eq!(
            code(write(format!("{} {} {}", n[0] - 1, n[1], n[2]))),
            "byte_range"
        );
        // Past the end of the file.
        assert_eq!(
            code(write(format!("{} {} {}", n[0], n[1], n[2] + 1))),
            "byte_range"
        );
        assert_eq!(code(write(format!("{} {}", n[0], n[1]))), "byte_range");
    }

    #[test]
    fn the_cms_signature_and_padding_are_checked() {
        let pki = pki();
        let pdf = sealed_by_police(&pki, "2025-03-01T10:00:00Z");
        let hole = hole(&pdf);
        let hex = &pdf[hole.start + 1..hole.end - 1];
        let used = hex.iter().rposition(|&c| c != b'0').unwrap() + 1;
        // Non-zero bytes after the SignedData.
        let mut padded = pdf.clone();
        padded[hole.end - 2] = b'1';
        assert_eq!(
            only_status(&padded, &roots(&pki)).unwrap_err().code(),
            "malformed_cms"
        );
        // The signature is the SignedData's last element: change its last byte.
        let mut forged = pdf.clone();
        let last = hole.start + used;
        forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            only_status(&forged, &roots(&pki)),
            Err(SealCheckFailure::BadSignature)
        );
    }

    #[test]
    fn trust_time_ownership_and_permission_are_checked() {
        let pki = pki();
        let pdf = sealed_by_police(&pki, "2025-03-01T10:00:00Z");
        assert_eq!(
            only_status(&pdf, &TrustStore::new()).unwrap_err().code(),
            "signer_untrusted"
        );

        // The seal's validity ends before the signing time.
        let expired = seal(
            &pki,
            POLICE,
            &pki.police.1,
            ("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
        );
        let sealer = PdfSealer::new(expired, &[pki.police.1.clone(), pki.mid.clone()]).unwrap();
        assert!(matches!(
            sealer.apply(
                &blank_pdf(),
                &pki.police.0,
                PLACE,
                at("2025-03-01T10:00:00Z")
            ),
            Err(SealPdfError::NotValidAt {
                what: NotValidPart::Seal,
                ..
            })
        ));
        let pdf = sealer
            .apply_unchecked(
                &blank_pdf(),
                &pki.police.0,
                PLACE,
                at("2025-03-01T10:00:00Z"),
            )
            .unwrap();
        assert_eq!(
            only_status(&pdf, &roots(&pki)).unwrap_err().code(),
            "seal_not_valid_at_signing"
        );

        // The signer's certificate ended before the signing time.
        let sealer = PdfSealer::new(
            seal(
                &pki,
                POLICE,
                &pki.police.1,
                ("2024-01-01T00:00:00Z", "2030-01-01T00:00:00Z"),
            ),
            &[pki.police.1.clone(), pki.mid.clone()],
        )
        .unwrap();
        assert!(matches!(
            sealer.apply(
                &blank_pdf(),
                &pki.police.0,
                PLACE,
                at("2029-01-01T00:00:00Z")
            ),
            Err(SealPdfError::NotValidAt {
                what: NotValidPart::SignerCertificate,
                ..
            })
        ));
        let pdf = sealer
            .apply_unchecked(
                &blank_pdf(),
                &pki.police.0,
                PLACE,
                at("2029-01-01T00:00:00Z"),
            )
            .unwrap();
        assert_eq!(
            only_status(&pdf, &roots(&pki)).unwrap_err().code(),
            "signer_not_valid_at_signing"
        );

        // A seal in the regulator's name that lists the police's certificate:
        // the police may not seal as the regulator.
        let borrowed = seal(&pki, REGULATOR, &pki.police.1, SEAL_VALIDITY);
        let sealer = PdfSealer::new(borrowed, &[pki.police.1.clone(), pki.mid.clone()]).unwrap();
        let pdf = sealer
            .apply(
                &blank_pdf(),
                &pki.police.0,
                PLACE,
                at("2025-03-01T10:00:00Z"),
            )
            .unwrap();
        assert_eq!(
            only_status(&pdf, &roots(&pki)).unwrap_err().code(),
            "owner_mismatch"
        );

        // The sealer refuses a signer the seal does not list, or a wrong key.
        let regulators = seal(&pki, REGULATOR, &pki.regulator.1, SEAL_VALIDITY);
        assert!(matches!(
            PdfSealer::new(regulators.clone(), std::slice::from_ref(&pki.police.1)),
            Err(SealPdfError::SignerNotAllowed { .. })
        ));
        let sealer = PdfSealer::new(regulators, std::slice::from_ref(&pki.regulator.1)).unwrap();
        assert!(matches!(
            sealer.apply(
                &blank_pdf(),
                &pki.police.0,
                PLACE,
                at("2025-03-01T10:00:00Z")
            ),
            Err(SealPdfError::KeyMismatch)
        ));
        assert!(matches!(
            sealer.apply(
                &blank_pdf(),
                &pki.regulator.0,
                Placement { page: 2, ..PLACE },
                at("2025-03-01T10:00:00Z")
            ),
            Err(SealPdfError::NoSuchPage { page: 2, pages: 1 })
        ));
        for (cx, cy) in [
            (f32::NAN, 100.0),
            (100.0, f32::INFINITY),
            (-1.0, 100.0),
            (100.0, 300.0),
        ] {
            assert!(matches!(
                sealer.apply(
                    &blank_pdf(),
                    &pki.regulator.0,
                    Placement::at(1, cx, cy),
                    at("2025-03-01T10:00:00Z")
                ),
                Err(SealPdfError::OffPage { .. })
            ));
        }
    }

    #[test]
    fn a_seal_by_an_untrusted_maker_is_refused() {
        let pki = pki();
        let rogue_key = SigningKey::from_seed(&[9; 32]);
        let rogue_root =
            self_signed(&test_pki::request("rogue", None, Role::Root, 9), &rogue_key).unwrap();
        let rogue_maker_key = SigningKey::from_seed(&[10; 32]);
        let rogue_maker = issue(
            &test_pki::request(
                "印章制作中心",
                Some("91110000600037341L"),
                Role::SealMaker,
                10,
            ),
            &rogue_maker_key.public_key(),
            &rogue_root,
            &rogue_key,
        )
        .unwrap();
        let info = SealInfo::builder("rogue-1", "示例印章", POLICE.parse().unwrap())
            .allow_certificate(&pki.police.1)
            .validity(
                at(SEAL_VALIDITY.0),
                at(SEAL_VALIDITY.0),
                at(SEAL_VALIDITY.1),
            )
            .picture(picture())
            .build()
            .unwrap();
        let seal = SignedSeal::sign(info, &rogue_maker_key, &[rogue_maker]).unwrap();
        let sealer = PdfSealer::new(seal, &[pki.police.1.clone(), pki.mid.clone()]).unwrap();
        let pdf = sealer
            .apply(
                &blank_pdf(),
                &pki.police.0,
                PLACE,
                at("2025-03-01T10:00:00Z"),
            )
            .unwrap();
        assert_eq!(
            only_status(&pdf, &roots(&pki)).unwrap_err().code(),
            "seal_untrusted"
        );
    }

    /// The signature widgets' rectangles on page 1, in the order written.
    fn widget_rects(pdf: &[u8]) -> Vec<[f64; 4]> {
        let doc = crate::pdf::Document::read(pdf).unwrap();
        let view = doc.latest();
        let page = write::pages(&doc, view).unwrap()[0];
        seal_rects(&doc, view, page).unwrap()
    }

    /// Centre (mm from the top-left of an A4 portrait page) and width in mm.
    fn centre_and_width(rect: [f64; 4]) -> (f64, f64, f64) {
        let mm = f64::from(PT_PER_MM);
        let [l, b, r, t] = rect;
        (
            (l + r) / 2.0 / mm,
            (842.0 - (b + t) / 2.0) / mm,
            (r - l) / mm,
        )
    }

    #[test]
    fn the_placement_diameter_scales_the_picture_and_the_check_accepts_it() {
        let pki = pki();
        let seal = seal(&pki, POLICE, &pki.police.1, SEAL_VALIDITY);
        let sealer = PdfSealer::new(seal, &[pki.police.1.clone(), pki.mid.clone()]).unwrap();
        let when = at("2025-03-01T10:00:00Z");
        // The 40 mm picture at 20 mm, 40 mm (its own size), 60 mm, and
        // unscaled.
        for (diameter, want) in [
            (Some(20.0), 20.0),
            (Some(40.0), 40.0),
            (Some(60.0), 60.0),
            (None, 40.0),
        ] {
            let place = Placement {
                diameter_mm: diameter,
                ..PLACE
            };
            let pdf = sealer
                .apply(&blank_pdf(), &pki.police.0, place, when)
                .unwrap();
            let checked = check_sealed_pdf(&pdf, &roots(&pki)).unwrap();
            assert!(
                checked.is_intact(),
                "{diameter:?}: {:?}",
                checked.seals[0].status
            );
            let rects = widget_rects(&pdf);
            let (cx, cy, width) = centre_and_width(rects[0]);
            assert!((width - want).abs() < 0.01, "{diameter:?}: {width}");
            let [_, b, _, t] = rects[0];
            assert!(
                ((t - b) / f64::from(PT_PER_MM) - want).abs() < 0.01,
                "square kept"
            );
            assert!(
                (cx - 150.0).abs() < 0.01 && (cy - 230.0).abs() < 0.01,
                "({cx}, {cy})"
            );
        }
        // Too small or large on the page, or too far from the registered
        // size: refused with the numbers.
        for diameter in [14.9, 60.1, 15.0, f32::NAN, -20.0] {
            let err = sealer
                .apply(
                    &blank_pdf(),
                    &pki.police.0,
                    PLACE.with_diameter_mm(diameter),
                    when,
                )
                .unwrap_err();
            match err {
                SealPdfError::SealSize {
                    diameter_mm,
                    registered_mm,
                } => {
                    assert_eq!(diameter_mm.to_bits(), diameter.to_bits());
                    assert_eq!(registered_mm, 40.0);
                }
                other => panic!("{diameter}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_size_limits_are_absolute_and_relative_to_the_registered_picture() {
        // At its own size any registered picture is allowed.
        assert!(size_allowed(100.0, 100.0, 0.0));
        assert!(size_allowed(10.0, 10.0, 0.0));
        // Scaled: 15..=60 mm on the page and 0.4..=1.5 of the picture.
        assert!(size_allowed(40.0, 16.0, 0.0));
        assert!(!size_allowed(40.0, 15.9, 0.0));
        assert!(size_allowed(20.0, 30.0, 0.0));
        assert!(!size_allowed(20.0, 30.1, 0.0));
        assert!(!size_allowed(42.0, 60.5, 0.0));
        assert!(!size_allowed(40.0, f32::INFINITY, 0.0));
        // The checker's slack for a rectangle rounded to 0.01 pt.
        assert!(size_allowed(40.0, 15.99, 0.02));
    }

    #[test]
    fn a_seal_at_another_place_stays_there_and_one_on_a_taken_place_moves_along_the_row() {
        let pki = pki();
        let first = sealed_by_police(&pki, "2025-03-01T10:00:00Z");
        let regulator = PdfSealer::new(
            seal(&pki, REGULATOR, &pki.regulator.1, SEAL_VALIDITY),
            &[pki.regulator.1.clone(), pki.mid.clone()],
        )
        .unwrap();
        let when = at("2025-03-01T11:00:00Z");
        let elsewhere = Placement::at(1, 60.0, 100.0).with_diameter_mm(30.0);
        let apart = regulator
            .apply(&first, &pki.regulator.0, elsewhere, when)
            .unwrap();
        let rects = widget_rects(&apart);
        let (cx, cy, width) = centre_and_width(rects[1]);
        assert!(
            (cx - 60.0).abs() < 0.01 && (cy - 100.0).abs() < 0.01,
            "({cx}, {cy})"
        );
        assert!((width - 30.0).abs() < 0.01);
        let (cx, _, _) = centre_and_width(rects[0]);
        assert!((cx - 150.0).abs() < 0.01);
        // On the first seal's place: 43 mm to the left, as before.
        let same = regulator
            .apply(&first, &pki.regulator.0, PLACE, when)
            .unwrap();
        let (cx, cy, _) = centre_and_width(widget_rects(&same)[1]);
        assert!(
            (cx - 107.0).abs() < 0.01 && (cy - 230.0).abs() < 0.01,
            "({cx}, {cy})"
        );
        for pdf in [apart, same] {
            assert!(check_sealed_pdf(&pdf, &roots(&pki)).unwrap().is_intact());
        }
    }

    /// A licence PDF (the example driving licence, issued by the police,
    /// with the regulator as co-issuer if `joint`) and the templates it is
    /// placed by: the driving licence's, with a co-issuer seal place if
    /// `co_place`.
    #[cfg(feature = "embedded-font")]
    fn licence_pdf(
        pki: &Pki,
        joint: bool,
        co_place: bool,
    ) -> (Vec<u8>, crate::render::TemplateSet) {
        use crate::render::template::SealPlace;
        use crate::render::{FontSet, Renderer, TemplateSet};
        let mut json: serde_json::Value = serde_json::from_str(include_str!(
            "../../../examples/licences/driving-licence.json"
        ))
        .unwrap();
        json["issuer"] =
            serde_json::json!({ "name": "北京市公安局公安交通管理局", "code": POLICE });
        // No photo to carry: what is placed is the seal.
        json.as_object_mut().unwrap().remove("photo_sha256");
        if joint {
            json["co_issuers"] =
                serde_json::json!([{ "name": "北京市海淀区市场监督管理局", "code": REGULATOR }]);
        }
        let licence = crate::Licence::from_json(&json.to_string()).unwrap();
        let signed =
            crate::SignedLicence::sign(licence, &pki.police.0, at("2025-03-01T09:00:00Z")).unwrap();
        // The places set here rather than in the template's JSON, whose
        // layout rules are not what is tested.
        let mut template = TemplateSet::default()
            .for_type(signed.licence().type_code())
            .clone();
        template.seal = SealPlace {
            cx: 30.0,
            cy: 42.0,
            diameter: 20.0,
            purpose: None,
        };
        template.co_issuer_seals = if co_place {
            vec![SealPlace {
                cx: 54.0,
                cy: 44.0,
                diameter: 16.0,
                purpose: None,
            }]
        } else {
            Vec::new()
        };
        let mut renderer = Renderer::new(FontSet::embedded().unwrap());
        renderer.set_stamp_in_pdf(false);
        let templates = TemplateSet::single(template);
        (renderer.render_pdf(&signed, None).unwrap(), templates)
    }

    #[cfg(feature = "embedded-font")]
    #[test]
    fn joint_seals_each_go_over_their_own_authority_and_a_strangers_is_refused() {
        let pki = pki();
        let police = PdfSealer::new(
            seal(&pki, POLICE, &pki.police.1, SEAL_VALIDITY),
            &[pki.police.1.clone(), pki.mid.clone()],
        )
        .unwrap();
        let regulator = PdfSealer::new(
            seal(&pki, REGULATOR, &pki.regulator.1, SEAL_VALIDITY),
            &[pki.regulator.1.clone(), pki.mid.clone()],
        )
        .unwrap();
        let (pdf, templates) = licence_pdf(&pki, true, true);
        let place_of = |sealer: &PdfSealer, pdf: &[u8]| {
            Placement::for_licence_pdf(pdf, &templates, sealer.seal().info())
        };
        let first = place_of(&police, &pdf).unwrap();
        assert_eq!(first, Placement::at(1, 30.0, 42.0).with_diameter_mm(20.0));
        let once = police
            .apply(&pdf, &pki.police.0, first, at("2025-03-01T10:00:00Z"))
            .unwrap();
        let second = place_of(&regulator, &once).unwrap();
        assert_eq!(second, Placement::at(1, 54.0, 44.0).with_diameter_mm(16.0));
        let twice = regulator
            .apply(&once, &pki.regulator.0, second, at("2025-03-01T11:00:00Z"))
            .unwrap();
        assert!(check_sealed_pdf(&twice, &roots(&pki)).unwrap().is_intact());
        // Each seal centred on its own place at its own diameter, on a
        // card 54 mm high.
        let rects = widget_rects(&twice);
        let mm = f64::from(PT_PER_MM);
        for (rect, (cx, cy, d)) in rects.iter().zip([(30.0, 42.0, 20.0), (54.0, 44.0, 16.0)]) {
            let [l, b, r, t] = *rect;
            let centre = ((l + r) / 2.0 / mm, 54.0 - (b + t) / 2.0 / mm);
            assert!(
                (centre.0 - cx).abs() < 0.01 && (centre.1 - cy).abs() < 0.01,
                "{centre:?}"
            );
            assert!(((r - l) / mm - d).abs() < 0.01, "{rect:?}");
        }

        // A seal of an authority the licence does not name.
        let (alone, templates_alone) = licence_pdf(&pki, false, true);
        let err = Placement::for_licence_pdf(&alone, &templates_alone, regulator.seal().info())
            .unwrap_err();
        assert!(
            matches!(&err, SealPdfError::NotAnIssuer { owner } if owner == REGULATOR),
            "{err:?}"
        );
        // A co-issuer the template has no seal place for.
        let (joint, no_place) = licence_pdf(&pki, true, false);
        let err =
            Placement::for_licence_pdf(&joint, &no_place, regulator.seal().info()).unwrap_err();
        assert!(
            matches!(
                &err,
                SealPdfError::NoSealPlace { owner, index: 0, places: 0, .. } if owner == REGULATOR
            ),
            "{err:?}"
        );
        // The issuer's own seal still has its place there.
        assert!(Placement::for_licence_pdf(&joint, &no_place, police.seal().info()).is_ok());
    }

    /// The police's seal with `png` as its picture, `side` mm square.
    #[cfg(feature = "embedded-font")]
    fn police_sealer_with(pki: &Pki, png: Vec<u8>, side: u16) -> PdfSealer {
        let info = SealInfo::builder("police-2", "示例印章", POLICE.parse().unwrap())
            .allow_certificate(&pki.police.1)
            .validity(
                at(SEAL_VALIDITY.0),
                at(SEAL_VALIDITY.0),
                at(SEAL_VALIDITY.1),
            )
            .picture(SealPicture::from_png(png, side, side).unwrap())
            .build()
            .unwrap();
        let seal =
            SignedSeal::sign(info, &pki.maker.0, &[pki.maker.1.clone(), pki.mid.clone()]).unwrap();
        PdfSealer::new(seal, &[pki.police.1.clone(), pki.mid.clone()]).unwrap()
    }

    #[cfg(feature = "embedded-font")]
    #[test]
    fn a_one_ink_picture_passes_its_compressed_rows_through_and_is_no_larger() {
        use crate::render::FontSet;
        use crate::render::stamp::{StampSpec, load_stamp_png, picture_side_mm, stamp_png};
        let pki = pki();
        let spec = StampSpec::new("北京市公安局公安交通管理局", Some("行政审批专用章"));
        let side = picture_side_mm(spec.diameter_mm) as u16;
        let png = stamp_png(&spec, &FontSet::embedded().unwrap(), 10.0).unwrap();
        // The same pixels as RGBA: decoded and deflated.
        let rgba = load_stamp_png(&png).unwrap().encode_png().unwrap();
        let when = at("2025-03-01T10:00:00Z");
        let place = PLACE.with_diameter_mm(30.0);
        let passed = police_sealer_with(&pki, png.clone(), side)
            .apply(&blank_pdf(), &pki.police.0, place, when)
            .unwrap();
        let decoded = police_sealer_with(&pki, rgba, side)
            .apply(&blank_pdf(), &pki.police.0, place, when)
            .unwrap();
        for pdf in [&passed, &decoded] {
            let checked = check_sealed_pdf(pdf, &roots(&pki)).unwrap();
            assert!(checked.is_intact(), "{:?}", checked.seals[0].status);
        }
        // The soft mask is the PNG's own IDAT data, row-filtered.
        let doc = crate::pdf::Document::read(&passed).unwrap();
        let body = doc.bodies().unwrap().pop().unwrap();
        let mask = body
            .iter()
            .filter_map(|o| o.object.as_stream())
            .find(|s| s.dict.name(b"ColorSpace") == Some(b"DeviceGray"))
            .unwrap();
        assert!(mask.dict.has(b"DecodeParms"));
        let idat_start = png.windows(4).position(|w| w == b"IDAT").unwrap() + 4;
        assert!(png[idat_start..].starts_with(&doc.raw_data(mask)[..64]));
        // No larger than the deflated planes (which, from RGBA, also carry
        // the colour the edges' premultiplication rounded).
        let (a, b) = (passed.len() as f64, decoded.len() as f64);
        assert!(a <= b * 1.03, "{a} vs {b} bytes");
    }
}
