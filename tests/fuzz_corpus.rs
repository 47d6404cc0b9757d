//! Replays the fuzz corpora (`fuzz/corpus/<target>/`, and
//! `fuzz/artifacts/<target>/` when a fuzzing run has left reproducers there)
//! through the same checks the fuzz targets run (`fuzz/checks.rs`), so every
//! `cargo test` keeps what fuzzing has found.
//!
//! `ELICENCE_WRITE_SEEDS=1 cargo test --all-features --test fuzz_corpus write_seeds`
//! rewrites the generated seed files (without `embedded-font`, all but the
//! rendered licence PDF; without `ca`, the generated certificates).
//!
//! The `template` and `pdf_envelope` checks need the `render` feature, the
//! `sealed_pdf` check the `seal-pdf` feature; without them their corpora are
//! skipped.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../fuzz/checks.rs"]
mod checks;
#[path = "../fuzz/fuzz_targets/log_checks/mod.rs"]
mod log_checks;

use std::fs;
use std::panic::catch_unwind;
use std::path::{Path, PathBuf};

use elicence::{Licence, QrBase, SignedLicence, Signer, SigningKey, UnixTime, qr};

/// A fuzz target's check.
type Check = fn(&[u8]);

/// Each fuzz target (a directory name under `corpus/` and `artifacts/`) and
/// its check, for the checks this build has.
const TARGETS: &[(&str, Check)] = &[
    ("envelope", checks::envelope),
    ("qr_text", checks::qr_text),
    ("licence_json", checks::licence_json),
    ("ident", checks::ident),
    ("certificate", checks::certificate),
    ("seal_record", checks::seal_record),
    ("status_list", checks::status_list),
    ("trust_list", checks::trust_list),
    ("log_note", log_checks::note),
    ("log_receipt", log_checks::receipt),
    ("log_event", log_checks::event),
    ("log_tiles", log_checks::tiles),
    #[cfg(feature = "render")]
    ("template", checks::template),
    #[cfg(feature = "pdf")]
    ("pdf_envelope", checks::pdf_envelope),
    #[cfg(feature = "seal-pdf")]
    ("sealed_pdf", checks::sealed_pdf),
    #[cfg(feature = "pdf")]
    ("pdf_reader", checks::pdf_reader),
    #[cfg(feature = "seal-pdf")]
    ("licence_pdf", checks::licence_pdf),
    #[cfg(feature = "ffi")]
    ("c_abi_verify", checks::c_abi_verify),
];

/// Fuzz targets whose checks exist only with a feature, and whether this
/// build has it.
const GATED_TARGETS: [(&str, bool); 6] = [
    ("template", cfg!(feature = "render")),
    ("pdf_envelope", cfg!(feature = "pdf")),
    ("sealed_pdf", cfg!(feature = "seal-pdf")),
    ("pdf_reader", cfg!(feature = "pdf")),
    ("licence_pdf", cfg!(feature = "seal-pdf")),
    ("c_abi_verify", cfg!(feature = "ffi")),
];

/// Whether `name` is a fuzz target: one with a check in this build, or one
/// whose feature the build does not have.
fn is_target(name: &str) -> bool {
    TARGETS.iter().any(|(t, _)| *t == name)
        || GATED_TARGETS
            .iter()
            .any(|&(t, enabled)| t == name && !enabled)
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Regular files in `dir`, sorted by name; none if it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn corpora_replay_without_failures() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for root in ["corpus", "artifacts"] {
        let Ok(entries) = fs::read_dir(fuzz_dir().join(root)) else {
            continue;
        };
        for entry in entries {
            let dir = entry.expect("readable directory entry").path();
            if !dir.is_dir() {
                continue;
            }
            let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            assert!(
                is_target(name),
                "{} is not a fuzz target's directory",
                dir.display()
            );
            let Some(&(_, check)) = TARGETS.iter().find(|(t, _)| *t == name) else {
                continue; // A target whose feature this build does not have.
            };
            for file in files_in(&dir) {
                let data = fs::read(&file).expect("readable corpus file");
                replayed += 1;
                if catch_unwind(|| check(&data)).is_err() {
                    failures.push(file.display().to_string());
                }
            }
        }
    }
    assert!(
        replayed > 0,
        "no corpus files found under {}",
        fuzz_dir().display()
    );
    assert!(
        failures.is_empty(),
        "{} of {replayed} inputs fail their fuzz check:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn seed_corpus_is_present() {
    let targets = TARGETS.iter().map(|(t, _)| *t);
    let gated_off = GATED_TARGETS
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| TARGETS.iter().all(|(t, _)| t != name));
    for target in targets.chain(gated_off) {
        let dir = fuzz_dir().join("corpus").join(target);
        assert!(
            !files_in(&dir).is_empty(),
            "{} is empty: run ELICENCE_WRITE_SEEDS=1 cargo test --all-features --test fuzz_corpus write_seeds",
            dir.display()
        );
    }
}

#[test]
fn every_fuzz_target_has_a_check() {
    let targets = files_in(&fuzz_dir().join("fuzz_targets"));
    assert!(!targets.is_empty());
    for file in targets {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert!(is_target(stem), "fuzz target {stem} is not replayed here");
    }
    for (name, enabled) in GATED_TARGETS {
        assert!(
            !enabled || TARGETS.iter().any(|(t, _)| *t == name),
            "{name} has no check"
        );
    }
}

