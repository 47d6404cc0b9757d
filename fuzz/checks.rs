//! The properties each fuzz target checks, shared verbatim by the fuzz
//! targets (`fuzz/fuzz_targets/*.rs`) and by the corpus replay test in the
//! root crate (`tests/fuzz_corpus.rs`), both through `#[path]`.
//!
//! Every function takes the raw fuzz input, must never panic on its own, and
//! asserts only properties that the library promises for inputs it accepts.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use elicence::status::{
    ForeignStatusList, MAX_STATUS_TOKEN_LEN, MIN_LIST_ENTRIES, SignedStatusList, StatusList,
    StatusListError,
};
use std::sync::LazyLock;

use elicence::envelope::MAX_ENVELOPE_LEN;
use elicence::{
    Date, LicenceIdentifier, LicenceTypeCode, PublicKey, QrBase, ResidentId, SignError,
    SignedLicence, Signer, SigningKey, TrustedKey, UnixTime, Uscc, Verifier, qr,
};

/// The RFC 8032 test-1 seed: the seed corpora are signed with it.
pub const RFC8032_TEST1_SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];

/// Offset of the 8-byte key id in an envelope: tag 18 (`d2`), array of 4
/// (`84`), 40-byte bstr (`58 28`), then `{1: -8, 4: h'…', 16: typ}` =
/// `a3 01 27 04 48`.
const KID_OFFSET: usize = 9;

/// Fixed keys, verifier and times, built once per process.
pub struct Ctx {
    /// The fuzzing key, `SigningKey::from_seed(&[7; 32])`.
    pub key: SigningKey,
    /// Trusts the fuzzing key and the RFC 8032 test-1 key (which signs the
    /// seeds, so that they reach signature verification).
    pub verifier: Verifier,
    /// Verification time: 2026-01-01T00:00:00Z, inside every example's validity.
    pub at: UnixTime,
    /// Signing time used when the fuzzer's input has none: 2025-01-01T09:00:00+08:00.
    pub signed_at: UnixTime,
}

/// The shared context.
pub fn ctx() -> &'static Ctx {
    static CTX: LazyLock<Ctx> = LazyLock::new(|| {
        let key = SigningKey::from_seed(&[7; 32]);
        let seed_key = SigningKey::from_seed(&RFC8032_TEST1_SEED);
        // No status lists: a status reference is a warning, so that the
        // seeds reach every check after it.
        let verifier = Verifier::new([
            TrustedKey::new(key.public_key()),
            TrustedKey::new(seed_key.public_key()),
        ])
        .with_status_policy(elicence::verify::StatusPolicy::Warn);
        Ctx {
            key,
            verifier,
            at: UnixTime::from_secs(1_767_225_600),
            signed_at: UnixTime::from_secs(1_735_693_200),
        }
    });
    &CTX
}

/// A signer that hands back a signature it was given, under another key's id:
/// used to re-encode a decoded envelope byte for byte.
struct Replay<'a> {
    key: PublicKey,
    signature: &'a [u8; 64],
}

impl Signer for Replay<'_> {
    fn public_key(&self) -> PublicKey {
        self.key
    }

    fn sign(&self, _message: &[u8]) -> Result<[u8; 64], SignError> {
        Ok(*self.signature)
    }
}

/// `envelope`: envelope bytes.
///
/// Accepted bytes decode again to an equal value, are kept exactly, are the
/// one encoding of their licence (re-signing the decoded licence writes the
/// same bytes, key id aside), and verifying them does not panic.
pub fn envelope(data: &[u8]) {
    let c = ctx();
    let _ = c.verifier.verify_bytes(data, c.at);
    let Ok(signed) = SignedLicence::from_slice(data) else {
        return;
    };
    if signed.chain().is_empty() {
        assert_eq!(signed.as_bytes(), data, "as_bytes must be the input");
    } else {
        // A `.cose` file: the envelope is the input without its chain.
        assert!(signed.as_bytes().len() < data.len());
    }
    let again = SignedLicence::from_slice(signed.as_bytes()).expect("accepted bytes decode again");
    assert_eq!(again, signed, "re-decoding changed the value");

    let key = c.key.public_key();
    let replay = Replay {
        key,
        signature: signed.signature(),
    };
    let resigned = SignedLicence::sign(signed.licence().clone(), &replay, signed.issued_at())
        .expect("the replay signer cannot fail");
    let (old, new) = (signed.as_bytes(), resigned.as_bytes());
    assert_eq!(
        old.get(KID_OFFSET..KID_OFFSET + 8),
        Some(&signed.key_id().0[..]),
        "key id not where the one protected header puts it"
    );
    assert_eq!(
        new.get(KID_OFFSET..KID_OFFSET + 8),
        Some(&key.key_id().0[..])
    );
    assert_eq!(
        old.get(..KID_OFFSET),
        new.get(..KID_OFFSET),
        "re-encoding differs"
    );
    assert_eq!(
        old.get(KID_OFFSET + 8..),
        new.get(KID_OFFSET + 8..),
        "accepted an envelope that is not the deterministic encoding of its licence"
    );

    let _ = c.verifier.verify_envelope(signed, c.at);
}

