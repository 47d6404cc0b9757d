//! The QR sizes the README states, measured with the `qrcode` crate: if the
//! format or the examples change size, this fails until the README is updated.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use elicence::{Licence, QrBase, SignedLicence, SigningKey, UnixTime, qr};
use qrcode::{EcLevel, QrCode, Version};

fn version(text: &str, level: EcLevel) -> i16 {
    match QrCode::with_error_correction_level(text, level)
        .unwrap()
        .version()
    {
        Version::Normal(v) => v,
        Version::Micro(v) => panic!("micro QR {v}"),
    }
}

/// (example, envelope bytes, QR text characters, version at M, version at Q)
const README_TABLE: [(&str, usize, usize, i16, i16); 3] = [
    ("driving-licence", 301, 763, 14, 17),
    ("business-licence", 592, 1470, 20, 24),
    ("health-permit", 510, 1271, 18, 22),
];

#[test]
fn example_qr_sizes_are_as_the_readme_says() {
    let key = SigningKey::from_seed(&[9; 32]);
    let at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap();
    let mut measured_all = Vec::new();
    for (name, _, _, _, _) in README_TABLE {
        let path = format!(
            "{}/examples/licences/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let licence = Licence::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
        let signed = SignedLicence::sign(licence, &key, at).unwrap();
        let text = qr::to_qr_text(&signed, &QrBase::default());
        let measured = (
            name,
            signed.as_bytes().len(),
            text.len(),
            version(&text, EcLevel::M),
            version(&text, EcLevel::Q),
        );
        measured_all.push(measured);
    }
    assert_eq!(measured_all, README_TABLE);
}

#[test]
fn digits_cost_about_8_1_bits_per_envelope_byte() {
    // 177 bytes is the most that fits version 10 at M after the default base
    // URL in byte mode: 216 data codewords.
    let base = QrBase::default();
    let fits = |n: usize| {
        let mut text = base.to_string();
        qr::push_digits(&mut text, &vec![0xa5; n]);
        version(&text, EcLevel::M) <= 10
    };
    assert!(fits(177));
    assert!(!fits(178));
}