/// Writes the generated seeds (only with `ELICENCE_WRITE_SEEDS=1`): the example
/// licences, signed with the RFC 8032 test-1 key at a fixed time, as envelopes
/// and as QR text, with broken variants of each; identifier strings; the
/// example templates and broken ones; small hand-made PDFs carrying an
/// envelope, and (with `embedded-font`) a licence PDF rendered by the library;
/// (with `ca`) a root, intermediate and document-signer certificate made from
/// fixed keys, times and serials, as DER and PEM, with broken variants, and
/// seal records whose maker chains to that root, with broken variants; (with
/// `ca` and `seal-pdf`) a tiny PDF sealed once and twice under that root,
/// with broken variants.
#[test]
fn write_seeds() {
    if std::env::var_os("ELICENCE_WRITE_SEEDS").is_none_or(|v| v != "1") {
        return;
    }
    let corpus = fuzz_dir().join("corpus");
    let write = |target: &str, name: &str, data: &[u8]| {
        let dir = corpus.join(target);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(name), data).unwrap();
    };

    let key = SigningKey::from_seed(&checks::RFC8032_TEST1_SEED);
    let at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap();
    let base = QrBase::default();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/licences");
    let mut signed_examples = Vec::new();
    for path in files_in(&examples) {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap()
            .to_owned();
        let json = fs::read_to_string(&path).unwrap();
        write("licence_json", &format!("{stem}.json"), json.as_bytes());

        let licence = Licence::from_json(&json).unwrap();
        let signed = SignedLicence::sign(licence, &key, at).unwrap();
        signed_examples.push((stem.clone(), signed.clone()));
        let bytes = signed.as_bytes();
        write("envelope", &format!("{stem}.cose"), bytes);
        write(
            "envelope",
            &format!("{stem}-truncated.cose"),
            bytes.get(..bytes.len() / 2).unwrap(),
        );
        write(
            "envelope",
            &format!("{stem}-short-by-1.cose"),
            bytes.get(..bytes.len() - 1).unwrap(),
        );
        write(
            "envelope",
            &format!("{stem}-trailing.cose"),
            &[bytes, &[0]].concat(),
        );
        let mut flipped = bytes.to_vec();
        *flipped.last_mut().unwrap() ^= 1;
        write("envelope", &format!("{stem}-bad-signature.cose"), &flipped);

        let text = qr::to_qr_text(&signed, &base);
        let digits = text.trim_start_matches(base.as_str());
        write("qr_text", &format!("{stem}.txt"), text.as_bytes());
        write(
            "qr_text",
            &format!("{stem}-digits-only.txt"),
            digits.as_bytes(),
        );
        write(
            "qr_text",
            &format!("{stem}-other-base.txt"),
            format!("ELICENCE:{digits}").as_bytes(),
        );
        write(
            "qr_text",
            &format!("{stem}-short-by-1.txt"),
            text.as_bytes().get(..text.len() - 1).unwrap(),
        );
        let mut bad = String::from(base.as_str());
        qr::push_digits(&mut bad, &flipped);
        write(
            "qr_text",
            &format!("{stem}-bad-signature.txt"),
            bad.as_bytes(),
        );
    }
    write(
        "qr_text",
        "block-out-of-range.txt",
        format!("{}99999999999999999", base.as_str()).as_bytes(),
    );

    let idents = [
        ("uscc", "91110000600037341L"),
        ("uscc-bad-check", "91110000600037341X"),
        ("resident-x", "11010519491231002X"),
        ("resident-lower-x", "11010519491231002x"),
        ("resident", "360426199101010071"),
        ("resident-bad-date", "360426199102300071"),
        ("type-code", "11100000000013338W011"),
        ("type-code-short", "11100000000013338W01"),
        (
            "identifier",
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
        ),
        (
            "identifier-bad-check",
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.V",
        ),
        ("date", "2024-05-06"),
        ("date-feb-30", "2024-02-30"),
        ("date-short", "2024-5-6"),
        ("time", "2026-11-22T05:38:48+08:00"),
        ("time-utc-fraction", "2026-11-22T05:38:48.123z"),
        ("time-leap-second", "2016-12-31T23:59:60Z"),
        ("time-year-1-east", "0001-01-01T00:00:00+08:00"),
        ("time-year-9999-west", "9999-12-31T23:59:59-08:00"),
    ];
    for (name, text) in idents {
        write("ident", &format!("{name}.txt"), text.as_bytes());
    }

    for path in files_in(&examples_dir().join("templates")) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap();
        write("template", name, &fs::read(&path).unwrap());
    }
    for (name, text, _) in broken_templates() {
        write("template", &format!("{name}.json"), text.as_bytes());
    }

    let driving = signed_examples
        .iter()
        .find(|(stem, _)| stem == "driving-licence")
        .map(|(_, signed)| signed.as_bytes().to_vec())
        .unwrap();
    let mut flipped = driving.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let tiny = embedded_file_pdf(ENVELOPE_FILE_NAME, "", &driving);
    let pdfs = [
        ("tiny.pdf", tiny.clone()),
        (
            "tiny-flate.pdf",
            embedded_file_pdf(
                ENVELOPE_FILE_NAME,
                "/Filter /FlateDecode",
                &zlib_stored(&driving),
            ),
        ),
        (
            "tiny-bad-signature.pdf",
            embedded_file_pdf(ENVELOPE_FILE_NAME, "", &flipped),
        ),
        (
            "tiny-other-name.pdf",
            embedded_file_pdf("licence.txt", "", &driving),
        ),
        (
            "tiny-oversize.pdf",
            embedded_file_pdf(ENVELOPE_FILE_NAME, "", &[b'A'; 4097]),
        ),
        (
            "tiny-truncated.pdf",
            tiny.get(..tiny.len() / 2).unwrap().to_vec(),
        ),
        (
            "garbage.pdf",
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Names << /EmbeddedFiles".to_vec(),
        ),
    ];
    for (name, pdf) in pdfs {
        write("pdf_envelope", name, &pdf);
    }
    #[cfg(feature = "ca")]
    for (name, data) in certificate_seeds() {
        write("certificate", name, &data);
    }
    #[cfg(feature = "ca")]
    for (name, data) in seal_record_seeds() {
        write("seal_record", name, &data);
    }
    #[cfg(all(feature = "ca", feature = "seal-pdf"))]
    for (name, data) in sealed_pdf_seeds() {
        write("sealed_pdf", name, &data);
    }
    #[cfg(feature = "embedded-font")]
    {
        use elicence::render::{FontSet, Renderer};
        let signed = signed_examples
            .iter()
            .find(|(stem, _)| stem == "driving-licence")
            .map(|(_, signed)| signed)
            .unwrap();
        let renderer = Renderer::new(FontSet::embedded().unwrap());
        let pdf = renderer.render_pdf(signed, None).unwrap();
        write("pdf_envelope", "driving-licence.pdf", &pdf);
        write(
            "pdf_envelope",
            "driving-licence-head.pdf",
            pdf.get(..2048).unwrap(),
        );
    }
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The name of the embedded file that carries the envelope
/// (`elicence::render::pdf::ENVELOPE_FILE_NAME`, which needs `render`).
const ENVELOPE_FILE_NAME: &str = "licence.cose";