/// `qr_text`: QR text.
///
/// Accepted text's trailing digit block is exactly what `push_digits` writes
/// for the decoded bytes; verifying does not panic, and the batch path gives
/// the same verdict as the single path.
pub fn qr_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let c = ctx();
    if let Ok(bytes) = qr::envelope_bytes(text) {
        let base = text.trim_end_matches(|ch: char| ch.is_ascii_digit());
        let digits = text.get(base.len()..).unwrap_or_default();
        let mut again = String::new();
        qr::push_digits(&mut again, &bytes);
        assert_eq!(again, digits, "digits do not re-encode to themselves");
        assert_eq!(qr::digit_count(bytes.len()), digits.len());
        assert_eq!(qr::decode_digits(digits).as_ref(), Ok(&bytes));
    }
    let single = c.verifier.verify_qr_text(text, c.at);
    let batch = c.verifier.verify_batch(&[text], c.at);
    assert_eq!(batch, [single], "verify_batch and verify_qr_text disagree");
}

/// `licence_json`: licence JSON.
///
/// An accepted licence survives `to_json`/`from_json`, and, when its envelope
/// fits the size limit, signing and decoding.
pub fn licence_json(data: &[u8]) {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(licence) = elicence::Licence::from_json(json) else {
        return;
    };
    let text = licence.to_json();
    assert_eq!(
        elicence::Licence::from_json(&text),
        Ok(licence.clone()),
        "JSON round trip changed the licence: {text}"
    );

    let c = ctx();
    // Issuing either refuses an oversized licence up front, or produces an
    // envelope that decodes back to the same licence and verifies.
    let signed = match SignedLicence::sign(licence.clone(), &c.key, c.signed_at) {
        Ok(signed) => signed,
        Err(elicence::IssueError::TooLarge { len, max }) => {
            assert!(len > max);
            return;
        }
        Err(e) => panic!("in-memory key failed: {e}"),
    };
    assert!(signed.as_bytes().len() <= MAX_ENVELOPE_LEN);
    assert_eq!(
        SignedLicence::from_slice(signed.as_bytes()),
        Ok(signed.clone()),
        "a licence the builder accepts must decode from its own envelope"
    );
    let text = qr::to_qr_text(&signed, &QrBase::default());
    let verdict = c.verifier.verify_qr_text(&text, c.at);
    assert_eq!(verdict.licence(), Some(&licence), "{verdict}");
}

/// `ident`: identifier, date and time text.
///
/// Whatever parses prints (`Display`) to text that parses to the same value.
pub fn ident(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(v) = s.parse::<Uscc>() {
        assert_eq!(v.to_string().parse::<Uscc>(), Ok(v));
    }
    if let Ok(v) = s.parse::<ResidentId>() {
        assert_eq!(v.to_string().parse::<ResidentId>(), Ok(v));
    }
    if let Ok(v) = s.parse::<LicenceTypeCode>() {
        assert_eq!(v.to_string().parse::<LicenceTypeCode>(), Ok(v));
    }
    if let Ok(v) = s.parse::<LicenceIdentifier>() {
        assert_eq!(v.to_string().parse::<LicenceIdentifier>(), Ok(v));
    }
    if let Ok(v) = s.parse::<Date>() {
        assert_eq!(v.to_string(), s, "a date has one YYYY-MM-DD form");
        assert_eq!(v.to_string().parse::<Date>(), Ok(v));
    }
    if let Ok(t) = UnixTime::parse_rfc3339(s) {
        let shown = t.to_string();
        match UnixTime::parse_rfc3339(&shown) {
            Ok(back) => assert_eq!(back, t, "{s} -> {shown}"),
            // Documented: instants whose UTC year is outside 1..=9999 print
            // in expanded form, which RFC 3339 parsing refuses.
            Err(_) => assert!(
                shown.starts_with(['+', '-']),
                "{s} -> {shown} does not parse back"
            ),
        }
    }
}

