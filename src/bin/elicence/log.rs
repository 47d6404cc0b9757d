//! `elicence log`: the registry's transparency log. Signing checkpoints and
//! making receipts need the registry; checking a receipt needs only the
//! receipt, the licence and the log's verifier key (`elicence::log`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use base64ct::{Base64, Encoding};
use clap::{ArgGroup, Args, Subcommand};
use elicence::log::{
    Checkpoint, LogEvent, LoggedIssuance, NoteSigner, NoteVerifier, Receipt, open_checkpoint,
    verify_licence_receipt,
};
use elicence::qr;
use elicence::registry::{Registry, RegistryError};
use serde_json::{Value, json};

use crate::files::{qr_text_argument, read_bytes, read_signing_key, read_text, write_atomic};
use crate::registry::{DbArg, hex, open_registry, print_json, registry_failure};
use crate::{CliError, CliResult};

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Print the log's verifier key (`origin+hash+base64`, C2SP signed-note), which
    /// verifiers and witnesses check checkpoints and receipts with.
    VerifierKey(VerifierKeyArgs),
    /// Sign a checkpoint of the registry's log as it is now, store it and print it.
    Checkpoint(CheckpointArgs),
    /// Print a licence's receipt (C2SP tlog-proof): an offline proof that it was
    /// logged, against the latest signed checkpoint.
    Proof(ProofArgs),
    /// Check a licence's receipt offline, with the log's verifier key.
    Verify(LogVerifyArgs),
    /// Check that the log only grew between two signed checkpoints.
    Consistency(ConsistencyArgs),
}

#[derive(Debug, Args)]
pub struct VerifierKeyArgs {
    /// The log's private key (Ed25519 PKCS#8 PEM, as `keygen` writes it).
    #[arg(long, value_name = "KEY.pem")]
    log_key: PathBuf,
    /// The log's origin, as given to `registry init`.
    #[arg(long, value_name = "ORIGIN")]
    origin: String,
}

