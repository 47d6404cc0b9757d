//! `elicence verify`: check codes against trusted keys and print the verdict.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use elicence::seal::pdf::{PdfVerifier, verify_licence_pdf};
use elicence::trust::{LoadReport, TrustStore};
use elicence::verify::StatusPolicy;
use elicence::{TrustedKey, UnixTime, Verdict, Verifier};
use serde_json::json;

use crate::files::{qr_text_argument, read_bytes, read_public_key, read_text, warn_skipped};
use crate::{CliError, CliResult, StatusPolicyArg, VerifyArgs, now};

pub fn run(args: &VerifyArgs) -> CliResult {
    let keys = args
        .public_keys
        .iter()
        .map(|path| read_public_key(path))
        .collect::<Result<Vec<_>, _>>()?;
    let mut store = None;
    if !args.roots.is_empty() {
        store = Some(trust_store(&args.roots, &args.signers)?);
    }
    let at = args.at.unwrap_or_else(now);
    let pdf = args
        .pdf
        .clone()
        .or_else(|| args.text.as_deref().and_then(pdf_path));
    let lists_given = args.trust_list.is_some()
        || !args.status_lists.is_empty()
        || args.status_policy != StatusPolicyArg::FailClosed;
    if let (Some(pdf), false) = (&pdf, lists_given) {
        return verify_pdf(
            pdf,
            PdfVerifier::new(store.unwrap_or_default())
                .with_keys(keys.into_iter().map(TrustedKey::new)),
            at,
        );
    }
    let mut verifier = match &store {
        Some(store) => Verifier::from_roots(store),
        None => Verifier::new([]),
    };
    for key in keys {
        verifier = verifier.with_trusted_key(TrustedKey::new(key));
    }
    verifier = verifier.with_status_policy(match args.status_policy {
        StatusPolicyArg::FailClosed => StatusPolicy::FailClosed,
        StatusPolicyArg::Warn => StatusPolicy::Warn,
    });
    load_lists(&mut verifier, args, at)?;
    if let Some(pdf) = &pdf {
        // The licence inside is judged with the lists and the policy.
        let pdf_verifier =
            PdfVerifier::new(store.unwrap_or_default()).with_licence_verifier(verifier);
        return verify_pdf(pdf, pdf_verifier, at);
    }

    if let Some(batch) = &args.batch {
        let input = read_text(batch)?;
        let (numbers, texts): (Vec<usize>, Vec<&str>) = input
            .lines()
            .enumerate()
            .map(|(i, line)| (i + 1, line.trim()))
            .filter(|(_, line)| !line.is_empty())
            .unzip();
        let verdicts = verifier.verify_batch(&texts, at);
        return print_batch(&numbers, &verdicts, args.details);
    }

    let verdict = if let Some(cose) = &args.cose {
        verifier.verify_bytes(&read_bytes(cose)?, at)
    } else if let Some(text) = &args.text {
        verifier.verify_qr_text(&qr_text_argument(text)?, at)
    } else {
        return Err(CliError::new(
            "give QR text, `-`, a PDF, --cose FILE, --pdf FILE or --batch FILE",
        ));
    };
    outln!("{}", pretty(&verdict.to_json_value()))?;
    Ok(exit_for(verdict.is_valid()))
}

/// Loads the trust list, then each status list, at the verification time;
/// a list the library refuses is a usage error naming the file.
fn load_lists(verifier: &mut Verifier, args: &VerifyArgs, at: UnixTime) -> Result<(), CliError> {
    if let Some(path) = &args.trust_list {
        let load = verifier
            .add_trust_list(&read_bytes(path)?, at)
            .map_err(|e| {
                CliError::new(format!(
                    "{}: trust list refused ({}): {e}",
                    path.display(),
                    e.code()
                ))
            })?;
        for (index, failure) in &load.refused {
            // Nothing is left to warn if stderr is gone.
            let _ = writeln!(
                io::stderr(),
                "elicence: warning: {}: entry {} (counting from 1) is not usable as a \
                 document signer ({}): {failure}",
                path.display(),
                index + 1,
                failure.code()
            );
        }
    }
    for path in &args.status_lists {
        verifier
            .add_status_list(&read_bytes(path)?, at)
            .map_err(|e| {
                CliError::new(format!(
                    "{}: status list refused ({}): {e}",
                    path.display(),
                    e.code()
                ))
            })?;
    }
    Ok(())
}

/// A licence PDF: judged as a whole by the library (its licence, every
/// seal, the binding between them, and nothing added after the last seal).
fn verify_pdf(path: &Path, verifier: PdfVerifier, at: elicence::UnixTime) -> CliResult {
    let bytes = read_bytes(path)?;
    let verdict = verify_licence_pdf(&bytes, &verifier, at);
    outln!("{}", pretty(&verdict.to_json_value()))?;
    Ok(exit_for(verdict.is_valid()))
}

/// The roots and the signer and intermediate certificates from their files.
/// Entries that are not certificates are warned about; a file without any
/// certificate is an error, as it is surely not what was meant.
pub fn trust_store(roots: &[PathBuf], signers: &[PathBuf]) -> Result<TrustStore, CliError> {
    let mut store = TrustStore::new();
    let files = roots
        .iter()
        .map(|path| (path, true))
        .chain(signers.iter().map(|path| (path, false)));
    for (path, is_root) in files {
        let bytes = read_bytes(path)?;
        let report: LoadReport = if is_root {
            store.load_roots(&bytes)
        } else {
            store.load_certificates(&bytes)
        };
        warn_skipped(path, &report.skipped);
        if report.added == 0 {
            return Err(CliError::new(format!(
                "{}: no usable certificate in the file",
                path.display()
            )));
        }
    }
    Ok(store)
}

/// Prints the `--details` lines (invalid codes only) and then the summary, all
/// on stdout as JSON Lines so that the last line is always the summary.
fn print_batch(line_numbers: &[usize], verdicts: &[Verdict], details: bool) -> CliResult {
    let mut invalid = 0usize;
    for (&line, verdict) in line_numbers.iter().zip(verdicts) {
        if verdict.is_valid() {
            continue;
        }
        invalid += 1;
        if details {
            let reasons = verdict
                .to_json_value()
                .get("reasons")
                .cloned()
                .unwrap_or_else(|| json!([]));
            outln!("{}", json!({ "line": line, "reasons": reasons }))?;
        }
    }
    let total = verdicts.len();
    outln!(
        "{}",
        json!({ "total": total, "valid": total - invalid, "invalid": invalid })
    )?;
    Ok(exit_for(invalid == 0))
}

/// The argument as a path, if it names a PDF file. QR text is a URL ending in
/// digits and never names a file, so there is no ambiguity in practice; the
/// `%PDF-` check keeps a stray file named like a code from being misread.
fn pdf_path(argument: &str) -> Option<PathBuf> {
    let path = Path::new(argument);
    let mut magic = [0u8; 5];
    let mut file = File::open(path).ok()?;
    file.read_exact(&mut magic).ok()?;
    (&magic == b"%PDF-").then(|| path.to_path_buf())
}

fn exit_for(valid: bool) -> ExitCode {
    if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Pretty JSON; serialising a `serde_json::Value` cannot fail, and the
/// compact form is an acceptable fallback if it somehow did.
pub fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}