/// `template`: template JSON → `render::Template::from_json`.
///
/// Parsing is deterministic, and an accepted template keeps the promises
/// its parser makes: page sides within 20..=1200 mm, every box (shapes,
/// texts, fields with their last wrapped line, the face list, photo, QR
/// square) on the page, the seal's centre on the page, and every size,
/// count and text in its range.
#[cfg(feature = "render")]
pub fn template(data: &[u8]) {
    use elicence::render::template::{MAX_ELEMENTS, MAX_TEMPLATE_LEN, Rect, Source};
    use elicence::render::{Template, TemplateError, TemplateSet};

    /// Millimetres in a point, and baseline-to-baseline distance in ems, as the parser uses them.
    const MM_PER_PT: f32 = 25.4 / 72.0;
    const LINE_SPACING: f32 = 1.35;
    /// The parser allows a box to overhang the page by rounding error only.
    const SLACK: f32 = 1e-3;

    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let result = Template::from_json(json);
    assert_eq!(
        Template::from_json(json),
        result,
        "parsing is not deterministic"
    );
    let t = match result {
        Ok(t) => t,
        Err(e) => {
            let _ = e.to_string();
            match e {
                TemplateError::TooLarge { len } => {
                    assert!(len > MAX_TEMPLATE_LEN && len == json.len());
                }
                TemplateError::Json { line, .. } => assert!(line >= 1, "{e}"),
                TemplateError::TooMany { count, .. } => assert!(count > MAX_ELEMENTS, "{e}"),
                _ => assert!(json.len() <= MAX_TEMPLATE_LEN),
            }
            return;
        }
    };
    let (w, h) = (t.width, t.height);
    let within = |v: f32, min: f32, max: f32| v >= min && v <= max;
    let text_ok =
        |s: &str| (1..=200).contains(&s.chars().count()) && !s.chars().any(char::is_control);
    let on_page = |r: &Rect, what: &str| {
        assert!(
            within(r.width, 0.1, w) && within(r.height, 0.1, h),
            "{what}: size {r:?} on a {w}×{h} page"
        );
        assert!(
            r.x >= 0.0 && r.y >= 0.0 && r.x + r.width <= w + SLACK && r.y + r.height <= h + SLACK,
            "{what}: {r:?} off the {w}×{h} page"
        );
    };
    // A line of text: from x over width, baseline y, its ascent on the page.
    let line_on_page = |x: f32, y: f32, width: f32, size_pt: f32, what: &str| {
        let ascent = size_pt * MM_PER_PT * 0.9;
        on_page(
            &Rect {
                x,
                y: y - ascent,
                width,
                height: ascent,
            },
            what,
        );
    };

    assert!(
        within(w, 20.0, 1200.0) && within(h, 20.0, 1200.0),
        "page {w}×{h}"
    );
    assert!(text_ok(&t.name));
    assert!(t.background_png.is_none(), "from_json loads no file");
    for (len, what) in [
        (t.applies_to.len(), "applies_to"),
        (t.shapes.len(), "shapes"),
        (t.texts.len(), "texts"),
        (t.fields.len(), "fields"),
    ] {
        assert!(len <= MAX_ELEMENTS, "{len} {what}");
    }
    for s in &t.shapes {
        on_page(&s.rect, "shape");
        assert!(within(s.stroke_mm, 0.05, 10.0));
    }
    for x in &t.texts {
        assert!(text_ok(&x.text));
        assert!(within(x.size_pt, 3.0, 96.0) && within(x.letter_spacing, 0.0, 2.0));
        line_on_page(x.x, x.y, x.width, x.size_pt, "text");
    }
    for f in &t.fields {
        assert!(within(f.size_pt, 3.0, 96.0) && (1..=20).contains(&f.max_lines));
        assert!(within(f.label_width, 0.0, w));
        assert!(within(f.width, 1.0, w), "value column {} mm", f.width);
        assert!(f.label.as_deref().is_none_or(text_ok));
        if let Source::Face(label) = &f.source {
            assert!(text_ok(label));
        }
        let total = f.label_width + f.width;
        line_on_page(f.x, f.y, total, f.size_pt, "field");
        let last = f.y + f.size_pt * MM_PER_PT * LINE_SPACING * f32::from(f.max_lines - 1);
        line_on_page(f.x, last, total, f.size_pt, "field's last line");
    }
    if let Some(l) = &t.face_list {
        assert!(within(l.size_pt, 3.0, 96.0));
        assert!(l.y <= l.bottom && l.bottom <= h);
        assert!(within(l.label_width, 0.0, w) && within(l.width, 1.0, w));
        line_on_page(l.x, l.y, l.label_width + l.width, l.size_pt, "face_list");
        line_on_page(
            l.x,
            l.bottom,
            l.label_width + l.width,
            l.size_pt,
            "face_list bottom",
        );
    }
    if let Some(photo) = &t.photo {
        on_page(photo, "photo");
    }
    assert_eq!(t.qr.width, t.qr.height, "the QR code is square");
    assert!(within(t.qr.width, 10.0, 200.0));
    on_page(&t.qr, "qr");
    assert!(within(t.seal.diameter, 20.0, 60.0));
    assert!(
        within(t.seal.cx, 0.0, w) && within(t.seal.cy, 0.0, h),
        "{:?}",
        t.seal
    );
    assert!(t.seal.purpose.as_deref().is_none_or(text_ok));

    // A template is chosen for exactly the types it lists.
    let mut set = TemplateSet::generic_only();
    set.push(t.clone());
    for code in &t.applies_to {
        assert_eq!(set.for_type(code), &t);
    }
}

