//! The demo's registry step: the example licences issued through a
//! registry (a SQLite file under `OUT/registry/`, made anew on each run),
//! one of them revoked, a checkpoint of the transparency log signed with a
//! demo log key, and one licence's receipt checked offline, as a verifier
//! holding only the log's verifier key would.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use elicence::log::{NoteSigner, Receipt, verify_licence_receipt};
use elicence::registry::{IssueRequest, Issued, IssuingKey, Registry};
use elicence::status::LicenceStatus;
use elicence::{Licence, SigningKey, UnixTime};

use super::trust::demo_key;
use super::{DEMO_SEED, Demo, EXAMPLES, example_licence, shell_quote};
use crate::CliError;
use crate::files::{create_dir, write_atomic};
use crate::registry::registry_failure;

/// The demo log's origin: its checkpoints' first line and its key's name.
const ORIGIN: &str = "verify.example.gov.cn/log";
/// The example revoked, to show a status change in the log.
const REVOKED: usize = 1;
/// The example whose receipt is made and checked.
const PROVEN: usize = 0;

pub fn run(demo: &mut Demo) -> Result<(), CliError> {
    let dir = demo.out.join("registry");
    let db = fresh_registry(&dir)?;
    let db_text = db
        .to_str()
        .ok_or_else(|| CliError::new(format!("{}: not UTF-8", db.display())))?;
    let mut registry = Registry::create(db_text, ORIGIN).map_err(registry_failure)?;
    let issued = issue(&mut registry, demo.issued_at)?;
    let revoked = licence_at(&issued, REVOKED)?.identifier().to_owned();
    // A day after issuance: a status change is an event of its own.
    let revoked_at = UnixTime::from_secs(demo.issued_at.secs() + 86_400);
    let change = registry
        .set_status(
            &revoked,
            LicenceStatus::Revoked,
            "demo: revoked to show a status change",
            "demo operator",
            revoked_at,
        )
        .map_err(registry_failure)?;
    let log_key = NoteSigner::new(ORIGIN, demo_key("transparency log"))
        .map_err(|e| CliError::new(format!("demo log key: {e}")))?;
    registry
        .sign_checkpoint(&log_key)
        .map_err(registry_failure)?;
    let (size, _) = registry.log_head().map_err(registry_failure)?;
    let proven = licence_at(&issued, PROVEN)?;
    let files = write_receipt(&mut registry, &dir, proven, &log_key)?;
    let logged = check_receipt(&files, proven.envelope(), &log_key);
    demo.all_valid &= logged;

    outln!(
        "registry: issued {} licences into {}",
        issued.len(),
        db.display()
    )?;
    outln!(
        "registry: revoked {revoked} (log entry {})",
        change.log_index
    )?;
    outln!("log: checkpoint of {size} entries signed by {ORIGIN}")?;
    outln!(
        "log: receipt of {}: {}",
        proven.identifier(),
        if logged {
            "logged, verified offline"
        } else {
            "does NOT verify"
        }
    )?;
    outln!(
        "  elicence log verify --receipt {} --verifier-key {} --envelope {}",
        shell_quote(&files.receipt),
        shell_quote(&files.verifier_key),
        shell_quote(&files.envelope)
    )?;
    outln!()?;
    Ok(())
}

/// `DIR/registry.sqlite`, with any registry an earlier run left removed:
/// the demo's is made anew, so that its serials start from 1 every time.
fn fresh_registry(dir: &Path) -> Result<PathBuf, CliError> {
    create_dir(dir)?;
    let db = dir.join("registry.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.clone().into_os_string();
        name.push(suffix);
        let path = PathBuf::from(name);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(CliError::new(format!(
                    "cannot remove {}: {e}",
                    path.display()
                )));
            }
            _ => {}
        }
    }
    Ok(db)
}

/// Issues every example with the demo key (no certificate: the demo key
/// speaks for every authority), under its name as request id.
fn issue(registry: &mut Registry, at: UnixTime) -> Result<Vec<Issued>, CliError> {
    let requests = EXAMPLES
        .iter()
        .map(|&(name, json)| {
            let licence = unregistered(name, &example_licence(name, json)?)?;
            Ok(IssueRequest::new(name, licence))
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    let key = IssuingKey::new(SigningKey::from_seed(&DEMO_SEED), None).map_err(registry_failure)?;
    registry.issue(&key, requests, at).map_err(registry_failure)
}

/// The example without the identifier and status reference some carry:
/// the registry allocates both.
fn unregistered(name: &str, licence: &Licence) -> Result<Licence, CliError> {
    let mut value = licence.to_json_value();
    if let Some(fields) = value.as_object_mut() {
        fields.remove("identifier");
        fields.remove("status");
    }
    Licence::from_json(&value.to_string())
        .map_err(|e| CliError::new(format!("example {name}: {e}")))
}

fn licence_at(issued: &[Issued], index: usize) -> Result<&Issued, CliError> {
    issued
        .get(index)
        .ok_or_else(|| CliError::new("the registry issued fewer licences than asked"))
}

/// What a verifier is given: the receipt, the log's verifier key and the
/// licence's envelope.
struct ReceiptFiles {
    receipt: PathBuf,
    verifier_key: PathBuf,
    envelope: PathBuf,
}

fn write_receipt(
    registry: &mut Registry,
    dir: &Path,
    licence: &Issued,
    log_key: &NoteSigner,
) -> Result<ReceiptFiles, CliError> {
    let row = registry
        .licence(licence.identifier())
        .map_err(registry_failure)?
        .ok_or_else(|| CliError::new("the registry lost a licence it issued"))?;
    let receipt = registry.receipt(&row).map_err(registry_failure)?;
    let files = ReceiptFiles {
        receipt: dir.join("receipt.txt"),
        verifier_key: dir.join("log.vkey"),
        envelope: dir.join("licence.cose"),
    };
    write_atomic(&files.receipt, receipt.to_text().as_bytes())?;
    write_atomic(
        &files.verifier_key,
        format!("{}\n", log_key.verifier()).as_bytes(),
    )?;
    write_atomic(&files.envelope, licence.envelope())?;
    Ok(files)
}

/// Checks the receipt as written, with nothing but the files a verifier
/// would be given.
fn check_receipt(files: &ReceiptFiles, envelope: &[u8], log_key: &NoteSigner) -> bool {
    let Ok(text) = fs::read_to_string(&files.receipt) else {
        return false;
    };
    Receipt::from_text(&text)
        .and_then(|receipt| verify_licence_receipt(envelope, &receipt, &log_key.verifier()))
        .is_ok()
}
