//! `elicence inspect`: decode a code without verifying it.

use std::process::ExitCode;

use elicence::pdf::envelope_from_pdf;
use elicence::{SignedLicence, UnixTime, qr};
use serde_json::json;

use crate::files::{LicenceInput, licence_argument, read_envelope_file};
use crate::verify::pretty;
use crate::{CliError, CliResult, InspectArgs};

/// Exit code for input that does not decode: the same as an invalid code in `verify`.
const MALFORMED: u8 = 1;

pub fn run(args: &InspectArgs) -> CliResult {
    let bytes = if let Some(cose) = &args.cose {
        read_envelope_file(cose)?
    } else if let Some(text) = &args.text {
        match licence_argument(text)? {
            LicenceInput::Envelope(bytes) => bytes,
            LicenceInput::QrText(text) => qr::envelope_bytes(&text)
                .map_err(|e| CliError::with_code(format!("malformed QR text: {e}"), MALFORMED))?,
            LicenceInput::Pdf(pdf) => envelope_from_pdf(&pdf).map_err(|e| {
                CliError::with_code(format!("{text}: no licence envelope: {e}"), MALFORMED)
            })?,
        }
    } else {
        return Err(CliError::new("give QR text, `-`, a file or --cose FILE"));
    };
    let signed = SignedLicence::from_slice(&bytes)
        .map_err(|e| CliError::with_code(format!("malformed envelope: {e}"), MALFORMED))?;
    outln!("{}", pretty(&to_json(&signed)))?;
    Ok(ExitCode::SUCCESS)
}

fn to_json(signed: &SignedLicence) -> serde_json::Value {
    let licence = signed.licence();
    json!({
        "verified": false,
        "key_id": signed.key_id().to_hex(),
        "issued_at": signed.issued_at().to_rfc3339_utc(),
        "not_before": signed.not_before().to_rfc3339_utc(),
        "expires": signed.expires().map(UnixTime::to_rfc3339_utc),
        "size_bytes": signed.as_bytes().len(),
        "licence": licence.to_json_value(),
        "identifier": licence.identifier().map(ToString::to_string),
    })
}