/// `pdf_envelope`: PDF bytes → `pdf::envelope_from_pdf` (the strict reader).
///
/// Never panics and never aborts on an allocation; bytes
/// it returns are at most `MAX_ENVELOPE_LEN` long, and go through the
/// `envelope` checks: decoding and verifying them is as safe as for any
/// other envelope.
#[cfg(feature = "pdf")]
pub fn pdf_envelope(data: &[u8]) {
    use elicence::pdf::{MAX_PDF_LEN, PdfError, PdfReadError, envelope_from_pdf};

    match envelope_from_pdf(data) {
        Ok(bytes) => {
            assert!(bytes.len() <= MAX_ENVELOPE_LEN, "{} bytes", bytes.len());
            envelope(&bytes);
        }
        Err(e) => {
            let _ = e.to_string();
            if let PdfError::Read(PdfReadError::TooLarge { len, .. }) = e {
                assert!(len > MAX_PDF_LEN && len == data.len());
            }
        }
    }
}

/// `certificate`: a PEM bundle or one DER certificate →
/// `trust::parse_bundle`.
///
/// Never panics; every certificate it returns is at most `MAX_CERT_LEN`
/// bytes, parses again from its own DER (and from PEM made of it) to an equal
/// value, agrees with `is_valid_at` at both ends of its validity, and checking
/// its signature (by itself, by the certificate before it) does not panic.
/// Bytes that are not PEM give what `Certificate::from_der` gives; every
/// skipped entry names its error, at a block index that exists.
pub fn certificate(data: &[u8]) {
    use elicence::trust::cert::to_pem;
    use elicence::trust::{CertError, Certificate, MAX_CERT_LEN, parse_bundle};

    const OID_ED25519: &str = "1.3.101.112";

    let (certs, skipped) = parse_bundle(data);
    let mut previous: Option<&Certificate> = None;
    for cert in &certs {
        let der = cert.der();
        assert!(der.len() <= MAX_CERT_LEN, "{} bytes", der.len());
        assert_eq!(
            Certificate::from_der(der).as_ref(),
            Ok(cert),
            "a certificate does not re-parse from its own DER"
        );
        let (from, to) = (cert.not_before(), cert.not_after());
        for t in [from, to] {
            assert_eq!(cert.is_valid_at(t), from <= t && t <= to, "{cert:?} at {t}");
        }
        let _ = cert.is_signed_by(cert);
        if let Some(previous) = previous {
            let _ = cert.is_signed_by(previous);
        }
        previous = Some(cert);
        assert_eq!(
            parse_bundle(to_pem(der).as_bytes()),
            (vec![cert.clone()], Vec::new()),
            "a certificate does not come back from its own PEM"
        );
    }

    let total = certs.len() + skipped.len();
    let mut last = None;
    for (index, e) in &skipped {
        assert!(!e.to_string().is_empty(), "{e:?} displays as nothing");
        assert!(*index < total, "skipped block {index} of {total}");
        assert!(last < Some(*index), "skipped blocks out of order");
        last = Some(*index);
        match e {
            CertError::TooLarge { len } => assert!(*len > MAX_CERT_LEN, "{e}"),
            CertError::Version { found } => assert_ne!(*found, 2, "{e}"),
            CertError::Length { len, expected, .. } => assert_ne!(len, expected, "{e}"),
            CertError::Algorithm { oid, what, .. } => {
                assert!(oid != OID_ED25519 || *what == "signature", "{e}");
            }
            _ => {}
        }
    }

    let single = Certificate::from_der(data);
    let pem = std::str::from_utf8(data).is_ok_and(|t| t.contains("-----BEGIN"));
    if !pem {
        // Not PEM: exactly one entry, what `from_der` says.
        match single {
            Ok(cert) => assert_eq!((certs, skipped), (vec![cert], Vec::new())),
            Err(e) => assert_eq!((certs, skipped), (Vec::new(), vec![(0, e)])),
        }
    } else if let Ok(cert) = single {
        // DER of an Ed25519 certificate is never UTF-8 (its outer length
        // needs the long form, 0x81 or 0x82, a stray continuation byte), so
        // bytes that parse as one never reach the PEM path.
        panic!("{cert:?} parses as DER but was read as PEM");
    }
}

