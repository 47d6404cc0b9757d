//! `elicence issue`: sign licences and print or write their QR text.

use std::num::NonZeroUsize;
use std::path::Path;
use std::process::ExitCode;
use std::thread;

use elicence::{Licence, QrBase, SignedLicence, SigningKey, UnixTime, qr};

use crate::files::{AtomicFile, read_signing_key, read_text, write_atomic};
use crate::{CliError, CliResult, IssueArgs, now};

pub fn run(args: &IssueArgs) -> CliResult {
    let key = read_signing_key(&args.key)?;
    let base = args.qr_base.clone().unwrap_or_default();
    let issued_at = args.at.unwrap_or_else(now);
    match (&args.licence, &args.batch, &args.out) {
        (Some(licence), None, out) => issue_one(&key, licence, out.as_deref(), &base, issued_at),
        (None, Some(batch), Some(out)) => issue_batch(&key, batch, out, &base, issued_at),
        // clap's argument groups rule the other combinations out.
        _ => Err(CliError::new(
            "give either --licence, or --batch with --out",
        )),
    }
}

fn issue_one(
    key: &SigningKey,
    licence_path: &Path,
    out: Option<&Path>,
    base: &QrBase,
    issued_at: UnixTime,
) -> CliResult {
    let json = read_text(licence_path)?;
    let licence = Licence::from_json(&json)
        .map_err(|e| CliError::new(format!("{}: {e}", licence_path.display())))?;
    let signed =
        SignedLicence::sign(licence, key, issued_at).map_err(|e| CliError::new(e.to_string()))?;
    if let Some(out) = out {
        write_atomic(out, signed.as_bytes())?;
    }
    outln!("{}", qr::to_qr_text(&signed, base))?;
    Ok(ExitCode::SUCCESS)
}

/// A line that could not be issued: its number (from 1) and what was wrong.
struct BadLine {
    line: usize,
    message: String,
}

fn issue_batch(
    key: &SigningKey,
    batch_path: &Path,
    out: &Path,
    base: &QrBase,
    issued_at: UnixTime,
) -> CliResult {
    let input = read_text(batch_path)?;
    let lines: Vec<(usize, &str)> = input
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();

    let threads = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let chunk_len = lines.len().div_ceil(threads).max(1);
    let chunk_results: Vec<Result<Vec<String>, BadLine>> = thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk_len)
            .map(|chunk| scope.spawn(move || issue_chunk(key, chunk, base, issued_at)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(BadLine {
                        line: 0,
                        message: "a signing thread failed".to_owned(),
                    })
                })
            })
            .collect()
    });

    // Chunks are in input order and each stops at its first bad line, so the
    // first error met here is the first bad line in the file.
    let mut file = AtomicFile::create(out, false)?;
    let mut count = 0usize;
    for result in chunk_results {
        let texts = result.map_err(|bad| {
            CliError::new(format!(
                "{} line {}: {}",
                batch_path.display(),
                bad.line,
                bad.message
            ))
        })?;
        for text in texts {
            file.write_all(text.as_bytes())?;
            file.write_all(b"\n")?;
            count += 1;
        }
    }
    file.commit()?;
    outln!("issued {count} licences into {}", out.display())?;
    Ok(ExitCode::SUCCESS)
}

fn issue_chunk(
    key: &SigningKey,
    chunk: &[(usize, &str)],
    base: &QrBase,
    issued_at: UnixTime,
) -> Result<Vec<String>, BadLine> {
    chunk
        .iter()
        .map(|&(line, json)| {
            let bad = |message: String| BadLine { line, message };
            let licence = Licence::from_json(json).map_err(|e| bad(e.to_string()))?;
            let signed =
                SignedLicence::sign(licence, key, issued_at).map_err(|e| bad(e.to_string()))?;
            Ok(qr::to_qr_text(&signed, base))
        })
        .collect()
}