#[derive(Debug, Args)]
pub struct CheckpointArgs {
    #[command(flatten)]
    db: DbArg,
    /// The log's private key (Ed25519 PKCS#8 PEM).
    #[arg(long, value_name = "KEY.pem")]
    log_key: PathBuf,
    /// Also write the checkpoint here.
    #[arg(long, value_name = "CHECKPOINT.txt")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProofArgs {
    #[command(flatten)]
    db: DbArg,
    /// The licence's identifier (GB/T 36904).
    #[arg(long, value_name = "IDENTIFIER")]
    id: String,
    /// Write the receipt here (and print a summary) instead of printing it.
    #[arg(long, value_name = "RECEIPT.txt")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("licence").required(true).args(["qr", "qr_file", "envelope"])))]
pub struct LogVerifyArgs {
    /// The receipt (as `log proof` writes it).
    #[arg(long, value_name = "RECEIPT.txt")]
    receipt: PathBuf,
    /// The log's verifier key (as `log verifier-key` prints it), or a file holding it.
    #[arg(long, value_name = "VKEY")]
    verifier_key: String,
    /// The licence's QR text, or `-` to read it from stdin.
    #[arg(long, value_name = "TEXT")]
    qr: Option<String>,
    /// A file holding the licence's QR text.
    #[arg(long, value_name = "FILE")]
    qr_file: Option<PathBuf>,
    /// The licence's envelope (a `.cose` file; a carried chain is allowed).
    #[arg(long, value_name = "F.cose")]
    envelope: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConsistencyArgs {
    #[command(flatten)]
    db: DbArg,
    /// The older signed checkpoint.
    #[arg(long, value_name = "OLD.txt")]
    old: PathBuf,
    /// The newer signed checkpoint (default: the registry's latest).
    #[arg(long, value_name = "NEW.txt")]
    new: Option<PathBuf>,
    /// The log's verifier key, or a file holding it.
    #[arg(long, value_name = "VKEY")]
    verifier_key: String,
}

pub fn run(command: &LogCommand) -> CliResult {
    match command {
        LogCommand::VerifierKey(args) => verifier_key(args),
        LogCommand::Checkpoint(args) => checkpoint(args),
        LogCommand::Proof(args) => proof(args),
        LogCommand::Verify(args) => verify(args),
        LogCommand::Consistency(args) => consistency(args),
    }
}

fn verifier_key(args: &VerifierKeyArgs) -> CliResult {
    let signer = note_signer(&args.log_key, &args.origin)?;
    outln!("{}", signer.verifier())?;
    Ok(ExitCode::SUCCESS)
}

fn checkpoint(args: &CheckpointArgs) -> CliResult {
    let mut registry = open_registry(&args.db.db)?;
    // The key is named after the registry's origin: that is what its
    // checkpoints' verifiers expect.
    let origin = registry.log_origin().map_err(registry_failure)?;
    let signer = note_signer(&args.log_key, &origin)?;
    let note = registry
        .sign_checkpoint(&signer)
        .map_err(registry_failure)?;
    if let Some(out) = &args.out {
        write_atomic(out, note.as_bytes())?;
    }
    print_text(&note)
}

pub fn note_signer(key_path: &Path, origin: &str) -> Result<NoteSigner, CliError> {
    let key = read_signing_key(key_path)?;
    NoteSigner::new(origin, key)
        .map_err(|e| CliError::new(format!("the log's origin {origin:?}: {e}")))
}

fn proof(args: &ProofArgs) -> CliResult {
    let mut registry = open_registry(&args.db.db)?;
    let receipt = receipt_of(&mut registry, &args.id)?;
    let text = receipt.to_text();
    match &args.out {
        Some(out) => {
            write_atomic(out, text.as_bytes())?;
            print_json(&json!({
                "receipt": out.display().to_string(),
                "identifier": args.id,
                "index": receipt.index,
            }))
        }
        None => print_text(&text),
    }
}

fn receipt_of(registry: &mut Registry, identifier: &str) -> Result<Receipt, CliError> {
    let row = registry
        .licence(identifier)
        .map_err(registry_failure)?
        .ok_or_else(|| CliError::new(format!("registry: no licence {identifier}")))?;
    registry.receipt(&row).map_err(|e| match e {
        RegistryError::NoCheckpoint { index, size } => CliError::new(format!(
            "no signed checkpoint covers {identifier} yet (its log entry is {index}, the \
             latest checkpoint covers {size}): sign a checkpoint first: elicence log checkpoint"
        )),
        other => registry_failure(other),
    })
}

fn verify(args: &LogVerifyArgs) -> CliResult {
    let receipt_text = read_text(&args.receipt)?;
    let verifier = read_verifier(&args.verifier_key)?;
    let envelope = match licence_envelope(args)? {
        Ok(envelope) => envelope,
        Err(e) => return not_logged("malformed_text", &e.to_string()),
    };
    let checked = Receipt::from_text(&receipt_text)
        .and_then(|receipt| verify_licence_receipt(&envelope, &receipt, &verifier));
    match checked {
        Ok(logged) => print_json(&logged_json(&logged)),
        Err(e) => not_logged(e.code(), &e.to_string()),
    }
}

/// The envelope named on the command line; a QR text that does not decode
/// is the licence's failure (exit 1), a file that cannot be read the
/// user's (exit 2).
fn licence_envelope(args: &LogVerifyArgs) -> Result<Result<Vec<u8>, qr::QrError>, CliError> {
    if let Some(path) = &args.envelope {
        return Ok(Ok(read_bytes(path)?));
    }
    let text = match (&args.qr, &args.qr_file) {
        (Some(text), _) => qr_text_argument(text)?,
        (None, Some(path)) => read_text(path)?.trim().to_owned(),
        // clap's argument group rules this out.
        (None, None) => return Err(CliError::new("give --qr, --qr-file or --envelope")),
    };
    Ok(qr::envelope_bytes(&text))
}

fn logged_json(logged: &LoggedIssuance) -> Value {
    let mut value = json!({
        "logged": true,
        "index": logged.index,
        "tree_size": logged.checkpoint.size,
        "root": Base64::encode_string(&logged.checkpoint.root),
        "origin": logged.checkpoint.origin,
    });
    if let (
        Some(object),
        LogEvent::Issuance {
            at,
            identifier,
            authority,
            envelope_sha256,
            ..
        },
    ) = (value.as_object_mut(), &logged.event)
    {
        object.insert("identifier".to_owned(), json!(identifier));
        object.insert("authority".to_owned(), json!(authority.to_string()));
        object.insert("issued_at".to_owned(), json!(at.to_rfc3339_utc()));
        object.insert("envelope_sha256".to_owned(), json!(hex(envelope_sha256)));
    }
    value
}

fn not_logged(code: &str, message: &str) -> CliResult {
    print_json(&json!({ "logged": false, "error": code, "message": message }))?;
    Ok(ExitCode::from(1))
}

fn consistency(args: &ConsistencyArgs) -> CliResult {
    let verifier = read_verifier(&args.verifier_key)?;
    let old_note = read_text(&args.old)?;
    let mut registry = open_registry(&args.db.db)?;
    let new_note = match &args.new {
        Some(path) => read_text(path)?,
        None => {
            registry
                .latest_checkpoint()
                .map_err(registry_failure)?
                .ok_or_else(|| {
                    CliError::new(
                        "the registry has no signed checkpoint: sign one first: \
                         elicence log checkpoint",
                    )
                })?
                .1
        }
    };
    let old = match open_checkpoint(&old_note, &verifier) {
        Ok(checkpoint) => checkpoint,
        Err(e) => return inconsistent(e.code(), &format!("old checkpoint: {e}")),
    };
    let new = match open_checkpoint(&new_note, &verifier) {
        Ok(checkpoint) => checkpoint,
        Err(e) => return inconsistent(e.code(), &format!("new checkpoint: {e}")),
    };
    check_consistency(&mut registry, &old, &new)
}

/// Asks the registry for the proof between the two sizes and checks it
/// against the two signed roots: a registry that rewrote or lost entries
/// cannot produce one.
fn check_consistency(registry: &mut Registry, old: &Checkpoint, new: &Checkpoint) -> CliResult {
    let (log_size, _) = registry.log_head().map_err(registry_failure)?;
    if new.size > log_size {
        return inconsistent(
            "beyond_log",
            &format!(
                "the registry's log has {log_size} entries, fewer than the checkpoint's {}: \
                 it lost entries, or it is another log",
                new.size
            ),
        );
    }
    // Out of order, or from the empty tree, the library's check needs no
    // proof.
    let proof = if 0 < old.size && old.size <= new.size {
        registry
            .consistency_proof(old.size, new.size)
            .map_err(registry_failure)?
    } else {
        Vec::new()
    };
    match old.verify_extended_by(new, &proof) {
        Ok(()) => print_json(&json!({
            "consistent": true,
            "old_size": old.size,
            "new_size": new.size,
            "new_root": Base64::encode_string(&new.root),
        })),
        Err(e) => inconsistent(e.code(), &e.to_string()),
    }
}

fn inconsistent(code: &str, message: &str) -> CliResult {
    print_json(&json!({ "consistent": false, "error": code, "message": message }))?;
    Ok(ExitCode::from(1))
}

/// The verifier key given on the command line, or read from the file it
/// names (a key's origin may look like a path, so a file is taken only if
/// one is there).
fn read_verifier(arg: &str) -> Result<NoteVerifier, CliError> {
    let path = Path::new(arg);
    let (text, what) = if path.is_file() {
        (read_text(path)?, path.display().to_string())
    } else {
        (arg.to_owned(), "--verifier-key".to_owned())
    };
    text.trim()
        .parse::<NoteVerifier>()
        .map_err(|e| CliError::new(format!("{what}: not a log verifier key: {e}")))
}

/// Prints a note or receipt exactly: its text already ends in a newline.
fn print_text(text: &str) -> CliResult {
    outln!("{}", text.strip_suffix('\n').unwrap_or(text))?;
    Ok(ExitCode::SUCCESS)
}