/// The trust store `seal_record` verifies against: the certificate seeds'
/// root, which the seal record seeds' maker chains to.
fn seal_store() -> &'static elicence::TrustStore {
    static STORE: LazyLock<elicence::TrustStore> = LazyLock::new(|| {
        let mut store = elicence::TrustStore::new();
        let report = store.load_roots(include_bytes!("corpus/certificate/root.der"));
        assert_eq!(report.added, 1, "the seed root parses");
        store
    });
    &STORE
}

/// `seal_record`: seal record bytes → `seal::SignedSeal::from_slice`.
///
/// Accepted bytes are kept exactly, decode again to an equal value, and are
/// the one encoding of their seal (signing the decoded seal again under the
/// same chain, with its signature handed back, writes the same bytes); the
/// decoded seal keeps the format's promises (validity order, purpose only on
/// special-purpose seals, digests strictly ascending), and verifying it
/// against the seed root does not panic. Refusals have a message and a code,
/// and fields consistent with their variant.
pub fn seal_record(data: &[u8]) {
    use elicence::seal::record::{
        MAX_ALLOWED_CERTIFICATES, MAX_MAKER_CHAIN, MAX_SEAL_LEN, SEAL_FORMAT_VERSION, SealError,
        SealKind, SignedSeal,
    };

    let signed = match SignedSeal::from_slice(data) {
        Ok(signed) => signed,
        Err(e) => {
            assert!(!e.to_string().is_empty() && !e.code().is_empty(), "{e:?}");
            match e {
                SealError::TooLarge { len, max } => {
                    assert!(len > max && max == MAX_SEAL_LEN && len == data.len());
                }
                SealError::UnsupportedVersion { version } => {
                    assert_ne!(version, SEAL_FORMAT_VERSION);
                }
                SealError::ChainLength { len } => assert!(len == 0 || len > MAX_MAKER_CHAIN),
                SealError::CertificateCount { count } => {
                    assert!(count == 0 || count > MAX_ALLOWED_CERTIFICATES);
                }
                SealError::SignatureLength { len } => assert_ne!(len, 64),
                _ => {}
            }
            return;
        }
    };
    assert_eq!(signed.as_bytes(), data, "as_bytes must be the input");
    let again = SignedSeal::from_slice(signed.as_bytes()).expect("accepted bytes decode again");
    assert_eq!(again, signed, "re-decoding changed the value");

    let replay = Replay {
        key: *signed.maker().public_key(),
        signature: signed.signature(),
    };
    let resigned = SignedSeal::sign(signed.info().clone(), &replay, signed.maker_chain())
        .expect("the record's own chain is for the maker's key");
    assert_eq!(
        resigned.as_bytes(),
        data,
        "accepted a record that is not the deterministic encoding of its seal"
    );

    let info = signed.info();
    assert!(info.valid_from() < info.valid_until());
    assert!(info.created() <= info.valid_until());
    assert!(info.is_valid_at(info.valid_from()) && info.is_valid_at(info.valid_until()));
    assert_eq!(
        info.purpose().is_some(),
        info.kind() == SealKind::SpecialPurpose
    );
    let digests = info.allowed_certificates();
    assert!((1..=MAX_ALLOWED_CERTIFICATES).contains(&digests.len()));
    assert!(digests.windows(2).all(|w| w.first() < w.get(1)));
    assert_eq!(signed.maker_chain().first(), Some(signed.maker()));
    let _ = info.allows(signed.maker());
    if let Err(failure) = signed.verify(seal_store()) {
        assert!(!failure.code().is_empty() && !failure.to_string().is_empty());
    }
}

