//! `elicence status`: make and sign an authority's status list token, and
//! show one.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use elicence::status::{LicenceStatus, MIN_LIST_ENTRIES, SignedStatusList, StatusList};
use elicence::trust::Certificate;
use serde_json::json;

use crate::files::{
    read_bytes, read_certificates, read_signing_key, refuse_existing, write_atomic,
};
use crate::verify::pretty;
use crate::{CliError, CliResult, StatusMakeArgs, StatusShowArgs, now};

/// Where lists are published unless `--base` says otherwise; the
/// authority's code follows.
const DEFAULT_BASE: &str = "https://verify.example.gov.cn/status";

pub fn make(args: &StatusMakeArgs) -> CliResult {
    refuse_existing(&[&args.out], args.force, "a status list")?;
    let key = read_signing_key(&args.key)?;
    let chain = read_certificates(&args.cert)?;
    let signer = chain
        .first()
        .ok_or_else(|| CliError::new(format!("{}: no certificate", args.cert.display())))?;
    let base = match &args.base {
        Some(base) => base.trim_end_matches('/').to_owned(),
        None => {
            let code = signer.authority_code().ok_or_else(|| {
                CliError::new(format!(
                    "{}: the certificate names no authority code; give --base",
                    args.cert.display()
                ))
            })?;
            format!("{DEFAULT_BASE}/{code}")
        }
    };
    let subject = format!("{base}/{}", args.list_id);

    let mut list = match &args.from {
        Some(from) => {
            let old = read_token(from)?;
            if old.subject() != subject {
                return Err(CliError::new(format!(
                    "{} is the list {:?}, not {subject:?}; refusing to start from it",
                    from.display(),
                    old.subject()
                )));
            }
            if let Some(size) = args.size
                && old.list().len() != size
            {
                return Err(CliError::new(format!(
                    "{} has {} entries, not the {size} of --size",
                    from.display(),
                    old.list().len()
                )));
            }
            old.list().clone()
        }
        None => StatusList::new(args.size.unwrap_or(MIN_LIST_ENTRIES))
            .map_err(|e| CliError::new(format!("--size: {e}")))?,
    };
    for &(index, status) in &args.set {
        list.set(index, status)
            .map_err(|e| CliError::new(format!("--set {index}={}: {e}", status.code())))?;
    }

    let issued_at = args.at.unwrap_or_else(now);
    let token = SignedStatusList::sign(&list, &subject, issued_at, None, args.ttl, &key, &chain)
        .map_err(|e| {
            CliError::new(format!(
                "cannot sign the status list with {} and {}: {e}",
                args.key.display(),
                args.cert.display()
            ))
        })?;
    write_atomic(&args.out, token.as_bytes())?;
    outln!("status list:         {}", args.out.display())?;
    outln!("subject:             {subject}")?;
    outln!(
        "entries:             {} ({} not valid)",
        list.len(),
        not_valid_count(&list)
    )?;
    outln!("signed at:           {issued_at} (ttl {} s)", args.ttl)?;
    outln!("signer:              {}", signer_summary(signer))?;
    Ok(ExitCode::SUCCESS)
}

pub fn show(args: &StatusShowArgs) -> CliResult {
    let token = read_token(&args.list)?;
    let list = token.list();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for index in 0..list.len() {
        match list.status(index) {
            Ok(status) if status.is_valid() => {}
            Ok(status) => *counts.entry(status.code().to_owned()).or_default() += 1,
            Err(_) => *counts.entry("unregistered".to_owned()).or_default() += 1,
        }
    }
    let mut out = json!({
        "signature": "not checked (verify --roots ... --status checks it)",
        "sub": token.subject(),
        "iat": token.issued_at().to_string(),
        "exp": token.expires().map(|t| t.to_string()),
        "ttl": token.ttl_secs(),
        "bits": list.bits(),
        "entries": list.len(),
        "not_valid": counts,
        "key_id": token.key_id().to_string(),
        "signer": token.signer_chain().first().map(signer_json),
        "chain_length": token.signer_chain().len(),
    });
    if let Some(index) = args.index {
        let entry = match list.status(index) {
            Ok(status) => status_json(index, status),
            Err(e) => json!({ "index": index, "error": e.code(), "message": e.to_string() }),
        };
        if let Some(object) = out.as_object_mut() {
            object.insert("entry".to_owned(), entry);
        }
    }
    outln!("{}", pretty(&out))?;
    Ok(ExitCode::SUCCESS)
}

/// Reads and decodes a status list token (its form only).
fn read_token(path: &Path) -> Result<SignedStatusList, CliError> {
    SignedStatusList::from_slice(&read_bytes(path)?).map_err(|e| {
        CliError::new(format!(
            "{}: not a status list ({}): {e}",
            path.display(),
            e.code()
        ))
    })
}

fn not_valid_count(list: &StatusList) -> usize {
    (0..list.len())
        .filter(|&i| !list.status(i).is_ok_and(LicenceStatus::is_valid))
        .count()
}

fn status_json(index: u32, status: LicenceStatus) -> serde_json::Value {
    json!({
        "index": index,
        "code": status.code(),
        "label": status.label(),
        "label_en": status.label_en(),
    })
}

fn signer_json(cert: &Certificate) -> serde_json::Value {
    json!({
        "common_name": cert.common_name(),
        "authority_code": cert.authority_code().map(ToString::to_string),
        "role": cert.role().map(|r| r.name()),
    })
}

fn signer_summary(cert: &Certificate) -> String {
    format!(
        "{} ({}, {})",
        cert.common_name().unwrap_or("-"),
        cert.authority_code()
            .map_or_else(|| "no authority code".to_owned(), ToString::to_string),
        cert.role().map_or("no role", |r| r.name())
    )
}