/// Broken variants of the built-in generic template: seed name, JSON, and
/// the `TemplateError` variant the parser must answer with.
fn broken_templates() -> Vec<(&'static str, String, &'static str)> {
    let generic = fs::read_to_string(examples_dir().join("templates/generic.json")).unwrap();
    let variant = |from: &str, to: &str| {
        assert!(generic.contains(from), "{from}");
        generic.replacen(from, to, 1)
    };
    vec![
        ("unknown-key", variant("\"name\"", "\"nmae\""), "Json"),
        (
            "format-2",
            variant("\"format\": 1", "\"format\": 2"),
            "Format",
        ),
        ("bad-colour", variant("#3A4A5A", "#3A4A5"), "Colour"),
        (
            "off-page-field",
            variant("\"x\": 22, \"y\": 52", "\"x\": 190, \"y\": 52"),
            "OffPage",
        ),
        (
            "unknown-source",
            variant("holder.name", "holder.nmae"),
            "Source",
        ),
        (
            "empty-face-label",
            variant("holder.name", "face:"),
            "Source",
        ),
        (
            "seal-too-big",
            variant("\"diameter_mm\": 40", "\"diameter_mm\": 61"),
            "OutOfRange",
        ),
        (
            "truncated",
            generic.get(..generic.len() / 2).unwrap().to_owned(),
            "Json",
        ),
    ]
}