/// `sealed_pdf`: PDF bytes → `seal::pdf::check_sealed_pdf` against the seed
/// root (`seal_store`).
///
/// Never panics (lopdf's own panics are caught inside and are errors); a
/// refusal of the whole file is only for a file that is too large or cannot
/// be parsed. For a file it reads: at most `MAX_SEALS` seals in the order of
/// the bytes they cover, none covering more than the file, the unsealed tail
/// what the seals with a sound byte range leave over; and a seal that holds
/// has its record, a signer among the certificates it carries, a signing
/// time inside the seal's validity, and a signer the seal allows and belongs
/// to — what the checker promises, so a verifier can show them.
#[cfg(feature = "seal-pdf")]
pub fn sealed_pdf(data: &[u8]) {
    use elicence::seal::pdf::{
        AppliedSeal, MAX_PDF_LEN, MAX_SEALS, SealCheckFailure, SealPdfError, check_sealed_pdf,
    };

    let checked = match check_sealed_pdf(data, seal_store()) {
        Ok(checked) => checked,
        Err(e) => {
            assert!(!e.to_string().is_empty(), "{e:?}");
            match e {
                SealPdfError::TooLarge { len } => assert!(len > MAX_PDF_LEN && len == data.len()),
                SealPdfError::Read(_) | SealPdfError::Parse(_) => {
                    assert!(data.len() <= MAX_PDF_LEN)
                }
                SealPdfError::TooManySeals { count } => assert!(count > MAX_SEALS),
                // Checking reports a seal that does not hold in its status,
                // never as an error for the whole file.
                other => panic!("check_sealed_pdf refused the file with {other:?}"),
            }
            return;
        }
    };
    assert_eq!(checked.file_len, data.len());
    assert!(
        checked.seals.len() <= MAX_SEALS,
        "{} seals",
        checked.seals.len()
    );
    assert!(
        checked
            .seals
            .windows(2)
            .all(|w| w.first().map(|s| s.revision) < w.get(1).map(|s| s.revision)),
        "seals not in the order of their revisions"
    );
    let sound_range = |s: &&AppliedSeal| {
        !matches!(
            s.status,
            Err(SealCheckFailure::ByteRange { .. }
                | SealCheckFailure::Dictionary { .. }
                | SealCheckFailure::MalformedSealRevision { .. })
        )
    };
    let covered = checked
        .seals
        .iter()
        .filter(sound_range)
        .map(|s| s.covered_len)
        .max()
        .unwrap_or(0);
    assert_eq!(checked.unsealed_tail, data.len() - covered.min(data.len()));
    for seal in &checked.seals {
        assert!(
            seal.covered_len <= data.len(),
            "{}: covers {} of {} bytes",
            seal.field,
            seal.covered_len,
            data.len()
        );
        match &seal.status {
            Ok(()) => holds(seal),
            Err(e) => assert!(!e.code().is_empty() && !e.to_string().is_empty(), "{e:?}"),
        }
    }
    if checked.is_intact() {
        assert_eq!(checked.unsealed_tail, 0);
    }

    /// What a seal that holds must have.
    fn holds(seal: &AppliedSeal) {
        let record = seal.seal.as_ref().expect("a valid seal has its record");
        let signer = seal.signer.as_ref().expect("a valid seal has a signer");
        let signed_at = seal.signed_at.expect("a valid seal has a signing time");
        assert!(seal.covered_len > 0, "{}: covers nothing", seal.field);
        assert!(
            seal.certificates.contains(signer),
            "the signer is not among the certificates the signature carries"
        );
        let info = record.info();
        assert!(info.is_valid_at(signed_at) && info.created() <= signed_at);
        assert!(
            info.allows(signer),
            "{}: the seal does not allow its signer",
            seal.field
        );
        assert_eq!(signer.authority_code(), Some(info.owner()));
        assert!(record.verify(seal_store()).is_ok());
    }
}

/// `pdf_reader`: PDF bytes → the strict reader (`pdf::Document`): the
/// revisions, every body, and every object of the newest view.
///
/// Never panics, never allocates past its limits (the fuzzer's `-rss_limit_mb`
/// and `-malloc_limit_mb` catch it if it does); what it reads is consistent:
/// revisions tile the file in order, each cross-reference section inside its
/// revision, and every object the newest view lists either parses or is a
/// typed error.
#[cfg(feature = "pdf")]
pub fn pdf_reader(data: &[u8]) {
    use elicence::pdf::{Document, Entry, ObjRef};

    let doc = match Document::read(data) {
        Ok(doc) => doc,
        Err(e) => {
            assert!(!e.code().is_empty() && !e.to_string().is_empty());
            return;
        }
    };
    let mut start = 0;
    for revision in doc.revisions() {
        assert_eq!(revision.start, start);
        assert!(revision.start <= revision.xref_offset && revision.xref_offset < revision.end);
        assert!(revision.end <= data.len());
        start = revision.end;
    }
    assert_eq!(doc.tail_len(), data.len() - start);
    if let Err(e) = doc.bodies() {
        assert!(!e.code().is_empty());
    }
    let view = doc.latest();
    let entries: Vec<(u32, Entry)> = doc
        .revisions()
        .iter()
        .flat_map(|r| r.entries.iter().map(|(n, e)| (*n, *e)))
        .take(2_000)
        .collect();
    for (number, entry) in entries {
        let generation = match entry {
            Entry::InUse { generation, .. } | Entry::Free { generation } => generation,
            Entry::Compressed { .. } => 0,
        };
        if let Ok(Some(object)) = doc.get(view, ObjRef { number, generation })
            && let Some(stream) = object.as_stream()
        {
            let _ = doc.decode(stream);
        }
    }
    let _ = elicence::pdf::envelope_from_pdf(data);
}

