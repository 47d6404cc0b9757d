//! QR sizes of the example licences, measured with the `qrcode` crate.
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

#[test]
fn print_sizes() {
    let key = SigningKey::from_seed(&[9; 32]);
    let at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00").unwrap();
    for name in ["driving-licence", "business-licence", "health-permit"] {
        let json = std::fs::read_to_string(format!(
            "{}/examples/licences/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let signed = SignedLicence::sign(&Licence::from_json(&json).unwrap(), &key, at).unwrap();
        let text = qr::to_qr_text(&signed, &QrBase::default());
        println!(
            "{name}: envelope {} B, text {} chars, M v{}, Q v{}",
            signed.as_bytes().len(),
            text.len(),
            version(&text, EcLevel::M),
            version(&text, EcLevel::Q)
        );
    }
}
