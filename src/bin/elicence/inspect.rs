//! `elicence inspect`: decode a code without verifying it.

use std::process::ExitCode;

use elicence::{SignedLicence, UnixTime, qr};
use serde_json::json;

use crate::files::{qr_text_argument, read_bytes};
use crate::verify::pretty;
use crate::{CliError, CliResult, InspectArgs};

/// Exit code for input that does not decode: the same as an invalid code in `verify`.
const MALFORMED: u8 = 1;

pub fn run(args: &InspectArgs) -> CliResult {
    let bytes = if let Some(cose) = &args.cose {
        read_bytes(cose)?
    } else if let Some(text) = &args.text {
        qr::envelope_bytes(&qr_text_argument(text)?)
            .map_err(|e| CliError::with_code(format!("malformed QR text: {e}"), MALFORMED))?
    } else {
        return Err(CliError::new("give QR text, `-` or --cose FILE"));
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