/// A one-page PDF whose catalog's flat `EmbeddedFiles` name tree lists one
/// file, `name`, with `content` as its stream (`filter` goes into the
/// stream's dictionary), cross-reference table and all.
fn embedded_file_pdf(name: &str, filter: &str, content: &[u8]) -> Vec<u8> {
    let objects: [Vec<u8>; 5] = [
        format!(
            "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [({name}) 4 0 R] >> >> >>"
        )
        .into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>".to_vec(),
        format!("<< /Type /Filespec /F ({name}) /UF ({name}) /EF << /F 5 0 R >> >>").into_bytes(),
        [
            format!(
                "<< /Type /EmbeddedFile /Subtype /application#2Fcose /Length {} {filter} >>\nstream\n",
                content.len()
            )
            .as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat(),
    ];
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// `data` as a zlib stream of one stored (uncompressed) deflate block.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).unwrap();
    let mut out = vec![0x78, 0x01, 0x01];
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// The document-signer seed's authority code (organizationIdentifier).
const SEED_DSC_CODE: &str = "111100000000213452";

/// Key seeds of the certificate seeds' root, intermediate and document signer.
const SEED_ROOT_KEY: [u8; 32] = [1; 32];
const SEED_MID_KEY: [u8; 32] = [2; 32];
const SEED_DSC_KEY: [u8; 32] = [3; 32];

/// Validity of the generated CA and document-signer certificates.
const SEED_CA_VALIDITY: (&str, &str) = ("2024-01-01T00:00:00Z", "2044-01-01T00:00:00Z");
const SEED_DSC_VALIDITY: (&str, &str) = ("2025-01-01T00:00:00+08:00", "2030-01-01T00:00:00+08:00");

/// A request for a seed certificate.
#[cfg(feature = "ca")]
fn seed_request(
    name: &str,
    code: Option<&str>,
    (from, to): (&str, &str),
    role: elicence::trust::ca::Role,
    serial: u8,
) -> elicence::trust::ca::CertificateRequest {
    elicence::trust::ca::CertificateRequest {
        common_name: name.into(),
        organization: Some(name.into()),
        authority_code: code.map(|c| c.parse().unwrap()),
        not_before: UnixTime::parse_rfc3339(from).unwrap(),
        not_after: UnixTime::parse_rfc3339(to).unwrap(),
        role,
        serial: [serial; 16],
    }
}

/// The seeds' root and intermediate CA (path length 0).
#[cfg(feature = "ca")]
fn seed_cas() -> (elicence::Certificate, elicence::Certificate) {
    use elicence::trust::ca::{Role, issue, self_signed};

    let root_key = SigningKey::from_seed(&SEED_ROOT_KEY);
    let mid_key = SigningKey::from_seed(&SEED_MID_KEY);
    let root = self_signed(
        &seed_request("电子证照示例根CA", None, SEED_CA_VALIDITY, Role::Root, 0x11),
        &root_key,
    )
    .unwrap();
    let mid = issue(
        &seed_request(
            "电子证照示例省级CA",
            None,
            SEED_CA_VALIDITY,
            Role::Intermediate { path_len: Some(0) },
            0x22,
        ),
        &mid_key.public_key(),
        &root,
        &root_key,
    )
    .unwrap();
    (root, mid)
}

/// The generated certificate seeds (file name, bytes): a root, an
/// intermediate (path length 0) and a document signer, Ed25519 from fixed
/// keys, times and serials, as DER and as a PEM bundle; a bundle with a
/// PUBLIC KEY block before the root; and broken variants (truncated,
/// trailing byte, bad signature, bad base64, no END line).
#[cfg(feature = "ca")]
fn certificate_seeds() -> Vec<(&'static str, Vec<u8>)> {
    use elicence::trust::ca::{Role, issue, to_pem};

    let root_key = SigningKey::from_seed(&SEED_ROOT_KEY);
    let mid_key = SigningKey::from_seed(&SEED_MID_KEY);
    let dsc_key = SigningKey::from_seed(&SEED_DSC_KEY);
    let (root, mid) = seed_cas();
    let dsc = issue(
        &seed_request(
            "北京市公安局公安交通管理局",
            Some(SEED_DSC_CODE),
            SEED_DSC_VALIDITY,
            Role::DocumentSigner,
            0x33,
        ),
        &dsc_key.public_key(),
        &mid,
        &mid_key,
    )
    .unwrap();

    let (root_pem, mid_pem, dsc_pem) = (to_pem(&root), to_pem(&mid), to_pem(&dsc));
    let der = dsc.der();
    let mut bad_signature = der.to_vec();
    *bad_signature.last_mut().unwrap() ^= 1;
    // One base64 character of the intermediate's block made invalid.
    let bad_base64 = mid_pem.replacen("-----\nMII", "-----\nM!I", 1);
    assert_ne!(bad_base64, mid_pem);
    let no_end = root_pem.replace("-----END CERTIFICATE-----\n", "");
    vec![
        ("root.der", root.der().to_vec()),
        ("intermediate.der", mid.der().to_vec()),
        ("dsc.der", der.to_vec()),
        (
            "chain.pem",
            format!("{root_pem}{mid_pem}{dsc_pem}").into_bytes(),
        ),
        (
            "public-key-and-root.pem",
            format!("{}{root_pem}", root_key.public_key().to_pem()).into_bytes(),
        ),
        (
            "dsc-truncated.der",
            der.get(..der.len() / 2).unwrap().to_vec(),
        ),
        ("dsc-trailing.der", [der, &[0]].concat()),
        ("dsc-bad-signature.der", bad_signature),
        (
            "bad-base64.pem",
            format!("{bad_base64}{dsc_pem}").into_bytes(),
        ),
        ("no-end.pem", no_end.into_bytes()),
    ]
}

/// The seal maker seed's key (its certificate is under the seed intermediate).
#[cfg(feature = "ca")]
const SEED_MAKER_KEY: [u8; 32] = [4; 32];
/// The seal maker organisation's code (organizationIdentifier).
const SEED_MAKER_CODE: &str = "11110108MB1234567C";
/// The seal seeds' owner.
const SEED_SEAL_OWNER: &str = "91110000600037341L";
/// When the seal seeds were made (also the start of their validity), and the
/// end of their validity.
const SEED_SEAL_VALIDITY: (&str, &str) = ("2025-03-01T10:00:00+08:00", "2029-12-31T23:59:59+08:00");

/// The seal maker seed: its key and its certificate under `mid`.
#[cfg(feature = "ca")]
fn seed_maker(mid: &elicence::Certificate) -> (SigningKey, elicence::Certificate) {
    use elicence::trust::ca::{Role, issue};

    let maker_key = SigningKey::from_seed(&SEED_MAKER_KEY);
    let maker = issue(
        &seed_request(
            "示例电子印章制作中心",
            Some(SEED_MAKER_CODE),
            SEED_DSC_VALIDITY,
            Role::SealMaker,
            0x44,
        ),
        &maker_key.public_key(),
        mid,
        &SigningKey::from_seed(&SEED_MID_KEY),
    )
    .unwrap();
    (maker_key, maker)
}

/// The generated seal record seeds (file name, bytes), signed by a maker
/// certificate under the seed intermediate: an official seal whose record
/// carries the intermediate, a special-purpose seal whose record carries the
/// maker's certificate alone; and broken variants of the first (truncated,
/// one byte short, a trailing byte, a bad signature, format version 2, another
/// content type).
#[cfg(feature = "ca")]
fn seal_record_seeds() -> Vec<(&'static str, Vec<u8>)> {
    use elicence::seal::{SealInfo, SealPicture, SignedSeal};

    let (_, mid) = seed_cas();
    let (maker_key, maker) = seed_maker(&mid);
    let png = fs::read(examples_dir().join("photos/health-permit.png")).unwrap();
    let (from, until) = (
        UnixTime::parse_rfc3339(SEED_SEAL_VALIDITY.0).unwrap(),
        UnixTime::parse_rfc3339(SEED_SEAL_VALIDITY.1).unwrap(),
    );
    let owner = SEED_SEAL_OWNER.parse().unwrap();
    let official = SealInfo::builder("ELC-SEAL-0001", "北京示例科技有限公司", owner)
        .allow_certificate(&maker)
        .validity(from, from, until)
        .picture(SealPicture::from_png(png.clone(), 42, 42).unwrap())
        .build()
        .unwrap();
    let owner = SEED_SEAL_OWNER.parse().unwrap();
    let special = SealInfo::builder("ELC-SEAL-0002", "北京示例科技有限公司", owner)
        .purpose("合同专用章")
        .allow_certificate(&maker)
        .allow_certificate_digest([0x5a; 32])
        .validity(from, from, until)
        .picture(SealPicture::from_png(png, 40, 40).unwrap())
        .build()
        .unwrap();
    let official = SignedSeal::sign(official, &maker_key, &[maker.clone(), mid]).unwrap();
    let special = SignedSeal::sign(special, &maker_key, &[maker]).unwrap();

    let bytes = official.as_bytes();
    let replaced = |from: &[u8], to: &[u8]| {
        assert_eq!(from.len(), to.len());
        let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
        let mut out = bytes.to_vec();
        out[at..at + to.len()].copy_from_slice(to);
        out
    };
    let mut bad_signature = bytes.to_vec();
    *bad_signature.last_mut().unwrap() ^= 1;
    vec![
        ("official.seal", bytes.to_vec()),
        ("special-purpose.seal", special.as_bytes().to_vec()),
        (
            "official-truncated.seal",
            bytes.get(..bytes.len() / 2).unwrap().to_vec(),
        ),
        (
            "official-short-by-1.seal",
            bytes.get(..bytes.len() - 1).unwrap().to_vec(),
        ),
        ("official-trailing.seal", [bytes, &[0]].concat()),
        ("official-bad-signature.seal", bad_signature),
        // {1: 1, 2: "elicence", ...} with version 2.
        (
            "official-version-2.seal",
            replaced(b"\x01\x01\x02\x68elicence", b"\x01\x02\x02\x68elicence"),
        ),
        (
            "official-wrong-type.seal",
            replaced(
                b"application/elicence-seal+cose",
                b"application/elicence-XXXX+cose",
            ),
        ),
    ]
}

/// The seal record seeds are what their names say: both seals verify
/// against the certificate seeds' root (one with the intermediate it
/// carries, one without: the root alone does not vouch for its maker), and
/// the broken variants fail the way their names say.
#[test]
fn seal_record_seeds_verify_or_fail_as_named() {
    use elicence::seal::{SealError, SealFailure, SealKind, SignedSeal};
    use elicence::{CborError, TrustFailure, TrustStore};

    let dir = fuzz_dir().join("corpus/seal_record");
    let read = |name: &str| fs::read(dir.join(name)).unwrap();
    let decode = |name: &str| SignedSeal::from_slice(&read(name));
    let mut store = TrustStore::new();
    let root = fs::read(fuzz_dir().join("corpus/certificate/root.der")).unwrap();
    assert_eq!(store.load_roots(&root).added, 1);
    let mut with_mid = store.clone();
    let mid = fs::read(fuzz_dir().join("corpus/certificate/intermediate.der")).unwrap();
    assert_eq!(with_mid.load_certificates(&mid).added, 1);

    let created = UnixTime::parse_rfc3339(SEED_SEAL_VALIDITY.0).unwrap();
    for (name, kind, chain_len) in [
        ("official.seal", SealKind::Official, 2),
        ("special-purpose.seal", SealKind::SpecialPurpose, 1),
    ] {
        let seal = decode(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let info = seal.info();
        assert_eq!(info.kind(), kind, "{name}");
        assert_eq!(info.owner().as_str(), SEED_SEAL_OWNER);
        assert_eq!(info.created(), created);
        assert!(info.allows(seal.maker()), "{name}");
        assert_eq!(seal.maker_chain().len(), chain_len, "{name}");
        assert_eq!(
            seal.maker()
                .authority_code()
                .map(ToString::to_string)
                .as_deref(),
            Some(SEED_MAKER_CODE)
        );
        seal.verify(&with_mid)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if chain_len == 2 {
            seal.verify(&store)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        } else {
            assert!(matches!(
                seal.verify(&store),
                Err(SealFailure::MakerUntrusted {
                    failure: TrustFailure::UntrustedRoot { .. }
                })
            ));
        }
    }
    assert_eq!(
        decode("official-bad-signature.seal")
            .unwrap()
            .verify(&store),
        Err(SealFailure::BadSignature)
    );
    for name in ["official-truncated.seal", "official-short-by-1.seal"] {
        let result = decode(name);
        assert!(
            matches!(result, Err(SealError::Cbor(CborError::Truncated { .. }))),
            "{name}: {result:?}"
        );
    }
    assert!(matches!(
        decode("official-trailing.seal"),
        Err(SealError::Cbor(CborError::TrailingBytes {
            remaining: 1,
            ..
        }))
    ));
    assert_eq!(
        decode("official-version-2.seal"),
        Err(SealError::UnsupportedVersion { version: 2 })
    );
    assert_eq!(
        decode("official-wrong-type.seal"),
        Err(SealError::ObjectType {
            found: "\"application/elicence-XXXX+cose\"".into()
        })
    );
}

/// The sealed PDF seeds' sealers: key seed, name, authority code (the seal's
/// owner) and certificate serial. The first is the certificate seeds'
/// document signer.
#[cfg(feature = "seal-pdf")]
const SEED_SEALERS: [([u8; 32], &str, &str, u8); 2] = [
    (
        SEED_DSC_KEY,
        "北京市公安局公安交通管理局",
        SEED_DSC_CODE,
        0x33,
    ),
    ([5; 32], "北京市卫生健康委员会", "11110105MB0234567T", 0x55),
];
/// When the sealed PDF seeds' two seals were applied (inside the seal and
/// certificate seeds' validity).
#[cfg(all(feature = "ca", feature = "seal-pdf"))]
const SEED_SEALED_AT: [&str; 2] = ["2025-06-01T10:00:00+08:00", "2025-06-01T11:00:00+08:00"];

#[cfg(all(feature = "ca", feature = "seal-pdf"))]
#[path = "support/blank_pdf.rs"]
mod blank_pdf;
#[cfg(all(feature = "ca", feature = "seal-pdf"))]
use blank_pdf::blank_pdf;

/// The generated sealed PDF seeds (file name, bytes): `blank_pdf` sealed by
/// the first of `SEED_SEALERS`, then also by the second, each with a seal of
/// its own whose maker is the seal record seeds' (a 16×16 picture, so that
/// a seed is mostly its 16 KiB `/Contents` hole); and broken variants of the
/// first: a changed byte in the page content, the CMS cut in half (the rest
/// of the hole zeros, as if a shorter signature had been written), and a
/// `/ByteRange` that stops one byte short of the revision's end.
#[cfg(all(feature = "ca", feature = "seal-pdf"))]
fn sealed_pdf_seeds() -> Vec<(&'static str, Vec<u8>)> {
    use elicence::seal::pdf::{CONTENTS_LEN, PdfSealer, Placement};
    use elicence::seal::{SealInfo, SealPicture, SignedSeal};
    use elicence::trust::ca::{Role, issue};

    let (_, mid) = seed_cas();
    let (maker_key, maker) = seed_maker(&mid);
    let mut pixmap = tiny_skia::Pixmap::new(16, 16).unwrap();
    pixmap.fill(tiny_skia::Color::from_rgba8(200, 0, 0, 180));
    let png = pixmap.encode_png().unwrap();
    let (from, until) = (
        UnixTime::parse_rfc3339(SEED_SEAL_VALIDITY.0).unwrap(),
        UnixTime::parse_rfc3339(SEED_SEAL_VALIDITY.1).unwrap(),
    );
    let place = Placement::at(1, 150.0, 230.0);
    let mut pdf = blank_pdf();
    let mut sealed = Vec::new();
    for ((seed, name, code, serial), at) in SEED_SEALERS.into_iter().zip(SEED_SEALED_AT) {
        let key = SigningKey::from_seed(&seed);
        let cert = issue(
            &seed_request(
                name,
                Some(code),
                SEED_DSC_VALIDITY,
                Role::DocumentSigner,
                serial,
            ),
            &key.public_key(),
            &mid,
            &SigningKey::from_seed(&SEED_MID_KEY),
        )
        .unwrap();
        let info = SealInfo::builder(&format!("{code}-PDF"), name, code.parse().unwrap())
            .purpose("电子证照专用章")
            .allow_certificate(&cert)
            .validity(from, from, until)
            .picture(SealPicture::from_png(png.clone(), 10, 10).unwrap())
            .build()
            .unwrap();
        let seal = SignedSeal::sign(info, &maker_key, &[maker.clone(), mid.clone()]).unwrap();
        let sealer = PdfSealer::new(seal, &[cert, mid.clone()]).unwrap();
        pdf = sealer
            .apply(&pdf, &key, place, UnixTime::parse_rfc3339(at).unwrap())
            .unwrap();
        sealed.push(pdf.clone());
    }
    let [once, twice] = <[Vec<u8>; 2]>::try_from(sealed).unwrap();

    let mut changed = once.clone();
    let at = changed.windows(7).position(|w| w == b"licence").unwrap();
    changed[at] = b'L';

    // The hole is `<`, 2 × CONTENTS_LEN hex digits, `>`: the CMS, then zeros.
    let hole = once.windows(10).position(|w| w == b"/Contents<").unwrap() + 10;
    let hex = &once[hole..hole + 2 * CONTENTS_LEN];
    let used = hex.iter().rposition(|&c| c != b'0').unwrap() + 1;
    let mut cut = once.clone();
    cut[hole + used / 2..hole + used].fill(b'0');

    let slot = once.windows(12).position(|w| w == b"/ByteRange[0").unwrap() + 13;
    let numbers: Vec<usize> = std::str::from_utf8(&once[slot..slot + 32])
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let mut short = once.clone();
    short[slot..slot + 32].copy_from_slice(
        format!(
            "{:<32}",
            format!("{} {} {}", numbers[0], numbers[1], numbers[2] - 1)
        )
        .as_bytes(),
    );

    vec![
        ("sealed-once.pdf", once),
        ("sealed-twice.pdf", twice),
        ("sealed-once-changed-byte.pdf", changed),
        ("sealed-once-contents-cut.pdf", cut),
        ("sealed-once-byte-range-short.pdf", short),
    ]
}

/// The sealed PDF seeds are what their names say: the sealed ones are intact
/// against the certificate seeds' root alone (the signatures and the seal
/// records carry the intermediate), the broken ones fail as made.
#[cfg(feature = "seal-pdf")]
#[test]
fn sealed_pdf_seeds_check_as_named() {
    use elicence::TrustStore;
    use elicence::seal::pdf::{SealCheckFailure, SealedPdf, check_sealed_pdf};

    let mut store = TrustStore::new();
    let root = fs::read(fuzz_dir().join("corpus/certificate/root.der")).unwrap();
    assert_eq!(store.load_roots(&root).added, 1);
    let dir = fuzz_dir().join("corpus/sealed_pdf");
    let check = |name: &str| -> (Vec<u8>, SealedPdf) {
        let pdf = fs::read(dir.join(name)).unwrap();
        assert!(pdf.len() < 40 * 1024, "{name} is {} bytes", pdf.len());
        let checked = check_sealed_pdf(&pdf, &store).unwrap_or_else(|e| panic!("{name}: {e}"));
        (pdf, checked)
    };

    let (once, checked) = check("sealed-once.pdf");
    assert!(checked.is_intact(), "{:?}", checked.seals);
    let (twice, checked) = check("sealed-twice.pdf");
    assert!(checked.is_intact(), "{:?}", checked.seals);
    assert!(twice.starts_with(&once));
    let owners: Vec<String> = checked
        .seals
        .iter()
        .map(|s| s.seal.as_ref().unwrap().info().owner().to_string())
        .collect();
    assert_eq!(owners, SEED_SEALERS.map(|(_, _, code, _)| code.to_owned()));
    assert_eq!(
        checked
            .seals
            .iter()
            .map(|s| s.covered_len)
            .collect::<Vec<_>>(),
        [once.len(), twice.len()]
    );

    let status = |name: &str| {
        let (_, checked) = check(name);
        assert_eq!(checked.seals.len(), 1, "{name}");
        checked.seals[0].status.clone()
    };
    assert_eq!(
        status("sealed-once-changed-byte.pdf"),
        Err(SealCheckFailure::DigestMismatch)
    );
    assert_eq!(
        status("sealed-once-contents-cut.pdf").unwrap_err().code(),
        "malformed_cms"
    );
    let (pdf, checked) = check("sealed-once-byte-range-short.pdf");
    assert_eq!(
        checked.seals[0].status.as_ref().unwrap_err().code(),
        "byte_range"
    );
    assert_eq!(
        checked.unsealed_tail,
        pdf.len(),
        "a bad range covers nothing"
    );
}

/// The certificate seeds are what their names say. The generated ones
/// (`certificate_seeds`) parse and chain, or fail as made; the `openssl-*`
/// ones were made with OpenSSL and committed by hand (see `fuzz/README.md`):
/// ECDSA P-256 and RSA certificates are refused for their algorithm, a v1
/// Ed25519 certificate for its version, a bad serialNumber code as such,
/// and an OpenSSL-made Ed25519 document signer parses.
#[test]
fn certificate_seeds_parse_or_fail_as_named() {
    use elicence::trust::{CertError, Certificate, parse_bundle};

    let dir = fuzz_dir().join("corpus/certificate");
    let read = |name: &str| fs::read(dir.join(name)).unwrap();
    let der =
        |name: &str| Certificate::from_der(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let at = |s: &str| UnixTime::parse_rfc3339(s).unwrap();

    let root = der("root.der");
    let mid = der("intermediate.der");
    let dsc = der("dsc.der");
    assert!(root.is_ca() && root.path_len().is_none() && root.is_signed_by(&root));
    assert!(mid.is_ca() && mid.path_len() == Some(0) && mid.is_signed_by(&root));
    assert!(!dsc.is_ca() && dsc.is_signed_by(&mid) && !dsc.is_signed_by(&root));
    assert_eq!(
        dsc.authority_code().map(ToString::to_string).as_deref(),
        Some(SEED_DSC_CODE)
    );
    assert_eq!(root.authority_code(), None);
    assert_eq!(dsc.common_name(), Some("北京市公安局公安交通管理局"));
    for (cert, seed) in [
        (&root, SEED_ROOT_KEY),
        (&mid, SEED_MID_KEY),
        (&dsc, SEED_DSC_KEY),
    ] {
        assert_eq!(
            cert.public_key(),
            &SigningKey::from_seed(&seed).public_key()
        );
    }
    assert_eq!(
        (root.not_before(), root.not_after()),
        (at(SEED_CA_VALIDITY.0), at(SEED_CA_VALIDITY.1))
    );
    assert_eq!(
        (dsc.not_before(), dsc.not_after()),
        (at(SEED_DSC_VALIDITY.0), at(SEED_DSC_VALIDITY.1))
    );
    let usage = dsc.key_usage().unwrap();
    assert!(usage.digital_signature && !usage.key_cert_sign);
    assert!(mid.key_usage().unwrap().key_cert_sign);

    assert_eq!(
        parse_bundle(&read("chain.pem")),
        (vec![root.clone(), mid.clone(), dsc.clone()], Vec::new())
    );
    assert_eq!(
        parse_bundle(&read("public-key-and-root.pem")),
        (vec![root.clone()], Vec::new()),
        "a PUBLIC KEY block is skipped silently"
    );
    let (certs, skipped) = parse_bundle(&read("bad-base64.pem"));
    assert_eq!(certs, vec![dsc.clone()]);
    assert!(
        matches!(skipped.as_slice(), [(0, CertError::Pem(_))]),
        "{skipped:?}"
    );
    let (certs, skipped) = parse_bundle(&read("no-end.pem"));
    assert!(certs.is_empty());
    assert!(
        matches!(skipped.as_slice(), [(0, CertError::Pem(_))]),
        "{skipped:?}"
    );
    let tampered = der("dsc-bad-signature.der");
    assert!(!tampered.is_signed_by(&mid));
    for name in ["dsc-truncated.der", "dsc-trailing.der"] {
        let result = Certificate::from_der(&read(name));
        assert!(
            matches!(result, Err(CertError::Der(_))),
            "{name}: {result:?}"
        );
        assert_eq!(
            parse_bundle(&read(name)),
            (Vec::new(), vec![(0, result.unwrap_err())])
        );
    }

    for (name, oid) in [
        ("openssl-ecdsa-p256.der", "1.2.840.10045.4.3.2"),
        ("openssl-rsa.der", "1.2.840.113549.1.1.11"),
    ] {
        assert_eq!(
            Certificate::from_der(&read(name)),
            Err(CertError::Algorithm {
                what: "signature",
                oid: oid.into()
            }),
            "{name}"
        );
    }
    assert_eq!(
        Certificate::from_der(&read("openssl-ed25519-v1.der")),
        Err(CertError::Version { found: 0 })
    );
    assert_eq!(
        Certificate::from_der(&read("openssl-ed25519-bad-code.der")),
        Err(CertError::AuthorityCode {
            value: "NOT-A-CODE".into()
        })
    );
    let openssl = der("openssl-ed25519-dsc.der");
    assert!(!openssl.is_ca() && openssl.is_signed_by(&openssl));
    assert_eq!(
        openssl.authority_code().map(ToString::to_string).as_deref(),
        Some("91110000600037341L")
    );
    assert!(openssl.key_usage().unwrap().digital_signature);
}

/// The generated seeds are genuine, so fuzzing starts from inputs that reach
/// signature verification and the validity checks.
#[test]
fn generated_seeds_verify() {
    let c = checks::ctx();
    for name in ["business-licence", "driving-licence", "health-permit"] {
        let path = fuzz_dir()
            .join("corpus/qr_text")
            .join(format!("{name}.txt"));
        let text = fs::read_to_string(&path).unwrap();
        let verdict = c.verifier.verify_qr_text(&text, c.at);
        assert!(verdict.is_valid(), "{}: {verdict}", path.display());
    }
}

/// The template seeds are what their names say: the examples parse, the
/// broken variants fail with the error they were made for.
#[cfg(feature = "render")]
#[test]
fn template_seeds_parse_or_fail_as_named() {
    use elicence::render::Template;
    let dir = fuzz_dir().join("corpus/template");
    for path in files_in(&examples_dir().join("templates")) {
        let seed = dir.join(path.file_name().unwrap());
        let json = fs::read_to_string(&seed).unwrap();
        if let Err(e) = Template::from_json(&json) {
            panic!("{}: {e}", seed.display());
        }
    }
    for (name, _, variant) in broken_templates() {
        let seed = dir.join(format!("{name}.json"));
        let err = Template::from_json(&fs::read_to_string(&seed).unwrap()).unwrap_err();
        assert!(format!("{err:?}").starts_with(variant), "{name}: {err:?}");
    }
}

/// The PDF seeds reach what they were made for: the envelope comes out of
/// the rendered licence and the hand-made PDFs (plain and deflated) and
/// verifies; the broken ones fail the way their names say.
#[cfg(feature = "render")]
#[test]
fn pdf_seeds_carry_their_envelope_or_fail_as_named() {
    use elicence::pdf::{PdfError, envelope_from_pdf};
    let c = checks::ctx();
    let dir = fuzz_dir().join("corpus/pdf_envelope");
    let read = |name: &str| fs::read(dir.join(name)).unwrap();
    let driving = fs::read(fuzz_dir().join("corpus/envelope/driving-licence.cose")).unwrap();
    for name in ["driving-licence.pdf", "tiny.pdf", "tiny-flate.pdf"] {
        let bytes = envelope_from_pdf(&read(name)).unwrap();
        let verdict = c.verifier.verify_bytes(&bytes, c.at);
        assert!(verdict.is_valid(), "{name}: {verdict}");
        // The rendered PDF is only written with `embedded-font`, so it may
        // lag the other seeds; the hand-made ones never do.
        if name.starts_with("tiny") {
            assert_eq!(bytes, driving, "{name}");
        }
    }
    let bytes = envelope_from_pdf(&read("tiny-bad-signature.pdf")).unwrap();
    assert!(!c.verifier.verify_bytes(&bytes, c.at).is_valid());
    assert_eq!(
        envelope_from_pdf(&read("tiny-other-name.pdf")),
        Err(PdfError::NoEnvelope)
    );
    assert_eq!(
        envelope_from_pdf(&read("tiny-oversize.pdf")),
        Err(PdfError::EnvelopeTooLarge)
    );
    // 1,799 bytes of doubly deflated zeros that expand to 1 GiB: a chain
    // of filters is refused before anything is decoded (committed by hand,
    // not by write_seeds).
    let bomb = envelope_from_pdf(&read("flate-bomb-1g.pdf"));
    assert!(
        matches!(
            bomb,
            Err(PdfError::Malformed(_) | PdfError::EnvelopeTooLarge)
        ),
        "{bomb:?}"
    );
    for name in [
        "tiny-truncated.pdf",
        "garbage.pdf",
        "driving-licence-head.pdf",
    ] {
        let result = envelope_from_pdf(&read(name));
        assert!(
            matches!(result, Err(PdfError::Read(_))),
            "{name}: {result:?}"
        );
    }
}