/// `licence_pdf`: PDF bytes → `seal::pdf::verify_licence_pdf` against the
/// seed root.
///
/// Never panics; a valid verdict means what the policy says: the licence
/// verifies, there is a seal, every seal holds, nothing follows the last;
/// an invalid one always names a reason.
#[cfg(feature = "seal-pdf")]
pub fn licence_pdf(data: &[u8]) {
    use elicence::seal::pdf::{PdfVerifier, verify_licence_pdf};
    use std::sync::OnceLock;

    static VERIFIER: OnceLock<PdfVerifier> = OnceLock::new();
    let verifier = VERIFIER.get_or_init(|| PdfVerifier::new(seal_store().clone()));
    let verdict = verify_licence_pdf(data, verifier, ctx().at);
    let _ = verdict.to_json_value().to_string();
    if verdict.is_valid() {
        assert!(verdict.codes().is_empty());
        assert!(verdict.licence_is_valid());
        assert!(!verdict.seals().is_empty());
        assert!(verdict.seals().iter().all(|s| s.status.is_ok()));
        assert_eq!(verdict.unsealed_tail(), 0);
    } else {
        assert!(
            !verdict.codes().is_empty(),
            "an invalid verdict names no reason"
        );
    }
}

/// `status_list`: bytes as a Status List Token, through the strict reader
/// and the lenient one, then a few lookups. What the strict reader takes
/// the lenient one takes alike.
fn status_lookups(list: &StatusList) {
    let len = list.len();
    for index in [0, 1, len / 2, len.saturating_sub(1)] {
        if index < len {
            assert!(list.get(index).is_ok());
            let _ = list.status(index);
        }
    }
    assert!(matches!(
        list.get(len),
        Err(StatusListError::IndexOutOfRange { .. })
    ));
}

pub fn status_list(data: &[u8]) {
    match SignedStatusList::from_slice(data) {
        Ok(token) => {
            assert_eq!(token.as_bytes(), data);
            assert_eq!(token.list().bits(), 4);
            assert!(token.list().len() >= MIN_LIST_ENTRIES);
            assert!(token.ttl_secs() > 0);
            status_lookups(token.list());
            let signer = token.signer_chain().first().expect("a chain");
            let _ = token.verify_signature(signer.public_key());
            let _ = token.freshness_at(elicence::UnixTime::from_secs(0));
            // What the strict reader takes, the lenient one takes alike.
            let foreign = ForeignStatusList::from_slice(data).expect("strict ⊂ foreign");
            assert_eq!(foreign.list(), token.list());
            assert_eq!(foreign.subject(), token.subject());
        }
        Err(e) => {
            assert!(!e.code().is_empty() && !e.to_string().is_empty());
            if let StatusListError::TooLarge { len, max } = e {
                assert!(len == data.len() && len > max && max == MAX_STATUS_TOKEN_LEN);
            }
        }
    }
    match ForeignStatusList::from_slice(data) {
        Ok(token) => status_lookups(token.list()),
        Err(e) => assert!(!e.code().is_empty()),
    }
}

/// `trust_list`: bytes as a trust list. Accepted bytes are kept exactly,
/// decode again to an equal value, and checking them against an empty
/// store does not panic (and cannot succeed: it has no roots).
pub fn trust_list(data: &[u8]) {
    use elicence::trust::TrustStore;
    use elicence::trust::list::{MAX_TRUST_LIST_LEN, SignedTrustList, TrustListError};
    match SignedTrustList::from_slice(data) {
        Ok(list) => {
            assert_eq!(list.as_bytes(), data);
            let again =
                SignedTrustList::from_slice(list.as_bytes()).expect("accepted bytes decode again");
            assert_eq!(again, list);
            assert!(list.verify(&TrustStore::new()).is_err());
            for entry in &list.list().entries {
                assert_eq!(entry.certificate.authority_code(), Some(&entry.authority));
                let _ = entry.status_list_uri(1);
            }
        }
        Err(e) => {
            assert!(!e.code().is_empty() && !e.to_string().is_empty());
            if let TrustListError::TooLarge { len, max } = e {
                assert!(len == data.len() && len > max && max == MAX_TRUST_LIST_LEN);
            }
        }
    }
}

/// `c_abi_verify`: the verify entry points through the C ABI. The first
/// byte picks one (QR text, envelope, licence PDF); the rest is its input.
///
/// Whatever the bytes, the call returns `ELICENCE_OK` with a verdict (or
/// `ELICENCE_INVALID_UTF8` for a QR text that is not UTF-8, writing
/// nothing), and that verdict is the Rust API's for the same input: the
/// same validity and the same JSON.
#[cfg(feature = "ffi")]
#[allow(unsafe_code)]
pub fn c_abi_verify(data: &[u8]) {
    use elicence::ffi::*;
    use elicence::seal::pdf::PdfVerifier;
    struct Shared(*mut elicence_verifier);
    // SAFETY (of the impls): the handle is only read once made, and the
    // ABI's verify functions may run on any number of threads at once.
    unsafe impl Send for Shared {}
    unsafe impl Sync for Shared {}
    static ABI: LazyLock<(Shared, PdfVerifier)> = LazyLock::new(|| {
        let c = ctx();
        let seed_key = SigningKey::from_seed(&RFC8032_TEST1_SEED);
        let pem = format!(
            "{}{}",
            c.key.public_key().to_pem(),
            seed_key.public_key().to_pem()
        );
        let mut handle = std::ptr::null_mut();
        // SAFETY: a live buffer and a writable out-parameter.
        let result = unsafe { elicence_verifier_new(pem.as_ptr(), pem.len(), &mut handle) };
        assert_eq!(result, elicence_result::ELICENCE_OK);
        let rust = PdfVerifier::from_roots_and_keys_pem(pem.as_bytes()).unwrap();
        (Shared(handle), rust)
    });
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let c = ctx();
    let (abi, rust) = &*ABI;
    let at = c.at.secs();
    let mut verdict: *mut elicence_verdict = std::ptr::null_mut();
    let (result, expected) = match selector % 3 {
        0 => {
            // SAFETY: `input` is live for the call; `verdict` is writable.
            let result = unsafe {
                elicence_verify_qr_text(abi.0, input.as_ptr().cast(), input.len(), at, &mut verdict)
            };
            let expected = std::str::from_utf8(input).ok().map(|text| {
                let v = rust.licence_verifier().verify_qr_text(text, c.at);
                (v.is_valid(), v.to_json_value())
            });
            (result, expected)
        }
        1 => {
            // SAFETY: as above.
            let result = unsafe {
                elicence_verify_envelope(abi.0, input.as_ptr(), input.len(), at, &mut verdict)
            };
            let v = rust.licence_verifier().verify_bytes(input, c.at);
            (result, Some((v.is_valid(), v.to_json_value())))
        }
        _ => {
            // SAFETY: as above.
            let result = unsafe {
                elicence_verify_pdf(abi.0, input.as_ptr(), input.len(), at, &mut verdict)
            };
            let v = rust.verify(input, c.at);
            (result, Some((v.is_valid(), v.to_json_value())))
        }
    };
    let Some((valid, json)) = expected else {
        assert_eq!(result, elicence_result::ELICENCE_INVALID_UTF8);
        assert!(verdict.is_null(), "a refused call wrote its out-parameter");
        return;
    };
    assert_eq!(result, elicence_result::ELICENCE_OK);
    // SAFETY: `verdict` was written by a successful call.
    assert_eq!(unsafe { elicence_verdict_is_valid(verdict) }, valid);
    let mut bytes = std::ptr::null_mut();
    // SAFETY: a live verdict and a writable out-parameter.
    assert_eq!(
        unsafe { elicence_verdict_json(verdict, &mut bytes) },
        elicence_result::ELICENCE_OK
    );
    // SAFETY: `bytes` is live until freed below.
    let text = unsafe {
        std::slice::from_raw_parts(elicence_bytes_data(bytes), elicence_bytes_len(bytes))
    };
    let from_abi: serde_json::Value = serde_json::from_slice(text).unwrap();
    assert_eq!(
        from_abi, json,
        "the ABI's verdict JSON is not the Rust API's"
    );
    // SAFETY: each is freed once.
    unsafe {
        elicence_bytes_free(bytes);
        elicence_verdict_free(verdict);
    }
}
